// The model runs in a Web Worker: while the shipped Transformer loads and decodes (a beam of 10),
// the page's own thread has no long task (PerformanceObserver `longtask`, over 50 ms),
// and a new Generate stops the running generation and answers the new request instead.
import fs from 'node:fs';
import path from 'node:path';
import { check, code, env, equal, metrics, open, settled, timing } from '../harness.mjs';

const SLOW = 'Read a JSON file and return its contents.';
const card = (name) => JSON.parse(fs.readFileSync(path.join(env('SHIPPED_CHECKPOINTS'), name, 'card.json'), 'utf8'));

// Opens the shipped site with a recorder installed before the page's own scripts run: every long
// task, and the moment the result is on the page (a MutationObserver on `data-state`, which runs at
// the end of the task that rendered it).
async function openRecording(query) {
  const page = await open();
  await page.addInitScript(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.longTasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    new MutationObserver(() => {
      const state = document.querySelector('main')?.dataset.state;
      if (state === 'busy' && window.busyAt === undefined) window.busyAt = performance.now();
      if (state === 'done' && window.doneAt === undefined) window.doneAt = performance.now();
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-state'] });
  });
  await page.goto(`${new URL(page.url()).origin}/shipped/${query}`);
  return page;
}

export default async function run() {
  await check('worker: no long task on the page while the Transformer decodes', async () => {
    const page = await openRecording(`?q=${encodeURIComponent(SLOW)}&model=transformer&beam=10&backend=cpu`);
    equal(await settled(page), 'done', 'state');
    // From Generate (the page busy) to the result: the worker loads the weights and decodes. The
    // task that renders the result is the page's own work, after decoding: it is left out.
    const { busyAt, doneAt, tasks } = await page.evaluate(() => ({
      busyAt: window.busyAt, doneAt: window.doneAt, tasks: window.longTasks,
    }));
    const decodeMs = (await timing(page)).decodeMs;
    if (!(decodeMs > 300)) throw new Error(`decoding took only ${decodeMs} ms: nothing to observe`);
    const during = tasks.filter((t) => t.start >= busyAt && t.start + t.ms < doneAt);
    metrics.long_tasks_while_decoding = during;
    metrics.render_task_ms = tasks.filter((t) => t.start <= doneAt && doneAt <= t.start + t.ms).map((t) => t.ms);
    metrics.transformer_beam10_decode_ms = decodeMs;
    equal(during, [], 'long tasks on the page while decoding');
    // The recorder does see a long task: 120 ms of work in a task of the page's thread.
    await page.evaluate(() => setTimeout(() => { const t = performance.now(); while (performance.now() - t < 120); }, 0));
    await page.waitForFunction(() => window.longTasks.some((t) => t.ms >= 100 && t.start > window.doneAt));
    await page.close();
  });

  await check('worker: a new Generate stops the running one and answers the new request', async () => {
    const sample = card('rnn').samples[0];
    const page = await open(`shipped/?q=${encodeURIComponent(SLOW)}&model=transformer&beam=10&backend=cpu`);
    await page.waitForSelector('[data-testid="partial-code"]:not(:empty)', { timeout: 120_000 });
    equal(await page.isDisabled('[data-testid="generate"]'), false, 'Generate while generating');
    await page.fill('[data-testid="description"]', sample.description);
    await page.selectOption('[data-testid="model"]', 'rnn');
    await page.fill('[data-testid="beam"]', '1');
    await page.dispatchEvent('[data-testid="beam"]', 'change');
    await page.click('[data-testid="generate"]');
    await page.waitForFunction(() => document.querySelector('main').dataset.state === 'done'
      && document.querySelector('[data-testid="timing"]')?.textContent.startsWith('RNN'), null, { timeout: 120_000 });
    equal((await code(page)).trimEnd(), sample.code.trimEnd(), 'the new request\'s code');
    const notice = await page.$eval('[data-testid="unfinished-notice"]', (e) => e.textContent).catch(() => '');
    if (notice.startsWith('Stopped')) throw new Error(`the new result was stopped: ${notice}`);
    const url = new URL(page.url());
    equal([url.searchParams.get('model'), url.searchParams.get('q')], ['rnn', sample.description], 'URL');
    await page.close();
  });
}
