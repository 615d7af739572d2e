// The staged-diagram stepper on every design page that places a diagram.
//
// On a wide screen the diagram must follow the reader: scrolling to a section shows its stage
// and announces it (aria-live); previous/next, the stage list and the arrow keys move through
// stages, and the arrow keys never reach mdBook's chapter navigation (which would leave the
// page). The full-window view opens and closes by keyboard. On a phone, without JavaScript and
// in print, the stepper is hidden and every stage is an inline figure with its caption; with
// reduced motion nothing animates.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');
const assert = require('node:assert/strict');
const { launch, openPage, allPages, bookDir, PHONE } = require('./helpers');

const WIDE = { width: 1440, height: 900 };

// Pages with a stepper, found from the built HTML so new design chapters are covered too.
function stepperPages() {
    return allPages().filter((rel) => rel !== 'print.html' &&
        fs.readFileSync(path.join(bookDir(), rel), 'utf8').includes('class="ds-stepper"'));
}

function state(page) {
    return page.evaluate(() => {
        const stepper = document.querySelector('div.ds-stepper');
        const view = stepper.querySelector('.ds-stepper-view');
        const figures = Array.from(document.querySelectorAll('.ds-stage-figure'));
        const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden' &&
            el.getBoundingClientRect().height > 0;
        return {
            visible: shown(stepper),
            stage: Number(view.getAttribute('data-ds-stage')),
            count: Number(stepper.getAttribute('data-ds-stages')),
            live: stepper.querySelector('.ds-stepper-live').textContent,
            caption: stepper.querySelector('.ds-stepper-caption').textContent,
            figuresShown: figures.filter(shown).length,
            figures: figures.length,
            href: location.href,
        };
    });
}

// Scrolls so that the heading of stage k's section sits just below the stepper.
async function readSection(page, k) {
    await page.evaluate((k) => {
        const marker = document.querySelectorAll('.ds-stage-figure')[k - 1];
        const heading = marker.previousElementSibling;
        const stepper = document.querySelector('div.ds-stepper');
        const y = heading.getBoundingClientRect().top + window.scrollY - stepper.getBoundingClientRect().height - 60;
        window.scrollTo(0, y);
    }, k);
    await page.waitForFunction((k) => document.querySelector('.ds-stepper-view').getAttribute('data-ds-stage') === String(k), k);
}

test('design pages have a stepper to test', () => {
    assert.ok(stepperPages().length >= 1, 'no page places a staged diagram');
});

test('the stepper follows the section being read and announces each stage', async () => {
    const browser = await launch();
    try {
        for (const rel of stepperPages()) {
            const { page, errors, blocked, close } = await openPage(browser, rel, { viewport: WIDE });
            const first = await state(page);
            assert.ok(first.visible, `${rel}: the stepper is hidden on a wide screen`);
            assert.equal(first.figuresShown, 0, `${rel}: inline stage figures should give way to the stepper`);
            assert.equal(first.figures, first.count, `${rel}: one inline figure per stage`);
            for (let k = 1; k <= first.count; k += 1) {
                await readSection(page, k);
                const s = await state(page);
                assert.equal(s.stage, k);
                if (k > 1) {
                    assert.match(s.live, new RegExp(`^Stage ${k} of ${first.count}: `), `${rel}: stage ${k} announced`);
                }
                assert.match(s.caption, new RegExp(`Stage ${k} of ${first.count}:`));
            }
            for (let k = first.count; k >= 1; k -= 1) {
                await readSection(page, k);
            }
            assert.deepEqual(errors, []);
            assert.deepEqual(blocked, []);
            await close();
        }
    } finally {
        await browser.close();
    }
});

test('a link to a section lands below the stepper, which shows that section\'s stage', async () => {
    const browser = await launch();
    try {
        for (const rel of stepperPages()) {
            const { page, close } = await openPage(browser, rel, { viewport: WIDE });
            const ids = await page.$$eval('.ds-stage-figure', (figs) => figs.map((f) => f.previousElementSibling.id));
            const k = Math.min(3, ids.length);
            await close();
            const linked = await openPage(browser, `${rel}#${ids[k - 1]}`, { viewport: WIDE });
            await linked.page.waitForFunction((k) => document.querySelector('.ds-stepper-view').getAttribute('data-ds-stage') === String(k), k);
            const where = await linked.page.evaluate((id) => ({
                heading: document.getElementById(id).getBoundingClientRect().top,
                stepper: document.querySelector('div.ds-stepper').getBoundingClientRect().bottom,
            }), ids[k - 1]);
            assert.ok(where.heading >= where.stepper, `${rel}: the heading is hidden under the stepper (${JSON.stringify(where)})`);
            await linked.close();
        }
    } finally {
        await browser.close();
    }
});

