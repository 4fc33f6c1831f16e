// The DocQa page: pick an index, upload and watch documents, ask with streamed answers and citations, search.
// Text from the server only ever reaches the page as text nodes (el() and textContent), never as HTML.
import {
  ApiError, apiKey, askStream, documentPath, fileLink, getJson, indexPath, openFile, postJson, remove, upload,
} from './api.js';

const $ = id => document.getElementById(id);

/** Creates an element; strings among the children become text nodes. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.flat().filter(child => child !== null && child !== undefined && child !== false));
  return node;
}

function showError(id, error) {
  const box = $(id);
  box.hidden = !error;
  box.textContent = error ? (error instanceof ApiError ? error.message : `Something went wrong: ${error.message}`) : '';
}

const indexStorageName = 'docqa.index';
let currentIndex = localStorage.getItem(indexStorageName) || 'default';

// ---- Server and indexes ----

async function loadInfo() {
  try {
    const info = await getJson('/v1/info');
    const answers = info.answerMode === 'generated' ? `answers by ${info.answerModel}` : 'extractive answers';
    // After a change of embedding model, the documents still on the old one are re-embedded in the background.
    const reembedding = info.reembedding?.inProgress
      ? ` (re-embedding: ${info.reembedding.remaining} of ${info.reembedding.documents} documents to go)`
      : '';
    $('server-info').textContent = `${answers} · ${info.embeddingModel}${reembedding} · v${info.version.split('+')[0]}`;
    $('model-hint').hidden = info.answerMode === 'generated';
    if (reembedding) setTimeout(loadInfo, 5000);
  } catch (error) {
    $('server-info').textContent = error.message;
  }
}

async function loadIndexes() {
  const select = $('index-select');
  let indexes = [];
  try {
    indexes = (await getJson('/v1/indexes')).indexes;
  } catch (error) {
    showError('documents-error', error);
  }
  if (!indexes.some(index => index.name === currentIndex)) indexes.push({ name: currentIndex, documents: 0, chunks: 0 });
  select.replaceChildren(...indexes.map(index =>
    el('option', { value: index.name }, `${index.name} (${index.documents} ${index.documents === 1 ? 'document' : 'documents'})`)));
  select.value = currentIndex;
}

function selectIndex(name) {
  currentIndex = name;
  localStorage.setItem(indexStorageName, name);
  $('upload-list').replaceChildren();
  conversation = [];
  renderThread();
  clearAnswer();
  $('search-results').replaceChildren();
  $('search-status').textContent = '';
  loadIndexes();
  loadDocuments();
}

function newIndex() {
  const dialog = $('index-dialog');
  const input = $('new-index-name');
  input.value = '';
  dialog.returnValue = '';
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'create' && input.value) selectIndex(input.value);
  }, { once: true });
  dialog.showModal();
}

// ---- Documents ----

let documentsTimer = 0;
const isSettled = status => status === 'ready' || status === 'failed';

function statusBadge(doc) {
  return el('span', { class: `status status-${doc.status}` }, doc.status);
}

function fileAnchor(index, doc, page) {
  const href = fileLink(index, doc.documentId ?? doc.id, doc.fileName, page);
  return el('a', { href, target: '_blank', rel: 'noopener', onclick: openWithKey }, doc.fileName);
}

/** Plain links open on their own; with an API key the file is fetched with it instead. */
function openWithKey(event) {
  if (!apiKey()) return;
  event.preventDefault();
  const link = event.currentTarget;
  // The error shows in the part of the page the link is in.
  const box = link.closest('[role="tabpanel"], .panel').querySelector('.error');
  openFile(link.getAttribute('href')).catch(error => showError(box.id, error));
}

