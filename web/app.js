// linkly's web front end: sign in, create, list, edit and delete links, a
// live click feed, and a page per link (#/links/{code}) with its QR code,
// charts of its clicks (charts.js) and its visit log. Plain DOM: every piece of data goes in through textContent or
// an attribute, never as HTML (the page's CSP forbids inline script anyway).
'use strict';

(() => {
  const PAGE_SIZE = 20;
  const FEED_SIZE = 15;
  const VISITS_PAGE_SIZE = 20;
  // A link's page reloads its stats at most this often while clicks stream
  // in (ms): a burst of clicks is one request, not one each.
  const STATS_REFRESH_MS = 1500;

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
      signedIn = true;
      await route();
      feed.synced = false;
      feed.start();
      if (view === 'list') $('url').focus();
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
    linkPage.close();
    signedIn = false;
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

  // -- link attributes (the create and the edit form) ------------------------

  // A new link's attributes when a request names none (PLAN: the API's
  // defaults), so create sends only what the user changed.
  const DEFAULT_ATTRS = {
    title: null,
    tags: [],
    valid_since: null,
    valid_until: null,
    max_visits: null,
    forward_query: true,
    crawlable: false,
  };

  function field(form, name) {
    return form.elements.namedItem(name);
  }

  // "a, b,,a " -> ["a", "b"]: the order typed, each once.
  function parseTags(text) {
    const tags = text.split(',').map((t) => t.trim()).filter(Boolean);
    return [...new Set(tags)];
  }

  // A datetime-local value (the user's time zone) as RFC 3339 UTC, or null.
  function toRfc3339(local) {
    if (!local) return null;
    const at = new Date(local);
    if (Number.isNaN(at.getTime())) throw new Error(`Not a date and time: ${local}.`);
    return at.toISOString();
  }

  // An ISO time as a datetime-local value in the user's time zone ("" for none).
  function toLocalInput(iso) {
    if (!iso) return '';
    const at = new Date(iso);
    if (Number.isNaN(at.getTime())) return '';
    const pad = (n) => String(n).padStart(2, '0');
    return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}` +
      `T${pad(at.getHours())}:${pad(at.getMinutes())}`;
  }

  // Equal as the form can tell: times to the minute, tags as a set.
  function sameAttr(key, a, b) {
    if (key === 'tags') return [...(a || [])].sort().join('\n') === [...(b || [])].sort().join('\n');
    if (key === 'valid_since' || key === 'valid_until') {
      return (a ? a.slice(0, 16) : null) === (b ? new Date(b).toISOString().slice(0, 16) : null);
    }
    return (a ?? null) === (b ?? null);
  }

  const attrsForm = {
    // Puts the fields (a <template> in index.html) into the form.
    mount(form) {
      form.querySelector('.attr-slot').replaceChildren($('attr-fields').content.cloneNode(true));
    },

    // The form's values under the API's names; throws an Error in words for
    // what the server would refuse anyway.
    read(form) {
      const maxText = field(form, 'max_visits').value.trim();
      const max = maxText ? Number(maxText) : null;
      if (max !== null && (!Number.isInteger(max) || max < 1)) {
        throw new Error('Max visits must be a whole number, at least 1.');
      }
      const since = toRfc3339(field(form, 'valid_since').value);
      const until = toRfc3339(field(form, 'valid_until').value);
      if (since && until && since > until) {
        throw new Error('"Valid from" must not be after "Valid until".');
      }
      return {
        title: field(form, 'title').value.trim() || null,
        tags: parseTags(field(form, 'tags').value),
        valid_since: since,
        valid_until: until,
        max_visits: max,
        forward_query: field(form, 'forward_query').checked,
        crawlable: field(form, 'crawlable').checked,
      };
    },

    // The fields that differ from `base` (null clears one; tags [] clears).
    changes(attrs, base) {
      const body = {};
      for (const [key, value] of Object.entries(attrs)) {
        if (!sameAttr(key, value, base[key] ?? DEFAULT_ATTRS[key])) body[key] = value;
      }
      return body;
    },

    forCreate(attrs) {
      return this.changes(attrs, DEFAULT_ATTRS);
    },

    fill(form, link) {
      field(form, 'title').value = link.title || '';
      field(form, 'tags').value = (link.tags || []).join(', ');
      field(form, 'valid_since').value = toLocalInput(link.valid_since);
      field(form, 'valid_until').value = toLocalInput(link.valid_until);
      field(form, 'max_visits').value = link.max_visits == null ? '' : String(link.max_visits);
      field(form, 'forward_query').checked = link.forward_query !== false;
      field(form, 'crawlable').checked = link.crawlable === true;
    },
  };

  // -- small pieces of page ---------------------------------------------------

  function pageHref(code) {
    return `#/links/${encodeURIComponent(code)}`;
  }

  function pageLink(code, text) {
    const a = document.createElement('a');
    a.href = pageHref(code);
    a.textContent = text;
    return a;
  }

  function tagsHref(tags) {
    const query = new URLSearchParams();
    tags.forEach((t) => query.append('tag', t));
    return `#/?${query}`;
  }

  // Chips linking to the list filtered by `hrefTags(tag)`.
  function tagChips(tags, hrefTags) {
    return (tags || []).map((tag) => {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.className = 'tag';
      a.href = tagsHref(hrefTags(tag));
      a.textContent = tag;
      a.title = `Links tagged ${tag}`;
      li.append(a);
      return li;
    });
  }

  function formatTime(iso) {
    const at = new Date(iso);
    if (Number.isNaN(at.getTime())) return String(iso);
    return at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }

  // Why the link does not redirect now, as the server decides it, or "".
  function unavailableReason(link, nowMs = Date.now()) {
    if (link.valid_since && Date.parse(link.valid_since) > nowMs) return 'not valid yet';
    if (link.valid_until && Date.parse(link.valid_until) < nowMs) return 'expired';
    const visits = link.visits && typeof link.visits.total === 'number' ? link.visits.total : null;
    if (link.max_visits != null && visits !== null && visits >= link.max_visits) {
      return 'visit limit reached';
    }
    return '';
  }

  function statusBadge(link) {
    const reason = unavailableReason(link);
    if (!reason) return null;
    const badge = document.createElement('span');
    badge.className = 'badge warn';
    badge.textContent = reason;
    badge.title = 'This link does not redirect now';
    return badge;
  }

  function timeElement(iso) {
    const time = document.createElement('time');
    const at = new Date(iso);
    if (!Number.isNaN(at.getTime())) time.dateTime = at.toISOString();
    time.textContent = formatTime(iso);
    return time;
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

  // -- a link's page -----------------------------------------------------------

  function countryName(code) {
    if (code === 'unknown') return 'Unknown';
    try {
      const names = new Intl.DisplayNames(undefined, { type: 'region' });
      return `${names.of(code)} (${code})`;
    } catch (err) {
      return code;
    }
  }

  function referrerName(host) {
    const names = { direct: 'Direct (no referrer)', unknown: 'Unknown', other: 'Other sites' };
    return names[host] || host;
  }

  // A route another part of the server may not offer: the reason in words.
  function unavailable(err, what) {
    if (err instanceof ApiError && err.status === 404) return `${what}: this server does not offer it (404).`;
    if (err instanceof ApiError && err.status === 503) return `${what} unavailable: ${err.message}`;
    return `${what}: ${err.message}`;
  }

  function definition(term, value) {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.append(value);
    return [dt, dd];
  }

  function attributeList(link) {
    const none = '\u2013';
    const rows = [
      ['Code', link.code],
      ['Created', link.created_at ? timeElement(link.created_at) : none],
      ['Valid from', link.valid_since ? timeElement(link.valid_since) : 'always'],
      ['Valid until', link.valid_until ? timeElement(link.valid_until) : 'no end'],
      ['Max visits', link.max_visits == null ? 'no limit' : String(link.max_visits)],
      ['Query string', link.forward_query === false ? 'dropped' : 'forwarded'],
      ['Crawlable', link.crawlable ? 'yes' : 'no'],
    ];
    if (link.updated_at && link.updated_at !== link.created_at) {
      rows.splice(2, 0, ['Updated', timeElement(link.updated_at)]);
    }
    return rows.flatMap(([term, value]) => definition(term, value));
  }

  function setText(id, value) {
    $(id).textContent = value === undefined || value === null ? '\u2013' : String(value);
  }

  const linkPage = {
    code: null,
    link: null,
    // Bumped on each open: answers for a page left meanwhile are dropped.
    generation: 0,
    visitsPage: 1,
    refreshTimer: null,

    async open(code) {
      this.close();
      const generation = this.generation;
      this.code = code;
      this.visitsPage = 1;
      this.reset();
      const link = await this.loadLink(generation);
      if (!link) return;
      $('link-heading').focus();
      await Promise.all([this.loadStats(generation), this.loadVisits(generation)]);
    },

    close() {
      clearTimeout(this.refreshTimer);
      this.refreshTimer = null;
      this.generation += 1;
      this.code = null;
      this.link = null;
    },

    current(generation) {
      return generation === this.generation;
    },

    reset() {
      $('link-error').hidden = true;
      $('link-body').hidden = true;
      $('link-heading').textContent = this.code;
      ['sum-total', 'sum-people', 'sum-bots'].forEach((id) => setText(id, null));
      ['chart-days', 'chart-countries', 'chart-referrers', 'chart-bots', 'visits-body']
        .forEach((id) => $(id).replaceChildren());
      $('stats-note').textContent = '';
      $('visits-note').textContent = '';
      $('edit-result').textContent = '';
      $('link-qr').hidden = true;
      $('link-qr').removeAttribute('src');
    },

    problem(message) {
      $('link-error').textContent = message;
      $('link-error').hidden = false;
    },

    async loadLink(generation) {
      let link;
      try {
        link = await api('GET', `/links/${encodeURIComponent(this.code)}`);
      } catch (err) {
        if (!this.current(generation)) return null;
        if (err instanceof ApiError && err.status === 401) return fail(err);
        this.problem(err.status === 404 ? `No link "${this.code}": it was never made or was deleted.`
          : err.message);
        return null;
      }
      if (!this.current(generation)) return null;
      this.link = link;
      this.render(link);
      return link;
    },

    render(link) {
      $('link-body').hidden = false;
      $('link-heading').textContent = link.title || link.code;
      const badge = statusBadge(link);
      if (badge) $('link-heading').append(' ', badge);
      document.title = `${link.title || link.code} \u00b7 linkly`;
      const short = $('link-short');
      short.href = /^https?:\/\//i.test(link.short_url) ? link.short_url : '#';
      short.textContent = link.short_url;
      $('link-target').textContent = link.url;
      $('link-tags').replaceChildren(...tagChips(link.tags, (tag) => [tag]));
      $('link-tags').hidden = !(link.tags && link.tags.length);
      $('link-attrs').replaceChildren(...attributeList(link));
      this.showQr(link);
      $('edit-url').value = link.url;
      attrsForm.fill($('edit-form'), link);
    },

    // The QR route is public like redirects: a plain <img> may load it.
    showQr(link) {
      const img = $('link-qr');
      const src = `/s/${encodeURIComponent(link.code)}/qr-code?format=svg`;
      img.alt = `QR code for ${link.short_url}`;
      $('link-qr-caption').textContent = 'Loading the QR code\u2026';
      if (img.getAttribute('src') !== src) img.src = src;
    },

    onQrLoad() {
      $('link-qr').hidden = false;
      const caption = $('link-qr-caption');
      caption.textContent = 'Scan to open the short link. ';
      const png = document.createElement('a');
      png.href = `/s/${encodeURIComponent(this.code)}/qr-code?format=png&size=600`;
      png.download = `${this.code}-qr.png`;
      png.textContent = 'Download PNG';
      caption.append(png);
    },

    onQrError() {
      $('link-qr').hidden = true;
      $('link-qr-caption').textContent = 'No QR code: this server does not offer one.';
    },

    async loadStats(generation = this.generation) {
      let stats;
      try {
        stats = await api('GET', `/links/${encodeURIComponent(this.code)}/stats`);
      } catch (err) {
        if (!this.current(generation)) return;
        if (err instanceof ApiError && err.status === 401) return fail(err);
        $('stats-note').textContent = unavailable(err, 'Click statistics');
        return;
      }
      if (this.current(generation)) this.renderStats(stats);
    },

    renderStats(stats) {
      const charts = window.LinklyCharts;
      const bots = typeof stats.bots === 'number' ? stats.bots : null;
      const people = typeof stats.non_bots === 'number' ? stats.non_bots : null;
      setText('sum-total', stats.total);
      setText('sum-people', people);
      setText('sum-bots', bots);
      charts.dayBars($('chart-days'), stats.by_day);
      charts.topBars($('chart-countries'), stats.by_country, 'countries', countryName);
      charts.topBars($('chart-referrers'), stats.by_referrer, 'referrers', referrerName);
      if (bots === null || people === null) {
        const p = document.createElement('p');
        p.className = 'hint chart-empty';
        p.textContent = 'This server does not tell bots apart.';
        $('chart-bots').replaceChildren(p);
      } else {
        charts.split($('chart-bots'), [
          { name: 'People', count: people, kind: 'people' },
          { name: 'Bots', count: bots, kind: 'bots' },
        ]);
      }
      $('stats-note').textContent = statsNote(stats);
    },

    async loadVisits(generation = this.generation) {
      const query = new URLSearchParams({
        page: String(this.visitsPage),
        per_page: String(VISITS_PAGE_SIZE),
        exclude_bots: String($('visits-no-bots').checked),
      });
      let answer;
      try {
        answer = await api('GET', `/links/${encodeURIComponent(this.code)}/visits?${query}`);
      } catch (err) {
        if (!this.current(generation)) return;
        if (err instanceof ApiError && err.status === 401) return fail(err);
        $('visits-note').textContent = unavailable(err, 'The visit log');
        $('visits-table').hidden = true;
        $('visits-prev').disabled = true;
        $('visits-next').disabled = true;
        return;
      }
      if (this.current(generation)) this.renderVisits(answer);
    },

    renderVisits(answer) {
      const visits = Array.isArray(answer.visits) ? answer.visits : [];
      $('visits-body').replaceChildren(...visits.map(visitRow));
      $('visits-table').hidden = visits.length === 0;
      const pagesCount = Math.max(1, Number(answer.pages) || 1);
      const total = Number(answer.total) || 0;
      $('visits-note').textContent = total === 0 ? 'No visits yet.' : '';
      $('visits-page').textContent = `Page ${this.visitsPage} of ${pagesCount} \u00b7 ${total} visits`;
      $('visits-prev').disabled = this.visitsPage <= 1;
      $('visits-next').disabled = this.visitsPage >= pagesCount;
    },

    async turnVisits(delta) {
      this.visitsPage = Math.max(1, this.visitsPage + delta);
      await this.loadVisits();
    },

    // A click on this link streamed in: one reload of stats (and of the
    // newest visits) per STATS_REFRESH_MS however many arrive.
    clicked(code) {
      if (code !== this.code || this.refreshTimer) return;
      this.refreshTimer = setTimeout(() => {
        this.refreshTimer = null;
        this.refresh();
      }, STATS_REFRESH_MS);
    },

    async refresh() {
      if (!this.code) return;
      const generation = this.generation;
      await Promise.all([
        this.loadStats(generation),
        this.visitsPage === 1 ? this.loadVisits(generation) : null,
      ]);
    },

    async save(event) {
      event.preventDefault();
      const out = $('edit-result');
      out.classList.remove('error');
      let patch;
      try {
        patch = attrsForm.changes(attrsForm.read($('edit-form')), this.link);
      } catch (err) {
        out.textContent = err.message;
        out.classList.add('error');
        return;
      }
      const url = $('edit-url').value.trim();
      if (url && url !== this.link.url) patch.url = url;
      if (Object.keys(patch).length === 0) {
        out.textContent = 'Nothing to change.';
        return;
      }
      await this.put(patch);
    },

    async put(patch) {
      const out = $('edit-result');
      $('edit-submit').disabled = true;
      try {
        await api('PUT', `/links/${encodeURIComponent(this.code)}`, patch);
        // Read it again: the answer to PUT may not carry every field.
        await this.loadLink(this.generation);
        out.textContent = 'Saved.';
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return fail(err);
        out.textContent = err.message;
        out.classList.add('error');
      } finally {
        $('edit-submit').disabled = false;
      }
    },

    async remove() {
      const code = this.code;
      if (!code || !(await askDelete(code))) return;
      try {
        await api('DELETE', `/links/${encodeURIComponent(code)}`);
        location.hash = '#/';
      } catch (err) {
        fail(err);
      }
    },
  };

  function statsNote(stats) {
    const notes = [];
    const clicks = stats.freshness && stats.freshness.clicks;
    const behind = clicks ? Number(clicks.head) - Number(clicks.checkpoint) : 0;
    if (behind > 0) notes.push(`${behind} newest clicks are not counted yet: refresh in a moment.`);
    if (stats.truncated) notes.push('A list was cut at its first 1000 entries.');
    return notes.join(' ');
  }

  function visitRow(visit) {
    const tr = document.createElement('tr');
    const cells = [
      timeElement(visit.at),
      visit.referrer || 'direct',
      visit.country || '\u2013',
      visit.user_agent || '\u2013',
      visit.potential_bot ? 'bot' : '',
    ];
    cells.forEach((value, i) => {
      const td = document.createElement('td');
      td.append(value);
      if (i === 1 || i === 3) {
        td.className = 'clip';
        td.title = typeof value === 'string' ? value : '';
      }
      tr.append(td);
    });
    if (visit.potential_bot) tr.classList.add('bot');
    return tr;
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
    $('visits-no-bots').addEventListener('change', () => {
      linkPage.visitsPage = 1;
      linkPage.loadVisits();
    });
    window.addEventListener('hashchange', () => route());
    $('token').focus();
  });
})();
