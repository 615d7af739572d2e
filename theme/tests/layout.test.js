// Layout at phone width (390×844, an iPhone 12-14 in CSS pixels): no page of the book may
// scroll sideways (the whole page, not a code block inside it), and the hub's and tag pages'
// cards stack in one column. At desktop width the cards use several columns, which shows the
// one-column check measures something.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { launch, newPage, pageUrl, allPages, PHONE, DESKTOP } = require('./helpers');

function columns(page) {
    return page.evaluate(() => {
        const cards = Array.from(document.querySelectorAll('.ds-card')).filter((c) => c.getClientRects().length);
        return {
            count: cards.length,
            lefts: Array.from(new Set(cards.map((c) => Math.round(c.getBoundingClientRect().left)))),
            widest: Math.max(...cards.map((c) => Math.round(c.getBoundingClientRect().right))),
        };
    });
}

test('phone width', async (t) => {
    const browser = await launch();
    const { page, errors, close } = await newPage(browser, { viewport: PHONE });
    t.after(async () => { await close(); await browser.close(); });

    for (const rel of allPages()) {
        await t.test(`${rel} does not scroll sideways`, async () => {
            await page.goto(pageUrl(rel));
            const m = await page.evaluate(() => ({
                scrollWidth: document.documentElement.scrollWidth,
                innerWidth: window.innerWidth,
                // The elements that stick out, to say what to fix.
                wide: Array.from(document.querySelectorAll('body *'))
                    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 &&
                        getComputedStyle(el).position !== 'fixed' && el.closest('#mdbook-sidebar') === null)
                    .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`),
            }));
            assert.ok(m.scrollWidth <= m.innerWidth,
                `${rel}: ${m.scrollWidth}px wide in a ${m.innerWidth}px window; sticking out: ${m.wide.join(', ')}`);
        });
    }

    // A region that scrolls sideways can only be scrolled by keyboard if it, or something in it,
    // takes focus (WCAG 2.1.1; axe's scrollable-region-focusable). Tables and code are the usual
    // culprits on a phone.
    for (const rel of allPages()) {
        await t.test(`${rel}: sideways-scrolling regions take focus`, async () => {
            await page.goto(pageUrl(rel));
            const stuck = await page.evaluate(() => {
                const focusable = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';
                return Array.from(document.querySelectorAll('#mdbook-content *'))
                    .filter((el) => {
                        const x = getComputedStyle(el).overflowX;
                        return (x === 'auto' || x === 'scroll') && el.scrollWidth > el.clientWidth + 1 &&
                            el.getClientRects().length > 0;
                    })
                    .filter((el) => el.tabIndex < 0 && !el.querySelector(focusable))
                    .slice(0, 5)
                    .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
            });
            assert.deepEqual(stuck, [], `${rel}: scrolls sideways but cannot take focus`);
        });
    }

    for (const rel of ['index.html', 'tags/caching.html']) {
        await t.test(`${rel}: cards in one column`, async () => {
            await page.goto(pageUrl(rel));
            const c = await columns(page);
            assert.ok(c.count > 0);
            assert.equal(c.lefts.length, 1, `cards start at ${c.lefts.join(', ')}px`);
            assert.ok(c.widest <= PHONE.width, `a card reaches ${c.widest}px`);
        });
    }

    await t.test('desktop: hub cards in several columns', async () => {
        const desktop = await newPage(browser, { viewport: DESKTOP });
        try {
            await desktop.page.goto(pageUrl('index.html'));
            const c = await columns(desktop.page);
            assert.ok(c.lefts.length >= 2, `cards start at ${c.lefts.join(', ')}px`);
        } finally {
            await desktop.close();
        }
    });

    await t.test('no console errors', () => assert.deepEqual(errors, []));
});
