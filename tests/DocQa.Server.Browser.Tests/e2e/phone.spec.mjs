// The DocQa page on a phone (390 px wide) against a running server:
//   node phone.spec.mjs <baseUrl> <outDir>
// Seeds documents through the API, loads the page as a phone would and checks: Ask comes before the document list,
// the list fits the screen (every Delete button visible, no sideways scrolling), the page does not move while the
// list loads (cumulative layout shift at most 0.1, measured from Chromium's layout-shift entries), and search results
// are labelled by relevance rather than raw scores. Exit code 0 when all passed.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [baseUrl, outDir] = process.argv.slice(2);
if (!baseUrl || !outDir) {
  console.error('usage: node phone.spec.mjs <baseUrl> <outDir>');
  process.exit(2);
}
const width = 390;
const maxLayoutShift = 0.1;
const step = message => console.log(`- ${message}`);
function check(condition, message) {
  if (!condition) throw new Error(message);
}

// Long names and tags: what makes a table too wide for a phone.
const documents = [
  ['quarterly-report-harbor-authority-2024-q3-final.txt', 'The harbor authority collected 4,210 crowns in mooring fees in the third quarter.', 'team:finance'],
  ['lighthouse-maintenance-handbook-north-station.txt', 'The lamp room of the north lighthouse is painted white every spring.', 'team:operations'],
  ['fog-signal-procedures-and-bell-schedule.txt', 'The night watch rings the fog bell every two minutes while the fog lasts.', 'team:operations'],
  ['tide-tables-gull-harbor-may.txt', 'High tide at Gull Harbor comes at six in the morning during the first week of May.', 'team:harbor'],
  ['keepers-duty-roster-and-wick-trimming.txt', 'The assistant keeper trims the lamp wicks at dusk and again at midnight.', 'team:operations'],
];

async function seed() {
  for (const [name, text, tag] of documents) {
    const form = new FormData();
    form.append('file', new Blob([text], { type: 'text/plain' }), name);
    form.append('tags', tag);
    const response = await fetch(new URL('/v1/indexes/default/documents', baseUrl), { method: 'POST', body: form });
    check(response.status === 202 || response.status === 200, `upload of ${name}: ${response.status}`);
  }
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const list = await (await fetch(new URL('/v1/indexes/default/documents', baseUrl))).json();
    if (list.documents.length === documents.length && list.documents.every(d => d.status === 'ready')) return;
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  throw new Error('the seeded documents did not become ready');
}

await mkdir(outDir, { recursive: true });
step('seeding documents');
await seed();

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
let failed = false;
try {
  const context = await browser.newContext({
    viewport: { width, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true, colorScheme: 'light',
  });
  // Sums the layout shifts not caused by input, as Lighthouse's CLS does, from the very first paint.
  await context.addInitScript(() => {
    window.__layoutShift = 0;
    new PerformanceObserver(list => {
      for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__layoutShift += entry.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  // A phone's network: the API answers well after the page is first drawn, as under Lighthouse's throttling, so
  // whatever the answers would push around is pushed around where it can be measured.
  await context.route('**/v1/**', async route => {
    await new Promise(resolve => setTimeout(resolve, 600));
    await route.continue();
  });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', error => pageErrors.push(error.message));

  await page.goto(baseUrl, { waitUntil: 'load' });
  await page.locator('#documents-body tr').nth(documents.length - 1).waitFor();
  await page.waitForFunction(() => document.querySelector('#server-info').textContent.length > 0);
  await page.waitForTimeout(1000); // anything still to move would move now
  const shift = await page.evaluate(() => window.__layoutShift);
  step(`cumulative layout shift while loading: ${shift.toFixed(3)}`);
  check(shift <= maxLayoutShift, `the page moved while loading: CLS ${shift.toFixed(3)} > ${maxLayoutShift}`);

  const askTop = (await page.locator('.query-panel').boundingBox()).y;
  const listTop = (await page.locator('.documents-panel').boundingBox()).y;
  check(askTop < listTop, `Ask (${askTop}) should come before the document list (${listTop}) on a phone`);
  step('Ask comes first');

  const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  check(pageWidth <= width, `the page is ${pageWidth} px wide on a ${width} px screen`);
  const wrap = await page.locator('.table-wrap').evaluate(box => ({ scroll: box.scrollWidth, client: box.clientWidth }));
  check(wrap.scroll <= wrap.client, `the document list is wider (${wrap.scroll} px) than its box (${wrap.client} px)`);
  const deletes = page.getByRole('button', { name: /^Delete / });
  check(await deletes.count() === documents.length, 'every document has a Delete button');
  for (const button of await deletes.all()) {
    await button.scrollIntoViewIfNeeded();
    const box = await button.boundingBox();
    check(box && box.x >= 0 && box.x + box.width <= width, `a Delete button is clipped: ${JSON.stringify(box)}`);
  }
  step('the list fits: no sideways scrolling, every Delete button whole');

  await page.getByRole('tab', { name: 'Search' }).click();
  await page.locator('#search-query').fill('lamp');
  await page.locator('#search-form button[type=submit]').click();
  await page.locator('#search-results .card').first().waitFor();
  const labels = await page.locator('#search-results .card-detail').allInnerTexts();
  check(labels[0] === 'best match', `the first result is labelled "${labels[0]}"`);
  check(labels.every(label => /^(best|strong) match$|^related$/.test(label)), `results show labels, not scores: ${labels.join(', ')}`);
  step(`search results labelled: ${labels.join(', ')}`);

  await page.screenshot({ path: join(outDir, 'docqa-phone.png'), fullPage: true });
  check(pageErrors.length === 0, `errors on the page: ${pageErrors.join('; ')}`);
  console.log('PASSED');
} catch (error) {
  failed = true;
  console.log(`FAILED: ${error.message}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
