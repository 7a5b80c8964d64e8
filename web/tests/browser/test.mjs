// End-to-end test of the web app in headless Chromium, driven by run.sh (which trains the tiny models,
// computes the expected code natively, builds and serves the site). Plain node, no test framework:
// prints "ok"/"not ok" per check, timings, and "N passed, M failed" last; exits 1 on any failure.
// Two browsers: a plain one (no WebGPU adapter: the page falls back to the CPU, where every check runs)
// and one with --enable-unsafe-webgpu (SwiftShader's software adapter), where the page decodes on WebGPU.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run this through run.sh)`);
  return value;
};
const base = env('BASE_URL').replace(/\/$/, '');
const out = env('OUT_DIR');
const dist = env('DIST_DIR');
const description = env('DESCRIPTION');
const expected = {
  attention: fs.readFileSync(env('EXPECTED_ATTENTION'), 'utf8'),
  attentionMatrix: JSON.parse(fs.readFileSync(env('EXPECTED_ATTENTION_JSON'), 'utf8')),
  attentionBeam: fs.readFileSync(env('EXPECTED_ATTENTION_BEAM'), 'utf8'),
  rnn: fs.readFileSync(env('EXPECTED_RNN'), 'utf8'),
};

let passed = 0;
let failed = 0;
const metrics = {};
async function check(name, body) {
  try {
    await body();
    passed++;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed++;
    console.log(`not ok - ${name}\n  ${String(error.stack || error).replace(/\n/g, '\n  ')}`);
  }
}
function equal(actual, wanted, what) {
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
let browser = await launch();
let context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
const logs = [];

async function open(query = '') {
  const page = await context.newPage();
  page.on('console', (m) => logs.push(`[console.${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  await page.goto(`${base}/${query}`);
  await page.waitForSelector('main[data-state]', { timeout: 60_000 });
  return page;
}
// Waits for the page to finish a generation; returns its state ("done" or "error").
async function settled(page) {
  await page.waitForSelector('main[data-state="done"], main[data-state="error"]', { timeout: 120_000 });
  return page.getAttribute('main', 'data-state');
}
const code = (page) => page.$eval('[data-testid="generated-code"]', (e) => e.textContent);
const webgpuStatus = (page) => page.waitForSelector(
  '[data-testid="webgpu-status"]:not([data-webgpu="starting"])', { timeout: 60_000 });
async function timing(page) {
  const t = await page.$eval('[data-testid="timing"]', (e) => ({ ...e.dataset }));
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, isNaN(Number(v)) ? v : Number(v)]));
}

await check('typed description: the attention model gives the native code', async () => {
  const page = await open();
  await page.fill('[data-testid="description"]', description);
  await page.selectOption('[data-testid="model"]', 'attention');
  await page.click('[data-testid="generate"]');
  equal(await settled(page), 'done', 'state');
  equal(await code(page), expected.attention, 'generated code');
  metrics.typed_first = await timing(page);
  // A second click: the weights are in memory now.
  await page.$eval('[data-testid="generated-code"]', (e) => { e.dataset.stale = '1'; });
  await page.click('[data-testid="generate"]');
  await page.waitForSelector('[data-testid="generated-code"]:not([data-stale])', { timeout: 120_000 });
  equal(await settled(page), 'done', 'state (second run)');
  equal(await code(page), expected.attention, 'generated code (second run)');
  metrics.typed_cached = await timing(page);
  equal(metrics.typed_cached.backend, 'CPU (wasm)', 'backend');
  await page.close();
});

await check('?q=...&model=attention generates on load, with the heatmap', async () => {
  const page = await open(`?q=${encodeURIComponent(description)}&model=attention`);
  equal(await settled(page), 'done', 'state');
  equal(await code(page), expected.attention, 'generated code');
  metrics.url_first = await timing(page);
  const heatmap = await page.$eval('[data-testid="attention-heatmap"]', (t) => ({
    rows: Number(t.dataset.rows),
    cols: Number(t.dataset.cols),
    rowElements: t.querySelectorAll('[data-testid="heatmap-row"]').length,
    cellsPerRow: [...t.querySelectorAll('[data-testid="heatmap-row"]')].map(
      (r) => r.querySelectorAll('[data-testid="heatmap-cell"]').length),
    rowLabels: [...t.querySelectorAll('th.tgt')].map((h) => h.title),
    colLabels: [...t.querySelectorAll('[data-testid="heatmap-col"]')].map((h) => h.title),
  }));
  const { generated_tokens: rows, src_tokens: cols } = expected.attentionMatrix;
  equal(heatmap.rows, rows.length, 'heatmap rows');
  equal(heatmap.cols, cols.length, 'heatmap columns');
  equal(heatmap.rowElements, rows.length, 'row elements');
  equal(heatmap.cellsPerRow, rows.map(() => cols.length), 'cells per row');
  equal(heatmap.rowLabels, rows, 'row labels (generated tokens)');
  equal(heatmap.colLabels, cols, 'column labels (source tokens)');
  // Hovering the first generated token highlights the source tokens it attended to.
  await page.hover('[data-testid="heatmap-row"] th.tgt');
  const levels = await page.$$eval('[data-testid="heatmap-col"]', (hs) => hs.map((h) => Number(h.dataset.level)));
  equal(Math.max(...levels), 1, 'highest source highlight after hovering a generated token');
  // And hovering a source token highlights the generated tokens that attended to it.
  await page.hover('[data-testid="heatmap-col"] >> nth=1');
  const rowLevels = await page.$$eval('th.tgt', (hs) => hs.map((h) => Number(h.dataset.level)));
  equal(Math.max(...rowLevels), 1, 'highest generated-token highlight after hovering a source token');
  await page.hover('[data-testid="heatmap-row"] th.tgt');
  await page.screenshot({ path: path.join(out, 'screenshot.png'), fullPage: true });
  await page.close();
});

await check('?q=...&model=attention&beam=3 gives the native beam search code', async () => {
  const page = await open(`?q=${encodeURIComponent(description)}&model=attention&beam=3`);
  equal(await settled(page), 'done', 'state');
  equal(await page.inputValue('[data-testid="beam"]'), '3', 'beam width field');
  equal(await code(page), expected.attentionBeam, 'generated code');
  await page.close();
});

await check('?q=...&model=rnn gives the native code and no heatmap', async () => {
  const page = await open(`?q=${encodeURIComponent(description)}&model=rnn`);
  equal(await settled(page), 'done', 'state');
  equal(await code(page), expected.rnn, 'generated code');
  equal(await page.$('[data-testid="attention-heatmap"]'), null, 'heatmap');
  await page.close();
});

await check('missing weights: a clear message, and the other models still work', async () => {
  const page = await open(`?q=${encodeURIComponent(description)}&model=lstm`);
  equal(await settled(page), 'error', 'state');
  const message = await page.textContent('[data-testid="error"]');
  if (!/No usable lstm weights/.test(message) || !/404/.test(message)) throw new Error(`message: ${message}`);
  await page.selectOption('[data-testid="model"]', 'rnn');
  await page.click('[data-testid="generate"]');
  equal(await settled(page), 'done', 'state after switching to rnn');
  equal(await code(page), expected.rnn, 'generated code');
  await page.close();
});

await check('corrupt weights: a clear message', async () => {
  // An lstm checkpoint whose weights file is cut short.
  const rnn = path.join(dist, 'checkpoints', 'rnn');
  const lstm = path.join(dist, 'checkpoints', 'lstm');
  fs.mkdirSync(lstm, { recursive: true });
  try {
    const config = JSON.parse(fs.readFileSync(path.join(rnn, 'config.json'), 'utf8'));
    config.model.kind = 'lstm';
    fs.writeFileSync(path.join(lstm, 'config.json'), JSON.stringify(config));
    for (const f of ['src_vocab.json', 'tgt_vocab.json']) fs.copyFileSync(path.join(rnn, f), path.join(lstm, f));
    fs.writeFileSync(path.join(lstm, 'model.bpk'), fs.readFileSync(path.join(rnn, 'model.bpk')).subarray(0, 64));
    const page = await open(`?q=${encodeURIComponent(description)}&model=lstm`);
    equal(await settled(page), 'error', 'state');
    const message = await page.textContent('[data-testid="error"]');
    if (!/lstm checkpoint .* is corrupt or incompatible/.test(message)) throw new Error(`message: ${message}`);
    await page.close();
  } finally {
    fs.rmSync(lstm, { recursive: true, force: true });
  }
});

await check('empty description: Generate is disabled, with a hint', async () => {
  const page = await open();
  await page.fill('[data-testid="description"]', '   ');
  equal(await page.isDisabled('[data-testid="generate"]'), true, 'disabled');
  const hint = await page.textContent('[data-testid="hint"]');
  if (!/Type a description/.test(hint)) throw new Error(`hint: ${hint}`);
  await page.close();
});

await check('over-long description: truncated, with a notice', async () => {
  const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
  const page = await open(`?q=${encodeURIComponent(long)}&model=attention`);
  equal(await settled(page), 'done', 'state');
  const notice = await page.textContent('[data-testid="truncated-notice"]');
  if (!/only the first 50/.test(notice)) throw new Error(`notice: ${notice}`);
  // 50 tokens + <sos> + <eos>.
  equal(await page.getAttribute('[data-testid="attention-heatmap"]', 'data-cols'), '52', 'heatmap columns');
  await page.close();
});

await check('the site as built serves the shipped checkpoints: each gives its recorded sample', async () => {
  // run.sh keeps a copy of the built site, with the checkpoints/ folder trunk copied, under shipped/.
  const shipped = env('SHIPPED_CHECKPOINTS');
  for (const kind of ['rnn', 'lstm', 'attention']) {
    const metadata = JSON.parse(fs.readFileSync(path.join(shipped, kind, 'metadata.json'), 'utf8'));
    const sample = metadata.samples[0];
    const page = await open(`shipped/?q=${encodeURIComponent(sample.description)}&model=${kind}&backend=cpu`);
    equal(await settled(page), 'done', `${kind}: state`);
    equal((await code(page)).trimEnd(), sample.code.trimEnd(), `${kind}: generated code`);
    metrics[`shipped_${kind}`] = await timing(page);
    // The line under the picker says how the model was trained, from its metadata.json.
    const wanted = `Trained ${metadata.training.epochs_trained} epochs`;
    await page.waitForFunction((w) => document.querySelector('[data-testid="model-about"]').textContent.includes(w),
      wanted, { timeout: 30_000 });
    await page.close();
  }
});

await check('an example fills the box and generates', async () => {
  const page = await open();
  await page.click('button.example >> nth=0');
  equal(await settled(page), 'done', 'state');
  const text = await page.inputValue('[data-testid="description"]');
  if (!text) throw new Error('the description box is empty');
  await page.close();
});

await check('no WebGPU adapter: a notice, and the CPU (also when WebGPU is picked)', async () => {
  const page = await open(`?q=${encodeURIComponent(description)}&model=attention&backend=webgpu`);
  const status = await webgpuStatus(page);
  equal(await status.getAttribute('data-webgpu'), 'unavailable', 'WebGPU status');
  const text = await status.textContent();
  if (!/^WebGPU unavailable: .*, using the CPU\.$/.test(text)) throw new Error(`status: ${text}`);
  equal(await settled(page), 'done', 'state');
  equal(await code(page), expected.attention, 'generated code');
  equal((await timing(page)).backend, 'CPU (wasm)', 'backend');
  const notice = await page.textContent('[data-testid="backend-notice"]');
  if (!/WebGPU unavailable/.test(notice)) throw new Error(`notice: ${notice}`);
  await page.close();
});

// The same site in a browser with WebGPU (SwiftShader, a software adapter).
await browser.close();
browser = await launch(['--enable-unsafe-webgpu']);
context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
let webgpu = false;
await check('WebGPU: the page finds an adapter (or says why not)', async () => {
  const page = await open();
  const status = await webgpuStatus(page);
  webgpu = (await status.getAttribute('data-webgpu')) === 'ready';
  metrics.webgpu_status = await status.textContent();
  console.log(`  WebGPU in headless Chromium: ${metrics.webgpu_status}`);
  if (!webgpu && process.env.REQUIRE_WEBGPU) throw new Error('REQUIRE_WEBGPU is set');
  await page.close();
});

if (webgpu) {
  await check('WebGPU: the attention model gives the native code, and again with the weights in memory', async () => {
    const page = await open(`?q=${encodeURIComponent(description)}&model=attention`);
    equal(await settled(page), 'done', 'state');
    metrics.webgpu_first = await timing(page);
    equal(metrics.webgpu_first.backend, 'WebGPU', 'backend');
    equal(await page.$('[data-testid="backend-notice"]'), null, 'fallback notice');
    equal(await code(page), expected.attention, 'generated code');
    await page.$eval('[data-testid="generated-code"]', (e) => { e.dataset.stale = '1'; });
    await page.click('[data-testid="generate"]');
    await page.waitForSelector('[data-testid="generated-code"]:not([data-stale])', { timeout: 120_000 });
    equal(await settled(page), 'done', 'state (second run)');
    metrics.webgpu_cached = await timing(page);
    equal(metrics.webgpu_cached.backend, 'WebGPU', 'backend (second run)');
    equal(await code(page), expected.attention, 'generated code (second run)');
    await page.close();
  });

  await check('WebGPU: beam search and the RNN give the native code', async () => {
    for (const [query, wanted] of [['model=attention&beam=3', expected.attentionBeam], ['model=rnn', expected.rnn]]) {
      const page = await open(`?q=${encodeURIComponent(description)}&${query}`);
      equal(await settled(page), 'done', `state (${query})`);
      equal((await timing(page)).backend, 'WebGPU', `backend (${query})`);
      equal(await code(page), wanted, `generated code (${query})`);
      await page.close();
    }
  });

  await check('WebGPU: the picker switches to the CPU and back', async () => {
    const page = await open(`?q=${encodeURIComponent(description)}&model=attention&backend=cpu`);
    equal(await settled(page), 'done', 'state');
    equal((await timing(page)).backend, 'CPU (wasm)', 'backend (?backend=cpu)');
    equal(await code(page), expected.attention, 'generated code on the CPU');
    for (const [choice, label] of [['webgpu', 'WebGPU'], ['cpu', 'CPU (wasm)'], ['auto', 'WebGPU']]) {
      await page.selectOption('[data-testid="backend"]', choice);
      await page.$eval('[data-testid="generated-code"]', (e) => { e.dataset.stale = '1'; });
      await page.click('[data-testid="generate"]');
      await page.waitForSelector('[data-testid="generated-code"]:not([data-stale])', { timeout: 120_000 });
      equal(await settled(page), 'done', `state (${choice})`);
      equal((await timing(page)).backend, label, `backend (${choice})`);
      equal(await code(page), expected.attention, `generated code (${choice})`);
      const url = new URL(page.url());
      equal(url.searchParams.get('backend'), choice === 'auto' ? null : choice, `URL backend (${choice})`);
    }
    await page.screenshot({ path: path.join(out, 'screenshot-webgpu.png'), fullPage: true });
    await page.close();
  });
} else {
  await check('WebGPU could not start: the page says so and decodes on the CPU', async () => {
    const page = await open(`?q=${encodeURIComponent(description)}&model=attention`);
    equal(await settled(page), 'done', 'state');
    equal((await timing(page)).backend, 'CPU (wasm)', 'backend');
    equal(await code(page), expected.attention, 'generated code');
    const text = await page.textContent('[data-testid="webgpu-status"]');
    if (!/^WebGPU unavailable: /.test(text)) throw new Error(`status: ${text}`);
    await page.close();
  });
}

await browser.close();
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
