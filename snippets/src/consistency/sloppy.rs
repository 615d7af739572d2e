//! Client histories of the Replication handbook's leaderless store
//! ([`crate::replication::leaderless`]), with a strict and with a sloppy quorum, judged by
//! the linearizability checker.
//!
//! In: whether writes use a sloppy quorum. Out: a [`QuorumRun`]: the history clients saw on
//! one key stored on N = 3 of five nodes with R = W = 2, across a partition that cuts two of
//! the key's three home replicas off from the client, and what the store did with the write
//! made during the partition.
//!
//! A write the store reports as failed may still sit on the replicas that stored it, so the
//! history records it as indeterminate (Knossos's `info`), not as failed: a later read may see it.

use super::history::{History, INITIAL, Op, Time, Value};
use crate::quorum::Quorum;
use crate::replication::leaderless::{Put, Store, Versioned};

/// What one scripted run of the store produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumRun {
    /// The operations clients saw.
    pub history: History,
    /// The store's answer to the write made during the partition.
    pub partition_write: Put,
    /// The key's home replicas, in preference order.
    pub home: Vec<usize>,
    /// Hints handed back to home replicas after the partition healed.
    pub handed_off: usize,
}

/// The register value a read returned: a stored value, or [`INITIAL`] for none.
fn value(read: Option<Versioned>) -> Value {
    read.map_or(INITIAL, |v| v.value.parse().expect("values are numbers"))
}

// region: run
/// Client 1 writes 1; home replicas `b` and `c` become unreachable; client 1 writes 2; the
/// partition heals; client 2 reads from `b` and `c` (the first two to answer), hints are
/// handed off, and client 2 reads from `b` and `c` again, then from `a` and `b`. Reads
/// repair the replicas they asked. Each operation takes one time unit and none overlap.
pub fn quorum_run(sloppy: bool) -> QuorumRun {
    let mut store = Store::new(5, Quorum::new(3, 2, 2).expect("valid quorum"));
    let key = "x";
    let home = store.home(key);
    let (a, b, c) = (home[0], home[1], home[2]);
    let mut ops = Vec::new();
    let mut now: Time = 0;
    let mut tick = || {
        now += 2;
        (now - 2, now - 1)
    };

    let (call, ret) = tick();
    assert!(store.put(key, "1", sloppy).ok);
    ops.push(Op::write(1, 1, call, ret));

    store.crash(b); // to the client, unreachable is the same as down
    store.crash(c);
    let (call, ret) = tick();
    let partition_write = store.put(key, "2", sloppy);
    ops.push(if partition_write.ok {
        Op::write(1, 2, call, ret)
    } else {
        Op::write_unknown(1, 2, call) // told "failed", but `a` kept it
    });
    store.recover(b);
    store.recover(c);

    let mut read = |store: &mut Store, asked: &[usize]| {
        let (call, ret) = tick();
        let got = value(store.get_from(key, asked, true));
        ops.push(Op::read(2, got, call, ret));
    };
    read(&mut store, &[b, c]);
    let handed_off = store.hand_off();
    read(&mut store, &[b, c]);
    read(&mut store, &[a, b]);

    QuorumRun {
        history: History::new(ops).expect("one operation at a time per process"),
        partition_write,
        home,
        handed_off,
    }
}
// endregion: run

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consistency::check::{Register, Rule, check};
    use crate::consistency::history::Action;

    fn reads(run: &QuorumRun) -> Vec<Value> {
        run.history
            .ops()
            .iter()
            .filter_map(|op| match op.action {
                Action::Read(v) => v,
                Action::Write(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_sloppy_quorum_acknowledges_a_write_that_a_home_quorum_then_misses() {
        let run = quorum_run(true);
        // Stored on `a` and the two stand-ins, none of them `b` or `c`.
        assert!(run.partition_write.ok);
        assert_eq!(run.partition_write.stored_on.len(), 3);
        assert!(!run.partition_write.stored_on.contains(&run.home[1]));
        assert!(!run.partition_write.stored_on.contains(&run.home[2]));
        assert_eq!(run.handed_off, 2);
        assert_eq!(reads(&run), [1, 2, 2]);
        let verdict = check(&run.history, &Register, Rule::Linearizable);
        assert!(!verdict.ok());
        // The read that missed the acknowledged write (index 2) is where the order breaks.
        assert!(!verdict.longest.contains(&2));
        assert!(check(&run.history, &Register, Rule::Sequential).ok());
    }

    #[test]
    fn a_strict_quorum_refuses_the_write_and_stays_linearizable() {
        let run = quorum_run(false);
        assert!(!run.partition_write.ok);
        assert_eq!(run.partition_write.stored_on, [run.home[0]]);
        assert_eq!(run.handed_off, 0);
        // The write reported failed shows up once a read asks `a`.
        assert_eq!(reads(&run), [1, 1, 2]);
        assert!(!run.history.ops()[1].completed());
        assert!(check(&run.history, &Register, Rule::Linearizable).ok());
    }

    #[test]
    fn recording_the_failed_write_as_never_happened_makes_the_history_unexplainable() {
        let run = quorum_run(false);
        // Drop the write the store reported failed, as if it certainly did not happen.
        let ops: Vec<Op> = run
            .history
            .ops()
            .iter()
            .copied()
            .filter(|op| op.completed())
            .collect();
        let history = History::new(ops).unwrap();
        // The last read returns 2, which no write in the history wrote.
        assert!(!check(&history, &Register, Rule::Linearizable).ok());
        assert!(!check(&history, &Register, Rule::Sequential).ok());
    }
}
