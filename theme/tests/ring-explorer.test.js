// The Consistent-Hash Ring Explorer in Chromium, from file:// with the network blocked: the
// default scenario plays with a caption and pauses off screen, reduced motion shows the key
// step without animation, every control works by keyboard (and the arrow keys never turn the
// page), screen readers hear each change, the spread chart and its table show the core's numbers,
// 128 virtual nodes on 8 nodes stay readable, axe finds nothing in any theme, the phone layout
// fits, and without JavaScript the fallback text stands in for the tool.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { launch, openPage, axeViolations, formatViolations, THEMES, PHONE } = require('./helpers');

const PAGE = 'tools/ring-explorer.html';
const TOOL = '.ds-tool[data-ds-tool="ring-explorer"]';

function attr(page, name) {
    return page.locator(TOOL).getAttribute(name);
}

test('ring explorer', async (t) => {
    const browser = await launch();
    t.after(() => browser.close());

    await t.test('the default scenario plays on load, with a caption, and makes no request', async () => {
        const { page, blocked, errors, close } = await openPage(browser, PAGE);
        try {
            assert.equal(await attr(page, 'data-step'), '0');
            assert.equal(await attr(page, 'data-playing'), 'true');
            assert.match(await page.locator('.ds-ring-caption').textContent(), /^2,000 keys hashed onto a ring shared by 4 nodes/);
            await page.waitForSelector(`${TOOL}[data-step="1"]`, { timeout: 10000 });
            const caption = await page.locator('.ds-ring-caption').textContent();
            const m = caption.match(/^Node E joins\. ([\d,]+) of 2,000 keys \(([\d.]+)%\) move, all of them to E; the ideal is 1\/\(n\+1\) = 1\/5 = 20\.0%/);
            assert.ok(m, caption);
            const moved = Number(m[1].replace(/,/g, ''));
            assert.ok(moved > 200 && moved < 600, `moved ${moved}`);
            // The same number in the node list (E gained them all) and on the ring (moved ticks).
            assert.match(await page.locator('.ds-ring-node').nth(4).textContent(), new RegExp(`\\+${m[1]}\\)`));
            assert.equal(await page.locator('.ds-ring-moved').count(), 1);
            assert.equal(await page.locator('.ds-ring-node').count(), 5);
            assert.deepEqual({ blocked, errors }, { blocked: [], errors: [] });
        } finally {
            await close();
        }
    });

    await t.test('playing pauses while the tool is off screen and resumes when it is back', async () => {
        const { page, close } = await openPage(browser, PAGE);
        try {
            const timer = () => page.evaluate(() => window.DSTools.ringExplorer.instances[0].timer !== null);
            assert.equal(await timer(), true);
            await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
            await page.waitForSelector(`${TOOL}[data-visible="false"]`);
            assert.equal(await timer(), false, 'no timer runs off screen');
            assert.equal(await attr(page, 'data-playing'), 'true', 'still in play mode');
            await page.locator(TOOL).scrollIntoViewIfNeeded();
            await page.waitForSelector(`${TOOL}[data-visible="true"]`);
            assert.equal(await timer(), true, 'playing resumes on screen');
        } finally {
            await close();
        }
    });

    await t.test('with reduced motion nothing plays: the join is shown, and steps are manual', async () => {
        const { page, errors, close } = await openPage(browser, PAGE, { reducedMotion: 'reduce' });
        try {
            assert.equal(await attr(page, 'data-step'), '1');
            assert.equal(await attr(page, 'data-playing'), 'false');
            assert.match(await page.locator('.ds-ring-caption').textContent(), /^Node E joins\./);
            assert.equal(await page.evaluate(() => window.DSTools.ringExplorer.instances[0].timer), null);
            assert.equal(await page.evaluate(() => document.getAnimations().length), 0, 'no animation runs');
            await page.getByRole('button', { name: 'Next step' }).click();
            assert.equal(await attr(page, 'data-step'), '2');
            assert.match(await page.locator('.ds-ring-live').textContent(), /^Node E leaves\./);
            assert.equal(await page.evaluate(() => document.getAnimations().length), 0, 'no animation after a step');
            assert.deepEqual(errors, []);
        } finally {
            await close();
        }
    });

    await t.test('every control works by keyboard, and arrow keys never leave the page', async () => {
        const { page, errors, close } = await openPage(browser, PAGE);
        try {
            const href = page.url();
            // Tab from the scenario menu through the whole tool, noting what gets focus.
            await page.locator(`${TOOL} select`).first().focus();
            const reached = [];
            for (let i = 0; i < 40; i++) {
                reached.push(await page.evaluate((sel) => {
                    const a = document.activeElement;
                    if (!a.closest(sel)) {
                        return null;
                    }
                    const label = a.closest('label');
                    return a.getAttribute('aria-label') || (a.tagName === 'SELECT' && label ? label.firstChild.textContent.trim() : '') ||
                        (a.tagName === 'INPUT' ? 'INPUT' : a.textContent.trim());
                }, TOOL));
                await page.keyboard.press('Tab');
            }
            for (const name of ['Pause the scenario', 'Next step', 'Remove node-a', 'Weight of node-c', 'Add a node',
                'Placement', 'INPUT', 'Replicas per key', 'Keys', 'Hot key (key-0)', 'How to read and use']) {
                assert.ok(reached.some((r) => r !== null && r.startsWith(name)), `Tab never reached "${name}": ${reached.join(' | ')}`);
            }

            // Pause by keyboard, then step with the arrow keys pressed on a button: no page turn.
            await page.getByRole('button', { name: 'Pause the scenario' }).focus();
            await page.keyboard.press('Enter');
            assert.equal(await attr(page, 'data-playing'), 'false');
            await page.keyboard.press('ArrowRight');
            await page.keyboard.press('ArrowLeft');
            assert.equal(page.url(), href, 'an arrow key turned the page');

            // Add a node with Enter: the list grows and the change is announced.
            await page.getByRole('button', { name: 'Add a node' }).focus();
            await page.keyboard.press('Enter');
            assert.equal(await attr(page, 'data-step'), 'sandbox');
            const count = await page.locator('.ds-ring-node').count();
            assert.ok(count === 5 || count === 6);
            const live = await page.locator('.ds-ring-live').textContent();
            assert.match(live, /^Node [A-H] joins: [\d,]+ of 2,000 keys \([\d.]+%\) changed owner; the ideal is 1\/\(n\+1\)/);

            // Remove node-a with Space.
            await page.getByRole('button', { name: 'Remove node-a' }).focus();
            await page.keyboard.press(' ');
            assert.equal(await page.locator('.ds-ring-node').count(), count - 1);
            assert.match(await page.locator('.ds-ring-live').textContent(), /^Node A leaves: /);

            // The virtual-node slider moves with the arrow keys, and the page stays.
            await page.getByRole('slider').focus();
            const before = await page.locator('.ds-ring-out').textContent();
            await page.keyboard.press('ArrowRight');
            assert.notEqual(await page.locator('.ds-ring-out').textContent(), before);
            assert.match(await page.locator('.ds-ring-live').textContent(), /virtual nodes per node: /);

            // A key typed into the lookup: its hash and owner, as the core computes them.
            await page.getByRole('textbox', { name: 'Look up a key' }).fill('naïve');
            assert.match(await page.locator('.ds-ring-found').textContent(), /^naïve hashes to 3,450,408,762, 80\.3% of the way round\. Its owner is node-[a-h]/);
            assert.ok(await page.locator('.ds-ring-replica').count() >= 1);

            // A weight, chosen from its list by keyboard.
            await page.getByRole('combobox', { name: 'Weight of node-c' }).selectOption('3');
            assert.match(await page.locator('.ds-ring-live').textContent(), /^Node C now has weight 3: /);

            // Removing down to one node: the last one refuses, with a message.
            for (;;) {
                const n = await page.locator('.ds-ring-remove').count();
                await page.locator('.ds-ring-remove').first().click();
                if (await page.locator('.ds-ring-remove').count() === n) {
                    break;
                }
            }
            assert.match(await page.locator('.ds-ring-error').textContent(), /last node/);
            assert.equal(page.url(), href);
            assert.deepEqual(errors, []);
        } finally {
            await close();
        }
    });

    await t.test('clicking the ring picks a node, and the centre removes it', async () => {
        const { page, errors, close } = await openPage(browser, PAGE, { reducedMotion: 'reduce' });
        try {
            const arc = page.locator('.ds-ring-arc.ds-ring-n2').first();
            await arc.dispatchEvent('click');
            assert.equal(await page.locator('.ds-ring-picked').count(), 1);
            assert.match(await page.locator('.ds-ring-act').textContent(), /^Remove C$/);
            await page.locator('.ds-ring-centre circle').dispatchEvent('click');
            assert.equal(await page.locator('.ds-ring-node').count(), 4);
            assert.match(await page.locator('.ds-ring-caption').textContent(), /^Node C leaves/);
            await page.locator('.ds-ring-centre circle').dispatchEvent('click');
            assert.equal(await page.locator('.ds-ring-node').count(), 5);
            assert.deepEqual(errors, []);
        } finally {
            await close();
        }
    });

    await t.test('the spread chart shows the core\'s numbers, as a chart and as a table', async () => {
        const { page, errors, close } = await openPage(browser, PAGE, { reducedMotion: 'reduce' });
        try {
            // Five nodes after the join; the chart follows the nodes on the ring.
            const expected = await page.evaluate(() => {
                const core = window.DSTools.ringCore;
                return core.spreadCurve(core.NAMES.slice(0, 5)).map((p) => [String(p.vnodes),
                    p.mean.maxOverMean.toFixed(2) + '×', p.ring.maxOverMean.toFixed(2) + '×', core.format.pct(p.mean.cov),
                    core.format.pct(core.shareSd(5, p.vnodes))]);
            });
            const rows = await page.locator('.ds-ring-data tr').evaluateAll((trs) => trs.slice(1).map((tr) => [...tr.children].map((c) => c.textContent)));
            assert.deepEqual(rows, expected);
            assert.equal(await page.locator('.ds-ring-max-dot').count(), 9);
            assert.equal(await page.locator('.ds-ring-sd-dot').count(), 9);
            assert.equal(await page.locator('.ds-ring-this-now').count(), 1, 'the ring on screen, at its own setting');
            const label = await page.locator('.ds-ring-chart').getAttribute('aria-label');
            assert.match(label, new RegExp(`^With 5 equal nodes, the fullest node owns on average ${expected[0][1]} the mean share with 1 virtual node each`));
            // Removing a node redraws the chart for four.
            await page.getByRole('button', { name: 'Remove node-e' }).click();
            assert.match(await page.locator('.ds-ring-chart').getAttribute('aria-label'), /^With 4 equal nodes/);
            assert.deepEqual(errors, []);
        } finally {
            await close();
        }
    });

    await t.test('at 128 virtual nodes on 8 nodes the ring stays readable, and a letter picks out a node', async () => {
        const { page, errors, close } = await openPage(browser, PAGE, { reducedMotion: 'reduce' });
        try {
            for (let i = 0; i < 3; i++) {
                await page.getByRole('button', { name: 'Add a node' }).click();
            }
            await page.evaluate(() => window.DSTools.ringExplorer.instances[0].act({ type: 'vnodes', value: 128 }));
            assert.equal(await page.locator('.ds-ring-node').count(), 8);
            // Letters only on arcs long enough to hold one, at least 14 degrees apart.
            const angles = await page.locator('.ds-ring-label').evaluateAll((ts) => ts.map((t) =>
                (Math.atan2(Number(t.getAttribute('y')) - 200, Number(t.getAttribute('x')) - 200) * 180 / Math.PI + 360) % 360).sort((a, b) => a - b));
            assert.ok(angles.length <= 360 / 14, `${angles.length} letters`);
            for (let i = 1; i < angles.length; i++) {
                assert.ok(angles[i] - angles[i - 1] >= 13.9, `letters ${angles[i - 1]}° and ${angles[i]}° overlap`);
            }
            assert.equal(await page.locator('.ds-ring-token').count(), 0, 'no token ticks among 1,024 tokens');
            assert.equal(await page.locator('.ds-ring-key[class*="ds-ring-n"]').count(), 0, 'key ticks are neutral');
            // Pick out node-c by keyboard: its arcs widen, every other arc turns grey.
            const pick = page.getByRole('button', { name: 'Pick out node-c on the ring' });
            await pick.focus();
            await page.keyboard.press('Enter');
            assert.equal(await page.getByRole('button', { name: 'Pick out node-c on the ring' }).getAttribute('aria-pressed'), 'true');
            assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Pick out node-c on the ring', 'focus stays');
            const arcs = await page.locator('.ds-ring-arc').evaluateAll((as) => as.map((a) => [a.getAttribute('data-node'), a.getAttribute('class')]));
            assert.ok(arcs.length > 500, `${arcs.length} runs of arcs`);
            for (const [node, cls] of arcs) {
                assert.ok(node === 'node-c' ? cls.includes('ds-ring-lit') : cls.includes('ds-ring-dim'), `${node}: ${cls}`);
            }
            assert.match(await page.locator('.ds-ring-act').textContent(), /^Remove C$/);
            await page.keyboard.press('Enter');
            assert.equal(await page.locator('.ds-ring-dim').count(), 0, 'pressed again, nothing is picked');
            assert.deepEqual(errors, []);
        } finally {
            await close();
        }
    });

    await t.test('rendezvous and jump hash, chosen under Placement, explain where a key goes', async () => {
        const { page, errors, close } = await openPage(browser, PAGE, { reducedMotion: 'reduce' });
        try {
            const placement = page.getByRole('combobox', { name: 'Placement' });
            await placement.selectOption('hrw');
            assert.match(await page.locator('.ds-ring-live').textContent(), /^Placement by rendezvous hashing: [\d,]+ of 2,000 keys/);
            assert.match(await page.locator('.ds-ring-found').textContent(), /Its owner is node-[a-e], whose hash of node and key is the highest\.$/);
            assert.equal(await page.locator('.ds-ring-arc').count(), 0, 'no ring band without tokens');
            assert.ok(await page.getByRole('slider').isDisabled(), 'no virtual nodes off the ring');
            assert.ok(await page.getByRole('combobox', { name: 'Weight of node-a' }).isDisabled(), 'no weights off the ring');
            await placement.selectOption('jump');
            const found = await page.locator('.ds-ring-found').textContent();
            const m = found.match(/Jump hash puts it in bucket (\d) of 0 to 4, so its owner is (node-[a-e])\.$/);
            assert.ok(m, found);
            assert.equal(m[2], ['node-a', 'node-b', 'node-c', 'node-d', 'node-e'][Number(m[1])]);
            await page.getByRole('button', { name: 'Remove node-b' }).click();
            assert.match(await page.locator('.ds-ring-live').textContent(), /^Node B leaves: .* Jump hash numbers its nodes, so every node after it moved down a bucket/);
            await page.getByRole('button', { name: 'Remove node-e' }).click();
            assert.doesNotMatch(await page.locator('.ds-ring-live').textContent(), /numbers its nodes/, 'the last bucket leaves alone');
            assert.deepEqual(errors, []);
        } finally {
            await close();
        }
    });

    await t.test('node colours are the Okabe-Ito palette, with readable letters', async () => {
        const { page, close } = await openPage(browser, PAGE, { reducedMotion: 'reduce' });
        try {
            const colours = await page.locator('.ds-ring-swatch').evaluateAll((bs) => bs.map((b) => getComputedStyle(b).backgroundColor));
            assert.deepEqual(colours, ['rgb(0, 114, 178)', 'rgb(230, 159, 0)', 'rgb(0, 158, 115)', 'rgb(204, 121, 167)', 'rgb(86, 180, 233)']);
        } finally {
            await close();
        }
    });

    await t.test('every scenario, and 100,000 keys, render without errors', async () => {
        const { page, errors, close } = await openPage(browser, PAGE, { reducedMotion: 'reduce' });
        try {
            const ids = await page.locator(`${TOOL} select`).first().locator('option').evaluateAll((os) => os.map((o) => o.value));
            assert.ok(ids.length >= 6);
            for (const id of ids) {
                await page.locator(`${TOOL} select`).first().selectOption(id);
                for (;;) {
                    const next = page.getByRole('button', { name: 'Next step' });
                    if (await next.isDisabled()) {
                        break;
                    }
                    await next.click();
                }
                const caption = await page.locator('.ds-ring-caption').textContent();
                assert.ok(!/NaN|undefined|null/.test(caption), `${id}: ${caption}`);
            }
            await page.getByRole('combobox', { name: 'Keys' }).selectOption('100000');
            assert.equal(await page.locator('.ds-ring-density').count(), 1, 'a density band above 2,000 keys');
            assert.deepEqual(errors, []);
        } finally {
            await close();
        }
    });

    for (const theme of THEMES) {
        await t.test(`axe finds no violations in ${theme}, playing and after a change`, async () => {
            const { page, close } = await openPage(browser, PAGE, { theme });
            try {
                await page.waitForSelector(`${TOOL}[data-step="1"]`, { timeout: 10000 });
                let found = await axeViolations(page);
                assert.equal(found.length, 0, `${theme}:\n${formatViolations(found)}`);
                await page.getByRole('combobox', { name: 'Replicas per key' }).selectOption('3');
                await page.locator('.ds-ring-arc').first().dispatchEvent('click');
                found = await page.evaluate(() => window.axe.run(document).then((r) => r.violations));
                assert.equal(found.length, 0, `${theme} after a change:\n${formatViolations(found)}`);
            } finally {
                await close();
            }
        });
    }

    await t.test('at phone width the tool fits the screen', async () => {
        const { page, close } = await openPage(browser, PAGE, { viewport: PHONE });
        try {
            const box = await page.locator(TOOL).boundingBox();
            assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, JSON.stringify(box));
            const svg = await page.locator('.ds-ring-svg').boundingBox();
            assert.ok(svg.width >= 250, `the ring is ${svg.width}px wide`);
        } finally {
            await close();
        }
    });

    await t.test('without JavaScript the fallback text stands in for the tool', async () => {
        const { page, close } = await openPage(browser, PAGE, { javaScriptEnabled: false });
        try {
            assert.match(await page.locator(`${TOOL} .ds-tool-fallback`).textContent(), /needs JavaScript/);
            assert.ok(await page.locator(`${TOOL} .ds-tool-fallback`).isVisible());
        } finally {
            await close();
        }
    });

    await t.test('the print page shows the tool too, with no errors', async () => {
        const { page, blocked, errors, close } = await openPage(browser, 'print.html');
        try {
            assert.equal(await page.locator(`${TOOL} .ds-ring-svg`).count(), 1);
            assert.deepEqual({ blocked, errors }, { blocked: [], errors: [] });
        } finally {
            await close();
        }
    });
});
