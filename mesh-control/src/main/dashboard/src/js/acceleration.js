// The agents' per-node acceleration reports and the per-namespace switch.
import { el } from './elements.js';
import { bytes, count } from './format.js';
import { table } from './tables.js';

export function nodesTable(nodes) {
  return table([
    { title: 'Node', value: n => n.name },
    { title: 'Mode', value: n => el('span', { class: `badge ${n.mode === 'ebpf' ? 'ok' : 'warn'}`, text: n.mode }) },
    { title: 'Pods', value: n => count(n.pods), numeric: true },
    { title: 'Accelerated', value: n => count(n.accelerated), numeric: true },
    { title: 'Bytes', value: n => bytes(n.bytes), numeric: true },
    { title: 'Failures', value: n => count(n.failures), numeric: true },
    { title: 'Last report', value: n => n.lastReport ? new Date(n.lastReport).toLocaleTimeString('en-GB') : '–' },
  ], nodes, { id: 'nodes', rowId: n => `${n.cluster ?? ''}/${n.name}`, caption: 'Node acceleration', empty: 'No agent has reported yet.' });
}

/** onToggle(namespace, enabled) returns a promise of the new row; the switch is disabled meanwhile. */
export function namespacesTable(namespaces, onToggle) {
  return table([
    { title: 'Namespace', value: ns => ns.name },
    {
      title: 'Acceleration',
      value: ns => {
        const on = ns.acceleration === 'Enabled';
        const button = el('button', {
          type: 'button', class: 'switch', role: 'switch', 'aria-checked': String(on), 'data-namespace': ns.name,
          'aria-label': `Acceleration in ${ns.name}`,
        }, el('span', { class: 'knob', 'aria-hidden': 'true' }), el('span', { class: 'switch-text', text: ns.acceleration }));
        button.addEventListener('click', async () => {
          button.disabled = true;
          button.setAttribute('aria-busy', 'true');
          try {
            const row = await onToggle(ns.name, !on);
            if (row) {
              ns.acceleration = row.acceleration;
              ns.source = row.source;
            }
          } finally {
            button.disabled = false;
            button.removeAttribute('aria-busy');
          }
        });
        return button;
      },
    },
    { title: 'Source', value: ns => (ns.overriddenBy ? `${ns.source} (overrides the switch)` : ns.source ?? '') },
  ], namespaces, { id: 'namespaces', rowId: ns => ns.name, caption: 'Namespace acceleration', empty: 'No namespaces.' });
}
