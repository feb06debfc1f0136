// The service graph: d3-force computes positions (synchronously, a bounded number of ticks, so
// the page never animates or burns CPU between refreshes); this module draws plain SVG.
// Positions are remembered by node id, so a refresh only nudges the graph instead of reshuffling it.
import { forceSimulation, forceLink, forceManyBody, forceCenter, forceCollide, forceX, forceY } from 'd3-force';
import { svg } from './elements.js';
import { ms, rate, percent, health, bytes, byteRate, count } from './format.js';

const PADDING = 70;

function radius(node) {
  return 16 + Math.min(14, Math.sqrt(node.rps ?? 0) * 2);
}

export class TopologyView {
  constructor(root, onSelect) {
    this.root = root;
    this.onSelect = onSelect;
    this.positions = new Map();
    this.selected = null;
  }

  select(id) {
    this.selected = id;
    for (const g of this.root.querySelectorAll('g.node')) {
      const on = g.dataset.id === id;
      g.classList.toggle('selected', on);
      g.setAttribute('aria-pressed', String(on));
    }
  }

  render(topology) {
    const nodes = topology.nodes.map(n => ({ ...n }));
    const known = new Set(nodes.map(n => n.id));
    for (const e of topology.edges) {
      // An edge may name a node the window no longer lists (e.g. callers outside the mesh).
      for (const end of [e.source, e.target]) {
        if (!known.has(end)) {
          known.add(end);
          nodes.push({ id: end, kind: 'unknown', name: end.split('/').pop() || end, cluster: '', namespace: '', rps: 0, errorRatio: 0 });
        }
      }
    }
    const multiCluster = new Set(nodes.map(n => n.cluster).filter(Boolean)).size > 1;
    this.layout(nodes, topology.edges);
    const byId = new Map(nodes.map(n => [n.id, n]));

    const xs = nodes.map(n => n.x);
    const ys = nodes.map(n => n.y);
    // Scale a small graph up at most 1.5x (text would grow past legibility otherwise): the view is at least
    // two thirds of the element, centred on the layout; large graphs shrink to fit.
    const box = this.root.getBoundingClientRect();
    const layoutWidth = Math.max(...xs) - Math.min(...xs) + 2 * PADDING;
    const layoutHeight = Math.max(...ys) - Math.min(...ys) + 2 * PADDING;
    const width = Math.max(layoutWidth, (box.width || 450) / 1.5);
    const height = Math.max(layoutHeight, (box.height || 300) / 1.5);
    const midX = (Math.max(...xs) + Math.min(...xs)) / 2;
    const midY = (Math.max(...ys) + Math.min(...ys)) / 2;
    this.root.setAttribute('viewBox', `${midX - width / 2} ${midY - height / 2} ${width} ${height}`);
    this.root.setAttribute('preserveAspectRatio', 'xMidYMid meet');

    const defs = svg('defs', null,
      ['ok', 'warn', 'bad'].map(h => svg('marker', {
        id: `arrow-${h}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse',
      }, svg('path', { d: 'M0,0 L10,5 L0,10 z', class: `arrow ${h}` }))));
    const edges = svg('g', { class: 'edges' }, topology.edges.map(e => this.edge(e, byId.get(e.source), byId.get(e.target))));
    const nodeGroup = svg('g', { class: 'nodes' }, nodes.map(n => this.node(n, multiCluster)));
    this.root.replaceChildren(defs, edges, nodeGroup);
    this.root.dataset.nodes = nodes.length;
    this.root.dataset.edges = topology.edges.length;
    if (this.selected) this.select(this.selected);
  }

  layout(nodes, edges) {
    let fresh = 0;
    nodes.forEach(n => {
      const p = this.positions.get(n.id);
      if (p) { n.x = p.x; n.y = p.y; } else fresh++;
    });
    const links = edges.filter(e => e.source !== e.target).map(e => ({ source: e.source, target: e.target }));
    const simulation = forceSimulation(nodes)
      .force('link', forceLink(links).id(n => n.id).distance(230).strength(0.6))
      .force('charge', forceManyBody().strength(-900))
      .force('collide', forceCollide(n => radius(n) + 30))
      .force('x', forceX(0).strength(0.04))
      .force('y', forceY(0).strength(0.06))
      .force('center', forceCenter(0, 0))
      .stop();
    if (fresh === 0) simulation.alpha(0.05);
    const ticks = fresh === 0 ? 20 : Math.min(300, 120 + nodes.length);
    for (let i = 0; i < ticks; i++) simulation.tick();
    nodes.forEach(n => this.positions.set(n.id, { x: n.x, y: n.y }));
  }

  edge(e, source, target) {
    const h = health(e.errorRatio);
    // Plain TCP (Istio's istio_tcp_* only) has no requests or latency: bytes/s and connections say what it does.
    const tcp = e.protocol === 'tcp';
    const label = tcp
      ? `${byteRate(e.tcpBytesPerSecond)} · ${count(e.tcpConnections)} conn`
      : `${rate(e.rps)} · ${percent(e.errorRatio)} err · p99 ${ms(e.p99Ms)}`;
    const title = tcp
      ? `${e.source} → ${e.target} (TCP)\n${count(e.tcpConnections)} connections opened, ${count(e.tcpConnectionsClosed)} closed\n`
        + `sent ${bytes(e.tcpSentBytes)} · received ${bytes(e.tcpReceivedBytes)} · ${byteRate(e.tcpBytesPerSecond)}`
      : `${e.source} → ${e.target}\n${e.requests ?? 0} requests, ${e.errors ?? 0} errors\n`
        + `p50 ${ms(e.p50Ms)} · p95 ${ms(e.p95Ms)} · p99 ${ms(e.p99Ms)} · max ${ms(e.maxMs)}`;
    let d;
    let lx;
    let ly;
    if (source === target) {
      const r = radius(source);
      d = `M${source.x - r * 0.6},${source.y - r * 0.8} C${source.x - r * 2},${source.y - r * 3.5} ${source.x + r * 2},${source.y - r * 3.5} ${source.x + r * 0.6},${source.y - r * 0.8}`;
      lx = source.x;
      ly = source.y - r * 3;
    } else {
      // A slight curve keeps A→B and B→A apart; both ends stop at the circles' edges.
      const dx = target.x - source.x;
      const dy = target.y - source.y;
      const length = Math.hypot(dx, dy) || 1;
      const ux = dx / length;
      const uy = dy / length;
      const x1 = source.x + ux * radius(source);
      const y1 = source.y + uy * radius(source);
      const x2 = target.x - ux * (radius(target) + 3);
      const y2 = target.y - uy * (radius(target) + 3);
      const cx = (x1 + x2) / 2 - uy * length * 0.12;
      const cy = (y1 + y2) / 2 + ux * length * 0.12;
      d = `M${x1},${y1} Q${cx},${cy} ${x2},${y2}`;
      lx = 0.25 * x1 + 0.5 * cx + 0.25 * x2 - uy * 8;
      ly = 0.25 * y1 + 0.5 * cy + 0.25 * y2 + ux * 8 + 4;
    }
    return svg('g', {
      class: `edge ${h}`, 'data-id': e.id, 'data-source': e.source, 'data-target': e.target,
      'data-rps': e.rps, 'data-error-ratio': e.errorRatio, 'data-p99-ms': e.p99Ms,
      'data-protocol': e.protocol ?? 'http', 'data-bytes-per-second': e.tcpBytesPerSecond,
    },
    svg('title', { text: title }),
    svg('path', { d, class: 'line', 'marker-end': `url(#arrow-${h})` }),
    svg('text', { x: lx, y: ly, class: 'edge-label', 'text-anchor': 'middle', text: label }));
  }

  node(n, multiCluster) {
    const r = radius(n);
    const selectable = n.kind !== 'unknown';
    const label = multiCluster && n.cluster ? `${n.cluster}/${n.name}` : n.name;
    const g = svg('g', {
      class: `node ${n.kind ?? 'service'} ${health(n.errorRatio)}`, 'data-id': n.id, 'data-cluster': n.cluster,
      'data-namespace': n.namespace, 'data-name': n.name, transform: `translate(${n.x},${n.y})`,
      tabindex: selectable ? 0 : null, role: selectable ? 'button' : null, 'aria-pressed': selectable ? 'false' : null,
      'aria-label': `${label} in ${n.namespace || 'no namespace'}: ${rate(n.rps)}, ${percent(n.errorRatio)} errors, p99 ${ms(n.p99Ms)}`,
    },
    svg('title', { text: `${n.id}\n${rate(n.rps)} · ${percent(n.errorRatio)} errors · p99 ${ms(n.p99Ms)}` }),
    svg('circle', { r }),
    svg('text', { class: 'node-label', y: r + 15, 'text-anchor': 'middle', text: label }),
    n.namespace ? svg('text', { class: 'node-sub', y: r + 28, 'text-anchor': 'middle', text: n.namespace }) : null);
    if (selectable) {
      g.addEventListener('click', () => this.onSelect(n));
      g.addEventListener('keydown', e => {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.onSelect(n); }
      });
    }
    return g;
  }
}
