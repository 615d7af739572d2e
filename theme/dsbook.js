// The book's page script: a classic script (no modules, no fetch), so pages work from file://.
//
// In: the page mdBook rendered from our templates. Out: behaviour the markup asks for:
// - the sidebar toggle, a <button> in theme/index.hbs, drives mdBook's sidebar checkbox;
// - the hub's tag filter: pressing a tag shows only the cards carrying it, announces the
//   count, and keeps the choice in the URL (#tag=caching) so it can be linked; arrow keys
//   move between its buttons instead of reaching mdBook's previous/next-chapter keys;
// - code blocks and tables too wide for the page can be focused, so they can be scrolled by keyboard;
// - the sidebar's fold toggles (mdBook writes them as <a> without href) act as buttons for
//   keyboard and screen-reader users: named, with aria-expanded, pressed by Enter or Space.
// Without this script every card is shown and each chip links to its tag's page.
(function () {
    'use strict';

    // Helpers the book's other scripts share (stepper.js and the tools load after this file).
    var shared = window.dsbook = window.dsbook || {};

    // A box that scrolls can only be scrolled by keyboard if it takes focus (WCAG 2.1.1, axe's
    // scrollable-region-focusable): while it overflows it is a tab stop, with a role and a name
    // when given, and the class ds-overflows when `cue` asks for the visible scroll cue.
    // Returns whether it overflows.
    shared.scrollable = function (box, role, label, cue) {
        var over = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
        if (cue) { box.classList.toggle('ds-overflows', over); }
        if (over) {
            box.setAttribute('tabindex', '0');
            if (role) { box.setAttribute('role', role); }
            if (label) { box.setAttribute('aria-label', label); }
        } else {
            box.removeAttribute('tabindex');
            if (role) { box.removeAttribute('role'); }
            if (label) { box.removeAttribute('aria-label'); }
        }
        return over;
    };

    // mdBook's book.js turns ArrowLeft/ArrowRight anywhere on the page into previous/next
    // chapter. Inside `el` they belong to the control that has focus.
    shared.keepArrowKeys = function (el) {
        el.addEventListener('keydown', function (e) {
            if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') { e.stopPropagation(); }
        });
    };

    function sidebarToggle() {
        var button = document.getElementById('mdbook-sidebar-toggle');
        var checkbox = document.getElementById('mdbook-sidebar-toggle-anchor');
        if (!button || !checkbox || button.tagName !== 'BUTTON') {
            return;
        }
        button.setAttribute('aria-expanded', String(checkbox.checked));
        // mdBook's book.js listens for 'click' on the toggle and 'change' on the checkbox.
        button.addEventListener('click', function () {
            checkbox.checked = !checkbox.checked;
            checkbox.dispatchEvent(new Event('change'));
        });
    }

    function hubFilter() {
        var filter = document.querySelector('[data-ds-filter]');
        if (!filter) {
            return;
        }
        var hub = filter.closest('.ds-hub');
        var buttons = Array.prototype.slice.call(filter.querySelectorAll('button[data-tag]'));
        var status = filter.querySelector('[role="status"]');
        var cards = Array.prototype.slice.call(hub.querySelectorAll('.ds-card'));
        var sections = Array.prototype.slice.call(hub.querySelectorAll('.ds-section'));

        function apply(tag, announce) {
            var shown = 0;
            cards.forEach(function (card) {
                var match = !tag || (' ' + card.getAttribute('data-tags') + ' ').indexOf(' ' + tag + ' ') >= 0;
                card.hidden = !match;
                if (match) { shown += 1; }
            });
            sections.forEach(function (section) {
                var visible = section.querySelectorAll('.ds-card:not([hidden])').length;
                var empty = section.querySelector('.ds-section-empty');
                if (empty) { empty.hidden = visible > 0; }
            });
            var label = '';
            buttons.forEach(function (b) {
                var on = b.getAttribute('data-tag') === tag;
                b.setAttribute('aria-pressed', String(on));
                if (on && tag) { label = b.firstChild.textContent.trim(); }
            });
            var text = shown + (shown === 1 ? ' piece' : ' pieces') + ' shown' +
                (label ? ', tagged ' + label : '') + '.';
            // On load the status is only rewritten when #tag= filtered the cards, so opening the
            // plain hub announces nothing.
            if (announce || status.textContent !== text) {
                status.textContent = text;
            }
        }

        function fromHash() {
            var m = /^#tag=([a-z0-9-]+)$/.exec(location.hash);
            var tag = m ? m[1] : '';
            var known = buttons.some(function (b) { return b.getAttribute('data-tag') === tag; });
            return known ? tag : '';
        }

        buttons.forEach(function (b) {
            b.addEventListener('click', function () {
                var tag = b.getAttribute('aria-pressed') === 'true' ? '' : b.getAttribute('data-tag');
                apply(tag, true);
                var url = location.pathname + location.search + (tag ? '#tag=' + tag : '');
                try { history.replaceState(null, '', url); } catch (e) { /* file:// in some browsers */ }
            });
        });
        // ArrowLeft/ArrowRight move between the buttons, Home/End to the first/last. They are
        // stopped here: mdBook's book.js turns ArrowLeft/ArrowRight on the document into
        // previous/next chapter, which would leave the hub. Up/Down still scroll the page.
        filter.addEventListener('keydown', function (e) {
            if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) { return; }
            var i = buttons.indexOf(document.activeElement);
            if (i < 0) { return; }
            var next = {
                ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: buttons.length - 1
            }[e.key];
            if (next === undefined) { return; }
            e.preventDefault();
            e.stopPropagation();
            buttons[(next + buttons.length) % buttons.length].focus();
        });
        window.addEventListener('hashchange', function () { apply(fromHash(), true); });
        filter.hidden = false;
        apply(fromHash(), false);
    }

    // A code block or table wider than the page scrolls sideways; keyboard users can only scroll
    // it if it can take focus (WCAG 2.1.1, axe's scrollable-region-focusable). Only overflowing
    // blocks become tab stops, re-checked when the window is resized. A table's wrapper becomes a
    // named region, so a screen reader says what the focused stop is.
    function scrollableBlocks() {
        var blocks = Array.prototype.slice.call(document.querySelectorAll('pre > code, .table-wrapper'));
        if (!blocks.length) {
            return;
        }
        function tableName(wrapper) {
            var heads = Array.prototype.slice.call(wrapper.querySelectorAll('thead th'), 0, 3);
            var words = heads.map(function (th) { return th.textContent.trim(); }).filter(Boolean);
            return 'Table' + (words.length ? ': ' + words.join(', ') : '');
        }
        function update() {
            blocks.forEach(function (block) {
                var table = block.classList.contains('table-wrapper');
                shared.scrollable(block, table ? 'region' : null, table ? tableName(block) : null, false);
            });
        }
        update();
        var pending = null;
        window.addEventListener('resize', function () {
            if (pending === null) {
                pending = window.requestAnimationFrame(function () { pending = null; update(); });
            }
        });
    }

    // mdBook's toc.js turns each fold toggle into a click target that toggles `expanded` on its
    // list item, and book.js gives it a tabindex with the other sidebar links; without a role
    // or a name, and with no key handling, a keyboard user can reach it but not use it.
    function foldToggles() {
        var toggles = document.querySelectorAll('#mdbook-sidebar .chapter-fold-toggle');
        Array.prototype.forEach.call(toggles, function (toggle) {
            var item = toggle.parentElement && toggle.parentElement.parentElement;
            var link = toggle.parentElement.querySelector('a[href], span');
            if (!item) { return; }
            var sync = function () {
                toggle.setAttribute('aria-expanded', String(item.classList.contains('expanded')));
            };
            toggle.setAttribute('role', 'button');
            toggle.setAttribute('aria-label', 'Sections of ' + (link ? link.textContent.trim() : 'this chapter'));
            if (!toggle.hasAttribute('tabindex')) { toggle.setAttribute('tabindex', '0'); }
            sync();
            new MutationObserver(sync).observe(item, { attributes: true, attributeFilter: ['class'] });
            toggle.addEventListener('keydown', function (e) {
                if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    toggle.click();
                }
            });
        });
    }

    sidebarToggle();
    hubFilter();
    scrollableBlocks();
    foldToggles();
}());
