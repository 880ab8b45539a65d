// The daemon's JSON API (Docs/api.md), same origin: relative URLs, the
// session cookie sent by the browser. A 401 means the session is over.

export class SessionExpired extends Error {}

/** An answer that is not 2xx: the daemon's sentence in `message`. */
export class APIError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const listeners = { expired: [] };

/** `handler` runs once per 401 answer (the page shows the banner). */
export function onExpired(handler) {
  listeners.expired.push(handler);
}

async function call(method, path, body, options = {}) {
  const init = { method, headers: {}, credentials: "same-origin", ...options };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 401) {
    for (const handler of listeners.expired) handler();
    throw new SessionExpired("session expired");
  }
  const text = await response.text();
  const value = text ? JSON.parse(text) : null;
  if (!response.ok) throw new APIError(response.status, value?.error ?? `HTTP ${response.status}`);
  return value;
}

const peerQuery = (fingerprint) => encodeURIComponent(fingerprint);
/** `group`: `#` and its id (or `#Name`, when unambiguous). */
const groupPath = (group) => `/v1/groups/${encodeURIComponent(group)}/messages`;

export const api = {
  status: () => call("GET", "/v1/status"),
  setPresence: (status) => call("POST", "/v1/status", { status }),
  setSharing: (shareState, peer) => call("POST", "/v1/privacy", peer === undefined ? { shareState } : { shareState, peer }),
  peers: () => call("GET", "/v1/peers"),
  conflicts: () => call("GET", "/v1/conflicts"),
  send: (peer, text) => call("POST", "/v1/messages", { peer, text }),
  history: (peer, limit, before) =>
    call("GET", `/v1/messages?peer=${peerQuery(peer)}&limit=${limit}` + (before ? `&before=${before}` : "")),
  openWindow: (peer) => call("POST", "/v1/windows", { peer }),
  signal: (window, signal) => call("POST", `/v1/windows/${window}/signals`, { signal }),
  /** `keepalive` lets the request outlive the page (pagehide). */
  closeWindow: (window, keepalive = false) => call("DELETE", `/v1/windows/${window}`, undefined, { keepalive }),
  groups: () => call("GET", "/v1/groups"),
  createGroup: (name, members) => call("POST", "/v1/groups", { name, members }),
  addMembers: (group, members) => call("POST", `/v1/groups/${encodeURIComponent(group)}/members`, { members }),
  removeMembers: (group, members) => call("POST", `/v1/groups/${encodeURIComponent(group)}/removals`, { members }),
  leaveGroup: (group) => call("POST", `/v1/groups/${encodeURIComponent(group)}/leave`, {}),
  sendGroup: (group, text) => call("POST", groupPath(group), { text }),
  groupHistory: (group, limit, before) => call("GET", `${groupPath(group)}?limit=${limit}` + (before ? `&before=${before}` : "")),
  broadcast: (text) => call("POST", "/v1/broadcasts", { text }),
  broadcasts: (limit, before) => call("GET", `/v1/broadcasts?limit=${limit}` + (before ? `&before=${before}` : "")),
  trust: (name) => call("POST", "/v1/trust", { peer: name }),
  forget: (prefix) => call("POST", "/v1/forget", { peer: prefix }),
};

/**
 * The event stream (`GET /v1/events`), reopened after a drop. `onOpen` runs
 * at every (re)connection, so the page can reload what it may have missed;
 * `onDown` when it cannot connect (the page asks /v1/status why: a 401 shows
 * the expiry banner).
 */
export function subscribe(path, { onEvent, onOpen, onDown }) {
  let source = null;
  let retry = null;
  let closed = false;
  const open = () => {
    source = new EventSource(path);
    source.onopen = () => onOpen?.();
    for (const kind of ["message", "delivery", "state", "peer", "conflict", "groupMessage", "groupDelivery", "groupState", "group"]) {
      source.addEventListener(kind, (event) => onEvent?.(kind, JSON.parse(event.data)));
    }
    source.onerror = () => {
      onDown?.();
      // CONNECTING: the browser retries by itself; CLOSED (an answer that was
      // not a stream, a 401 say): only a new EventSource tries again.
      if (source.readyState !== EventSource.CLOSED) return;
      source = null;
      if (!closed) retry = setTimeout(open, 2000);
    };
  };
  open();
  return () => {
    closed = true;
    clearTimeout(retry);
    source?.close();
  };
}
