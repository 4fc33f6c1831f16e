// The DocQa REST API as the page uses it: the API key, problem details, uploads with progress, streamed answers.

const keyStorageName = 'docqa.apiKey';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const apiKey = () => sessionStorage.getItem(keyStorageName);

const enc = encodeURIComponent;
export const indexPath = index => `/v1/indexes/${enc(index)}`;
export const documentPath = (index, id) => `${indexPath(index)}/documents/${enc(id)}`;

// However many requests are refused at once, the reader is asked for the key in one dialog.
let pendingKey = null;

function askForKey() {
  pendingKey ??= new Promise(resolve => {
    const dialog = document.getElementById('key-dialog');
    const input = document.getElementById('key-input');
    document.getElementById('key-reason').textContent = apiKey()
      ? 'That API key was not accepted. Enter another one.'
      : 'This server needs an API key. It is kept for this browser tab only.';
    input.value = '';
    dialog.returnValue = '';
    dialog.addEventListener('close', () => {
      pendingKey = null;
      const key = input.value.trim();
      if (dialog.returnValue !== 'save' || !key) return resolve(false);
      sessionStorage.setItem(keyStorageName, key);
      resolve(true);
    }, { once: true });
    dialog.showModal();
  });
  return pendingKey;
}

function authorize(headers) {
  const key = apiKey();
  if (key) headers.set('Authorization', `Bearer ${key}`);
  return headers;
}

function messageFrom(status, body, fallback) {
  const detail = body?.detail || body?.title || fallback || `HTTP ${status}`;
  if (status === 401) return 'This server needs an API key.';
  if (status === 403) return `This API key is not allowed to do that. ${body?.detail ?? ''}`.trim();
  if (status === 0) return 'The server could not be reached.';
  return detail;
}

async function errorFrom(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not a problem body */ }
  return new ApiError(response.status, messageFrom(response.status, body, response.statusText));
}

/** fetch with the API key; a 401 asks for the key and tries again; any other failure throws an ApiError. */
export async function request(path, { method = 'GET', json, accept = 'application/json', signal } = {}) {
  for (;;) {
    const headers = authorize(new Headers({ Accept: accept }));
    const init = { method, headers, signal };
    if (json !== undefined) {
      headers.set('Content-Type', 'application/json');
      init.body = JSON.stringify(json);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      throw new ApiError(0, messageFrom(0));
    }
    if (response.status === 401 && await askForKey()) continue;
    if (!response.ok) throw await errorFrom(response);
    return response;
  }
}

export const getJson = async path => (await request(path)).json();

export async function postJson(path, body, signal) {
  return (await request(path, { method: 'POST', json: body, signal })).json();
}

export const remove = path => request(path, { method: 'DELETE' });

/** Uploads one file; XMLHttpRequest because fetch cannot report upload progress. */
export function upload(index, file, tags, onProgress) {
  return new Promise((resolve, reject) => {
    const send = () => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${indexPath(index)}/documents`);
      authorize({ set: (name, value) => xhr.setRequestHeader(name, value) });
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.addEventListener('progress', e => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
      xhr.addEventListener('load', async () => {
        if (xhr.status === 401 && await askForKey()) return send();
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300) resolve(body);
        else reject(new ApiError(xhr.status, messageFrom(xhr.status, body, xhr.statusText)));
      });
      xhr.addEventListener('error', () => reject(new ApiError(0, messageFrom(0))));
      const form = new FormData();
      form.append('file', file);
      for (const tag of tags) form.append('tags', tag);
      xhr.send(form);
    };
    send();
  });
}

/**
 * Asks with "stream": true (and the conversation's earlier turns as history) and yields the Server-Sent Events as {event, data}: citations, delta…, done.
 * fetch and a stream reader, because EventSource cannot POST.
 */
export async function* askStream(index, question, signal, history = []) {
  const response = await request(`${indexPath(index)}/ask`, {
    method: 'POST', json: { question, top: 5, mode: 'hybrid', stream: true, history }, accept: 'text/event-stream', signal,
  });
  if (!response.headers.get('Content-Type')?.includes('text/event-stream')) {
    yield { event: 'done', data: await response.json() };
    return;
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (event) yield event;
    }
  }
}

function parseEvent(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length ? { event, data: JSON.parse(data.join('\n')) } : null;
}

/** The original file's address; a PDF opens at the page. */
export function fileLink(index, id, fileName, page) {
  const fragment = /\.pdf$/i.test(fileName) && page ? `#page=${page}` : '';
  return `${documentPath(index, id)}/file${fragment}`;
}

// The types the page shows in a tab, and the type it shows each as. A Blob URL shares the page's origin, so
// whatever is shown from one must never be a page or a script: only PDFs and plain text are, and always as what
// they are, never as the type the response names. Everything else is saved as a download.
const shownTypes = new Map([['application/pdf', 'application/pdf'], ['text/plain', 'text/plain; charset=utf-8']]);

/** The file name a response's Content-Disposition gives, or the fallback. */
function fileNameOf(response, fallback) {
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const encoded = /filename\*\s*=\s*UTF-8''([^;\s]+)/i.exec(disposition);
  if (encoded) {
    try { return decodeURIComponent(encoded[1]); } catch { /* not percent-encoded UTF-8 */ }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(disposition);
  return plain ? (plain[1]?.replace(/\\(.)/g, '$1') ?? plain[2].trim()) : fallback;
}

/**
 * Opens a file link. A link cannot carry the key's header, so with a key the file is fetched with it: a PDF or
 * text opens as a Blob URL in a new tab, with the page fragment kept; anything else downloads.
 */
export async function openFile(href) {
  const [path, fragment = ''] = href.split('#');
  // Opened now, while the click still lets the page open a tab; cut off from this page and its key at once.
  const tab = window.open('', '_blank');
  if (tab) {
    tab.opener = null;
    try { tab.sessionStorage.clear(); } catch { /* storage not available to the tab */ }
  }
  try {
    const response = await request(path, { accept: '*/*' });
    const type = response.headers.get('Content-Type')?.split(';')[0].trim().toLowerCase() ?? '';
    const shownAs = shownTypes.get(type);
    const blob = new Blob([await response.arrayBuffer()], { type: shownAs ?? 'application/octet-stream' });
    const objectUrl = URL.createObjectURL(blob);
    // The new tab or the download has it well before then.
    setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
    if (!shownAs) {
      tab?.close();
      const link = Object.assign(document.createElement('a'), {
        href: objectUrl, download: fileNameOf(response, decodeURIComponent(path.split('/').at(-2))), hidden: true,
      });
      document.body.append(link);
      link.click();
      link.remove();
      return;
    }
    const url = objectUrl + (fragment ? `#${fragment}` : '');
    if (tab) tab.location.href = url;
    else window.open(url, '_blank', 'noopener');
  } catch (error) {
    tab?.close();
    throw error;
  }
}
