#!/usr/bin/env node
// Drives shopgraph's GraphiQL playground (server/playground) in Debian's
// headless Chromium with playwright-core, for internal/browsertest.
//
//   node test/e2e/playground.mjs PAGE_URL QUERY SCREENSHOT.png
//
// It starts Chromium, opens PAGE_URL with ?query=QUERY, waits for GraphiQL,
// checks that the query editor holds QUERY (typing it in otherwise),
// measures the layout, waits for the schema, clicks the execute button,
// waits for the result pane, opens the documentation explorer on the Query
// type, takes a screenshot and prints one JSON line:
//
//   {"result": "...", "docs": "...", "requests": ["http://127.0.0.1:…", …],
//    "console": ["error: …", …], "layout": {…}}
//
// It exits non-zero with a message on stderr when a step fails, when the page
// throws, when the page asks for anything on a host that is not loopback
// (such requests are also blocked), or when it runs out of time. It never
// downloads a browser.
//
// Environment:
//
//   CHROMIUM_PATH          the browser (default /usr/bin/chromium)
//   E2E_NODE_MODULES       the node_modules holding playwright-core (default
//                          .cache/e2e/node_modules of the repository, where
//                          scripts/deps/e2e-npm.sh installs it)
//   E2E_LAUNCH_TIMEOUT_MS  bounds starting Chromium and opening a tab
//                          (default 60000)
//   E2E_TIMEOUT_MS         bounds everything after that: the page's steps
//                          (default 60000). Chromium's start-up does not count,
//                          so a busy machine cannot eat into it.
//   E2E_VIEWPORT           the window size, WIDTHxHEIGHT (default 1400x900)
//   E2E_QUERY_INPUT        how QUERY gets into the editor: url (?query=, the
//                          default), type (typed in), or default (not at all:
//                          the page's default query must be QUERY)
//
// Each phase has one deadline and playwright's own per-call timeouts are off,
// so a time-out always reads "timed out after N ms while <step>".
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeModules = process.env.E2E_NODE_MODULES || path.join(here, '..', '..', '.cache', 'e2e', 'node_modules');
let chromium;
try {
  // Resolve playwright-core from nodeModules, not from beside this file:
  // the package is installed into .cache/e2e, the script stays in test/e2e.
  ({ chromium } = createRequire(path.join(nodeModules, '..', 'package.json'))('playwright-core'));
} catch (e) {
  process.stderr.write(`playground.mjs: cannot load playwright-core from ${nodeModules} (run \`make test-deps\`): ${e && e.message ? e.message : e}\n`);
  process.exit(2);
}

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const LAUNCH_MS = positive('E2E_LAUNCH_TIMEOUT_MS', 60000);
const PAGE_MS = positive('E2E_TIMEOUT_MS', 60000);
const INPUT = process.env.E2E_QUERY_INPUT || 'url';
const [WIDTH, HEIGHT] = viewport(process.env.E2E_VIEWPORT || '1400x900');

function usage(msg) {
  process.stderr.write(`playground.mjs: ${msg}\nusage: node playground.mjs PAGE_URL QUERY SCREENSHOT.png\n`);
  process.exit(2);
}

function positive(name, dflt) {
  if (!process.env[name]) return dflt;
  const n = Number(process.env[name]);
  if (!Number.isInteger(n) || n <= 0) usage(`${name} must be a positive number of milliseconds, got ${JSON.stringify(process.env[name])}`);
  return n;
}

function viewport(s) {
  const m = /^(\d+)x(\d+)$/.exec(s);
  if (!m) usage(`E2E_VIEWPORT must be WIDTHxHEIGHT, got ${JSON.stringify(s)}`);
  return [Number(m[1]), Number(m[2])];
}

if (!['url', 'type', 'default'].includes(INPUT)) usage(`E2E_QUERY_INPUT must be url, type or default, got ${JSON.stringify(INPUT)}`);
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

