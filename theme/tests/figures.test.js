// Figures in the text, placed with {{#figure id}} or {{#figure id N}}, on every page that has them.
//
// Every stage is a figure with its "Stage k of n" caption in the markup. Without JavaScript, in
// print, and on print.html (where a design's stepper is active nowhere but its inline stage
// figures are shown), every such figure is visible. With JavaScript, on a wide screen and on a
// phone, a sequence of stages (div.ds-figure-series) becomes a compact stepper: one stage at a
// time, previous/next buttons that stay focusable at the ends (aria-disabled), arrow keys that
// never reach mdBook's chapter navigation, an aria-live announcement, and its controls above
// the figure, where they stay put while the figure below takes the height of its stage. A
// sequence is one labelled group for screen readers, and the SVG ids of a page never repeat.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');
const assert = require('node:assert/strict');
const { launch, openPage, allPages, bookDir, DESKTOP, PHONE } = require('./helpers');

// Pages with sequences of figures, which scripts turn into steppers (print.html stays as it is).
function seriesPages() {
    return allPages().filter((rel) => rel !== 'print.html' &&
        fs.readFileSync(path.join(bookDir(), rel), 'utf8').includes('class="ds-figure-series"'));
}

// Pages with inline figures, found from the built HTML so new chapters are covered too.
function figurePages() {
    return allPages().filter((rel) =>
        fs.readFileSync(path.join(bookDir(), rel), 'utf8').includes('ds-inline-figure'));
}

function inspect(page) {
    return page.evaluate(() => {
        const figures = Array.from(document.querySelectorAll('figure.ds-inline-figure'));
        const shown = (el, min = 40) => el.getClientRects().length > 0 &&
            getComputedStyle(el).visibility !== 'hidden' && el.getBoundingClientRect().height > min;
        const ids = Array.from(document.querySelectorAll('[id]')).map((el) => el.id);
        return {
            count: figures.length,
            uncaptioned: figures.filter((f) =>
                !((f.querySelector('figcaption') || {}).textContent || '').trim()).length,
            // Figures outside a stepping sequence; a stepping sequence shows one of its figures.
            hidden: figures.filter((f) => !f.closest('.ds-series-on') && !shown(f)).map((f) =>
                `${f.getAttribute('data-ds-diagram')} stage ${f.getAttribute('data-ds-stage')}`),
            groups: Array.from(document.querySelectorAll('.ds-figure-series')).map((g) => ({
                role: g.getAttribute('role'),
                label: g.getAttribute('aria-label') || '',
                figures: g.querySelectorAll('figure.ds-inline-figure').length,
                stepping: g.classList.contains('ds-series-on'),
                shown: Array.from(g.querySelectorAll('figure.ds-inline-figure')).filter((f) => shown(f)).length,
                first: (Array.from(g.querySelectorAll('figure.ds-inline-figure')).find((f) => shown(f)) || {}).dataset.dsStage,
                bar: Array.from(g.querySelectorAll('.ds-series-bar')).filter((b) => shown(b, 10)).length,
            })),
            duplicateIds: ids.filter((id, i) => ids.indexOf(id) !== i).slice(0, 5),
        };
    });
}

