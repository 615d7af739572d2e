// The Consistent-Hash Ring Explorer's view: builds the controls, the SVG ring and the load
// bars inside every `.ds-tool[data-ds-tool="ring-explorer"]` mount, from the states of
// DSTools.ringCore (ring-core.js, loaded first). Classic script, no modules, works from file://.
//
// On load the default scenario plays with a caption, and loops until the reader touches a
// control. Playing pauses while the tool is off screen or the tab is hidden. With reduced
// motion nothing plays: the scenario's key step is shown and the Step buttons move through it.
(function () {
    'use strict';

    var core = window.DSTools && window.DSTools.ringCore;
    if (!core || !document.querySelector) {
        return;
    }
    var fmt = core.format;
    var SVG = 'http://www.w3.org/2000/svg';
    var TAU = 2 * Math.PI;
    var C = 200; // centre of the 400 × 400 view box
    var R = 150; // radius of the ring's centre line
    var DWELL = [3500, 6500, 4500]; // ms on each step while playing (then the last value)
    var DENSE = 2000; // above this many keys, keys are drawn as a density band
    var ANNOUNCE_GAP = 1500; // at most one screen-reader announcement per 1.5 s
    // How each placement is named in captions.
    var PLACED = {
        ring: 'Placement on the ring: ',
        mod: 'Placement by hash mod n: ',
        hrw: 'Placement by rendezvous hashing: ',
        jump: 'Placement by jump hash: ',
    };
    var CW = 360; // the spread chart's view box, 360 × 210
    var CH = 210;

    function el(tag, attrs, text) {
        var node = document.createElement(tag);
        Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
        if (text !== undefined) {
            node.textContent = text;
        }
        return node;
    }

    function angle(pos) {
        return pos / 4294967296 * TAU - Math.PI / 2;
    }
    function point(a, r) {
        return (C + r * Math.cos(a)).toFixed(2) + ' ' + (C + r * Math.sin(a)).toFixed(2);
    }
    // An arc of radius r clockwise from angle a0 to a1 (a1 > a0, at most one turn).
    function arc(a0, a1, r) {
        if (a1 - a0 >= TAU - 1e-9) {
            return 'M' + point(a0, r) + 'A' + r + ' ' + r + ' 0 1 1 ' + point(a0 + Math.PI, r) +
                'A' + r + ' ' + r + ' 0 1 1 ' + point(a0, r);
        }
        return 'M' + point(a0, r) + 'A' + r + ' ' + r + ' 0 ' + (a1 - a0 > Math.PI ? 1 : 0) + ' 1 ' + point(a1, r);
    }
    function colour(name) {
        var i = core.NAMES.indexOf(name);
        return 'ds-ring-n' + (i < 0 ? 0 : i);
    }

    function nearestStep(v) {
        var best = 0;
        core.VNODE_STEPS.forEach(function (s, i) {
            if (Math.abs(s - v) < Math.abs(core.VNODE_STEPS[best] - v)) {
                best = i;
            }
        });
        return best;
    }

    function reducedMotion() {
        return window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    }

    function Explorer(mount) {
        this.mount = mount;
        this.scenarioId = core.SCENARIOS[0].id;
        this.step = 0;
        this.playing = false;
        this.looping = false;
        this.visible = true;
        this.timer = null;
        this.selected = null;
        this.lastAnnounce = 0;
        this.build();
        if (reducedMotion()) {
            this.load(this.scenarioId, 1, false);
        } else {
            this.load(this.scenarioId, 0, false);
            this.looping = true;
            this.play();
        }
        this.watch();
    }

    Explorer.prototype.build = function () {
        var self = this;
        var m = this.mount;
        m.textContent = '';
        m.classList.add('ds-ring');
        m.setAttribute('role', 'group');
        m.setAttribute('aria-label', 'Consistent-hash ring explorer');

        var bar = el('div', { class: 'ds-ring-bar' });
        var pick = el('label', { class: 'ds-ring-field' }, 'Scenario ');
        this.scenarioSelect = el('select');
        core.SCENARIOS.forEach(function (sc) {
            self.scenarioSelect.appendChild(el('option', { value: sc.id }, sc.title));
        });
        pick.appendChild(this.scenarioSelect);
        this.playButton = el('button', { type: 'button', class: 'ds-ring-btn' }, 'Play');
        this.backButton = el('button', { type: 'button', class: 'ds-ring-btn', 'aria-label': 'Previous step' }, '◀ Step');
        this.nextButton = el('button', { type: 'button', class: 'ds-ring-btn', 'aria-label': 'Next step' }, 'Step ▶');
        this.stepText = el('span', { class: 'ds-ring-step' });
        [pick, this.playButton, this.backButton, this.nextButton, this.stepText].forEach(function (n) { bar.appendChild(n); });
        m.appendChild(bar);

        this.caption = el('p', { class: 'ds-ring-caption' });
        m.appendChild(this.caption);

        var main = el('div', { class: 'ds-ring-main' });
        this.svg = document.createElementNS(SVG, 'svg');
        this.svg.setAttribute('viewBox', '0 0 400 400');
        this.svg.setAttribute('class', 'ds-ring-svg');
        this.svg.setAttribute('role', 'img');
        this.svgTitle = document.createElementNS(SVG, 'title');
        this.svg.appendChild(this.svgTitle);
        this.layer = document.createElementNS(SVG, 'g');
        this.svg.appendChild(this.layer);
        var figure = el('div', { class: 'ds-ring-figure' });
        figure.appendChild(this.svg);
        figure.appendChild(el('p', { class: 'ds-ring-legend' }, 'Band: the node that owns each arc of the ring. ' +
            'Ticks inside it: keys, coloured by owner (grey above 200 tokens). Innermost circle: keys that moved in the last change. ' +
            'Outside: the looked-up key (dot) and the tokens where its owner (1) and replicas were found. ' +
            'Large dot inside the band: the hot key, when there is one.'));
        var find = el('label', { class: 'ds-ring-field ds-ring-find' }, 'Look up a key ');
        this.findInput = el('input', { type: 'text', value: 'user:42', spellcheck: 'false', autocomplete: 'off', size: '14' });
        find.appendChild(this.findInput);
        figure.appendChild(find);
        this.findOut = el('output', { class: 'ds-ring-found' });
        figure.appendChild(this.findOut);
        main.appendChild(figure);

        var side = el('div', { class: 'ds-ring-side' });
        side.appendChild(el('p', { class: 'ds-ring-head' }, 'Keys per node'));
        this.list = el('ul', { class: 'ds-ring-nodes' });
        side.appendChild(this.list);
        this.statsText = el('p', { class: 'ds-ring-stats' });
        side.appendChild(this.statsText);
        this.changeText = el('p', { class: 'ds-ring-change' });
        side.appendChild(this.changeText);
        this.addButton = el('button', { type: 'button', class: 'ds-ring-btn ds-ring-add' }, 'Add a node');
        side.appendChild(this.addButton);
        this.errorText = el('p', { class: 'ds-ring-error', role: 'alert' });
        side.appendChild(this.errorText);
        this.buildSpread(side);
        main.appendChild(side);
        m.appendChild(main);

        var settings = el('fieldset', { class: 'ds-ring-settings' });
        settings.appendChild(el('legend', {}, 'Settings'));
        this.placement = this.selectField(settings, 'Placement', [['ring', 'hash ring'], ['mod', 'hash mod n'], ['hrw', 'rendezvous (HRW)'], ['jump', 'jump hash']]);
        var vn = el('label', { class: 'ds-ring-field' }, 'Virtual nodes per node ');
        this.vnodes = el('input', { type: 'range', min: '0', max: String(core.VNODE_STEPS.length - 1), step: '1' });
        this.vnodesOut = el('output', { class: 'ds-ring-out' });
        vn.appendChild(this.vnodes);
        vn.appendChild(this.vnodesOut);
        settings.appendChild(vn);
        this.replicas = this.selectField(settings, 'Replicas per key', [1, 2, 3, 4, 5].map(function (n) { return [String(n), String(n)]; }));
        this.keys = this.selectField(settings, 'Keys', [500, 2000, 10000, 100000].map(function (n) { return [String(n), fmt.int(n)]; }));
        this.hot = this.selectField(settings, 'Hot key (key-0)', [['0', 'none'], ['0.1', '10% of requests'], ['0.3', '30% of requests'], ['0.5', '50% of requests']]);
        m.appendChild(settings);

        var help = el('details', { class: 'ds-ring-help' });
        help.appendChild(el('summary', {}, 'How to read and use it'));
        help.appendChild(el('p', {}, 'The coloured band is the ring: each arc belongs to the node whose token ends it, clockwise. ' +
            'Ticks inside the band are keys; ticks on the innermost circle are the keys that moved in the last change. ' +
            'Click an arc, or press a node\'s letter in the list, to pick out its arcs; click the centre to add a node, or to remove the picked one. ' +
            'Every control is also a button, list or slider you can reach with Tab.'));
        m.appendChild(help);

        this.live = el('p', { class: 'ds-ring-live ds-visually-hidden', 'aria-live': 'polite' });
        m.appendChild(this.live);

        this.scenarioSelect.addEventListener('change', function () {
            self.looping = false;
            self.load(self.scenarioSelect.value, reducedMotion() ? 1 : 0, true);
            if (!reducedMotion()) {
                self.play();
            }
        });
        this.playButton.addEventListener('click', function () {
            self.looping = false;
            if (self.playing) {
                self.pause();
            } else {
                if (self.step >= self.steps) {
                    self.load(self.scenarioId, 0, false);
                }
                self.play();
            }
            self.announce(self.caption.textContent, true);
        });
        this.backButton.addEventListener('click', function () { self.manual(self.step - 1); });
        this.nextButton.addEventListener('click', function () { self.manual(self.step + 1); });
        this.addButton.addEventListener('click', function () { self.act({ type: 'add' }); });
        this.findInput.addEventListener('input', function () { self.renderRing(); });
        this.placement.addEventListener('change', function () { self.act({ type: 'placement', value: self.placement.value }); });
        this.vnodes.addEventListener('input', function () { self.act({ type: 'vnodes', value: core.VNODE_STEPS[Number(self.vnodes.value)] }); });
        this.replicas.addEventListener('change', function () { self.act({ type: 'replicas', value: Number(self.replicas.value) }); });
        this.keys.addEventListener('change', function () { self.act({ type: 'keys', value: Number(self.keys.value) }); });
        this.hot.addEventListener('change', function () { self.act({ type: 'hot', value: Number(self.hot.value) }); });
        this.list.addEventListener('click', function (e) {
            var pick = e.target.closest('button[data-pick]');
            if (pick) {
                var picked = pick.getAttribute('data-node');
                self.selected = self.selected === picked ? null : picked;
                self.render();
                return;
            }
            var b = e.target.closest('button[data-node]');
            if (b) {
                self.act({ type: 'remove', name: b.getAttribute('data-node') });
            }
        });
        this.list.addEventListener('change', function (e) {
            var s = e.target.closest('select[data-node]');
            if (s) {
                self.act({ type: 'weight', name: s.getAttribute('data-node'), value: Number(s.value) });
            }
        });
        this.svg.addEventListener('click', function (e) {
            var t = e.target.closest('[data-node]');
            if (t) {
                self.selected = self.selected === t.getAttribute('data-node') ? null : t.getAttribute('data-node');
                self.render();
            } else if (e.target.closest('.ds-ring-centre')) {
                if (self.selected) {
                    var name = self.selected;
                    self.selected = null;
                    self.act({ type: 'remove', name: name });
                } else {
                    self.act({ type: 'add' });
                }
            }
        });
        // Inside the tool the arrows belong to the focused control, not to mdBook's chapter
        // keys (dsbook.js, loaded before every tool).
        window.dsbook.keepArrowKeys(m);
    };

    Explorer.prototype.selectField = function (parent, text, options) {
        var label = el('label', { class: 'ds-ring-field' }, text + ' ');
        var select = el('select');
        options.forEach(function (o) { select.appendChild(el('option', { value: o[0] }, o[1])); });
        label.appendChild(select);
        parent.appendChild(label);
        return select;
    };

    // Shows step `step` of a scenario (computed from its start, so stepping back is exact).
    Explorer.prototype.load = function (id, step, announce) {
        var at = core.scenarioAt(id, step);
        this.scenarioId = id;
        this.step = at.step;
        this.steps = at.steps;
        this.state = at.state;
        this.captionText = at.caption;
        this.sandbox = false;
        this.selected = null;
        this.errorText.textContent = '';
        this.render();
        if (announce) {
            this.announce(this.caption.textContent, true);
        }
    };

    Explorer.prototype.manual = function (step) {
        this.looping = false;
        this.pause();
        var target = Math.max(0, Math.min(step, this.steps));
        if (this.sandbox && step < this.step) {
            target = this.step;
        }
        this.load(this.scenarioId, target, true);
    };

    // A reader's own action: leaves the scenario for the sandbox.
    Explorer.prototype.act = function (action) {
        this.looping = false;
        this.pause();
        var next = core.apply(this.state, action);
        if (next.error) {
            this.errorText.textContent = next.error;
            this.announce(next.error, true);
            return;
        }
        this.errorText.textContent = '';
        this.state = next;
        this.sandbox = true;
        var picked = this.selected;
        if (!next.config.nodes.some(function (n) { return n.name === picked; })) {
            this.selected = null;
        }
        this.captionText = this.describe(next);
        this.render();
        this.announce(this.captionText, true);
    };

    // The caption for a reader's own change, from the core's numbers.
    Explorer.prototype.describe = function (s) {
        var ch = s.change;
        var a = ch.action;
        var who = a.name ? 'Node ' + fmt.label(a.name) : '';
        if (ch.moved === null) {
            return 'Now ' + fmt.int(s.config.keys) + ' keys. ' + fmt.balanceText(s);
        }
        var moved = fmt.movedText(s) + ' changed owner';
        var ideal = ch.ideal === null ? '' : '; the ideal is ' + ch.idealText + ' = ' + fmt.pct(ch.ideal);
        var copies = s.config.replicas > 1 ? '. ' + fmt.int(ch.copies) + ' new replica copies' : '';
        switch (a.type) {
        case 'add':
            return 'Node ' + fmt.label(s.config.nodes[s.config.nodes.length - 1].name) + ' joins: ' + moved + ideal +
                (s.config.placement === 'ring' ? '; its tokens cover ' + fmt.pct(s.shares[s.shares.length - 1]) + ' of the ring' : '') + copies + '.';
        case 'remove':
            return who + ' leaves: ' + moved + ideal + (ch.moved ? ', to ' + fmt.spread(ch.movedTo) : '') + copies + '.' +
                (s.config.placement === 'jump' && Object.keys(ch.movedFrom).length > 1
                    ? ' Jump hash numbers its nodes, so every node after it moved down a bucket and keys moved between survivors too.' : '');
        case 'weight': {
            var total = s.config.nodes.reduce(function (t, n) { return t + n.weight; }, 0);
            var at = s.config.nodes.map(function (n) { return n.name; }).indexOf(a.name);
            return who + ' now has weight ' + a.value + ': ' + moved + '; its arcs cover ' + fmt.pct(s.shares[at]) +
                ' of the ring, against its weight share of ' + a.value + '/' + total + ' = ' + fmt.pct(a.value / total) + copies + '.';
        }
        case 'vnodes':
            return s.config.vnodes + ' virtual nodes per node: ' + moved + '. ' + fmt.balanceText(s);
        case 'replicas':
            return s.config.replicas + ' replicas per key: ' + fmt.int(ch.copies) + ' new copies, on distinct nodes.' +
                (s.config.hot ? ' ' + fmt.hotText(s) : '');
        case 'hot':
            return s.config.hot ? 'key-0 now gets ' + fmt.pct(s.config.hot) + ' of all requests. ' + fmt.hotText(s) : 'No hot key: every key gets the same share of requests.';
        default:
            return PLACED[s.config.placement] + moved + '.';
        }
    };

    Explorer.prototype.play = function () {
        this.playing = true;
        this.schedule();
        this.renderControls();
    };

    Explorer.prototype.pause = function () {
        this.playing = false;
        clearTimeout(this.timer);
        this.timer = null;
        this.renderControls();
    };

    Explorer.prototype.schedule = function () {
        var self = this;
        clearTimeout(this.timer);
        this.timer = null;
        if (!this.playing || !this.visible || document.visibilityState === 'hidden') {
            return;
        }
        this.timer = setTimeout(function () {
            self.timer = null;
            if (self.step < self.steps) {
                self.load(self.scenarioId, self.step + 1, !self.looping);
                self.schedule();
            } else if (self.looping) {
                self.load(self.scenarioId, 0, false);
                self.schedule();
            } else {
                self.pause();
            }
        }, DWELL[Math.min(this.step, DWELL.length - 1)]);
    };

    // Pause off screen and in hidden tabs; resume where it was.
    Explorer.prototype.watch = function () {
        var self = this;
        if ('IntersectionObserver' in window) {
            new IntersectionObserver(function (entries) {
                self.visible = entries[entries.length - 1].isIntersecting;
                self.mount.setAttribute('data-visible', self.visible ? 'true' : 'false');
                self.schedule();
            }).observe(this.mount);
        }
        document.addEventListener('visibilitychange', function () { self.schedule(); });
        // On paper, the scenario's key step rather than its opening.
        window.addEventListener('beforeprint', function () {
            self.looping = false;
            self.pause();
            if (!self.sandbox && self.step === 0 && self.steps > 0) {
                self.load(self.scenarioId, 1, false);
            }
        });
    };

    Explorer.prototype.announce = function (text, force) {
        var now = Date.now();
        if (!force && now - this.lastAnnounce < ANNOUNCE_GAP) {
            return;
        }
        this.lastAnnounce = now;
        this.live.textContent = text;
    };

    Explorer.prototype.renderControls = function () {
        var s = this.state;
        this.scenarioSelect.value = this.scenarioId;
        this.playButton.textContent = this.playing ? 'Pause' : 'Play';
        this.playButton.setAttribute('aria-label', this.playing ? 'Pause the scenario' : 'Play the scenario');
        var focused = document.activeElement;
        this.backButton.disabled = this.sandbox || this.step === 0;
        this.nextButton.disabled = this.sandbox || this.step >= this.steps;
        // A button that becomes disabled under the keyboard focus hands it to Play.
        if ((focused === this.backButton || focused === this.nextButton) && focused.disabled) {
            this.playButton.focus();
        }
        this.stepText.textContent = this.sandbox ? 'Your changes' : 'Step ' + this.step + ' of ' + this.steps;
        this.placement.value = s.config.placement;
        this.vnodes.value = String(nearestStep(s.config.vnodes));
        this.vnodes.disabled = s.config.placement !== 'ring';
        this.vnodesOut.textContent = String(s.config.vnodes);
        this.vnodes.setAttribute('aria-valuetext', s.config.vnodes + ' virtual nodes per node');
        this.replicas.value = String(s.config.replicas);
        if (!this.keys.querySelector('option[value="' + s.config.keys + '"]')) {
            this.keys.insertBefore(el('option', { value: String(s.config.keys) }, fmt.int(s.config.keys)), this.keys.firstChild);
        }
        this.keys.value = String(s.config.keys);
        this.hot.value = String(s.config.hot);
        this.addButton.disabled = s.config.nodes.length >= core.MAX_NODES;
        this.mount.setAttribute('data-step', this.sandbox ? 'sandbox' : String(this.step));
        this.mount.setAttribute('data-playing', this.playing ? 'true' : 'false');
    };

    Explorer.prototype.render = function () {
        this.caption.textContent = this.captionText;
        this.renderControls();
        this.renderList();
        this.renderRing();
        this.renderSpread();
    };

    Explorer.prototype.renderList = function () {
        var s = this.state;
        var st = s.stats;
        var self = this;
        var ch = s.change;
        // The list is rebuilt on every change; keep the keyboard focus on the same control.
        var focus = document.activeElement;
        var keep = focus && this.list.contains(focus)
            ? { node: focus.getAttribute('data-node'), tag: focus.tagName.toLowerCase() + (focus.hasAttribute('data-pick') ? '[data-pick]' : focus.tagName === 'BUTTON' ? ':not([data-pick])' : '') }
            : null;
        this.list.textContent = '';
        var top = Math.max(st.max, 1);
        s.config.nodes.forEach(function (node, i) {
            var li = el('li', { class: 'ds-ring-node' + (self.selected === node.name ? ' ds-ring-picked' : '') });
            var name = el('span', { class: 'ds-ring-name' });
            // The swatch picks the node out on the ring, as a click on one of its arcs does.
            name.appendChild(el('button', {
                type: 'button', class: 'ds-ring-swatch ' + colour(node.name), 'data-node': node.name, 'data-pick': 'true',
                'aria-pressed': self.selected === node.name ? 'true' : 'false', 'aria-label': 'Pick out ' + node.name + ' on the ring',
            }, fmt.label(node.name)));
            name.appendChild(document.createTextNode(' ' + node.name));
            li.appendChild(name);
            var bar = el('span', { class: 'ds-ring-bar-track', 'aria-hidden': 'true' });
            bar.appendChild(el('span', { class: 'ds-ring-bar-fill ' + colour(node.name), style: 'width:' + (100 * st.loads[i] / top).toFixed(1) + '%' }));
            li.appendChild(bar);
            var gained = ch && ch.movedTo[node.name] ? ', +' + fmt.int(ch.movedTo[node.name]) : '';
            li.appendChild(el('span', { class: 'ds-ring-count' }, fmt.int(st.loads[i]) + ' keys (' + fmt.pct(st.loads[i] / s.config.keys) + gained + ')' +
                (s.config.hot ? ' · ' + fmt.pct(st.requests[i]) + ' of requests' : '')));
            var w = el('select', { 'data-node': node.name, 'aria-label': 'Weight of ' + node.name, class: 'ds-ring-weight' });
            // Only the ring has tokens to multiply.
            w.disabled = s.config.placement !== 'ring';
            for (var v = core.LIMITS.weight[0]; v <= core.LIMITS.weight[1]; v++) {
                var o = el('option', { value: String(v) }, '×' + v);
                if (v === node.weight) {
                    o.selected = true;
                }
                w.appendChild(o);
            }
            li.appendChild(w);
            li.appendChild(el('button', { type: 'button', class: 'ds-ring-btn ds-ring-remove', 'data-node': node.name, 'aria-label': 'Remove ' + node.name }, 'Remove'));
            self.list.appendChild(li);
        });
        if (keep) {
            var again = this.list.querySelector(keep.tag + '[data-node="' + keep.node + '"]') ||
                this.list.querySelector(keep.tag + '[data-node]');
            (again || this.addButton).focus();
        }
        this.statsText.textContent = 'Fullest node: ' + st.maxOverMean.toFixed(2) + '× the mean of ' + fmt.int(st.mean) +
            ' keys. Standard deviation: ' + fmt.int(st.sd) + ' keys (' + fmt.pct(st.cov) + ' of the mean).' +
            (s.config.hot ? ' Busiest node: ' + fmt.pct(st.busiest) + ' of requests, ' + st.busiestOverMean.toFixed(2) + '× the mean.' : '');
        if (ch && ch.moved !== null) {
            var text = 'Last change: ' + fmt.movedText(s) + ' moved';
            if (ch.ideal !== null) {
                text += '; ideal ' + ch.idealText + ' = ' + fmt.pct(ch.ideal);
            }
            if (s.config.replicas > 1) {
                text += '; ' + fmt.int(ch.copies) + ' new replica copies';
            }
            this.changeText.textContent = text + '.';
        } else {
            this.changeText.textContent = 'Last change: none yet.';
        }
    };

    Explorer.prototype.renderRing = function () {
        var s = this.state;
        var parts = [];
        var sel = this.selected;
        var dim = function (name) { return sel ? (sel !== name ? ' ds-ring-dim' : ' ds-ring-lit') : ''; };
        parts.push('<circle class="ds-ring-track" cx="200" cy="200" r="' + R + '"/>');
        // Thin rims along both edges of the band, so pale arcs (yellow on white) keep a border;
        // drawn first, so a picked node's wider arcs cover them.
        parts.push('<circle class="ds-ring-edge" cx="200" cy="200" r="' + (R + 9.5) + '"/><circle class="ds-ring-edge" cx="200" cy="200" r="' + (R - 9.5) + '"/>');
        var tokens = s.tokens;
        if (s.config.placement === 'ring' && tokens.length) {
            // One path per run of consecutive arcs with the same owner.
            var start = 0;
            var runs = [];
            for (var i = 0; i < tokens.length; i++) {
                var last = i === tokens.length - 1;
                if (last || tokens[i + 1].node !== tokens[i].node) {
                    var from = start === 0 ? tokens[tokens.length - 1].pos - 4294967296 : tokens[start - 1].pos;
                    var a0 = angle(from);
                    var a1 = angle(tokens[i].pos);
                    if (start === 0 && last) {
                        a1 = a0 + TAU;
                    }
                    if (sel === tokens[i].node) {
                        // A casing in the text colour under a picked node's arcs, so even its
                        // thinnest arcs stand out from the grey ones in every theme.
                        parts.push('<path class="ds-ring-casing" d="' + arc(a0, a1, R) + '"/>');
                    }
                    parts.push('<path class="ds-ring-arc ' + colour(tokens[i].node) + dim(tokens[i].node) + '" data-node="' + tokens[i].node +
                        '" d="' + arc(a0, a1, R) + '"/>');
                    runs.push({ node: tokens[i].node, a0: a0, a1: a1 });
                    start = i + 1;
                }
            }
            // Token ticks while they stay apart (about 2 px each at 400 tokens); beyond that the
            // band's colour changes mark them.
            (tokens.length <= 400 ? tokens : []).forEach(function (t) {
                var a = angle(t.pos);
                parts.push('<path class="ds-ring-token ' + colour(t.node) + dim(t.node) + (tokens.length > 100 ? ' ds-ring-token-thin' : '') +
                    '" d="M' + point(a, R + 10) + 'L' + point(a, R + 18) + '"/>');
            });
            parts.push(this.runLabels(runs));
        }

        parts.push(this.keyMarks(s));
        if (s.config.hot && s.config.keys) {
            var hp = point(angle(s.hashes[0]), R - 20).split(' ');
            parts.push('<circle class="ds-ring-hot" cx="' + hp[0] + '" cy="' + hp[1] + '" r="6"/>');
        }
        parts.push(this.lookupMarks(s));
        var centre = this.selected ? 'Remove ' + fmt.label(this.selected) : 'Add a node';
        parts.push('<g class="ds-ring-centre"><circle cx="200" cy="200" r="58"/>' +
            '<text x="200" y="186" class="ds-ring-big">' + s.config.nodes.length + ' nodes</text>' +
            '<text x="200" y="206">' + fmt.int(s.config.keys) + ' keys</text>' +
            '<text x="200" y="228" class="ds-ring-act">' + centre + '</text></g>');
        this.layer.innerHTML = parts.join('');
        var ch = s.change;
        var title = 'Ring of ' + s.config.nodes.length + ' nodes and ' + fmt.int(s.config.keys) + ' keys' +
            (s.config.placement === 'ring' ? ', ' + s.config.vnodes + ' virtual nodes per node' : ', ' + PLACED[s.config.placement].replace(/^P/, 'p').replace(/: $/, '')) +
            (ch && ch.moved !== null ? '; ' + fmt.movedText(s) + ' moved in the last change' : '') + '.';
        this.svgTitle.textContent = title;
        this.svg.setAttribute('aria-label', title);
    };

    // The looked-up key: a marker at its position, the clockwise walk, and a numbered ring on
    // the token where each replica was found. Also writes the lookup's text.
    Explorer.prototype.lookupMarks = function (s) {
        var key = this.findInput.value;
        if (!key) {
            this.findOut.textContent = 'Type a key to see where it lands.';
            return '';
        }
        var found = core.lookup(s, key);
        var at = angle(found.hash);
        var where = key + ' hashes to ' + fmt.int(found.hash) + ', ' + fmt.pct(found.hash / 4294967296) + ' of the way round. ';
        if (!found.nodes.length) {
            this.findOut.textContent = where + 'No node holds it.';
            return '';
        }
        var how = {
            ring: 'Its owner is ' + found.nodes[0] + ', the first token clockwise',
            mod: 'hash mod ' + s.config.nodes.length + ' = ' + found.bucket + ', so its owner is ' + found.nodes[0],
            hrw: 'Its owner is ' + found.nodes[0] + ', whose hash of node and key is the highest',
            jump: 'Jump hash puts it in bucket ' + found.bucket + ' of 0 to ' + (s.config.nodes.length - 1) + ', so its owner is ' + found.nodes[0],
        }[s.config.placement];
        this.findOut.textContent = where + how +
            (found.nodes.length > 1 ? '; replicas: ' + found.nodes.slice(1).join(', ') + '.' : '.');
        var out = [];
        var r = R + 24;
        if (s.config.placement === 'ring') {
            var last = s.tokens[found.tokens[found.tokens.length - 1]].pos;
            var end = angle(last);
            while (end < at) {
                end += TAU;
            }
            if (end - at > 1e-6) {
                out.push('<path class="ds-ring-walk" d="' + arc(at, end, r) + '"/>');
            }
            found.tokens.forEach(function (t, i) {
                var p = point(angle(s.tokens[t].pos), r).split(' ');
                out.push('<circle class="ds-ring-replica ' + colour(found.nodes[i]) + '" cx="' + p[0] + '" cy="' + p[1] + '" r="8"/>' +
                    '<text class="ds-ring-replica-n" x="' + p[0] + '" y="' + p[1] + '">' + (i + 1) + '</text>');
            });
        }
        var k = point(at, r).split(' ');
        out.push('<circle class="ds-ring-findkey" cx="' + k[0] + '" cy="' + k[1] + '" r="4"/>');
        return out.join('');
    };

    // A letter outside the band for each run of arcs long enough to hold one, never closer
    // than 14° to the previous letter, so the labels thin out as tokens multiply.
    Explorer.prototype.runLabels = function (runs) {
        var out = [];
        var MIN = 14 / 360 * TAU;
        var last = -Infinity;
        var first = null;
        runs.slice().sort(function (x, y) { return x.a0 - y.a0; }).forEach(function (r) {
            if (r.a1 - r.a0 < MIN) {
                return;
            }
            var mid = (r.a0 + r.a1) / 2;
            if (mid - last < MIN || (first !== null && first + TAU - mid < MIN)) {
                return;
            }
            if (first === null) {
                first = mid;
            }
            last = mid;
            var p = point(mid, R + 30).split(' ');
            out.push('<text class="ds-ring-label" x="' + p[0] + '" y="' + p[1] + '">' + fmt.label(r.node) + '</text>');
        });
        return out.join('');
    };

    // The spread-versus-virtual-nodes chart: an SVG drawn from the core's spreadCurve for the
    // nodes on the ring, a sentence with its key numbers, and the same numbers as a table.
    Explorer.prototype.buildSpread = function (parent) {
        var box = el('div', { class: 'ds-ring-spread' });
        box.appendChild(el('p', { class: 'ds-ring-head' }, 'Spread against virtual nodes'));
        this.spreadSvg = document.createElementNS(SVG, 'svg');
        this.spreadSvg.setAttribute('viewBox', '0 0 ' + CW + ' ' + CH);
        this.spreadSvg.setAttribute('class', 'ds-ring-chart');
        this.spreadSvg.setAttribute('role', 'img');
        this.spreadTitle = document.createElementNS(SVG, 'title');
        this.spreadSvg.appendChild(this.spreadTitle);
        this.spreadLayer = document.createElementNS(SVG, 'g');
        this.spreadSvg.appendChild(this.spreadLayer);
        box.appendChild(this.spreadSvg);
        this.spreadText = el('p', { class: 'ds-ring-spread-text' });
        box.appendChild(this.spreadText);
        var data = el('details', { class: 'ds-ring-data' });
        data.appendChild(el('summary', {}, 'The chart\'s numbers'));
        // On a phone the table may be wider than the tool: it scrolls sideways inside a region
        // that takes focus, so the keyboard can scroll it too.
        var wrap = el('div', { class: 'ds-ring-table', tabindex: '0', role: 'region', 'aria-label': 'The chart\'s numbers' });
        this.spreadTable = el('table');
        wrap.appendChild(this.spreadTable);
        data.appendChild(wrap);
        box.appendChild(data);
        parent.appendChild(box);
        this.curves = {};
    };

    Explorer.prototype.renderSpread = function () {
        var s = this.state;
        var names = s.config.nodes.map(function (n) { return n.name; });
        var n = names.length;
        var key = names.join(' ');
        // Up to 16 × 9 rings of 2,048 tokens, tens of milliseconds: computed once per set of
        // nodes, and kept, since scenarios go back and forth between the same few sets.
        if (!(key in this.curves)) {
            this.curves[key] = n > 1 ? core.spreadCurve(names) : null;
        }
        var curve = this.curves[key];
        if (!curve) {
            this.spreadLayer.innerHTML = '';
            this.spreadText.textContent = 'With one node there is no spread: it owns the whole ring.';
            this.spreadTitle.textContent = this.spreadText.textContent;
            this.spreadSvg.setAttribute('aria-label', this.spreadText.textContent);
            this.spreadTable.textContent = '';
            return;
        }
        // The ring drawn above, at its own setting, when its nodes are the chart's equal nodes.
        var now = s.config.placement === 'ring' && s.config.nodes.every(function (nd) { return nd.weight === 1; })
            ? core.spreadOf(s.shares) : null;
        var top = now ? now.maxOverMean - 1 : 0;
        curve.forEach(function (p) {
            top = Math.max(top, p.mean.maxOverMean - 1, p.ring.maxOverMean - 1, core.shareSd(n, p.vnodes));
        });
        top = Math.ceil(top * 2) / 2; // a multiple of 50%
        var L = 40;
        var Rt = CW - 12;
        var T = 24;
        var B = CH - 40;
        var x = function (v) { return L + (Rt - L) * Math.log2(v) / 8; };
        var y = function (f) { return B - (B - T) * f / top; };
        var parts = [];
        for (var g = 0; g <= top + 1e-9; g += 0.5) {
            parts.push('<path class="ds-ring-grid" d="M' + L + ' ' + y(g).toFixed(1) + 'H' + Rt + '"/>' +
                '<text class="ds-ring-tick" x="' + (L - 4) + '" y="' + y(g).toFixed(1) + '" text-anchor="end">' + Math.round(g * 100) + '%</text>');
        }
        curve.forEach(function (p) {
            parts.push('<text class="ds-ring-tick" x="' + x(p.vnodes).toFixed(1) + '" y="' + (B + 14) + '" text-anchor="middle">' + p.vnodes + '</text>');
        });
        parts.push('<text class="ds-ring-tick" x="' + ((L + Rt) / 2) + '" y="' + (B + 30) + '" text-anchor="middle">virtual nodes per node (log scale)</text>' +
            '<text class="ds-ring-tick" x="4" y="9">share of the ring, % of the mean share</text>');
        var v = s.config.vnodes;
        if (s.config.placement === 'ring') {
            parts.push('<path class="ds-ring-now" d="M' + x(v).toFixed(1) + ' ' + T + 'V' + B + '"/>');
        }
        var line = function (f, cls) {
            return '<path class="' + cls + '" d="' + curve.map(function (p, i) { return (i ? 'L' : 'M') + x(p.vnodes).toFixed(1) + ' ' + y(f(p)).toFixed(1); }).join('') + '"/>';
        };
        parts.push(line(function (p) { return core.shareSd(n, p.vnodes); }, 'ds-ring-model'));
        parts.push(line(function (p) { return p.mean.maxOverMean - 1; }, 'ds-ring-series ds-ring-max'));
        parts.push(line(function (p) { return p.mean.cov; }, 'ds-ring-series ds-ring-sd'));
        curve.forEach(function (p) {
            var cx = x(p.vnodes).toFixed(1);
            parts.push('<circle class="ds-ring-max-dot" cx="' + cx + '" cy="' + y(p.mean.maxOverMean - 1).toFixed(1) + '" r="3"/>' +
                '<rect class="ds-ring-sd-dot" x="' + (cx - 3) + '" y="' + (y(p.mean.cov) - 3).toFixed(1) + '" width="6" height="6"/>' +
                '<circle class="ds-ring-this" cx="' + cx + '" cy="' + y(p.ring.maxOverMean - 1).toFixed(1) + '" r="4"/>');
        });
        if (now) {
            parts.push('<circle class="ds-ring-this ds-ring-this-now" cx="' + x(v).toFixed(1) + '" cy="' + y(now.maxOverMean - 1).toFixed(1) + '" r="5"/>');
        }
        this.spreadLayer.innerHTML = parts.join('');

        var at = function (vn) { return curve[core.SPREAD_STEPS.indexOf(vn)]; };
        var times = function (r) { return r.toFixed(2) + '×'; };
        var summary = 'With ' + n + ' equal nodes, the fullest node owns on average ' + times(at(1).mean.maxOverMean) +
            ' the mean share with 1 virtual node each, ' + times(at(16).mean.maxOverMean) + ' with 16 and ' + times(at(256).mean.maxOverMean) +
            ' with 256; the standard deviation of a node\'s share falls from ' + fmt.pct(at(1).mean.cov) + ' to ' + fmt.pct(at(256).mean.cov) +
            ' of the mean (averages of ' + core.SPREAD_TRIALS + ' rings each).';
        this.spreadText.textContent = 'How far the fullest node\'s share of the ring sits above the mean (dots) and the standard deviation of ' +
            'the shares (squares), both averaged over ' + core.SPREAD_TRIALS + ' rings of these ' + n + ' nodes with tokens at other positions. ' +
            'Dashed: the model √((n − 1)/(nv + 1)). Open circles: the fullest node on the ring of these names' +
            (s.config.placement === 'ring' ? ', drawn above. Vertical line: ' + v + ' virtual nodes, the setting now.'
                : '. The ring is not in use now: ' + PLACED[s.config.placement].replace(/^Placement/, 'placement').replace(/: $/, '') + ' has no tokens to spread.');
        this.spreadTitle.textContent = summary;
        this.spreadSvg.setAttribute('aria-label', summary);

        var table = this.spreadTable;
        table.textContent = '';
        table.appendChild(el('caption', {}, 'Share of the ring, ' + n + ' equal nodes'));
        var head = el('tr');
        var trials = core.SPREAD_TRIALS + ' rings';
        ['Virtual nodes', 'Fullest ÷ mean, ' + trials, 'Fullest ÷ mean, this ring', 'SD ÷ mean, ' + trials, 'SD ÷ mean, model'].forEach(function (h) {
            head.appendChild(el('th', { scope: 'col' }, h));
        });
        table.appendChild(head);
        curve.forEach(function (p) {
            var tr = el('tr');
            tr.appendChild(el('th', { scope: 'row' }, String(p.vnodes)));
            [times(p.mean.maxOverMean), times(p.ring.maxOverMean), fmt.pct(p.mean.cov), fmt.pct(core.shareSd(n, p.vnodes))].forEach(function (c) {
                tr.appendChild(el('td', {}, c));
            });
            table.appendChild(tr);
        });
    };

    // Keys as ticks inside the band (coloured by owner), moved keys on the inner circle;
    // above DENSE keys, both as density bands of 240 bins.
    Explorer.prototype.keyMarks = function (s) {
        var out = [];
        var names = s.config.nodes.map(function (n) { return n.name; });
        var mask = s.change && s.change.mask;
        var sel = this.selected;
        var n = s.config.keys;
        var animate = reducedMotion() ? '' : ' ds-ring-pop';
        out.push('<circle class="ds-ring-moved-track" cx="200" cy="200" r="' + (R - 44) + '"/>');
        if (n <= DENSE) {
            var byOwner = {};
            var moved = [];
            for (var k = 0; k < n; k++) {
                var owner = names[s.lists[k][0]];
                var a = angle(s.hashes[k]);
                var d = 'M' + point(a, R - 26) + 'L' + point(a, R - 14);
                (byOwner[owner] = byOwner[owner] || []).push(d);
                if (mask && mask[k]) {
                    moved.push('M' + point(a, R - 50) + 'L' + point(a, R - 38));
                }
            }
            // With hundreds of tokens the owners' colours change faster than the ticks can show;
            // the band carries ownership and the ticks turn neutral.
            var plain = s.tokens.length > 200;
            Object.keys(byOwner).sort().forEach(function (owner) {
                out.push('<path class="ds-ring-key ' + (plain ? 'ds-ring-key-plain' : colour(owner)) + (sel && sel !== owner ? ' ds-ring-dim' : '') +
                    '" d="' + byOwner[owner].join('') + '"/>');
            });
            if (moved.length) {
                out.push('<path class="ds-ring-moved' + animate + '" d="' + moved.join('') + '"/>');
            }
            return out.join('');
        }
        var BINS = 240;
        var counts = new Uint32Array(BINS);
        var movedCounts = new Uint32Array(BINS);
        for (var j = 0; j < n; j++) {
            var b = Math.floor(s.hashes[j] / 4294967296 * BINS);
            counts[b] += 1;
            if (mask && mask[j]) {
                movedCounts[b] += 1;
            }
        }
        var peak = Math.max.apply(null, counts) || 1;
        var band = [];
        var movedBand = [];
        for (var i = 0; i < BINS; i++) {
            var mid = angle((i + 0.5) / BINS * 4294967296);
            band.push('M' + point(mid, R - 14) + 'L' + point(mid, R - 14 - 14 * counts[i] / peak));
            if (movedCounts[i]) {
                movedBand.push('M' + point(mid, R - 38) + 'L' + point(mid, R - 38 - 14 * movedCounts[i] / peak));
            }
        }
        out.push('<path class="ds-ring-density" d="' + band.join('') + '"/>');
        if (movedBand.length) {
            out.push('<path class="ds-ring-moved ds-ring-moved-dense' + animate + '" d="' + movedBand.join('') + '"/>');
        }
        return out.join('');
    };

    function init() {
        var mounts = document.querySelectorAll('.ds-tool[data-ds-tool="ring-explorer"]');
        var made = [];
        for (var i = 0; i < mounts.length; i++) {
            made.push(new Explorer(mounts[i]));
        }
        window.DSTools.ringExplorer = { instances: made };
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', init);
    } else {
        init();
    }
}());
