// Wires the panels to the API: one refresh every 5 s (never two at once, paused while the tab
// is hidden); each panel reports its own failure to the banner and keeps its last good view.
import { api, onPeers } from './api.js';
import { report, clear } from './banner.js';
import { el } from './elements.js';
import { ms, rate, percent } from './format.js';
import { TopologyView } from './topology.js';
import { LatencyChart, serviceStats } from './latency.js';
import { table } from './tables.js';
import { traceList, waterfall } from './traces.js';
import { nodesTable, namespacesTable } from './acceleration.js';
import { logTable } from './logs.js';
import { healthView, healthSummary } from './health.js';
import { notePeers } from './peers.js';
import { AutoscalerCharts } from './autoscalers.js';
import { lanesTable } from './lanes.js';

const REFRESH_MS = 5000;
const LOG_LIMIT = 200;
const $ = id => document.getElementById(id);

const state = {
  window: '5m',
  of: 'services',
  selected: null,
  services: [],
  timer: null,
  running: false,
};

onPeers(notePeers);

const topology = new TopologyView($('topology'), node => selectService(node));
const chart = new LatencyChart($('latency-chart'));
const autoscalers = new AutoscalerCharts($('autoscalers'));

/** Runs one panel's load; a failure goes to the banner under the panel's name. */
async function panel(name, load) {
  try {
    await load();
    clear(name);
  } catch (e) {
    report(name, e);
  }
}

function refreshTopology() {
  return panel('topology', async () => {
    const t = await api.topology(state.window);
    $('topology-empty').hidden = t.nodes.length > 0;
    $('topology-summary').textContent = `${t.nodes.length} services · ${t.edges.length} edges`;
    topology.render(t);
    if (!state.selected) {
      const busiest = [...t.nodes].filter(n => n.kind !== 'unknown').sort((a, b) => (b.rps ?? 0) - (a.rps ?? 0))[0];
      // refresh() fetches the selected service's series right after this panel
      if (busiest) showSelection(busiest, false);
    }
  });
}

function refreshServices() {
  return panel('services', async () => {
    const s = await api.services(state.window);
    state.services = s.services;
    $('service-names').replaceChildren(...[...new Set(s.services.map(r => r.service))].sort().map(n => el('option', { value: n })));
    renderStats();
  });
}

function renderStats() {
  const n = state.selected;
  const row = n && state.services.find(s => s.cluster === n.cluster && s.namespace === n.namespace && s.service === n.name);
  $('service-stats').replaceChildren(...serviceStats(row).filter(Boolean));
}

function refreshSeries() {
  const node = state.selected;
  if (!node) return Promise.resolve();
  return panel('latency', async () => {
    const series = await api.series(node, state.window);
    if (state.selected === node) chart.render(node.id, series);
  });
}

function topColumns(of) {
  const name = of === 'endpoints'
    ? { title: 'Endpoint', value: r => el('span', null, el('strong', { text: r.service }), ` ${r.operation}`) }
    : { title: 'Service', value: r => el('span', null, el('strong', { text: r.service }), el('span', { class: 'muted', text: ` ${r.namespace}` })) };
  return [name,
    { title: 'Rate', value: r => rate(r.rps), numeric: true },
    { title: 'Errors', value: r => percent(r.errorRatio), numeric: true },
    { title: 'p50', value: r => ms(r.p50Ms), numeric: true },
    { title: 'p99', value: r => ms(r.p99Ms), numeric: true }];
}

function refreshTop() {
  const of = state.of;
  return panel('top', async () => {
    const [latency, errors] = await Promise.all([api.top('latency', of, state.window), api.top('errors', of, state.window)]);
    if (of !== state.of) return;
    const options = by => ({
      id: `top-${by}-table`, rowId: r => r.id, caption: `${by === 'latency' ? 'Slowest' : 'Most failing'} ${of}`,
      onSelect: of === 'services' ? r => selectByRow(r) : null,
    });
    $('top-latency').replaceChildren(table(topColumns(of), latency.rows, options('latency')));
    $('top-errors').replaceChildren(table(topColumns(of), errors.rows.filter(r => r.errors > 0), { ...options('errors'), empty: 'No errors in this window.' }));
  });
}

function refreshNodes() {
  return panel('nodes', async () => {
    const n = await api.nodes();
    $('nodes-table').replaceChildren(nodesTable(n.nodes));
  });
}

function refreshNamespaces() {
  return panel('namespaces', async () => {
    const n = await api.namespaces();
    // A switch being flipped right now keeps its state until its own answer arrives.
    if ($('namespaces-table').querySelector('button.switch[aria-busy]')) return;
    $('namespaces-table').replaceChildren(namespacesTable(n.namespaces, toggleAcceleration));
  });
}

function refreshHealth() {
  return panel('status', async () => {
    const status = await api.status();
    $('health-summary').textContent = healthSummary(status);
    $('health').replaceChildren(...healthView(status));
  });
}

function refreshAutoscalers() {
  return panel('autoscalers', async () => {
    const [objects, history] = await Promise.all([api.autoscalers(), api.autoscalerHistory()]);
    autoscalers.render(objects, history);
  });
}

