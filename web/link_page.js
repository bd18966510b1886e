// A link's page (#/links/{code}): its attributes and edit form, its QR
// code, its visits in numbers and charts (charts.js), and its visit log.
// Routes that this server may not offer (QR, visits) are said so in words.

import { ApiError, api } from './api.js';
import { attrsForm } from './attrs_form.js';
import * as charts from './charts.js';
import { $, askDelete, statusBadge, tagChips, timeElement } from './dom.js';

const VISITS_PAGE_SIZE = 20;
// A link's page reloads its stats at most this often while clicks stream
// in (ms): a burst of clicks is one request, not one each.
const STATS_REFRESH_MS = 1500;

// How an API failure is shown (app.js: a refused token signs out).
let reportFailure = (err) => {
  throw err;
};

export function onFailure(handler) {
  reportFailure = handler;
}

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
  if (err instanceof ApiError && err.status === 404) {
    return `${what}: this server does not offer it (404).`;
  }
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

export const linkPage = {
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
      if (err instanceof ApiError && err.status === 401) return reportFailure(err);
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
      if (err instanceof ApiError && err.status === 401) return reportFailure(err);
      $('stats-note').textContent = unavailable(err, 'Click statistics');
      return;
    }
    if (this.current(generation)) this.renderStats(stats);
  },

  renderStats(stats) {
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
      if (err instanceof ApiError && err.status === 401) return reportFailure(err);
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
    const label = `Page ${this.visitsPage} of ${pagesCount} \u00b7 ${total} visits`;
    $('visits-page').textContent = label;
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
      if (err instanceof ApiError && err.status === 401) return reportFailure(err);
      out.textContent = err.message;
      out.classList.add('error');
    } finally {
      $('edit-submit').disabled = false;
    }
  },

  // Forgets the current incarnation's visits (DELETE /links/{code}/visits):
  // its counts and charts start again from zero.
  async clearVisits() {
    const code = this.code;
    const question = `Delete every visit of ${code} so far? Its counts start again from zero.`;
    if (!code || !window.confirm(question)) return;
    try {
      const answer = await api('DELETE', `/links/${encodeURIComponent(code)}/visits`);
      this.visitsPage = 1;
      await this.refresh();
      $('visits-note').textContent = `${answer.deleted_visits} visits deleted.`;
    } catch (err) {
      reportFailure(err);
    }
  },

  async remove() {
    const code = this.code;
    if (!code || !(await askDelete(code))) return;
    try {
      await api('DELETE', `/links/${encodeURIComponent(code)}`);
      location.hash = '#/';
    } catch (err) {
      reportFailure(err);
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
