// Legibility of every diagram, as a reader sees it: at 1280×800, 1366×768, on a phone
// (390×844) and beside the text at 1920×1080, every text of every stage of every diagram on every page renders at 11 CSS px or
// more, and the "NEW" badges at 9 px or more. A diagram too wide for the column at that size
// must scroll sideways, reachable by keyboard and with a visible cue, instead of shrinking.
//
// In: the built book (DSBOOK_DIR). Out: one test per viewport; with DSBOOK_LEGIBILITY_REPORT
// set to a path, the smallest sizes measured per page, diagram and viewport are written there
// as JSON (the figures quoted when the layout changes).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');
const assert = require('node:assert/strict');
const { launch, openPage, allPages, bookDir } = require('./helpers');

const TEXT_FLOOR = 11;
const BADGE_FLOOR = 9;
const VIEWPORTS = {
    'desktop-1280x800': { width: 1280, height: 800 },
    'laptop-1366x768': { width: 1366, height: 768 },
    'phone-390x844': { width: 390, height: 844 },
    // Wide enough for the stepper to stand beside the text.
    'wide-1920x1080': { width: 1920, height: 1080 },
};

// Pages that show diagrams (print.html repeats every chapter; its figures are checked in print).
function diagramPages() {
    return allPages().filter((rel) => rel !== 'print.html' &&
        /class="ds-(stepper|figure)/.test(fs.readFileSync(path.join(bookDir(), rel), 'utf8')));
}

// Runs in the page: the smallest rendered size of the visible texts inside `root`, split into
// badges (class ds-ht) and every other text, with the text of the smallest one.
function measureIn(root) {
    let text = { px: Infinity, what: '' };
    let badge = { px: Infinity, what: '' };
    for (const t of root.querySelectorAll('svg text')) {
        if (t.getClientRects().length === 0 || getComputedStyle(t).visibility === 'hidden') { continue; }
        const m = t.getScreenCTM();
        if (!m) { continue; }
        const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
        const slot = t.classList.contains('ds-ht') ? badge : text;
        if (px < slot.px) {
            slot.px = px;
            slot.what = t.textContent.trim().slice(0, 40);
        }
    }
    return { text, badge };
}

// Every diagram on the page, stepped through each stage the way a reader would, with the
// smallest sizes per diagram and whether each overflowing figure scrolls with a cue.
async function measurePage(page) {
    return page.evaluate(async (measureSrc) => {
        const measure = new Function('return ' + measureSrc)();
        const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const out = [];
        const note = (diagram, stage, m) => {
            let row = out.find((r) => r.diagram === diagram);
            if (!row) {
                row = { diagram, text: Infinity, textAt: '', badge: Infinity, badgeAt: '', scrollsWithoutCue: [] };
                out.push(row);
            }
            if (m.text.px < row.text) { row.text = m.text.px; row.textAt = `stage ${stage}: "${m.text.what}"`; }
            if (m.badge.px < row.badge) { row.badge = m.badge.px; row.badgeAt = `stage ${stage}: "${m.badge.what}"`; }
        };
        const checkCue = (diagram, stage, box) => {
            if (box.scrollWidth > box.clientWidth + 1 &&
                !(box.getAttribute('tabindex') === '0' && box.classList.contains('ds-overflows'))) {
                out.find((r) => r.diagram === diagram).scrollsWithoutCue.push(stage);
            }
        };
        // The stepper that follows the reader.
        const stepper = document.querySelector('div.ds-stepper');
        if (stepper && !stepper.hidden) {
            const id = stepper.getAttribute('data-ds-diagram');
            const list = stepper.querySelector('.ds-stepper-list');
            const count = Number(stepper.getAttribute('data-ds-stages'));
            for (let k = 1; k <= count; k += 1) {
                list.value = String(k);
                list.dispatchEvent(new Event('change'));
                await frame();
                note(`${id} (stepper)`, k, measure(stepper));
                checkCue(`${id} (stepper)`, k, stepper.querySelector('.ds-stepper-view'));
            }
        }
        // Inline figures: sequences stepped with their Next button, single figures as they are.
        for (const fig of document.querySelectorAll('figure.ds-figure')) {
            if (fig.getClientRects().length === 0 || fig.getBoundingClientRect().height === 0) { continue; }
            const series = fig.closest('.ds-series-on');
            if (series) {
                // Measure each sequence once, from its first figure, by stepping through it.
                if (series.querySelector('figure.ds-figure') !== fig) { continue; }
                const figures = Array.from(series.querySelectorAll('figure.ds-inline-figure'));
                const next = series.querySelector('.ds-series-next');
                const first = series.querySelector('.ds-series-prev');
                for (let i = 0; i < figures.length; i += 1) { first.click(); }
                for (let k = 1; k <= figures.length; k += 1) {
                    await frame();
                    const current = figures[k - 1];
                    const name = `${current.getAttribute('data-ds-diagram')} (sequence)`;
                    note(name, k, measure(current));
                    checkCue(name, k, current.querySelector('.ds-figure-scroll'));
                    next.click();
                }
                continue;
            }
            const name = `${fig.getAttribute('data-ds-diagram')} (figure)`;
            const stage = Number(fig.getAttribute('data-ds-stage'));
            note(name, stage, measure(fig));
            checkCue(name, stage, fig.querySelector('.ds-figure-scroll'));
        }
        return out.map((r) => ({ ...r, text: Math.round(r.text * 100) / 100, badge: r.badge === Infinity ? null : Math.round(r.badge * 100) / 100 }));
    }, measureIn.toString());
}

const report = {};

test('legibility', async (t) => {
    const pages = diagramPages();
    assert.ok(pages.length >= 3, `expected pages with diagrams, found ${pages.length}`);
    const browser = await launch();
    t.after(() => browser.close());
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
        await t.test(name, async () => {
            const problems = [];
            for (const rel of pages) {
                const handle = await openPage(browser, rel, { viewport, reducedMotion: 'reduce' });
                const rows = await measurePage(handle.page);
                await handle.close();
                for (const row of rows) {
                    (report[name] ||= []).push({ page: rel, ...row });
                    if (row.text < TEXT_FLOOR) {
                        problems.push(`${rel} ${row.diagram}: text at ${row.text} px (${row.textAt})`);
                    }
                    if (row.badge !== null && row.badge < BADGE_FLOOR) {
                        problems.push(`${rel} ${row.diagram}: badge at ${row.badge} px (${row.badgeAt})`);
                    }
                    if (row.scrollsWithoutCue.length) {
                        problems.push(`${rel} ${row.diagram}: scrolls sideways without a focusable cue at stages ${row.scrollsWithoutCue.join(', ')}`);
                    }
                }
            }
            assert.deepEqual(problems, [], `below the legibility floor (${TEXT_FLOOR} px text, ${BADGE_FLOOR} px badges):\n  ${problems.join('\n  ')}`);
        });
    }
    if (process.env.DSBOOK_LEGIBILITY_REPORT) {
        fs.writeFileSync(process.env.DSBOOK_LEGIBILITY_REPORT, JSON.stringify(report, null, 1));
    }
});