function refreshLanes() {
  return panel('lanes', async () => {
    const lanes = await api.testLanes();
    $('lanes-table').replaceChildren(lanesTable(lanes.items));
  });
}

async function toggleAcceleration(namespace, enabled) {
  try {
    const row = await api.setAcceleration(namespace, enabled);
    clear('acceleration');
    // not awaited: the table must be redrawn after the clicked switch is no longer busy, or the
    // busy-switch guard in refreshNamespaces would drop this answer
    refreshNamespaces();
    return row;
  } catch (e) {
    report('acceleration', e);
    return null;
  }
}

function selectByRow(row) {
  const id = row.id ?? `${row.cluster}/${row.namespace}/${row.service}`;
  selectService({ id, cluster: row.cluster, namespace: row.namespace, name: row.service }, true);
}

function selectService(node, userChose = true) {
  showSelection(node, userChose);
  refreshSeries();
}

function showSelection(node, userChose) {
  state.selected = node;
  topology.select(node.id);
  $('latency-service').textContent = `${node.name}${node.namespace ? ` · ${node.namespace}` : ''}${node.cluster ? ` · ${node.cluster}` : ''}`;
  $('latency-chart').dataset.service = node.id;
  if (userChose) $('trace-service').value = node.name;
  renderStats();
}

async function refresh() {
  if (state.running) return;
  state.running = true;
  try {
    await Promise.all([refreshTopology(), refreshServices(), refreshTop(), refreshNodes(), refreshNamespaces(), refreshHealth(),
      refreshAutoscalers(), refreshLanes()]);
    await refreshSeries();
    $('updated').textContent = `updated ${new Date().toLocaleTimeString('en-GB')}`;
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed ?? 0) + 1);
  } finally {
    state.running = false;
    schedule();
  }
}

function schedule() {
  clearTimeout(state.timer);
  if ($('auto-refresh').checked && !document.hidden) state.timer = setTimeout(refresh, REFRESH_MS);
}

async function searchTraces(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const search = {
    service: form.get('service').trim(),
    namespace: state.selected && state.selected.name === form.get('service').trim() ? state.selected.namespace : undefined,
    minDurationMs: form.get('minDurationMs') || undefined,
    error: form.get('error') ? 'true' : undefined,
    limit: 20,
    window: state.window,
  };
  await panel('traces', async () => {
    const result = await api.traces(search);
    $('trace-results').replaceChildren(traceList(result.traces, t => openTrace(t.traceId)));
  });
}

async function openTrace(traceId) {
  await panel('trace', async () => {
    const trace = await api.trace(traceId);
    const box = $('waterfall');
    box.replaceChildren(...waterfall(trace, logsOfTrace));
    box.hidden = false;
    for (const row of document.querySelectorAll('#trace-table tr[data-id]')) {
      row.classList.toggle('selected', row.dataset.id === traceId);
    }
  });
}

/** Searches the logs; the form's fields are the query, the page's window the time range. */
async function searchLogs(event) {
  event?.preventDefault();
  const form = new FormData($('log-search'));
  const search = {
    service: form.get('service').trim(),
    q: form.get('q').trim(),
    severity: form.get('severity'),
    traceId: form.get('traceId').trim().toLowerCase(),
    limit: LOG_LIMIT,
    window: state.window,
  };
  await panel('logs', async () => {
    const result = await api.logs(search);
    const n = result.logs.length;
    $('log-summary').textContent = n === LOG_LIMIT
      ? `newest ${n} in the last ${state.window}: narrow the search to see older ones`
      : `${n} record${n === 1 ? '' : 's'} in the last ${state.window}, newest first`;
    $('log-results').replaceChildren(logTable(result.logs, openTraceFromLog));
  });
}

/** From a log row to the waterfall of its request, scrolled into view. */
async function openTraceFromLog(traceId) {
  await openTrace(traceId);
  const box = $('waterfall');
  if (!box.hidden) box.scrollIntoView({ block: 'nearest' });
}

/** From a waterfall to the log records of that trace, in every service it crossed. */
function logsOfTrace(traceId) {
  $('log-service').value = '';
  $('log-text').value = '';
  $('log-severity').value = '';
  $('log-trace').value = traceId;
  $('log-search').scrollIntoView({ block: 'nearest' });
  return searchLogs();
}

$('window-select').addEventListener('change', e => {
  state.window = e.target.value;
  refresh();
});
$('auto-refresh').addEventListener('change', schedule);
$('refresh-now').addEventListener('click', refresh);
document.addEventListener('visibilitychange', () => (document.hidden ? clearTimeout(state.timer) : refresh()));
$('trace-search').addEventListener('submit', searchTraces);
$('log-search').addEventListener('submit', searchLogs);
for (const button of document.querySelectorAll('.segmented button')) {
  button.addEventListener('click', () => {
    state.of = button.dataset.of;
    for (const b of document.querySelectorAll('.segmented button')) b.setAttribute('aria-pressed', String(b === button));
    refreshTop();
  });
}

refresh();
