#!/usr/bin/env node
// Drives shopgraph's GraphiQL playground (server/playground) in Debian's
// headless Chromium with playwright-core, for internal/browsertest.
//
//   node e2e/playground.mjs PAGE_URL QUERY SCREENSHOT.png
//
// It opens PAGE_URL with ?query=QUERY, waits for GraphiQL and its schema,
// checks that the query editor holds QUERY (typing it in otherwise), clicks
// the execute button, waits for the result pane, opens the documentation
// explorer on the Query type, takes a screenshot and prints one JSON line:
//
//   {"result": "...", "docs": "...", "requests": ["http://127.0.0.1:…", …],
//    "console": ["error: …", …]}
//
// It exits non-zero with a message on stderr when a step fails, when the page
// throws, when the page asks for anything on a host that is not loopback
// (such requests are also blocked), or when it takes longer than
// E2E_TIMEOUT_MS (default 60000) in all. It never downloads a browser.
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TOTAL_MS = Number(process.env.E2E_TIMEOUT_MS || 60000);
const STEP_MS = Math.min(20000, TOTAL_MS);
// E2E_QUERY_INPUT=type types the query into the editor instead of passing it
// as ?query= (both paths are tested).
const INPUT = process.env.E2E_QUERY_INPUT || 'url';

function usage(msg) {
  process.stderr.write(`playground.mjs: ${msg}\nusage: node playground.mjs PAGE_URL QUERY SCREENSHOT.png\n`);
  process.exit(2);
}

const [pageURL, query, screenshot] = process.argv.slice(2);
if (!pageURL || query === undefined || !screenshot) usage('missing arguments');
let target;
try {
  target = new URL(pageURL);
} catch {
  usage(`bad page URL ${JSON.stringify(pageURL)}`);
}

// isLocal reports whether the page may load url: loopback hosts over
// http(s)/ws(s), and in-page data: and blob: URLs.
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
if (!isLocal(target.href)) usage(`page URL must be on a loopback host, got ${target.host}`);

let step = 'starting';
let browser;
const requests = [];
const foreign = new Set(); // non-loopback URLs the page asked for
const consoleLines = [];
const pageErrors = [];

async function fail(msg) {
  process.stderr.write(`playground.mjs: ${msg}\n`);
  if (requests.length) process.stderr.write(`requests so far:\n  ${requests.join('\n  ')}\n`);
  if (consoleLines.length) process.stderr.write(`console:\n  ${consoleLines.join('\n  ')}\n`);
  try {
    await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 3000))]);
  } catch {
    // ignore: we are failing anyway
  }
  process.exit(1);
}

const deadline = setTimeout(() => {
  fail(`timed out after ${TOTAL_MS} ms while ${step}`);
}, TOTAL_MS);

function checkForeign() {
  if (foreign.size) throw new Error(`the page tried to load from non-loopback hosts (blocked):\n  ${[...foreign].join('\n  ')}`);
}

// editorText returns the full text of the CodeMirror 5 editor inside the
// element matching selector (its visible lines only, if the CodeMirror
// instance is not reachable).
function editorText(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(`${sel} .CodeMirror`);
    if (!el) return null;
    return el.CodeMirror ? el.CodeMirror.getValue() : el.innerText;
  }, selector);
}

async function run() {
  step = `launching ${CHROMIUM}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: STEP_MS,
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, serviceWorkers: 'block' });
  context.setDefaultTimeout(STEP_MS);

  // Record every request; block (and remember) anything not on loopback.
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

  step = `loading ${target.href}`;
  const url = new URL(target.href);
  if (INPUT !== 'type') url.searchParams.set('query', query);
  const resp = await page.goto(url.href, { waitUntil: 'load' });
  if (!resp || !resp.ok()) throw new Error(`GET ${url.href}: HTTP ${resp ? resp.status() : 'no response'}`);
  checkForeign();

  step = 'waiting for GraphiQL to render';
  await page.locator('.graphiql-container .graphiql-query-editor .CodeMirror').waitFor({ state: 'visible' });
  const startupError = await page.evaluate(() => document.querySelector('[data-playground-error]')?.getAttribute('data-playground-error'));
  if (startupError) throw new Error(`the playground reported: ${startupError}`);

  step = 'waiting for the schema (introspection) to load';
  // The doc explorer (open at start) lists the root types once the schema
  // is in; open it first if it is not.
  const docs = page.locator('.graphiql-doc-explorer');
  if (!(await docs.isVisible())) {
    await page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click();
  }
  // "Root Types" is the first section: "query: Query".
  const queryRoot = docs.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).first();
  await queryRoot.waitFor({ state: 'visible' });

  step = 'putting the query into the editor';
  if ((await editorText(page, '.graphiql-query-editor')) !== query) {
    // Asked to type, or ?query= did not take: type it in.
    await page.locator('.graphiql-query-editor .CodeMirror').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(query);
    const got = await editorText(page, '.graphiql-query-editor');
    if (got !== query) throw new Error(`query editor holds ${JSON.stringify(got)}, want ${JSON.stringify(query)}`);
  }

  step = 'executing the query';
  await page.locator('.graphiql-execute-button').click();
  await page.waitForFunction(() => {
    const el = document.querySelector('.graphiql-response .CodeMirror');
    const text = el && (el.CodeMirror ? el.CodeMirror.getValue() : el.innerText);
    return text && text.trim().length > 0;
  });
  // A spinner replaces the result while a request is in flight.
  await page.locator('.graphiql-response .graphiql-spinner').waitFor({ state: 'detached' });
  const result = await editorText(page, '.graphiql-response');

  step = 'opening the Query type in the doc explorer';
  await queryRoot.click();
  await docs.locator('.graphiql-doc-explorer-title', { hasText: /^Query$/ }).waitFor({ state: 'visible' });
  await docs.locator('.graphiql-doc-explorer-field-name').first().waitFor({ state: 'visible' });
  const docsText = (await docs.innerText()).trim();

  step = `taking a screenshot into ${screenshot}`;
  await page.screenshot({ path: screenshot });

  step = 'closing the browser';
  await context.close();
  await browser.close();

  if (pageErrors.length) throw new Error(`the page threw:\n  ${pageErrors.join('\n  ')}`);
  checkForeign();
  return { result, docs: docsText, requests, console: consoleLines };
}

run().then(
  (out) => {
    clearTimeout(deadline);
    process.stdout.write(JSON.stringify(out) + '\n');
  },
  (err) => fail(`${step}: ${err && err.message ? err.message : err}`),
);
