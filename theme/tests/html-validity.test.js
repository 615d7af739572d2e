// HTML validity: the Nu HTML Checker (vnu.jar, the W3C validator's engine) over every HTML
// page of the built book must report no errors. Invalid markup is what trips screen readers
// and browsers in different ways; stock mdBook 0.5.4 has dozens of such errors, most from
// the sidebar toggle our theme/index.hbs replaces.
//
// The only messages filtered are ones produced by mdBook's Rust code rather than by our
// templates, which the theme cannot change; each is named below with where it comes from.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const { bookDir, allPages } = require('./helpers');

const VNU = path.join(__dirname, '..', 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');

// Errors made by mdBook 0.5.4's `{{#toc}}` helper (mdbook-html src/html_handlebars/helpers/toc.rs),
// which writes the table of contents into toc.html, the no-JavaScript sidebar frame:
// - a part title is written as <li class="chapter-item"><li class="part-title">…</li></li>,
//   a list item in a list item, so the second </li> has nothing to close;
// - the fold toggle is <a class="chapter-fold-toggle"><div>❱</div></a> inside a <span>,
//   and a <div> may not be inside a <span>.
// The same markup goes into toc.js, where the browser's parser repairs it without a message.
// Only toc.html is excused, and only these two messages.
const MDBOOK_TOC_HELPER = [
    { file: 'toc.html', message: 'No “li” element in scope but a “li” end tag seen.' },
    { file: 'toc.html', message: /^Element “div” not allowed as child of element “a” in this context\./ },
];

function excused(m) {
    const file = path.relative(bookDir(), decodeURIComponent(new URL(m.url).pathname)).split(path.sep).join('/');
    return MDBOOK_TOC_HELPER.some((f) => f.file === file &&
        (typeof f.message === 'string' ? f.message === m.message : f.message.test(m.message)));
}

test('the Nu HTML checker finds no errors in any page', async (t) => {
    const files = allPages().map((rel) => path.join(bookDir(), rel));
    let stderr;
    try {
        ({ stderr } = await promisify(execFile)('java',
            ['-jar', VNU, '--format', 'json', '--skip-non-html', ...files],
            { maxBuffer: 64 * 1024 * 1024 }));
    } catch (e) {
        // vnu exits with 1 when it reports errors; its report is on stderr either way.
        if (e.stderr === undefined || !e.stderr.trim().startsWith('{')) {
            throw e;
        }
        stderr = e.stderr;
    }
    const messages = JSON.parse(stderr).messages;
    const errors = messages.filter((m) => m.type === 'error' || m.subType === 'fatal');
    const real = errors.filter((m) => !excused(m));
    const warnings = messages.filter((m) => m.type !== 'error' && m.subType !== 'fatal');
    t.diagnostic(`${files.length} pages: ${errors.length} errors (${errors.length - real.length} excused ` +
        `as mdBook's toc helper), ${warnings.length} warnings/info`);
    assert.deepEqual(real.map((m) => `${path.relative(bookDir(), new URL(m.url).pathname)}:${m.lastLine}: ${m.message}`), []);
});
