// The topic hub (index.html) by keyboard, and without JavaScript.
//
// The tag filter is the hub's one interactive control, so it must work for a reader who only
// uses a keyboard (Tab to a tag, Enter/Space to press it), tell screen-reader users what changed
// (the role=status region), and keep the choice in the URL (#tag=slug) so a filtered hub can be
// linked. Arrow keys must not throw the reader off the page (mdBook binds ArrowLeft/Right to
// previous/next chapter), and the sidebar toggle must open and close by keyboard with a true
// aria-expanded. Without JavaScript every card is shown and the filter stays hidden.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { launch, openPage, pageUrl, DESKTOP } = require('./helpers');

const ALL = 21;

// What the reader can see: which cards are visible, what the status says, which buttons are pressed.
function hubState(page) {
    return page.evaluate(() => {
        const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
        const cards = Array.from(document.querySelectorAll('.ds-hub .ds-card'));
        return {
            total: cards.length,
            shown: cards.filter(visible).length,
            shownTags: cards.filter(visible).map((c) => c.getAttribute('data-tags').split(' ')),
            status: (document.querySelector('.ds-filter [role="status"]') || {}).textContent,
            pressed: Array.from(document.querySelectorAll('.ds-filter button[aria-pressed="true"]'))
                .map((b) => b.getAttribute('data-tag')),
            filterVisible: !!document.querySelector('.ds-filter') && visible(document.querySelector('.ds-filter')),
            hash: location.hash,
            path: location.pathname,
        };
    });
}

// Presses Tab until `selector` has focus; fails if it is never reached (i.e. not in the tab order).
async function tabTo(page, selector, limit = 300) {
    for (let i = 0; i < limit; i += 1) {
        await page.keyboard.press('Tab');
        if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) {
            return i + 1;
        }
    }
    throw new Error(`${selector} was not reached with ${limit} presses of Tab`);
}

async function focused(page) {
    return page.evaluate(() => {
        const el = document.activeElement;
        return el ? (el.getAttribute('data-tag') !== null ? `tag:${el.getAttribute('data-tag')}` : el.id || el.tagName) : null;
    });
}

