// The telemetry pipeline's own health (GET /telemetry/v1/status): whether the memory budget is
// evicting data, whether the series cap is folding keys away, what ingest accepted and refused,
// whether exporters keep up and which federation peers answer. Every number a user would act on
// carries data-* attributes so that it can be checked without parsing formatted text.
import { el } from './elements.js';
import { bytes, count } from './format.js';
import { table } from './tables.js';

function meter(used, budget, label, text = `${bytes(used)} of ${bytes(budget)}`) {
  const ratio = budget > 0 ? Math.min(1, used / budget) : 0;
  const level = ratio >= 0.9 ? 'bad' : ratio >= 0.75 ? 'warn' : 'ok';
  const bar = el('div', { class: `meter-fill ${level}` });
  bar.style.width = `${(100 * ratio).toFixed(1)}%`;
  return el('div', {
    class: 'meter', role: 'meter', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': budget, 'aria-valuenow': used,
    'aria-valuetext': text,
  }, bar);
}

function counter(name, label, value, options = {}) {
  const attention = options.badWhenPositive && value > 0;
  return el('div', { class: `counter${attention ? ' attention' : ''}`, 'data-counter': name, 'data-value': value ?? '' },
    el('span', { class: 'muted', text: label }), el('strong', { text: count(value) }));
}

function card(title, ...children) {
  return el('div', { class: 'health-card' }, el('h3', { text: title }), children);
}

function wideCard(title, ...children) {
  const c = card(title, children);
  c.classList.add('wide');
  return c;
}

function memory(status) {
  const m = status.memory ?? {};
  const e = status.evictions ?? {};
  const kinds = [
    { key: 'aggregates', title: 'Aggregates', evicted: e.aggregateSlots, unit: 'time slots' },
    { key: 'traces', title: 'Traces', evicted: e.traces, unit: 'traces' },
    { key: 'logs', title: 'Logs', evicted: e.logs, unit: 'records' },
  ];
  const rows = kinds.map(k => {
    const part = m[k.key] ?? {};
    return el('div', { class: 'memory-row', 'data-kind': k.key, 'data-used': part.usedBytes, 'data-budget': part.budgetBytes },
      el('span', { class: 'kind', text: k.title }),
      el('span', { class: 'num', text: `${bytes(part.usedBytes)} / ${bytes(part.budgetBytes)}` }),
      el('span', { class: `num evicted${k.evicted > 0 ? ' attention' : ''}`, 'data-evicted': k.evicted ?? 0,
        title: `${count(k.evicted)} ${k.unit} evicted (oldest first) to stay within the budget`, text: `${count(k.evicted)} evicted` }),
      meter(part.usedBytes ?? 0, part.budgetBytes ?? 0, `${k.title} memory`));
  });
  const stored = status.stored ?? {};
  return card('Memory',
    el('p', { class: 'total', id: 'memory-total', 'data-used': m.usedBytes, 'data-budget': m.budgetBytes },
      el('strong', { text: bytes(m.usedBytes) }), ` used of a ${bytes(m.budgetBytes)} budget`),
    el('div', { class: 'memory-rows' }, rows),
    el('p', { class: 'muted small', text: `Holding ${count(stored.traces)} traces (${count(stored.spans)} spans) and ${count(stored.logs)} log records. `
      + 'Each kind evicts its oldest data when over its share; raise --telemetry-memory to keep more.' }));
}

function series(status) {
  const s = status.series ?? {};
  const children = [
    el('p', { class: 'total', id: 'series-total', 'data-alive': s.alive, 'data-cap': s.cap },
      el('strong', { text: count(s.alive) }), ` alive of a cap of ${count(s.cap)}`),
    meter(s.alive ?? 0, s.cap ?? 0, 'Aggregate series', `${count(s.alive)} of ${count(s.cap)}`),
    counter('capped', 'Folded into __overflow__', s.capped, { badWhenPositive: true }),
  ];
  if (s.capped > 0) {
    children.push(el('p', { class: 'overflow-help', id: 'overflow-help', role: 'note',
      text: `${count(s.capped)} samples had a new key past the cap and were counted under service __overflow__: `
        + 'raise --telemetry-max-series, or fix the label that explodes (an id or a raw URL path where a route belongs).' }));
  }
  return card('Aggregate series', children);
}

