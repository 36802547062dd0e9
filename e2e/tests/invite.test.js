'use strict';
// A clinician creates a patient and invites them; the patient sets a password
// on a phone and sees their own record, and only that.

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

test('a clinician creates and invites a patient, who sets a password on a phone and sees their record', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer({ demo: true, name: 'invite' });
  t.after(() => server.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const shot = screenshots('invite');
  const clinician = server.login('anna.berg@demo.example');
  assert.equal(clinician.role, 'clinician');

  const staff = await newContext(browser, DESKTOP, server.url);
  const page = await staff.newPage();
  let current = page;
  try {
    // Log in and open the form from the navigation.
    await page.goto('/login');
    await login(page, clinician.email, clinician.password);
    await waitForPath(page, '/caseload');
    await shot(page, 'clinician-patients');
    await clickAndWait(page, page.locator('header nav').getByRole('link', { name: 'New patient', exact: true }));
    await waitForPath(page, '/patients/new');
    await page.locator('h1', { hasText: 'New patient' }).waitFor();

    // A date in the future is refused next to the field; what was typed stays.
    const typed = {
      given_name: 'Siri',
      family_name: 'Haugen',
      email: 'siri.haugen@example.org',
      phone: '+47 912 34 567',
      external_ref: 'E2E-0001',
    };
    for (const [id, value] of Object.entries(typed)) await page.locator(`#${id}`).fill(value);
    await page.locator('#birth_date').fill('2999-01-01');
    await shot(page, 'new-patient-filled');
    await clickAndWait(page, page.locator('main button[type=submit]'));
    assert.equal(pathOf(page), '/patients/new', 'the form is shown again');
    const fieldError = page.locator('#birth_date-error');
    await fieldError.waitFor();
    assert.match(await fieldError.innerText(), /future/);
    assert.equal(await page.locator('#birth_date').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#birth_date').getAttribute('aria-describedby'), 'birth_date-error');
    // Next to the field: the element right after the input, just below it.
    assert.equal(
      await page.locator('#birth_date').evaluate((el) => el.nextElementSibling && el.nextElementSibling.id),
      'birth_date-error',
    );
    const inputBox = await page.locator('#birth_date').boundingBox();
    const errorBox = await fieldError.boundingBox();
    assert.ok(
      errorBox.y >= inputBox.y + inputBox.height - 1 && errorBox.y - (inputBox.y + inputBox.height) < 40,
      `error right below the field: input ${JSON.stringify(inputBox)}, error ${JSON.stringify(errorBox)}`,
    );
    await page.locator('p.error[role=alert]', { hasText: 'Date of birth' }).waitFor();
    assert.equal(await page.locator('#given_name').getAttribute('aria-invalid'), null, 'only the date is marked');
    for (const [id, value] of Object.entries(typed)) {
      assert.equal(await page.locator(`#${id}`).inputValue(), value, `${id} kept`);
    }
    assert.equal(await page.locator('#birth_date').inputValue(), '2999-01-01', 'the wrong date is kept to correct');
    await shot(page, 'new-patient-date-error');

    // Corrected, the patient is created and shown.
    await page.locator('#birth_date').fill('1984-05-17');
    await clickAndWait(page, page.locator('main button[type=submit]'));
    await waitForPath(page, /^\/patients\/\d+$/);
    const patientPath = pathOf(page);
    await page.locator('h1', { hasText: 'Siri Haugen' }).waitFor();
    await shot(page, 'patient-created');

    // Opened again from the list.
    await page.goto('/patients');
    await clickAndWait(page, page.locator('main').getByRole('link', { name: 'Haugen, Siri', exact: true }));
    assert.equal(pathOf(page), patientPath);
    await page.locator('dl.details', { hasText: '1984-05-17' }).waitFor();

    // An invitation link for an e-mail.
    const inviteEmail = 'siri.h@example.net';
    await page.locator('#invite-email').fill(inviteEmail);
    await clickAndWait(page, page.getByRole('button', { name: 'Create invitation link' }));
    const linkBox = page.getByRole('textbox', { name: 'Invitation link' });
    await linkBox.waitFor();
    const link = await linkBox.inputValue();
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/invite\/[^/\s]+$/);
    assert.ok(link.startsWith(server.url), `${link} on ${server.url}`);
    await shot(page, 'invitation-link');

    // The patient, on a phone, in a browser of their own.
    const phone = await newContext(browser, PHONE, server.url);
    const pp = await phone.newPage();
    current = pp;
    await pp.goto(link);
    await pp.locator('h1', { hasText: 'Welcome, Siri' }).waitFor();
    await pp.locator('main strong', { hasText: inviteEmail }).waitFor();
    await shot(pp, 'phone-invitation');

    // Two different passwords (both long enough for the browser's own check).
    await pp.locator('#password').fill('a long secret password');
    await pp.locator('#password_confirm').fill('a long secret passwort');
    await clickAndWait(pp, pp.locator('main button[type=submit]'));
    const pwError = pp.locator('#pw-error');
    await pwError.waitFor();
    assert.match(await pwError.innerText(), /not the same/);
    await shot(pp, 'phone-password-mismatch');

    await pp.locator('#password').fill('a long secret password');
    await pp.locator('#password_confirm').fill('a long secret password');
    await clickAndWait(pp, pp.locator('main button[type=submit]'));
    await waitForPath(pp, '/login');
    await pp.locator('p.notice', { hasText: 'Your password is set' }).waitFor();
    await shot(pp, 'phone-password-set');

    await login(pp, inviteEmail, 'a long secret password');
    await waitForPath(pp, '/me');
    await pp.locator('h1', { hasText: 'Siri Haugen' }).waitFor();
    // Her details are folded away under "My details", after what is for today.
    await pp.locator('details#my-details > summary', { hasText: 'My details' }).tap();
    await pp.locator('dl.details', { hasText: '1984-05-17' }).waitFor();
    await pp.locator('dl.details', { hasText: 'E2E-0001' }).waitFor();
    await pp.locator('header nav a[aria-current="page"]', { hasText: 'My record' }).waitFor();
    await shot(pp, 'phone-my-record');

    // The clinic's list is not for patients: back to their own record.
    await pp.goto('/patients');
    await waitForPath(pp, '/me');
    await pp.locator('h1', { hasText: 'Siri Haugen' }).waitFor();
    await shot(pp, 'phone-patients-sends-back');
  } catch (e) {
    await shot(current, 'FAILED').catch(() => {});
    throw e;
  }
});
