// One banner lists every call that is currently failing; a panel's next success removes its line.
import { el } from './elements.js';

const failures = new Map();

function render() {
  const banner = document.getElementById('error-banner');
  banner.replaceChildren(...[...failures.values()].map(text => el('p', { text })));
  banner.hidden = failures.size === 0;
}

export function report(key, error) {
  failures.set(key, typeof error.describe === 'function' ? error.describe() : `${key}: ${error.message ?? error}`);
  render();
}

export function clear(key) {
  if (failures.delete(key)) render();
}
