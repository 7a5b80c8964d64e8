// The site as built, with the checkpoints trunk copied into it (run.sh keeps it under shipped/): each
// shipped model (the three word models, the copy, retrieval and Transformer models) gives the code its card
// (card.json) records for a sample description, and the line under the picker says how it was trained;
// the copy model shows p_gen beside its heatmap; the retrieval model shows the function it retrieved,
// the one the native command names, with the tokens it copied marked, and a heatmap over both sources; `<unk>` replacement (the checkbox and `&unk=replace`) gives the attention
// model's native code with and without it; the Transformer's heatmap shows any layer or head.
import fs from 'node:fs';
import path from 'node:path';
import { check, code, env, equal, metrics, open, settled, timing } from '../harness.mjs';

const shipped = () => env('SHIPPED_CHECKPOINTS');
const card = (name) => JSON.parse(fs.readFileSync(path.join(shipped(), name, 'card.json'), 'utf8'));
const read = (name) => fs.readFileSync(env(name), 'utf8');

export default async function run() {
  await check('the site as built serves the shipped checkpoints: each gives its recorded sample', async () => {
    // run.sh keeps a copy of the built site, with the checkpoints/ folder trunk copied, under shipped/.
    for (const name of ['rnn', 'lstm', 'attention', 'copy', 'retrieval', 'transformer']) {
      const { samples, training } = card(name);
      const sample = samples[0];
      const page = await open(`shipped/?q=${encodeURIComponent(sample.description)}&model=${name}&backend=cpu`);
      equal(await settled(page), 'done', `${name}: state`);
      equal(await page.inputValue('[data-testid="model"]'), name, `${name}: picked model`);
      equal((await code(page)).trimEnd(), sample.code.trimEnd(), `${name}: generated code`);
      metrics[`shipped_${name}`] = await timing(page);
      // The line under the picker says how the model was trained, from its card.
      const wanted = `Trained ${training.epochs_trained} epochs`;
      await page.waitForFunction((w) => document.querySelector('[data-testid="model-about"]').textContent.includes(w),
        wanted, { timeout: 30_000 });
      await page.close();
    }
  });

  await check('?model=transformer: the heatmap shows any layer or head, the last layer\'s mean first', async () => {
    const sample = card('transformer').samples[0];
    const page = await open(`shipped/?q=${encodeURIComponent(sample.description)}&model=transformer&backend=cpu`);
    equal(await settled(page), 'done', 'state');
    const picker = '[data-testid="attention-head"]';
    const options = await page.$$eval(`${picker} option`, (o) => o.map((x) => x.textContent));
    // 3 layers of 4 heads: the last layer's mean, the two others' means, the 12 heads.
    equal(options.length, 15, `views: ${options}`);
    equal(options[0], 'layer 3, mean of heads', 'the first view is the decoding attention');
    const cells = () => page.$$eval('[data-testid="heatmap-cell"]', (c) => c.map((x) => Number(x.title)));
    const rows = () => page.$$eval('[data-testid="heatmap-row"]', (r) => r.length);
    const mean = await cells();
    const rowCount = await rows();
    await page.selectOption(picker, { label: 'layer 1, head 1' });
    await page.waitForFunction(() => document.querySelector('[data-testid="attention-head"]').value !== '0');
    const head = await cells();
    equal(head.length, mean.length, 'the same rows and columns');
    equal(await rows(), rowCount, 'rows');
    if (head.every((w, i) => Math.abs(w - mean[i]) < 1e-3)) throw new Error('a single head shows the mean');
    const cols = head.length / rowCount;
    for (let r = 0; r < rowCount; r++) {
      const sum = head.slice(r * cols, (r + 1) * cols).reduce((a, b) => a + b, 0);
      if (Math.abs(sum - 1) > 0.01 * cols) throw new Error(`row ${r} of head 1 sums to ${sum}`);
    }
    await page.selectOption(picker, { index: 0 });
    await page.waitForFunction(() => document.querySelector('[data-testid="attention-head"]').value === '0');
    equal(await cells(), mean, 'back to the mean');
    await page.close();
  });

  await check('?model=copy: code, the heatmap, and a p_gen in [0, 1] for each of its rows', async () => {
    const sample = card('copy').samples[0];
    const page = await open(`shipped/?q=${encodeURIComponent(sample.description)}&model=copy&backend=cpu`);
    equal(await settled(page), 'done', 'state');
    if (!(await code(page)).trim()) throw new Error('no code');
    const heatmap = await page.$eval('[data-testid="attention-heatmap"]', (t) => ({
      rows: Number(t.dataset.rows),
      pGen: t.dataset.pGen,
      header: t.querySelectorAll('[data-testid="heatmap-pgen-col"]').length,
      perRow: [...t.querySelectorAll('[data-testid="heatmap-row"]')].map(
        (r) => r.querySelectorAll('[data-testid="heatmap-pgen"]').length),
      values: [...t.querySelectorAll('[data-testid="heatmap-pgen"]')].map((c) => Number(c.dataset.value)),
      texts: [...t.querySelectorAll('[data-testid="heatmap-pgen"]')].map((c) => c.textContent),
      title: t.querySelector('[data-testid="heatmap-pgen"]')?.title,
    }));
    if (!(heatmap.rows > 0)) throw new Error(`heatmap rows: ${heatmap.rows}`);
    equal(heatmap.pGen, 'true', 'heatmap data-p-gen');
    equal(heatmap.header, 1, 'p_gen header');
    equal(heatmap.perRow, Array(heatmap.rows).fill(1), 'p_gen cells per row');
    for (const [i, v] of heatmap.values.entries()) {
      if (!(v >= 0 && v <= 1)) throw new Error(`p_gen of row ${i}: ${v}`);
      if (!(Math.abs(Number(heatmap.texts[i]) - v) <= 0.0051)) throw new Error(`p_gen text of row ${i}: ${heatmap.texts[i]} for ${v}`);
    }
    if (!/^p_gen \d\.\d\d: generated from the vocabulary/.test(heatmap.title)) throw new Error(`title: ${heatmap.title}`);
    const hint = await page.textContent('[data-testid="attention-hint"]');
    if (!/p_gen/.test(hint)) throw new Error(`hint: ${hint}`);
    // Subword pieces never need <unk>: the replacement checkbox does not apply.
    equal(await page.isDisabled('[data-testid="replace-unk"]'), true, 'replace-unk disabled');
    await page.close();
  });

  await check('?model=retrieval: the retrieved function beside the code, as natively, copied tokens marked', async () => {
    const sample = card('retrieval').samples[0];
    const page = await open(`shipped/?q=${encodeURIComponent(sample.description)}&model=retrieval&backend=cpu`);
    equal(await settled(page), 'done', 'state');
    equal((await code(page)).trimEnd(), sample.code.trimEnd(), 'generated code');
    metrics.shipped_retrieval_first = await timing(page);
    // `trainer generate` names the neighbour on stderr: `retrieved: NAME (PACKAGE), BM25 score S`.
    const native = read('EXPECTED_RETRIEVAL_NEIGHBOUR').match(/^retrieved: (.*) \((.*)\), BM25 score ([\d.]+)$/m);
    if (!native) throw new Error(`native neighbour line: ${read('EXPECTED_RETRIEVAL_NEIGHBOUR')}`);
    const [, name, pkg, score] = native;
    const shown = await page.textContent('[data-testid="neighbour-name"]');
    if (!shown.startsWith(`${name} (${pkg}), BM25 score ${score}:`)) throw new Error(`neighbour: ${shown}`);
    // Its code is the pool's, whole; the marks are tokens of it.
    const pool = JSON.parse(fs.readFileSync(path.join(shipped(), 'retrieval', 'retrieval.json'), 'utf8'));
    const document = pool.documents.find((d) => d.name === name && d.package === pkg);
    equal(await page.textContent('[data-testid="neighbour-code"]'), document.code, 'neighbour code');
    const marks = await page.$$eval('[data-testid="neighbour-code"] mark.copied', (ms) => ms.map((m) => m.textContent));
    const copied = Number(await page.getAttribute('[data-testid="neighbour"]', 'data-copied'));
    if (copied > 0 !== marks.length > 0) throw new Error(`${copied} copied tokens, marks ${JSON.stringify(marks)}`);
    for (const mark of marks) if (!document.code.includes(mark)) throw new Error(`mark ${mark}`);
    // The heatmap's columns are the description's and the neighbour's, each after a <sos>.
    const cols = await page.$$eval('[data-testid="heatmap-col"]', (cs) => cs.map((c) => c.title));
    equal(cols.filter((c) => c === '<sos>').length, 2, 'one <sos> per source');
    metrics.shipped_retrieval_copied_tokens = copied;
    await page.close();
  });

  await check('&unk=replace: the attention model gives the native code with <unk> replaced, and without', async () => {
    const description = env('UNK_DESCRIPTION');
    const page = await open(`shipped/?q=${encodeURIComponent(description)}&model=attention&unk=replace&backend=cpu`);
    equal(await settled(page), 'done', 'state');
    equal(await page.isChecked('[data-testid="replace-unk"]'), true, 'checkbox');
    equal((await code(page)).trimEnd(), read('EXPECTED_SHIPPED_ATTENTION_UNK').trimEnd(), 'code, <unk> replaced');
    equal(new URL(page.url()).searchParams.get('unk'), 'replace', 'URL');
    // Unticked, the next generation is the model's own, and the URL drops `unk`.
    await page.uncheck('[data-testid="replace-unk"]');
    await page.$eval('[data-testid="generated-code"]', (e) => { e.dataset.stale = '1'; });
    await page.click('[data-testid="generate"]');
    await page.waitForSelector('[data-testid="generated-code"]:not([data-stale])', { timeout: 120_000 });
    equal(await settled(page), 'done', 'state (unticked)');
    equal((await code(page)).trimEnd(), read('EXPECTED_SHIPPED_ATTENTION').trimEnd(), 'code without replacement');
    equal(new URL(page.url()).searchParams.get('unk'), null, 'URL (unticked)');
    await page.close();
  });
}