function ingest(status) {
  const o = status.pipeline?.otlp ?? {};
  const store = status.ingest ?? {};
  const scrape = status.pipeline?.scrape;
  return card('Ingest',
    el('div', { class: 'counters' },
      counter('spansAccepted', 'Spans accepted', o.spansAccepted),
      counter('spansRejected', 'Spans rejected', o.spansRejected, { badWhenPositive: true }),
      counter('logsAccepted', 'Logs accepted', o.logsAccepted),
      counter('logsRejected', 'Logs rejected', o.logsRejected, { badWhenPositive: true }),
      counter('metricPointsUnderstood', 'Metric points understood', o.metricPointsUnderstood),
      counter('metricPointsNotUnderstood', 'not understood', o.metricPointsNotUnderstood),
      counter('metricPointsRejected', 'Metric points rejected', o.metricPointsRejected, { badWhenPositive: true }),
      counter('malformedRequests', 'Malformed requests', o.malformedRequests, { badWhenPositive: true }),
      counter('refusedRequests', 'Refused (overloaded)', o.refusedRequests, { badWhenPositive: true }),
      counter('failedRequests', 'Failed', o.failedRequests, { badWhenPositive: true })),
    el('p', { class: 'muted small', text: `OTLP receivers since start. The store took ${count(store.accepted)} signals and refused ${count(store.rejected)}; `
      + '"not understood" metrics are not Istio standard metrics: kept for forwarding, not aggregated.' }),
    scrape ? el('div', { class: 'counters', 'data-section': 'scrape' },
      counter('scrapes', 'Scrapes', scrape.scrapes),
      counter('failedScrapes', 'Failed scrapes', scrape.failedScrapes, { badWhenPositive: true }),
      counter('targetsDown', 'Targets down', scrape.targetsDown, { badWhenPositive: true }),
      counter('scrapePointsUnderstood', 'Scraped points understood', scrape.pointsUnderstood),
      counter('badLines', 'Unparsable lines', scrape.badLines, { badWhenPositive: true })) : null);
}

function exporters(status) {
  const p = status.pipeline ?? {};
  const rows = [
    { name: 'OTLP forward', key: 'otlpForward', stats: p.otlpForward },
    { name: 'Remote write', key: 'remoteWrite', stats: p.remoteWrite },
  ].filter(r => r.stats);
  if (!rows.length) {
    return card('Exporters', el('p', { class: 'empty', text: 'None configured (--otlp-forward, --remote-write).' }));
  }
  return card('Exporters', table([
    { title: 'Exporter', value: r => r.name },
    { title: 'Queue', value: r => count(r.stats.queueDepth), numeric: true },
    { title: 'Sent items', value: r => count(r.stats.sentItems), numeric: true },
    { title: 'Dropped items', value: r => el('span', { class: r.stats.droppedItems > 0 ? 'attention-text' : null, text: count(r.stats.droppedItems) }), numeric: true },
    { title: 'Rejected', value: r => count(r.stats.rejectedItems), numeric: true },
    { title: 'Retries', value: r => count(r.stats.retries), numeric: true },
  ], rows, { id: 'exporters-table', rowId: r => r.key, caption: 'Exporters' }));
}

function peers(status) {
  const list = status.peers ?? [];
  if (!list.length) {
    return card('Federation peers', el('p', { class: 'empty', text: 'No peers (--federate <kubeconfig> adds one).' }));
  }
  return wideCard('Federation peers', table([
    { title: 'Peer', value: p => el('code', { text: p.name }) },
    { title: 'State', value: p => el('span', { class: `badge ${p.ok ? 'ok' : 'bad'}`, text: p.ok ? 'answering' : 'unreachable' }) },
    { title: 'Error', value: p => p.error || '' },
  ], list, { id: 'peers-table', rowId: p => p.name, caption: 'Federation peers' }));
}

export function healthView(status) {
  return [memory(status), series(status), ingest(status), exporters(status), peers(status)];
}

export function healthSummary(status) {
  const problems = [];
  const e = status.evictions ?? {};
  if ((e.aggregateSlots ?? 0) + (e.traces ?? 0) + (e.logs ?? 0) > 0) problems.push('evicting');
  if (status.series?.capped > 0) problems.push('series capped');
  if ((status.peers ?? []).some(p => !p.ok)) problems.push('peer down');
  return `${status.cluster ?? ''}${problems.length ? ` · ${problems.join(', ')}` : ' · healthy'}`;
}
