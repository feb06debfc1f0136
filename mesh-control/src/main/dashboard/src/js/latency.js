// p50/p95/p99 of the selected service over time, drawn by uPlot on a canvas.
import uPlot from 'uplot';
import { el } from './elements.js';
import { ms, rate, percent } from './format.js';

const SERIES = [
  { label: 'p50', key: 'p50Ms', stroke: '#22c55e' },
  { label: 'p95', key: 'p95Ms', stroke: '#f59e0b' },
  { label: 'p99', key: 'p99Ms', stroke: '#ef4444' },
];

export class LatencyChart {
  constructor(root) {
    this.root = root;
    this.chart = null;
    this.service = null;
    new ResizeObserver(() => this.chart?.setSize(this.size())).observe(root);
  }

  size() {
    return { width: Math.max(280, this.root.clientWidth), height: 240 };
  }

  clear(message) {
    this.chart?.destroy();
    this.chart = null;
    this.service = null;
    this.root.replaceChildren(el('p', { class: 'empty', text: message }));
    this.root.dataset.points = 0;
  }

  /** key names the service the points belong to (the chart is rebuilt when it changes). */
  render(key, series) {
    const points = series.points ?? [];
    this.root.dataset.points = points.length;
    if (!points.length) {
      this.clear(`No requests to ${key.split('/').pop()} in this window.`);
      return;
    }
    const data = [points.map(p => p.t / 1000), ...SERIES.map(s => points.map(p => p[s.key] ?? null))];
    if (this.chart && this.service === key) {
      this.chart.setData(data);
      return;
    }
    this.chart?.destroy();
    this.root.replaceChildren();
    this.service = key;
    this.chart = new uPlot({
      ...this.size(),
      title: undefined,
      scales: { x: { time: true } },
      axes: [
        { stroke: '#94a3b8', grid: { stroke: '#1e293b' }, ticks: { stroke: '#334155' } },
        { stroke: '#94a3b8', grid: { stroke: '#1e293b' }, ticks: { stroke: '#334155' }, values: (u, vals) => vals.map(v => ms(v)), size: 70 },
      ],
      series: [
        {},
        ...SERIES.map(s => ({ label: s.label, stroke: s.stroke, width: 2, spanGaps: false, value: (u, v) => ms(v) })),
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    }, data, this.root);
  }
}

/** The selected service's numbers over the whole window, from /services. */
export function serviceStats(row) {
  if (!row) return [];
  const cell = (label, value) => el('div', { class: 'stat' }, el('span', { class: 'muted', text: label }), el('strong', { text: value }));
  return [
    cell('rate', rate(row.rps)), cell('errors', percent(row.errorRatio)), cell('p50', ms(row.p50Ms)),
    cell('p95', ms(row.p95Ms)), cell('p99', ms(row.p99Ms)), cell('max', ms(row.maxMs)),
    row.approximate ? el('div', { class: 'stat muted', title: 'some latency came from histogram buckets', text: '≈ approximate' }) : null,
  ];
}
