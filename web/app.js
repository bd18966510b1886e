// linkly's web front end: sign in, create, list and delete links, a live
// click feed, and the routes between the list and a link's page
// (link_page.js). ES modules, no build step; plain DOM: every piece of data
// goes in through textContent or an attribute, never as HTML (the page's
// CSP forbids inline script anyway).

import { ApiError, api, login, session } from './api.js';
import { attrsForm } from './attrs_form.js';
import { $, askDelete, externalLink, pageLink, statusBadge, tagChips } from './dom.js';
import { linkPage, onFailure } from './link_page.js';

const PAGE_SIZE = 20;
const FEED_SIZE = 15;

// -- messages --------------------------------------------------------------

function showError(message) {
  const el = $('error');
  el.textContent = message;
  el.hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

// An API failure in words; a refused token sends the user back to sign in.
function fail(err) {
  if (err instanceof ApiError && err.status === 401) {
    signOut('Your session ended or the token was refused: sign in again.');
    return;
  }
  showError(err instanceof Error ? err.message : String(err));
}

// -- sign in ---------------------------------------------------------------

async function onLogin(event) {
  event.preventDefault();
  const candidate = $('token').value;
  const out = $('login-error');
  out.hidden = true;
  $('login-submit').disabled = true;
  try {
    await login(candidate);
  } catch (err) {
    out.textContent = err.message;
    out.hidden = false;
    $('token').focus();
    return;
  } finally {
    $('login-submit').disabled = false;
  }
  session.token = candidate;
  await openApp();
}

// Signed in: the app in place of the form, the current route, the feed.
async function openApp() {
  $('token').value = '';
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  $('logout').hidden = false;
  clearError();
  pages.reset();
  signedIn = true;
  feed.synced = false;
  feed.start();
  await route();
  if (view === 'list') $('url').focus();
}

function signOut(message) {
  feed.stop();
  linkPage.close();
  signedIn = false;
  session.token = '';
  $('app-view').hidden = true;
  $('logout').hidden = true;
  $('login-view').hidden = false;
  $('links-body').replaceChildren();
  clearError();
  const out = $('login-error');
  out.textContent = message || '';
  out.hidden = !message;
  $('token').focus();
}

async function onLogout() {
  try {
    await api('POST', '/logout');
  } catch (err) {
    // Signed out here either way; the cookie expires soon.
  }
  signOut('');
}

// -- create ----------------------------------------------------------------

async function onCreate(event) {
  event.preventDefault();
  const url = $('url').value.trim();
  const code = $('code').value.trim();
  const result = $('create-result');
  result.replaceChildren();
  result.classList.remove('error');
  if (!url) {
    result.textContent = 'Enter the URL to shorten.';
    result.classList.add('error');
    $('url').focus();
    return;
  }
  let attrs;
  try {
    attrs = attrsForm.read($('create-form'));
  } catch (err) {
    result.textContent = err.message;
    result.classList.add('error');
    return;
  }
  const body = { url, ...attrsForm.forCreate(attrs) };
  if (code) body.code = code;
  $('create-submit').disabled = true;
  try {
    const link = await api('POST', '/links', body);
    result.append('Short link: ', externalLink(link.short_url), ` \u2192 ${link.url} `,
      pageLink(link.code, 'Details'));
    $('create-form').reset();
    clearError();
    await loadPage();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return fail(err);
    result.textContent = err.message;
    result.classList.add('error');
  } finally {
    $('create-submit').disabled = false;
  }
}

// -- the list --------------------------------------------------------------

// GET /links pages by cursor: `after` of each page seen, to go back.
const pages = {
  cursors: [''],
  next: null,
  reset() {
    this.cursors = [''];
    this.next = null;
  },
  get current() {
    return this.cursors[this.cursors.length - 1];
  },
};

// The tags the list is filtered by (from the route: #/?tag=a&tag=b).
let listTags = [];

// code -> the cell showing its clicks, for the live feed to bump.
const clickCells = new Map();

async function loadPage() {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (pages.current) query.set('after', pages.current);
  listTags.forEach((tag) => query.append('tag', tag));
  let page;
  try {
    page = await api('GET', `/links?${query}`);
  } catch (err) {
    fail(err);
    return;
  }
  pages.next = page.next || null;
  renderFilter();
  renderLinks(page.links || []);
  $('prev-page').disabled = pages.cursors.length <= 1;
  $('next-page').disabled = !pages.next;
  $('page-label').textContent = `Page ${pages.cursors.length}`;
}

function renderFilter() {
  $('tag-filter').hidden = listTags.length === 0;
  const chips = document.createElement('ul');
  chips.className = 'tags inline';
  chips.append(...tagChips(listTags, (tag) => [tag]));
  $('tag-filter-tags').replaceChildren(chips);
  $('links-empty').textContent = listTags.length ? 'No links with these tags.' : 'No links yet.';
}

function codeCell(link) {
  const td = document.createElement('td');
  td.className = 'code';
  // The server's short_url, as create shows it: the page's own origin
  // is not the public one behind a proxy.
  td.append(externalLink(link.short_url));
  td.firstChild.textContent = link.code;
  return td;
}

// Title (to the link's page), destination and tags.
function linkCell(link) {
  const td = document.createElement('td');
  td.className = 'link';
  if (link.title) {
    const title = pageLink(link.code, link.title);
    title.className = 'link-title';
    td.append(title);
  }
  const url = document.createElement('div');
  url.className = 'url';
  url.title = link.url;
  url.textContent = link.url;
  td.append(url);
  const badge = statusBadge(link);
  if (badge) td.append(badge);
  if (link.tags && link.tags.length) {
    const chips = document.createElement('ul');
    chips.className = 'tags';
    chips.setAttribute('aria-label', 'Tags');
    // A click narrows the list to links that also carry that tag.
    chips.append(...tagChips(link.tags, (tag) => [...new Set([...listTags, tag])]));
    td.append(chips);
  }
  return td;
}

function actionsCell(link) {
  const td = document.createElement('td');
  td.className = 'actions';
  const details = pageLink(link.code, 'Details');
  details.className = 'button quiet small';
  details.setAttribute('aria-label', `Details of ${link.code}`);
  const del = document.createElement('button');
  del.type = 'button';
  del.className = 'danger small';
  del.textContent = 'Delete';
  del.setAttribute('aria-label', `Delete ${link.code}`);
  del.addEventListener('click', () => confirmDelete(link.code));
  td.append(details, del);
  return td;
}

function renderLinks(links) {
  clickCells.clear();
  const rows = links.map((link) => {
    const tr = document.createElement('tr');
    tr.dataset.code = link.code;
    const clicks = document.createElement('td');
    clicks.className = 'num clicks';
    clicks.textContent = typeof link.clicks === 'number' ? String(link.clicks) : '\u2013';
    clickCells.set(link.code, clicks);
    tr.append(codeCell(link), linkCell(link), clicks, actionsCell(link));
    return tr;
  });
  $('links-body').replaceChildren(...rows);
  $('links-empty').hidden = rows.length > 0;
  $('links-table').hidden = rows.length === 0;
}

function bumpClicks(code) {
  const cell = clickCells.get(code);
  if (!cell) return;
  const n = Number.parseInt(cell.textContent, 10);
  if (Number.isFinite(n)) cell.textContent = String(n + 1);
}

// -- delete ----------------------------------------------------------------

async function confirmDelete(code) {
  if (!(await askDelete(code))) return;
  try {
    await api('DELETE', `/links/${encodeURIComponent(code)}`);
    clearError();
  } catch (err) {
    fail(err);
  }
  await loadPage();
  // The last link of a later page is gone: show the page before.
  if ($('links-body').children.length === 0 && pages.cursors.length > 1) {
    pages.cursors.pop();
    await loadPage();
  }
}

// -- routes ----------------------------------------------------------------

// #/links/{code}: a link's page; anything else: the list (#/?tag=a&tag=b).
function parseRoute() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const m = /^\/links\/([^/?]+)$/.exec(hash);
  if (m) return { view: 'link', code: decodeURIComponent(m[1]) };
  const q = hash.indexOf('?');
  const params = new URLSearchParams(q >= 0 ? hash.slice(q + 1) : '');
  return { view: 'list', tags: params.getAll('tag').filter(Boolean) };
}

