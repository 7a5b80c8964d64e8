// Error paths and input limits: missing weights (the served site has no lstm checkpoint), corrupt
// weights (a cut-short lstm checkpoint, written for this check and removed after it), an empty
// description (Generate disabled, with a hint) and an over-long one (truncated, with a notice).
import fs from 'node:fs';
import path from 'node:path';
import { check, code, description, dist, equal, expected, open, settled } from '../harness.mjs';

export default async function run() {
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
      for (const f of ['src_vocab.json', 'tgt_vocab.json', 'card.json']) fs.copyFileSync(path.join(rnn, f), path.join(lstm, f));
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
    if (!/longer than the model reads \(50 words/.test(notice)) throw new Error(`notice: ${notice}`);
    // 50 tokens + <sos> + <eos>.
    equal(await page.getAttribute('[data-testid="attention-heatmap"]', 'data-cols'), '52', 'heatmap columns');
    await page.close();
  });
}
