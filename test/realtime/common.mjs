// Shared by the real-time client drivers (amplify.mjs, apollo.mjs,
// graphql-ws.mjs): the run's configuration, a traced WebSocket, the
// subscription and mutation documents, waiting with a bound, and the one
// JSON line each driver prints. Run from .cache/realtime (node_modules).
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import WS from 'ws';

const require = createRequire(import.meta.url);
const started = Date.now();
const ms = () => Date.now() - started;

// The driver's one argument: a JSON object from server/realtime_clients_test.go,
// {endpoint, idToken, accessToken, apiKey, order (a PlaceOrderInput),
// timeoutMs (the whole run's bound), eventsWithinMs (how long after the
// order its last event may come), ...the driver's own}.
export const cfg = JSON.parse(process.argv[2] ?? '{}');
if (!cfg.endpoint) {
  console.error('usage: node DRIVER.mjs \'{"endpoint": "https://127.0.0.1:PORT/graphql", ...}\'');
  process.exit(2);
}

export function version(pkg) {
  try {
    return require(`${pkg}/package.json`).version;
  } catch {
    // packages whose exports hide package.json
    try {
      const path = require.resolve(pkg).replace(/(node_modules\/(@[^/]+\/)?[^/]+)\/.*$/, '$1/package.json');
      return require(path).version;
    } catch {
      return 'unknown';
    }
  }
}

// What every socket did, as the client saw it: the URL it opened (query
// kept, header/payload values elided), the subprotocols it offered (the
// header- entry elided), the one selected, each frame either way (type,
// id; errors and events in full; auth maps as their key names) and how
// it closed.
export const sockets = [];

function summarize(raw) {
  let m;
  try {
    m = JSON.parse(String(raw));
  } catch {
    return { type: '(not JSON)', raw: String(raw).slice(0, 200) };
  }
  const f = { type: m.type, t: ms() };
  if (m.id !== undefined) f.id = m.id;
  const p = m.payload;
  if (m.type === 'error' || m.type === 'connection_error') f.payload = p;
  if (m.type === 'start' && p) {
    f.authKeys = Object.keys(p.extensions?.authorization ?? {}).sort();
    try {
      f.variables = JSON.parse(p.data).variables;
    } catch {
      /* left out */
    }
  }
  if (m.type === 'connection_init' && p) f.payloadKeys = Object.keys(p).sort();
  if ((m.type === 'data' || m.type === 'next') && p) f.payload = p;
  if (m.type === 'connection_ack' && p) f.payload = p;
  return f;
}

function elideQuery(url) {
  return String(url).replace(/([?&](header|payload)=)[^&]*/g, '$1…');
}

// TracedWebSocket is ws's WebSocket, recording into sockets.
export class TracedWebSocket extends WS {
  constructor(url, protocols, options) {
    super(url, protocols, options);
    const offered = protocols === undefined ? [] : [].concat(protocols);
    const s = {
      n: sockets.length,
      url: elideQuery(url),
      offered: offered.map((p) => (String(p).startsWith('header-') ? 'header-…' : p)),
      opened: null,
      protocol: null,
      closed: null,
      frames: [],
    };
    sockets.push(s);
    this._trace = s;
    this.on('open', () => {
      s.opened = ms();
      s.protocol = this.protocol;
    });
    this.on('message', (data) => s.frames.push({ dir: 'in', ...summarize(data) }));
    this.on('unexpected-response', (_req, res) => {
      s.unexpectedResponse = res.statusCode;
    });
    this.on('error', (e) => {
      s.error = String(e?.message ?? e);
    });
    this.on('close', (code, reason) => {
      s.closed = { t: ms(), code, reason: String(reason), by: s.clientClose ? 'client' : 'server' };
    });
  }
  send(data, ...rest) {
    this._trace.frames.push({ dir: 'out', ...summarize(data) });
    return super.send(data, ...rest);
  }
  close(code, reason) {
    this._trace.clientClose = { t: ms(), code, reason };
    return super.close(code, reason);
  }
}

// Node 20 has no global WebSocket (Node 22 has): the AppSync clients use
// the global, so install ws's, traced. Where a global exists, it is
// replaced by the traced ws one all the same, so every run is traced alike.
export const polyfilledWebSocket = typeof globalThis.WebSocket === 'undefined';
globalThis.WebSocket = TracedWebSocket;

// frames of one type (in or out) on any socket
export function frames(dir, type) {
  return sockets.flatMap((s) => s.frames.filter((f) => f.dir === dir && f.type === type).map((f) => ({ socket: s.n, ...f })));
}

export const SUBSCRIPTION = /* GraphQL */ `subscription OnOrderStatus($orderId: ID) {
  onOrderStatusChanged(orderId: $orderId) { orderId customerId status previousStatus version occurredAt }
}`;

export const PLACE_ORDER = /* GraphQL */ `mutation PlaceOrder($in: PlaceOrderInput!) {
  placeOrder(input: $in) { id status }
}`;

// the events a subscription received, and what it should receive
export const events = [];
export const WANT = [
  { status: 'CONFIRMED', previousStatus: 'PENDING', version: 2 },
  { status: 'SHIPPED', previousStatus: 'CONFIRMED', version: 3 },
  { status: 'DELIVERED', previousStatus: 'SHIPPED', version: 4 },
];

export function recordEvent(ev, via) {
  if (ev) events.push({ t: ms(), via, ...ev });
}

export function eventsOf(orderId) {
  return events.filter((e) => e.orderId === orderId);
}

// waitFor polls cond until it holds; false after within ms (or at the
// run's deadline).
export async function waitFor(cond, within = cfg.timeoutMs ?? 20000) {
  const until = Math.min(Date.now() + within, deadline);
  while (!cond()) {
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

const deadline = started + (cfg.timeoutMs ?? 20000);
const result = { ok: false, steps: [] };
export const report = result;

// step records a milestone (and how long into the run it came).
export function step(name, extra) {
  result.steps.push({ t: ms(), step: name, ...extra });
}

// finish prints the one JSON line and exits 0 at once (the Go test
// judges it); nothing after it runs.
export function finish(extra = {}) {
  Object.assign(result, extra, { ms: ms(), events, sockets, polyfilledWebSocket });
  const buf = Buffer.from(JSON.stringify(result) + '\n');
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(1, buf, off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
  process.exit(0);
}

// fail ends the run: what went wrong, and everything traced so far.
export function fail(why, extra = {}) {
  finish({ ok: false, error: String(why), ...extra });
}

// the run's own bound: whatever happened by then is printed
const bound = setTimeout(() => fail(`timed out after ${cfg.timeoutMs ?? 20000} ms`), (cfg.timeoutMs ?? 20000) + 500);
bound.unref();
process.on('unhandledRejection', (e) => fail(`unhandled rejection: ${e?.stack ?? JSON.stringify(e)}`));
process.on('uncaughtException', (e) => fail(`uncaught exception: ${e?.stack ?? e}`));

// errorText turns what a client rejects with (an Error, a GraphQL result,
// Amplify's {errors: [...]}, an Apollo error) into text.
export function errorText(e) {
  if (e === undefined || e === null) return String(e);
  if (typeof e === 'string') return e;
  const parts = [];
  if (e.message) parts.push(e.message);
  const errs = e.errors ?? e.graphQLErrors ?? e.error?.errors;
  if (Array.isArray(errs)) for (const x of errs) parts.push(x?.message ?? JSON.stringify(x));
  if (!parts.length) {
    try {
      parts.push(JSON.stringify(e));
    } catch {
      parts.push(String(e));
    }
  }
  return parts.join('; ');
}
