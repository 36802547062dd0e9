'use strict';
// Discharge and outcomes: the clinician discharges Kari from her outcomes
// page; on her phone Kari finds the end-of-treatment questionnaires due,
// answers the first (pain) and reads her before and after in plain words.
// The same clinic six months on (the server started with --today) has her
// six-month questionnaires due.

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

function squash(s) {
  return s.replace(/\s+/g, ' ').trim();
}

function addDays(iso, days) {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

test('discharge, the before and after on the phone, and the six-month forms falling due', { timeout: TEST_TIMEOUT * 2 }, async (t) => {
  let server = await startServer({ demo: true, name: 'discharge', keep: true });
  const dir = server.dir;
  t.after(() => require('node:fs').rmSync(dir, { recursive: true, force: true }));
  t.after(() => server.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const shot = screenshots('discharge');
  const kari = server.login('kari.nordmann@demo.example');
  const clinician = server.login('anna.berg@demo.example');

  // The clinician discharges Kari from her outcomes page.
  const desk = await newContext(browser, DESKTOP, server.url);
  const page = await desk.newPage();
  await page.goto('/login');
  await login(page, clinician.email, clinician.password);
  await page.goto('/patients');
  await clickAndWait(page, page.locator('main').getByRole('link', { name: 'Nordmann, Kari', exact: true }));
  await waitForPath(page, /^\/patients\/\d+$/);
  const patientPath = pathOf(page);
  await page.goto(`${patientPath}/outcomes`);
  const discharge = page.getByRole('region', { name: 'Discharge' });
  const today = await discharge.locator('#date').inputValue();
  assert.match(today, /^\d{4}-\d{2}-\d{2}$/);
  await shot(page, 'before-discharge');
  await clickAndWait(page, discharge.getByRole('button', { name: 'Discharge', exact: true }));
  await waitForPath(page, `${patientPath}/outcomes`);
  const followUps = squash(await page.getByRole('region', { name: 'Follow-up questionnaires' }).innerText());
  assert.match(followUps, /At the end of treatment due/, followUps);
  assert.match(followUps, /Six months after treatment not open yet/, followUps);
  const change = squash(await page.getByRole('region', { name: 'Change since the start' }).innerText());
  assert.match(change, /Numeric Pain Rating Scale/, change);
  await shot(page, 'discharged');

  // The self-management plan, written together from what is on record.
  await clickAndWait(page, page.getByRole('link', { name: 'The self-management plan to keep', exact: true }));
  await waitForPath(page, `${patientPath}/self-management`);
  const keep = await page.locator('main form select[name$=".exercise_id"]').count();
  assert.ok(keep >= 1, 'the draft keeps the plan\'s exercises');
  await shot(page, 'self-management-draft');
  await clickAndWait(page, page.locator('main form').getByRole('button', { name: /^Save version 1$/ }));

  // Kari, on her phone: the questionnaires are due; she answers the first.
  const phone = await newContext(browser, PHONE, server.url);
  const pp = await phone.newPage();
  await pp.goto('/login');
  await login(pp, kari.email, kari.password);
  await pp.goto('/me/outcomes');
  const due = pp.getByRole('link', { name: /At the end of treatment: your questionnaires are due/ });
  await clickAndWait(pp, due);
  await waitForPath(pp, /^\/me\/forms\/discharge/);
  const question = pp.locator('main form fieldset.question').first();
  const two = question.locator('label.choice').filter({ has: pp.locator('span', { hasText: /^2\b/ }) }).first();
  await two.tap();
  await clickAndWait(pp, pp.locator('main form').getByRole('button', { name: 'Save and continue', exact: true }));
  await pp.goto('/me/outcomes');
  const words = squash(await pp.locator('main').innerText());
  assert.match(words, /Your pain: \d+ before treatment and 2 at the end of treatment/, words);
  assert.doesNotMatch(words, /NPRS|MCID|RMDQ/, words);
  assert.equal(await pp.locator('main svg[role=img]').count() >= 1, true, 'a before-and-after chart');
  await shot(pp, 'before-and-after');

  // Her plan to keep, on the phone.
  await pp.goto('/me/self-management');
  const plan = squash(await pp.locator('main').innerText());
  assert.match(plan, /Looking after your back/, plan);
  assert.match(plan, /Exercises to keep doing/, plan);
  assert.match(plan, /If you have a flare-up/, plan);
  await shot(pp, 'self-management-plan');

  // The clinic six months on: the six-month questionnaires are due.
  await server.stop();
  server = await startServer({ name: 'discharge-six-months', dir, keep: true, today: addDays(today, 180) });
  const later = await newContext(browser, PHONE, server.url);
  const lp = await later.newPage();
  await lp.goto('/login');
  await login(lp, kari.email, kari.password);
  await lp.goto('/me/outcomes');
  const six = squash(await lp.locator('main').innerText());
  assert.match(six, /Six months after treatment: your questionnaires are due/, six);
  await shot(lp, 'six-months-due');
});
