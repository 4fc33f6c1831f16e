// Uploaded files never run script in DocQa's origin, even while the page holds an API key:
//   node uploaded-files.spec.mjs <baseUrl> <writerKey> <adminKey> <pdfPath> <outDir>
// The server has keys: a writer on index "alpha" and an admin on every index. The writer uploads HTML pages whose
// scripts (inline and in an event handler) would take the reader's key, set markers and call the API; the admin
// opens each from the page. HTML, whatever its name, downloads; text and PDFs open in a tab that cannot reach the
// page; no marker is set and no such request is made. Also checks the Content-Security-Policy headers and that the
// page logs no policy violations. Exit code 0 when all passed.
import { readFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { chromium } from 'playwright-core';

const [baseUrl, writerKey, adminKey, pdfPath, outDir] = process.argv.slice(2);
if (!baseUrl || !writerKey || !adminKey || !pdfPath || !outDir) {
  console.error('usage: node uploaded-files.spec.mjs <baseUrl> <writerKey> <adminKey> <pdfPath> <outDir>');
  process.exit(2);
}
const index = 'alpha';
const pdfName = basename(pdfPath);

const step = message => console.log(`- ${message}`);
function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** A script that, run anywhere in DocQa's origin, leaves a marker in localStorage and on the opener and calls the API with the key. */
const attack = name => [
  `localStorage.setItem('docqa.evil.${name}', location.href);`,
  `try { opener.document.body.dataset.evil = '${name}'; } catch {}`,
  `const key = sessionStorage.getItem('docqa.apiKey') || (opener && opener.sessionStorage.getItem('docqa.apiKey'));`,
  `fetch(new URL('/v1/indexes?from=evil-${name}', origin === 'null' ? location.href : origin), { headers: { Authorization: 'Bearer ' + key } });`,
].join(' ');
const evilPage = `<!doctype html>
<html><head><title>Harbor minutes</title></head>
<body>
<h1>Harbor minutes</h1>
<p>The keepers met on Tuesday and agreed to paint the lamp room before the spring storms.</p>
<script>${attack('inline')}</script>
<img src="x" alt="" onerror="${attack('onerror').replaceAll('"', '&quot;')}">
</body></html>`;
const files = [
  { name: 'evil.html', mimeType: 'text/html', buffer: Buffer.from(evilPage) },
  // The same page named as text: stored as text/html, since the server goes by the content.
  { name: 'evil.txt', mimeType: 'text/plain', buffer: Buffer.from(evilPage) },
  // Text with markup further on: stored as text/plain, and shown as text.
  { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(`Notes from the lamp room: the keeper trims the wicks at dusk.\n<script>${attack('notes')}</script>\n<img src=x onerror="${attack('notes-onerror').replaceAll('"', '&quot;')}">\n`) },
  { name: pdfName, mimeType: 'application/pdf', buffer: await readFile(pdfPath) },
];

await mkdir(outDir, { recursive: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', acceptDownloads: true });

// Every request any tab makes, to catch the uploaded pages' calls to the API.
const evilRequests = [];
context.on('request', request => { if (request.url().includes('from=evil-')) evilRequests.push(request.url()); });
const page = await context.newPage();
const pageErrors = [];
page.on('pageerror', error => pageErrors.push(error.message));
page.on('console', message => {
  if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
});

async function assertNothingRan(what) {
  await page.waitForTimeout(1500); // time for a script that did run to leave its marks
  const marks = await page.evaluate(() => ({
    storage: Object.keys(localStorage).filter(key => key.startsWith('docqa.evil.')),
    opener: document.body.dataset.evil ?? null,
  }));
  check(marks.storage.length === 0, `${what}: a script of the uploaded file ran in DocQa's origin and set ${marks.storage.join(', ')}`);
  check(marks.opener === null, `${what}: a script of the uploaded file reached the page through opener (${marks.opener})`);
  check(evilRequests.length === 0, `${what}: the uploaded file called the API: ${evilRequests.join(', ')}`);
}

const row = name => page.locator('#documents-body tr', { hasText: name });
const fileLinkOf = name => row(name).locator('a', { hasText: name });

/** Clicks a file link as a reader would and reports what came of it: a download, a tab, or neither. */
async function open(name) {
  const download = page.waitForEvent('download', { timeout: 10_000 }).catch(() => null);
  const tab = context.waitForEvent('page', { timeout: 10_000 }).catch(() => null);
  await fileLinkOf(name).click();
  // Whichever comes first; the other gets a few seconds more (a download may pass through a tab of its own), rather
  // than the whole wait for an event that does not come.
  await Promise.race([download, tab]);
  const orNull = event => Promise.race([event, new Promise(resolve => setTimeout(() => resolve(null), 3000))]);
  return { download: await orNull(download), tab: await orNull(tab) };
}

async function storeKey(key) {
  await page.evaluate(([i, k]) => {
    localStorage.setItem('docqa.index', i);
    sessionStorage.setItem('docqa.apiKey', k);
  }, [index, key]);
  await page.reload();
}

let failure = null;
try {
  // The writer uploads through the page.
  await page.goto(baseUrl);
  await storeKey(writerKey);
  await page.waitForFunction(i => document.getElementById('index-select').value === i, index);
  await page.setInputFiles('#file-input', files);
  for (const { name } of files) await row(name).locator('.status-ready').waitFor({ timeout: 90_000 });
  step(`the writer uploaded ${files.map(f => f.name).join(', ')} to "${index}"`);

  const documents = await (await fetch(new URL(`/v1/indexes/${index}/documents`, baseUrl), { headers: { Authorization: `Bearer ${adminKey}` } })).json();
  const idOf = name => documents.documents.find(doc => doc.fileName === name).id;
  const typeOf = name => documents.documents.find(doc => doc.fileName === name).contentType;
  check(typeOf('evil.txt') === 'text/html', `evil.txt is stored as HTML: ${typeOf('evil.txt')}`);
  const fileUrl = name => new URL(`/v1/indexes/${index}/documents/${idOf(name)}/file`, baseUrl).href;

  // The admin opens them from the page, which holds the admin's key.
  await storeKey(adminKey);
  await row('evil.html').locator('.status-ready').waitFor();

  for (const name of ['evil.html', 'evil.txt']) {
    const { download, tab } = await open(name);
    await assertNothingRan(name);
    check(download !== null, `${name} downloads`);
    check(download.suggestedFilename() === name, `${name} downloads under its own name: ${download.suggestedFilename()}`);
    const saved = await readFile(await download.path(), 'utf8');
    check(saved === evilPage, `${name} downloads as uploaded`);
    if (tab) {
      await tab.waitForEvent('close', { timeout: 5000 }).catch(() => {});
      check(tab.isClosed(), `${name}: no tab stays open for a download (${tab.url()})`);
    }
    step(`${name}: downloaded, nothing of it ran`);
  }

  for (const [name, type] of [['notes.txt', 'text/plain'], [pdfName, 'application/pdf']]) {
    const { download, tab } = await open(name);
    check(download === null, `${name} opens rather than downloads`);
    check(tab !== null, `${name} opens in a new tab`);
    await tab.waitForURL(url => url.protocol === 'blob:', { timeout: 15_000 });
    await tab.waitForLoadState();
    const shown = await tab.evaluate(() => ({
      type: document.contentType, opener: window.opener === null ? null : 'set', key: sessionStorage.getItem('docqa.apiKey'), text: document.body?.innerText ?? '',
    }));
    check(shown.type === type, `${name} shows as ${type}: ${shown.type}`);
    check(shown.opener === null, `${name}'s tab cannot reach the page through opener`);
    check(shown.key === null, `${name}'s tab holds no API key`);
    if (type === 'text/plain') {
      check(shown.text.includes('<script>'), `${name} shows its markup as text`);
      await tab.screenshot({ path: join(outDir, 'uploaded-text.png') });
    }
    await assertNothingRan(name);
    await tab.close();
    step(`${name}: opened as ${shown.type} in a tab without opener or key, nothing of it ran`);
  }

  // A plain link (as on a server without keys) navigates to the file itself: HTML downloads, text shows in a sandbox.
  const direct = await context.newPage();
  await direct.setExtraHTTPHeaders({ Authorization: `Bearer ${adminKey}` });
  const [download] = await Promise.all([direct.waitForEvent('download'), direct.goto(fileUrl('evil.html')).catch(() => null)]);
  check(download.suggestedFilename() === 'evil.html', 'the file itself downloads when it is HTML');
  await direct.goto(fileUrl('notes.txt'));
  const sandboxed = await direct.evaluate(() => ({ origin, type: document.contentType }));
  check(sandboxed.type === 'text/plain', `the file itself shows as text: ${sandboxed.type}`);
  check(sandboxed.origin === 'null', `the file itself is shown in a sandbox with an opaque origin, not DocQa's: ${sandboxed.origin}`);
  await direct.close();
  await assertNothingRan('the files opened directly');
  step('opened directly: evil.html downloaded, notes.txt shown as text with an opaque origin');

  // The headers, as the server sends them: the page's policy, and the file's sandbox.
  const root = await fetch(baseUrl);
  const pagePolicy = root.headers.get('content-security-policy') ?? '';
  check(/(^|;)\s*script-src 'self'\s*(;|$)/.test(pagePolicy) && !pagePolicy.includes('unsafe-'), `the page's Content-Security-Policy allows no inline or foreign script: "${pagePolicy}"`);
  check(/(^|;)\s*frame-ancestors 'none'/.test(pagePolicy) && root.headers.get('x-frame-options') === 'DENY', 'the page is never framed');
  step(`/ has Content-Security-Policy: ${pagePolicy}`);
  const fileResponse = await fetch(fileUrl('notes.txt'), { headers: { Authorization: `Bearer ${adminKey}` } });
  const filePolicy = fileResponse.headers.get('content-security-policy') ?? '';
  check(/(^|;)\s*sandbox\s*(;|$)/.test(filePolicy) && /default-src 'none'/.test(filePolicy), `/file has a bare sandbox policy: "${filePolicy}"`);
  step(`/file has Content-Security-Policy: ${filePolicy}`);

  const screenshot = join(outDir, 'docqa-keys-page.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
  check(pageErrors.length === 0, `the page logged errors: ${pageErrors.join('; ')}`);
  step('the page logged no errors and no policy violations');
} catch (error) {
  failure = error;
  await page.screenshot({ path: join(outDir, 'uploaded-files-failure.png'), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}

if (failure) {
  console.error(`FAILED: ${failure.message}`);
  process.exit(1);
}
console.log('PASSED');
