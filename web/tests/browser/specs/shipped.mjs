// The site as built, with the checkpoints trunk copied into it (run.sh keeps it under shipped/): each
// shipped model gives the code its card (card.json) records for a sample description, and the line under
// the picker says how it was trained.
import fs from 'node:fs';
import path from 'node:path';
import { check, code, env, equal, metrics, open, settled, timing } from '../harness.mjs';

export default async function run() {
  await check('the site as built serves the shipped checkpoints: each gives its recorded sample', async () => {
    // run.sh keeps a copy of the built site, with the checkpoints/ folder trunk copied, under shipped/.
    const shipped = env('SHIPPED_CHECKPOINTS');
    for (const kind of ['rnn', 'lstm', 'attention']) {
      const card = JSON.parse(fs.readFileSync(path.join(shipped, kind, 'card.json'), 'utf8'));
      const sample = card.samples[0];
      const page = await open(`shipped/?q=${encodeURIComponent(sample.description)}&model=${kind}&backend=cpu`);
      equal(await settled(page), 'done', `${kind}: state`);
      equal((await code(page)).trimEnd(), sample.code.trimEnd(), `${kind}: generated code`);
      metrics[`shipped_${kind}`] = await timing(page);
      // The line under the picker says how the model was trained, from its card.
      const wanted = `Trained ${card.training.epochs_trained} epochs`;
      await page.waitForFunction((w) => document.querySelector('[data-testid="model-about"]').textContent.includes(w),
        wanted, { timeout: 30_000 });
      await page.close();
    }
  });
}