function documentRow(doc) {
  const ocr = doc.pagesOcr?.length ?? 0;
  const unread = (doc.pagesWithoutText ?? 0) - ocr;
  const notes = [ocr ? `${ocr} by OCR` : '', unread > 0 ? `${unread} without text` : ''].filter(Boolean);
  const pages = notes.length ? `${doc.pages} (${notes.join(', ')})` : String(doc.pages);
  const warnings = (doc.warnings ?? []).map(warning => el('div', { class: 'reason' }, warning));
  const tags = Object.entries(doc.tags ?? {}).map(([key, value]) => el('span', { class: 'tag' }, `${key}:${value}`));
  const actions = [];
  if (doc.status === 'failed') {
    actions.push(el('button', {
      type: 'button', class: 'secondary small', 'aria-label': `Retry ${doc.fileName}`, 'data-key': `retry:${doc.id}`,
      onclick: () => retryDocument(doc),
    }, 'Retry'));
  }
  actions.push(el('button', {
    type: 'button', class: 'secondary small danger-text', 'aria-label': `Delete ${doc.fileName}`, 'data-key': `delete:${doc.id}`,
    onclick: () => deleteDocument(doc),
  }, 'Delete'));
  const open = fileAnchor(currentIndex, doc, 0);
  open.dataset.key = `open:${doc.id}`;
  return el('tr', {},
    el('td', { class: 'file-cell' }, open),
    el('td', {}, statusBadge(doc), doc.error ? el('div', { class: 'reason' }, doc.error) : null, ...warnings),
    el('td', { class: 'number', 'data-label': 'Pages' }, pages),
    el('td', { class: 'number', 'data-label': 'Chunks' }, String(doc.chunks)),
    el('td', {}, tags),
    el('td', { class: 'actions' }, actions));
}

async function loadDocuments() {
  clearTimeout(documentsTimer);
  const index = currentIndex;
  let documents;
  try {
    documents = (await getJson(`${indexPath(index)}/documents`)).documents;
    showError('documents-error', null);
  } catch (error) {
    showError('documents-error', error);
    return;
  }
  if (index !== currentIndex) return;
  // Rebuilding the rows would drop the keyboard focus: put it back on the same control of the same document.
  const body = $('documents-body');
  const focused = body.contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
  body.replaceChildren(...documents.map(documentRow));
  if (focused) body.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus();
  $('documents-table').hidden = documents.length === 0;
  $('documents-empty').hidden = documents.length > 0;
  $('documents-count').textContent = documents.length ? `(${documents.length})` : '';
  // Keep watching while something is still being processed.
  if (documents.some(doc => !isSettled(doc.status))) documentsTimer = setTimeout(loadDocuments, 2000);
}

async function deleteDocument(doc) {
  const dialog = $('confirm-dialog');
  $('confirm-text').textContent = `${doc.fileName} and its passages will be removed from “${currentIndex}”.`;
  dialog.returnValue = '';
  dialog.addEventListener('close', async () => {
    if (dialog.returnValue !== 'confirm') return;
    try {
      await remove(documentPath(currentIndex, doc.id));
    } catch (error) {
      showError('documents-error', error);
    }
    loadDocuments();
    loadIndexes();
  }, { once: true });
  dialog.showModal();
}

async function retryDocument(doc) {
  try {
    await postJson(`${documentPath(currentIndex, doc.id)}/retry`, {});
  } catch (error) {
    showError('documents-error', error);
  }
  loadDocuments();
}

// ---- Uploads ----

function uploadFiles(files) {
  const tags = $('upload-tags').value.split(/\s+/).filter(Boolean);
  for (const file of files) uploadOne(currentIndex, file, tags);
}

