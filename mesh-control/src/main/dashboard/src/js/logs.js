// Access-log search results: newest first, one row per record. A record that carries a trace id
// links to that trace's waterfall, so a failed request leads straight to where it failed.
import { el } from './elements.js';
import { table } from './tables.js';

const SEVERITY_CLASS = { ERROR: 'bad', FATAL: 'bad', WARN: 'warn', WARNING: 'warn' };

function stamp(epochMillis) {
  if (!epochMillis) return '–';
  const d = new Date(epochMillis);
  return `${d.toLocaleTimeString('en-GB')}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function severity(level) {
  if (!level) return el('span', { class: 'muted', text: '–' });
  return el('span', { class: `badge ${SEVERITY_CLASS[level.toUpperCase()] ?? 'plain'}`, text: level });
}

function message(row) {
  const attributes = Object.entries(row.attributes ?? {}).map(([k, v]) => `${k}=${v}`).join('\n');
  return el('span', { class: 'log-body', title: attributes || null, text: row.body });
}

/** onTrace(traceId) opens the trace; rows without a trace id show a dash. */
export function logTable(logs, onTrace) {
  return table([
    { title: 'Time', value: r => el('time', { datetime: new Date(r.epochMillis).toISOString(), text: stamp(r.epochMillis) }) },
    { title: 'Service', value: r => el('span', null, el('strong', { text: r.service || '–' }), r.namespace ? el('span', { class: 'muted', text: ` ${r.namespace}` }) : null) },
    { title: 'Severity', value: r => severity(r.severity) },
    { title: 'Message', value: message },
    {
      title: 'Trace',
      value: r => (r.traceId
        ? el('button', {
          type: 'button', class: 'link trace-link', 'data-trace-id': r.traceId, title: `Open trace ${r.traceId}`,
          'aria-label': `Open trace ${r.traceId}`, onclick: () => onTrace(r.traceId), text: `${r.traceId.slice(0, 12)}…`,
        })
        : el('span', { class: 'muted', text: '–' })),
    },
  ], logs, {
    id: 'log-table', rowId: r => `${r.cluster}/${r.epochNanos}/${r.spanId}`, caption: 'Matching log records, newest first',
    empty: 'No log record matches in this window.',
  });
}
