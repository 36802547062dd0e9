'use strict';
// axe-core on every main page of every role of the demo clinic, at desktop and
// phone size: no serious or critical violation. The counts by impact are
// written to test-results/axe.json for the note.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const {
  DESKTOP,
  PHONE,
  RESULTS_DIR,
  TEST_TIMEOUT,
  clickAndWait,
  launch,
  login,
  newContext,
  pathOf,
  startServer,
  waitForPath,
} = require('../lib/server');

const AXE = require.resolve('axe-core/axe.min.js');

async function audit(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
}

/** The paths each role's pages are at, in the demo clinic. */
async function clinicianPaths(page) {
  await page.goto('/patients');
  await clickAndWait(page, page.locator('main').getByRole('link', { name: 'Nordmann, Kari', exact: true }));
  await waitForPath(page, /^\/patients\/\d+$/);
  const p = pathOf(page);
  return [
    '/caseload',
    '/patients',
    '/patients/new',
    p,
    `${p}/edit`,
    `${p}/assessment`,
    `${p}/plan`,
    `${p}/prescription`,
    `${p}/outcomes`,
    `${p}/self-management`,
    '/exercises',
    '/theory',
    '/theory/T1.4',
    '/reports/outcomes',
  ];
}

const PATIENT = ['/me', '/me/plan', '/me/outcomes', '/me/reminders', '/me/self-management'];
const ADMIN = ['/admin/users', '/admin/audit', '/admin/clinic', '/reports/outcomes', '/theory'];
const RESEARCHER = ['/research', '/reports/outcomes', '/theory'];

test('axe-core finds no serious or critical violation on any page of any role', { timeout: TEST_TIMEOUT * 2 }, async (t) => {
  const server = await startServer({ demo: true, name: 'axe' });
  t.after(() => server.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const results = [];
  const check = async (page, role, device, where) => {
    const res = await page.goto(where);
    assert.ok(res.ok(), `${role} ${where}: ${res.status()}`);
    const violations = await audit(page);
    results.push({ role, device, path: where, violations });
  };
  const roles = [
    ['anonymous', null, async () => ['/login', '/no-such-page']],
    ['clinician', 'anna.berg@demo.example', clinicianPaths],
    ['patient', 'kari.nordmann@demo.example', async () => PATIENT],
    ['admin', 'admin', async () => ADMIN],
    ['researcher', 'researcher', async () => RESEARCHER],
  ];
  for (const [role, who, pathsOf] of roles) {
    for (const [device, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
      // axe is injected as a script, which the pages' CSP rightly refuses.
      const context = await newContext(browser, { ...size, bypassCSP: true }, server.url);
      const page = await context.newPage();
      if (who) {
        const l = server.login(who);
        await page.goto('/login');
        await login(page, l.email, l.password);
      }
      for (const where of await pathsOf(page)) {
        if (where === '/no-such-page') {
          await page.goto(where);
          results.push({ role, device, path: where, violations: await audit(page) });
          continue;
        }
        await check(page, role, device, where);
      }
      await context.close();
    }
  }
  const byImpact = {};
  for (const r of results) {
    for (const v of r.violations) byImpact[v.impact] = (byImpact[v.impact] || 0) + 1;
  }
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(
    path.join(RESULTS_DIR, 'axe.json'),
    JSON.stringify({ pages: results.length, byImpact, results }, null, 2),
  );
  const bad = results.flatMap((r) =>
    r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${r.role} ${r.device} ${r.path}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(', ')}`),
  );
  assert.deepEqual(bad, [], `${results.length} pages checked:\n${bad.join('\n')}`);
});
