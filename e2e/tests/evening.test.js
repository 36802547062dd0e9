'use strict';
// The patient's evening: Kari, on her phone, finds today's exercises first
// and logs the whole session in three taps (pain before, pain after, "I did
// them all"); a refused save keeps what she typed and says why at the form.

const test = require('node:test');
const assert = require('node:assert/strict');
const {
  PHONE,
  TEST_TIMEOUT,
  clickAndWait,
  launch,
  login,
  newContext,
  screenshots,
  startServer,
  waitForPath,
} = require('../lib/server');

function squash(s) {
  return s.replace(/\s+/g, ' ').trim();
}

test('the evening: the whole session logged on the phone in three taps', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer({ demo: true, name: 'evening' });
  t.after(() => server.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const shot = screenshots('evening');
  const kari = server.login('kari.nordmann@demo.example');
  const phone = await newContext(browser, PHONE, server.url);
  const page = await phone.newPage();
  await page.goto('/login');
  await login(page, kari.email, kari.password);
  await waitForPath(page, '/me');

  // Today first: the session form comes before her details, which are folded away.
  const form = page.locator('form#session');
  await form.waitFor();
  const first = await page.evaluate(() => {
    const s = document.getElementById('session');
    const d = document.getElementById('my-details');
    return s.compareDocumentPosition(d) & Node.DOCUMENT_POSITION_FOLLOWING;
  });
  assert.ok(first, 'the session form comes before My details');
  const box = await form.boundingBox();
  assert.ok(box && box.y < 1600, `the session starts within two screens (y=${box && box.y})`);
  const exercises = await form.locator('fieldset.session-item').count();
  assert.ok(exercises >= 2, `${exercises} exercises today`);
  await shot(page, 'today');

  // Saving nothing is refused at the form, with the note kept.
  await form.locator('#session-note').fill('Felt stiff in the morning');
  await clickAndWait(page, form.getByRole('button', { name: 'Save what I ticked', exact: true }));
  const refused = page.locator('#session-errors');
  await refused.waitFor();
  assert.match(squash(await refused.innerText()), /at least one exercise/);
  assert.equal(await page.locator('#session-note').inputValue(), 'Felt stiff in the morning');
  await shot(page, 'refused');

  // Three taps: pain before, pain after, "I did them all".
  let taps = 0;
  const tap = async (locator) => {
    taps += 1;
    await locator.tap();
  };
  const scale = (legend) => page.locator('form#session fieldset.scale', { has: page.locator('legend', { hasText: legend }) });
  await tap(scale('Pain before you started').locator('label.choice', { hasText: /^3$/ }));
  await tap(scale('Pain when you finished').locator('label.choice', { hasText: /^2$/ }));
  taps += 1;
  await clickAndWait(page, page.locator('form#session').getByRole('button', { name: 'I did them all', exact: true }));
  await waitForPath(page, '/me');
  assert.match(squash(await page.locator('main').innerText()), /Session logged/);
  await shot(page, 'logged');
  assert.equal(taps, 3);
  console.log(`evening: ${exercises} exercises logged in ${taps} taps`);
});
