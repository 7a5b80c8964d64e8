// The example buttons: clicking one fills the description box and generates.
import { check, equal, open, settled } from '../harness.mjs';

export default async function run() {
  await check('an example fills the box and generates', async () => {
    const page = await open();
    await page.click('button.example >> nth=0');
    equal(await settled(page), 'done', 'state');
    const text = await page.inputValue('[data-testid="description"]');
    if (!text) throw new Error('the description box is empty');
    await page.close();
  });
}
