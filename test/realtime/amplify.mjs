// aws-amplify v6 (generateClient from aws-amplify/api), configured as an
// app is: the GraphQL endpoint, userPool auth with a token provider (as
// Amplify Auth's own would give Cognito's tokens; Amplify sends the access
// token), and the partner API key for the apiKey mode.
//
// 1. subscribes to onOrderStatusChanged (userPool) over wss://;
// 2. once the server acknowledged it (start_ack), places an order through
//    Amplify (userPool);
// 3. with cfg.apiKeyRefusal, after the order's CONFIRMED, subscribes to
//    that order with authMode apiKey (on the same socket: Amplify keeps one
//    per endpoint), which the server must refuse with an authorization
//    error;
// 4. waits for SHIPPED and DELIVERED from the simulated warehouse on the
//    first subscription.
// Prints one JSON line (common.mjs) with the events, the refusal and the
// socket trace. Usage: node amplify.mjs CONFIG_JSON
import { cfg, version, events, eventsOf, recordEvent, waitFor, step, finish, fail, frames, errorText, SUBSCRIPTION, PLACE_ORDER } from './common.mjs';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { decodeJWT } from 'aws-amplify/auth';

Amplify.configure(
  { API: { GraphQL: { endpoint: cfg.endpoint, region: 'us-east-1', defaultAuthMode: 'userPool', apiKey: cfg.apiKey } } },
  {
    Auth: {
      tokenProvider: {
        getTokens: async () => ({ accessToken: decodeJWT(cfg.accessToken), idToken: decodeJWT(cfg.idToken) }),
      },
    },
  },
);
const client = generateClient();
const out = { client: `aws-amplify ${version('aws-amplify')} (@aws-amplify/api-graphql ${version('@aws-amplify/api-graphql')})` };

let userPoolError = null;
client.graphql({ query: SUBSCRIPTION, variables: {} }).subscribe({
  next: ({ data }) => recordEvent(data?.onOrderStatusChanged, 'userPool'),
  error: (e) => {
    userPoolError = errorText(e);
    step('userPool subscription errored', { error: userPoolError });
  },
});
if (!(await waitFor(() => frames('in', 'start_ack').length >= 1 || userPoolError))) fail('no start_ack for the userPool subscription', out);
if (userPoolError) fail(`the userPool subscription failed: ${userPoolError}`, out);
step('userPool subscription acknowledged');

let orderId;
try {
  const res = await client.graphql({ query: PLACE_ORDER, variables: { in: cfg.order } });
  orderId = res.data.placeOrder.id;
  step('order placed', { orderId, status: res.data.placeOrder.status });
} catch (e) {
  fail(`placeOrder through Amplify: ${errorText(e)}`, out);
}
out.orderId = orderId;

if (!(await waitFor(() => eventsOf(orderId).some((e) => e.status === 'CONFIRMED')))) fail('no CONFIRMED event', out);
step('CONFIRMED received');

// The API-key subscription to the order, on the same socket.
if (cfg.apiKeyRefusal) {
  const refusal = { errored: false, data: [] };
  out.refusal = refusal;
  const startsBefore = frames('out', 'start').length;
  client.graphql({ query: SUBSCRIPTION, variables: { orderId }, authMode: 'apiKey' }).subscribe({
    next: ({ data }) => refusal.data.push(data),
    error: (e) => {
      refusal.errored = true;
      refusal.error = errorText(e);
    },
  });
  if (!(await waitFor(() => refusal.errored || refusal.data.length > 0, 10000))) fail('the apiKey subscription was neither refused nor served', out);
  const start = frames('out', 'start')[startsBefore];
  if (start) {
    refusal.startId = start.id;
    refusal.socket = start.socket;
    refusal.authKeys = start.authKeys;
    refusal.frame = frames('in', 'error').find((f) => f.id === start.id) ?? null;
  }
  step('apiKey subscription answered', { errored: refusal.errored });
}

// The userPool subscription goes on: the warehouse's SHIPPED and DELIVERED.
const delivered = await waitFor(() => eventsOf(orderId).some((e) => e.status === 'DELIVERED'), cfg.eventsWithinMs);
step(delivered ? 'DELIVERED received' : 'no DELIVERED before the deadline');
finish({ ...out, ok: delivered && !userPoolError, userPoolError, error: delivered ? undefined : 'DELIVERED never arrived', eventCount: events.length });
