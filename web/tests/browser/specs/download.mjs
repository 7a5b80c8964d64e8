// A small download: in a browser without a WebGPU adapter the page loads the CPU build of its
// worker and never the WebGPU one, and what it loads (the page's wasm and the CPU worker's) is at
// most 1.0 MB gzipped.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { check, description, dist, equal, metrics, open, settled } from '../harness.mjs';

const LIMIT = 1_000_000;

export default async function run() {
  await check('download: the default wasm is the CPU build, at most 1.0 MB gzipped', async () => {
    const page = await open();
    const urls = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.goto(`${new URL(page.url()).origin}/?q=${encodeURIComponent(description)}&model=rnn`);
    equal(await settled(page), 'done', 'state');
    await page.close();
    const wasm = [...new Set(urls.filter((u) => u.endsWith('.wasm')).map((u) => path.basename(new URL(u).pathname)))];
    if (wasm.some((name) => name.startsWith('worker-gpu'))) throw new Error(`the WebGPU build was loaded: ${wasm}`);
    if (!wasm.includes('worker_bg.wasm')) throw new Error(`the CPU worker was not loaded: ${wasm}`);
    const sizes = Object.fromEntries(fs.readdirSync(dist).filter((f) => f.endsWith('.wasm')).map((f) => {
      const bytes = fs.readFileSync(path.join(dist, f));
      return [f, { raw: bytes.length, gzipped: zlib.gzipSync(bytes, { level: 9 }).length }];
    }));
    metrics.wasm_sizes = sizes;
    const loaded = wasm.reduce((sum, f) => sum + sizes[f].gzipped, 0);
    metrics.default_wasm_gzipped = loaded;
    console.log(`  default wasm (${wasm.join(', ')}): ${loaded} bytes gzipped`);
    if (loaded > LIMIT) throw new Error(`the default wasm is ${loaded} bytes gzipped, over ${LIMIT}`);
  });
}
