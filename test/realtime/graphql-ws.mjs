// The graphql-ws npm client (the graphql-transport-ws protocol) on
// wss://…/graphql, with ws as its WebSocket and the user's ID token in
// connectionParams {Authorization}.
//
// Subscribes to onOrderStatusChanged, places an order over the same
// socket, and waits for CONFIRMED, SHIPPED and DELIVERED. The protocol
// acknowledges no subscribe, so the order is placed once the connection is
// acknowledged and a ping sent after the subscribe has come back (the
// server reads a connection's messages in order; the order's first event
// comes from its workflow later still). Prints one JSON line
// (common.mjs). Usage: node graphql-ws.mjs CONFIG_JSON
import { cfg, version, eventsOf, recordEvent, waitFor, step, finish, fail, errorText, TracedWebSocket, SUBSCRIPTION, PLACE_ORDER } from './common.mjs';
import { createClient } from 'graphql-ws';

const out = { client: `graphql-ws ${version('graphql-ws')} (ws ${version('ws')})` };
const url = cfg.endpoint.replace(/^https:\/\//, 'wss://');
let acked = null; // the socket, once connection_ack came
let closed = null;
let pongs = 0;
const client = createClient({
  url,
  webSocketImpl: TracedWebSocket,
  connectionParams: { Authorization: cfg.idToken },
  retryAttempts: 0,
  on: {
    connected: (socket) => {
      acked = socket;
    },
    closed: (e) => {
      closed = `${e?.code} ${e?.reason ?? ''}`;
    },
    pong: () => {
      pongs++;
    },
  },
});

let subscriptionError = null;
client.subscribe(
  { query: SUBSCRIPTION, variables: {} },
  {
    next: (res) => {
      if (res.errors) {
        subscriptionError = errorText(res);
        step('subscription result with errors', { error: subscriptionError });
      }
      recordEvent(res.data?.onOrderStatusChanged, 'userPool');
    },
    error: (e) => {
      subscriptionError = errorText(e?.reason !== undefined ? `closed ${e.code} ${e.reason}` : e);
      step('subscription errored', { error: subscriptionError });
    },
    complete: () => step('subscription completed'),
  },
);
if (!(await waitFor(() => acked || closed || subscriptionError))) fail('no connection_ack', out);
if (!acked) fail(`the connection was refused: ${closed ?? subscriptionError}`, out);
step('connection acknowledged');

// a ping after the subscribe: its pong means the server has read the
// subscribe
acked.send(JSON.stringify({ type: 'ping' }));
if (!(await waitFor(() => pongs > 0, 5000))) fail('no pong to a ping', out);

let orderId;
try {
  orderId = await new Promise((resolve, reject) => {
    let id;
    client.subscribe(
      { query: PLACE_ORDER, variables: { in: cfg.order } },
      {
        next: (res) => {
          if (res.errors) reject(res);
          else id = res.data.placeOrder.id;
        },
        error: reject,
        complete: () => (id ? resolve(id) : reject(new Error('placeOrder completed without data'))),
      },
    );
  });
  step('order placed', { orderId });
} catch (e) {
  fail(`placeOrder over graphql-ws: ${errorText(e)}`, out);
}
out.orderId = orderId;

const delivered = await waitFor(() => eventsOf(orderId).some((e) => e.status === 'DELIVERED') || subscriptionError, cfg.eventsWithinMs);
step(delivered && !subscriptionError ? 'DELIVERED received' : 'no DELIVERED');
finish({ ...out, ok: delivered && !subscriptionError, subscriptionError, error: subscriptionError ?? (delivered ? undefined : 'DELIVERED never arrived') });
