//! Step 2, rank: a column for every node.
//!
//! In: the [`Ir`]. Out: one column index per node: the longest path along the flow edges
//! (cycles broken by a depth-first search in declaration order), the author's pin where there
//! is one, sources pulled next to their successors, notes in their node's column, and no
//! empty column.

use crate::diagram::ir::{EdgeStyle, Ir};

/// Flow edges for ranking: everything but note links, and replication only into a node that
/// nothing else feeds (a replica belongs next to what serves it, not after what it copies).
pub(super) fn flow_edges(ir: &Ir) -> Vec<(usize, usize)> {
    let fed = |v: usize| {
        ir.edges
            .iter()
            .any(|e| e.to == v && !matches!(e.style, EdgeStyle::NoteLink | EdgeStyle::Replicate))
    };
    ir.edges
        .iter()
        .filter(|e| {
            e.style != EdgeStyle::NoteLink && !(e.style == EdgeStyle::Replicate && fed(e.to))
        })
        .map(|e| (e.from, e.to))
        .collect()
}

/// Columns: longest path from the sources over the edges, cycles broken by a depth-first
/// search in declaration order, then sources pulled right next to their first successor.
pub(super) fn rank(ir: &Ir) -> Vec<usize> {
    let n = ir.nodes.len();
    let edges = flow_edges(ir);
    // Depth-first search marks back edges so the rest is acyclic.
    let mut state = vec![0u8; n];
    let mut back = vec![false; edges.len()];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            let out: Vec<usize> = (0..edges.len()).filter(|&e| edges[e].0 == v).collect();
            if *next < out.len() {
                let e = out[*next];
                *next += 1;
                let w = edges[e].1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    let dag: Vec<(usize, usize)> = edges
        .iter()
        .zip(&back)
        .filter(|(_, b)| !**b)
        .map(|(e, _)| *e)
        .collect();
    let pinned = |v: usize| ir.nodes[v].pin.map(|p| p.0);
    let mut col: Vec<usize> = (0..n).map(|v| pinned(v).unwrap_or(0)).collect();
    for _ in 0..=n {
        let mut changed = false;
        for &(a, b) in &dag {
            if pinned(b).is_none() && col[b] < col[a] + 1 {
                col[b] = col[a] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // A source that feeds only later columns sits just left of its nearest successor.
    for v in 0..n {
        if pinned(v).is_some() || dag.iter().any(|&(_, b)| b == v) {
            continue;
        }
        if let Some(min_succ) = dag
            .iter()
            .filter(|&&(a, _)| a == v)
            .map(|&(_, b)| col[b])
            .min()
        {
            col[v] = min_succ.saturating_sub(1).max(col[v]);
        }
    }
    // Notes sit in their node's column.
    for (v, node) in ir.nodes.iter().enumerate() {
        if let (Some(about), None) = (node.about, node.pin) {
            col[v] = col[about];
        }
    }
    super::compaction::drop_empty(&col)
}
