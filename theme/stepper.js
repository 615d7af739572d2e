// The staged-diagram stepper: a classic script (no modules, no fetch), so it works from file://.
//
// In: the markup the generator writes for a chapter with a staged diagram: one
// div.ds-stepper (every stage in one SVG, `hidden` until this script shows it) and, in
// the sections, one figure.ds-stage-figure per stage marker.
// Out: on a wide screen, the stepper stays in view and shows the stage of the section being
// read, with previous/next buttons, a stage list, a caption, a full-window view, arrow keys,
// and an aria-live announcement of each change. On a narrow screen, without JavaScript and in
// print, the inline stage figures are the diagram, so this script leaves them alone.
//
// A sequence of figures in the text ({{#figure id}}, div.ds-figure-series) is every stage of
// its diagram, each a figure with its caption. On screen this script turns each sequence into
// a compact stepper: one stage at a time, previous/next buttons, "Stage k of n" and an
// aria-live announcement. Print and print.html keep every figure.
(function () {
    'use strict';

    var WIDE = '(min-width: 1000px) and (min-height: 600px)';

    function setUp(stepper) {
        var id = stepper.getAttribute('data-ds-diagram');
        var count = parseInt(stepper.getAttribute('data-ds-stages'), 10) || 1;
        var view = stepper.querySelector('.ds-stepper-view');
        var number = stepper.querySelector('.ds-stepper-caption .ds-stage-number');
        var title = stepper.querySelector('.ds-stepper-caption strong');
        var text = stepper.querySelector('.ds-stepper-text');
        var list = stepper.querySelector('.ds-stepper-list');
        var prev = stepper.querySelector('.ds-stepper-prev');
        var next = stepper.querySelector('.ds-stepper-next');
        var full = stepper.querySelector('.ds-stepper-full');
        var live = stepper.querySelector('.ds-stepper-live');
        var markers = Array.prototype.filter.call(
            document.querySelectorAll('.ds-stage-figure'),
            function (f) { return f.getAttribute('data-ds-diagram') === id; });
        var stages = markers.map(function (f) {
            var caption = f.querySelector('figcaption');
            var strong = caption && caption.querySelector('strong');
            var rest = caption ? caption.textContent : '';
            var t = strong ? strong.textContent : '';
            var i = rest.indexOf(t);
            return { title: t, caption: i >= 0 ? rest.slice(i + t.length).trim() : '' };
        });
        var current = 0;
        var wide = window.matchMedia(WIDE);
        var reduced = window.matchMedia('(prefers-reduced-motion: reduce)');

        // The section that explains stage k starts at the heading just before its marker.
        function anchor(k) {
            var marker = markers[k - 1];
            var prevEl = marker && marker.previousElementSibling;
            return prevEl && /^H[1-6]$/.test(prevEl.tagName) ? prevEl : marker;
        }

        function show(k, announce) {
            k = Math.max(1, Math.min(count, k));
            if (k === current) { return; }
            current = k;
            view.setAttribute('data-ds-stage', String(k));
            view.classList.toggle('ds-animate', !reduced.matches);
            var info = stages[k - 1] || { title: '', caption: '' };
            number.textContent = 'Stage ' + k + ' of ' + count + ':';
            title.textContent = info.title;
            text.textContent = info.caption;
            list.value = String(k);
            // aria-disabled rather than disabled: a disabled button would drop the keyboard
            // focus of a reader who just pressed it to reach the last stage.
            prev.setAttribute('aria-disabled', String(k === 1));
            next.setAttribute('aria-disabled', String(k === count));
            if (announce) {
                live.textContent = 'Stage ' + k + ' of ' + count + ': ' + info.title + '. ' + info.caption;
            }
        }

        // The stage of the section being read: the last one whose heading is above the line
        // just under the diagram.
        function following() {
            var line = stepper.getBoundingClientRect().bottom + 40;
            var k = 1;
            for (var i = 1; i <= markers.length; i += 1) {
                if (anchor(i).getBoundingClientRect().top <= line) { k = i; }
            }
            return k;
        }

        // After the reader picks a stage by hand, scrolling takes over again only once they
        // have scrolled on by more than a few lines.
        var pickedAt = null;
        function pick(k) {
            pickedAt = window.scrollY;
            show(k, true);
        }

        var pending = false;
        function onScroll() {
            if (pending || stepper.hidden || stepper.classList.contains('ds-full')) { return; }
            if (pickedAt !== null && Math.abs(window.scrollY - pickedAt) < 120) { return; }
            pickedAt = null;
            pending = true;
            window.requestAnimationFrame(function () {
                pending = false;
                show(following(), true);
            });
        }

        function setFull(on) {
            stepper.classList.toggle('ds-full', on);
            full.setAttribute('aria-pressed', String(on));
            full.textContent = on ? 'Close full screen' : 'Full screen';
            document.documentElement.classList.toggle('ds-full-open', on);
            full.focus();
        }

        function layout() {
            var on = wide.matches && markers.length > 0;
            stepper.hidden = !on;
            document.documentElement.classList.toggle('ds-stepping', on);
            if (!on && stepper.classList.contains('ds-full')) { setFull(false); }
            if (on) { current = 0; show(following(), false); }
            measure();
        }

        // Links to a heading must land below the stepper, not under it.
        function measure() {
            var h = stepper.hidden ? 0 : stepper.offsetHeight;
            document.documentElement.style.setProperty('--ds-stepper-h', h + 'px');
        }

        prev.addEventListener('click', function () { pick(current - 1); });
        next.addEventListener('click', function () { pick(current + 1); });
        list.addEventListener('change', function () { pick(parseInt(list.value, 10)); });
        full.addEventListener('click', function () { setFull(!stepper.classList.contains('ds-full')); });
        // Keys act on the diagram and never reach mdBook's chapter navigation.
        stepper.addEventListener('keydown', function (e) {
            var inList = e.target === list;
            if (e.key === 'Escape' && stepper.classList.contains('ds-full')) {
                setFull(false);
            } else if (!inList && (e.key === 'ArrowRight' || e.key === 'ArrowDown' || e.key === 'PageDown')) {
                pick(current + 1);
            } else if (!inList && (e.key === 'ArrowLeft' || e.key === 'ArrowUp' || e.key === 'PageUp')) {
                pick(current - 1);
            } else if (!inList && e.key === 'Home') {
                pick(1);
            } else if (!inList && e.key === 'End') {
                pick(count);
            } else if (!(inList && e.key.indexOf('Arrow') === 0)) {
                return;
            }
            e.stopPropagation();
            if (!inList) { e.preventDefault(); }
        });
        window.addEventListener('scroll', onScroll, { passive: true });
        window.addEventListener('resize', measure);
        if (wide.addEventListener) { wide.addEventListener('change', layout); }
        layout();
    }

    // A figure that scrolls sideways must be reachable by keyboard to be scrolled.
    function focusableScrollers() {
        Array.prototype.forEach.call(document.querySelectorAll('.ds-figure-scroll'), function (box) {
            if (box.scrollWidth > box.clientWidth + 1) {
                box.setAttribute('tabindex', '0');
                box.setAttribute('role', 'group');
                box.setAttribute('aria-label', 'Diagram, scrolls sideways');
            } else {
                box.removeAttribute('tabindex');
                box.removeAttribute('role');
                box.removeAttribute('aria-label');
            }
        });
    }
    focusableScrollers();
    window.addEventListener('resize', focusableScrollers);

    // One stage of a sequence at a time. Every figure stays in the markup, stacked in one grid
    // cell (diagrams.css), so the sequence keeps the height of its tallest stage.
    function setUpSeries(series) {
        var figures = Array.prototype.filter.call(series.children, function (el) {
            return el.matches('figure.ds-inline-figure');
        });
        var count = figures.length;
        if (count < 2) { return; }
        var bar = document.createElement('div');
        bar.className = 'ds-series-bar';
        bar.innerHTML = '<button type="button" class="ds-series-prev" aria-label="Previous stage">Previous</button>' +
            '<span class="ds-series-status"></span>' +
            '<button type="button" class="ds-series-next" aria-label="Next stage">Next</button>';
        var live = document.createElement('p');
        live.className = 'ds-stepper-live';
        live.setAttribute('aria-live', 'polite');
        var prev = bar.firstChild;
        var next = bar.lastChild;
        var current = 0;

        function show(k, announce) {
            k = Math.max(1, Math.min(count, k));
            if (k === current) { return; }
            current = k;
            figures.forEach(function (f, i) { f.classList.toggle('ds-current', i === k - 1); });
            bar.children[1].textContent = 'Stage ' + k + ' of ' + count;
            prev.setAttribute('aria-disabled', String(k === 1));
            next.setAttribute('aria-disabled', String(k === count));
            if (announce) {
                var title = figures[k - 1].querySelector('figcaption strong');
                series.classList.add('ds-series-moved');
                live.textContent = 'Stage ' + k + ' of ' + count + ': ' + (title ? title.textContent : '');
            }
        }

        prev.addEventListener('click', function () { show(current - 1, true); });
        next.addEventListener('click', function () { show(current + 1, true); });
        // Arrow keys, Home and End step while focus is in the sequence, and never reach mdBook's
        // chapter navigation; a diagram that scrolls sideways keeps its arrow keys.
        series.addEventListener('keydown', function (e) {
            var to = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 1, End: count }[e.key];
            if (to === undefined || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) { return; }
            e.stopPropagation();
            if (e.target.closest('.ds-figure-scroll')) { return; }
            e.preventDefault();
            show(to, true);
        });
        series.appendChild(bar);
        series.appendChild(live);
        series.classList.add('ds-series-on');
        show(1, false);
    }

    // print.html holds every chapter, so its diagrams stay as inline figures.
    if (!/print\.html$/.test(location.pathname)) {
        var steppers = document.querySelectorAll('div.ds-stepper');
        if (steppers.length === 1) { setUp(steppers[0]); }
        Array.prototype.forEach.call(document.querySelectorAll('.ds-figure-series'), setUpSeries);
    }
}());