test('figures in the text are shown, one stage of a sequence at a time with JavaScript', async (t) => {
    const pages = figurePages();
    assert.ok(pages.some((rel) => rel.startsWith('handbooks/')), 'no handbook has inline figures');
    const browser = await launch();
    t.after(() => browser.close());
    const cases = [
        { name: 'wide', options: { viewport: DESKTOP }, stepping: true },
        { name: 'phone', options: { viewport: PHONE }, stepping: true },
        { name: 'no JavaScript', options: { viewport: DESKTOP, javaScriptEnabled: false } },
        { name: 'print', options: { viewport: DESKTOP }, stepping: true, print: true },
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
                    const stepping = Boolean(c.stepping) && rel !== 'print.html';
                    for (const g of s.groups) {
                        assert.equal(g.role, 'group');
                        assert.match(g.label, /, stages 1 to \d+$/);
                        assert.ok(g.figures > 1);
                        assert.equal(g.stepping, stepping, `${g.label}: a stepper only with JavaScript, off print.html`);
                        // In print, a page whose sequences step on screen shows every stage again.
                        const one = stepping && !c.print;
                        assert.equal(g.shown, one ? 1 : g.figures, `${g.label}: stages shown`);
                        assert.equal(g.first, '1', `${g.label}: starts at stage 1`);
                        assert.equal(g.bar, one ? 1 : 0, `${g.label}: controls shown`);
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

// The state of sequence `n` of the page: its shown stages, controls, announcement and size.
function series(page, n) {
    return page.evaluate((n) => {
        const g = document.querySelectorAll('.ds-figure-series')[n];
        const figures = Array.from(g.querySelectorAll('figure.ds-inline-figure'));
        const shown = figures.filter((f) => f.getClientRects().length > 0 && getComputedStyle(f).visibility !== 'hidden');
        const bar = g.querySelector('.ds-series-bar');
        const current = shown[0];
        return {
            count: figures.length,
            shown: shown.map((f) => Number(f.getAttribute('data-ds-stage'))),
            titles: figures.map((f) => f.querySelector('figcaption strong').textContent),
            status: g.querySelector('.ds-series-status').textContent,
            live: g.querySelector('[aria-live="polite"]').textContent,
            prev: g.querySelector('.ds-series-prev').getAttribute('aria-disabled'),
            next: g.querySelector('.ds-series-next').getAttribute('aria-disabled'),
            barTop: Math.round(window.scrollY + bar.getBoundingClientRect().top),
            barAbove: bar.getBoundingClientRect().bottom <= current.getBoundingClientRect().top + 1,
            // The sequence is as tall as its bar and its current stage, no taller.
            slack: Math.round(g.getBoundingClientRect().bottom - current.getBoundingClientRect().bottom),
            focus: document.activeElement.className,
            outline: getComputedStyle(document.activeElement).outlineStyle,
            href: location.href,
        };
    }, n);
}

test('a sequence of figures steps through its stages by click and by keyboard', async (t) => {
    const pages = seriesPages();
    assert.ok(pages.length > 0, 'no page has a sequence of figures');
    const browser = await launch();
    t.after(() => browser.close());
    for (const rel of pages) {
        for (const [name, viewport] of [['wide', DESKTOP], ['phone', PHONE]]) {
            await t.test(`${rel}, ${name}`, async () => {
                const { page, errors, blocked, close } = await openPage(browser, rel, { viewport });
                try {
                    const n = await page.locator('.ds-figure-series').count();
                    for (let i = 0; i < n; i += 1) {
                        const g = page.locator('.ds-figure-series').nth(i);
                        const first = await series(page, i);
                        const label = `${rel}, sequence ${i + 1}`;
                        const at = async (k, how) => {
                            const s = await series(page, i);
                            assert.deepEqual(s.shown, [k], `${label}: ${how} shows stage ${k} alone`);
                            assert.equal(s.status, `Stage ${k} of ${s.count}`);
                            assert.equal(s.prev, String(k === 1), `${label}: previous at stage ${k}`);
                            assert.equal(s.next, String(k === s.count), `${label}: next at stage ${k}`);
                            assert.equal(s.barTop, first.barTop, `${label}: the controls move at stage ${k}`);
                            assert.ok(s.barAbove, `${label}: the controls are not above the figure at stage ${k}`);
                            assert.ok(s.slack < 120, `${label}: ${s.slack} px of the sequence below stage ${k} (only the key belongs there)`);
                            assert.equal(s.href, first.href, `${label}: the page changed`);
                            return s;
                        };
                        await at(1, 'loading');
                        assert.equal(first.live, '', `${label}: nothing is announced on load`);
                        // Clicks, through every stage and back.
                        for (let k = 2; k <= first.count; k += 1) {
                            await g.locator('.ds-series-next').click();
                            const s = await at(k, 'next');
                            assert.equal(s.live, `Stage ${k} of ${s.count}: ${s.titles[k - 1]}`);
                        }
                        // At the end, next stays focusable and does nothing.
                        // (force: playwright waits for an aria-disabled button to become enabled.)
                        await g.locator('.ds-series-next').click({ force: true });
                        await at(first.count, 'next at the end');
                        for (let k = first.count - 1; k >= 1; k -= 1) {
                            await g.locator('.ds-series-prev').click();
                            assert.match((await at(k, 'previous')).live, new RegExp(`^Stage ${k} of `));
                        }
                        // Keyboard: Enter and Space on the buttons, arrows, Home and End inside the
                        // sequence; focus stays on a button that reaches an end.
                        await g.locator('.ds-series-next').focus();
                        await page.keyboard.press('Enter');
                        await at(2, 'Enter on next');
                        await page.keyboard.press('Space');
                        await at(Math.min(3, first.count), 'Space on next');
                        await page.keyboard.press('End');
                        await at(first.count, 'End');
                        let s = await page.keyboard.press('Enter').then(() => series(page, i));
                        assert.equal(s.focus, 'ds-series-next', `${label}: focus left the disabled button`);
                        assert.notEqual(s.outline, 'none', `${label}: the focused button shows a focus ring`);
                        await page.keyboard.press('ArrowLeft');
                        await at(first.count - 1, 'ArrowLeft');
                        await page.keyboard.press('Home');
                        await at(1, 'Home');
                        await page.keyboard.press('ArrowRight');
                        s = await at(2, 'ArrowRight');
                        assert.equal(s.live, `Stage 2 of ${s.count}: ${s.titles[1]}`);
                        await page.keyboard.press('Shift+Tab');
                        s = await series(page, i);
                        assert.equal(s.focus, 'ds-series-prev', `${label}: previous is reachable by Tab`);
                        await page.keyboard.press('Enter');
                        await at(1, 'Enter on previous');
                        await page.keyboard.press('ArrowLeft');
                        s = await at(1, 'ArrowLeft at stage 1');
                        assert.equal(s.focus, 'ds-series-prev', `${label}: focus left the disabled button`);
                    }
                    // A diagram that scrolls sideways (on a phone) keeps its arrow keys, and they
                    // neither change stage nor leave the page.
                    const scroller = page.locator('.ds-series-on > .ds-current .ds-figure-scroll[tabindex="0"]').first();
                    if (name === 'phone') {
                        assert.ok(await scroller.count() > 0, `${rel}: no sequence scrolls sideways on a phone`);
                    }
                    if (await scroller.count() > 0) {
                        const stage = () => scroller.evaluate((el) => el.closest('figure').getAttribute('data-ds-stage'));
                        const before = await stage();
                        await scroller.focus();
                        await page.keyboard.press('ArrowRight');
                        await page.waitForFunction((el) => el.scrollLeft > 0, await scroller.elementHandle());
                        assert.equal(await stage(), before, `${rel}: an arrow key in a scrolling diagram changed stage`);
                        assert.ok(await page.evaluate(() => document.activeElement.classList.contains('ds-figure-scroll')));
                    }
                    // Outside a sequence, the arrow keys are mdBook's chapter navigation again.
                    const next = await page.evaluate(() => (document.querySelector('.nav-chapters.next') || {}).href);
                    if (next) {
                        await page.evaluate(() => document.activeElement.blur());
                        await Promise.all([page.waitForURL(next), page.keyboard.press('ArrowRight')]);
                    }
                    assert.deepEqual(errors, []);
                    assert.deepEqual(blocked, []);
                } finally {
                    await close();
                }
            });
        }
    }
});

test('with reduced motion, changing the stage of a sequence animates nothing', async () => {
    const browser = await launch();
    try {
        const rel = seriesPages()[0];
        const still = await openPage(browser, rel, { reducedMotion: 'reduce' });
        await still.page.locator('.ds-series-next').first().click();
        assert.equal(await still.page.evaluate(() => document.getAnimations().length), 0);
        await still.close();
        const moving = await openPage(browser, rel);
        await moving.page.locator('.ds-series-next').first().click();
        assert.ok(await moving.page.evaluate(() => document.getAnimations().length) > 0,
            'without reduced motion the new stage fades in (so the check above can fail)');
        await moving.close();
    } finally {
        await browser.close();
    }
});
