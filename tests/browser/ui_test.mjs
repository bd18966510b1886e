// Drives linkly's web front end in a real browser: a real `linkly serve`
// (LINKLY_BIN) with an API token, and Debian's Chromium through
// playwright-core. Signs in, creates a link (the list links the same
// short url as create), follows it from a second page,
// waits for the click in the live feed, cancels then confirms a delete,
// pages through the list, and saves a screenshot.
//
//   LINKLY_BIN=build/app/linkly node ui_test.mjs [screenshot.png]
//
// Exits 0 when every step passed; otherwise prints the failed step, the
// reason and linkly's output, and exits 1. linkly and the browser are
// always stopped, also on failure or when the whole run overruns.

import { spawn } from 'node:child_process';
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
  const context = await browser.newContext({ viewport: { width: 1200, height: 860 } });
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

  await step('screenshot', async () => {
    await page.screenshot({ path: screenshotPath, fullPage: true });
    log(`screenshot: ${screenshotPath}`);
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

  await step('no script, style or request was blocked', async () => {
    check(problems.length === 0, problems.join('\n'));
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
