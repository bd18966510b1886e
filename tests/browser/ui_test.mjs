// Drives linkly's web front end in a real browser: a real `linkly serve`
// (LINKLY_BIN) with an API token, and Debian's Chromium through
// playwright-core. Signs in, creates a link (the list links the same
// short url as create), follows it from a second page,
// waits for the click in the live feed, cancels then confirms a delete,
// pages through the list. Then a link with a title and tags: its page, its
// QR code, a few clicks sent from here and the charts showing them, its
// visit log, an edit; and saves screenshots of the list and of that page.
//
//   LINKLY_BIN=build/app/linkly node ui_test.mjs [screenshot.png]
//
// Some steps need server features that are not in every build: a step
// marked [needs X] is skipped when X is named in LINKLY_UI_TEST_WITHOUT
// (comma-separated), and the steps marked [without X] then check that the
// page says so instead of breaking:
//   attributes  POST/PUT /links store title, tags, valid_*, max_visits...;
//               GET /links?tag= filters
//   qr          GET /s/{code}/qr-code
//   visits      bot counts in GET /links/{code}/stats, GET /links/{code}/visits
//
// Exits 0 when every step passed; otherwise prints the failed step, the
// reason and linkly's output, and exits 1. linkly and the browser are
// always stopped, also on failure or when the whole run overruns.

import { spawn } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.LINKLY_CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT_MS = 15_000;
const START_TIMEOUT_MS = 20_000;
const RUN_TIMEOUT_MS = 100_000; // below ctest's TIMEOUT, so cleanup still runs

const bin = process.env.LINKLY_BIN;
const screenshotPath = path.resolve(
  process.argv[2] || process.env.LINKLY_SCREENSHOT || 'linkly-ui.png',
);
// The list's screenshot beside the link page's: browser-ui-list.png.
const listScreenshotPath = screenshotPath.replace(/(\.png)?$/, '-list.png');
const FEATURES = ['attributes', 'qr', 'visits'];
const without = new Set(
  (process.env.LINKLY_UI_TEST_WITHOUT || '').split(',').map((f) => f.trim()).filter(Boolean),
);
// 32 characters of randomness: the server refuses writes without it.
const token = randomBytes(24).toString('base64url');

let server = null;
let browser = null;
let dataDir = null;
const serverLines = [];
let currentStep = 'starting linkly';

function log(message) {
  process.stdout.write(`[ui_test] ${message}\n`);
}

// -- linkly ------------------------------------------------------------------

