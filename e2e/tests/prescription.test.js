'use strict';
// Issue 5: goals, education and the exercise prescription. Ingrid's safety
// screen is clear; the clinician agrees a goal with her, assigns reading,
// builds the suggested plan, saves it as co-designed and makes one exercise
// harder. Ingrid, on a phone, reads her plan, what changed and the handout, and
// marks the reading read. The CERT report lists its 19 items.

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

/** A local date `months` from today, as YYYY-MM-DD (the server's today is local too). */
function monthsAhead(months) {
  const d = new Date();
  d.setMonth(d.getMonth() + months);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Today, local, as YYYY-MM-DD. */
function today() {
  return monthsAhead(0);
}

/** Text with runs of white space made one space. */
function squash(s) {
  return s.replace(/\s+/g, ' ').trim();
}

/** Nothing sticks out past the right edge of a phone screen. */
async function assertFitsPhone(page, what) {
  const r = await page.evaluate(() => ({
    width: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
  }));
  assert.equal(r.width, 390, 'the phone viewport');
  assert.ok(r.scrollWidth <= r.width, `${what} (${pathOf(page)}) scrolls sideways: scrollWidth ${r.scrollWidth} > ${r.width}`);
}

/**
 * Logs the patient in on a phone and answers the baseline safety questions,
 * all "No", tapping each answer. Leaves the page on the next form.
 */
async function clearSafetyScreen(page, patient) {
  await page.goto('/login');
  await login(page, patient.email, patient.password);
  await waitForPath(page, '/me');
  const due = page.getByRole('region', { name: 'Questionnaires for you' });
  await clickAndWait(page, due.getByRole('link', { name: 'Start', exact: true }));
  await waitForPath(page, '/me/forms/baseline/red_flags');
  await page.locator('main h1', { hasText: 'Safety questions' }).waitFor();
  const questions = page.locator('main form fieldset.question');
  const n = await questions.count();
  assert.equal(n, 10, 'ten safety questions');
  for (let i = 0; i < n; i += 1) {
    const no = questions.nth(i).locator('label.choice').filter({ has: page.locator('span', { hasText: /^No$/ }) });
    await no.tap();
    await no.locator('input:checked').waitFor();
  }
  await clickAndWait(page, page.locator('main form').getByRole('button', { name: 'Save and continue', exact: true }));
  await waitForPath(page, '/me/forms/baseline/intake');
}

test('a clinician agrees a goal, assigns reading and prescribes a co-designed plan; Ingrid follows it on a phone', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer({ demo: true, name: 'prescription' });
  t.after(() => server.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const shot = screenshots('prescription');
  const patient = server.login('ingrid.solberg@demo.example');
  const clinician = server.login('anna.berg@demo.example');

  // Ingrid's safety screen first: exercise waits for it.
  const phone = await newContext(browser, PHONE, server.url);
  const pp = await phone.newPage();
  let current = pp;
  try {
    await clearSafetyScreen(pp, patient);
    await shot(pp, 'phone-safety-screen-done');

    // The clinician opens Ingrid's goals and education.
    const desk = await newContext(browser, DESKTOP, server.url);
    const page = await desk.newPage();
    current = page;
    await page.goto('/login');
    await login(page, clinician.email, clinician.password);
    await waitForPath(page, '/caseload');
    await page.goto('/patients');
    await clickAndWait(page, page.locator('main').getByRole('link', { name: 'Solberg, Ingrid', exact: true }));
    await waitForPath(page, /^\/patients\/\d+$/);
    const patientPath = pathOf(page);
    await clickAndWait(page, page.locator('main').getByRole('link', { name: 'Goals and education', exact: true }));
    await waitForPath(page, `${patientPath}/plan`);
    await page.locator('main h1', { hasText: 'Goals and plan' }).waitFor();

    // A goal agreed together: lift my grandchild, 3 → 8, in about three months.
    const by = monthsAhead(3);
    await page.locator('#activity').fill('Lift my grandchild');
    await page.locator('#current_level').fill('3');
    await page.locator('#target_level').fill('8');
    await page.locator('#by').fill(by);
    const agreed = page.locator('#goals label.choice', { hasText: 'Agreed together with the patient' });
    if (!(await agreed.locator('input').isChecked())) await agreed.click();
    assert.ok(await agreed.locator('input').isChecked(), 'agreed together');
    await shot(page, 'clinician-goal-filled');
    await clickAndWait(page, page.locator('#goals').getByRole('button', { name: 'Add goal', exact: true }));
    await waitForPath(page, `${patientPath}/plan`);
    const goalRow = page.locator('#goals tbody tr', { hasText: 'Lift my grandchild' });
    await goalRow.waitFor();
    assert.deepEqual(
      (await goalRow.locator('td').allInnerTexts()).map(squash),
      ['Lift my grandchild', '3 → 8 of 10', by, `yes, ${today()}`],
    );

    // The first proposed reading, assigned.
    const proposals = page.locator('#education ul.proposals > li');
    assert.ok((await proposals.count()) > 0, 'reading is proposed');
    const firstProposal = proposals.first();
    const reading = squash(await firstProposal.locator('strong').innerText());
    assert.ok(reading.length > 0);
    await clickAndWait(page, firstProposal.getByRole('button', { name: 'Assign', exact: true }));
    await waitForPath(page, `${patientPath}/plan`);
    await page.locator('#education > ul > li', { hasText: `${reading} — not read yet` }).waitFor();
    assert.equal(
      await page.locator('#education ul.proposals strong', { hasText: reading }).count(),
      0,
      'an assigned item is no longer proposed',
    );
    await shot(page, 'clinician-goal-and-reading');

    // The prescription page: proposals with their reasons, a suggested plan ticked.
    await page.goto(patientPath);
    await clickAndWait(page, page.locator('main').getByRole('link', { name: 'Prescription', exact: true }));
    await waitForPath(page, `${patientPath}/prescription`);
    await page.locator('main h1', { hasText: 'Prescription' }).waitFor();
    assert.equal(await page.locator('main .alert').count(), 0, 'exercise is not on hold');
    await page.locator('main', { hasText: 'No exercises prescribed yet.' }).waitFor();
    const proposed = page.getByRole('region', { name: 'Proposed for this patient' }).locator('ul.proposals > li');
    const nProposed = await proposed.count();
    assert.ok(nProposed > 0, 'exercises are proposed');
    // Each proposal shows its category, level and minutes; those the builder ranked for a reason show it.
    const smalls = proposed.locator('label.choice span small');
    assert.ok((await smalls.count()) > nProposed, 'some proposals show their reasons');
    for (let i = 0; i < nProposed; i += 1) {
      assert.match(squash(await proposed.nth(i).locator('small').first().innerText()), /, level \d, \d+ min$/);
    }
    t.diagnostic(`${nProposed} exercises proposed`);
    const forGoal = proposed.filter({ hasText: 'Trains lifting for your goal “Lift my grandchild”' });
    assert.ok((await forGoal.count()) > 0, 'the goal is a reason for some proposals');
    assert.ok(await forGoal.first().locator('input[name=pick]').isChecked(), 'an exercise for the goal is ticked');
    const suggested = [];
    for (let i = 0; i < nProposed; i += 1) {
      const li = proposed.nth(i);
      if (await li.locator('input[name=pick]').isChecked()) suggested.push(squash(await li.locator('strong').innerText()));
    }
    t.diagnostic(`suggested: ${suggested.join(', ')}`);
    assert.ok(suggested.length > 0, 'a first plan is ticked');
    assert.ok(suggested.length < nProposed, 'not every proposal is ticked');
    await shot(page, 'clinician-prescription-proposals');

    // Built into the editor, saved as co-designed with a reason.
    await clickAndWait(page, page.getByRole('button', { name: 'Build the plan from the ticked exercises', exact: true }));
    await waitForPath(page, `${patientPath}/prescription/edit`);
    await page.locator('main h1', { hasText: 'Edit the plan' }).waitFor();
    const rows = page.locator('main form fieldset.question');
    assert.equal(await rows.count(), suggested.length, 'one row per ticked exercise');
    const legends = (await rows.locator('legend').allInnerTexts()).map(squash);
    assert.deepEqual(legends.map((l) => l.replace(/^\d+\.\s*/, '')), suggested, 'the ticked exercises, in order');
    // Each row carries the builder's reason as its why-line; where the builder
    // gave none (nothing in the record to tailor from), the clinician writes one with Ingrid.
    const why = {};
    const written = [];
    for (let n = 1; n <= suggested.length; n += 1) {
      const field = page.locator(`#i${n}-why`);
      let text = (await field.inputValue()).trim();
      if (text === '') {
        text = 'Keeps your back strong and moving, so that lifting your grandchild gets easier';
        await field.fill(text);
        written.push(suggested[n - 1]);
      }
      why[suggested[n - 1]] = text;
    }
    t.diagnostic(`why-lines the builder left empty: ${written.join(', ') || 'none'}`);
    assert.ok(written.length < suggested.length, 'the builder gives reasons for some of its suggestions');
    const together = page.locator('main form label.choice', { hasText: 'Designed together with the patient' });
    const preTicked = await together.locator('input').isChecked();
    t.diagnostic(`"Designed together with the patient" ticked when the editor opens: ${preTicked}`);
    if (!preTicked) await together.click();
    assert.ok(await together.locator('input').isChecked(), 'designed together');
    const reason = 'First plan, agreed with Ingrid at the first visit';
    await page.locator('#reason').fill(reason);
    await shot(page, 'clinician-plan-editor');
    await clickAndWait(page, page.getByRole('button', { name: 'Save the plan', exact: true }));
    await waitForPath(page, `${patientPath}/prescription`);
    const versions = page.getByRole('region', { name: 'Versions' });
    await versions.waitFor();
    const v1 = versions.locator(':scope > ul > li', { hasText: 'Version 1' });
    assert.match(squash(await v1.innerText()), new RegExp(`^Version 1, ${today()}: ${reason}`));
    const plan = page.getByRole('region', { name: 'Current plan' }).locator('ol.plan > li');
    assert.deepEqual((await plan.locator('h3').allInnerTexts()).map(squash), suggested, 'the plan holds the ticked exercises');
    await shot(page, 'clinician-prescription-v1');

    // "Make harder" on the first exercise that has a harder step.
    let position = -1;
    for (let i = 0; i < suggested.length && position < 0; i += 1) {
      if ((await plan.nth(i).getByRole('button', { name: /^Make harder: / }).count()) > 0) position = i;
    }
    assert.ok(position >= 0, 'some exercise of the plan can be made harder');
    const stepped = plan.nth(position);
    const easierName = squash(await stepped.locator('h3').innerText());
    assert.equal(easierName, suggested[position]);
    const harder = stepped.getByRole('button', { name: /^Make harder: / });
    const harderName = squash(await harder.innerText()).replace(/^Make harder:\s*/, '');
    t.diagnostic(`making harder: ${easierName} → ${harderName}`);
    await clickAndWait(page, harder);
    await waitForPath(page, `${patientPath}/prescription`);
    const v2 = versions.locator(':scope > ul > li', { hasText: 'Version 2' });
    await v2.waitFor();
    const v2Text = squash(await v2.innerText());
    assert.match(v2Text, new RegExp(`^Version 2, ${today()}`));
    assert.ok(v2Text.includes(`Made harder: ${easierName} → ${harderName}`), `version 2 lists the change: ${v2Text}`);
    assert.equal(await versions.locator(':scope > ul > li').first().locator('strong').innerText(), 'Version 2', 'newest first');
    const afterStep = (await plan.locator('h3').allInnerTexts()).map(squash);
    const expectedPlan = suggested.slice();
    expectedPlan[position] = harderName;
    assert.deepEqual(afterStep, expectedPlan, 'the harder variant takes the place of the easier one');
    await shot(page, 'clinician-prescription-v2');

    // Ingrid, on her phone: her plan, why each exercise, how, and what changed.
    current = pp;
    await pp.goto('/me');
    await clickAndWait(pp, pp.locator('header nav').getByRole('link', { name: 'My plan', exact: true }));
    await waitForPath(pp, '/me/plan');
    await pp.locator('main h1', { hasText: 'My exercise plan' }).waitFor();
    const mine = pp.locator('main ol.plan > li');
    assert.deepEqual((await mine.locator('h2').allInnerTexts()).map(squash), expectedPlan);
    why[harderName] = why[easierName];
    for (let i = 0; i < expectedPlan.length; i += 1) {
      const item = mine.nth(i);
      assert.equal(squash(await item.locator('p', { hasText: 'Why:' }).innerText()), `Why: ${why[expectedPlan[i]]}`, `${expectedPlan[i]} says why`);
      assert.match(squash(await item.locator('p', { hasText: 'How much:' }).innerText()), /^How much: \S/);
      assert.ok((await item.locator('ol.steps-list > li').count()) > 0, `${expectedPlan[i]} has instructions`);
    }
    const changed = pp.getByRole('region', { name: `What changed on ${today()}` });
    await changed.waitFor();
    assert.ok(squash(await changed.innerText()).includes(`Made harder: ${easierName} → ${harderName}`));
    await assertFitsPhone(pp, 'my plan');
    await shot(pp, 'phone-my-plan');

    // The printable handout: the same plan, with her name for paper.
    await clickAndWait(pp, pp.locator('main').getByRole('link', { name: 'Printable handout', exact: true }));
    await waitForPath(pp, '/me/plan/print');
    assert.deepEqual((await pp.locator('main ol.plan > li h2').allInnerTexts()).map(squash), expectedPlan);
    assert.equal(await pp.locator('main a[href="/me/plan/print"]').count(), 0, 'no handout link on the handout');
    await pp.emulateMedia({ media: 'print' });
    const forPaper = pp.locator('main .print-only');
    await forPaper.waitFor({ state: 'visible' });
    assert.equal(squash(await forPaper.innerText()), `Exercise plan for Ingrid Solberg, from ${today()}`);
    await shot(pp, 'phone-handout-print');
    await pp.emulateMedia({ media: 'screen' });

    // The reading on /me: opened and marked read.
    await clickAndWait(pp, pp.locator('header nav').getByRole('link', { name: 'My record', exact: true }));
    await waitForPath(pp, '/me');
    const readingList = pp.getByRole('region', { name: 'Reading for you' });
    await readingList.waitFor();
    const readingLink = readingList.getByRole('link', { name: reading, exact: true });
    assert.equal(await readingList.locator('li', { hasText: '(read)' }).count(), 0, 'not read yet');
    await shot(pp, 'phone-me-reading');
    await clickAndWait(pp, readingLink);
    await waitForPath(pp, /^\/me\/education\/\d+$/);
    await pp.locator('main h1', { hasText: reading }).waitFor();
    assert.ok((await pp.locator('main article.reading p').count()) > 1, 'the reading has text');
    await assertFitsPhone(pp, 'the reading');
    await shot(pp, 'phone-reading');
    await clickAndWait(pp, pp.locator('main').getByRole('button', { name: 'I have read this', exact: true }));
    await waitForPath(pp, '/me');
    await readingList.locator('li', { hasText: reading }).locator('small', { hasText: '(read)' }).waitFor();
    await shot(pp, 'phone-me-reading-read');

    // The clinician sees it read, and the CERT and TIDieR report.
    current = page;
    await page.goto(`${patientPath}/plan`);
    await page.locator('#education > ul > li', { hasText: `${reading} — read ${today()}` }).waitFor();
    await page.goto(`${patientPath}/prescription`);
    await clickAndWait(page, page.locator('main').getByRole('link', { name: 'CERT and TIDieR report', exact: true }));
    await waitForPath(page, `${patientPath}/prescription/report`);
    await page.locator('main h1', { hasText: 'CERT and TIDieR' }).waitFor();
    const cert = page.locator('main table').first().locator('tbody tr');
    assert.equal(await cert.count(), 19, '19 CERT rows');
    const status = {};
    const numbers = [];
    for (let i = 0; i < 19; i += 1) {
      const cells = (await cert.nth(i).locator('td').allInnerTexts()).map(squash);
      const badges = await cert.nth(i).locator('td:nth-child(3) .badge').count();
      assert.equal(badges, 1, `CERT ${cells[0]} has one badge`);
      assert.match(cells[2], /^(complete|missing)$/, `CERT ${cells[0]} status`);
      const cls = await cert.nth(i).locator('td:nth-child(3) .badge').getAttribute('class');
      assert.match(cls, cells[2] === 'complete' ? /badge-ok/ : /badge-bad/);
      status[cells[0]] = { status: cells[2], value: cells[3] };
      numbers.push(cells[0]);
    }
    assert.deepEqual(
      numbers,
      ['1', '2', '3', '4', '5', '6', '7a', '7b', '8', '9', '10', '11', '12', '13', '14a', '14b', '15', '16a', '16b'],
    );
    const complete = Object.values(status).filter((s) => s.status === 'complete').length;
    t.diagnostic(`CERT complete: ${complete} of 19; missing: ${Object.keys(status).filter((k) => status[k].status === 'missing').join(', ')}`);
    assert.match(squash(await page.locator('main > p', { hasText: 'CERT items complete' }).innerText()), new RegExp(`version 2: ${complete} of 19 CERT items complete`));
    assert.equal(status['6'].status, 'complete');
    assert.match(status['6'].value, /1 goal\(s\) agreed together/);
    assert.match(status['6'].value, new RegExp(`education: ${reading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.equal(status['7b'].status, 'complete', 'the progression is reported');
    assert.match(status['7b'].value, new RegExp(`made harder: ${harderName}`));
    assert.equal(status['10'].status, 'complete', 'the reading is a non-exercise component');
    assert.equal(status['2'].status, 'missing', 'the provider is not recorded');
    assert.equal(status['11'].status, 'missing', 'no adverse events recorded yet');
    assert.ok((await page.locator('main table').nth(1).locator('tbody tr').count()) > 0, 'the TIDieR table too');
    await shot(page, 'clinician-cert-report');
  } catch (e) {
    await shot(current, 'FAILED').catch(() => {});
    throw e;
  }
});
