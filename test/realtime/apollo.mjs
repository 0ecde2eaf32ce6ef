// Apollo Client 4 with aws-appsync-auth-link and aws-appsync-subscription-link,
// set up as their README shows: the auth link, then the subscription
// handshake link in front of an HttpLink, both with user-pool auth (the ID
// token from jwtToken). cfg.link names the subscription link package:
// aws-appsync-subscription-link (4.0.3: the header- subprotocol handshake)
// or aws-appsync-subscription-link-4.0.0 (an npm alias of 4.0.0: the
// header/payload query parameters).
//
// Subscribes to onOrderStatusChanged, places an order through Apollo once
// the server acknowledged the subscription (start_ack), and waits for
// CONFIRMED, SHIPPED and DELIVERED. Prints one JSON line (common.mjs).
// Usage: node apollo.mjs CONFIG_JSON
import { cfg, version, eventsOf, recordEvent, waitFor, step, finish, fail, frames, errorText, SUBSCRIPTION, PLACE_ORDER } from './common.mjs';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { AUTH_TYPE, createAuthLink } from 'aws-appsync-auth-link';

const linkPkg = cfg.link ?? 'aws-appsync-subscription-link';
const { createSubscriptionHandshakeLink } = await import(linkPkg);
const out = {
  client: `@apollo/client ${version('@apollo/client')}, aws-appsync-auth-link ${version('aws-appsync-auth-link')}, ${linkPkg} ${version(linkPkg)}`,
};

const url = cfg.endpoint;
const region = 'us-east-1';
const auth = { type: AUTH_TYPE.AMAZON_COGNITO_USER_POOLS, jwtToken: async () => cfg.idToken };
const client = new ApolloClient({
  link: ApolloLink.from([createAuthLink({ url, region, auth }), createSubscriptionHandshakeLink({ url, region, auth }, new HttpLink({ uri: url }))]),
  cache: new InMemoryCache(),
});

let subscriptionError = null;
client.subscribe({ query: gql(SUBSCRIPTION), variables: {} }).subscribe({
  next: (res) => {
    // Apollo 4 reports errors in the result rather than erroring the observable
    if (res.error) {
      subscriptionError = errorText(res.error);
      step('subscription result with an error', { error: subscriptionError });
      return;
    }
    recordEvent(res.data?.onOrderStatusChanged, 'userPool');
  },
  error: (e) => {
    subscriptionError = errorText(e);
    step('subscription errored', { error: subscriptionError });
  },
});
if (!(await waitFor(() => frames('in', 'start_ack').length >= 1 || subscriptionError))) fail('no start_ack for the subscription', out);
if (subscriptionError) fail(`the subscription failed: ${subscriptionError}`, out);
step('subscription acknowledged');

let orderId;
try {
  const res = await client.mutate({ mutation: gql(PLACE_ORDER), variables: { in: cfg.order } });
  if (res.error) throw res.error;
  orderId = res.data.placeOrder.id;
  step('order placed', { orderId, status: res.data.placeOrder.status });
} catch (e) {
  fail(`placeOrder through Apollo: ${errorText(e)}`, out);
}
out.orderId = orderId;

const delivered = await waitFor(() => eventsOf(orderId).some((e) => e.status === 'DELIVERED') || subscriptionError, cfg.eventsWithinMs);
step(delivered && !subscriptionError ? 'DELIVERED received' : 'no DELIVERED');
finish({ ...out, ok: delivered && !subscriptionError, subscriptionError, error: subscriptionError ?? (delivered ? undefined : 'DELIVERED never arrived') });
