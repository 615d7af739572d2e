// Shared helpers for the browser tests: where the built book is, how to start Debian's
// Chromium, and how to open a page from disk with the network blocked and a chosen mdBook theme.
//
// Later tests (the diagram stepper, the interactive tools) should reuse `openPage` so every
// page is checked the same way: file:// only, any other request aborted and counted, console
// errors and uncaught exceptions collected.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.DSBOOK_CHROMIUM || '/usr/bin/chromium';

// Flags that work on this machine: no sandbox (containers), no GPU, and nothing that phones home.
// `headless: true` makes playwright pass --headless itself.
const LAUNCH_OPTIONS = {
    executablePath: CHROMIUM,
    headless: true,
    args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
    ],
};

// mdBook's five themes; the value goes into localStorage['mdbook-theme'].
const THEMES = ['light', 'rust', 'coal', 'navy', 'ayu'];

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

function bookDir() {
    const dir = process.env.DSBOOK_DIR;
    if (!dir) {
        throw new Error('DSBOOK_DIR is not set: build the book first (cargo book build --dest DIR) ' +
            'and run DSBOOK_DIR=DIR npm test --prefix theme');
    }
    const abs = path.resolve(dir);
    if (!fs.existsSync(path.join(abs, 'index.html'))) {
        throw new Error(`DSBOOK_DIR=${dir} has no index.html: is it a built book?`);
    }
    return abs;
}

// Every HTML page of the built book, as paths relative to the book's folder ('/' separated), sorted.
function allPages() {
    const root = bookDir();
    const out = [];
    (function walk(dir) {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(full);
            } else if (entry.name.endsWith('.html')) {
                out.push(path.relative(root, full).split(path.sep).join('/'));
            }
        }
    })(root);
    return out.sort();
}

function pageUrl(rel) {
    const [file, hash] = rel.split('#');
    return pathToFileURL(path.join(bookDir(), file)).href + (hash !== undefined ? '#' + hash : '');
}

function launch() {
    if (!fs.existsSync(CHROMIUM)) {
        throw new Error(`${CHROMIUM} not found: install it with apt-get install chromium`);
    }
    return chromium.launch(LAUNCH_OPTIONS);
}

// Only file:// (and in-page data:/blob:/about:) URLs are allowed; everything else is a network access.
function isLocal(url) {
    return /^(file|data|blob|about):/.test(url);
}

// A fresh context (own localStorage) with the network blocked, and a page in it.
//   options: { theme, viewport, javaScriptEnabled, reducedMotion }
// Returns { context, page, blocked, errors, close } where `blocked` lists every non-file
// request the page tried (each was aborted) and `errors` every console error and pageerror.
async function newPage(browser, options = {}) {
    const context = await browser.newContext({
        viewport: options.viewport || DESKTOP,
        javaScriptEnabled: options.javaScriptEnabled !== false,
        reducedMotion: options.reducedMotion || 'no-preference',
        serviceWorkers: 'block',
    });
    const blocked = [];
    const errors = [];
    // Every request of the context (page, frames, workers) that is not local is counted here,
    // and aborted by the route below.
    context.on('request', (req) => {
        if (!isLocal(req.url())) {
            blocked.push(req.url());
        }
    });
    await context.route('**/*', (route) => (isLocal(route.request().url())
        ? route.continue()
        : route.abort('blockedbyclient')));
    if (options.theme) {
        await context.addInitScript((theme) => {
            try { localStorage.setItem('mdbook-theme', theme); } catch (e) { /* opaque origin */ }
        }, options.theme);
    }
    const page = await context.newPage();
    // WebSockets (e.g. a live-reload script) do not go through routing.
    page.on('websocket', (ws) => blocked.push(ws.url()));
    page.on('console', (msg) => {
        if (msg.type() === 'error') {
            errors.push(`console: ${msg.text()} (${JSON.stringify(msg.location())})`);
        }
    });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    // print.html calls window.print() after load; in a test it must not open a dialog.
    await page.addInitScript(() => { window.print = function () {}; });
    return { context, page, blocked, errors, close: () => context.close() };
}

// newPage + goto(rel) and wait until the page and its scripts have run.
async function openPage(browser, rel, options = {}) {
    const handle = await newPage(browser, options);
    await handle.page.goto(pageUrl(rel), { waitUntil: 'load' });
    return handle;
}

// Runs axe-core in the page and returns its violations (an empty array when all is well).
const AXE_PATH = require.resolve('axe-core/axe.min.js');
async function axeViolations(page, options = {}) {
    await page.addScriptTag({ path: AXE_PATH });
    const result = await page.evaluate((opts) => window.axe.run(document, opts), options);
    return result.violations;
}

// A readable summary of axe violations, for assertion messages.
function formatViolations(violations) {
    return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary.replace(/\n/g, ' ')}`).join('\n'))
        .join('\n');
}

module.exports = {
    LAUNCH_OPTIONS, THEMES, DESKTOP, PHONE,
    bookDir, allPages, pageUrl, launch, newPage, openPage, axeViolations, formatViolations,
};
