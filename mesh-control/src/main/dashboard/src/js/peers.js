// The header strip that says which federation peers the merged answers are missing. Each
// endpoint's latest answer counts: a view refreshed after the peer came back clears its part,
// so the strip lists exactly the peers some panel on screen is currently without.
import { el } from './elements.js';

const missing = new Map(); // endpoint → [{ name, error }]

function render() {
  const strip = document.getElementById('peer-warning');
  const byPeer = new Map();
  for (const [endpoint, peers] of missing) {
    for (const p of peers) {
      const entry = byPeer.get(p.name) ?? { error: p.error, endpoints: [] };
      entry.endpoints.push(endpoint);
      byPeer.set(p.name, entry);
    }
  }
  strip.hidden = byPeer.size === 0;
  if (strip.hidden) {
    strip.replaceChildren();
    return;
  }
  strip.replaceChildren(
    el('strong', { text: '⚠ Partial view: ' }),
    el('span', { text: `${byPeer.size === 1 ? 'a federation peer' : `${byPeer.size} federation peers`} did not answer, their clusters are missing. ` }),
    ...[...byPeer].map(([name, p]) => el('span', { class: 'peer', 'data-peer': name, title: `missing from: ${p.endpoints.join(', ')}` },
      el('code', { text: name }), `: ${p.error || 'no reason given'}`)));
}

export function notePeers(endpoint, unreachable) {
  if (unreachable.length === 0) {
    if (missing.delete(endpoint)) render();
    return;
  }
  missing.set(endpoint, unreachable);
  render();
}