let signedIn = false;
let view = 'list';

async function route() {
  if (!signedIn) return;
  const where = parseRoute();
  view = where.view;
  $('list-view').hidden = view !== 'list';
  $('link-view').hidden = view !== 'link';
  clearError();
  if (view === 'link') {
    await linkPage.open(where.code);
    return;
  }
  linkPage.close();
  document.title = 'linkly';
  if (where.tags.join('\n') !== listTags.join('\n')) {
    listTags = where.tags;
    pages.reset();
  }
  await loadPage();
}

// -- the live feed ---------------------------------------------------------

// Syncs /clicks/summary, then counts each streamed click once: ids at or
// below the last one seen are repeats. Clicks streamed while the summary
// is on its way wait, so none falls between the two.
const feed = {
  source: null,
  lastId: 0,
  total: 0,
  pending: null,
  retry: null,
  synced: false,

  start() {
    this.stop();
    this.pending = [];
    const source = new EventSource('/clicks/stream');
    this.source = source;
    source.addEventListener('open', () => {
      this.state('live', 'live');
      this.sync();
    });
    source.addEventListener('message', (event) => this.receive(event.data));
    source.addEventListener('error', () => {
      if (source !== this.source) return;
      if (source.readyState === EventSource.CLOSED) {
        // Refused (the session cookie expired, say): sign in again with the
        // token and reopen.
        this.state('reconnecting', 'warn');
        this.retry = setTimeout(() => this.relogin(), 2000);
      } else {
        this.state('reconnecting', 'warn');
        this.pending = [];
      }
    });
  },

  stop() {
    clearTimeout(this.retry);
    if (this.source) this.source.close();
    this.source = null;
    this.state('off', '');
  },

  async relogin() {
    try {
      await login(session.token);
      this.start();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return fail(err);
      this.retry = setTimeout(() => this.relogin(), 5000);
    }
  },

  async sync() {
    const source = this.source;
    try {
      const summary = await api('GET', '/clicks/summary');
      if (source !== this.source) return;
      this.total = Number(summary.total) || 0;
      this.lastId = Math.max(this.lastId, Number(summary.last_id) || 0);
      $('click-total').textContent = String(this.total);
      const waiting = this.pending || [];
      this.pending = null;
      waiting.forEach((click) => this.apply(click));
      // Clicks missed while the stream was down are in the total, not in
      // the list's counts: read those again.
      if (this.synced && view === 'list') await loadPage();
      this.synced = true;
    } catch (err) {
      this.pending = null;
      fail(err);
    }
  },

  receive(data) {
    let click;
    try {
      click = JSON.parse(data);
    } catch (err) {
      return;
    }
    if (!click || typeof click.id !== 'number') return;
    if (this.pending) this.pending.push(click);
    else this.apply(click);
  },

  apply(click) {
    if (click.id <= this.lastId) return;
    this.lastId = click.id;
    this.total += 1;
    $('click-total').textContent = String(this.total);
    bumpClicks(click.code);
    linkPage.clicked(click.code);
    this.show(click);
  },

  show(click) {
    const li = document.createElement('li');
    li.dataset.id = String(click.id);
    const code = document.createElement('span');
    code.className = 'code';
    code.textContent = click.code;
    const time = document.createElement('time');
    const at = new Date(click.clicked_at);
    if (!Number.isNaN(at.getTime())) {
      time.dateTime = at.toISOString();
      time.textContent = at.toLocaleTimeString();
    } else {
      time.textContent = String(click.clicked_at);
    }
    li.append(code, ' ', time);
    const list = $('feed');
    list.prepend(li);
    while (list.children.length > FEED_SIZE) list.lastElementChild.remove();
    $('feed-empty').hidden = true;
  },

  state(text, kind) {
    const badge = $('feed-state');
    badge.textContent = text;
    badge.className = kind ? `badge ${kind}` : 'badge';
  },
};

