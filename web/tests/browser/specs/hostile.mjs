// Hostile and malformed input: markup and script in a description (from the URL and typed) shows as
// text and runs nothing; unknown or out-of-range URL values, bad percent-escapes and a very long
// description give a notice and a working page. The Content-Security-Policy and the request log are
// checked for every page in harness.mjs's finish().
import { check, equal, open, settled, violations } from '../harness.mjs';

// Each payload would set window.__pwned if any of it ran as script.
const payloads = [
  '<img src=x onerror="window.__pwned=1">',
  '</textarea><script>window.__pwned=2</script>',
  '"><svg onload="window.__pwned=3"></svg>',
];

// Nothing ran and no element came from the payload.
async function assertInert(page) {
  equal(await page.evaluate(() => window.__pwned), undefined, 'window.__pwned');
  equal(await page.$$eval('main img, main script, main svg[onload]', (e) => e.length), 0, 'injected elements');
}

export default async function run() {
  await cspRefusesInlineScripts();
  await check('markup in ?q= shows as text and runs nothing', async () => {
    for (const payload of payloads) {
      const page = await open(`?q=${encodeURIComponent(payload)}&model=attention`);
      await settled(page);
      equal(await page.inputValue('[data-testid="description"]'), payload, 'description box');
      await assertInert(page);
      await page.close();
    }
  });

  await check('markup typed into the description shows as text and runs nothing', async () => {
    const page = await open();
    for (const payload of payloads) {
      await page.fill('[data-testid="description"]', `Return the name. ${payload}`);
      await page.click('[data-testid="generate"]');
      await settled(page);
      await assertInert(page);
    }
    await page.close();
  });

  await check('unknown and out-of-range URL values: a notice, and the defaults', async () => {
    const page = await open('shipped/?q=Return%20the%20name.&model=gpt&beam=1000000000&backend=tpu');
    equal(await settled(page), 'done', 'state');
    const notice = await page.textContent('[data-testid="url-notice"]');
    for (const part of ['model=gpt is not a model here', 'beam=1000000000: the beam width', 'backend=tpu']) {
      if (!notice.includes(part)) throw new Error(`notice lacks ${part}: ${notice}`);
    }
    equal(await page.inputValue('[data-testid="model"]'), 'transformer', 'model (the default)');
    await page.close();
    const zero = await open('shipped/?q=Return%20the%20name.&beam=0');
    equal(await settled(zero), 'done', 'state with beam=0');
    if (!(await zero.textContent('[data-testid="url-notice"]')).includes('beam=0')) throw new Error('no beam=0 notice');
    await zero.close();
  });

  await check('bad percent-escapes: the page opens and shows the text as given', async () => {
    const page = await open('?q=Return%20the%E0%A4%A%20name%ZZ.&model=%G1');
    await settled(page);
    const box = await page.inputValue('[data-testid="description"]');
    if (!box.startsWith('Return the')) throw new Error(`description box: ${box}`);
    if (!(await page.textContent('[data-testid="url-notice"]')).includes('model=')) throw new Error('no model notice');
    await assertInert(page);
    await page.close();
  });

  await check('a 46 KB description in the URL: truncated, with a notice', async () => {
    const page = await open(`shipped/?q=${encodeURIComponent('Return the name. '.repeat(2000))}`);
    equal(await settled(page), 'done', 'state');
    await page.waitForSelector('[data-testid="truncated-notice"]');
    await page.close();
  });
}

// The policy is in force: an inline script the page did not ship is refused (and reported, which is
// expected here, so that report is taken off the list finish() checks).
async function cspRefusesInlineScripts() {
  await check('the Content-Security-Policy refuses an inline script', async () => {
    const page = await open();
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inline = 1;';
      document.body.append(script);
      return window.__inline;
    });
    equal(ran, undefined, 'the inline script ran');
    await page.waitForTimeout(200);
    const mine = violations.filter((v) => v.page === page);
    if (!mine.length) throw new Error('no violation was reported');
    violations.splice(0, violations.length, ...violations.filter((v) => v.page !== page));
    await page.close();
  });
}
