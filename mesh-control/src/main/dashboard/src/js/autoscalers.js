// Each MetricAutoscaler: its replicas against the metrics it scales on, over the engine's recent
// evaluations (uPlot, two scales: the metric on the left, replicas on the right), with what its
// status says now (targets, replicas, and the condition that explains the last decision).
import uPlot from 'uplot';
import { el } from './elements.js';

const COLOURS = ['#38bdf8', '#a78bfa', '#f472b6', '#facc15'];

function key(namespace, name) {
  return `${namespace}/${name}`;
}

/** The condition a person wants first: the one that is False, else ScalingLimited when it limits, else AbleToScale. */
function explanation(status) {
  const conditions = status?.conditions ?? [];
  const failing = conditions.find(c => c.status === 'False' && c.type !== 'ScalingLimited');
  const limited = conditions.find(c => c.type === 'ScalingLimited' && c.status === 'True');
  const c = failing ?? limited ?? conditions.find(c => c.type === 'AbleToScale');
  return c ? `${c.type} ${c.status}: ${c.reason} — ${c.message}` : 'not evaluated yet';
}

export class AutoscalerCharts {
  constructor(root) {
    this.root = root;
    this.charts = new Map();
  }

  /** objects: the MetricAutoscaler list; history: /autoscaling/v1/history. */
  render(objects, history) {
    const points = new Map(history.autoscalers.map(a => [key(a.namespace, a.name), a.points]));
    const items = [...objects.items].sort((a, b) => key(a.metadata.namespace, a.metadata.name).localeCompare(key(b.metadata.namespace, b.metadata.name)));
    const seen = new Set();
    if (!items.length) {
      for (const c of this.charts.values()) c.plot?.destroy();
      this.charts.clear();
      this.root.replaceChildren(el('p', { class: 'empty', text: 'No MetricAutoscaler: kubectl apply one to scale a workload on the mesh\'s metrics.' }));
      return;
    }
    const cards = items.map(o => {
      const id = key(o.metadata.namespace, o.metadata.name);
      seen.add(id);
      return this.card(id, o, points.get(id) ?? []);
    });
    for (const [id, c] of this.charts) {
      if (!seen.has(id)) {
        c.plot?.destroy();
        this.charts.delete(id);
      }
    }
    this.root.replaceChildren(...cards);
  }

  card(id, object, points) {
    let c = this.charts.get(id);
    if (!c) {
      c = { box: el('div', { class: 'chart' }), plot: null, shape: '' };
      this.charts.set(id, c);
    }
    const status = object.status ?? {};
    const last = points[points.length - 1];
    c.box.dataset.points = points.length;
    c.box.dataset.replicas = last ? last.replicas : '';
    const names = last ? last.metrics.map(m => m.name) : [];
    const shape = names.join('|');
    if (!points.length) {
      c.plot?.destroy();
      c.plot = null;
      c.shape = '';
      c.box.replaceChildren(el('p', { class: 'empty', text: 'No evaluation yet (the engine evaluates on the leader, every spec.intervalSeconds).' }));
    } else {
      const data = [points.map(p => p.time / 1000), ...names.map((n, i) => points.map(p => p.metrics[i]?.value ?? null)), points.map(p => p.replicas)];
      if (c.plot && c.shape === shape) {
        c.plot.setData(data);
      } else {
        c.plot?.destroy();
        c.box.replaceChildren();
        c.shape = shape;
        c.plot = new uPlot({
          width: Math.max(280, this.root.clientWidth - 40), height: 200,
          scales: { x: { time: true }, metric: { auto: true }, replicas: { auto: true, range: (u, min, max) => [0, Math.max(1, max) + 1] } },
          axes: [
            { stroke: '#94a3b8', grid: { stroke: '#1e293b' } },
            { scale: 'metric', stroke: '#94a3b8', grid: { stroke: '#1e293b' }, size: 60 },
            { scale: 'replicas', side: 1, stroke: '#22c55e', grid: { show: false }, size: 40 },
          ],
          series: [
            {},
            ...names.map((n, i) => ({ label: n, scale: 'metric', stroke: COLOURS[i % COLOURS.length], width: 2, spanGaps: false })),
            { label: 'replicas', scale: 'replicas', stroke: '#22c55e', width: 2, paths: uPlot.paths.stepped({ align: 1 }) },
          ],
          legend: { live: true },
          cursor: { drag: { x: false, y: false } },
        }, data, c.box);
      }
    }
    const target = object.spec?.scaleTargetRef ?? {};
    return el('article', { class: 'autoscaler', 'data-autoscaler': id },
      el('h3', null, el('strong', { text: object.metadata.name }), el('span', { class: 'muted', text: ` ${object.metadata.namespace} → ${target.cluster}/${target.kind}/${target.name}` })),
      el('div', { class: 'stats' },
        el('div', { class: 'stat' }, el('span', { class: 'muted', text: 'replicas' }), el('strong', { class: 'replicas', text: String(status.currentReplicas ?? '–') })),
        el('div', { class: 'stat' }, el('span', { class: 'muted', text: 'range' }), el('strong', { text: `${object.spec?.minReplicas ?? 1}–${object.spec?.maxReplicas}` })),
        el('div', { class: 'stat' }, el('span', { class: 'muted', text: 'targets' }), el('strong', { class: 'targets', text: status.targets ?? '–' }))),
      el('p', { class: 'muted small why', text: explanation(status) }),
      c.box);
  }
}