// -- wiring ----------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  onFailure(fail);
  $('login-form').addEventListener('submit', onLogin);
  $('create-form').addEventListener('submit', onCreate);
  $('logout').addEventListener('click', onLogout);
  $('prev-page').addEventListener('click', async () => {
    if (pages.cursors.length > 1) pages.cursors.pop();
    await loadPage();
  });
  $('next-page').addEventListener('click', async () => {
    if (!pages.next) return;
    pages.cursors.push(pages.next);
    await loadPage();
  });
  $('tag-filter-clear').addEventListener('click', () => {
    location.hash = '#/';
  });
  attrsForm.mount($('create-form'));
  attrsForm.mount($('edit-form'));
  $('edit-form').addEventListener('submit', (event) => linkPage.save(event));
  $('link-delete').addEventListener('click', () => linkPage.remove());
  $('link-qr').addEventListener('load', () => linkPage.onQrLoad());
  $('link-qr').addEventListener('error', () => linkPage.onQrError());
  $('stats-refresh').addEventListener('click', () => linkPage.refresh());
  $('visits-prev').addEventListener('click', () => linkPage.turnVisits(-1));
  $('visits-next').addEventListener('click', () => linkPage.turnVisits(1));
  $('visits-delete').addEventListener('click', () => linkPage.clearVisits());
  $('visits-no-bots').addEventListener('change', () => {
    linkPage.visitsPage = 1;
    linkPage.loadVisits();
  });
  window.addEventListener('hashchange', () => route());
  $('token').focus();
});
