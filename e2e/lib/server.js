'use strict';
// Helpers for Rapport's browser journeys: start a server on a fresh SQLite
// database, launch Debian's chromium through playwright-core, log in, and
// take screenshots. Every wait is bounded and generous: CI is a loaded
// 2-core machine.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const RESULTS_DIR = path.resolve(__dirname, '..', 'test-results');

/** Per navigation, per action and per expectation. */
const TIMEOUT = 30_000;
/** For one whole journey (node:test's per-test timeout). */
const TEST_TIMEOUT = 240_000;
const STARTUP_TIMEOUT = 60_000;

const CHROMIUM = process.env.RAPPORT_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const DESKTOP = { viewport: { width: 1280, height: 900 } };
const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

function rapportBin() {
  const bin = process.env.RAPPORT_BIN || 'target/debug/rapport';
  return path.resolve(REPO_ROOT, bin);
}

/** Every child this process started, so none outlives it. */
const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Starts `rapport serve` on a fresh database in a temporary directory, or on
 * the database of an earlier server (`dir`, kept by that server's `keep`).
 * `today` (YYYY-MM-DD) runs the clinic as if it were that day.
 * Resolves once /healthz answers 200, with
 * { url, dir, logins: [{role, email, password}], login(role|email), log(), stop() }.
 * `name` names the log file kept in test-results/.
 */
async function startServer({ demo = false, name = 'server', dir: reuse = null, keep = false, today = null } = {}) {
  const bin = rapportBin();
  if (!fs.existsSync(bin)) {
    throw new Error(`no rapport binary at ${bin}: run \`cargo build -p rapport-cli\` or set RAPPORT_BIN`);
  }
  const dir = reuse || fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-e2e-'));
  const args = ['serve', '--db', `sqlite://${path.join(dir, 'r.db')}`, '--addr', '127.0.0.1:0'];
  if (demo) args.push('--demo');
  if (today) args.push('--today', today);
  const child = spawn(bin, args, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', RAPPORT_LOG: process.env.RAPPORT_LOG || 'info,sqlx=warn,tower_http=warn' },
  });
  children.add(child);

  let output = '';
  const logins = [];
  let url = null;
  let exited = null;
  let onLine = () => {};
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    output += chunk;
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const login = /^\s+(admin|clinician|researcher|patient)\s+(\S+@\S+)\s+(\S+)\s*$/.exec(line);
      if (login) logins.push({ role: login[1], email: login[2], password: login[3] });
      const listening = /listening on (http:\/\/\S+)/.exec(line);
      if (listening && !url) {
        url = listening[1];
        onLine();
      }
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      children.delete(child);
      onLine();
      resolve(exited);
    });
  });

  const cleanup = () => {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, `${name}.log`), output);
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  };
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    }
    cleanup();
  };

  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`rapport did not print its address within ${STARTUP_TIMEOUT} ms`)),
        STARTUP_TIMEOUT,
      );
      onLine = () => {
        clearTimeout(timer);
        if (url) resolve();
        else reject(new Error(`rapport exited (${JSON.stringify(exited)}) before listening`));
      };
      if (url || exited) onLine();
    });
    await waitForHealth(url);
  } catch (e) {
    await stop();
    throw new Error(`${e.message}\n--- rapport output ---\n${output}`);
  }

  return {
    url,
    dir,
    logins,
    /** The demo login for a role or an e-mail. */
    login(which) {
      const l = logins.find((x) => x.role === which || x.email === which);
      if (!l) throw new Error(`no demo login for ${which}; printed: ${JSON.stringify(logins)}`);
      return l;
    },
    log: () => output,
    stop,
  };
}

async function waitForHealth(url) {
  const deadline = Date.now() + STARTUP_TIMEOUT;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) return;
      last = `status ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url}/healthz did not answer 200 within ${STARTUP_TIMEOUT} ms (${last})`);
}

/** Debian's chromium with the project's flags; a fresh profile each time. */
async function launch() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: STARTUP_TIMEOUT,
  });
}

/** A browser context with the project's timeouts; `device` is DESKTOP or PHONE. */
async function newContext(browser, device = DESKTOP, baseURL = undefined) {
  const context = await browser.newContext({ ...device, baseURL });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  return context;
}

/**
 * Clicks `locator` (a submit button or a link) and waits until the main
 * frame has navigated and loaded. Works for a redirect after POST and for a
 * page that answers the POST itself (a form error).
 */
async function clickAndWait(page, locator) {
  const navigated = page.waitForEvent('framenavigated', {
    predicate: (f) => f === page.mainFrame(),
    timeout: TIMEOUT,
  });
  await locator.click();
  await navigated;
  await page.waitForLoadState('load');
}

/**
 * Logs in on /login (going there first if needed). The header has its own
 * Log out submit button, so the form's button is looked up inside main.
 */
async function login(page, email, password) {
  if (new URL(page.url()).pathname !== '/login') {
    await page.goto('/login');
  }
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(password);
  await clickAndWait(page, page.locator('main button[type=submit]'));
  if (new URL(page.url()).pathname === '/login') {
    const err = await page.locator('#login-error').textContent().catch(() => null);
    throw new Error(`log-in as ${email} refused: ${err}`);
  }
}

/** The path of the page's URL. */
function pathOf(page) {
  return new URL(page.url()).pathname;
}

/** Waits until the page's path is `p` (a string or a RegExp). */
async function waitForPath(page, p) {
  await page.waitForURL((u) => (typeof p === 'string' ? u.pathname === p : p.test(u.pathname)), {
    timeout: TIMEOUT,
  });
}

/**
 * Numbered full-page screenshots of one journey, in
 * e2e/test-results/<journey>/NN-<step>.png.
 */
function screenshots(journey) {
  const dir = path.join(RESULTS_DIR, journey);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let n = 0;
  return async (page, step) => {
    n += 1;
    const file = path.join(dir, `${String(n).padStart(2, '0')}-${step}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: TIMEOUT });
    return file;
  };
}

module.exports = {
  CHROMIUM_ARGS,
  DESKTOP,
  PHONE,
  RESULTS_DIR,
  TEST_TIMEOUT,
  TIMEOUT,
  clickAndWait,
  launch,
  login,
  newContext,
  pathOf,
  rapportBin,
  screenshots,
  startServer,
  waitForPath,
};
