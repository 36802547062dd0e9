'use strict';
// Issue 6: support between visits. Ingrid, on her phone, logs three sessions of
// one exercise with pain rising after each. The clinician's view flags it with
// the reason and the evidence, records a supervised session that makes the
// exercise easier, and Ingrid sees the changed plan on her phone.

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

async function clearSafetyScreen(page, patient) {
  await page.goto('/login');
  await login(page, patient.email, patient.password);
  await waitForPath(page, '/me');
  const due = page.getByRole('region', { name: 'Questionnaires for you' });
  await clickAndWait(page, due.getByRole('link', { name: 'Start', exact: true }));
  await waitForPath(page, '/me/forms/baseline/red_flags');
  const questions = page.locator('main form fieldset.question');
  const n = await questions.count();
  for (let i = 0; i < n; i += 1) {
    const no = questions.nth(i).locator('label.choice').filter({ has: page.locator('span', { hasText: /^No$/ }) });
    await no.tap();
  }
  await clickAndWait(page, page.locator('main form').getByRole('button', { name: 'Save and continue', exact: true }));
  await waitForPath(page, '/me/forms/baseline/intake');
}

/** Taps the answer `value` in the fieldset whose legend starts with `legend`. */
async function tapScale(item, legend, value) {
  const set = item.locator('fieldset', { has: item.page().locator('legend', { hasText: legend }) });
  const choice = set.locator('label.choice').filter({ has: item.page().locator('span', { hasText: new RegExp(`^${value}$`) }) });
  await choice.tap();
  assert.ok(await choice.locator('input').isChecked(), `${legend} ${value} chosen`);
}

test('rising pain after exercise is flagged; a supervised session makes it easier and Ingrid sees the change', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer({ demo: true, name: 'monitoring' });
  t.after(() => server.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const shot = screenshots('monitoring');
  const patient = server.login('ingrid.solberg@demo.example');
  const clinician = server.login('anna.berg@demo.example');

  const phone = await newContext(browser, PHONE, server.url);
  const pp = await phone.newPage();
  let current = pp;
  try {
    await clearSafetyScreen(pp, patient);

    // The clinician prescribes the suggested plan.
    const desk = await newContext(browser, DESKTOP, server.url);
    const page = await desk.newPage();
    current = page;
    await page.goto('/login');
    await login(page, clinician.email, clinician.password);
    await page.goto('/patients');
    await clickAndWait(page, page.locator('main').getByRole('link', { name: 'Solberg, Ingrid', exact: true }));
    await waitForPath(page, /^\/patients\/\d+$/);
    const patientPath = pathOf(page);
    await page.goto(`${patientPath}/prescription`);
    await clickAndWait(page, page.getByRole('button', { name: 'Build the plan from the ticked exercises', exact: true }));
    await waitForPath(page, `${patientPath}/prescription/edit`);
    const rows = await page.locator('main form fieldset.question').count();
    for (let n = 1; n <= rows; n += 1) {
      const why = page.locator(`#i${n}-why`);
      if ((await why.inputValue()).trim() === '') await why.fill('Keeps your back moving');
    }
    await clickAndWait(page, page.getByRole('button', { name: 'Save the plan', exact: true }));
    await waitForPath(page, `${patientPath}/prescription`);

    // Which exercise can be made easier: the follow-up form offers it.
    await page.goto(patientPath);
    const monitoring = page.getByRole('region', { name: 'Monitoring' });
    await monitoring.waitFor();
    const options = (await page.locator('#fu-step option').allInnerTexts()).map(squash);
    const easier = options.find((o) => / → easier: /.test(o));
    assert.ok(easier, `an exercise of the plan has an easier step: ${options.join(' | ')}`);
    const [exercise, easierName] = easier.split(/ → easier: /);
    t.diagnostic(`logging ${exercise}; easier step ${easierName}`);
    assert.ok((await monitoring.innerText()).includes('No flags'), 'nothing flagged before any log');

    // Ingrid logs three sessions on her phone, pain rising after each.
    current = pp;
    for (const after of ['4', '5', '6']) {
      await pp.goto('/me');
      const today = pp.getByRole('region', { name: "Today's exercises" });
      const item = today.locator('li.today-item', { has: pp.locator('h3', { hasText: new RegExp(`^${exercise}$`) }) });
      await item.locator('summary', { hasText: 'Log this exercise' }).tap();
      await tapScale(item, 'Pain before', '2');
      await tapScale(item, 'Pain after', after);
      await tapScale(item, 'How hard', '4');
      await tapScale(item, 'Did you enjoy', '3');
      if (after === '4') await shot(pp, 'phone-log-form');
      await clickAndWait(pp, item.getByRole('button', { name: 'Save', exact: true }));
      await waitForPath(pp, '/me');
      await pp.locator('main p.notice', { hasText: 'Session logged' }).waitFor();
    }
    const progress = pp.getByRole('region', { name: 'Your progress' });
    assert.ok((await progress.locator('svg[role=img]').count()) >= 2, 'progress charts drawn');
    await shot(pp, 'phone-after-three-logs');

    // The clinician's caseload shows Ingrid's row with the flag and its reason.
    current = page;
    await page.goto('/caseload');
    const first = page.locator('table.caseload tbody tr', { hasText: 'Solberg' }).first();
    await first.waitFor();
    const row = squash(await first.innerText());
    assert.ok(row.includes('Solberg'), `Ingrid's row: ${row}`);
    assert.ok(row.includes('Pain rising after exercise'), `the flag on her row: ${row}`);
    assert.match(row, /after 3 of the last 3 sessions/);
    assert.ok(row.includes('M2.17'), 'with the CMOC behind it');
    await shot(page, 'clinician-caseload');

    // On her page: the flag with its reason and evidence.
    await page.goto(patientPath);
    const flag = monitoring.locator('li.flag', { hasText: 'Pain rising after exercise' });
    await flag.waitFor();
    const flagText = squash(await flag.innerText());
    assert.match(flagText, /after 3 of the last 3 sessions/);
    assert.ok(flagText.includes('M2.17'), `the CMOC behind it: ${flagText}`);
    await shot(page, 'clinician-flag');

    // A supervised session: corrections, and the exercise made easier.
    await page.locator('#fu-kind').selectOption('supervised');
    await page.locator('#fu-corr').fill('Bend from the hips; stop before pain rises');
    await page.locator('#fu-step').selectOption({ label: easier });
    await clickAndWait(page, page.getByRole('button', { name: 'Record contact', exact: true }));
    await waitForPath(page, patientPath);
    await page.locator('main p.notice', { hasText: 'Follow-up recorded' }).waitFor();
    const history = squash(await monitoring.innerText());
    assert.ok(history.includes('plan version 2'), 'the follow-up links the new plan version');
    assert.ok(history.includes('Bend from the hips; stop before pain rises'));
    await shot(page, 'clinician-follow-up');

    // Ingrid sees the change on her phone.
    current = pp;
    await pp.goto('/me');
    const change = pp.getByRole('region', { name: /^Your plan changed on / });
    await change.waitFor();
    assert.ok(squash(await change.innerText()).includes(easierName), 'the change names the easier exercise');
    const todayNames = (await pp.getByRole('region', { name: "Today's exercises" }).locator('h3').allInnerTexts()).map(squash);
    assert.ok(todayNames.includes(easierName), `today's exercises hold the easier one: ${todayNames.join(', ')}`);
    assert.ok(!todayNames.includes(exercise), 'and no longer the harder one');
    await shot(pp, 'phone-plan-changed');
  } catch (e) {
    await shot(current, 'failure').catch(() => {});
    throw e;
  }
});
