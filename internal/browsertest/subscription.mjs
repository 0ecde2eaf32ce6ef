#!/usr/bin/env node
// Runs a GraphQL subscription in shopgraph's GraphiQL playground
// (server/playground) in Debian's headless Chromium with playwright-core, for
// internal/browsertest (RunSubscription).
//
//   node subscription.mjs PAGE_URL QUERY SCREENSHOT.png RUNS_JSON
//
// RUNS_JSON is an array of runs, [{"headers": "…" or null, "until": "…"}]:
// each run sets the headers editor to headers (unless null), clicks the
// execute button and records every text the result pane shows (a change
// listener on its CodeMirror, so no event is missed to polling) until one
// contains until and the subscription has ended (the button says "Execute"
// again). It opens PAGE_URL with ?query=QUERY and prints one JSON line:
//
//   {"runs": [{"events": ["…", …]}], "requests": […], "console": […]}
//
// Like test/e2e/playground.mjs it blocks (and fails on) any request to a
// host that is not loopback, fails when the page throws and never downloads
// a browser. Environment: CHROMIUM_PATH, E2E_NODE_MODULES,
// E2E_LAUNCH_TIMEOUT_MS and E2E_TIMEOUT_MS as for playground.mjs.
import { createRequire } from 'node:module';

const nodeModules = process.env.E2E_NODE_MODULES;
let chromium;
try {
  ({ chromium } = createRequire(`${nodeModules}/../package.json`)('playwright-core'));
} catch (e) {
  process.stderr.write(`subscription.mjs: cannot load playwright-core from ${nodeModules} (run \`make test-deps\`): ${e && e.message ? e.message : e}\n`);
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const LAUNCH_MS = Number(process.env.E2E_LAUNCH_TIMEOUT_MS) || 60000;
const PAGE_MS = Number(process.env.E2E_TIMEOUT_MS) || 60000;

const [pageURL, query, screenshot, runsJSON] = process.argv.slice(2);
if (!pageURL || query === undefined || !screenshot || !runsJSON) {
  process.stderr.write('usage: node subscription.mjs PAGE_URL QUERY SCREENSHOT.png RUNS_JSON\n');
  process.exit(2);
}
const runs = JSON.parse(runsJSON);

function isLocal(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'data:' || u.protocol === 'blob:') return true;
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return false;
  const h = u.hostname;
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

let step = 'starting';
let browser;
const requests = [];
const foreign = new Set();
const consoleLines = [];
const pageErrors = [];
let failed = false;
let deadline;
async function fail(msg) {
  if (failed) return;
  failed = true;
  clearTimeout(deadline);
  process.stderr.write(`subscription.mjs: ${msg}\n`);
  if (requests.length) process.stderr.write(`requests so far:\n  ${requests.join('\n  ')}\n`);
  if (consoleLines.length) process.stderr.write(`console:\n  ${consoleLines.join('\n  ')}\n`);
  try {
    await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 3000))]);
  } catch {
    // failing anyway
  }
  process.exit(1);
}
function phase(ms) {
  clearTimeout(deadline);
  deadline = setTimeout(() => fail(`timed out after ${ms} ms while ${step}`), ms);
}

async function run() {
  if (!isLocal(pageURL)) throw new Error(`page URL must be on a loopback host, got ${pageURL}`);
  phase(LAUNCH_MS);
  step = `launching ${CHROMIUM}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 0,
  });
  step = 'opening a tab';
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, serviceWorkers: 'block' });
  context.setDefaultTimeout(0);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (!isLocal(url)) {
      foreign.add(url);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  const page = await context.newPage();
  page.on('request', (r) => {
    requests.push(r.url());
    if (!isLocal(r.url())) foreign.add(r.url());
  });
  page.on('websocket', (ws) => {
    requests.push(ws.url());
    if (!isLocal(ws.url())) foreign.add(ws.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleLines.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => pageErrors.push(String(e && e.stack ? e.stack : e)));

  phase(PAGE_MS);
  const url = new URL(pageURL);
  url.searchParams.set('query', query);
  step = `loading ${url.href}`;
  const resp = await page.goto(url.href, { waitUntil: 'load' });
  if (!resp || !resp.ok()) throw new Error(`GET ${url.href}: HTTP ${resp ? resp.status() : 'no response'}`);

  step = 'waiting for GraphiQL to render';
  await page.locator('#graphiql[data-playground-ready]').waitFor({ state: 'attached' });
  const startupError = await page.evaluate(() => document.querySelector('[data-playground-error]')?.getAttribute('data-playground-error'));
  if (startupError) throw new Error(`the playground reported: ${startupError}`);
  await page.locator('.graphiql-response .CodeMirror').waitFor({ state: 'attached' });
  const got = await page.evaluate(() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue());
  if (got !== query) throw new Error(`the query editor holds ${JSON.stringify(got)}, want ${JSON.stringify(query)}`);

  // Every text the result pane shows, in order.
  await page.evaluate(() => {
    const cm = document.querySelector('.graphiql-response .CodeMirror').CodeMirror;
    window.__resultTexts = [];
    cm.on('change', () => window.__resultTexts.push(cm.getValue()));
  });
  const idle = page.locator('.graphiql-execute-button[aria-label^="Execute"]');
  const out = [];
  for (const [i, r] of runs.entries()) {
    step = `run ${i + 1}: waiting for the execute button`;
    await idle.waitFor({ state: 'visible' });
    if (r.headers !== null && r.headers !== undefined) {
      step = `run ${i + 1}: setting the headers`;
      const tools = page.locator('section.graphiql-editor-tool');
      if ((await tools.getAttribute('aria-label')) !== 'Headers') {
        await page.locator('.graphiql-editor-tools button', { hasText: /^Headers$/ }).click();
      }
      const editor = page.locator('section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror');
      await editor.waitFor({ state: 'visible' });
      await editor.evaluate((el, text) => el.CodeMirror.setValue(text), r.headers);
    }
    await page.evaluate(() => { window.__resultTexts = []; });
    step = `run ${i + 1}: running the subscription until the result shows ${JSON.stringify(r.until)}`;
    await page.locator('.graphiql-execute-button').click();
    await page.waitForFunction((until) => window.__resultTexts.some((t) => t.includes(until)), r.until);
    step = `run ${i + 1}: waiting for the subscription to end`;
    await idle.waitFor({ state: 'visible' });
    out.push({ events: await page.evaluate(() => window.__resultTexts.filter((t) => t.trim() !== '')) });
  }

  step = `taking a screenshot into ${screenshot}`;
  await page.screenshot({ path: screenshot, timeout: 0 });
  step = 'closing the browser';
  await context.close();
  await browser.close();
  if (pageErrors.length) throw new Error(`the page threw:\n  ${pageErrors.join('\n  ')}`);
  if (foreign.size) throw new Error(`the page tried to load from non-loopback hosts (blocked):\n  ${[...foreign].join('\n  ')}`);
  return { runs: out, requests, console: consoleLines };
}

run().then(
  (out) => {
    clearTimeout(deadline);
    process.stdout.write(JSON.stringify(out) + '\n');
  },
  (err) => fail(`${step}: ${err && err.message ? err.message : err}`),
);
