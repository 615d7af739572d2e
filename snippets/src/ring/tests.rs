//! Unit tests of the ring: ownership by brute force, minimal disruption on join and leave,
//! token stability, replica placement and weights.

use super::*;

fn ring(vnodes: u32, nodes: &[&str]) -> Ring {
    let mut ring = Ring::new(vnodes);
    for node in nodes {
        ring.add(node, 1);
    }
    ring
}

fn keys(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("key-{i}")).collect()
}

#[test]
fn fnv_part_matches_the_published_fnv1a_32_vectors() {
    // With the finaliser undone, hash32 is FNV-1a 32; check the known values through it.
    fn fmix32(mut h: u32) -> u32 {
        h ^= h >> 16;
        h = h.wrapping_mul(0x85eb_ca6b);
        h ^= h >> 13;
        h = h.wrapping_mul(0xc2b2_ae35);
        h ^ (h >> 16)
    }
    assert_eq!(hash32(""), fmix32(0x811c_9dc5));
    assert_eq!(hash32("a"), fmix32(0xe40c_292c));
    assert_eq!(hash32("foobar"), fmix32(0xbf9c_f968));
}

#[test]
fn owner_is_the_first_token_clockwise() {
    let r = ring(8, &["node-a", "node-b", "node-c", "node-d"]);
    let tokens: Vec<(u32, &str)> = r.tokens().collect();
    for key in keys(2_000) {
        let h = hash32(&key);
        let brute = tokens
            .iter()
            .find(|(t, _)| *t >= h)
            .or(tokens.first())
            .map(|(_, n)| *n);
        assert_eq!(r.owner(&key), brute, "{key}");
    }
}

#[test]
fn a_joining_node_takes_keys_and_nothing_else_moves() {
    for vnodes in [1, 16, 100] {
        let before = ring(vnodes, &["node-a", "node-b", "node-c", "node-d"]);
        let mut after = before.clone();
        after.add("node-e", 1);
        for key in keys(5_000) {
            let (was, now) = (before.owner(&key), after.owner(&key));
            assert!(
                was == now || now == Some("node-e"),
                "{key}: {was:?} → {now:?}"
            );
        }
    }
}

#[test]
fn a_leaving_node_gives_away_its_keys_and_nothing_else_moves() {
    for vnodes in [1, 16, 100] {
        let before = ring(vnodes, &["node-a", "node-b", "node-c", "node-d"]);
        let mut after = before.clone();
        after.remove("node-b");
        for key in keys(5_000) {
            let (was, now) = (before.owner(&key), after.owner(&key));
            assert!(
                was == now || was == Some("node-b"),
                "{key}: {was:?} → {now:?}"
            );
        }
    }
}

#[test]
fn with_100_vnodes_a_fifth_node_takes_about_a_fifth_of_the_keys() {
    let before = ring(100, &["node-a", "node-b", "node-c", "node-d"]);
    let mut after = before.clone();
    after.add("node-e", 1);
    let all = keys(10_000);
    let moved = all
        .iter()
        .filter(|k| before.owner(k) != after.owner(k))
        .count();
    // Ideal 1/(4+1) = 2,000 of 10,000; 100 tokens per node leave a few percent of spread.
    assert!((1_700..=2_300).contains(&moved), "moved {moved}");
}

#[test]
fn modulo_placement_moves_most_keys_when_a_node_joins() {
    let four = ["node-a", "node-b", "node-c", "node-d"];
    let five = ["node-a", "node-b", "node-c", "node-d", "node-e"];
    let all = keys(10_000);
    let moved = all
        .iter()
        .filter(|k| mod_owner(k, &four) != mod_owner(k, &five))
        .count();
    // A key stays only if h mod 4 = h mod 5, i.e. h mod 20 < 4: 4/20 = 20% stay, 80% move.
    assert!((7_700..=8_300).contains(&moved), "moved {moved}");
}

#[test]
fn tokens_do_not_move_when_other_nodes_join_or_leave() {
    let mut r = ring(16, &["node-a", "node-b"]);
    let of_a = |r: &Ring| -> Vec<u32> {
        r.tokens()
            .filter(|(_, n)| *n == "node-a")
            .map(|(t, _)| t)
            .collect()
    };
    let first = of_a(&r);
    assert_eq!(first.len(), 16);
    r.add("node-c", 3);
    assert_eq!(of_a(&r), first);
    r.remove("node-b");
    assert_eq!(of_a(&r), first);
}

#[test]
fn preference_lists_hold_distinct_nodes_owner_first() {
    let r = ring(50, &["node-a", "node-b", "node-c", "node-d", "node-e"]);
    for key in keys(2_000) {
        for n in 1..=6 {
            let list = r.preference_list(&key, n);
            assert_eq!(list.len(), n.min(5));
            assert_eq!(list.first().copied(), r.owner(&key));
            let mut distinct = list.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), list.len(), "{key}: {list:?}");
        }
    }
}

#[test]
fn weight_two_takes_about_twice_the_share() {
    let mut r = ring(100, &["node-a", "node-b", "node-c"]);
    r.add("node-d", 2);
    let all = keys(20_000);
    let d = all.iter().filter(|k| r.owner(k) == Some("node-d")).count();
    // Weight 2 of a total 5: 2/5 of 20,000 = 8,000.
    assert!((7_200..=8_800).contains(&d), "node-d owns {d}");
}

