// While a model decodes, the page shows its code as it grows and a Stop button; Stop ends the search
// there and its best code so far is the result, with a notice. A beam of 10 on the shipped
// Transformer makes the search slow enough to stop.
import { check, equal, open, settled } from '../harness.mjs';

export default async function run() {
  await check('stop: the code grows while it is generated, and Stop ends it there', async () => {
    const text = 'Read a JSON file and return its contents.';
    const page = await open(`shipped/?q=${encodeURIComponent(text)}&model=transformer&beam=10&backend=cpu`);
    // The code so far grows past its first token ("def") to a name.
    await page.waitForFunction(() => /^def \w/.test(document.querySelector('[data-testid="partial-code"]')?.textContent ?? ''),
      null, { timeout: 120_000 });
    await page.click('[data-testid="stop"]');
    equal(await settled(page), 'done', 'state');
    const notice = await page.textContent('[data-testid="unfinished-notice"]');
    if (!notice.startsWith('Stopped')) throw new Error(`no stop notice: ${notice}`);
    const steps = Number(await page.getAttribute('[data-testid="timing"]', 'data-steps'));
    if (!(steps > 0 && steps < 256)) throw new Error(`steps after the stop: ${steps}`);
    equal(await page.isDisabled('[data-testid="generate"]'), false, 'Generate after the stop');
    await page.close();
  });
}