test('hub', async (t) => {
    const browser = await launch();
    t.after(() => browser.close());

    // How many pieces carry "caching", from its own tag page, to check the hub against.
    const cachingCount = await (async () => {
        const { page, close } = await openPage(browser, 'tags/caching.html');
        const n = await page.locator('.ds-card').count();
        await close();
        return n;
    })();

    await t.test('tag filter works by keyboard alone', async () => {
        const { page, errors, blocked, close } = await openPage(browser, 'index.html', { viewport: DESKTOP });
        try {
            let s = await hubState(page);
            assert.equal(s.total, ALL);
            assert.equal(s.shown, ALL);
            assert.ok(s.filterVisible, 'the filter is shown when JavaScript runs');
            assert.deepEqual(s.pressed, ['']);
            assert.equal(s.status, `${ALL} pieces shown.`);

            await tabTo(page, 'button[data-tag="caching"]');
            await page.keyboard.press('Enter');
            s = await hubState(page);
            assert.ok(cachingCount > 0 && cachingCount < ALL, `caching tags ${cachingCount} pieces`);
            assert.equal(s.shown, cachingCount, 'only the cards tagged Caching are shown');
            assert.ok(s.shownTags.every((tags) => tags.includes('caching')), 'every shown card carries the tag');
            assert.equal(s.status, `${cachingCount} pieces shown, tagged Caching.`);
            assert.deepEqual(s.pressed, ['caching']);
            assert.equal(s.hash, '#tag=caching');
            assert.equal(await focused(page), 'tag:caching', 'focus stays on the pressed button');

            // Space on the pressed button releases it: all cards again, no hash.
            await page.keyboard.press('Space');
            s = await hubState(page);
            assert.equal(s.shown, ALL);
            assert.equal(s.status, `${ALL} pieces shown.`);
            assert.deepEqual(s.pressed, ['']);
            assert.equal(s.hash, '');

            // Press another tag with Space, then go back to "All" with Shift+Tab and press Enter.
            await tabTo(page, 'button[data-tag="sharding"]');
            await page.keyboard.press('Space');
            s = await hubState(page);
            assert.ok(s.shown > 0 && s.shown < ALL);
            assert.match(s.status, /^\d+ pieces? shown, tagged Sharding\.$/);
            assert.equal(s.hash, '#tag=sharding');
            for (let i = 0; i < 40 && (await focused(page)) !== 'tag:'; i += 1) {
                await page.keyboard.press('Shift+Tab');
            }
            assert.equal(await focused(page), 'tag:', 'Shift+Tab reaches "All"');
            await page.keyboard.press('Enter');
            s = await hubState(page);
            assert.equal(s.shown, ALL);
            assert.equal(s.status, `${ALL} pieces shown.`);
            assert.equal(s.hash, '');
            assert.deepEqual(errors, []);
            assert.deepEqual(blocked, []);
        } finally {
            await close();
        }
    });

    await t.test('index.html#tag=sharding starts filtered', async () => {
        const { page, errors, close } = await openPage(browser, 'index.html#tag=sharding');
        try {
            const s = await hubState(page);
            assert.ok(s.shown > 0 && s.shown < ALL, `shown ${s.shown}`);
            assert.ok(s.shownTags.every((tags) => tags.includes('sharding')));
            assert.deepEqual(s.pressed, ['sharding']);
            assert.equal(s.status, `${s.shown} ${s.shown === 1 ? 'piece' : 'pieces'} shown, tagged Sharding.`);
            // An unknown tag in the URL falls back to all pieces.
            await page.goto(pageUrl('index.html#tag=no-such-tag'));
            await page.reload();
            const u = await hubState(page);
            assert.equal(u.shown, ALL);
            assert.deepEqual(u.pressed, ['']);
            assert.deepEqual(errors, []);
        } finally {
            await close();
        }
    });

    await t.test('without JavaScript all cards show and the filter is hidden', async () => {
        const { page, close } = await openPage(browser, 'index.html#tag=sharding', { javaScriptEnabled: false });
        try {
            const s = await hubState(page);
            assert.equal(s.total, ALL);
            assert.equal(s.shown, ALL);
            assert.equal(s.filterVisible, false);
            // Each card's chips are links to the tag pages instead.
            const hrefs = await page.$$eval('.ds-card .ds-chips a.ds-chip', (as) => as.map((a) => a.getAttribute('href')));
            assert.ok(hrefs.length >= ALL);
            assert.ok(hrefs.every((h) => /^tags\/[a-z0-9-]+\.html$/.test(h)), hrefs.join(' '));
            // The sidebar is the toc.html frame, which needs a title to be announced (axe's
            // frame-title rule; axe itself cannot run here, it needs timers).
            const frame = await page.$eval('#mdbook-sidebar iframe', (f) => ({ title: f.title, src: f.getAttribute('src') }));
            assert.deepEqual(frame, { title: 'Table of contents', src: 'toc.html' });
        } finally {
            await close();
        }
    });

    await t.test('arrow keys move between tag buttons and do not leave the hub', async () => {
        const { page, errors, close } = await openPage(browser, 'index.html');
        try {
            await tabTo(page, 'button[data-tag=""]');
            await page.keyboard.press('ArrowRight');
            const first = await focused(page);
            assert.match(first, /^tag:[a-z0-9-]+$/, 'ArrowRight moves to the first tag');
            await page.keyboard.press('ArrowRight');
            await page.keyboard.press('ArrowLeft');
            assert.equal(await focused(page), first);
            await page.keyboard.press('End');
            await page.keyboard.press('ArrowRight');
            assert.equal(await focused(page), 'tag:', 'ArrowRight wraps from the last tag to "All"');
            await page.keyboard.press('ArrowLeft');
            await page.keyboard.press('Home');
            assert.equal(await focused(page), 'tag:');
            await page.keyboard.press('ArrowUp');
            await page.keyboard.press('ArrowDown');
            const s = await hubState(page);
            assert.equal(s.path.endsWith('/index.html'), true, `still on the hub, not ${s.path}`);
            assert.equal(s.shown, ALL, 'moving focus does not filter');
            assert.deepEqual(s.pressed, ['']);
            assert.deepEqual(errors, []);
        } finally {
            await close();
        }
    });

    await t.test('sidebar sections fold and unfold by keyboard', async () => {
        const { page, errors, close } = await openPage(browser, 'index.html');
        try {
            const toggle = '#mdbook-sidebar .chapter-fold-toggle[role="button"][aria-label="Sections of Browse by tag"]';
            const state = () => page.evaluate((sel) => {
                const t = document.querySelector(sel);
                const link = document.querySelector('#mdbook-sidebar a[href$="tags/caching.html"]');
                return { expanded: t.getAttribute('aria-expanded'), linkVisible: link.getClientRects().length > 0 };
            }, toggle);
            assert.deepEqual(await state(), { expanded: 'false', linkVisible: false });
            await tabTo(page, toggle);
            await page.keyboard.press('Enter');
            assert.deepEqual(await state(), { expanded: 'true', linkVisible: true });
            await page.keyboard.press('Space');
            assert.deepEqual(await state(), { expanded: 'false', linkVisible: false });
            assert.equal((await hubState(page)).path.endsWith('/index.html'), true);
            assert.deepEqual(errors, []);
        } finally {
            await close();
        }
    });

    await t.test('sidebar toggle opens and closes by keyboard', async () => {
        for (const viewport of [DESKTOP, { width: 390, height: 844 }]) {
            const { page, errors, close } = await openPage(browser, 'index.html', { viewport });
            try {
                const state = () => page.evaluate(() => {
                    const sidebar = document.getElementById('mdbook-sidebar');
                    const r = sidebar.getBoundingClientRect();
                    return {
                        expanded: document.getElementById('mdbook-sidebar-toggle').getAttribute('aria-expanded'),
                        open: document.documentElement.classList.contains('sidebar-visible'),
                        hidden: sidebar.getAttribute('aria-hidden'),
                        onScreen: getComputedStyle(sidebar).display !== 'none' && r.right > 0 && r.left < innerWidth,
                        linkTabIndex: (sidebar.querySelector('a[href]') || {}).tabIndex,
                    };
                });
                const before = await state();
                // Wide screens start with the sidebar open, phones with it closed.
                const startsOpen = viewport.width >= 1080;
                assert.equal(before.open, startsOpen);
                assert.equal(before.expanded, String(startsOpen));
                await tabTo(page, '#mdbook-sidebar-toggle');
                for (const key of ['Enter', 'Space']) {
                    await page.keyboard.press(key);
                    const want = !startsOpen === (key === 'Enter');
                    await page.waitForFunction((w) => {
                        const sidebar = document.getElementById('mdbook-sidebar');
                        const r = sidebar.getBoundingClientRect();
                        const onScreen = getComputedStyle(sidebar).display !== 'none' && r.right > 1 && r.left < innerWidth - 1;
                        return onScreen === w && !document.getAnimations().some((a) => a.playState === 'running');
                    }, want);
                    const s = await state();
                    assert.equal(s.open, want, `${key} toggles the sidebar at ${viewport.width}px`);
                    assert.equal(s.expanded, String(want), 'aria-expanded follows the sidebar');
                    assert.equal(s.hidden, String(!want), 'aria-hidden follows the sidebar');
                    assert.equal(s.linkTabIndex, want ? 0 : -1, 'sidebar links are tabbable only when open');
                    assert.equal(await focused(page), 'mdbook-sidebar-toggle', 'focus stays on the toggle');
                }
                assert.deepEqual(errors, []);
            } finally {
                await close();
            }
        }
    });
});
