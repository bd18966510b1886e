// Drives linkly's Shlink REST API v3 with the real Shlink JS SDK
// (@shlinkio/shlink-js-sdk, pinned in package-lock.json), once with its
// fetch client and once with its node:http client. Starts nothing: it is
// given a running linkly and its API token (ctest: shlink.sdk, whose
// runner, sdk_runner.cpp, starts `linkly serve`).
//
//   node sdk_test.mjs BASE_URL API_TOKEN [--skip=group,group]
//
// Groups name what an assertion needs beyond the Shlink routes themselves,
// so a partial build can run the rest: attrs (titles, tags, validity, visit
// limits stored on links), bots (clicks flagged as bots), visits (the visits
// routes), keys (several API keys: create and revoke one), recreate (a
// deleted code's new life starts at zero visits). Nothing is skipped by
// default. Exits 0 when every step passed, else prints the failed step and
// exits 1.

import assert from 'node:assert/strict';
import { ShlinkApiClient } from '@shlinkio/shlink-js-sdk';
import { ErrorType } from '@shlinkio/shlink-js-sdk/api-contract';
import { FetchHttpClient } from '@shlinkio/shlink-js-sdk/fetch';
import { NodeHttpClient } from '@shlinkio/shlink-js-sdk/node';

// Visits are counted by an asynchronous projection: waited for, up to this.
const EVENTUALLY_TIMEOUT_MS = 10_000;
const EVENTUALLY_POLL_MS = 50;
// Below ctest's TIMEOUT for the test, so a hang reports where it was.
const RUN_TIMEOUT_MS = 100_000;
// The list test's size: more than two pages of Shlink's default 10.
const PAGED_LINKS = 24;
// A Visit's members, in Shlink's order (an orphan visit adds "type").
const VISIT_MEMBERS = [
  'referer',
  'date',
  'userAgent',
  'visitLocation',
  'potentialBot',
  'visitedUrl',
  'redirectUrl',
];
const BOT_AGENT = 'Googlebot/2.1 (+http://www.google.com/bot.html)';

const [baseUrl, apiKey, ...flags] = process.argv.slice(2);
if (!baseUrl || !apiKey) {
  console.error('usage: node sdk_test.mjs BASE_URL API_TOKEN [--skip=group,...]');
  process.exit(2);
}
const skipped = new Set(
  flags
    .filter((f) => f.startsWith('--skip='))
    .flatMap((f) => f.slice('--skip='.length).split(','))
    .filter(Boolean),
);

let currentStep = 'start';
let steps = 0;
const log = (message) => process.stdout.write(`[sdk_test] ${message}\n`);

async function step(name, groups, fn) {
  const missing = groups.filter((g) => skipped.has(g));
  if (missing.length > 0) {
    log(`skip  ${name} (needs ${missing.join(', ')})`);
    return;
  }
  currentStep = name;
  await fn();
  steps += 1;
  log(`ok    ${name}`);
}

// The problem a rejected SDK call threw, asserted on its type and status.
async function rejectsWith(promise, type, status, extra = {}) {
  let thrown = null;
  try {
    await promise;
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown, `expected a ${type} problem, the call succeeded`);
  assert.equal(thrown.type, type, JSON.stringify(thrown));
  assert.equal(thrown.status, status, JSON.stringify(thrown));
  assert.equal(typeof thrown.title, 'string');
  assert.equal(typeof thrown.detail, 'string');
  for (const [key, value] of Object.entries(extra)) assert.deepEqual(thrown[key], value, key);
  return thrown;
}

