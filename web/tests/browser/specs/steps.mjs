// The steps view: each generated token with the probability the model gave it and, once selected (by
// keyboard here), the tokens it could have written instead, as `trainer generate` computed them;
// choosing one decodes again with the tokens before it kept and that one forced.
import { check, code, description, equal, expected, open, settled } from '../harness.mjs';

const near = (actual, wanted, what) => {
  if (Math.abs(actual - wanted) > 1e-4) throw new Error(`${what}: got ${actual}, expected ${wanted}`);
};

export default async function run() {
  await check('steps: probabilities and alternatives as native; choosing one decodes on from it', async () => {
    const page = await open(`?q=${encodeURIComponent(description)}&model=attention`);
    equal(await settled(page), 'done', 'state');
    const { generated_tokens: rows, confidence, alternatives } = expected.attentionMatrix;
    const steps = await page.$$eval('[data-testid="step"]', (bs) => bs.map((b) => ({ token: b.dataset.token, p: Number(b.dataset.p) })));
    equal(steps.map((s) => s.token), rows, 'one step per generated token');
    steps.forEach((s, t) => near(s.p, confidence[t], `probability of step ${t + 1}`));

    // The first step with a token other than the model's own and <eos> to choose.
    const t = alternatives.findIndex((step) => step.slice(1).some((a) => a.piece !== '<eos>'));
    if (t < 0) throw new Error('no step has an alternative to choose');
    await page.focus(`[data-testid="step"] >> nth=${t}`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`[data-testid="alternatives"][data-step="${t}"]`);
    const offered = await page.$$eval('[data-testid="alternative"]', (bs) => bs.map((b) => (
      { piece: b.dataset.piece, p: Number(b.dataset.p), disabled: b.disabled })));
    equal(offered.map((o) => o.piece), alternatives[t].map((a) => a.piece), `alternatives of step ${t + 1}`);
    offered.forEach((o, i) => near(o.p, alternatives[t][i].p, `alternative ${i + 1}`));
    equal(offered.map((o) => o.disabled), offered.map((_, i) => i === 0), "the model's own choice is not offered");

    const pick = offered.findIndex((o, i) => i > 0 && o.piece !== '<eos>');
    await page.$eval('[data-testid="generated-code"]', (e) => { e.dataset.stale = '1'; });
    await page.click(`[data-testid="alternative"] >> nth=${pick}`);
    await page.waitForSelector('[data-testid="generated-code"]:not([data-stale])', { timeout: 120_000 });
    equal(await settled(page), 'done', 'state after the choice');
    const after = await page.$$eval('[data-testid="step"]', (bs) => bs.map((b) => b.dataset.token));
    equal(after.slice(0, t), rows.slice(0, t), 'the tokens before the choice');
    equal(after[t], offered[pick].piece, 'the chosen token');
    equal(await page.getAttribute('[data-testid="steps"]', 'data-forced'), String(t + 1), 'forced tokens');
    if (!(await page.textContent('[data-testid="forced-notice"]')).includes(`first ${t + 1} tokens`)) {
      throw new Error('no notice that the first tokens were chosen');
    }
    if ((await code(page)) === expected.attention) throw new Error('the code did not change');
    await page.close();
  });
}
