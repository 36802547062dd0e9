'use strict';
// A clinician reads the programme theory: the map, one configuration's
// detail, and the mechanisms panel with its suggestions on a patient's page.

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

/** The value of the <dd> that follows the <dt> named `term` in main. */
async function detail(page, term) {
  return page.locator('main dl.details').first().evaluate((dl, t) => {
    for (const dt of dl.querySelectorAll('dt')) {
      if (dt.textContent.trim() === t) {
        const dd = dt.nextElementSibling;
        return dd ? dd.textContent.trim() : null;
      }
    }
    return null;
  }, term);
}

test('a clinician opens the theory map, a configuration, and the mechanisms panel of a patient', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer({ demo: true, name: 'theory' });
  t.after(() => server.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const shot = screenshots('theory');
  const clinician = server.login('anna.berg@demo.example');

  const context = await newContext(browser, DESKTOP, server.url);
  const page = await context.newPage();
  try {
    await page.goto('/login');
    await login(page, clinician.email, clinician.password);
    await waitForPath(page, '/caseload');

    // "Theory" in the navigation opens the map.
    await clickAndWait(page, page.locator('header nav').getByRole('link', { name: 'Theory', exact: true }));
    await waitForPath(page, '/theory');
    const map = page.locator('svg.theory-map');
    await map.waitFor({ state: 'visible' });
    const links = map.locator('a[href^="/theory/"]');
    assert.equal(await links.count(), 34, 'one linked box per context');
    const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.equal(new Set(hrefs).size, 34, 'each context once');
    await page.locator('main h1', { hasText: 'Programme theory' }).waitFor();
    await shot(page, 'theory-map');

    // The table lists T1.4's grade; the detail page shows the same.
    const tableGrade = (
      await page.locator('main table tr', { has: page.locator('a[href="/theory/T1.4"]') }).locator('td').nth(3).innerText()
    ).trim();
    assert.match(tableGrade, /^(high|moderate|low|very low)$/);

    const box = map.locator('a[href="/theory/T1.4"]');
    await box.scrollIntoViewIfNeeded();
    await clickAndWait(page, box);
    await waitForPath(page, '/theory/T1.4');
    await page.locator('main h1', { hasText: /^T1\.4: / }).waitFor();
    assert.equal(await detail(page, 'Confidence (CERQual)'), tableGrade);
    const refs = await detail(page, 'Review references');
    assert.match(refs, /^\d+(\s*[,;–-]\s*\d+)*$/, `references: ${refs}`);
    assert.ok((await detail(page, 'Source')).length > 0, 'the source is cited');
    await shot(page, 'cmoc-T1.4');

    // A demo patient's page (one in care, with things to work on): the mechanisms and five suggestions.
    await page.goto('/patients');
    await clickAndWait(page, page.locator('main').getByRole('link', { name: 'Hansen, Per', exact: true }));
    await waitForPath(page, /^\/patients\/\d+$/);
    const patientPath = pathOf(page);
    const panel = page.getByRole('region', { name: 'Mechanisms' });
    await panel.waitFor({ state: 'visible' });
    const names = await panel.locator('.mech-list > li strong').allInnerTexts();
    assert.deepEqual(names.map((n) => n.replace(/:\s*$/, '')), ['Trust', 'Motivation', 'Confidence']);
    for (const status of await panel.locator('.mech-list > li .status').allInnerTexts()) {
      assert.match(status, /^(supported|at risk|not known yet)$/);
    }
    const suggestions = panel.locator('ol.suggestions > li');
    assert.equal(await suggestions.count(), 5);
    await shot(page, 'patient-mechanisms');

    // Every CMOC link of every suggestion opens that CMOC, with the grade shown beside the link.
    const cited = await suggestions.evaluateAll((lis) =>
      lis.map((li) =>
        [...li.querySelectorAll('a[href^="/theory/"]')].map((a) => ({
          id: a.textContent.trim(),
          href: a.getAttribute('href'),
          grade: (/^\s*\(([^)]+) confidence\)/.exec(a.nextSibling ? a.nextSibling.textContent : '') || [])[1],
        })),
      ),
    );
    for (const [i, list] of cited.entries()) {
      assert.ok(list.length > 0, `suggestion ${i + 1} names its evidence`);
    }
    for (const [i, list] of cited.entries()) {
      for (const [j, c] of list.entries()) {
        assert.equal(c.href, `/theory/${c.id}`);
        await page.goto(patientPath);
        const link = page.getByRole('region', { name: 'Mechanisms' }).locator('ol.suggestions > li').nth(i).locator('a[href^="/theory/"]').nth(j);
        await clickAndWait(page, link);
        await waitForPath(page, `/theory/${c.id}`);
        await page.locator('main h1', { hasText: `${c.id}: ` }).waitFor();
        assert.equal(await detail(page, 'Confidence (CERQual)'), c.grade, `${c.id}'s grade as on the patient's page`);
      }
    }
    await shot(page, 'suggestion-cmoc');
  } catch (e) {
    await shot(page, 'FAILED').catch(() => {});
    throw e;
  }
});
