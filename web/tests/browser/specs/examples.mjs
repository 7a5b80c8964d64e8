// The example buttons: clicking one fills the description box and generates.
import { check, equal, open, settled } from '../harness.mjs';

export default async function run() {
  await check('an example fills the box and generates', async () => {
    // The shipped site: the page opens on the best model, the Transformer.
    const page = await open('shipped/');
    equal(await page.inputValue('[data-testid="model"]'), 'transformer', 'the default model');
    await page.click('button.example >> nth=0');
    equal(await settled(page), 'done', 'state');
    const text = await page.inputValue('[data-testid="description"]');
    if (!text) throw new Error('the description box is empty');
    await page.close();
  });
}
