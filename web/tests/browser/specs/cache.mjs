// Weights as people expect: a progress bar over all of a model's files (bytes of the total its
// manifest states) while they download; the files kept in the browser's Cache API, so a second
// visit makes no weight requests; "Clear cached models" empties it; and when the browser refuses to
// store them (the quota), the weights stay in memory and the generation still works. Last, every
// shipped model's time to first result, cold and cached.
import fs from 'node:fs';
import path from 'node:path';
import {
  check, code, description, dist, env, equal, expected, metrics, open, settled, timing,
} from '../harness.mjs';

// The bytes the tiny RNN checkpoint's manifest states, and its files' names.
const manifest = JSON.parse(fs.readFileSync(path.join(dist, 'checkpoints', 'rnn', 'config.json'), 'utf8')).manifest;
const total = manifest.reduce((sum, f) => sum + f.bytes, 0);
// The files the worker loads (config.json always comes from the site; the page itself fetches the
// card for the line under the picker).
const weightRequests = (urls) => urls.filter((u) => /\/checkpoints\/rnn\//.test(u) && !/\/(config|card)\.json$/.test(u));

// A page recording its own requests (the worker's included) from the start.
async function visitPage(query) {
  const page = await open();
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.goto(`${new URL(page.url()).origin}/${query}`);
  return { page, urls };
}

async function clearCache(page) {
  await page.click('[data-testid="clear-cache"]');
  await page.waitForSelector('[data-testid="cache-status"]:not(:empty)');
}

export default async function run() {
  const query = `?q=${encodeURIComponent(description)}&model=rnn&backend=cpu`;

  await check('cache: a first visit downloads the weights, a second reads them from the cache', async () => {
    const start = await open();
    await clearCache(start);
    await start.close();
    const first = await visitPage(query);
    equal(await settled(first.page), 'done', 'state (first visit)');
    equal(await code(first.page), expected.rnn, 'code (first visit)');
    const t1 = await timing(first.page);
    equal([t1.weights, t1.downloadedBytes, t1.cachedBytes], ['network', total, 0], 'weights (first visit)');
    if (!weightRequests(first.urls).length) throw new Error('the first visit requested no weights');
    await first.page.close();

    const second = await visitPage(query);
    equal(await settled(second.page), 'done', 'state (second visit)');
    equal(await code(second.page), expected.rnn, 'code (second visit)');
    const t2 = await timing(second.page);
    equal([t2.weights, t2.downloadedBytes, t2.cachedBytes], ['cache', 0, total], 'weights (second visit)');
    equal(weightRequests(second.urls), [], 'weight requests on the second visit');
    await second.page.close();
  });

  await check('cache: "Clear cached models" makes the next visit download again', async () => {
    const page = await open();
    await clearCache(page);
    equal(await page.textContent('[data-testid="cache-status"]'),
      'Cached models cleared: after a reload, each model downloads its weights again.', 'status');
    await page.close();
    const next = await visitPage(query);
    equal(await settled(next.page), 'done', 'state');
    equal((await timing(next.page)).weights, 'network', 'weights after clearing');
    await next.page.close();
  });

  await check('cache: the progress bar counts the bytes of all files against the manifest\'s total', async () => {
    const page = await open();
    await clearCache(page);
    // Hold the weights back until the bar has been read.
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route('**/checkpoints/rnn/model.bpk*', async (route) => { await held; await route.continue(); });
    await page.fill('[data-testid="description"]', description);
    await page.selectOption('[data-testid="model"]', 'rnn');
    await page.click('[data-testid="generate"]');
    const bar = await page.waitForSelector('[data-testid="download-progress"]', { timeout: 60_000 });
    equal(Number(await bar.getAttribute('max')), total, 'the bar\'s total');
    const loaded = Number(await bar.getAttribute('value'));
    const bpk = manifest.find((f) => f.file === 'model.bpk').bytes;
    if (!(loaded >= 0 && loaded <= total - bpk)) throw new Error(`loaded ${loaded} before model.bpk (of ${total})`);
    release();
    equal(await settled(page), 'done', 'state');
    equal(await code(page), expected.rnn, 'code');
    await page.close();
  });

  await check('cache: over the quota, the weights stay in memory and the generation works', async () => {
    const page = await open();
    await clearCache(page);
    const cdp = await page.context().newCDPSession(page);
    const origin = new URL(page.url()).origin;
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1024 });
    try {
      await page.fill('[data-testid="description"]', description);
      await page.selectOption('[data-testid="model"]', 'rnn');
      await page.click('[data-testid="generate"]');
      equal(await settled(page), 'done', 'state');
      equal(await code(page), expected.rnn, 'code');
      const notice = await page.textContent('[data-testid="not-cached"]');
      if (!/kept in memory only: .*refused/.test(notice)) throw new Error(`notice: ${notice}`);
    } finally {
      await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    }
    await page.close();
  });

  await firstResults();
}

// Time to first result for every shipped model: cold (nothing cached; the worker and the weights
// download) and on a second visit (weights from the cache), since navigation start.
export async function firstResults() {
  await check('cache: every shipped model, cold and from the cache', async () => {
    const card = (name) => JSON.parse(fs.readFileSync(path.join(env('SHIPPED_CHECKPOINTS'), name, 'card.json'), 'utf8'));
    const clearing = await open('shipped/');
    await clearCache(clearing);
    await clearing.close();
    metrics.first_result = {};
    for (const name of ['rnn', 'lstm', 'attention', 'copy', 'retrieval', 'transformer']) {
      const sample = card(name).samples[0];
      const query = `shipped/?q=${encodeURIComponent(sample.description)}&model=${name}&backend=cpu`;
      const result = {};
      for (const visit of ['cold', 'cached']) {
        const { page } = await visitPage(query);
        equal(await settled(page), 'done', `${name} (${visit}): state`);
        equal((await code(page)).trimEnd(), sample.code.trimEnd(), `${name} (${visit}): code`);
        const t = await timing(page);
        equal(t.weights, visit === 'cold' ? 'network' : 'cache', `${name} (${visit}): weights`);
        result[visit] = { sinceNavigationMs: t.sincePageLoadMs, loadMs: t.loadMs, msPerToken: t.msPerToken };
        await page.close();
      }
      metrics.first_result[name] = result;
      console.log(`  ${name}: first result ${result.cold.sinceNavigationMs} ms cold, ` +
        `${result.cached.sinceNavigationMs} ms cached; ${result.cached.msPerToken} ms/token`);
    }
  });
}
