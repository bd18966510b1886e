// linkly's web front end: sign in, create, list and delete links, and a live
// click feed. Plain DOM: every piece of data goes in through textContent or
// an attribute, never as HTML (the page's CSP forbids inline script anyway).
'use strict';

(() => {
  const PAGE_SIZE = 20;
  const FEED_SIZE = 15;

  const $ = (id) => document.getElementById(id);

  // The token lives in this page's memory only; a reload asks again.
  let token = '';

  // -- API -------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  // Every request carries the token: writes need it, reads accept it too.
  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (err) {
      throw new ApiError(0, 'The server cannot be reached. Is linkly running?');
    }
    if (res.status === 204) return null;
    let data = null;
    try {
      data = await res.json();
    } catch (err) {
      data = null;
    }
    if (!res.ok) {
      const said = data && typeof data.error === 'string' ? data.error : res.statusText;
      throw new ApiError(res.status, describe(res.status, said));
    }
    return data;
  }

  function describe(status, said) {
    const text = said ? said.charAt(0).toUpperCase() + said.slice(1) : `HTTP ${status}`;
    if (status === 401) return `Not signed in: ${said || 'token refused'}.`;
    if (status === 503) return `${text} (the server is busy, try again).`;
    return text.endsWith('.') ? text : `${text}.`;
  }

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

  // POST /login sets the HttpOnly session cookie that EventSource needs.
  async function login(candidate) {
    const headers = {};
    if (candidate) headers.Authorization = `Bearer ${candidate}`;
    let res;
    try {
      res = await fetch('/login', { method: 'POST', headers, credentials: 'same-origin' });
    } catch (err) {
      throw new ApiError(0, 'The server cannot be reached. Is linkly running?');
    }
    if (res.ok) return;
    if (res.status === 401) throw new ApiError(401, 'Wrong token.');
    let said = '';
    try {
      const data = await res.json();
      if (data && typeof data.error === 'string') said = data.error;
    } catch (err) {
      said = '';
    }
    throw new ApiError(res.status, describe(res.status, said || res.statusText));
  }

  async function onLogin(event) {
    event.preventDefault();
    const candidate = $('token').value;
    const out = $('login-error');
    out.hidden = true;
    $('login-submit').disabled = true;
    try {
      await login(candidate);
      token = candidate;
      $('token').value = '';
      $('login-view').hidden = true;
      $('app-view').hidden = false;
      $('logout').hidden = false;
      clearError();
      pages.reset();
      await loadPage();
      feed.synced = false;
      feed.start();
      $('url').focus();
    } catch (err) {
      out.textContent = err.message;
      out.hidden = false;
      $('token').focus();
    } finally {
      $('login-submit').disabled = false;
    }
  }

  function signOut(message) {
    feed.stop();
    token = '';
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
    const body = { url };
    if (code) body.code = code;
    $('create-submit').disabled = true;
    try {
      const link = await api('POST', '/links', body);
      result.append('Short link: ', externalLink(link.short_url), ` \u2192 ${link.url}`);
      $('url').value = '';
      $('code').value = '';
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

  // An <a> to an http(s) url; any other value is shown as text only.
  function externalLink(url) {
    const text = String(url);
    if (!/^https?:\/\//i.test(text)) return document.createTextNode(text);
    const a = document.createElement('a');
    a.href = text;
    a.textContent = text;
    a.rel = 'noopener noreferrer';
    a.target = '_blank';
    return a;
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

  // code -> the cell showing its clicks, for the live feed to bump.
  const clickCells = new Map();

  async function loadPage() {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (pages.current) query.set('after', pages.current);
    let page;
    try {
      page = await api('GET', `/links?${query}`);
    } catch (err) {
      fail(err);
      return;
    }
    pages.next = page.next || null;
    renderLinks(page.links || []);
    $('prev-page').disabled = pages.cursors.length <= 1;
    $('next-page').disabled = !pages.next;
    $('page-label').textContent = `Page ${pages.cursors.length}`;
  }

  function renderLinks(links) {
    clickCells.clear();
    const rows = links.map((link) => {
      const tr = document.createElement('tr');
      tr.dataset.code = link.code;

      const code = document.createElement('td');
      code.className = 'code';
      // The server's short_url, as create shows it: the page's own origin
      // is not the public one behind a proxy.
      code.append(externalLink(link.short_url));
      code.firstChild.textContent = link.code;

      const url = document.createElement('td');
      url.className = 'url';
      url.title = link.url;
      url.textContent = link.url;

      const clicks = document.createElement('td');
      clicks.className = 'num clicks';
      clicks.textContent = typeof link.clicks === 'number' ? String(link.clicks) : '\u2013';
      clickCells.set(link.code, clicks);

      const actions = document.createElement('td');
      actions.className = 'actions';
      const del = document.createElement('button');
      del.type = 'button';
      del.className = 'danger small';
      del.textContent = 'Delete';
      del.setAttribute('aria-label', `Delete ${link.code}`);
      del.addEventListener('click', () => confirmDelete(link.code));
      actions.append(del);

      tr.append(code, url, clicks, actions);
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

  // Resolves true only when the user presses Delete; Cancel and Escape keep it.
  function askDelete(code) {
    const dialog = $('confirm-delete');
    $('confirm-code').textContent = code;
    dialog.returnValue = '';
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
      dialog.showModal();
      $('confirm-cancel').focus();
    });
  }

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
        await login(token);
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
        if (this.synced) await loadPage();
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
    $('token').focus();
  });
})();
