// axe-core accessibility checks (WCAG 2.x A/AA rules, including colour contrast) on the pages a
// reader meets first: the topic hub, the tag pages, the appendix, every published piece, print.html and 404.html, in
// all five mdBook themes. Each theme has its own colours (dsbook.css sets --links and the
// --ds-* colours per theme), so contrast must be checked in each; the sidebar is open at this
// width, so its table of contents and the menu bar's controls are checked on every page too.
// The hub is also checked with the search bar open and showing results, in every theme.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { launch, openPage, axeViolations, formatViolations, allPages, THEMES } = require('./helpers');

// The fixed pages, plus every published piece (designs with their stepper, handbooks, tools).
const PAGES = [
    'index.html',
    'tags/index.html',
    'tags/caching.html',
    'appendix/index.html',
    'appendix/tested-code.html',
    'appendix/diagram-language.html',
    'print.html',
    '404.html',
].concat(allPages().filter((rel) => /^(designs|handbooks|tools)\//.test(rel)));

test('axe finds no violations', async (t) => {
    const browser = await launch();
    t.after(() => browser.close());
    let runs = 0;
    let violations = 0;
    for (const theme of THEMES) {
        for (const rel of PAGES) {
            await t.test(`${rel} in ${theme}`, async () => {
                const { page, close } = await openPage(browser, rel, { theme });
                try {
                    const applied = await page.evaluate(() => document.documentElement.className);
                    assert.match(applied, new RegExp(`\\b${theme}\\b`), 'theme was not applied');
                    const found = await axeViolations(page);
                    runs += 1;
                    violations += found.length;
                    assert.equal(found.length, 0, `${rel} in ${theme}:\n${formatViolations(found)}`);
                } finally {
                    await close();
                }
            });
        }
    }
    // The search bar and its results only exist once a search is typed; search must also work
    // from file:// (mdBook loads its index with a <script>, not fetch).
    for (const theme of THEMES) {
        await t.test(`index.html with search results in ${theme}`, async () => {
            const { page, blocked, close } = await openPage(browser, 'index.html', { theme });
            try {
                await page.keyboard.press('s');
                await page.keyboard.type('tested');
                await page.locator('#mdbook-searchresults li').first().waitFor();
                assert.match(await page.locator('#mdbook-searchresults-header').textContent(), /^\d+ search results? for 'tested'/);
                const found = await axeViolations(page);
                runs += 1;
                violations += found.length;
                assert.equal(found.length, 0, `search in ${theme}:\n${formatViolations(found)}`);
                assert.deepEqual(blocked, []);
            } finally {
                await close();
            }
        });
    }
    t.diagnostic(`${runs} axe runs (${PAGES.length} pages × ${THEMES.length} themes, and the hub with search results in each theme), ${violations} violations`);
});
