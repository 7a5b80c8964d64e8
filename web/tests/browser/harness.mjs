// Shared harness of the browser test (test.mjs runs the specs under specs/ with it): reads what run.sh
// passes in the environment, runs named checks ("ok"/"not ok" per check), launches headless Chromium,
// opens pages and waits for them, collects the page log and the timings the page reports, and prints
// the summary ("N passed, M failed" last; exit status 1 on any failure).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run this through run.sh)`);
  return value;
};
export const base = env('BASE_URL').replace(/\/$/, '');
export const out = env('OUT_DIR');
export const dist = env('DIST_DIR');
export const description = env('DESCRIPTION');
// What `trainer generate` prints for the tiny checkpoints (computed by run.sh).
export const expected = {
  attention: fs.readFileSync(env('EXPECTED_ATTENTION'), 'utf8'),
  attentionMatrix: JSON.parse(fs.readFileSync(env('EXPECTED_ATTENTION_JSON'), 'utf8')),
  attentionBeam: fs.readFileSync(env('EXPECTED_ATTENTION_BEAM'), 'utf8'),
  rnn: fs.readFileSync(env('EXPECTED_RNN'), 'utf8'),
};

let passed = 0;
let failed = 0;
// Timings the specs record (the page's data-testid="timing" element), printed and saved by finish().
export const metrics = {};
// The pages' console messages and errors, printed when a check fails.
export const logs = [];
// Every URL the pages requested, and every Content-Security-Policy violation they reported
// ({ page, text }): finish() fails on a request that left the site and on any violation.
export const requests = [];
export const violations = [];

export async function check(name, body) {
  try {
    await body();
    passed++;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed++;
    console.log(`not ok - ${name}\n  ${String(error.stack || error).replace(/\n/g, '\n  ')}`);
  }
}
export function equal(actual, wanted, what) {
  if (JSON.stringify(actual) !== JSON.stringify(wanted)) {
    throw new Error(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
  }
}

const launch = (extra = []) => chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extra,
  ],
});
let browser = null;
let context = null;
// Closes the current browser, if any, and starts a fresh one with these extra Chromium flags; open()
// then opens its pages there.
export async function startBrowser(extra = []) {
  if (browser) await browser.close();
  browser = await launch(extra);
  context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`[csp] ${e.violatedDirective} refused ${e.blockedURI || 'inline code'}`);
  }));
}

export async function open(query = '') {
  const page = await context.newPage();
  page.on('console', (m) => {
    logs.push(`[console.${m.type()}] ${m.text()}`);
    if (m.text().startsWith('[csp]')) violations.push({ page, text: m.text() });
  });
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  await page.goto(`${base}/${query}`);
  await page.waitForSelector('main[data-state]', { timeout: 60_000 });
  return page;
}
// Waits for the page to finish a generation; returns its state ("done" or "error").
export async function settled(page) {
  await page.waitForSelector('main[data-state="done"], main[data-state="error"]', { timeout: 120_000 });
  return page.getAttribute('main', 'data-state');
}
export const code = (page) => page.$eval('[data-testid="generated-code"]', (e) => e.textContent);
export const webgpuStatus = (page) => page.waitForSelector(
  '[data-testid="webgpu-status"]:not([data-webgpu="starting"])', { timeout: 60_000 });
export async function timing(page) {
  const t = await page.$eval('[data-testid="timing"]', (e) => ({ ...e.dataset }));
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, isNaN(Number(v)) ? v : Number(v)]));
}

// Closes the browser, saves metrics.json, prints the timings and the summary line, and exits.
export async function finish() {
  await check('every request the pages made stayed on the site', async () => {
    const away = requests.filter((url) => !url.startsWith(`${base}/`) && !/^(data|blob):/.test(url));
    if (away.length) throw new Error(`requests off the site: ${[...new Set(away)].join(', ')}`);
    if (!requests.length) throw new Error('no request was recorded');
  });
  await check('no page broke its Content-Security-Policy', async () => {
    if (violations.length) throw new Error(violations.map((v) => v.text).join('\n'));
  });
  console.log(`requests recorded: ${requests.length}`);
  if (browser) await browser.close();
  browser = null;
  fs.writeFileSync(path.join(out, 'metrics.json'), JSON.stringify(metrics, null, 2));
  const first = metrics.url_first;
  const cached = metrics.typed_cached;
  if (first) {
    console.log(`time to first result (?q= page, since navigation start): ${first.sincePageLoadMs} ms ` +
      `(weights ${first.loadMs} ms, decoding ${first.decodeMs} ms)`);
    console.log(`per-token latency (first run): ${first.msPerToken} ms/token over ${first.steps} tokens`);
  }
  if (cached) {
    console.log(`per-token latency (weights in memory): ${cached.msPerToken} ms/token over ${cached.steps} tokens; ` +
      `click to result ${cached.totalMs} ms`);
  }
  for (const [name, t] of [['first run', metrics.webgpu_first], ['weights in memory', metrics.webgpu_cached]]) {
    if (t) {
      console.log(`WebGPU (${name}): since navigation start ${t.sincePageLoadMs} ms, weights ${t.loadMs} ms, ` +
        `decoding ${t.decodeMs} ms, ${t.msPerToken} ms/token over ${t.steps} tokens`);
    }
  }
  console.log(`screenshot: ${path.join(out, 'screenshot.png')}`);
  if (failed) console.log(`page log:\n${logs.join('\n')}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