test('buttons, the stage list and arrow keys move through stages without leaving the page', async () => {
    const browser = await launch();
    try {
        for (const rel of stepperPages()) {
            const { page, close } = await openPage(browser, rel, { viewport: WIDE });
            await readSection(page, 1);
            const before = await state(page);
            await page.click('.ds-stepper-next');
            assert.equal((await state(page)).stage, 2);
            await page.click('.ds-stepper-prev');
            assert.equal((await state(page)).stage, 1);
            assert.equal(await page.getAttribute('.ds-stepper-prev', 'aria-disabled'), 'true', 'previous is marked disabled at stage 1');
            await page.selectOption('.ds-stepper-list', '3');
            assert.equal((await state(page)).stage, 3);

            await page.focus('.ds-stepper-next');
            await page.keyboard.press('ArrowRight');
            assert.equal((await state(page)).stage, 4);
            await page.keyboard.press('ArrowLeft');
            await page.keyboard.press('ArrowLeft');
            assert.equal((await state(page)).stage, 2);
            await page.keyboard.press('End');
            assert.equal((await state(page)).stage, before.count);
            await page.keyboard.press('Home');
            assert.equal((await state(page)).stage, 1);
            const after = await state(page);
            assert.equal(after.href, before.href, 'arrow keys inside the stepper must not change chapter');
            assert.match(after.live, /^Stage 1 of /);

            // Focus is visible on the controls.
            const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
            assert.notEqual(outline, 'none', 'the focused control shows a focus ring');
            await close();
        }
    } finally {
        await browser.close();
    }
});

test('the full-window view opens and closes by keyboard', async () => {
    const browser = await launch();
    try {
        for (const rel of stepperPages()) {
            const { page, close } = await openPage(browser, rel, { viewport: WIDE });
            await page.focus('.ds-stepper-full');
            await page.keyboard.press('Enter');
            const open = await page.evaluate(() => {
                const s = document.querySelector('div.ds-stepper');
                const r = s.getBoundingClientRect();
                return { full: s.classList.contains('ds-full'), w: r.width, h: r.height,
                    pressed: document.querySelector('.ds-stepper-full').getAttribute('aria-pressed') };
            });
            assert.ok(open.full && open.pressed === 'true');
            assert.ok(open.w >= WIDE.width - 2 && open.h >= WIDE.height - 2, 'it covers the window');
            await page.keyboard.press('ArrowRight');
            assert.equal((await state(page)).stage, 2, 'keys work in the full-window view');
            await page.keyboard.press('Escape');
            assert.equal(await page.evaluate(() => document.querySelector('div.ds-stepper').classList.contains('ds-full')), false);
            await close();
        }
    } finally {
        await browser.close();
    }
});

test('on a phone, without JavaScript and in print every stage is an inline figure', async () => {
    const browser = await launch();
    try {
        for (const rel of stepperPages()) {
            const cases = [
                { name: 'phone', options: { viewport: PHONE } },
                { name: 'no JavaScript', options: { viewport: WIDE, javaScriptEnabled: false } },
                { name: 'print', options: { viewport: WIDE }, print: true },
            ];
            for (const c of cases) {
                const { page, close } = await openPage(browser, rel, c.options);
                if (c.print) {
                    await page.emulateMedia({ media: 'print' });
                }
                const s = await state(page);
                assert.equal(s.visible, false, `${rel} (${c.name}): the stepper is hidden`);
                assert.equal(s.figuresShown, s.count, `${rel} (${c.name}): every stage is shown inline`);
                const captions = await page.$$eval('.ds-stage-figure figcaption', (els) => els.map((e) => e.textContent));
                captions.forEach((text, i) => assert.match(text, new RegExp(`^Stage ${i + 1} of ${s.count}: `)));
                if (c.name === 'phone') {
                    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
                    assert.ok(overflow <= 0, `${rel}: the page scrolls sideways by ${overflow}px on a phone`);
                }
                await close();
            }
        }
    } finally {
        await browser.close();
    }
});

