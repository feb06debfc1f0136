// The telemetry JSON API (docs/telemetry-api.md). The browser session carries the token as
// the HttpOnly meshlane_token cookie, so requests only need to be same-origin.

/** A failed call: which request, the HTTP status (0 = no answer) and the server's message. */
export class ApiFailure extends Error {
  constructor(request, status, message) {
    super(message);
    this.request = request;
    this.status = status;
  }

  describe() {
    if (this.status === 401) {
      return `Not signed in (${this.request} answered 401): open the link printed by \`meshlane up\` or \`meshlane control\` (…/dashboard/?token=…) to sign in again.`;
    }
    if (this.status === 403) {
      return `${this.request} was refused (403): ${this.message} — ask for write access to that namespace in access.yaml.`;
    }
    if (this.status === 0) {
      return `${this.request} got no answer: ${this.message} — is the control plane still running?`;
    }
    return `${this.request} failed (${this.status}): ${this.message}`;
  }
}

/**
 * Called with (endpoint, unreachablePeers) after every successful answer; the list is empty when
 * the answer merged every federation peer, so a peer that comes back clears its warning.
 */
let peersListener = () => {};
export function onPeers(listener) {
  peersListener = listener;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value !== undefined && value !== null && value !== '' && value !== false) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function call(method, path, params, body) {
  const json = await send(method, `/telemetry/v1/${path}`, path, params, body);
  if (method === 'GET' && json && typeof json === 'object') peersListener(path.startsWith('traces/') ? 'trace' : path, json.unreachablePeers ?? []);
  return json;
}

/** One request to {@code url} (an absolute path on this server); {@code request} names it in failures. */
async function send(method, url, request, params, body) {
  request = `${method} ${request}`;
  let response;
  try {
    response = await fetch(`${url}${query(params)}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiFailure(request, 0, e.message);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    if (response.ok) throw new ApiFailure(request, response.status, `the answer is not JSON: ${text.slice(0, 120)}`);
  }
  if (!response.ok) {
    // Errors are Kubernetes Status objects whose message says what to change.
    throw new ApiFailure(request, response.status, json?.message ?? (text.slice(0, 200) || response.statusText));
  }
  return json;
}

export const api = {
  services: window => call('GET', 'services', { window }),
  topology: window => call('GET', 'topology', { window, by: 'service' }),
  top: (by, of, window, n = 8) => call('GET', 'top', { by, of, n, window }),
  series: (node, window) => call('GET', 'series', { cluster: node.cluster, namespace: node.namespace, service: node.name, window }),
  traces: search => call('GET', 'traces', search),
  trace: traceId => call('GET', `traces/${encodeURIComponent(traceId)}`),
  logs: search => call('GET', 'logs', search),
  status: () => call('GET', 'status'),
  nodes: () => call('GET', 'nodes'),
  namespaces: () => call('GET', 'namespaces'),
  // the autoscaling engine's recent evaluations, and the mesh's own kinds through the Kubernetes API
  autoscalerHistory: () => send('GET', '/autoscaling/v1/history', 'autoscaling/v1/history'),
  autoscalers: () => send('GET', '/apis/meshlane.io/v1alpha1/metricautoscalers', 'metricautoscalers'),
  testLanes: () => send('GET', '/apis/meshlane.io/v1alpha1/testlanes', 'testlanes'),
  setAcceleration: (namespace, enabled) =>
    call('PUT', `namespaces/${encodeURIComponent(namespace)}/acceleration`, undefined, { enabled }),
};