async function eventually(what, probe) {
  const deadline = Date.now() + EVENTUALLY_TIMEOUT_MS;
  let last;
  for (;;) {
    last = await probe();
    if (last.done) return last.value;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${EVENTUALLY_TIMEOUT_MS} ms (last: ${last.seen})`);
    }
    await new Promise((r) => setTimeout(r, EVENTUALLY_POLL_MS));
  }
}

// One visit of a short URL, as a browser (or a bot) would make it.
async function visit(shortUrl, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) sdk_test') {
  const res = await fetch(shortUrl, { redirect: 'manual', headers: { 'User-Agent': userAgent } });
  await res.arrayBuffer();
  return res;
}

async function waitForVisits(client, shortCode, total) {
  return eventually(`visitsSummary.total of ${shortCode} = ${total}`, async () => {
    const url = await client.getShortUrl({ shortCode });
    return { done: url.visitsSummary.total === total, value: url, seen: url.visitsSummary.total };
  });
}

async function linklyApi(method, path, body) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function runWith(clientName, httpClient) {
  const client = new ShlinkApiClient(httpClient, { baseUrl, apiKey });
  // Per client, so both runs share one server without meeting.
  const p = `${clientName}-${Date.now().toString(36)}`;
  const at = (name) => `${clientName}: ${name}`;

  await step(at('health'), [], async () => {
    const health = await client.health();
    assert.equal(health.status, 'pass');
    assert.equal(typeof health.version, 'string');
  });

  let generated;
  let slugged;
  await step(at('create without and with a slug'), [], async () => {
    generated = await client.createShortUrl({ longUrl: `https://example.com/${p}/generated` });
    assert.match(generated.shortCode, /^[A-Za-z0-9_-]+$/);
    assert.equal(generated.longUrl, `https://example.com/${p}/generated`);
    assert.equal(generated.shortUrl, `${baseUrl}/s/${generated.shortCode}`);
    assert.deepEqual(generated.visitsSummary, { total: 0, nonBots: 0, bots: 0 });
    assert.deepEqual(generated.meta, { validSince: null, validUntil: null, maxVisits: null });
    assert.equal(generated.domain, null);
    assert.equal(generated.hasRedirectRules, false);
    assert.equal(generated.forwardQuery, true);
    assert.equal(generated.crawlable, false);
    slugged = await client.createShortUrl({
      longUrl: `https://example.com/${p}/slugged`,
      customSlug: `${p}-slug`,
    });
    assert.equal(slugged.shortCode, `${p}-slug`);
    const sized = await client.createShortUrl({
      longUrl: `https://example.com/${p}/sized`,
      shortCodeLength: 9,
    });
    assert.equal(sized.shortCode.length, 9);
  });

  await step(at('a list item is the object create answered'), [], async () => {
    const list = await client.listShortUrls({ searchTerm: `${p}/`, itemsPerPage: -1 });
    const item = list.data.find((u) => u.shortCode === generated.shortCode);
    assert.deepEqual(item, generated);
    assert.deepEqual(
      list.data.find((u) => u.shortCode === slugged.shortCode),
      slugged,
    );
    assert.deepEqual(await client.getShortUrl({ shortCode: slugged.shortCode }), slugged);
  });

  await step(at(`${PAGED_LINKS} creates, then page 3`), [], async () => {
    for (let i = 0; i < PAGED_LINKS; i += 1) {
      const n = String(i).padStart(2, '0');
      await client.createShortUrl({ longUrl: `https://example.com/${p}-paged/${n}` });
    }
    const page = await client.listShortUrls({
      searchTerm: `${p}-paged`,
      page: '3',
      itemsPerPage: 10,
      orderBy: { field: 'longUrl', dir: 'ASC' },
    });
    assert.deepEqual(
      page.data.map((u) => u.longUrl),
      ['20', '21', '22', '23'].map((n) => `https://example.com/${p}-paged/${n}`),
    );
    assert.deepEqual(page.pagination, {
      currentPage: 3,
      pagesCount: 3,
      itemsPerPage: 10,
      itemsInCurrentPage: 4,
      totalItems: PAGED_LINKS,
    });
  });

  await step(at('edit, then the redirect follows the new url'), [], async () => {
    const edited = await client.updateShortUrl(
      { shortCode: slugged.shortCode },
      { longUrl: `https://example.org/${p}/edited` },
    );
    assert.equal(edited.longUrl, `https://example.org/${p}/edited`);
    assert.equal(edited.shortCode, slugged.shortCode);
    const res = await visit(slugged.shortUrl);
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `https://example.org/${p}/edited`);
  });

  await step(at('N redirects, then visitsSummary.total = N'), [], async () => {
    const n = 3;
    for (let i = 0; i < n; i += 1) assert.equal((await visit(generated.shortUrl)).status, 302);
    const url = await waitForVisits(client, generated.shortCode, n);
    assert.equal(url.visitsSummary.nonBots + url.visitsSummary.bots, n);
  });

  await step(at('a bot visit is counted apart'), ['bots'], async () => {
    await visit(generated.shortUrl, BOT_AGENT);
    const url = await waitForVisits(client, generated.shortCode, 4);
    assert.deepEqual(url.visitsSummary, { total: 4, nonBots: 3, bots: 1 });
  });

  await step(at('visits, paginated, newest first, bots apart'), ['visits', 'bots'], async () => {
    // The 3 browser visits and the bot's (newest) of the steps above.
    const first = await client.getShortUrlVisits(
      { shortCode: generated.shortCode },
      { page: 1, itemsPerPage: 3 },
    );
    assert.deepEqual(first.pagination, {
      currentPage: 1,
      pagesCount: 2,
      itemsPerPage: 3,
      itemsInCurrentPage: 3,
      totalItems: 4,
    });
    assert.deepEqual(first.data.map((v) => v.potentialBot), [true, false, false]);
    for (const v of first.data) {
      assert.deepEqual(Object.keys(v), VISIT_MEMBERS);
      assert.match(v.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
      assert.equal(v.redirectUrl, `https://example.com/${p}/generated`);
      assert.equal(v.visitLocation, null);
      assert.equal(v.referer, '');
    }
    assert.equal(first.data[0].userAgent, BOT_AGENT);
    const second = await client.getShortUrlVisits(
      { shortCode: generated.shortCode },
      { page: 2, itemsPerPage: 3 },
    );
    assert.equal(second.pagination.itemsInCurrentPage, 1);
    assert.equal(second.data[0].potentialBot, false);
    const humans = await client.getShortUrlVisits(
      { shortCode: generated.shortCode },
      { excludeBots: true },
    );
    assert.equal(humans.pagination.totalItems, 3);
    assert.ok(humans.data.every((v) => !v.potentialBot));
    const later = await client.getShortUrlVisits(
      { shortCode: generated.shortCode },
      { startDate: '2999-01-01T00:00:00+00:00' },
    );
    assert.deepEqual(later.data, []);
    assert.equal(later.pagination.totalItems, 0);
    await rejectsWith(
      client.getShortUrlVisits({ shortCode: `${p}-missing` }),
      ErrorType.INVALID_SHORTCODE,
      404,
    );
  });

  await step(at('overview, non-orphan and orphan visits'), ['visits', 'bots'], async () => {
    const overview = await client.getVisitsOverview();
    assert.deepEqual(Object.keys(overview), ['nonOrphanVisits', 'orphanVisits']);
    for (const summary of Object.values(overview)) {
      assert.deepEqual(Object.keys(summary), ['total', 'nonBots', 'bots']);
      assert.equal(summary.nonBots + summary.bots, summary.total);
    }
    assert.ok(overview.nonOrphanVisits.bots >= 1, JSON.stringify(overview));
    // Every link's visits hold this run's four of `generated`.
    const all = await client.getNonOrphanVisits({ itemsPerPage: 5000 });
    const ours = all.data.filter((v) => v.redirectUrl === `https://example.com/${p}/generated`);
    assert.equal(ours.length, 4);
    // A redirect miss is an orphan visit, with the url it asked for.
    const missUrl = `${baseUrl}/s/${p}-nowhere`;
    assert.equal((await visit(missUrl)).status, 404);
    const orphan = await eventually('the miss listed as an orphan visit', async () => {
      const list = await client.getOrphanVisits({ type: 'invalid_short_url' });
      const found = list.data.find((v) => v.visitedUrl === missUrl);
      return { done: !!found, value: found, seen: list.pagination.totalItems };
    });
    assert.deepEqual(Object.keys(orphan), [...VISIT_MEMBERS, 'type']);
    assert.equal(orphan.type, 'invalid_short_url');
    assert.equal(orphan.redirectUrl, null);
    const regular = await client.getOrphanVisits({ type: 'regular_404' });
    assert.ok(regular.data.every((v) => v.type === 'regular_404'));
    const after = await client.getVisitsOverview();
    assert.ok(after.orphanVisits.total >= 1, JSON.stringify(after));
    // Deleting visits: Shlink's count, gone at once, a miss is short-url-not-found.
    const cleared = await client.deleteShortUrlVisits({ shortCode: generated.shortCode });
    assert.deepEqual(cleared, { deletedVisits: 4 });
    const emptied = await client.getShortUrl({ shortCode: generated.shortCode });
    assert.deepEqual(emptied.visitsSummary, { total: 0, nonBots: 0, bots: 0 });
    await rejectsWith(client.deleteShortUrlVisits({ shortCode: `${p}-none` }), ErrorType.INVALID_SHORTCODE, 404);
    const orphansGone = await client.deleteOrphanVisits();
    assert.ok(orphansGone.deletedVisits >= 1, JSON.stringify(orphansGone));
    assert.equal((await client.getVisitsOverview()).orphanVisits.total, 0);
  });

  await step(at('tags: create, filter, rename, stats, delete'), ['attrs'], async () => {
    const a = await client.createShortUrl({
      longUrl: `https://example.com/${p}/tagged-a`,
      tags: [`${p}-red`, `${p}-blue`],
      title: 'Tagged A',
    });
    assert.deepEqual(a.tags, [`${p}-blue`, `${p}-red`]);
    assert.equal(a.title, 'Tagged A');
    const b = await client.createShortUrl({
      longUrl: `https://example.com/${p}/tagged-b`,
      tags: [`${p}-red`],
    });
    const codes = (list) => list.data.map((u) => u.shortCode).sort();
    const any = await client.listShortUrls({ tags: [`${p}-red`, `${p}-blue`], tagsMode: 'any' });
    assert.deepEqual(codes(any), [a.shortCode, b.shortCode].sort());
    const all = await client.listShortUrls({ tags: [`${p}-red`, `${p}-blue`], tagsMode: 'all' });
    assert.deepEqual(codes(all), [a.shortCode]);
    await client.editTag({ oldName: `${p}-red`, newName: `${p}-green` });
    assert.deepEqual((await client.getShortUrl({ shortCode: b.shortCode })).tags, [`${p}-green`]);
    const names = (await client.listTags()).data;
    assert.ok(names.includes(`${p}-green`) && !names.includes(`${p}-red`), names.join());
    const stats = (await client.tagsStats()).data.find((t) => t.tag === `${p}-green`);
    assert.equal(stats.shortUrlsCount, 2);
    assert.deepEqual(stats.visitsSummary, { total: 0, nonBots: 0, bots: 0 });
    await rejectsWith(
      client.editTag({ oldName: `${p}-green`, newName: `${p}-blue` }),
      ErrorType.TAG_CONFLICT,
      409,
    );
    await client.deleteTags([`${p}-blue`]);
    assert.deepEqual((await client.getShortUrl({ shortCode: a.shortCode })).tags, [`${p}-green`]);
    const edited = await client.updateShortUrl({ shortCode: a.shortCode }, { title: null, tags: [] });
    assert.equal(edited.title, null);
    assert.deepEqual(edited.tags, []);
  });

  await step(at('the visits of a tag'), ['visits', 'bots', 'attrs'], async () => {
    const tag = `${p}-seen`;
    const one = await client.createShortUrl({ longUrl: `https://example.com/${p}/seen-1`, tags: [tag] });
    const two = await client.createShortUrl({ longUrl: `https://example.com/${p}/seen-2`, tags: [tag] });
    await visit(one.shortUrl);
    await visit(two.shortUrl, BOT_AGENT);
    await visit(two.shortUrl);
    const visits = await eventually(`3 visits of tag ${tag}`, async () => {
      const list = await client.getTagVisits(tag);
      return { done: list.pagination.totalItems === 3, value: list, seen: list.pagination.totalItems };
    });
    // Merged across the links, newest first.
    assert.deepEqual(
      visits.data.map((v) => v.redirectUrl),
      [two.longUrl, two.longUrl, one.longUrl],
    );
    const humans = await client.getTagVisits(tag, { excludeBots: true, itemsPerPage: 1, page: 2 });
    assert.deepEqual(humans.pagination, {
      currentPage: 2,
      pagesCount: 2,
      itemsPerPage: 1,
      itemsInCurrentPage: 1,
      totalItems: 2,
    });
    assert.equal(humans.data[0].redirectUrl, one.longUrl);
    await rejectsWith(client.getTagVisits(`${p}-no-such-tag`), ErrorType.TAG_NOT_FOUND, 404);
  });

  await step(at('expiry and max visits take effect'), ['attrs'], async () => {
    const expired = await client.createShortUrl({
      longUrl: `https://example.com/${p}/expired`,
      validUntil: '2001-01-01T00:00:00+00:00',
    });
    assert.equal(expired.meta.validUntil, '2001-01-01T00:00:00+00:00');
    assert.equal((await visit(expired.shortUrl)).status, 404);
    const future = await client.createShortUrl({
      longUrl: `https://example.com/${p}/future`,
      validSince: '2999-01-01T00:00:00Z',
    });
    assert.equal((await visit(future.shortUrl)).status, 404);
    const once = await client.createShortUrl({
      longUrl: `https://example.com/${p}/once`,
      maxVisits: 1,
    });
    assert.equal(once.meta.maxVisits, 1);
    assert.equal((await visit(once.shortUrl)).status, 302);
    await eventually('the visit limit closes the link', async () => {
      const status = (await visit(once.shortUrl)).status;
      return { done: status === 404, value: status, seen: status };
    });
    const reopened = await client.updateShortUrl({ shortCode: once.shortCode }, { maxVisits: null });
    assert.equal(reopened.meta.maxVisits, null);
    assert.equal((await visit(once.shortUrl)).status, 302);
  });

  await step(at('one default domain'), [], async () => {
    const domains = await client.listDomains();
    assert.equal(domains.data.length, 1);
    assert.equal(domains.data[0].domain, new URL(baseUrl).host);
    assert.equal(domains.data[0].isDefault, true);
    const none = { baseUrlRedirect: null, regular404Redirect: null, invalidShortUrlRedirect: null };
    assert.deepEqual(domains.data[0].redirects, none);
    assert.deepEqual(domains.defaultRedirects, none);
    const rules = await client.getShortUrlRedirectRules({ shortCode: slugged.shortCode });
    assert.deepEqual(rules, { defaultLongUrl: `https://example.org/${p}/edited`, redirectRules: [] });
  });

  await step(at('every error case, by its type'), [], async () => {
    await rejectsWith(client.createShortUrl({ longUrl: 'javascript:alert(1)' }), ErrorType.INVALID_ARGUMENT, 400, {
      invalidElements: ['longUrl'],
    });
    await rejectsWith(
      client.createShortUrl({ longUrl: 'https://example.com/x', maxVisits: -3 }),
      ErrorType.INVALID_ARGUMENT,
      400,
      { invalidElements: ['maxVisits'] },
    );
    await rejectsWith(
      client.createShortUrl({ longUrl: 'https://example.com/x', customSlug: slugged.shortCode }),
      ErrorType.INVALID_SLUG,
      400,
      { customSlug: slugged.shortCode },
    );
    const missing = `${p}-missing`;
    await rejectsWith(client.getShortUrl({ shortCode: missing }), ErrorType.INVALID_SHORTCODE, 404, {
      shortCode: missing,
    });
    await rejectsWith(
      client.updateShortUrl({ shortCode: missing }, { title: 'x' }),
      ErrorType.INVALID_SHORTCODE,
      404,
    );
    await rejectsWith(client.deleteShortUrl({ shortCode: missing }), ErrorType.INVALID_SHORTCODE, 404);
    await rejectsWith(
      client.editTag({ oldName: `${p}-never`, newName: `${p}-other` }),
      ErrorType.TAG_NOT_FOUND,
      404,
    );
    await rejectsWith(client.mercureInfo(), ErrorType.MERCURE_NOT_CONFIGURED, 501);
    await rejectsWith(
      client.editDomainRedirects({ domain: 'elsewhere.example', baseUrlRedirect: 'https://e.com' }),
      ErrorType.DOMAIN_NOT_FOUND,
      404,
    );
    await rejectsWith(
      client.listShortUrls({ orderBy: { field: 'nonsense', dir: 'ASC' } }),
      ErrorType.INVALID_ARGUMENT,
      400,
      { invalidElements: ['orderBy'] },
    );
  });

  await step(at('wrong and missing keys'), [], async () => {
    const wrong = new ShlinkApiClient(httpClient, { baseUrl, apiKey: `${apiKey}-wrong` });
    await rejectsWith(wrong.listShortUrls(), ErrorType.INVALID_API_KEY, 401);
    await rejectsWith(wrong.createShortUrl({ longUrl: 'https://example.com/no' }), ErrorType.INVALID_API_KEY, 401);
    const none = new ShlinkApiClient(httpClient, { baseUrl, apiKey: '' });
    await rejectsWith(none.listTags(), ErrorType.INVALID_AUTHORIZATION, 401);
  });

  await step(at('a revoked key stops working at once'), ['keys'], async () => {
    const name = `sdk-${p}`.slice(0, 64);
    const created = await linklyApi('POST', '/api-keys', { name });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const keyed = new ShlinkApiClient(httpClient, { baseUrl, apiKey: created.body.key });
    await keyed.listTags();
    assert.equal((await linklyApi('DELETE', `/api-keys/${name}`)).status, 204);
    await rejectsWith(keyed.listTags(), ErrorType.INVALID_API_KEY, 401);
  });

  await step(at('delete, get after delete, 404'), [], async () => {
    await client.deleteShortUrl({ shortCode: generated.shortCode });
    await rejectsWith(client.getShortUrl({ shortCode: generated.shortCode }), ErrorType.INVALID_SHORTCODE, 404);
    assert.equal((await visit(generated.shortUrl)).status, 404);
  });

  await step(at('re-created, a code starts at zero visits'), ['recreate'], async () => {
    const again = await client.createShortUrl({
      longUrl: `https://example.com/${p}/again`,
      customSlug: generated.shortCode,
    });
    assert.equal(again.shortCode, generated.shortCode);
    assert.deepEqual(again.visitsSummary, { total: 0, nonBots: 0, bots: 0 });
    await visit(again.shortUrl);
    await waitForVisits(client, again.shortCode, 1);
  });

  await step(at("a new life lists its own visits only"), ['recreate', 'visits'], async () => {
    const list = await client.getShortUrlVisits({ shortCode: generated.shortCode });
    assert.equal(list.pagination.totalItems, 1);
    assert.equal(list.data[0].redirectUrl, `https://example.com/${p}/again`);
  });
}

const overrun = setTimeout(() => {
  console.error(`[sdk_test] FAILED: the run took over ${RUN_TIMEOUT_MS} ms (at: ${currentStep})`);
  process.exit(1);
}, RUN_TIMEOUT_MS);

try {
  await runWith('fetch', new FetchHttpClient());
  await runWith('node', new NodeHttpClient());
  clearTimeout(overrun);
  log(`passed: ${steps} steps${skipped.size ? `, skipped groups: ${[...skipped].join(', ')}` : ''}`);
} catch (error) {
  clearTimeout(overrun);
  console.error(`[sdk_test] FAILED at: ${currentStep}`);
  console.error(error && error.stack ? error.stack : JSON.stringify(error));
  process.exit(1);
}
