// Drives the DocQa page in headless Chromium against a running server:
//   node page.spec.mjs <baseUrl> <pdfPath> <outDir>
// Drops a PDF on the page, waits until it is ready, asks, checks the answer and its citation card (the quoted line
// marked and scrolled into view), opens the cited page, searches, has the server refuse requests without an API key
// and enters one in the page's dialog, deletes.
// Every request is routed: any that leaves the loopback interface fails the run. Exit code 0 when all passed.
import { readFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { chromium } from 'playwright-core';

const [baseUrl, pdfPath, outDir] = process.argv.slice(2);
if (!baseUrl || !pdfPath || !outDir) {
  console.error('usage: node page.spec.mjs <baseUrl> <pdfPath> <outDir>');
  process.exit(2);
}
const pdfName = basename(pdfPath);
const question = 'What were total net sales for the quarter?';
const expectedAnswer = '48,213';
const expectedPage = 2;
const testKey = 'e2e-test-key';

const step = message => console.log(`- ${message}`);
function check(condition, message) {
  if (!condition) throw new Error(message);
}

await mkdir(outDir, { recursive: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });

const outsideRequests = [];
const pageErrors = [];
let requireKey = false;
const loopback = new Set(['127.0.0.1', 'localhost', '[::1]']);
await context.route('**/*', route => {
  const url = new URL(route.request().url());
  // The browser's own resources (chrome:, chrome-extension: for its PDF viewer) never touch the network.
  if (!/^(https?|wss?):$/.test(url.protocol)) return route.continue();
  if (!loopback.has(url.hostname)) {
    outsideRequests.push(url.href);
    return route.abort();
  }
  // Stands in for a server with API keys: the API answers 401 unless the test key is sent.
  const authorized = route.request().headers().authorization === `Bearer ${testKey}`;
  if (requireKey && url.pathname.startsWith('/v1/') && !authorized) {
    return route.fulfill({
      status: 401,
      contentType: 'application/problem+json',
      body: JSON.stringify({ title: 'Unauthorized', status: 401, detail: 'An API key is required.' }),
    });
  }
  return route.continue();
});

const page = await context.newPage();
page.on('pageerror', error => pageErrors.push(error.message));
// Refused requests (the 415 and 401s above) are logged by the browser itself; anything else is the page's fault.
page.on('console', message => {
  if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
});

/** Clicks a link that opens a new tab and returns that tab's address; with a path, a screenshot of the tab too. */
async function urlOpenedBy(locator, screenshot) {
  const [tab] = await Promise.all([context.waitForEvent('page'), locator.click()]);
  await tab.waitForURL(url => url.href !== 'about:blank', { timeout: 15_000 }).catch(() => {});
  const url = tab.url();
  if (screenshot) {
    // The PDF viewer draws in its own frame, which the test cannot watch: wait until the tab is no longer blank
    // (a blank tab's screenshot is about 5 KB, a drawn page's well over 10 KB).
    for (let tries = 0; tries < 20 && (await tab.screenshot({ path: screenshot })).length < 10_000; tries++) {
      await tab.waitForTimeout(500);
    }
    await tab.waitForTimeout(1000); // then it scrolls to the page
    await tab.screenshot({ path: screenshot });
    console.log(`screenshot: ${screenshot}`);
  }
  await tab.close();
  return url;
}

async function askAndWait() {
  await page.fill('#question', question);
  await page.press('#question', 'Enter');
  await page.waitForSelector('#answer[data-state="done"]', { timeout: 60_000 });
}

let failure = null;
try {
  await page.goto(baseUrl);
  check(await page.title() === 'DocQa', 'the page title is DocQa');
  await page.waitForFunction(() => document.getElementById('index-select').value === 'default');
  await page.waitForSelector('#documents-empty:not([hidden])');
  step('the page loads with the default index and an empty document list');

  // Drop the PDF on the drop zone, as a reader would drag it from their files.
  const pdfBase64 = (await readFile(pdfPath)).toString('base64');
  const dataTransfer = await page.evaluateHandle(([name, base64]) => {
    const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, { type: 'application/pdf' }));
    return transfer;
  }, [pdfName, pdfBase64]);
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer });
  // A file the server cannot read shows as failed, with the server's reason.
  // (A GIF: PNG, JPEG and TIFF are documents, read by OCR.)
  await page.setInputFiles('#file-input', { name: 'clip.gif', mimeType: 'image/gif', buffer: Buffer.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0, 0, 0, 0, 0, 0]) });

  const upload = page.locator('.upload', { hasText: pdfName });
  await upload.locator('.status-ready').waitFor({ timeout: 90_000 });
  const rejected = page.locator('.upload', { hasText: 'clip.gif' });
  await rejected.locator('.status-failed').waitFor();
  check((await rejected.locator('.reason').innerText()).trim().length > 0, 'a refused upload shows the reason');
  const row = page.locator('#documents-body tr', { hasText: pdfName });
  await row.locator('.status-ready').waitFor();
  check((await row.locator('td').nth(2).innerText()).trim() === '3', 'the document list shows the PDF\'s 3 pages');
  step(`${pdfName} dropped, uploaded and ready; clip.gif refused with "${(await rejected.locator('.reason').innerText()).trim()}"`);

  await askAndWait();
  const answer = await page.locator('#answer-text').innerText();
  check(answer.includes(expectedAnswer), `the answer holds ${expectedAnswer}: "${answer}"`);
  const mode = await page.locator('#answer-mode').innerText();
  check(mode.includes('Extracted'), `the answer says how it was made: "${mode}"`);
  check(await page.locator('#model-hint').isVisible(), 'without a model the page shows how to enable one');
  const card = page.locator('#citations .card', { hasText: `page ${expectedPage}` }).filter({ hasText: pdfName }).first();
  await card.waitFor();
  check(await card.locator('mark').count() > 0, 'the citation highlights the question\'s terms');
  // The card marks the line the answer quoted and scrolls its passage to it.
  const quote = card.locator('mark.quote');
  check(await quote.count() === 1, 'the citation card marks the quoted line');
  const quoted = await quote.innerText();
  check(quoted.includes(expectedAnswer) && answer.includes(quoted.replace(/\s+/g, ' ').trim().slice(0, 20)),
    `the quoted line is the one the answer used: "${quoted}"`);
  const inView = await quote.evaluate(node => {
    const box = node.closest('.card-text');
    const line = node.getBoundingClientRect();
    const shown = box.getBoundingClientRect();
    return { scrolls: box.scrollHeight > box.clientHeight + 1, scrolled: box.scrollTop > 0, visible: line.top >= shown.top - 1 && line.bottom <= shown.bottom + 1 };
  });
  check(inView.scrolls && inView.scrolled && inView.visible, `the passage is scrolled to the quoted line: ${JSON.stringify(inView)}`);
  const marker = page.locator('#answer-text a.marker').first();
  const target = await marker.getAttribute('href');
  check(target && await page.locator(target).count() === 1, `the answer's [n] marker links to its card (${target})`);
  step(`answer: "${answer.trim()}" (${mode}); card: ${pdfName}, page ${expectedPage}`);

  const screenshot = join(outDir, 'docqa-page.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
  const dark = join(outDir, 'docqa-page-dark.png');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: dark, fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
  console.log(`screenshot: ${dark}`);

  const fileUrl = await urlOpenedBy(card, join(outDir, 'docqa-cited-page.png'));
  check(new RegExp(`/v1/indexes/default/documents/[^/]+/file#page=${expectedPage}$`).test(fileUrl), `the card opens the file at its page: ${fileUrl}`);
  step(`the card opened ${fileUrl}`);

  // A follow-up: the first turn moves into the conversation and goes with the question as history.
  const followUp = 'And what about the quarter before?';
  const sent = page.waitForRequest(request => request.url().endsWith('/ask') && request.method() === 'POST');
  await page.fill('#question', followUp);
  await page.press('#question', 'Enter');
  const history = JSON.parse((await sent).postData()).history;
  check(history?.length === 1 && history[0].question === question && history[0].answer.includes(expectedAnswer),
    `the follow-up is sent with the earlier turn: ${JSON.stringify(history)}`);
  await page.waitForSelector('#answer[data-state="done"]', { timeout: 60_000 });
  check((await page.locator('#thread .turn-question').allInnerTexts()).join('|') === question, 'the conversation shows the earlier question');
  await page.click('#new-conversation');
  check(await page.locator('#thread-section').isHidden() && await page.locator('#answer').isHidden(), 'a new conversation starts empty');
  step(`follow-up sent with its history; "New conversation" cleared the thread`);

  await page.click('#tab-search');
  await page.fill('#search-query', 'signal lamps');
  await page.check('input[name="mode"][value="keyword"]');
  await page.press('#search-query', 'Enter');
  await page.waitForSelector('#search-results .card');
  const status = await page.locator('#search-status').innerText();
  check(status.includes('keyword'), `the search says its mode: "${status}"`);
  check((await page.locator('#search-results .card-detail').first().innerText()) === 'best match', 'the first result is labelled the best match, not with a raw score');
  step(`search: ${status}`);

  const narrow = join(outDir, 'docqa-page-narrow.png');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('#tab-ask');
  await page.screenshot({ path: narrow, fullPage: true });
  console.log(`screenshot: ${narrow}`);
  await page.setViewportSize({ width: 1280, height: 900 });

  // The server now wants a key: the page asks once, in its dialog, and sends it from then on.
  requireKey = true;
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  const dialog = page.locator('#key-dialog[open]');
  await dialog.waitFor();
  await page.fill('#key-input', testKey);
  await page.click('#key-dialog button[value="save"]');
  await row.locator('.status-ready').waitFor();
  check(await page.locator('dialog[open]').count() === 0, 'one key entry answers every refused request');
  await askAndWait();
  const keyedCard = page.locator('#citations .card', { hasText: `page ${expectedPage}` }).first();
  const blobUrl = await urlOpenedBy(keyedCard);
  check(/^blob:http:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+#page=2$/.test(blobUrl), `with a key the file opens as a Blob URL at its page: ${blobUrl}`);
  step(`with an API key: asked once, then the card opened ${blobUrl}`);

  // The list is rebuilt when another upload lands; a keyboard user's focus stays on the control it was on.
  await row.getByRole('button', { name: `Delete ${pdfName}` }).focus();
  const notes = await page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['Mooring fees rose in the third quarter.'], 'notes.txt', { type: 'text/plain' }));
    return transfer;
  });
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: notes });
  const notesRow = page.locator('#documents-body tr', { hasText: 'notes.txt' });
  await notesRow.locator('.status-ready').waitFor({ timeout: 60_000 });
  const focusedLabel = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
  check(focusedLabel === `Delete ${pdfName}`, `the focus stays on "Delete ${pdfName}" while the list refreshes: "${focusedLabel}"`);
  step('keyboard focus kept on its button while the document list refreshed');
  await notesRow.getByRole('button', { name: 'Delete notes.txt' }).click();
  await page.click('#confirm-dialog button[value="confirm"]');
  await notesRow.waitFor({ state: 'detached' });

  await row.getByRole('button', { name: `Delete ${pdfName}` }).click();
  await page.click('#confirm-dialog button[value="confirm"]');
  await page.waitForSelector('#documents-empty:not([hidden])');
  step('deleted through the confirmation dialog; the list is empty again');

  check(pageErrors.length === 0, `the page logged errors: ${pageErrors.join('; ')}`);
} catch (error) {
  failure = error;
  await page.screenshot({ path: join(outDir, 'docqa-page-failure.png'), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}

if (!failure && outsideRequests.length) failure = new Error(`requests left the machine: ${outsideRequests.join(', ')}`);
console.log(`outside requests: ${outsideRequests.length}`);
if (failure) {
  console.error(`FAILED: ${failure.message}`);
  process.exit(1);
}
console.log('PASSED');
