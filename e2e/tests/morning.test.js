'use strict';
// The clinician's morning: open the caseload, the patient most in need, and
// act on the top suggestion of the theory, which opens the form that does
// it. The clicks are counted.

const test = require('node:test');
const assert = require('node:assert/strict');
const {
  DESKTOP,
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

function squash(s) {
  return s.replace(/\s+/g, ' ').trim();
}

test('the morning: the caseload, the first patient and their top suggestion acted on', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer({ demo: true, name: 'morning' });
  t.after(() => server.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const shot = screenshots('morning');
  const clinician = server.login('anna.berg@demo.example');
  const desk = await newContext(browser, DESKTOP, server.url);
  const page = await desk.newPage();
  let clicks = 0;
  const click = async (locator) => {
    clicks += 1;
    await clickAndWait(page, locator);
  };

  await page.goto('/login');
  await login(page, clinician.email, clinician.password);
  await waitForPath(page, '/caseload');
  await shot(page, 'caseload');
  // The first row is the patient most in need; it says why.
  const first = page.locator('main table tbody tr').first();
  const row = squash(await first.innerText());
  assert.ok(row.length > 0, 'a first row');
  const name = squash(await first.locator('th a').first().innerText());
  await click(first.locator('th a').first());
  await waitForPath(page, /^\/patients\/\d+$/);
  const patientPath = pathOf(page);
  const mechanisms = page.getByRole('region', { name: 'Mechanisms' });
  await mechanisms.waitFor();
  await shot(page, 'patient');
  // The mechanisms come before the record's forms.
  const order = await page.evaluate(() => {
    const m = document.querySelector('section.mechanisms');
    const c = document.getElementById('fu-h');
    return m && c ? m.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING : 0;
  });
  assert.ok(order, `${name}: the mechanisms come before the contact form`);

  // The top suggestion opens the form that does it.
  const top = mechanisms.locator('ol.suggestions > li').first();
  const suggestion = squash(await top.innerText());
  const act = top.locator('a.button').first();
  assert.equal(await act.count(), 1, `the top suggestion has its form: ${suggestion}`);
  const label = squash(await act.innerText());
  const href = await act.getAttribute('href');
  clicks += 1;
  await act.click();
  if (href.startsWith('#')) {
    // A consultation practice: recorded as a contact, on the same page.
    const form = page.locator('form[aria-labelledby="fu-h"]');
    await form.waitFor();
    await form.locator('input[name=practice]').first().check();
    clicks += 1;
    await form.locator('input[name=feedback_given][value=yes]').check();
    clicks += 1;
    await click(form.getByRole('button', { name: /Record/ }));
    assert.match(squash(await page.locator('main').innerText()), /Follow-up recorded/);
  } else {
    await page.waitForLoadState('load');
    assert.ok(pathOf(page).startsWith(patientPath), `${label} stays on ${name}'s record: ${pathOf(page)}`);
    assert.ok((await page.locator('main form').count()) >= 1, `${label}: a form to act on at ${pathOf(page)}`);
  }
  await shot(page, 'acted');
  // Caseload → patient → the suggestion's form (→ what it records).
  assert.ok(clicks <= 5, `${clicks} clicks`);
  console.log(`morning: "${label}" for ${name} in ${clicks} clicks`);
});
