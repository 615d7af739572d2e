// Print: print.html (every chapter on one page) laid out on Letter and A4 paper with half-inch
// margins. No diagram may be cut at the page's right edge, and every figure, caption and key
// included, fits in 80% of a page's height: a figure moved whole to the next page can then
// leave at most the rest of a page empty, so no page is less than a fifth filled because of a
// figure. Also prints the PDF and checks it has pages (the count is in the test's output).
//
// In: the built book (DSBOOK_DIR). Out: one test per paper size.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { launch, openPage } = require('./helpers');

const CSS_PX_PER_INCH = 96;
const MARGIN_IN = 0.5;
const PAPERS = { Letter: { w: 8.5, h: 11 }, A4: { w: 8.27, h: 11.69 } };

for (const [format, paper] of Object.entries(PAPERS)) {
    test(`print.html on ${format}: no figure is cut or taller than 80% of a page`, async (t) => {
        const browser = await launch();
        t.after(() => browser.close());
        const content = {
            width: Math.floor((paper.w - 2 * MARGIN_IN) * CSS_PX_PER_INCH),
            height: Math.floor((paper.h - 2 * MARGIN_IN) * CSS_PX_PER_INCH),
        };
        const { page, errors, close } = await openPage(browser, 'print.html', { viewport: content });
        try {
            await page.emulateMedia({ media: 'print' });
            const found = await page.evaluate((limit) => {
                const out = { figures: 0, cut: [], tall: [] };
                const right = document.documentElement.clientWidth + 1;
                for (const fig of document.querySelectorAll('figure.ds-figure')) {
                    if (fig.getClientRects().length === 0) { continue; }
                    out.figures += 1;
                    const name = `${fig.getAttribute('data-ds-diagram')} stage ${fig.getAttribute('data-ds-stage')}`;
                    const svg = fig.querySelector('svg').getBoundingClientRect();
                    if (svg.right > right || svg.left < -1) {
                        out.cut.push(`${name}: ${Math.round(svg.left)}..${Math.round(svg.right)} px on a ${right - 1} px line`);
                    }
                    const h = fig.getBoundingClientRect().height;
                    if (h > limit) {
                        out.tall.push(`${name}: ${Math.round(h)} px, limit ${Math.round(limit)} px`);
                    }
                }
                return out;
            }, 0.8 * content.height);
            assert.ok(found.figures > 10, `only ${found.figures} figures found in print.html`);
            assert.deepEqual(found.cut, [], 'figures cut at the page edge');
            assert.deepEqual(found.tall, [], 'figures taller than 80% of a page');
            const pdf = await page.pdf({
                format,
                margin: { top: `${MARGIN_IN}in`, bottom: `${MARGIN_IN}in`, left: `${MARGIN_IN}in`, right: `${MARGIN_IN}in` },
            });
            const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
            t.diagnostic(`${format}: ${pages} pages, ${found.figures} figures`);
            assert.ok(pages > 10, `the PDF has ${pages} pages`);
            assert.deepEqual(errors, []);
        } finally {
            await close();
        }
    });
}
