// Every HTML page of the built book, opened from disk (file://) in Chromium with the network
// blocked: the book must work offline, so no page may try to reach anything but its own files
// (fonts, scripts, search index, images), and no page may log a console error or throw.
// Also checks that every relative link and resource on each page points at a file that exists,
// so nothing is silently missing when the book is read from a folder.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { fileURLToPath } = require('node:url');
const { launch, openPage, allPages, bookDir } = require('./helpers');

test('every page works from file:// with the network blocked', async (t) => {
    const browser = await launch();
    t.after(() => browser.close());
    const pages = allPages();
    assert.ok(pages.length >= 25, `expected the whole book, found only ${pages.length} pages`);
    const totals = { pages: 0, blocked: 0, errors: 0, links: 0 };
    for (const rel of pages) {
        await t.test(rel, async () => {
            const { page, blocked, errors, close } = await openPage(browser, rel);
            try {
                // Every URL the page refers to (links, scripts, styles, images, frames), resolved.
                const urls = await page.evaluate(() => {
                    const out = [];
                    for (const el of document.querySelectorAll('[href], [src]')) {
                        const attr = el.hasAttribute('href') ? 'href' : 'src';
                        const value = el.getAttribute(attr);
                        if (value && !value.startsWith('#') && !/^[a-z][a-z0-9+.-]*:/i.test(value)) {
                            out.push({ tag: el.tagName, value, url: new URL(value, document.baseURI).href });
                        }
                    }
                    return out;
                });
                const missing = urls.filter(({ url }) => {
                    const file = fileURLToPath(url.split('#')[0].split('?')[0]);
                    return !fs.existsSync(file) || (fs.statSync(file).isDirectory() && !fs.existsSync(path.join(file, 'index.html')));
                });
                totals.pages += 1;
                totals.blocked += blocked.length;
                totals.errors += errors.length;
                totals.links += urls.length;
                assert.deepEqual({ blocked, errors, missing: missing.map((m) => `<${m.tag.toLowerCase()}> ${m.value}`) },
                    { blocked: [], errors: [], missing: [] },
                    `${rel}: non-file requests, console errors, or links to files missing from ${bookDir()}`);
            } finally {
                await close();
            }
        });
    }
    t.diagnostic(`${totals.pages} pages, ${totals.links} local links/resources, ` +
        `${totals.blocked} non-file requests, ${totals.errors} console errors/pageerrors`);
});