async function uploadOne(index, file, tags) {
  const progress = el('progress', { max: '1', value: '0', 'aria-label': `Uploading ${file.name}` });
  const state = el('span', { class: 'status status-uploading' }, 'uploading');
  const reason = el('span', { class: 'reason' });
  const item = el('li', { class: 'upload' }, el('span', { class: 'upload-name' }, file.name), progress, state, reason);
  $('upload-list').prepend(item);
  const show = (status, text = '') => {
    state.className = `status status-${status}`;
    state.textContent = status;
    reason.textContent = text;
    item.dataset.status = status;
  };

  let doc;
  try {
    doc = await upload(index, file, tags, fraction => { progress.value = fraction; });
  } catch (error) {
    progress.remove();
    show('failed', error.message);
    return;
  }
  progress.value = 1;
  show(doc.status, doc.error ?? '');
  loadDocuments();
  loadIndexes();
  // Follow this file until it is ready or has failed.
  while (!isSettled(doc.status)) {
    await new Promise(resolve => setTimeout(resolve, 1000));
    try {
      doc = await getJson(documentPath(index, doc.id));
    } catch (error) {
      show('failed', error.message);
      return;
    }
    show(doc.status, doc.error ?? '');
  }
  progress.remove();
  if (doc.status === 'ready') reason.textContent = `${doc.pages} pages, ${doc.chunks} passages`;
  if (index === currentIndex) loadDocuments();
  loadIndexes();
}

function wireDropZone() {
  const zone = $('drop-zone');
  // A file dropped beside the zone must not make the browser navigate away from the page.
  for (const type of ['dragover', 'drop']) window.addEventListener(type, event => event.preventDefault());
  zone.addEventListener('dragover', event => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', event => {
    event.preventDefault();
    zone.classList.remove('dragging');
    uploadFiles(event.dataTransfer.files);
  });
  $('file-input').addEventListener('change', event => {
    uploadFiles(event.target.files);
    event.target.value = '';
  });
}

// ---- Passages: highlighting and cards ----

/**
 * The passage as text nodes, with the words to highlight wrapped in <mark>: the server names them (highlightTerms),
 * found by the same term analysis as keyword search, so "sales" marks "Sale" and "81797" marks "81,797".
 */
