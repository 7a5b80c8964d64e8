// Generation on the CPU (this browser has no WebGPU adapter): a typed description, a ?q= link (with
// the attention heatmap, its hover and keyboard highlighting, its SVG and JSON downloads, and no p_gen
// column), beam search and the RNN each give exactly the code `trainer generate` prints.
import fs from 'node:fs';
import path from 'node:path';
import { check, code, description, equal, expected, metrics, open, out, settled, timing } from '../harness.mjs';

export default async function run() {
  await check('typed description: the attention model gives the native code', async () => {
    const page = await open();
    await page.fill('[data-testid="description"]', description);
    await page.selectOption('[data-testid="model"]', 'attention');
    await page.click('[data-testid="generate"]');
    equal(await settled(page), 'done', 'state');
    equal(await code(page), expected.attention, 'generated code');
    metrics.typed_first = await timing(page);
    // A second click: the weights are in memory now.
    await page.$eval('[data-testid="generated-code"]', (e) => { e.dataset.stale = '1'; });
    await page.click('[data-testid="generate"]');
    await page.waitForSelector('[data-testid="generated-code"]:not([data-stale])', { timeout: 120_000 });
    equal(await settled(page), 'done', 'state (second run)');
    equal(await code(page), expected.attention, 'generated code (second run)');
    metrics.typed_cached = await timing(page);
    equal(metrics.typed_cached.backend, 'CPU (wasm)', 'backend');
    await page.close();
  });

  await check('?q=...&model=attention generates on load, with the heatmap', async () => {
    const page = await open(`?q=${encodeURIComponent(description)}&model=attention`);
    equal(await settled(page), 'done', 'state');
    equal(await code(page), expected.attention, 'generated code');
    metrics.url_first = await timing(page);
    const heatmap = await page.$eval('[data-testid="attention-heatmap"]', (t) => ({
      rows: Number(t.dataset.rows),
      cols: Number(t.dataset.cols),
      rowElements: t.querySelectorAll('[data-testid="heatmap-row"]').length,
      cellsPerRow: [...t.querySelectorAll('[data-testid="heatmap-row"]')].map(
        (r) => r.querySelectorAll('[data-testid="heatmap-cell"]').length),
      rowLabels: [...t.querySelectorAll('th.tgt')].map((h) => h.title),
      colLabels: [...t.querySelectorAll('[data-testid="heatmap-col"]')].map((h) => h.title),
      pGen: t.dataset.pGen,
      pGenCells: t.querySelectorAll('[data-testid="heatmap-pgen"], [data-testid="heatmap-pgen-col"]').length,
    }));
    const { generated_tokens: rows, src_tokens: cols } = expected.attentionMatrix;
    equal(heatmap.rows, rows.length, 'heatmap rows');
    equal(heatmap.cols, cols.length, 'heatmap columns');
    equal(heatmap.rowElements, rows.length, 'row elements');
    equal(heatmap.cellsPerRow, rows.map(() => cols.length), 'cells per row');
    equal(heatmap.rowLabels, rows, 'row labels (generated tokens)');
    equal(heatmap.colLabels, cols, 'column labels (source tokens)');
    // No copy attention: no p_gen column.
    equal([heatmap.pGen, heatmap.pGenCells], ['false', 0], 'p_gen column');
    // Hovering the first generated token highlights the source tokens it attended to.
    await page.hover('[data-testid="heatmap-row"] th.tgt');
    const levels = await page.$$eval('[data-testid="heatmap-col"]', (hs) => hs.map((h) => Number(h.dataset.level)));
    equal(Math.max(...levels), 1, 'highest source highlight after hovering a generated token');
    // And hovering a source token highlights the generated tokens that attended to it.
    await page.hover('[data-testid="heatmap-col"] >> nth=1');
    const rowLevels = await page.$$eval('th.tgt', (hs) => hs.map((h) => Number(h.dataset.level)));
    equal(Math.max(...rowLevels), 1, 'highest generated-token highlight after hovering a source token');
    await page.hover('[data-testid="heatmap-row"] th.tgt');
    await page.screenshot({ path: path.join(out, 'screenshot.png'), fullPage: true });
    await page.close();
  });

  await check('the heatmap: keyboard focus links rows and columns; it downloads as SVG and JSON', async () => {
    const page = await open(`?q=${encodeURIComponent(description)}&model=attention`);
    equal(await settled(page), 'done', 'state');
    // Tab to the first generated token's label: the source tokens it attended to light up.
    await page.focus('[data-testid="heatmap-row"] th.tgt');
    const levels = await page.$$eval('[data-testid="heatmap-col"]', (hs) => hs.map((h) => Number(h.dataset.level)));
    equal(Math.max(...levels), 1, 'highest source highlight with a generated token focused');
    await page.focus('[data-testid="heatmap-col"] >> nth=1');
    const rowLevels = await page.$$eval('th.tgt', (hs) => hs.map((h) => Number(h.dataset.level)));
    equal(Math.max(...rowLevels), 1, 'highest generated-token highlight with a source token focused');
    const { generated_tokens: rows, src_tokens: cols, weights } = expected.attentionMatrix;
    const saved = async (testid) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid="${testid}"]`)]);
      return [download.suggestedFilename(), fs.readFileSync(await download.path(), 'utf8')];
    };
    const [svgName, svg] = await saved('heatmap-svg');
    equal(svgName, 'attention.svg', 'SVG file name');
    equal((svg.match(/<rect /g) || []).length, rows.length * cols.length, 'SVG cells');
    if (!svg.startsWith('<svg ')) throw new Error(`not an SVG: ${svg.slice(0, 80)}`);
    const [jsonName, json] = await saved('heatmap-json');
    equal(jsonName, 'attention.json', 'JSON file name');
    const matrix = JSON.parse(json);
    equal([matrix.generated_tokens, matrix.src_tokens], [rows, cols], 'JSON labels');
    matrix.weights.flat().forEach((w, i) => {
      if (Math.abs(w - weights.flat()[i]) > 1e-4) throw new Error(`JSON weight ${i}: ${w} vs native ${weights.flat()[i]}`);
    });
    await page.close();
  });

  await check('?q=...&model=attention&beam=3 gives the native beam search code', async () => {
    const page = await open(`?q=${encodeURIComponent(description)}&model=attention&beam=3`);
    equal(await settled(page), 'done', 'state');
    equal(await page.inputValue('[data-testid="beam"]'), '3', 'beam width field');
    equal(await code(page), expected.attentionBeam, 'generated code');
    await page.close();
  });

  await check('?q=...&model=rnn gives the native code and no heatmap', async () => {
    const page = await open(`?q=${encodeURIComponent(description)}&model=rnn`);
    equal(await settled(page), 'done', 'state');
    equal(await code(page), expected.rnn, 'generated code');
    equal(await page.$('[data-testid="attention-heatmap"]'), null, 'heatmap');
    await page.close();
  });
}
