// End-to-end test of the web app in headless Chromium, driven by run.sh (which trains the tiny models,
// computes the expected code natively, builds and serves the site). Plain node, no test framework:
// runs the specs under specs/ in order with harness.mjs, which prints "ok"/"not ok" per check, the
// timings, and "N passed, M failed" last, and exits 1 on any failure. The specs start in a plain
// Chromium (no WebGPU adapter: the page falls back to the CPU); webgpu.mjs, the last, moves to one
// started with --enable-unsafe-webgpu (SwiftShader's software adapter), where the page decodes on WebGPU.
// `node test.mjs errors webgpu` runs only the named specs (still with run.sh's environment).
import { finish, startBrowser } from './harness.mjs';

const specs = ['generate', 'download', 'worker', 'cache', 'steps', 'compare', 'stop', 'errors', 'hostile', 'shipped', 'examples', 'accessible', 'webgpu'];
const chosen = process.argv.slice(2).map((arg) => arg.replace(/^(.*\/)?([^/]+?)(\.mjs)?$/, '$2'));
for (const name of chosen) {
  if (!specs.includes(name)) throw new Error(`unknown spec ${name} (the specs: ${specs.join(', ')})`);
}

await startBrowser();
for (const name of chosen.length ? chosen : specs) {
  const { default: run } = await import(`./specs/${name}.mjs`);
  await run();
}
await finish();