function highlighted(text, terms) {
  if (!terms?.length) return [text];
  const escaped = [...terms].sort((a, b) => b.length - a.length).map(term => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(${escaped.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  return text.split(pattern).map((part, i) => (i % 2 ? el('mark', {}, part) : part));
}

function pageLabel(passage) {
  return passage.pageEnd && passage.pageEnd !== passage.page ? `pages ${passage.page}–${passage.pageEnd}` : `page ${passage.page}`;
}

/** The span of the passage an answer used, when the server names a valid one. */
function quoteOf(passage) {
  const quote = passage.quote;
  if (!quote || !Number.isInteger(quote.start) || !Number.isInteger(quote.end)) return null;
  return quote.start >= 0 && quote.start < quote.end && quote.end <= passage.text.length ? quote : null;
}

/** The passage's text, its quoted line (when it has one) wrapped in <mark class="quote">. */
function passageText(passage, terms) {
  const quote = quoteOf(passage);
  if (!quote) return el('span', { class: 'card-text' }, highlighted(passage.text, terms));
  const text = passage.text;
  return el('span', { class: 'card-text has-quote' },
    highlighted(text.slice(0, quote.start), terms),
    el('mark', { class: 'quote' }, highlighted(text.slice(quote.start, quote.end), terms)),
    highlighted(text.slice(quote.end), terms));
}

/** Scrolls each card's passage so that its quoted line is in view, a little below the top. */
function scrollToQuotes(container) {
  for (const box of container.querySelectorAll('.card-text.has-quote')) {
    const quote = box.querySelector('mark.quote');
    box.scrollTop = Math.max(0, quote.offsetTop - box.clientHeight / 4);
  }
}

function passageCard(passage, { id, number, terms, detail }) {
  const link = fileAnchor(currentIndex, passage, passage.page);
  link.replaceChildren(...[
    el('span', { class: 'card-head' },
      number ? el('span', { class: 'card-number' }, String(number)) : null,
      el('span', { class: 'card-file' }, passage.fileName),
      el('span', { class: 'card-page' }, passage.page ? pageLabel(passage) : ''),
      detail ? el('span', { class: 'card-detail' }, detail) : null),
    passage.heading ? el('span', { class: 'card-heading' }, passage.heading) : null,
    passageText(passage, terms),
  ].filter(Boolean));
  link.className = 'card';
  link.setAttribute('aria-label', `${number ? `Source ${number}: ` : ''}${passage.fileName}, ${pageLabel(passage)}, opens the file`);
  return el('li', { id }, link);
}

// ---- Ask ----

let askController = null;

/**
 * The conversation so far: each earlier turn's question, answer and the sources it cited. Sent as history, so a
 * follow-up ("and the quarter before?") is answered about the same thing.
 */
let conversation = [];

function renderThread() {
  $('thread').replaceChildren(...conversation.map(turn => el('li', { class: 'turn' },
    el('p', { class: 'turn-question' }, turn.question),
    el('p', { class: 'turn-answer' }, turn.answer),
    turn.sources.length ? el('p', { class: 'meta' }, `Sources: ${turn.sources.join(', ')}`) : '')));
  $('thread-section').hidden = conversation.length === 0;
}

function newConversation() {
  conversation = [];
  renderThread();
  clearAnswer();
  $('question').value = '';
  $('question').focus();
}

function clearAnswer() {
  askController?.abort();
  $('answer').hidden = true;
  $('citations-section').hidden = true;
  $('citations').replaceChildren();
  showError('ask-error', null);
}

/** The answer's text with each [n] made a link to its source card. */
function renderAnswer(text, citationNumbers) {
  const parts = text.split(/\[(\d+)\]/);
  $('answer-text').replaceChildren(...parts.map((part, i) => {
    if (i % 2 === 0) return part;
    const n = Number(part);
    if (!citationNumbers.has(n)) return `[${part}]`;
    return el('a', {
      href: `#cite-${n}`, class: 'marker', 'aria-label': `source ${n}`,
      onclick: event => {
        event.preventDefault();
        const card = $(`cite-${n}`);
        card.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
        card.querySelector('a').focus({ preventScroll: true });
      },
    }, `[${n}]`);
  }));
}

function renderCitations(citations, terms) {
  $('citations').replaceChildren(...citations.map(citation => {
    const card = passageCard(citation, { id: `cite-${citation.n}`, number: citation.n, terms });
    if (citation.referenced === false) card.classList.add('unreferenced');
    return card;
  }));
  $('citations-section').hidden = citations.length === 0;
  scrollToQuotes($('citations'));
}

function modeLabel(mode, model) {
  return mode === 'generated' ? `Generated by ${model ?? 'a language model'}` : 'Extracted from the passages';
}

async function ask(question) {
  clearAnswer();
  renderThread();
  const history = conversation.map(turn => ({ question: turn.question, answer: turn.answer }));
  const controller = new AbortController();
  askController = controller;
  const answer = $('answer');
  let terms = [];
  let text = '';
  let numbers = new Set();
  answer.hidden = false;
  delete answer.dataset.state;
  answer.setAttribute('aria-busy', 'true');
  $('answer-mode').textContent = '';
  $('answer-text').replaceChildren(el('span', { class: 'loading' }, 'Finding passages…'));
  $('answer-meta').textContent = '';
  $('ask-button').disabled = true;
  try {
    for await (const { event, data } of askStream(currentIndex, question, controller.signal, history)) {
      if (event === 'citations') {
        $('answer-mode').textContent = modeLabel(data.mode, data.model);
        numbers = new Set(data.citations.map(c => c.n));
        terms = data.highlightTerms ?? [];
        renderCitations(data.citations, terms);
        $('answer-text').replaceChildren(el('span', { class: 'loading' }, 'Writing the answer…'));
      } else if (event === 'delta') {
        text += data.text;
        renderAnswer(text, numbers);
      } else if (event === 'done') {
        numbers = new Set(data.citations.map(c => c.n));
        $('answer-mode').textContent = modeLabel(data.mode, data.model);
        renderAnswer(data.answer, numbers);
        terms = data.highlightTerms ?? terms;
        renderCitations(data.citations, terms);
        const timings = `retrieval ${Math.round(data.timings.retrievalMs)} ms, answer ${Math.round(data.timings.answerMs)} ms`;
        const asked = data.standaloneQuestion ? `Asked as: ${data.standaloneQuestion} · ` : '';
        $('answer-meta').textContent = asked + (data.noAnswer && data.noAnswerReason ? `${data.noAnswerReason} · ${timings}` : timings);
        answer.dataset.state = 'done';
        conversation.push({
          question,
          answer: data.answer,
          sources: data.citations.filter(c => c.referenced).map(c => `[${c.n}] ${c.fileName} ${pageLabel(c)}`),
        });
        $('question').value = '';
      }
    }
  } catch (error) {
    if (error.name === 'AbortError') return;
    answer.hidden = true;
    showError('ask-error', error);
  } finally {
    if (askController === controller) {
      answer.removeAttribute('aria-busy');
      $('ask-button').disabled = false;
    }
  }
}

// ---- Search ----

/**
 * What a result's place means to a reader. Its score does not: fusion scores sit close together (0.033, 0.032, …)
 * whatever the match, and the three modes score on different scales; the order is what the search decided.
 */
function relevanceLabel(rank) {
  if (rank === 0) return 'best match';
  return rank < 3 ? 'strong match' : 'related';
}

async function search(query, mode) {
  const status = $('search-status');
  const results = $('search-results');
  showError('search-error', null);
  status.textContent = 'Searching…';
  results.setAttribute('aria-busy', 'true');
  const started = performance.now();
  try {
    const response = await postJson(`${indexPath(currentIndex)}/search`, { query, top: 10, mode });
    const terms = response.highlightTerms ?? [];
    // A result is the matched chunk with the text around it: the match is marked and scrolled to, as a quote is.
    results.replaceChildren(...response.results.map((result, i) =>
      passageCard({ ...result, quote: result.match }, { id: `result-${i + 1}`, number: i + 1, terms, detail: relevanceLabel(i) })));
    scrollToQuotes(results);
    const count = response.results.length;
    status.textContent = count
      ? `${count} ${count === 1 ? 'passage' : 'passages'} · ${mode} · ${Math.round(performance.now() - started)} ms`
      : 'No passages match. Try other words, or another mode.';
  } catch (error) {
    status.textContent = '';
    results.replaceChildren();
    showError('search-error', error);
  } finally {
    results.removeAttribute('aria-busy');
  }
}

// ---- Tabs ----

function wireTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = tab => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      $(other.getAttribute('aria-controls')).hidden = !selected;
    }
    tab.focus();
  };
  for (const tab of tabs) {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', event => {
      const i = tabs.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      select(tabs[(next + tabs.length) % tabs.length]);
    });
  }
}

