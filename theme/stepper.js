// The staged-diagram stepper: a classic script (no modules, no fetch), so it works from file://.
//
// In: the markup the generator writes for a chapter with a staged diagram: one
// div.ds-stepper (every stage in one SVG, `hidden` until this script shows it, with each
// stage's camera in the SVG's data-ds-views) and, in the sections, one figure.ds-stage-figure
// per stage marker.
// Out: on a wide screen, the stepper shows the stage of the section being read, with
// previous/next buttons, a stage list, a caption, a key, a full-window view, arrow keys and an
// aria-live announcement of each change. It sticks under the menu bar only while the reader
// is in the staged sections, and takes at most 45% of the window's height there; elsewhere it
// is an ordinary figure that scrolls with the text. Each stage is framed by its own camera:
// the view box around what the stage shows, moved smoothly between stages (at once under
// reduced motion), never below the scale that keeps every text legible. What does not fit
// scrolls inside the panel, with a visible cue. On a narrow screen, without JavaScript and in
// print, the inline stage figures are the diagram, so this script leaves them alone.
//
// A sequence of figures in the text ({{#figure id}}, div.ds-figure-series) is every stage of
// its diagram, each a figure with its caption. On screen this script turns each sequence into
// a compact stepper: its controls above the figure, one stage at a time, each only as tall as
// it needs, "Stage k of n" and an aria-live announcement. Print and print.html keep every
// figure.
(function () {
    'use strict';

    var WIDE = '(min-width: 1000px) and (min-height: 600px)';
    // The stepper's share of the window while it sticks, caption and controls included.
    var SHARE = 0.45;
    // An early stage of a few boxes fills the panel, but is never drawn larger than this.
    var MAX_ZOOM = 1.6;
    // Beside the text instead of above it, when the window leaves a column at least this wide
    // to the right of the text (mdBook's chapter arrow keeps its own strip).
    var SIDE_MIN = 560;
    var ARROW_STRIP = 96;
    var reduced = window.matchMedia('(prefers-reduced-motion: reduce)');

    // "x y w h;x y w h;..." → [{x, y, w, h}, ...]
    function parseViews(text) {
        return (text || '').split(';').filter(Boolean).map(function (part) {
            var n = part.trim().split(/\s+/).map(Number);
            return { x: n[0], y: n[1], w: n[2], h: n[3] };
        });
    }

    // A box that scrolls sideways (or down) is reachable by keyboard and shows a cue
    // (dsbook.js, loaded first).
    function markOverflow(box, label) {
        return window.dsbook.scrollable(box, 'group', label, true);
    }

    function setUp(stepper) {
        var id = stepper.getAttribute('data-ds-diagram');
        var count = parseInt(stepper.getAttribute('data-ds-stages'), 10) || 1;
        var floor = parseFloat(stepper.getAttribute('data-ds-floor')) || 1;
        var view = stepper.querySelector('.ds-stepper-view');
        var svg = view.querySelector('svg');
        var views = parseViews(svg.getAttribute('data-ds-views'));
        var number = stepper.querySelector('.ds-stepper-caption .ds-stage-number');
        var title = stepper.querySelector('.ds-stepper-caption strong');
        var text = stepper.querySelector('.ds-stepper-text');
        var list = stepper.querySelector('.ds-stepper-list');
        var prev = stepper.querySelector('.ds-stepper-prev');
        var next = stepper.querySelector('.ds-stepper-next');
        var full = stepper.querySelector('.ds-stepper-full');
        var live = stepper.querySelector('.ds-stepper-live');
        var menu = document.getElementById('mdbook-menu-bar');
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
        var camera = null;
        var tween = 0;
        var side = false;
        var main = document.querySelector('#mdbook-content main') || stepper.parentNode;
        // Where the stepper stands in the text, kept while it is taken out of the flow.
        var place = document.createElement('div');
        place.className = 'ds-stepper-place';
        stepper.parentNode.insertBefore(place, stepper);

        // The section that explains stage k starts at the heading just before its marker.
        function anchor(k) {
            var marker = markers[k - 1];
            var prevEl = marker && marker.previousElementSibling;
            return prevEl && /^H[1-6]$/.test(prevEl.tagName) ? prevEl : marker;
        }

        // The staged sections end at the first heading after the last marker that is of the
        // same level as the heading above the first stage's section, or higher ("Failure
        // modes" after "The design, stage by stage").
        var end = (function () {
            var first = anchor(1);
            var level = first && /^H([1-6])$/.test(first.tagName) ? Number(first.tagName[1]) - 1 : 2;
            var el = markers[markers.length - 1];
            while (el && (el = el.nextElementSibling)) {
                if (/^H[1-6]$/.test(el.tagName) && Number(el.tagName[1]) <= Math.max(1, level)) { return el; }
            }
            return null;
        }());

        // Where the stepper's top sits while it sticks: right under the menu bar when the bar
        // shows, at the window's top when mdBook has slid the bar away.
        function stickTop() {
            return menu ? Math.max(0, menu.getBoundingClientRect().bottom) : 0;
        }

        // The camera for stage k: its view box and the scale that fits the panel, but never
        // below the legible floor and never above MAX_ZOOM.
        function target(k) {
            var v = views[k - 1] || views[views.length - 1];
            var w = view.clientWidth || 1;
            var h = parseFloat(getComputedStyle(view).height) || 1;
            var s = Math.min(w / v.w, h / v.h, MAX_ZOOM);
            return { x: v.x, y: v.y, w: v.w, h: v.h, s: Math.max(s, floor) };
        }

        function apply(c) {
            svg.setAttribute('viewBox', [c.x, c.y, c.w, c.h].map(function (n) { return Math.round(n * 10) / 10; }).join(' '));
            svg.style.width = (c.w * c.s) + 'px';
            svg.style.height = (c.h * c.s) + 'px';
        }

        // Scrolls a panel that cannot show the whole stage to what the stage adds.
        function reveal(k) {
            if (!markOverflow(view, 'Diagram, stage ' + k + ' of ' + count + ', scrolls')) { return; }
            var fresh = svg.querySelectorAll('.ds-new' + k);
            var box = null;
            Array.prototype.forEach.call(fresh, function (el) {
                var b = el.getBBox();
                box = box ? {
                    x: Math.min(box.x, b.x), y: Math.min(box.y, b.y),
                    r: Math.max(box.r, b.x + b.width), b: Math.max(box.b, b.y + b.height),
                } : { x: b.x, y: b.y, r: b.x + b.width, b: b.y + b.height };
            });
            var c = camera;
            if (!box) { view.scrollTo(0, 0); return; }
            var cx = ((box.x + box.r) / 2 - c.x) * c.s;
            var cy = ((box.y + box.b) / 2 - c.y) * c.s;
            view.scrollTo(Math.max(0, cx - view.clientWidth / 2), Math.max(0, cy - view.clientHeight / 2));
        }

        function moveCamera(k, animate) {
            var to = target(k);
            var from = camera;
            window.cancelAnimationFrame(tween);
            if (!animate || !from || reduced.matches) {
                camera = to;
                apply(camera);
                reveal(k);
                return;
            }
            var start = null;
            var step = function (now) {
                if (start === null) { start = now; }
                var t = Math.min(1, (now - start) / 350);
                var e = t < 0.5 ? 2 * t * t : 1 - Math.pow(-2 * t + 2, 2) / 2;
                camera = {};
                ['x', 'y', 'w', 'h', 's'].forEach(function (p) { camera[p] = from[p] + (to[p] - from[p]) * e; });
                apply(camera);
                if (t < 1) { tween = window.requestAnimationFrame(step); } else { reveal(k); }
            };
            tween = window.requestAnimationFrame(step);
        }

        function show(k, announce) {
            k = Math.max(1, Math.min(count, k));
            if (k === current) { return; }
            var animate = current !== 0;
            current = k;
            view.setAttribute('data-ds-stage', String(k));
            view.classList.toggle('ds-animate', animate && !reduced.matches);
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
            // A caption of another length changes the room left for the panel; the stepper as
            // a whole keeps its height, so the text beside it does not move.
            fit();
            moveCamera(k, animate);
        }

        // The line just under where the stepper sits while it sticks: the stage shown is that
        // of the last section whose heading is above it.
        function line() {
            return side ? window.innerHeight * 0.5 : stickTop() + stepper.offsetHeight + 40;
        }

        function following() {
            var at = line();
            var k = 1;
            for (var i = 1; i <= markers.length; i += 1) {
                if (anchor(i).getBoundingClientRect().top <= at) { k = i; }
            }
            return k;
        }

        // Sticky only while the reader is in the staged sections: from the first stage's
        // heading reaching the line under the stepper until the heading after the last one
        // does. Before and after, the stepper is an ordinary figure in the text.
        function stick() {
            if (stepper.classList.contains('ds-full')) { return; }
            var at = line();
            // Beside the text the diagram costs the text nothing, so it shows from the place
            // the chapter puts it; above the text, from the first staged section.
            var start = side ? place : anchor(1);
            var inside = start.getBoundingClientRect().top <= (side ? window.innerHeight * 0.8 : at) &&
                (!end || end.getBoundingClientRect().top > at);
            if (inside !== stepper.classList.contains('ds-stuck')) {
                stepper.classList.toggle('ds-stuck', inside);
                stepper.classList.toggle('ds-arrive', inside && !reduced.matches);
            }
            stepper.style.top = stickTop() + 'px';
            if (side) { stepper.style.height = (window.innerHeight - stickTop() - 12) + 'px'; }
        }

        // Above the text or beside it: beside when the column to the right of the text is
        // wide enough for the diagram at a legible size.
        function choose() {
            var content = document.getElementById('mdbook-content') || document.body;
            var text = Math.min(main.getBoundingClientRect().width, 750);
            var column = content.clientWidth - text - 48 - ARROW_STRIP;
            var wantSide = column >= SIDE_MIN;
            if (wantSide !== side) {
                side = wantSide;
                document.documentElement.classList.toggle('ds-side', side);
                stepper.style.height = '';
            }
            if (side) {
                document.documentElement.style.setProperty('--ds-side-w', Math.floor(column) + 'px');
            }
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
            pending = true;
            window.requestAnimationFrame(function () {
                pending = false;
                stick();
                if (pickedAt !== null && Math.abs(window.scrollY - pickedAt) < 120) { return; }
                pickedAt = null;
                show(following(), true);
            });
        }

        function setFull(on) {
            stepper.classList.toggle('ds-full', on);
            stepper.style.top = '';
            full.setAttribute('aria-pressed', String(on));
            full.textContent = on ? 'Close full screen' : 'Full screen';
            document.documentElement.classList.toggle('ds-full-open', on);
            size();
            if (!on) { stick(); }
            full.focus();
        }

        // The panel's height: what the tallest stage needs at the width it has, but no more
        // than leaves the stepper within its share of the window (the whole window, less the
        // controls, in the full-window view).
        function fit() {
            if (stepper.hidden) { return; }
            var chrome = stepper.getBoundingClientRect().height - view.getBoundingClientRect().height;
            var w = view.clientWidth || 1;
            var need = 0;
            views.forEach(function (v) {
                need = Math.max(need, v.h * Math.max(floor, Math.min(w / v.w, MAX_ZOOM)));
            });
            var room;
            if (stepper.classList.contains('ds-full')) {
                room = Math.floor(window.innerHeight - chrome - 1);
            } else if (side) {
                // Beside the text the panel takes the column's full height (diagrams.css).
                view.style.height = '';
                measure();
                return;
            } else {
                room = Math.floor(window.innerHeight * SHARE - chrome - 1);
            }
            view.style.height = Math.max(80, Math.min(Math.ceil(need) + 2, room)) + 'px';
            measure();
        }

        // After a change of window or layout: the panel, then the camera in it.
        function size() {
            choose();
            fit();
            if (current && !stepper.hidden) { moveCamera(current, false); }
        }

        function layout() {
            var on = wide.matches && markers.length > 0;
            stepper.hidden = !on;
            document.documentElement.classList.toggle('ds-stepping', on);
            if (!on && stepper.classList.contains('ds-full')) { setFull(false); }
            if (!on && side) {
                side = false;
                document.documentElement.classList.remove('ds-side');
            }
            if (on) {
                size();
                stick();
                current = 0;
                show(following(), false);
            }
            measure();
        }

        // Links to a heading must land below the stepper, not under it.
        function measure() {
            var h = stepper.hidden || side ? 0 : stepper.offsetHeight;
            document.documentElement.style.setProperty('--ds-stepper-h', h + 'px');
        }

        prev.addEventListener('click', function () { pick(current - 1); });
        next.addEventListener('click', function () { pick(current + 1); });
        list.addEventListener('change', function () { pick(parseInt(list.value, 10)); });
        full.addEventListener('click', function () { setFull(!stepper.classList.contains('ds-full')); });
        // The caption and controls can change height on their own (a web font arriving, a
        // narrower window): the panel gives the room back so the whole stays in its share.
        if (window.ResizeObserver) {
            var watch = new ResizeObserver(function () { if (!stepper.hidden) { fit(); } });
            watch.observe(stepper.querySelector('.ds-stepper-caption'));
            watch.observe(stepper.querySelector('.ds-stepper-controls'));
        }
        var key = stepper.querySelector('.ds-stepper-key');
        if (key) { key.addEventListener('toggle', size); }
        stepper.addEventListener('animationend', function (e) {
            if (e.target === stepper) { stepper.classList.remove('ds-arrive'); }
        });
        // Keys act on the diagram and never reach mdBook's chapter navigation. In a panel
        // that scrolls, the arrow keys scroll it; Page Up/Down, Home and End still step.
        stepper.addEventListener('keydown', function (e) {
            var inList = e.target === list;
            var inPanel = e.target === view && view.classList.contains('ds-overflows');
            if (e.altKey || e.ctrlKey || e.metaKey) { return; }
            if (e.key === 'Escape' && stepper.classList.contains('ds-full')) {
                setFull(false);
            } else if (inPanel && e.key.indexOf('Arrow') === 0) {
                e.stopPropagation();
                return;
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
        window.addEventListener('resize', function () { size(); stick(); });
        if (wide.addEventListener) { wide.addEventListener('change', layout); }
        layout();
    }

    // Every figure that scrolls sideways is reachable by keyboard and shows a cue.
    function cueScrollers() {
        Array.prototype.forEach.call(document.querySelectorAll('.ds-figure-scroll'), function (box) {
            markOverflow(box, 'Diagram, scrolls sideways');
        });
    }

    // A stage figure wider than the screen starts scrolled to what the stage adds, the part
    // its section is about, rather than to the left edge.
    function showWhatIsNew() {
        Array.prototype.forEach.call(document.querySelectorAll('.ds-figure-scroll.ds-overflows'), function (box) {
            var fresh = box.querySelectorAll('svg .ds-new');
            if (!fresh.length || box.scrollLeft > 0) { return; }
            var left = Infinity;
            var right = -Infinity;
            var origin = box.getBoundingClientRect().left - box.scrollLeft;
            Array.prototype.forEach.call(fresh, function (el) {
                var r = el.getBoundingClientRect();
                if (r.width === 0 && r.height === 0) { return; }
                left = Math.min(left, r.left - origin);
                right = Math.max(right, r.right - origin);
            });
            if (left < right) { box.scrollLeft = Math.max(0, (left + right) / 2 - box.clientWidth / 2); }
        });
    }

    // One stage of a sequence at a time, the controls above it so they stay under the
    // pointer while the figure below grows or shrinks with its stage.
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
        live.className = 'ds-stepper-live ds-visually-hidden';
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
            cueScrollers();
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
        series.insertBefore(bar, series.firstChild);
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
    cueScrollers();
    showWhatIsNew();
    window.addEventListener('resize', cueScrollers);
}());
