// TestLanes: the services each lane's coloured requests reach a lane version of, and its traffic,
// as the control plane derived them (status), else as the lane names them (spec.services).
import { el } from './elements.js';
import { rate } from './format.js';
import { table } from './tables.js';

export function lanesTable(lanes) {
  const services = l => l.status?.services ?? l.spec?.services ?? [];
  return table([
    { title: 'Lane', value: l => el('span', null, el('strong', { text: l.metadata.name }), el('span', { class: 'muted', text: ` ${l.metadata.namespace}` })) },
    { title: 'Header', value: l => el('code', { text: l.spec?.header ?? 'x-meshlane-lane' }) },
    {
      title: 'Services',
      value: l => {
        const list = [].concat(services(l));
        return list.length ? el('span', { class: 'lane-services' }, list.map(s => el('span', { class: 'badge', 'data-service': s, text: s })))
          : el('span', { class: 'muted', text: 'none yet' });
      },
    },
    { title: 'Mirror', value: l => (l.spec?.mirror ? `${l.spec.mirror.host} · ${l.spec.mirror.percent ?? 100}%` : '–') },
    { title: 'Traffic', value: l => el('span', { class: 'lane-rate', text: rate(l.status?.requestsPerSecond) }), numeric: true },
  ], lanes, { id: 'lanes', rowId: l => `${l.metadata.namespace}/${l.metadata.name}`, caption: 'Test lanes', empty: 'No TestLane: kubectl apply one to give a team its lane.' });
}
