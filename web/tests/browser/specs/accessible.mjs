// Accessibility: axe-core (npm) checks the page in the states a visitor sees (the form, a result
// with its steps, a selected step's alternatives and the heatmap; the Transformer's head picker and
// the copy model's p_gen column on the shipped site) and fails on any serious or critical violation.
// axe runs through the DevTools protocol (page.evaluate), which the page's Content-Security-Policy
// does not govern, so the page keeps its policy.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { check, description, open, settled } from '../harness.mjs';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function serious(page) {
  await page.evaluate(axeSource);
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}×, e.g. ${v.nodes[0].target.join(' ')})`);
}

export default async function run() {
  const pages = [
    ['the empty form', '', null],
    ['a result with a step selected', `?q=${encodeURIComponent(description)}&model=attention`, 'step'],
    ['the Transformer (head picker)', `shipped/?q=${encodeURIComponent(description)}&model=transformer&backend=cpu`, null],
    ['the copy model (p_gen column)', `shipped/?q=${encodeURIComponent(description)}&model=copy&backend=cpu`, null],
  ];
  for (const [what, query, select] of pages) {
    await check(`accessible: ${what} has no serious or critical axe violation`, async () => {
      const page = await open(query);
      if (query) await settled(page);
      if (select) await page.click(`[data-testid="${select}"] >> nth=1`);
      const found = await serious(page);
      await page.close();
      if (found.length) throw new Error(found.join('\n'));
    });
  }
}
