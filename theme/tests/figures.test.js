// Figures in the text, placed with {{#figure id}} or {{#figure id N}}, on every page that has them.
//
// No script moves or hides them: on a wide screen, on a phone, without JavaScript, in print, and
// on print.html (where a design's stepper is active nowhere but its inline stage figures are
// shown), every such figure is visible with its "Stage k of n" caption. A sequence of stages is
// one labelled group for screen readers, and the SVG ids of a page never repeat.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');
const assert = require('node:assert/strict');
const { launch, openPage, allPages, bookDir, DESKTOP, PHONE } = require('./helpers');

// Pages with inline figures, found from the built HTML so new chapters are covered too.
function figurePages() {
    return allPages().filter((rel) =>
        fs.readFileSync(path.join(bookDir(), rel), 'utf8').includes('ds-inline-figure'));
}

function inspect(page) {
    return page.evaluate(() => {
        const figures = Array.from(document.querySelectorAll('figure.ds-inline-figure'));
        const shown = (el) => el.getClientRects().length > 0 &&
            getComputedStyle(el).visibility !== 'hidden' && el.getBoundingClientRect().height > 40;
        const ids = Array.from(document.querySelectorAll('[id]')).map((el) => el.id);
        return {
            count: figures.length,
            hidden: figures.filter((f) => !shown(f)).map((f) =>
                `${f.getAttribute('data-ds-diagram')} stage ${f.getAttribute('data-ds-stage')}`),
            uncaptioned: figures.filter((f) =>
                !((f.querySelector('figcaption') || {}).textContent || '').trim()).length,
            groups: Array.from(document.querySelectorAll('.ds-figure-series')).map((g) => ({
                role: g.getAttribute('role'),
                label: g.getAttribute('aria-label') || '',
                figures: g.querySelectorAll('figure.ds-inline-figure').length,
            })),
            duplicateIds: ids.filter((id, i) => ids.indexOf(id) !== i).slice(0, 5),
        };
    });
}

test('figures in the text are always shown', async (t) => {
    const pages = figurePages();
    assert.ok(pages.some((rel) => rel.startsWith('handbooks/')), 'no handbook has inline figures');
    const browser = await launch();
    t.after(() => browser.close());
    const cases = [
        { name: 'wide', options: { viewport: DESKTOP } },
        { name: 'phone', options: { viewport: PHONE } },
        { name: 'no JavaScript', options: { viewport: DESKTOP, javaScriptEnabled: false } },
        { name: 'print', options: { viewport: DESKTOP }, print: true },
    ];
    for (const rel of pages) {
        for (const c of cases) {
            await t.test(`${rel}, ${c.name}`, async () => {
                const { page, errors, close } = await openPage(browser, rel, c.options);
                try {
                    if (c.print) {
                        await page.emulateMedia({ media: 'print' });
                    }
                    const s = await inspect(page);
                    assert.ok(s.count > 0);
                    assert.deepEqual(s.hidden, [], 'hidden figures');
                    assert.equal(s.uncaptioned, 0);
                    for (const g of s.groups) {
                        assert.equal(g.role, 'group');
                        assert.match(g.label, /, stages 1 to \d+$/);
                        assert.ok(g.figures > 1);
                    }
                    assert.deepEqual(s.duplicateIds, [], 'ids repeat');
                    assert.deepEqual(errors, []);
                } finally {
                    await close();
                }
            });
        }
    }
});