// ---- Start ----

function wireForms() {
  $('index-select').addEventListener('change', event => selectIndex(event.target.value));
  $('new-index-button').addEventListener('click', newIndex);
  $('new-conversation').addEventListener('click', newConversation);

  $('ask-form').addEventListener('submit', event => {
    event.preventDefault();
    const question = $('question').value.trim();
    if (question) ask(question);
  });
  $('question').addEventListener('keydown', event => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('ask-form').requestSubmit();
    }
  });

  $('search-form').addEventListener('submit', event => {
    event.preventDefault();
    const form = new FormData(event.target);
    const query = String(form.get('query')).trim();
    if (query) search(query, form.get('mode'));
  });
  for (const radio of document.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener('change', () => { if ($('search-query').value.trim()) $('search-form').requestSubmit(); });
  }

  // The README's way to have a local model write the answers, written in the page so that it is there at first paint.
  const modelCommand = $('model-command').textContent;
  $('copy-command').addEventListener('click', async event => {
    try {
      await navigator.clipboard.writeText(modelCommand);
      event.target.textContent = 'Copied';
    } catch {
      event.target.textContent = 'Select and copy';
    }
  });
}

wireTabs();
wireForms();
wireDropZone();
loadInfo();
loadIndexes();
loadDocuments();