function startServer() {
  dataDir = mkdtempSync(path.join(tmpdir(), 'linkly-ui-'));
  const child = spawn(bin, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0'], {
    env: { ...process.env, LINKLY_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`linkly did not log its port within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        serverLines.push(line);
        const m = /linkly listening on http:\/\/([^\s/]+):(\d+)/.exec(line);
        if (m && m[2] !== '0') {
          clearTimeout(timer);
          resolve(Number(m[2]));
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${bin}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`linkly exited before listening (code ${code}, signal ${signal})`));
    });
  });
}

async function stopServer() {
  const child = server;
  server = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function cleanup() {
  const b = browser;
  browser = null;
  if (b) {
    await Promise.race([b.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
  }
  await stopServer();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = null;
}

// -- checks ------------------------------------------------------------------

async function step(name, fn) {
  currentStep = name;
  const started = Date.now();
  await fn();
  log(`ok   ${name} (${Date.now() - started} ms)`);
}

// A step that needs `feature` of the server: skipped when it is left out.
async function stepNeeding(feature, name, fn) {
  if (without.has(feature)) {
    log(`skip ${name} [needs ${feature}]`);
    return;
  }
  await step(`${name} [needs ${feature}]`, fn);
}

// A step checking how the page copes when `feature` is left out.
async function stepWithout(feature, name, fn) {
  if (without.has(feature)) await step(`${name} [without ${feature}]`, fn);
}

// Bounded wait for an API condition the page cannot signal (a projection
// catching up): `probe` is asked again until it answers truthy.
async function until(what, probe) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// One GET of a short link from Node (not the browser), redirect not
// followed; resolves to the status.
function follow(url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.setTimeout(STEP_TIMEOUT_MS, () => req.destroy(new Error(`GET ${url} timed out`)));
  });
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function textOf(page, selector) {
  return (await page.locator(selector).first().textContent({ timeout: STEP_TIMEOUT_MS })) ?? '';
}

// Waits until the cell of `code`'s clicks shows `expected`.
async function waitForClicks(page, code, expected) {
  await page.waitForFunction(
    ([c, n]) => {
      const row = [...document.querySelectorAll('#links-body tr')].find(
        (tr) => tr.dataset.code === c,
      );
      return row !== undefined && row.querySelector('.clicks').textContent === n;
    },
    [code, String(expected)],
    { timeout: STEP_TIMEOUT_MS },
  );
}

// -- the run -----------------------------------------------------------------

async function run() {
  check(bin, 'LINKLY_BIN is not set (the path of the linkly binary)');
  const port = await startServer();
  const base = `http://127.0.0.1:${port}`;
  log(`linkly on ${base}`);

  currentStep = 'launching Chromium';
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // A fixed zone, so the datetime-local fields' conversion to UTC is known.
  const context = await browser.newContext({
    viewport: { width: 1200, height: 860 },
    timezoneId: 'Europe/Berlin',
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`uncaught error: ${err.message}`));
  page.on('console', (msg) => {
    // A refused request (the wrong token, on purpose) logs an error too;
    // what must never happen is a blocked script, style or request.
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  const auth = { Authorization: `Bearer ${token}` };
  const code = 'ui-test';

  await step('the page loads with its script and style', async () => {
    const res = await page.goto(`${base}/`);
    check(res && res.status() === 200, `GET / answered ${res && res.status()}`);
    check(
      (res.headers()['content-security-policy'] || '').includes("script-src 'self'"),
      'GET / has no Content-Security-Policy',
    );
    await page.locator('#token').waitFor({ state: 'visible' });
    const color = await page.locator('button[type=submit]').first()
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    check(color !== 'rgba(0, 0, 0, 0)', 'style.css was not applied');
  });

  await step('a wrong token is refused in words', async () => {
    await page.fill('#token', 'not-the-token');
    await page.click('#login-submit');
    await page.locator('#login-error', { hasText: 'Wrong token' }).waitFor({ state: 'visible' });
    check(await page.locator('#app-view').isHidden(), 'the app opened with a wrong token');
  });

  await step('signing in with the token opens the app and the live feed', async () => {
    await page.fill('#token', token);
    await page.click('#login-submit');
    await page.locator('#app-view').waitFor({ state: 'visible' });
    await page.locator('#feed-state.live').waitFor({ state: 'visible' });
    const cookies = await context.cookies(base);
    const session = cookies.find((c) => c.name === 'linkly_session');
    check(session && session.httpOnly, 'no HttpOnly linkly_session cookie after sign-in');
    // The summary sync ends with the total: 0 on a fresh server.
    await page.locator('#click-total', { hasText: /^0$/ }).waitFor({ state: 'visible' });
  });

  let shortUrl = '';
  await step('creating a link shows its short url as a link', async () => {
    await page.fill('#url', `${base}/healthz`);
    await page.fill('#code', code);
    await page.click('#create-submit');
    const link = page.locator('#create-result a').first();
    await link.waitFor({ state: 'visible' });
    shortUrl = (await link.getAttribute('href')) || '';
    check(shortUrl.startsWith(base) && shortUrl.endsWith(`/s/${code}`), `short url ${shortUrl}`);
    await waitForClicks(page, code, 0);
  });

  await step('the list links the same short url as create', async () => {
    const listed = page.locator(`#links-body tr[data-code="${code}"] td.code a`);
    await listed.waitFor({ state: 'visible' });
    const href = await listed.getAttribute('href');
    check(href === shortUrl, `the list links ${href}, create showed ${shortUrl}`);
    check((await listed.textContent()) === code, 'the list does not name the link by its code');
  });

  await step('following the short link is a click in the live feed', async () => {
    const other = await context.newPage();
    const res = await other.goto(shortUrl);
    check(other.url() === `${base}/healthz`, `the short link led to ${other.url()}`);
    check(res && res.status() === 200, `the target answered ${res && res.status()}`);
    await other.close();
    await page.locator('#feed li', { hasText: code }).waitFor({ state: 'visible' });
    await waitForClicks(page, code, 1);
    check((await textOf(page, '#click-total')) === '1', 'the click total is not 1');
    check((await page.locator('#feed li').count()) === 1, 'the click is in the feed twice');
  });

  await step('screenshot of the list', async () => {
    await page.screenshot({ path: listScreenshotPath, fullPage: true });
    log(`screenshot: ${listScreenshotPath}`);
  });

  await step('an API error is shown in words', async () => {
    await page.fill('#url', `${base}/healthz`);
    await page.fill('#code', code);
    await page.click('#create-submit');
    await page.locator('#create-result', { hasText: /taken/i }).waitFor({ state: 'visible' });
  });

  const row = page.locator(`#links-body tr[data-code="${code}"]`);
  await step('a cancelled delete keeps the link', async () => {
    await row.getByRole('button', { name: `Delete ${code}` }).click();
    const dialog = page.locator('#confirm-delete');
    await dialog.waitFor({ state: 'visible' });
    check((await textOf(page, '#confirm-code')) === code, 'the dialog names another link');
    await page.click('#confirm-cancel');
    await dialog.waitFor({ state: 'hidden' });
    const res = await page.request.get(`${base}/links/${code}`, { headers: auth });
    check(res.status() === 200, `after cancel GET /links/${code} answered ${res.status()}`);
    check((await row.count()) === 1, 'the link left the list after cancel');
  });

  await step('a confirmed delete removes the link', async () => {
    await row.getByRole('button', { name: `Delete ${code}` }).click();
    await page.locator('#confirm-delete').waitFor({ state: 'visible' });
    await page.click('#confirm-ok');
    await row.waitFor({ state: 'detached' });
    const res = await page.request.get(`${base}/links/${code}`, { headers: auth });
    check(res.status() === 404, `after delete GET /links/${code} answered ${res.status()}`);
  });

  await step('the list pages by cursor', async () => {
    // 21 links: one more than a page.
    for (let i = 0; i <= 20; ++i) {
      const res = await page.request.post(`${base}/links`, {
        headers: auth,
        data: { url: `${base}/healthz`, code: `zz-${String(i).padStart(2, '0')}` },
      });
      check(res.status() === 201, `POST /links answered ${res.status()}`);
    }
    await page.reload();
    await page.fill('#token', token);
    await page.click('#login-submit');
    const first = page.locator('#links-body tr[data-code="zz-00"]');
    await first.waitFor({ state: 'visible' });
    check((await page.locator('#links-body tr').count()) === 20, 'page 1 is not 20 links');
    check(await page.locator('#prev-page').isDisabled(), 'page 1 has a previous page');
    await page.click('#next-page');
    await page.locator('#links-body tr[data-code="zz-20"]').waitFor({ state: 'visible' });
    check((await page.locator('#links-body tr').count()) === 1, 'page 2 is not 1 link');
    check(await page.locator('#next-page').isDisabled(), 'page 2 has a next page');
    await page.click('#prev-page');
    await first.waitFor({ state: 'visible' });
  });

  await linkPageSteps(page, base, auth);

  await step('no script, style or request was blocked', async () => {
    check(problems.length === 0, problems.join('\n'));
  });
}

// -- a link with attributes, its page and its charts --------------------------

const TAGGED = 'ui-tagged';
const PLAIN = 'ui-plain';
const PEOPLE_CLICKS = 3;
const BOT_CLICKS = 1;
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

// The body of the next request the page sends to `method` `pathname`.
async function nextBody(page, method, pathname, action) {
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.method() === method && new URL(r.url()).pathname === pathname),
    action(),
  ]);
  return request.postDataJSON();
}

function sameJson(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function statsOf(page, base, auth, code) {
  const res = await page.request.get(`${base}/links/${code}/stats`, { headers: auth });
  return res.ok() ? res.json() : null;
}

async function linkPageSteps(page, base, auth) {
  const form = page.locator('#create-form');
  let shortUrl = '';

  await step('a window that ends before it starts is refused before sending', async () => {
    await page.goto(`${base}/#/`);
    await page.locator('#list-view').waitFor({ state: 'visible' });
    let posted = false;
    const onRequest = (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/links') posted = true;
    };
    page.on('request', onRequest);
    await page.fill('#url', `${base}/healthz`);
    await page.click('#create-more summary');
    await form.getByLabel('Valid from').fill('2031-01-01T00:00');
    await form.getByLabel('Valid until').fill('2030-01-01T00:00');
    await page.click('#create-submit');
    await page.locator('#create-result.error', { hasText: 'Valid from' }).waitFor();
    page.off('request', onRequest);
    check(!posted, 'the form sent the window anyway');
    await form.getByLabel('Valid from').fill('');
  });

  await step('the create form sends title, tags and times under the API names', async () => {
    await page.fill('#url', `${base}/healthz`);
    await page.fill('#code', TAGGED);
    await form.getByLabel('Title').fill('Spring sale');
    await form.getByLabel('Tags').fill('news, spring, news');
    await form.getByLabel('Valid until').fill('2099-12-31T23:59');
    const body = await nextBody(page, 'POST', '/links', () => page.click('#create-submit'));
    const expected = {
      url: `${base}/healthz`,
      title: 'Spring sale',
      tags: ['news', 'spring'],
      valid_until: '2099-12-31T22:59:00.000Z', // 23:59 in Berlin's winter time
      code: TAGGED,
    };
    check(sameJson(body, expected), `POST /links sent ${JSON.stringify(body)}`);
    const link = page.locator('#create-result a').first();
    await link.waitFor({ state: 'visible' });
    shortUrl = (await link.getAttribute('href')) || '';
    check(shortUrl.endsWith(`/s/${TAGGED}`), `short url ${shortUrl}`);
    const res = await page.request.post(`${base}/links`, {
      headers: auth,
      data: { url: `${base}/healthz`, code: PLAIN },
    });
    check(res.status() === 201, `POST /links answered ${res.status()}`);
  });

  const taggedRow = page.locator(`#links-body tr[data-code="${TAGGED}"]`);
  await stepNeeding('attributes', 'the list shows the title and the tags', async () => {
    await page.reload();
    await page.fill('#token', token);
    await page.click('#login-submit');
    await taggedRow.locator('.link-title', { hasText: 'Spring sale' }).waitFor();
    const tags = await taggedRow.locator('a.tag').allTextContents();
    check(sameJson(tags, ['news', 'spring']), `the row shows tags ${JSON.stringify(tags)}`);
  });

  await stepNeeding('attributes', 'a tag filters the list by ?tag=', async () => {
    const [request] = await Promise.all([
      page.waitForRequest((r) => new URL(r.url()).searchParams.get('tag') === 'news'),
      taggedRow.locator('a.tag', { hasText: 'news' }).click(),
    ]);
    check(new URL(request.url()).pathname === '/links', `the filter asked ${request.url()}`);
    await page.locator('#tag-filter').waitFor({ state: 'visible' });
    await page.locator(`#links-body tr[data-code="${PLAIN}"]`).waitFor({ state: 'detached' });
    check((await page.locator('#links-body tr').count()) === 1, 'the filter kept other links');
    await page.click('#tag-filter-clear');
    await page.locator(`#links-body tr[data-code="${PLAIN}"]`).waitFor();
    check(await page.locator('#tag-filter').isHidden(), 'the filter is still shown');
  });

  await step("the link's page opens from the list", async () => {
    // By keyboard: the row's Details link takes focus and Enter follows it.
    await taggedRow.getByRole('link', { name: `Details of ${TAGGED}` }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#link-view').waitFor({ state: 'visible' });
    check(page.url().endsWith(`#/links/${TAGGED}`), `the page is ${page.url()}`);
    await page.locator('#link-short', { hasText: shortUrl }).waitFor();
    check((await page.locator('#link-short').getAttribute('href')) === shortUrl, 'short link href');
    check(await page.locator('#list-view').isHidden(), 'the list is still shown');
  });

  await stepNeeding('attributes', "the link's page shows and prefills its attributes", async () => {
    await page.locator('#link-heading', { hasText: 'Spring sale' }).waitFor();
    const tags = await page.locator('#link-tags a.tag').allTextContents();
    check(sameJson(tags, ['news', 'spring']), `the page shows tags ${JSON.stringify(tags)}`);
    const edit = page.locator('#edit-form');
    check((await edit.getByLabel('Title').inputValue()) === 'Spring sale', 'title not prefilled');
    check((await edit.getByLabel('Tags').inputValue()) === 'news, spring', 'tags not prefilled');
    const until = await edit.getByLabel('Valid until').inputValue();
    check(until === '2099-12-31T23:59', `valid until prefilled as ${until}`);
  });

  await stepNeeding('qr', 'the QR code image loads', async () => {
    const img = page.locator('#link-qr');
    await img.waitFor({ state: 'visible' });
    const src = await img.getAttribute('src');
    check(src === `/s/${TAGGED}/qr-code?format=svg`, `the QR image is ${src}`);
    const width = await img.evaluate((el) => (el.complete ? el.naturalWidth : 0));
    check(width > 0, 'the QR image did not load');
  });

  await stepWithout('qr', 'without a QR route the page says so', async () => {
    await page.locator('#link-qr-caption', { hasText: 'No QR code' }).waitFor();
    check(await page.locator('#link-qr').isHidden(), 'a broken QR image is shown');
  });

  await step('clicks sent from Node show in the per-day chart', async () => {
    const human = {
      'User-Agent': BROWSER_UA,
      Referer: 'https://news.example.org/post',
      'CF-IPCountry': 'DE',
    };
    for (let i = 0; i < PEOPLE_CLICKS; ++i) {
      const status = await follow(shortUrl, human);
      check(status === 302, `the short link answered ${status}`);
    }
    for (let i = 0; i < BOT_CLICKS; ++i) {
      const status = await follow(shortUrl, { 'User-Agent': BOT_UA, 'CF-IPCountry': 'FR' });
      check(status === 302, `the short link answered ${status} to a bot`);
    }
    const total = PEOPLE_CLICKS + BOT_CLICKS;
    await until(`stats of ${total} clicks`, async () => {
      const stats = await statsOf(page, base, auth, TAGGED);
      return stats && stats.total === total;
    });
    await page.click('#stats-refresh');
    await page.locator('#sum-total', { hasText: new RegExp(`^${total}$`) }).waitFor();
    const bars = page.locator('#chart-days rect.bar:not(.zero)');
    await bars.first().waitFor();
    check((await bars.count()) === 1, 'the clicks are not on one day');
    const count = await bars.first().getAttribute('data-count');
    check(count === String(total), `the day bar counts ${count}`);
    const hover = await bars.first().locator('title').textContent();
    check(hover.endsWith(`${total} clicks`), `the bar's hover title is "${hover}"`);
    const label = await page.locator('#chart-days svg').getAttribute('aria-label');
    check(label.includes(`${total} clicks`), `the chart's label is "${label}"`);
  });

  await step('the top countries and referrers charts show those clicks', async () => {
    const de = page.locator('#chart-countries rect[data-key="DE"]');
    check((await de.getAttribute('data-count')) === String(PEOPLE_CLICKS), 'DE is not 3');
    const fr = page.locator('#chart-countries rect[data-key="FR"]');
    check((await fr.getAttribute('data-count')) === String(BOT_CLICKS), 'FR is not 1');
    const news = page.locator('#chart-referrers rect[data-key="news.example.org"]');
    const fromNews = await news.getAttribute('data-count');
    check(fromNews === String(PEOPLE_CLICKS), `the referrer counts ${fromNews}`);
    // The label's own text, without its <title> (the uncut name, for hover).
    const names = await page.locator('#chart-countries text.row-label')
      .evaluateAll((labels) => labels.map((t) => t.firstChild.nodeValue));
    check(names[0] === 'Germany (DE)', `the first country is named ${names[0]}`);
  });

  await stepNeeding('visits', 'bots are counted apart', async () => {
    check((await textOf(page, '#sum-people')) === String(PEOPLE_CLICKS), 'people count');
    check((await textOf(page, '#sum-bots')) === String(BOT_CLICKS), 'bots count');
    await page.locator('#chart-bots rect.bar.bots').first().waitFor();
  });

  await stepNeeding('visits', 'the visit log lists the clicks, newest first', async () => {
    const total = PEOPLE_CLICKS + BOT_CLICKS;
    await until('the visit log', async () => {
      const res = await page.request.get(`${base}/links/${TAGGED}/visits`, { headers: auth });
      return res.ok() && (await res.json()).total === total;
    });
    await page.click('#stats-refresh');
    const rows = page.locator('#visits-body tr');
    const rowsAre = (n) => document.querySelectorAll('#visits-body tr').length === n;
    await page.waitForFunction(rowsAre, total);
    const newestIsBot = await rows.first().evaluate((tr) => tr.classList.contains('bot'));
    check(newestIsBot, 'the newest visit is not the bot');
    await page.check('#visits-no-bots');
    await page.waitForFunction(rowsAre, PEOPLE_CLICKS);
    const bots = await rows.filter({ hasText: 'bot' }).count();
    check(bots === 0, 'a bot is listed with bots hidden');
  });

  await stepWithout('visits', 'without a visits route the log says so', async () => {
    await page.locator('#visits-note', { hasText: '404' }).waitFor();
    check(await page.locator('#visits-table').isHidden(), 'an empty visits table is shown');
  });

  await step("screenshot of the link's page", async () => {
    await page.screenshot({ path: screenshotPath, fullPage: true });
    log(`screenshot: ${screenshotPath}`);
  });

  let putStatus = 0;
  await step('the edit form sends a patch: changed fields only, null clears', async () => {
    const edit = page.locator('#edit-form');
    await edit.getByLabel('Title').fill('');
    await edit.getByLabel('Max visits').fill('50');
    const responded = page.waitForResponse((r) => r.request().method() === 'PUT');
    const body = await nextBody(page, 'PUT', `/links/${TAGGED}`, () => page.click('#edit-submit'));
    // Without stored attributes there was no title to clear.
    const expected = without.has('attributes')
      ? { max_visits: 50 }
      : { title: null, max_visits: 50 };
    check(sameJson(body, expected), `PUT sent ${JSON.stringify(body)}`);
    putStatus = (await responded).status();
    await page.locator('#edit-result', { hasText: /\S/ }).waitFor();
  });

  await stepNeeding('attributes', 'a saved edit shows on the page', async () => {
    check(putStatus === 200, `PUT answered ${putStatus}`);
    await page.locator('#edit-result', { hasText: 'Saved.' }).waitFor();
    await page.locator('#link-heading', { hasText: new RegExp(`^${TAGGED}$`) }).waitFor();
    await page.locator('#link-attrs dd', { hasText: /^50$/ }).waitFor();
  });

  await step('a new url saved from the page is its destination', async () => {
    const target = `${base}/healthz?edited=1`;
    await page.fill('#edit-url', target);
    await page.click('#edit-submit');
    await page.locator('#link-target', { hasText: target }).waitFor();
    await page.locator('#edit-result', { hasText: 'Saved.' }).waitFor();
  });

  await stepNeeding('visits', 'deleting the visits, confirmed, empties the counts and the log', async () => {
    const total = PEOPLE_CLICKS + BOT_CLICKS;
    page.once('dialog', (dialog) => dialog.accept());
    await page.click('#visits-delete');
    await page.locator('#visits-note', { hasText: `${total} visits deleted.` }).waitFor();
    await page.locator('#sum-total', { hasText: /^0$/ }).waitFor();
    check((await page.locator('#visits-body tr').count()) === 0, 'deleted visits are still listed');
  });

  await step('an unknown code gets a clear message', async () => {
    await page.goto(`${base}/#/links/no-such-code`);
    await page.locator('#link-error', { hasText: 'No link "no-such-code"' }).waitFor();
    check(await page.locator('#link-body').isHidden(), 'an empty link page is shown');
  });
}

async function main() {
  const overrun = setTimeout(() => {
    process.stderr.write(`[ui_test] FAILED: the run took over ${RUN_TIMEOUT_MS} ms\n`);
    cleanup().finally(() => process.exit(1));
  }, RUN_TIMEOUT_MS);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => cleanup().finally(() => process.exit(1)));
  }
  let failed = null;
  try {
    await run();
  } catch (err) {
    failed = err;
  }
  await cleanup();
  clearTimeout(overrun);
  if (failed) {
    process.stderr.write(`[ui_test] FAILED at "${currentStep}": ${failed.message}\n`);
    process.stderr.write(`[ui_test] linkly output (last 40 lines):\n`);
    for (const line of serverLines.slice(-40)) process.stderr.write(`  ${line}\n`);
    process.exit(1);
  }
  log('all steps passed');
}

main();