#[test]
fn an_empty_ring_owns_nothing() {
    let r = Ring::new(10);
    assert_eq!(r.owner("key-1"), None);
    assert!(r.preference_list("key-1", 3).is_empty());
    assert_eq!(mod_owner("key-1", &[]), None);
}

#[test]
fn ownership_adds_up_to_the_whole_ring_and_matches_the_arcs() {
    for vnodes in [1, 3, 64] {
        let r = ring(vnodes, &["node-a", "node-b", "node-c", "node-d", "node-e"]);
        let owned = r.ownership();
        assert_eq!(owned.values().sum::<u64>(), 1 << 32);
        // Brute force: a position belongs to the owner of the first token at or after it,
        // so each token's arc runs back to the previous token.
        let tokens: Vec<(u32, &str)> = r.tokens().collect();
        let mut brute: BTreeMap<&str, u64> = BTreeMap::new();
        for (i, (t, n)) in tokens.iter().enumerate() {
            let prev = if i == 0 {
                i64::from(tokens[tokens.len() - 1].0) - (1 << 32)
            } else {
                i64::from(tokens[i - 1].0)
            };
            *brute.entry(n).or_default() += u64::try_from(i64::from(*t) - prev).unwrap();
        }
        assert_eq!(owned, brute);
    }
    assert!(Ring::new(4).ownership().is_empty());
    let solo = ring(1, &["solo"]);
    assert_eq!(solo.ownership()["solo"], 1 << 32);
}

#[test]
fn more_virtual_nodes_narrow_the_spread_of_ownership() {
    // The fullest node's share over the mean share, for 8 nodes.
    let names = [
        "node-a", "node-b", "node-c", "node-d", "node-e", "node-f", "node-g", "node-h",
    ];
    let max_over_mean = |vnodes: u32| -> f64 {
        let r = ring(vnodes, &names);
        let max = r.ownership().values().copied().max().unwrap();
        // u64 → f64 is exact below 2⁵³; the mean share is 2³² / 8.
        max as f64 / (f64::from(u32::MAX) + 1.0) * 8.0
    };
    let (one, many) = (max_over_mean(1), max_over_mean(256));
    assert!(one > 1.5, "1 vnode: {one}");
    assert!(many < 1.2, "256 vnodes: {many}");
}

#[test]
fn jump_matches_published_values() {
    // Values from an independent implementation of the paper's reference code.
    assert_eq!(jump(0, 60), 0);
    assert_eq!(jump(1, 60), 55);
    assert_eq!(jump(2, 60), 46);
    assert_eq!(jump(12_345, 1), 0);
}

#[test]
fn jump_grows_by_moving_keys_only_to_the_new_bucket_and_balances_closely() {
    let all = keys(20_000);
    for n in 1..10_u32 {
        let mut moved = 0;
        for key in &all {
            let h = u64::from(hash32(key));
            let (before, after) = (jump(h, n), jump(h, n + 1));
            assert!(after == before || after == n, "{key}: {before} → {after}");
            moved += usize::from(after != before);
        }
        // Ideal 1/(n + 1) of 20,000; jump hash has no token spread, only sampling noise
        // (a binomial standard deviation of at most 71 keys here).
        let ideal = 20_000 / (n as usize + 1);
        assert!(
            moved.abs_diff(ideal) < 300,
            "{n} → {}: moved {moved}",
            n + 1
        );
    }
}

#[test]
fn rendezvous_moves_only_the_keys_of_the_node_that_changes() {
    let five = ["node-a", "node-b", "node-c", "node-d", "node-e"];
    let four = ["node-a", "node-b", "node-c", "node-d"];
    let without_b = ["node-a", "node-c", "node-d", "node-e"];
    let mut to_e = 0;
    for key in keys(10_000) {
        let all = rendezvous(&key, &five, 5);
        assert_eq!(
            rendezvous(&key, &four, 1)[0],
            all.iter().find(|n| **n != "node-e").copied().unwrap()
        );
        if all[0] == "node-e" {
            to_e += 1;
        }
        assert_eq!(
            rendezvous(&key, &without_b, 1)[0],
            all.iter().find(|n| **n != "node-b").copied().unwrap()
        );
        let list = rendezvous(&key, &five, 3);
        let mut distinct = list.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 3);
    }
    // A fifth node takes about a fifth, 2,000 of 10,000.
    assert!((1_800..=2_200).contains(&to_e), "node-e owns {to_e}");
}

#[test]
fn jump_over_names_renumbers_when_a_middle_node_leaves() {
    let five = ["node-a", "node-b", "node-c", "node-d", "node-e"];
    let without_b = ["node-a", "node-c", "node-d", "node-e"];
    let without_e = ["node-a", "node-b", "node-c", "node-d"];
    let all = keys(10_000);
    let moved = |after: &[&str]| {
        all.iter()
            .filter(|k| jump_owner(k, &five) != jump_owner(k, after))
            .count()
    };
    // Dropping the last bucket moves only its fifth; dropping B shifts C, D and E down one
    // bucket each, and most of their keys change node.
    let (last, middle) = (moved(&without_e), moved(&without_b));
    assert!((1_800..=2_200).contains(&last), "removing E moved {last}");
    assert!(middle > 2 * last, "removing B moved {middle}");
    assert_eq!(jump_owner("k", &[]), None);
}
