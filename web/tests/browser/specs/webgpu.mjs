// The WebGPU backend. First in the current browser, which has no WebGPU adapter: the page says so and
// decodes on the CPU, also when WebGPU is picked. Then in a second Chromium started with
// --enable-unsafe-webgpu (SwiftShader, a software adapter): with WebGPU picked the page loads the
// WebGPU build of its worker, warms it up, and gives the native code on WebGPU (greedy, with the
// weights in memory, beam, RNN), and the picker switches to the CPU and back (Auto uses WebGPU
// only on a real adapter). Where WebGPU cannot start there, it checks the CPU fallback instead
// (REQUIRE_WEBGPU=1 makes that a failure).
import path from 'node:path';
import {
  check, code, description, equal, expected, metrics, open, out, settled, startBrowser, timing, webgpuStatus,
} from '../harness.mjs';

export default async function run() {
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
  await startBrowser(['--enable-unsafe-webgpu']);
  let webgpu = false;
  let fallback = false;
  await check('WebGPU: the page finds an adapter and loads the WebGPU build when it is picked (or says why not)', async () => {
    const page = await open('?backend=webgpu');
    const status = await webgpuStatus(page);
    webgpu = (await status.getAttribute('data-webgpu')) === 'ready';
    fallback = (await status.getAttribute('data-fallback')) === 'true';
    metrics.webgpu_status = await status.textContent();
    console.log(`  WebGPU in headless Chromium: ${metrics.webgpu_status}`);
    if (!webgpu && process.env.REQUIRE_WEBGPU) throw new Error('REQUIRE_WEBGPU is set');
    await page.close();
  });

  if (webgpu) {
    await check('WebGPU: the attention model gives the native code, and again with the weights in memory', async () => {
      const page = await open(`?q=${encodeURIComponent(description)}&model=attention&backend=webgpu`);
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
      for (const [query, wanted] of [['model=attention&beam=3&backend=webgpu', expected.attentionBeam], ['model=rnn&backend=webgpu', expected.rnn]]) {
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
      // Auto skips a software adapter (slower than the CPU build).
      const auto = fallback ? 'CPU (wasm)' : 'WebGPU';
      for (const [choice, label] of [['webgpu', 'WebGPU'], ['cpu', 'CPU (wasm)'], ['auto', auto]]) {
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
      const page = await open(`?q=${encodeURIComponent(description)}&model=attention&backend=webgpu`);
      equal(await settled(page), 'done', 'state');
      equal((await timing(page)).backend, 'CPU (wasm)', 'backend');
      equal(await code(page), expected.attention, 'generated code');
      const text = await page.textContent('[data-testid="webgpu-status"]');
      if (!/^WebGPU unavailable: /.test(text)) throw new Error(`status: ${text}`);
      await page.close();
    });
  }
}
