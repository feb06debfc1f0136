// Trace search and the waterfall of one trace: a row per span, indented by depth, with a bar
// placed at the span's offset and sized by its duration relative to the whole trace.
import { el } from './elements.js';
import { ms, time } from './format.js';
import { table } from './tables.js';

export function traceList(traces, onOpen) {
  return table([
    { title: 'Started', value: t => time(t.startEpochMillis) },
    { title: 'Root', value: t => `${t.rootService}: ${t.rootName}` },
    { title: 'Duration', value: t => ms(t.durationMs), numeric: true },
    { title: 'Spans', value: t => String(t.spanCount), numeric: true },
    { title: 'Services', value: t => t.services.join(', ') },
    { title: 'Status', value: t => (t.error ? el('span', { class: 'badge bad', text: 'error' }) : el('span', { class: 'badge ok', text: 'ok' })) },
  ], traces, { id: 'trace-table', rowId: t => t.traceId, onSelect: onOpen, caption: 'Matching traces, newest first', empty: 'No trace matches.' });
}

/** onLogs(traceId), when given, adds a "logs of this trace" link to the head. */
export function waterfall(trace, onLogs) {
  const total = trace.durationMs || 1;
  const multiCluster = new Set(trace.spans.map(s => s.cluster).filter(Boolean)).size > 1;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(f => el('span', { class: 'tick', text: ms(total * f) }));
  const rows = trace.spans.map(s => {
    const bar = el('div', { class: `span-bar ${s.error ? 'bad' : 'ok'}` });
    bar.style.left = `${(100 * s.offsetMs) / total}%`;
    bar.style.width = `${Math.max(0.3, (100 * s.durationMs) / total)}%`;
    const name = el('div', { class: 'span-name' },
      el('span', { class: 'service', text: multiCluster ? `${s.cluster}/${s.service}` : s.service }),
      el('span', { text: ` ${s.name}` }));
    name.style.paddingLeft = `${s.depth * 14}px`;
    const details = Object.entries(s.attributes ?? {}).map(([k, v]) => `${k}=${v}`).join('\n');
    return el('div', {
      class: 'span', role: 'row', 'data-span-id': s.spanId, 'data-parent-span-id': s.parentSpanId, 'data-service': s.service,
      title: `${s.kind} ${s.name}\n${ms(s.durationMs)} at +${ms(s.offsetMs)}${s.httpStatus ? `\nHTTP ${s.httpStatus}` : ''}${details ? `\n${details}` : ''}`,
    },
    el('div', { role: 'cell' }, name),
    el('div', { role: 'cell', class: 'track' }, bar),
    el('div', { role: 'cell', class: 'num', text: ms(s.durationMs) }));
  });
  return [
    el('div', { class: 'waterfall-head' },
      el('h3', { text: `Trace ${trace.traceId}` }),
      el('span', { class: 'muted', text: `${trace.spans.length} spans · ${ms(trace.durationMs)} · ${time(trace.startEpochMillis)}` }),
      onLogs ? el('button', { type: 'button', class: 'link', id: 'trace-logs', 'data-trace-id': trace.traceId,
        onclick: () => onLogs(trace.traceId), text: 'Logs of this trace →' }) : null),
    el('div', { class: 'span-grid', role: 'table', 'aria-label': `Spans of trace ${trace.traceId}`, 'data-trace-id': trace.traceId },
      el('div', { class: 'span header', role: 'row' },
        el('div', { role: 'columnheader', text: 'Service / span' }),
        el('div', { role: 'columnheader', class: 'track ticks' }, ticks),
        el('div', { role: 'columnheader', class: 'num', text: 'Duration' })),
      rows),
  ];
}
