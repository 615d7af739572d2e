// The Consistent-Hash Ring Explorer's core: pure and deterministic, with no DOM, no clock and
// no randomness. It loads as a classic script in the page (as DSTools.ringCore) and with
// require() under node --test. Every number the explorer shows is computed here.
//
// In: a configuration (placement, virtual nodes per unit of weight, replicas, number of keys,
// nodes with weights) and actions (add, remove, reweigh a node; change a setting).
// Out: states holding the ring's tokens, every key's owner, per-node load statistics, and,
// after an action, what changed: how many keys moved, to and from which nodes, against the
// ideal share. The hash and the ring agree key for key with the Rust reference in
// snippets/src/ring (checked by theme/tests/ring-core.test.js against shared vectors).
(function (root, factory) {
    if (typeof module === 'object' && module.exports) {
        module.exports = factory();
    } else {
        root.DSTools = root.DSTools || {};
        root.DSTools.ringCore = factory();
    }
}(typeof self !== 'undefined' ? self : this, function () {
    'use strict';

    var MAX_NODES = 8;
    var NAMES = ['node-a', 'node-b', 'node-c', 'node-d', 'node-e', 'node-f', 'node-g', 'node-h'];
    var LIMITS = { vnodes: [1, 256], replicas: [1, 5], keys: [100, 100000], weight: [1, 4] };
    // The ring with virtual nodes; plain hash mod n; rendezvous hashing; jump hash. Only the
    // ring uses tokens and weights; the others place keys among equal nodes.
    var PLACEMENTS = ['ring', 'mod', 'hrw', 'jump'];
    // The values the explorer's virtual-node slider offers.
    var VNODE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200];
    // The spread chart's virtual-node counts, and how many rings each of its points averages
    // (the Rust reference writes the ownership of the same rings into the shared vectors).
    var SPREAD_STEPS = [1, 2, 4, 8, 16, 32, 64, 128, 256];
    var SPREAD_TRIALS = 16;

    // FNV-1a 32 over the UTF-8 bytes, then MurmurHash3's fmix32 finaliser.
    function hash32(text) {
        var h = 0x811c9dc5;
        for (var i = 0; i < text.length; i++) {
            var c = text.charCodeAt(i);
            if (c < 0x80) {
                h = Math.imul(h ^ c, 0x01000193);
                continue;
            }
            var bytes;
            if (c < 0x800) {
                bytes = [0xc0 | (c >> 6), 0x80 | (c & 63)];
            } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
                var cp = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
                bytes = [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
            } else {
                bytes = [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)];
            }
            for (var b = 0; b < bytes.length; b++) {
                h = Math.imul(h ^ bytes[b], 0x01000193);
            }
        }
        h ^= h >>> 16;
        h = Math.imul(h, 0x85ebca6b);
        h ^= h >>> 13;
        h = Math.imul(h, 0xc2b2ae35);
        h ^= h >>> 16;
        return h >>> 0;
    }

    // Every token of every node, clockwise. A node of weight w places w × vnodes tokens at
    // hash("<node>#<i>"). On a collision the node whose name sorts first keeps the position.
    function buildTokens(nodes, vnodes) {
        var list = [];
        nodes.forEach(function (node) {
            for (var i = 0; i < node.weight * vnodes; i++) {
                list.push({ pos: hash32(node.name + '#' + i), node: node.name });
            }
        });
        list.sort(function (a, b) {
            return a.pos - b.pos || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);
        });
        var out = [];
        for (var j = 0; j < list.length; j++) {
            if (j === 0 || list[j].pos !== list[j - 1].pos) {
                out.push(list[j]);
            }
        }
        return out;
    }

    // Jump consistent hash (Lamping and Veach, 2014): the bucket in 0..buckets-1 of a 64-bit
    // key (a number below 2^53, or a BigInt), as the paper's reference code computes it: a
    // 64-bit linear congruential step, then the jump in double precision. Matches jump() in
    // the Rust reference. BigInt() rather than literals, so older parsers still load the file.
    var JUMP_MUL = BigInt('2862933555777941757');
    var ONE = BigInt(1);
    var SHIFT = BigInt(33);
    function jump(key, buckets) {
        var k = BigInt.asUintN(64, BigInt(key));
        var b = -1;
        var j = 0;
        while (j < buckets) {
            b = j;
            k = BigInt.asUintN(64, k * JUMP_MUL + ONE);
            j = Math.floor((b + 1) * (2147483648 / (Number(k >> SHIFT) + 1)));
        }
        return b;
    }

    // Rendezvous (highest random weight) placement: the n names with the highest
    // hash32("<node>/<key>"), highest first, ties to the name that sorts first.
    function rendezvous(key, names, n) {
        var scores = names.map(function (name) { return hash32(name + '/' + key); });
        var out = [];
        // Picks the best remaining node n times: n and the node count are at most 8, and this
        // runs for every key, so no sort and no objects.
        while (out.length < Math.min(n, names.length)) {
            var best = -1;
            for (var i = 0; i < names.length; i++) {
                if (scores[i] < 0) {
                    continue;
                }
                if (best < 0 || scores[i] > scores[best] || (scores[i] === scores[best] && names[i] < names[best])) {
                    best = i;
                }
            }
            out.push(names[best]);
            scores[best] = -1;
        }
        return out;
    }

    // Index of the first token at or after `h`, wrapping to 0.
    function firstAtOrAfter(tokens, h) {
        var lo = 0;
        var hi = tokens.length;
        while (lo < hi) {
            var mid = (lo + hi) >>> 1;
            if (tokens[mid].pos < h) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo === tokens.length ? 0 : lo;
    }

    // The `n` distinct nodes that hold a key at position `h`, owner first, clockwise.
    function preferenceList(tokens, h, n, nodeCount) {
        var want = Math.min(n, nodeCount);
        var list = [];
        if (tokens.length === 0) {
            return list;
        }
        var start = firstAtOrAfter(tokens, h);
        for (var k = 0; k < tokens.length && list.length < want; k++) {
            var node = tokens[(start + k) % tokens.length].node;
            if (list.indexOf(node) < 0) {
                list.push(node);
            }
        }
        return list;
    }

    function keyName(i) {
        return 'key-' + i;
    }

    var hashCache = { count: 0, hashes: new Uint32Array(0) };
    function keyHashes(count) {
        if (hashCache.count !== count) {
            var hashes = new Uint32Array(count);
            for (var i = 0; i < count; i++) {
                hashes[i] = hash32(keyName(i));
            }
            hashCache = { count: count, hashes: hashes };
        }
        return hashCache.hashes;
    }

    function clamp(value, range) {
        return Math.max(range[0], Math.min(range[1], Math.round(value)));
    }

    function normalize(config) {
        return {
            placement: PLACEMENTS.indexOf(config.placement) >= 0 ? config.placement : 'ring',
            vnodes: clamp(config.vnodes || 1, LIMITS.vnodes),
            replicas: clamp(config.replicas || 1, LIMITS.replicas),
            // Share of all requests that go to one key, key-0 (a hot key), from 0 to 0.9.
            hot: Math.max(0, Math.min(0.9, Number(config.hot) || 0)),
            keys: clamp(config.keys || 1000, LIMITS.keys),
            nodes: (config.nodes || []).slice(0, MAX_NODES).map(function (n) {
                return typeof n === 'string' ? { name: n, weight: 1 } : { name: n.name, weight: clamp(n.weight || 1, LIMITS.weight) };
            }),
        };
    }

    // Replica lists for every key: an array of arrays of node indexes (into config.nodes).
    function place(config, tokens, hashes) {
        var nodes = config.nodes;
        var index = {};
        nodes.forEach(function (n, i) { index[n.name] = i; });
        var lists = new Array(hashes.length);
        var n = nodes.length;
        var allNames = nodes.map(function (nd) { return nd.name; });
        for (var k = 0; k < hashes.length; k++) {
            var list = [];
            if (n > 0 && (config.placement === 'mod' || config.placement === 'jump')) {
                // Replicas in the next buckets, as hash mod n and jump hash number their nodes.
                var first = config.placement === 'mod' ? hashes[k] % n : jump(hashes[k], n);
                for (var j = 0; j < Math.min(config.replicas, n); j++) {
                    list.push((first + j) % n);
                }
            } else if (n > 0 && config.placement === 'hrw') {
                var ranked = rendezvous(keyName(k), allNames, config.replicas);
                for (var x = 0; x < ranked.length; x++) {
                    list.push(index[ranked[x]]);
                }
            } else if (n > 0) {
                var names = preferenceList(tokens, hashes[k], config.replicas, n);
                for (var m = 0; m < names.length; m++) {
                    list.push(index[names[m]]);
                }
            }
            lists[k] = list;
        }
        return lists;
    }

    // Share of the hash space each node owns: the arcs that end at its tokens, over 2^32.
    function arcShares(config, tokens) {
        var share = config.nodes.map(function () { return 0; });
        var index = {};
        config.nodes.forEach(function (n, i) { index[n.name] = i; });
        if (config.placement !== 'ring') {
            // No arcs: every node expects an equal share.
            return share.map(function () { return 1 / config.nodes.length; });
        }
        for (var t = 0; t < tokens.length; t++) {
            var prev = t === 0 ? tokens[tokens.length - 1].pos - 4294967296 : tokens[t - 1].pos;
            share[index[tokens[t].node]] += (tokens[t].pos - prev) / 4294967296;
        }
        return share;
    }

    // How much of the ring each node owns, as whole hash positions (integers up to 2^32, exact
    // in a double): the arcs ending at its tokens. Matches Ring::ownership in the Rust reference.
    function ownership(nodes, tokens) {
        var owned = nodes.map(function () { return 0; });
        var index = {};
        nodes.forEach(function (n, i) { index[n.name] = i; });
        for (var t = 0; t < tokens.length; t++) {
            var prev = t === 0 ? tokens[tokens.length - 1].pos - 4294967296 : tokens[t - 1].pos;
            owned[index[tokens[t].node]] += tokens[t].pos - prev;
        }
        return owned;
    }

    // Spread of a list of owned lengths (or loads): the fullest over the mean, the emptiest
    // over the mean, and the standard deviation over the mean.
    function spreadOf(values) {
        var n = values.length;
        var mean = values.reduce(function (a, b) { return a + b; }, 0) / n;
        var variance = values.reduce(function (a, v) { return a + (v - mean) * (v - mean); }, 0) / n;
        return {
            maxOverMean: Math.max.apply(null, values) / mean,
            minOverMean: Math.min.apply(null, values) / mean,
            cov: Math.sqrt(variance) / mean,
        };
    }

    // The standard deviation of one node's share over its mean, for n equal nodes with v tokens
    // each at uniform random positions: the share is Beta(v, (n - 1)v), so sqrt((n - 1)/(nv + 1)).
    function shareSd(n, v) {
        return Math.sqrt((n - 1) / (n * v + 1));
    }

    // The trial rings a point of the spread chart averages: trial 0 is the nodes' own names,
    // trial t > 0 appends "@t" to every name, which moves every token elsewhere.
    function trialNodes(names, trial) {
        return names.map(function (name) { return { name: trial === 0 ? name : name + '@' + trial, weight: 1 }; });
    }

    // Spread of ownership against virtual nodes per node, for equal nodes with these names:
    // for each count in SPREAD_STEPS, the ring with the nodes' own names (what the explorer
    // draws), and the mean over SPREAD_TRIALS rings whose tokens sit elsewhere (what to
    // expect from any ring of that size).
    function spreadCurve(names) {
        return SPREAD_STEPS.map(function (vnodes) {
            var sum = { maxOverMean: 0, minOverMean: 0, cov: 0 };
            var first = null;
            for (var t = 0; t < SPREAD_TRIALS; t++) {
                var nodes = trialNodes(names, t);
                var s = spreadOf(ownership(nodes, buildTokens(nodes, vnodes)));
                if (t === 0) {
                    first = s;
                }
                sum.maxOverMean += s.maxOverMean;
                sum.minOverMean += s.minOverMean;
                sum.cov += s.cov;
            }
            return {
                vnodes: vnodes,
                ring: first,
                mean: {
                    maxOverMean: sum.maxOverMean / SPREAD_TRIALS,
                    minOverMean: sum.minOverMean / SPREAD_TRIALS,
                    cov: sum.cov / SPREAD_TRIALS,
                },
            };
        });
    }

    function stats(config, lists) {
        var loads = config.nodes.map(function () { return 0; });
        for (var k = 0; k < lists.length; k++) {
            if (lists[k].length) {
                loads[lists[k][0]] += 1;
            }
        }
        var n = loads.length;
        var mean = n ? lists.length / n : 0;
        var max = n ? Math.max.apply(null, loads) : 0;
        var variance = 0;
        loads.forEach(function (l) { variance += (l - mean) * (l - mean); });
        var sd = n ? Math.sqrt(variance / n) : 0;
        // Requests: key-0 gets `hot` of them, every key an equal part of the rest, and each
        // key's requests are spread evenly over its replicas (reads from any replica).
        var requests = config.nodes.map(function () { return 0; });
        var each = (1 - config.hot) / lists.length;
        for (var q = 0; q < lists.length; q++) {
            var share = (each + (q === 0 ? config.hot : 0)) / lists[q].length;
            for (var r = 0; r < lists[q].length; r++) {
                requests[lists[q][r]] += share;
            }
        }
        var busiest = n ? Math.max.apply(null, requests) : 0;
        return {
            requests: requests,
            busiest: busiest,
            busiestOverMean: n ? busiest * n : 0,
            loads: loads,
            mean: mean,
            max: max,
            maxOverMean: mean ? max / mean : 0,
            sd: sd,
            cov: mean ? sd / mean : 0,
        };
    }

    function create(config) {
        var c = normalize(config);
        var tokens = c.placement === 'ring' ? buildTokens(c.nodes, c.vnodes) : [];
        var hashes = keyHashes(c.keys);
        var lists = place(c, tokens, hashes);
        return {
            config: c,
            tokens: tokens,
            hashes: hashes,
            lists: lists,
            shares: arcShares(c, tokens),
            stats: stats(c, lists),
            change: null,
        };
    }

    function nextName(config) {
        var used = {};
        config.nodes.forEach(function (n) { used[n.name] = true; });
        for (var i = 0; i < NAMES.length; i++) {
            if (!used[NAMES[i]]) {
                return NAMES[i];
            }
        }
        return null;
    }

    function findNode(config, name) {
        for (var i = 0; i < config.nodes.length; i++) {
            if (config.nodes[i].name === name) {
                return i;
            }
        }
        return -1;
    }

    function withConfig(config, patch) {
        var c = {
            placement: config.placement, vnodes: config.vnodes, replicas: config.replicas,
            keys: config.keys, hot: config.hot, nodes: config.nodes.slice(),
        };
        Object.keys(patch).forEach(function (k) { c[k] = patch[k]; });
        return c;
    }

    // The configuration an action leads to, or an error message when it cannot apply.
    function nextConfig(config, action) {
        switch (action.type) {
        case 'add': {
            var name = action.name || nextName(config);
            if (config.nodes.length >= MAX_NODES || !name) {
                return { error: 'The explorer holds at most ' + MAX_NODES + ' nodes.' };
            }
            if (findNode(config, name) >= 0) {
                return { error: name + ' is already on the ring.' };
            }
            return { config: withConfig(config, { nodes: config.nodes.concat([{ name: name, weight: action.weight || 1 }]) }) };
        }
        case 'remove': {
            var i = findNode(config, action.name);
            if (i < 0) {
                return { error: action.name + ' is not on the ring.' };
            }
            if (config.nodes.length === 1) {
                return { error: 'The last node cannot leave: its keys would have nowhere to go.' };
            }
            var nodes = config.nodes.slice();
            nodes.splice(i, 1);
            return { config: withConfig(config, { nodes: nodes }) };
        }
        case 'weight': {
            var w = findNode(config, action.name);
            if (w < 0) {
                return { error: action.name + ' is not on the ring.' };
            }
            if (config.placement !== 'ring' && action.value !== 1) {
                return { error: 'Weights place more tokens, so they apply only to the ring; this placement treats nodes as equal.' };
            }
            var reweighed = config.nodes.slice();
            reweighed[w] = { name: action.name, weight: action.value };
            return { config: withConfig(config, { nodes: reweighed }) };
        }
        case 'placement':
            if (action.value !== 'ring' && config.nodes.some(function (nd) { return nd.weight !== 1; })) {
                return { error: 'Set every weight back to ×1 first: only the ring uses weights.' };
            }
            // falls through
        case 'vnodes':
        case 'hot':
        case 'replicas':
        case 'keys': {
            var patch = {};
            patch[action.type] = action.value;
            return { config: withConfig(config, patch) };
        }
        default:
            return { error: 'Unknown action ' + action.type + '.' };
        }
    }

    // What changed between two states over the same keys: owners that moved (with a mask for
    // drawing them), where they went, and new replica copies the cluster must make.
    function diff(before, after, action) {
        var sameKeys = before.config.keys === after.config.keys;
        var change = { action: action, moved: null, copies: null, total: after.config.keys, ideal: null, movedTo: {}, movedFrom: {}, mask: null };
        if (!sameKeys) {
            return change;
        }
        var bn = before.config.nodes.map(function (n) { return n.name; });
        var an = after.config.nodes.map(function (n) { return n.name; });
        var mask = new Uint8Array(after.config.keys);
        var moved = 0;
        var copies = 0;
        for (var k = 0; k < mask.length; k++) {
            var was = before.lists[k];
            var now = after.lists[k];
            if (was.length && now.length && bn[was[0]] !== an[now[0]]) {
                mask[k] = 1;
                moved += 1;
                change.movedTo[an[now[0]]] = (change.movedTo[an[now[0]]] || 0) + 1;
                change.movedFrom[bn[was[0]]] = (change.movedFrom[bn[was[0]]] || 0) + 1;
            }
            for (var r = 0; r < now.length; r++) {
                var holder = an[now[r]];
                var had = false;
                for (var q = 0; q < was.length; q++) {
                    if (bn[was[q]] === holder) {
                        had = true;
                    }
                }
                if (!had) {
                    copies += 1;
                }
            }
        }
        change.moved = moved;
        change.copies = copies;
        change.mask = mask;
        var weight = function (nodes) { return nodes.reduce(function (s, n) { return s + n.weight; }, 0); };
        if (action.type === 'add') {
            var added = after.config.nodes[after.config.nodes.length - 1];
            change.ideal = added.weight / weight(after.config.nodes);
            change.idealText = added.weight === 1 && after.config.nodes.every(function (n) { return n.weight === 1; })
                ? '1/(n+1) = 1/' + after.config.nodes.length
                : 'its weight share, ' + added.weight + '/' + weight(after.config.nodes);
        } else if (action.type === 'remove') {
            var gone = before.config.nodes[findNode(before.config, action.name)];
            change.ideal = gone.weight / weight(before.config.nodes);
            change.idealText = gone.weight === 1 && before.config.nodes.every(function (n) { return n.weight === 1; })
                ? '1/n = 1/' + before.config.nodes.length
                : 'its weight share, ' + gone.weight + '/' + weight(before.config.nodes);
        }
        return change;
    }

    // Applies a user action. Returns a new state whose `change` says what moved, or the same
    // state with `error` set when the action cannot apply.
    function apply(state, action) {
        var next = nextConfig(state.config, action);
        if (next.error) {
            return Object.assign({}, state, { error: next.error });
        }
        var after = create(next.config);
        after.change = diff(state, after, action);
        return after;
    }

    // Where one key sits and who holds it: its hash, and for each replica the node and the
    // index of the token the clockwise walk reached it at (-1 with hash mod n, which has none).
    function lookup(state, key) {
        var c = state.config;
        var h = hash32(key);
        var out = { key: key, hash: h, nodes: [], tokens: [] };
        var n = c.nodes.length;
        if (n === 0) {
            return out;
        }
        if (c.placement === 'hrw') {
            out.nodes = rendezvous(key, c.nodes.map(function (nd) { return nd.name; }), c.replicas);
            out.tokens = out.nodes.map(function () { return -1; });
            return out;
        }
        if (c.placement !== 'ring') {
            var first = c.placement === 'mod' ? h % n : jump(h, n);
            out.bucket = first;
            for (var j = 0; j < Math.min(c.replicas, n); j++) {
                out.nodes.push(c.nodes[(first + j) % n].name);
                out.tokens.push(-1);
            }
            return out;
        }
        var start = firstAtOrAfter(state.tokens, h);
        var want = Math.min(c.replicas, n);
        for (var k = 0; k < state.tokens.length && out.nodes.length < want; k++) {
            var i = (start + k) % state.tokens.length;
            if (out.nodes.indexOf(state.tokens[i].node) < 0) {
                out.nodes.push(state.tokens[i].node);
                out.tokens.push(i);
            }
        }
        return out;
    }

    // Invariants, for the tests and the explorer's check line: [] when all hold.
    function check(state) {
        var out = [];
        var c = state.config;
        var sum = state.stats.loads.reduce(function (a, b) { return a + b; }, 0);
        if (c.nodes.length && sum !== c.keys) {
            out.push('loads sum to ' + sum + ', not ' + c.keys);
        }
        for (var t = 1; t < state.tokens.length; t++) {
            if (state.tokens[t - 1].pos >= state.tokens[t].pos) {
                out.push('tokens out of order at ' + t);
                break;
            }
        }
        var names = c.nodes.map(function (n) { return n.name; });
        var step = Math.max(1, Math.floor(c.keys / 500));
        for (var k = 0; k < c.keys; k += step) {
            var list = state.lists[k];
            if (list.length !== Math.min(c.replicas, c.nodes.length)) {
                out.push(keyName(k) + ' has ' + list.length + ' replicas');
                break;
            }
            if (list.some(function (x, i) { return list.indexOf(x) !== i; })) {
                out.push(keyName(k) + ' has two replicas on one node');
                break;
            }
            if (c.placement === 'ring' && state.tokens.length) {
                var h = state.hashes[k];
                var brute = state.tokens[0].node;
                for (var s = 0; s < state.tokens.length; s++) {
                    if (state.tokens[s].pos >= h) {
                        brute = state.tokens[s].node;
                        break;
                    }
                }
                if (names[list[0]] !== brute) {
                    out.push(keyName(k) + ' is not owned by the first token clockwise');
                    break;
                }
            }
        }
        return out;
    }

    // Formatting shared by captions and the view.
    function int(n) {
        return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    }
    function pct(x) {
        return (100 * x).toFixed(1) + '%';
    }
    function label(name) {
        return name.indexOf('node-') === 0 ? name.slice(5).toUpperCase() : name;
    }
    function spread(counts) {
        return Object.keys(counts).sort().map(function (n) { return label(n) + ' ' + int(counts[n]); }).join(', ');
    }
    function movedText(state) {
        var ch = state.change;
        return int(ch.moved) + ' of ' + int(ch.total) + ' keys (' + pct(ch.moved / ch.total) + ')';
    }
    function balanceText(state) {
        var s = state.stats;
        return 'The fullest node holds ' + s.maxOverMean.toFixed(2) + '× the mean of ' + int(s.mean) +
            ' keys; standard deviation ' + int(s.sd) + ' keys (' + pct(s.cov) + ' of the mean).';
    }
    // What moving the same keys would cost with `hash mod n`, for comparison.
    function modMoved(before, action) {
        var a = create(withConfig(before.config, { placement: 'mod' }));
        return apply(a, action).change;
    }

    var FOUR = ['node-a', 'node-b', 'node-c', 'node-d'];
    var FIVE = FOUR.concat(['node-e']);

    // Named scenarios: a starting configuration and steps, each an action and a caption
    // computed from the state the action produced.
    var SCENARIOS = [
        {
            id: 'join',
            title: 'A node joins',
            config: { placement: 'ring', vnodes: 10, replicas: 1, keys: 2000, nodes: FOUR },
            intro: function (s) {
                return int(s.config.keys) + ' keys hashed onto a ring shared by ' + s.config.nodes.length +
                    ' nodes, ' + s.config.vnodes + ' virtual nodes each. A key belongs to the first node token clockwise from it.';
            },
            steps: [
                {
                    action: { type: 'add', name: 'node-e' },
                    caption: function (s, prev) {
                        var m = modMoved(prev, { type: 'add', name: 'node-e' });
                        return 'Node E joins. ' + movedText(s) + ' move, all of them to E; the ideal is ' +
                            s.change.idealText + ' = ' + pct(s.change.ideal) + ', and E\'s arcs cover ' + pct(s.shares[findNode(s.config, 'node-e')]) +
                            ' of the ring. With hash mod n, ' + pct(m.moved / m.total) + ' would move.';
                    },
                },
                {
                    action: { type: 'remove', name: 'node-e' },
                    caption: function (s) {
                        return 'Node E leaves. Only its ' + int(s.change.moved) + ' keys move, each back to the node that held it before.';
                    },
                },
            ],
        },
        {
            id: 'modulo',
            title: 'hash mod n: a node joins',
            config: { placement: 'mod', vnodes: 1, replicas: 1, keys: 2000, nodes: FOUR },
            intro: function (s) {
                return 'No ring: each of ' + int(s.config.keys) + ' keys goes to node number hash mod ' + s.config.nodes.length + '.';
            },
            steps: [
                {
                    action: { type: 'add', name: 'node-e' },
                    caption: function (s) {
                        return 'Node E joins and n becomes 5: ' + movedText(s) + ' change owner, against an ideal of ' +
                            pct(s.change.ideal) + '. A key stays only when hash mod 4 equals hash mod 5.';
                    },
                },
                {
                    action: { type: 'placement', value: 'ring' },
                    caption: function (s) {
                        return 'Now the same five nodes on a ring. Switching placement reshuffles ' + movedText(s) +
                            ' once; from here on a join moves only the newcomer\'s share.';
                    },
                },
            ],
        },
        {
            id: 'vnodes',
            title: 'Why virtual nodes',
            config: { placement: 'ring', vnodes: 1, replicas: 1, keys: 5000, nodes: FOUR },
            intro: function (s) {
                return 'One token per node: four random points cut the ring into four arcs of random length. ' + balanceText(s);
            },
            steps: [
                {
                    action: { type: 'vnodes', value: 10 },
                    caption: function (s) { return '10 virtual nodes per node. ' + balanceText(s); },
                },
                {
                    action: { type: 'vnodes', value: 100 },
                    caption: function (s) { return '100 virtual nodes per node: many short arcs average out. ' + balanceText(s); },
                },
            ],
        },
        {
            id: 'failure',
            title: 'A node fails: successor or spread',
            config: { placement: 'ring', vnodes: 1, replicas: 1, keys: 2000, nodes: FIVE },
            intro: function () { return 'Five nodes with one token each.'; },
            steps: [
                {
                    action: { type: 'remove', name: 'node-b' },
                    caption: function (s) {
                        return 'B fails. All ' + int(s.change.moved) + ' of its keys land on its one successor: ' + spread(s.change.movedTo) + '.';
                    },
                },
                {
                    action: { type: 'add', name: 'node-b' },
                    caption: function () { return 'B is back, and gets exactly its old keys.'; },
                },
                {
                    action: { type: 'vnodes', value: 100 },
                    caption: function () { return 'Now 100 virtual nodes per node.'; },
                },
                {
                    action: { type: 'remove', name: 'node-b' },
                    caption: function (s) {
                        return 'B fails again. Its ' + int(s.change.moved) + ' keys spread over every survivor: ' + spread(s.change.movedTo) + '.';
                    },
                },
            ],
        },
        {
            id: 'replicas',
            title: 'A node fails with 3 replicas',
            config: { placement: 'ring', vnodes: 100, replicas: 3, keys: 2000, nodes: FIVE },
            intro: function () {
                return 'Each key is stored on 3 nodes: its owner, then the next distinct nodes clockwise (its preference list).';
            },
            steps: [
                {
                    action: { type: 'remove', name: 'node-c' },
                    caption: function (s) {
                        return 'C fails. ' + int(s.change.copies) + ' new copies bring every key back to 3 replicas, on 3 different nodes; ' +
                            int(s.change.moved) + ' keys get a new owner.';
                    },
                },
            ],
        },
        {
            id: 'weights',
            title: 'A bigger machine',
            config: { placement: 'ring', vnodes: 50, replicas: 1, keys: 4000, nodes: FOUR },
            intro: function (s) { return 'Four equal nodes, ' + s.config.vnodes + ' virtual nodes each. ' + balanceText(s); },
            steps: [
                {
                    action: { type: 'weight', name: 'node-d', value: 3 },
                    caption: function (s) {
                        var d = findNode(s.config, 'node-d');
                        var total = s.config.nodes.reduce(function (a, n) { return a + n.weight; }, 0);
                        return 'D gets weight 3, so it places 3 × ' + s.config.vnodes + ' = ' + 3 * s.config.vnodes + ' of the ring\'s ' +
                            int(s.tokens.length) + ' tokens. It now owns ' +
                            pct(s.shares[d]) + ' of the ring (its weight share is ' + s.config.nodes[d].weight + '/' + total + ' = ' + pct(s.config.nodes[d].weight / total) + ') and holds ' + int(s.stats.loads[d]) + ' keys; ' + movedText(s) + ' moved, all to D.';
                    },
                },
            ],
        },
    ];

    SCENARIOS.push({
        id: 'hot',
        title: 'A hot key',
        config: { placement: 'ring', vnodes: 100, replicas: 1, keys: 2000, nodes: FOUR, hot: 0.3 },
        intro: function (s) {
            return 'One key, key-0, gets ' + pct(s.config.hot) + ' of all requests; the other ' + int(s.config.keys - 1) +
                ' share the rest. ' + hotText(s);
        },
        steps: [
            {
                action: { type: 'add', name: 'node-e' },
                caption: function (s) {
                    return 'Node E joins and ' + movedText(s) + ' move. ' + hotText(s) + ' More nodes balance keys, not one key\'s traffic.';
                },
            },
            {
                action: { type: 'replicas', value: 3 },
                caption: function (s) {
                    return 'With 3 replicas per key and reads served by any of them, key-0\'s traffic splits three ways. ' + hotText(s);
                },
            },
        ],
    });

    SCENARIOS.push({
        id: 'alternatives',
        title: 'Rendezvous and jump hash',
        config: { placement: 'hrw', vnodes: 10, replicas: 1, keys: 2000, nodes: FOUR },
        intro: function (s) {
            return 'Rendezvous hashing: each of ' + int(s.config.keys) + ' keys goes to the node whose hash of node and key is the highest. ' +
                'No ring, no tokens. ' + balanceText(s);
        },
        steps: [
            {
                action: { type: 'add', name: 'node-e' },
                caption: function (s) {
                    return 'Node E joins. ' + movedText(s) + ' move, all of them to E, against an ideal of ' + pct(s.change.ideal) +
                        ': with no tokens there is no token spread, only the noise of a sample of keys.';
                },
            },
            {
                action: { type: 'remove', name: 'node-b' },
                caption: function (s) {
                    return 'B leaves. Only its ' + int(s.change.moved) + ' keys move, each to its own runner-up, so they spread over every survivor: ' +
                        spread(s.change.movedTo) + '.';
                },
            },
            {
                action: { type: 'placement', value: 'jump' },
                caption: function (s) {
                    return 'Now jump hash over the same nodes, numbered as buckets: ' + s.config.nodes.map(function (n, i) { return label(n.name) + ' ' + i; }).join(', ') +
                        '. Switching reshuffles ' + movedText(s) + ' once. ' + balanceText(s);
                },
            },
            {
                action: { type: 'add', name: 'node-b' },
                caption: function (s) {
                    return 'B joins as bucket ' + (s.config.nodes.length - 1) + ', the end of the numbering: ' + movedText(s) + ' move, all of them to B; the ideal is ' +
                        pct(s.change.ideal) + '.';
                },
            },
            {
                action: { type: 'remove', name: 'node-c' },
                caption: function (s, prev) {
                    var at = findNode(prev.config, 'node-c');
                    var owned = prev.stats.loads[at];
                    var after = prev.config.nodes.slice(at + 1).map(function (n) { return label(n.name); });
                    return 'C, bucket ' + at + ', fails. Jump hash can only drop the last bucket, so ' + after.slice(0, -1).join(', ') + ' and ' +
                        after[after.length - 1] + ' each move down one and ' + movedText(s) +
                        ' move, against the ' + int(owned) + ' keys C held. Rendezvous hashing or the ring would have moved only those.';
                },
            },
        ],
    });

    // Who serves the hot key, and how busy the busiest node is.
    function hotText(s) {
        var owners = s.lists[0].map(function (i) { return label(s.config.nodes[i].name); });
        return 'key-0 lives on node' + (owners.length > 1 ? 's ' : ' ') + owners.join(', ') + '; the busiest node serves ' + pct(s.stats.busiest) + ' of requests, ' +
            s.stats.busiestOverMean.toFixed(2) + '× the mean of ' + pct(1 / s.config.nodes.length) + '.';
    }

    function scenario(id) {
        for (var i = 0; i < SCENARIOS.length; i++) {
            if (SCENARIOS[i].id === id) {
                return SCENARIOS[i];
            }
        }
        return null;
    }

    // The state after the first `step` steps of a scenario, with its caption.
    function scenarioAt(id, step) {
        var sc = scenario(id);
        var state = create(sc.config);
        var caption = sc.intro(state);
        for (var i = 0; i < Math.min(step, sc.steps.length); i++) {
            var prev = state;
            state = apply(state, sc.steps[i].action);
            caption = sc.steps[i].caption(state, prev);
        }
        return { state: state, caption: caption, step: Math.min(step, sc.steps.length), steps: sc.steps.length };
    }

    return {
        MAX_NODES: MAX_NODES,
        LIMITS: LIMITS,
        VNODE_STEPS: VNODE_STEPS,
        NAMES: NAMES,
        SPREAD_STEPS: SPREAD_STEPS,
        SPREAD_TRIALS: SPREAD_TRIALS,
        PLACEMENTS: PLACEMENTS,
        hash32: hash32,
        jump: jump,
        rendezvous: rendezvous,
        ownership: ownership,
        spreadOf: spreadOf,
        trialNodes: trialNodes,
        spreadCurve: spreadCurve,
        shareSd: shareSd,
        buildTokens: buildTokens,
        preferenceList: preferenceList,
        keyName: keyName,
        create: create,
        apply: apply,
        check: check,
        lookup: lookup,
        nextName: nextName,
        SCENARIOS: SCENARIOS,
        scenarioAt: scenarioAt,
        format: { int: int, pct: pct, label: label, spread: spread, movedText: movedText, balanceText: balanceText, hotText: hotText },
    };
}));
