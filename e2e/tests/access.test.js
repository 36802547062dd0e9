'use strict';
// Accessibility basics: the keyboard, a 390-px phone, and labels.

const test = require('node:test');
const assert = require('node:assert/strict');
const {
  DESKTOP,
  PHONE,
  TEST_TIMEOUT,
  clickAndWait,
  launch,
  login,
  newContext,
  pathOf,
  screenshots,
  startServer,
  waitForPath,
} = require('../lib/server');

/** A short description of the focused element. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}`;
  });
}

/** A server with the demo clinic, a browser and a page (a phone unless told); closed after the test. */
async function session(t, name, device = PHONE) {
  const server = await startServer({ demo: true, name });
  t.after(() => server.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const context = await newContext(browser, device, server.url);
  const page = await context.newPage();
  return { server, page };
}

/**
 * The pages to check, as a phone sees them: the log-in page, then a
 * clinician's list, a demo patient's page (with the invitation form, and
 * with a fresh invitation link), the theory map, and as well the new-patient
 * form and one configuration's page.
 */
async function* phonePages(server, page) {
  await page.goto('/login');
  yield 'login';
  const c = server.login('anna.berg@demo.example');
  await login(page, c.email, c.password);
  await waitForPath(page, '/caseload');
  yield 'caseload';
  await page.goto('/patients');
  yield 'patients';
  await clickAndWait(page, page.locator('main').getByRole('link', { name: 'Hansen, Per', exact: true }));
  await waitForPath(page, /^\/patients\/\d+$/);
  await page.getByRole('region', { name: 'Mechanisms' }).waitFor();
  yield 'patient';
  await page.locator('#invite-email').fill('per.hansen@example.org');
  await clickAndWait(page, page.getByRole('button', { name: 'Create invitation link' }));
  await page.getByRole('textbox', { name: 'Invitation link' }).waitFor();
  yield 'patient-invited';
  await page.goto('/theory');
  await page.locator('svg.theory-map').waitFor();
  yield 'theory';
  await page.goto('/theory/T1.4');
  await page.locator('main h1', { hasText: 'T1.4' }).waitFor();
  yield 'cmoc';
  await page.goto('/patients/new');
  await page.locator('#given_name').waitFor();
  yield 'new-patient';
}

test('keyboard: the skip link comes first and moves focus to the main content', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page } = await session(t, 'access-keyboard', DESKTOP);
  const shot = screenshots('access-keyboard');
  try {
    await page.goto('/login');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'a.skip', 'the first Tab stop is the skip link');
    assert.equal(await page.locator('a.skip').getAttribute('href'), '#main');
    const skipBox = await page.locator('a.skip').boundingBox();
    assert.ok(skipBox && skipBox.x >= 0 && skipBox.y >= 0, `the focused skip link is on screen: ${JSON.stringify(skipBox)}`);
    await shot(page, 'skip-link-focused');

    // Further Tabs reach the e-mail field, before anything else in main.
    const stops = [];
    for (let i = 0; i < 5 && stops[stops.length - 1] !== 'input#email'; i += 1) {
      await page.keyboard.press('Tab');
      stops.push(await focused(page));
    }
    t.diagnostic(`Tab stops after the skip link: ${stops.join(', ')}`);
    assert.equal(stops[stops.length - 1], 'input#email', `Tab stops after the skip link: ${stops.join(', ')}`);

    // Enter on the skip link moves focus to main; the next Tab is the e-mail field.
    await page.goto('/login');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'a.skip');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'main');
    await shot(page, 'main-focused');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'input#email', 'from main, Tab goes to the first field');
  } catch (e) {
    await shot(page, 'FAILED').catch(() => {});
    throw e;
  }
});

test('a 390-px phone: no page scrolls sideways, except inside .scroll', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, page } = await session(t, 'access-phone');
  const shot = screenshots('access-phone');
  const problems = [];
  try {
    for await (const name of phonePages(server, page)) {
      await shot(page, name);
      const r = await page.evaluate(() => {
        const width = window.innerWidth;
        // What sticks out, for the message: elements past the right edge, not inside .scroll.
        const culprits = [];
        for (const el of document.querySelectorAll('body *')) {
          if (el.closest('.scroll')) continue;
          const b = el.getBoundingClientRect();
          if (b.width > 0 && b.right > width + 0.5) {
            culprits.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''} (right ${Math.round(b.right)})`);
          }
        }
        return { scrollWidth: document.documentElement.scrollWidth, width, culprits: culprits.slice(0, 8) };
      });
      assert.equal(r.width, 390, 'the phone viewport');
      if (r.scrollWidth > r.width) {
        problems.push(`${name} (${pathOf(page)}): scrollWidth ${r.scrollWidth} > ${r.width}; sticking out: ${r.culprits.join(', ')}`);
      }
    }
  } catch (e) {
    await shot(page, 'FAILED').catch(() => {});
    throw e;
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('every input on the main pages has a label', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, page } = await session(t, 'access-labels');
  const unlabelled = [];
  let pages = 0;
  for await (const name of phonePages(server, page)) {
    pages += 1;
    const missing = await page.evaluate(() =>
      [...document.querySelectorAll('input')]
        .filter((i) => i.type !== 'hidden')
        .filter((i) => !(i.labels && i.labels.length > 0) && !(i.getAttribute('aria-label') || '').trim() && !i.getAttribute('aria-labelledby'))
        .map((i) => i.outerHTML.slice(0, 120)),
    );
    const labelled = await page.evaluate(() => [...document.querySelectorAll('input')].filter((i) => i.type !== 'hidden').length);
    if (['login', 'patients', 'patient', 'patient-invited', 'new-patient'].includes(name)) {
      assert.ok(labelled > 0, `${name} has inputs to check`);
    }
    for (const m of missing) unlabelled.push(`${name}: ${m}`);
  }
  assert.equal(pages, 8);
  assert.deepEqual(unlabelled, [], unlabelled.join('\n'));
});
