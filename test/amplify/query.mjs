// Runs one GraphQL query through the real aws-amplify v6 client, configured
// the way an app configures it, and prints one JSON line:
//   {"ok": true, "data": …}  or  {"ok": false, "errors": […]}
// Usage: node query.mjs ENDPOINT MODE CREDENTIAL QUERY
//   MODE apiKey: CREDENTIAL is the API key.
//   MODE userPool: CREDENTIAL is "<idToken> <accessToken>"; Amplify Auth gets
//   them from a custom token provider (as it would from Cognito) and sends the
//   access token, as Amplify v6 does.
// Run from .cache/amplify (where node_modules is).
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { decodeJWT } from 'aws-amplify/auth';

const [endpoint, mode, credential, query] = process.argv.slice(2);
if (!endpoint || !mode || !query) {
  console.error('usage: node query.mjs ENDPOINT MODE CREDENTIAL QUERY');
  process.exit(2);
}

const config = {
  API: { GraphQL: { endpoint, region: 'us-east-1', defaultAuthMode: mode, ...(mode === 'apiKey' ? { apiKey: credential } : {}) } },
};
const libraryOptions = {};
if (mode === 'userPool') {
  const [idToken, accessToken] = credential.split(' ');
  libraryOptions.Auth = {
    tokenProvider: {
      getTokens: async () => ({ accessToken: decodeJWT(accessToken), idToken: decodeJWT(idToken) }),
    },
  };
}
Amplify.configure(config, libraryOptions);

try {
  const res = await generateClient().graphql({ query });
  console.log(JSON.stringify({ ok: true, data: res.data }));
} catch (e) {
  // Amplify rejects with the GraphQL result (errors) or an Error.
  const errors = e?.errors ?? [{ message: String(e?.message ?? e) }];
  console.log(JSON.stringify({ ok: false, errors: errors.map((x) => ({ message: x.message, errorType: x.errorType })) }));
}
