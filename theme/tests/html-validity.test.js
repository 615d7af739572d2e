// HTML validity: the Nu HTML Checker (vnu.jar, the W3C validator's engine) over every HTML
// page of the built book must report no errors. Invalid markup is what trips screen readers
// and browsers in different ways; stock mdBook 0.5.4 has dozens of such errors, most from
// the sidebar toggle our theme/index.hbs replaces.
//
// Nothing is filtered: the two errors mdBook 0.5.4's table-of-contents helper writes into
// toc.html are repaired by the generator's renderer (see `valid_toc` in
// generator/src/mdbook/render.rs).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const { bookDir, allPages } = require('./helpers');

const VNU = path.join(__dirname, '..', 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');

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
    const warnings = messages.filter((m) => m.type !== 'error' && m.subType !== 'fatal');
    t.diagnostic(`${files.length} pages: ${errors.length} errors, ${warnings.length} warnings/info`);
    assert.deepEqual(errors.map((m) => `${path.relative(bookDir(), new URL(m.url).pathname)}:${m.lastLine}: ${m.message}`), []);
});
