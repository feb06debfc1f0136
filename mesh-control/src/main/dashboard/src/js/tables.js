// A plain accessible table. A "Cluster" column appears only when the rows come from more than
// one cluster (a federated view), so a single-cluster mesh is not cluttered with it.
import { el } from './elements.js';

/**
 * columns: [{ title, value: row => text|Node, numeric }]; options: { id, rowId, onSelect, empty, caption }.
 */
export function table(columns, rows, options = {}) {
  if (!rows.length) return el('p', { class: 'empty', text: options.empty ?? 'Nothing in this window.' });
  const clusters = new Set(rows.map(r => r.cluster).filter(Boolean));
  const shown = clusters.size > 1 ? [{ title: 'Cluster', value: r => r.cluster }, ...columns] : columns;
  const head = el('tr', null, shown.map(c => el('th', { scope: 'col', class: c.numeric ? 'num' : null, text: c.title })));
  const body = rows.map(row => {
    const tr = el('tr', { 'data-id': options.rowId?.(row) }, shown.map(c => el('td', { class: c.numeric ? 'num' : null }, c.value(row))));
    if (options.onSelect) {
      tr.classList.add('selectable');
      tr.tabIndex = 0;
      tr.addEventListener('click', () => options.onSelect(row, tr));
      tr.addEventListener('keydown', e => {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); options.onSelect(row, tr); }
      });
    }
    return tr;
  });
  return el('table', { id: options.id, 'data-clusters': clusters.size },
    options.caption ? el('caption', { class: 'sr-only', text: options.caption }) : null,
    el('thead', null, head), el('tbody', null, body));
}
