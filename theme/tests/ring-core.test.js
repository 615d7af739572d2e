// The ring explorer's core, without a browser: it must agree exactly with the Rust reference
// (snippets/src/ring) on every shared vector in vectors/ring.json, and keep the invariants the
// explorer's page claims: a join moves keys only to the new node, a leave moves only the
// leaver's keys, the moved fraction is near the ideal, and replicas sit on distinct nodes; the
// same for rendezvous hashing, and for jump hash when the last bucket changes.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const core = require('../tools/ring-core.js');

const VECTORS = require(path.join(__dirname, 'vectors', 'ring.json'));

function nodesOf(pairs) {
    return pairs.map(([name, weight]) => ({ name, weight }));
}

// mulberry32: a seeded generator, so the "random data" tests are repeatable.
function mulberry32(seed) {
    let a = seed >>> 0;
    return function () {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

test('the core is pure: no page, clock or randomness', () => {
    const source = require('node:fs').readFileSync(require.resolve('../tools/ring-core.js'), 'utf8')
        .replace(/\/\/.*$/gm, ''); // comments may name what the code must not use
    for (const banned of ['Math.random', 'Date', 'performance', 'document', 'window', 'setTimeout', 'requestAnimationFrame']) {
        assert.ok(!source.includes(banned), `ring-core.js uses ${banned}`);
    }
});

test('the core matches every shared vector written by the Rust reference', (t) => {
    let checked = 0;
    for (const [input, expected] of VECTORS.hashes) {
        assert.equal(core.hash32(input), expected, `hash32(${JSON.stringify(input)})`);
        checked += 1;
    }
    for (const ring of VECTORS.rings) {
        const nodes = nodesOf(ring.nodes);
        const tokens = core.buildTokens(nodes, ring.vnodes);
        assert.equal(tokens.length, ring.token_count, 'token count');
        checked += 1;
        ring.tokens.forEach(([pos, node], i) => {
            assert.deepEqual([tokens[i].pos, tokens[i].node], [pos, node], `token ${i}`);
            checked += 1;
        });
        for (const [key, owners] of ring.keys) {
            const list = core.preferenceList(tokens, core.hash32(key), ring.replicas, nodes.length);
            assert.deepEqual(list, owners, `${key} on ${JSON.stringify(ring.nodes)} × ${ring.vnodes}`);
            checked += 1;
        }
    }
    for (const [key, buckets, bucket] of VECTORS.jump) {
        assert.equal(core.jump(key, buckets), bucket, `jump(${key}, ${buckets})`);
        checked += 1;
    }
    for (const placement of VECTORS.placements) {
        const state = core.create({ placement: placement.placement, replicas: placement.replicas, keys: placement.keys.length, nodes: nodesOf(placement.nodes) });
        for (const [key, expected] of placement.keys) {
            const k = Number(key.slice(4));
            const names = state.lists[k].map((i) => state.config.nodes[i].name);
            // Rendezvous vectors give the whole preference list, jump vectors the owner.
            assert.deepEqual(placement.placement === 'jump' ? names[0] : names, expected, `${placement.placement}: ${key}`);
            assert.deepEqual(core.lookup(state, key).nodes, names, `${placement.placement}: lookup of ${key}`);
            checked += 1;
        }
    }
    for (const change of VECTORS.changes) {
        const before = core.create({ placement: change.placement, vnodes: change.vnodes, replicas: 1, keys: change.keys, nodes: nodesOf(change.before) });
        const after = core.create({ placement: change.placement, vnodes: change.vnodes, replicas: 1, keys: change.keys, nodes: nodesOf(change.after) });
        const moved = [];
        for (let k = 0; k < change.keys; k++) {
            if (before.config.nodes[before.lists[k][0]].name !== after.config.nodes[after.lists[k][0]].name) {
                moved.push(core.keyName(k));
            }
        }
        assert.equal(moved.length, change.moved, `moved count, ${change.placement} ${JSON.stringify(change.before)} → ${JSON.stringify(change.after)}`);
        assert.deepEqual(moved, change.moved_keys);
        checked += 1 + moved.length;
    }
    for (const ring of VECTORS.ownership) {
        const nodes = nodesOf(ring.nodes);
        const owned = core.ownership(nodes, core.buildTokens(nodes, ring.vnodes));
        assert.deepEqual(owned.map((l, i) => [nodes[i].name, l]), ring.owned, `ownership of ${JSON.stringify(ring.nodes)} × ${ring.vnodes}`);
        checked += owned.length;
    }
    assert.equal(checked, VECTORS.checks, 'every vector in the file was checked');
    t.diagnostic(`${checked} shared vectors checked against the Rust reference`);
});

test('the tool page states the vector counts that are in the file', () => {
    // The page describes the shared vectors in words; a regenerated file must not leave it stale.
    const page = fs.readFileSync(path.join(__dirname, '..', '..', 'book', 'src', 'tools', 'ring-explorer.md'), 'utf8')
        .replace(/\s+/g, ' ');
    const keys = VECTORS.rings.reduce((sum, ring) => sum + ring.keys.length, 0);
    const n = (x) => x.toLocaleString('en-US');
    for (const phrase of [
        `hash of ${n(VECTORS.hashes.length)} names`,
        `${n(keys)} keys on ${['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'][VECTORS.rings.length]} different rings`,
        `move in ${VECTORS.changes.length} joins and leaves`,
        `jump hash for ${VECTORS.jump.length} pairs of key and bucket count`,
        `${VECTORS.placements.reduce((sum, p) => sum + p.keys.length, 0)} keys placed by rendezvous and jump hash`,
        `${n(VECTORS.checks)} checks in all`,
        `owns on the ${n(VECTORS.ownership.length)} rings the spread chart averages`,
    ]) {
        assert.ok(page.includes(phrase), `book/src/tools/ring-explorer.md should say "${phrase}"`);
    }
});

test('adding a node moves keys only to it, and about 1/(n+1) of them', () => {
    for (const vnodes of [1, 10, 100, 256]) {
        for (let n = 1; n <= 7; n++) {
            const before = core.create({ vnodes, keys: 10000, nodes: core.NAMES.slice(0, n) });
            const after = core.apply(before, { type: 'add' });
            const added = after.config.nodes[n].name;
            assert.deepEqual(Object.keys(after.change.movedTo), after.change.moved ? [added] : []);
            if (vnodes >= 100) {
                const fraction = after.change.moved / after.change.total;
                assert.ok(Math.abs(fraction - 1 / (n + 1)) < 0.06, `${n} → ${n + 1} nodes, ${vnodes} vnodes: moved ${fraction}`);
            }
        }
    }
});

test('removing a node moves only its keys, to the survivors', () => {
    for (const vnodes of [1, 16, 100]) {
        const before = core.create({ vnodes, keys: 5000, nodes: core.NAMES.slice(0, 6) });
        for (const gone of core.NAMES.slice(0, 6)) {
            const after = core.apply(before, { type: 'remove', name: gone });
            const owned = before.stats.loads[before.config.nodes.findIndex((n) => n.name === gone)];
            assert.deepEqual(Object.keys(after.change.movedFrom), owned ? [gone] : []);
            assert.equal(after.change.moved, owned);
            assert.ok(!(gone in after.change.movedTo));
        }
    }
});

test('on random keys and random rings the moved fraction is near the ideal', () => {
    const random = mulberry32(20261130);
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    for (let trial = 0; trial < 20; trial++) {
        const n = 2 + Math.floor(random() * 6);
        const names = [];
        while (names.length < n + 1) {
            const name = 'srv-' + letters[Math.floor(random() * 26)] + letters[Math.floor(random() * 26)] + Math.floor(random() * 100);
            if (!names.includes(name)) {
                names.push(name);
            }
        }
        const keys = Array.from({ length: 20000 }, () => 'k' + Math.floor(random() * 1e12).toString(36));
        const small = core.buildTokens(names.slice(0, n).map((name) => ({ name, weight: 1 })), 128);
        const large = core.buildTokens(names.map((name) => ({ name, weight: 1 })), 128);
        let moved = 0;
        for (const key of keys) {
            const h = core.hash32(key);
            const was = core.preferenceList(small, h, 1, n)[0];
            const now = core.preferenceList(large, h, 1, n + 1)[0];
            if (was !== now) {
                moved += 1;
                assert.equal(now, names[n], 'a key moved to a node that did not join');
            }
        }
        const fraction = moved / keys.length;
        assert.ok(Math.abs(fraction - 1 / (n + 1)) < 0.05, `trial ${trial}: ${n} → ${n + 1}, moved ${fraction}`);
    }
});

test('replicas are distinct nodes, owner first, as many as the ring allows', () => {
    for (const replicas of [1, 2, 3, 5]) {
        for (const count of [1, 2, 3, 6]) {
            for (const placement of ['ring', 'mod']) {
                const state = core.create({ placement, vnodes: 20, replicas, keys: 3000, nodes: core.NAMES.slice(0, count) });
                for (const list of state.lists) {
                    assert.equal(list.length, Math.min(replicas, count));
                    assert.equal(new Set(list).size, list.length);
                }
                assert.deepEqual(core.check(state), []);
            }
        }
    }
});

test('token positions depend only on the node and its index', () => {
    const tokensOf = (state, name) => state.tokens.filter((t) => t.node === name).map((t) => t.pos);
    const a = core.create({ vnodes: 32, keys: 100, nodes: ['node-a', 'node-b'] });
    const b = core.apply(core.apply(a, { type: 'add' }), { type: 'remove', name: 'node-b' });
    assert.deepEqual(tokensOf(b, 'node-a'), tokensOf(a, 'node-a'));
});

test('hash mod n moves about n/(n+1) of the keys when a node joins', () => {
    const before = core.create({ placement: 'mod', keys: 10000, nodes: core.NAMES.slice(0, 4) });
    const after = core.apply(before, { type: 'add' });
    // A key stays only if h mod 4 = h mod 5, that is h mod 20 < 4: 4/20 stay, 80% move.
    assert.ok(Math.abs(after.change.moved / 10000 - 0.8) < 0.02, `moved ${after.change.moved}`);
});

test('every scenario runs to its end with the invariants holding and a caption per step', () => {
    for (const sc of core.SCENARIOS) {
        for (let step = 0; step <= sc.steps.length; step++) {
            const at = core.scenarioAt(sc.id, step);
            assert.equal(at.state.error, undefined, `${sc.id} step ${step}: ${at.state.error}`);
            assert.deepEqual(core.check(at.state), [], `${sc.id} step ${step}`);
            assert.ok(at.caption.length > 20 && !/NaN|undefined|null/.test(at.caption), `${sc.id} step ${step}: ${at.caption}`);
        }
    }
});

test('a lookup walks to the same nodes as the preference list, at their first tokens', () => {
    for (const placement of ['ring', 'mod']) {
        const state = core.create({ placement, vnodes: 20, replicas: 3, keys: 100, nodes: core.NAMES.slice(0, 5) });
        for (let i = 0; i < 500; i++) {
            const key = 'user:' + i;
            const found = core.lookup(state, key);
            assert.equal(found.hash, core.hash32(key));
            if (placement === 'mod') {
                assert.equal(found.nodes[0], state.config.nodes[found.hash % 5].name);
                continue;
            }
            assert.deepEqual(found.nodes, core.preferenceList(state.tokens, found.hash, 3, 5));
            found.tokens.forEach((t, r) => {
                assert.equal(state.tokens[t].node, found.nodes[r]);
                // No token of this node lies between the key and the token the walk stopped at.
                for (let k = found.tokens[0]; k !== t; k = (k + 1) % state.tokens.length) {
                    assert.notEqual(state.tokens[k].node, found.nodes[r]);
                }
            });
        }
    }
});

test('requests add up to one, and a hot key loads its replicas', () => {
    for (const replicas of [1, 3]) {
        for (const hot of [0, 0.3]) {
            const s = core.create({ vnodes: 50, replicas, keys: 2000, nodes: core.NAMES.slice(0, 5), hot }).stats;
            assert.ok(Math.abs(s.requests.reduce((a, b) => a + b, 0) - 1) < 1e-9);
            assert.ok(s.busiest >= hot / replicas, `${replicas} replicas, hot ${hot}: busiest ${s.busiest}`);
        }
    }
});

test('actions that cannot apply leave the state and say why', () => {
    const one = core.create({ keys: 100, nodes: ['node-a'] });
    assert.match(core.apply(one, { type: 'remove', name: 'node-a' }).error, /last node/);
    assert.match(core.apply(one, { type: 'remove', name: 'node-x' }).error, /not on the ring/);
    const full = core.create({ keys: 100, nodes: core.NAMES });
    assert.match(core.apply(full, { type: 'add' }).error, /at most 8/);
    assert.equal(core.apply(full, { type: 'add' }).config, full.config);
});

test('loads add up, and the statistics are those of the loads', () => {
    const s = core.create({ vnodes: 7, keys: 12345, nodes: core.NAMES.slice(0, 5) }).stats;
    assert.equal(s.loads.reduce((a, b) => a + b, 0), 12345);
    assert.equal(s.mean, 12345 / 5);
    assert.equal(s.max, Math.max(...s.loads));
    const sd = Math.sqrt(s.loads.reduce((acc, l) => acc + (l - s.mean) ** 2, 0) / 5);
    assert.ok(Math.abs(s.sd - sd) < 1e-9);
});

test('the spread chart averages exactly the rings in the shared vectors', () => {
    // Every point of the chart for 4 and for 8 nodes, recomputed here from the Rust reference's
    // integer lengths: the chart cannot drift from the reference without this failing.
    for (const n of [4, 8]) {
        const names = core.NAMES.slice(0, n);
        const curve = core.spreadCurve(names);
        assert.deepEqual(curve.map((p) => p.vnodes), core.SPREAD_STEPS);
        for (const point of curve) {
            const rings = VECTORS.ownership.filter((r) => r.vnodes === point.vnodes && r.nodes.length === n);
            assert.equal(rings.length, core.SPREAD_TRIALS, `${n} nodes × ${point.vnodes}: trials in the vectors`);
            const stats = rings.map((r) => {
                const lengths = r.owned.map(([, l]) => l);
                assert.equal(lengths.reduce((a, b) => a + b, 0), 2 ** 32);
                const mean = 2 ** 32 / n;
                const sd = Math.sqrt(lengths.reduce((a, l) => a + (l - mean) ** 2, 0) / n);
                return { max: Math.max(...lengths) / mean, min: Math.min(...lengths) / mean, cov: sd / mean };
            });
            const avg = (f) => stats.reduce((a, s) => a + f(s), 0) / stats.length;
            const close = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-12, `${n} nodes × ${point.vnodes}: ${what} ${a} vs ${b}`);
            close(point.mean.maxOverMean, avg((s) => s.max), 'mean max/mean');
            close(point.mean.minOverMean, avg((s) => s.min), 'mean min/mean');
            close(point.mean.cov, avg((s) => s.cov), 'mean sd/mean');
            close(point.ring.maxOverMean, stats[0].max, 'the ring on screen');
            assert.deepEqual(rings[0].nodes.map(([name]) => name), names, 'trial 0 is the ring on screen');
        }
    }
});

test('the spread falls as virtual nodes grow, as the Beta model of a node\'s share predicts', () => {
    // With v tokens for each of n nodes at uniform positions, a node's share is Beta(v, (n-1)v):
    // standard deviation sqrt((n-1)/(nv+1)) of the mean. One ring's standard deviation over
    // only n nodes is itself noisy (about 1/sqrt(2(n-1)) of its value), so the average of 16
    // lands within about a third of the model: close enough to catch a wrong law (1/v, or no
    // fall at all), not so close that the hash's particular rings fail it.
    for (const n of [3, 5, 8]) {
        const curve = core.spreadCurve(core.NAMES.slice(0, n));
        for (let i = 0; i < curve.length; i++) {
            const p = curve[i];
            const model = core.shareSd(n, p.vnodes);
            assert.ok(p.mean.cov < model * 1.35 && p.mean.cov > model * 0.65, `${n} × ${p.vnodes}: sd ${p.mean.cov} vs model ${model}`);
            assert.ok(p.mean.maxOverMean > 1 && p.mean.minOverMean < 1);
            // Four times the tokens halve the spread, far more than the noise of 16 rings.
            if (i > 1) {
                assert.ok(p.mean.cov < curve[i - 2].mean.cov, `${n} nodes: sd rises from ${curve[i - 2].vnodes} to ${p.vnodes}`);
            }
        }
        assert.ok(curve[curve.length - 1].mean.maxOverMean < 1.15, `${n} nodes × 256: fullest ${curve[curve.length - 1].mean.maxOverMean}`);
    }
});

test('a join moves exactly the newcomer\'s share of the keys, which only averages 1/(n+1)', () => {
    // The page's "Things to try" quotes these joins (2 to 8 nodes at 10 virtual nodes each,
    // 2,000 keys); every percentage it prints must be the one the core computes.
    const page = fs.readFileSync(path.join(__dirname, '..', '..', 'book', 'src', 'tools', 'ring-explorer.md'), 'utf8')
        .replace(/\s+/g, ' ');
    let state = core.create({ vnodes: 10, keys: 2000, nodes: ['node-a', 'node-b'] });
    const moved = [];
    const ideal = [];
    for (let n = 3; n <= 8; n++) {
        state = core.apply(state, { type: 'add' });
        const share = state.shares[n - 1];
        const fraction = state.change.moved / state.change.total;
        // The keys that move are the ones in the newcomer's arcs: its share, give or take sampling.
        assert.ok(Math.abs(fraction - share) < 0.02, `${n - 1} → ${n}: moved ${fraction}, share ${share}`);
        moved.push(core.format.pct(fraction));
        ideal.push(core.format.pct(1 / n));
    }
    const list = (xs) => xs.slice(0, -1).join(', ') + ' and ' + xs[xs.length - 1];
    assert.ok(page.includes(`move ${list(moved)} of the keys`), `the page should say "move ${list(moved)} of the keys"`);
    assert.ok(page.includes(`ideals of ${list(ideal)}`), `the page should say "ideals of ${list(ideal)}"`);
    // The same joins at 200 virtual nodes, which the page also quotes.
    let wide = core.create({ vnodes: 200, keys: 2000, nodes: ['node-a', 'node-b'] });
    const closer = [];
    for (let n = 3; n <= 8; n++) {
        wide = core.apply(wide, { type: 'add' });
        closer.push(core.format.pct(wide.change.moved / wide.change.total));
    }
    assert.ok(page.includes(`200 virtual nodes the same joins move ${list(closer)} of the keys`), `the page should say "200 virtual nodes the same joins move ${list(closer)} of the keys"`);
    // Weight 2 for node-c in a ring of four, at 100 and at 10 virtual nodes.
    for (const [vnodes, phrase] of [[100, 'and it holds'], [10, 'virtual nodes and C holds only']]) {
        const state = core.apply(core.create({ vnodes, keys: 2000, nodes: core.NAMES.slice(0, 4) }), { type: 'weight', name: 'node-c', value: 2 });
        const held = core.format.pct(state.stats.loads[2] / 2000);
        assert.ok(page.includes(`${phrase} ${held}`), `the page should say "${phrase} ${held}"`);
        assert.deepEqual(Object.keys(state.change.movedTo), ['node-c']);
    }
    const sd = core.shareSd(8, 10);
    assert.ok(page.includes(`${core.format.pct(sd)} of its mean`), `the page should give the 8-node, 10-token spread as ${core.format.pct(sd)}`);
});

test('rendezvous and jump hash: joins move keys only to the newcomer; only jump renumbers', () => {
    for (const placement of ['hrw', 'jump']) {
        for (let n = 1; n <= 7; n++) {
            const before = core.create({ placement, keys: 20000, nodes: core.NAMES.slice(0, n) });
            const after = core.apply(before, { type: 'add' });
            assert.deepEqual(Object.keys(after.change.movedTo), [core.NAMES[n]], `${placement} ${n} → ${n + 1}`);
            // No tokens, so no token spread: only the sampling noise of 20,000 keys (< 0.3%).
            const fraction = after.change.moved / 20000;
            assert.ok(Math.abs(fraction - 1 / (n + 1)) < 0.012, `${placement} ${n} → ${n + 1}: moved ${fraction}`);
            assert.deepEqual(core.check(after), []);
        }
        const five = core.create({ placement, replicas: 3, keys: 20000, nodes: core.NAMES.slice(0, 5) });
        const leave = core.apply(five, { type: 'remove', name: 'node-b' });
        const bLoad = five.stats.loads[1];
        if (placement === 'hrw') {
            // Only B's keys move, and they spread over all four survivors.
            assert.deepEqual(Object.keys(leave.change.movedFrom), ['node-b']);
            assert.equal(leave.change.moved, bLoad);
            for (const name of ['node-a', 'node-c', 'node-d', 'node-e']) {
                assert.ok(leave.change.movedTo[name] > bLoad / 8, `${name} got ${leave.change.movedTo[name]}`);
            }
        } else {
            // Removing bucket 1 renumbers C, D and E: far more than B's keys move.
            assert.ok(leave.change.moved > 2.5 * bLoad, `jump: ${leave.change.moved} moved, B held ${bLoad}`);
            const last = core.apply(five, { type: 'remove', name: 'node-e' });
            assert.deepEqual(Object.keys(last.change.movedFrom), ['node-e'], 'removing the last bucket moves only its keys');
        }
        for (const list of leave.lists) {
            assert.equal(new Set(list).size, 3);
        }
    }
});

test('only the ring takes weights', () => {
    const hrw = core.create({ placement: 'hrw', keys: 100, nodes: core.NAMES.slice(0, 3) });
    assert.match(core.apply(hrw, { type: 'weight', name: 'node-a', value: 2 }).error, /only to the ring/);
    const weighted = core.create({ keys: 100, nodes: [{ name: 'node-a', weight: 2 }, 'node-b'] });
    assert.match(core.apply(weighted, { type: 'placement', value: 'jump' }).error, /weight back to ×1/);
    assert.equal(core.apply(weighted, { type: 'placement', value: 'mod' }).error, 'Set every weight back to ×1 first: only the ring uses weights.');
});

test('the rendezvous and jump scenario shows what its captions say', () => {
    const at = (step) => core.scenarioAt('alternatives', step).state;
    assert.deepEqual(Object.keys(at(1).change.movedTo), ['node-e']);
    assert.deepEqual(Object.keys(at(2).change.movedFrom), ['node-b']);
    assert.equal(Object.keys(at(2).change.movedTo).length, 4, 'B\'s keys spread over every survivor');
    assert.equal(at(3).config.placement, 'jump');
    assert.deepEqual(Object.keys(at(4).change.movedTo), ['node-b']);
    assert.ok(at(5).change.moved > 3 * at(4).stats.loads[1], 'dropping bucket 1 moves far more than its keys');
    assert.match(core.scenarioAt('alternatives', 5).caption, /^C, bucket 1, fails\. .* so D, E and B each move down one/);
});