let failed = false;
async function fail(msg) {
  // Once: closing the browser makes the pending step fail too.
  if (failed) return;
  failed = true;
  clearTimeout(deadline);
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

// The one deadline of the current phase.
let deadline;
function phase(ms) {
  clearTimeout(deadline);
  deadline = setTimeout(() => fail(`timed out after ${ms} ms while ${step}`), ms);
}

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

// measureLayout reports the widths of GraphiQL's columns and whether the
// query editor's lines fit in it (CSS pixels). contentWidth and visibleWidth
// are CodeMirror's scroll width and visible width (getScrollInfo); a line is
// clipped when its text ends right of visibleRight.
function measureLayout(page) {
  return page.evaluate(() => {
    const q = (s) => document.querySelector(s);
    const width = (s) => {
      const el = q(s);
      if (!el) return 0;
      const r = el.getBoundingClientRect();
      return r.right <= 0 ? 0 : Math.round(r.width * 10) / 10; // a hidden pane sits off-screen
    };
    const cmEl = q('.graphiql-query-editor .CodeMirror');
    const cm = cmEl.CodeMirror;
    const info = cm.getScrollInfo();
    const scroller = cm.getScrollerElement();
    const visibleRight = scroller.getBoundingClientRect().left + scroller.clientWidth - cm.display.scrollbars.vert.offsetWidth;
    let longest = { line: 0, chars: -1, text: '', right: 0 };
    cm.scrollTo(0, null);
    cm.eachLine((h) => {
      if (h.text.length > longest.chars) longest = { line: cm.getLineNumber(h) + 1, chars: h.text.length, text: h.text, right: 0 };
    });
    // The right edge of the longest line's text (CodeMirror renders the lines
    // in view; the editor shows the whole default query).
    const end = cm.charCoords({ line: longest.line - 1, ch: longest.chars }, 'window');
    longest.right = Math.round(end.left * 10) / 10;
    const hbar = q('.graphiql-query-editor .CodeMirror-hscrollbar');
    const pane = q('.graphiql-plugin');
    return {
      viewport: { width: window.innerWidth, height: window.innerHeight },
      ready: q('#graphiql')?.getAttribute('data-playground-ready') || '',
      docsOpen: !!(q('.graphiql-doc-explorer') && pane && pane.style.position !== 'absolute' && pane.getBoundingClientRect().right > 0),
      docsWidth: width('.graphiql-plugin'),
      editorColumn: width('.graphiql-editors'),
      resultColumn: width('.graphiql-response'),
      queryEditor: {
        contentWidth: info.width,
        visibleWidth: info.clientWidth,
        horizontalScrollbar: !!(hbar && getComputedStyle(hbar).display !== 'none'),
        visibleRight: Math.round(visibleRight * 10) / 10,
        charWidth: cm.defaultCharWidth(),
        longestLine: longest,
      },
    };
  });
}

async function run() {
  phase(LAUNCH_MS);
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
    timeout: 0, // the phase deadline bounds it
  });
  step = 'opening a tab';
  const context = await browser.newContext({ viewport: { width: WIDTH, height: HEIGHT }, serviceWorkers: 'block' });
  context.setDefaultTimeout(0); // the phase deadline bounds every step

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

  // The browser is up: from here on the page's own budget runs.
  step = `loading ${target.href}`;
  phase(PAGE_MS);
  const url = new URL(target.href);
  if (INPUT === 'url') url.searchParams.set('query', query);
  const resp = await page.goto(url.href, { waitUntil: 'load' });
  if (!resp || !resp.ok()) throw new Error(`GET ${url.href}: HTTP ${resp ? resp.status() : 'no response'}`);
  checkForeign();

  step = 'waiting for GraphiQL to render';
  await page.locator('.graphiql-container .graphiql-query-editor .CodeMirror').waitFor({ state: 'visible' });
  const startupError = await page.evaluate(() => document.querySelector('[data-playground-error]')?.getAttribute('data-playground-error'));
  if (startupError) throw new Error(`the playground reported: ${startupError}`);
  // The bootstrap marks the page once its start-up layout is in place (the
  // doc explorer opened or not).
  await page.locator('#graphiql[data-playground-ready]').waitFor({ state: 'attached' });

  step = 'putting the query into the editor';
  if ((await editorText(page, '.graphiql-query-editor')) !== query) {
    if (INPUT === 'default') {
      throw new Error(`the query editor holds ${JSON.stringify(await editorText(page, '.graphiql-query-editor'))}, want the default query ${JSON.stringify(query)}`);
    }
    // Asked to type, or ?query= did not take: type it in.
    await page.locator('.graphiql-query-editor .CodeMirror').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(query);
    const got = await editorText(page, '.graphiql-query-editor');
    if (got !== query) throw new Error(`query editor holds ${JSON.stringify(got)}, want ${JSON.stringify(query)}`);
  }

  step = 'measuring the layout';
  const layout = await measureLayout(page);

  step = 'waiting for the schema (introspection) to load';
  // The doc explorer lists the root types once the schema is in; open it
  // first if it is not (it opens at start in wide windows only).
  const docs = page.locator('.graphiql-doc-explorer');
  if (!(await docs.isVisible())) {
    await page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click();
  }
  // "Root Types" is the first section: "query: Query".
  const queryRoot = docs.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).first();
  await queryRoot.waitFor({ state: 'visible' });

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
  await page.screenshot({ path: screenshot, timeout: 0 });

  step = 'closing the browser';
  await context.close();
  await browser.close();

  if (pageErrors.length) throw new Error(`the page threw:\n  ${pageErrors.join('\n  ')}`);
  checkForeign();
  return { result, docs: docsText, requests, console: consoleLines, layout };
}

run().then(
  (out) => {
    clearTimeout(deadline);
    process.stdout.write(JSON.stringify(out) + '\n');
  },
  (err) => fail(`${step}: ${err && err.message ? err.message : err}`),
);