test('with reduced motion, changing stage animates nothing', async () => {
    const browser = await launch();
    try {
        for (const rel of stepperPages()) {
            const { page, close } = await openPage(browser, rel, { viewport: WIDE, reducedMotion: 'reduce' });
            await page.click('.ds-stepper-next');
            assert.equal(await page.evaluate(() => document.getAnimations().length), 0);
            await close();
            const moving = await openPage(browser, rel, { viewport: WIDE });
            await moving.page.click('.ds-stepper-next');
            assert.ok(await moving.page.evaluate(() => document.getAnimations().length) > 0,
                'without reduced motion, new elements fade in (so the check above can fail)');
            await moving.close();
        }
    } finally {
        await browser.close();
    }
});

// While the reader is in the staged sections, the stepper sticks and takes at most 45% of the
// window; before and after them it scrolls away like a figure. When mdBook slides its menu bar
// away (sidebar hidden), the stepper moves up to the window's top: no gap for text to show through.
test('the stepper sticks only in the staged sections, within 45% of the window and without a gap', async () => {
    const browser = await launch();
    try {
        for (const rel of stepperPages()) {
            for (const viewport of [{ width: 1280, height: 800 }, { width: 1050, height: 768 }]) {
                const { page, close } = await openPage(browser, rel, { viewport, reducedMotion: 'reduce' });
                const at = async (where) => {
                    await page.evaluate((where) => {
                        const el = where === 'staged'
                            ? document.querySelectorAll('.ds-stage-figure')[1].previousElementSibling
                            : Array.from(document.querySelectorAll('main h2')).find((h) => h.id === where);
                        // A staged section's heading just below the stepper; another section's
                        // heading near the top, as when the reader has started on it.
                        window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - (where === 'staged' ? 500 : 150));
                    }, where);
                    // Scroll events arrive as the reader scrolls: finish with a small wheel move.
                    await page.mouse.wheel(0, 30);
                    await page.waitForTimeout(150);
                    return page.evaluate(() => {
                        const s = document.querySelector('div.ds-stepper');
                        const r = s.getBoundingClientRect();
                        const menu = document.getElementById('mdbook-menu-bar').getBoundingClientRect();
                        return {
                            stuck: s.classList.contains('ds-stuck'),
                            share: r.height / window.innerHeight,
                            gap: r.top - Math.max(0, menu.bottom),
                            onScreen: r.bottom > 0 && r.top < window.innerHeight,
                        };
                    });
                };
                const label = `${rel} at ${viewport.width}×${viewport.height}`;
                const inside = await at('staged');
                assert.ok(inside.stuck && inside.onScreen, `${label}: not stuck in the staged sections`);
                assert.ok(inside.share <= 0.45 + 1e-3, `${label}: ${Math.round(inside.share * 100)}% of the window`);
                assert.ok(Math.abs(inside.gap) <= 1, `${label}: ${inside.gap} px between the menu bar and the stepper`);
                for (const where of ['requirements', 'failure-modes']) {
                    const outside = await at(where);
                    assert.ok(!outside.stuck, `${label}: still stuck at #${where}`);
                }
                await close();
            }
        }
    } finally {
        await browser.close();
    }
});

// On a window wide enough, the stepper stands beside the text for the diagram's part of the
// chapter: out of the flow, clear of the text column, as tall as the window allows.
test('on a wide window the stepper stands beside the text', async () => {
    const browser = await launch();
    try {
        for (const rel of stepperPages()) {
            const { page, close } = await openPage(browser, rel, { viewport: { width: 1920, height: 1080 }, reducedMotion: 'reduce' });
            await page.evaluate(() => {
                const el = document.querySelectorAll('.ds-stage-figure')[1].previousElementSibling;
                window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 300);
            });
            await page.mouse.wheel(0, 30);
            await page.waitForTimeout(150);
            const s = await page.evaluate(() => {
                const st = document.querySelector('div.ds-stepper').getBoundingClientRect();
                const main = document.querySelector('#mdbook-content main').getBoundingClientRect();
                return {
                    side: document.documentElement.classList.contains('ds-side'),
                    stuck: document.querySelector('div.ds-stepper').classList.contains('ds-stuck'),
                    clear: st.left >= main.right,
                    tall: st.height / window.innerHeight,
                    stage: Number(document.querySelector('.ds-stepper-view').getAttribute('data-ds-stage')),
                };
            });
            assert.ok(s.side && s.stuck, `${rel}: not beside the text (${JSON.stringify(s)})`);
            assert.ok(s.clear, `${rel}: the stepper covers the text column`);
            assert.ok(s.tall > 0.85, `${rel}: only ${Math.round(s.tall * 100)}% of the window tall`);
            assert.equal(s.stage, 2, `${rel}: the second section's stage`);
            await close();
        }
    } finally {
        await browser.close();
    }
});
