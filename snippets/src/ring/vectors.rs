//! Shared test vectors: this module's answers written to `theme/tests/vectors/ring.json`,
//! which the explorer's JavaScript core must reproduce exactly (`theme/tests/ring-core.test.js`).
//!
//! The test fails when the file on disk differs from what this code produces; run it with
//! `UPDATE_EXPECT=1` to rewrite the file, then review the diff. The JSON is written by hand,
//! in a fixed order, so the file is byte-for-byte reproducible; numbers are integers (`u32` hashes, `u64`
//! arc lengths up to 2³²), never floats.

use super::*;
use std::fmt::Write as _;
use std::path::PathBuf;

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../theme/tests/vectors/ring.json")
}

fn s(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list<T>(items: impl IntoIterator<Item = T>, f: impl Fn(T) -> String) -> String {
    let parts: Vec<String> = items.into_iter().map(f).collect();
    format!("[{}]", parts.join(", "))
}

type Nodes<'a> = &'a [(&'a str, u32)];

fn build(vnodes: u32, nodes: Nodes<'_>) -> Ring {
    let mut ring = Ring::new(vnodes);
    for (node, weight) in nodes {
        ring.add(node, *weight);
    }
    ring
}

fn nodes_json(nodes: Nodes<'_>) -> String {
    list(nodes, |(n, w)| format!("[{}, {w}]", s(n)))
}

const LETTERS: [&str; 8] = [
    "node-a", "node-b", "node-c", "node-d", "node-e", "node-f", "node-g", "node-h",
];

fn equal(n: usize) -> Vec<(&'static str, u32)> {
    LETTERS[..n].iter().map(|&n| (n, 1)).collect()
}

/// Rings per point of the explorer's spread chart (its core's `SPREAD_TRIALS`).
const SPREAD_TRIALS: usize = 16;

fn key(i: usize) -> String {
    format!("key-{i}")
}

/// A ring and the preference list of `keys` keys.
fn ring_case(
    out: &mut Vec<String>,
    count: &mut usize,
    vnodes: u32,
    nodes: Nodes<'_>,
    replicas: usize,
    keys: usize,
) {
    let ring = build(vnodes, nodes);
    let tokens: Vec<(u32, &str)> = ring.tokens().collect();
    let shown = if tokens.len() <= 64 { tokens.len() } else { 16 };
    let key_lists = list(0..keys, |i| {
        format!(
            "[{}, {}]",
            s(&key(i)),
            list(ring.preference_list(&key(i), replicas), s)
        )
    });
    *count += keys + shown + 1;
    out.push(format!(
        "    {{\"vnodes\": {vnodes}, \"nodes\": {}, \"replicas\": {replicas}, \"token_count\": {},\n     \"tokens\": {},\n     \"keys\": {key_lists}}}",
        nodes_json(nodes),
        tokens.len(),
        list(&tokens[..shown], |(t, n)| format!("[{t}, {}]", s(n))),
    ));
}

/// Keys `0..keys` placed before and after a change; the ones whose owner changed.
fn change_case(
    out: &mut Vec<String>,
    count: &mut usize,
    placement: &str,
    vnodes: u32,
    (before, after): (Nodes<'_>, Nodes<'_>),
    keys: usize,
) {
    let (rb, ra) = (build(vnodes, before), build(vnodes, after));
    let owner = |nodes: Nodes<'_>, ring: &Ring, k: &str| -> Option<String> {
        let names: Vec<&str> = nodes.iter().map(|(n, _)| *n).collect();
        match placement {
            "mod" => mod_owner(k, &names),
            "hrw" => rendezvous(k, &names, 1).first().copied(),
            "jump" => jump_owner(k, &names),
            _ => ring.owner(k),
        }
        .map(str::to_string)
    };
    let moved: Vec<String> = (0..keys)
        .map(key)
        .filter(|k| owner(before, &rb, k) != owner(after, &ra, k))
        .collect();
    *count += 1 + moved.len();
    out.push(format!(
        "    {{\"placement\": {}, \"vnodes\": {vnodes}, \"before\": {}, \"after\": {}, \"keys\": {keys}, \"moved\": {},\n     \"moved_keys\": {}}}",
        s(placement),
        nodes_json(before),
        nodes_json(after),
        moved.len(),
        list(&moved, |k| s(k)),
    ));
}

/// The whole file, and how many individual checks it holds.
fn vectors() -> (String, usize) {
    let mut count = 0;
    let inputs = [
        "",
        "a",
        "foobar",
        "node-a#0",
        "node-a#1",
        "node-a#99",
        "key-0",
        "key-1",
        "user:42",
        "naïve",
        "ключ",
        "東京",
        "🔑",
    ];
    count += inputs.len();
    let hashes = list(inputs, |t| format!("[{}, {}]", s(t), hash32(t)));

    let mut rings = Vec::new();
    ring_case(&mut rings, &mut count, 1, &equal(4), 3, 200);
    let weighted = [
        ("node-a", 1),
        ("node-b", 2),
        ("node-c", 1),
        ("node-d", 3),
        ("node-e", 1),
    ];
    ring_case(&mut rings, &mut count, 8, &weighted, 2, 200);
    ring_case(&mut rings, &mut count, 100, &equal(8), 3, 300);
    ring_case(&mut rings, &mut count, 4, &[("solo", 1)], 3, 20);
    ring_case(
        &mut rings,
        &mut count,
        3,
        &[("nœud-é", 1), ("узел", 2), ("node-z", 1)],
        3,
        50,
    );

    // How much of the ring each node owns as virtual nodes double, on the rings the
    // explorer's spread-versus-virtual-nodes chart averages: trial 0 uses the nodes' own
    // names, trial t > 0 the names with "@t" appended, which places every token elsewhere.
    let mut owned = Vec::new();
    for n in [4, 8] {
        for vnodes in (0..=8).map(|p| 1 << p) {
            for trial in 0..SPREAD_TRIALS {
                let names: Vec<String> = LETTERS[..n]
                    .iter()
                    .map(|l| {
                        if trial == 0 {
                            (*l).to_string()
                        } else {
                            format!("{l}@{trial}")
                        }
                    })
                    .collect();
                let nodes: Vec<(&str, u32)> = names.iter().map(|n| (n.as_str(), 1)).collect();
                let ring = build(vnodes, &nodes);
                let lengths = ring.ownership();
                count += lengths.len();
                owned.push(format!(
                    "    {{\"vnodes\": {vnodes}, \"nodes\": {}, \"owned\": {}}}",
                    nodes_json(&nodes),
                    list(&lengths, |(n, l)| format!("[{}, {l}]", s(n))),
                ));
            }
        }
    }

    // Jump hash on raw 64-bit keys (below 2^53, so JSON and JavaScript hold them exactly),
    // including the published values for 60 buckets.
    let mut jumps = Vec::new();
    for key in [
        0_u64,
        1,
        2,
        3,
        12_345,
        4_105_692_849,
        (1 << 32) - 1,
        (1 << 53) - 1,
    ] {
        for buckets in [1_u32, 2, 5, 8, 60, 1_000, (1 << 31) - 1] {
            jumps.push(format!("[{key}, {buckets}, {}]", jump(key, buckets)));
            count += 1;
        }
    }
    // Rendezvous preference lists and jump owners of 200 keys on five nodes.
    let five: Vec<&str> = LETTERS[..5].to_vec();
    let hrw_keys = list(0..200, |i| {
        format!(
            "[{}, {}]",
            s(&key(i)),
            list(rendezvous(&key(i), &five, 3), s)
        )
    });
    let jump_keys = list(0..200, |i| {
        format!(
            "[{}, {}]",
            s(&key(i)),
            s(jump_owner(&key(i), &five).unwrap())
        )
    });
    count += 400;
    let placements = format!(
        "    {{\"placement\": \"hrw\", \"nodes\": {}, \"replicas\": 3,\n     \"keys\": {hrw_keys}}},\n    {{\"placement\": \"jump\", \"nodes\": {}, \"replicas\": 1,\n     \"keys\": {jump_keys}}}",
        nodes_json(&equal(5)),
        nodes_json(&equal(5)),
    );

    let mut changes = Vec::new();
    let mut c = |placement: &str, vnodes: u32, before: Nodes<'_>, after: Nodes<'_>| {
        change_case(
            &mut changes,
            &mut count,
            placement,
            vnodes,
            (before, after),
            1_000,
        );
    };
    c("ring", 100, &equal(4), &equal(5));
    c(
        "ring",
        100,
        &equal(5),
        &[("node-a", 1), ("node-b", 1), ("node-d", 1), ("node-e", 1)],
    );
    c("ring", 1, &equal(4), &equal(5));
    c(
        "ring",
        1,
        &equal(4),
        &[("node-a", 1), ("node-c", 1), ("node-d", 1)],
    );
    c(
        "ring",
        16,
        &equal(3),
        &[("node-a", 1), ("node-b", 1), ("node-c", 1), ("node-d", 3)],
    );
    c("mod", 1, &equal(4), &equal(5));
    c(
        "mod",
        1,
        &equal(5),
        &[("node-a", 1), ("node-b", 1), ("node-d", 1), ("node-e", 1)],
    );
    let without_b = [("node-a", 1), ("node-c", 1), ("node-d", 1), ("node-e", 1)];
    for placement in ["hrw", "jump"] {
        c(placement, 1, &equal(4), &equal(5));
        c(placement, 1, &equal(5), &without_b);
    }
    c("jump", 1, &equal(5), &equal(4));

    let text = format!(
        "{{\n  \"about\": \"Written by snippets/src/ring/vectors.rs (UPDATE_EXPECT=1 cargo test -p snippets ring); checked by theme/tests/ring-core.test.js.\",\n  \"checks\": {count},\n  \"hashes\": {hashes},\n  \"rings\": [\n{}\n  ],\n  \"jump\": [{}],\n  \"placements\": [\n{placements}\n  ],\n  \"changes\": [\n{}\n  ],\n  \"ownership\": [\n{}\n  ]\n}}\n",
        rings.join(",\n"),
        jumps.join(", "),
        changes.join(",\n"),
        owned.join(",\n"),
    );
    (text, count)
}

#[test]
fn the_shared_vectors_on_disk_are_current() {
    let (text, count) = vectors();
    assert!(count > 1_000, "only {count} checks");
    let path = path();
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == text,
        "{} is missing or stale: run `UPDATE_EXPECT=1 cargo test -p snippets ring` and commit it",
        path.display()
    );
}
