//! Consistency models, checked: linearizability, sequential consistency and session
//! guarantees, on histories written by hand, produced by a simulated replicated register,
//! and observed on a real PostgreSQL server.
//!
//! Shown in the Consistency handbook (`book/src/handbooks/consistency.md`).
//!
//! In: histories of reads and writes with their invocation and return times, or two
//! PostgreSQL connections. Out: verdicts with witnesses, and the transaction anomalies each
//! PostgreSQL isolation level lets through.
//!
//! - [`history`]: operations and histories, including operations that never returned.
//! - [`check`]: Wing and Gong's search with Lowe's memo, for linearizability and for
//!   sequential consistency; a map is checked key by key.
//! - [`session`]: read your writes and monotonic reads.
//! - [`sim`]: a leader with followers on a seeded network, read from the leader, from any
//!   replica, or from any replica with a session token.
//! - [`cap`]: the CAP theorem's two-replica run under a partition, with a replica that
//!   refuses (CP) and one that answers from its own copy (AP).
//! - [`sloppy`]: client histories of the Replication handbook's leaderless store, with a
//!   strict and with a sloppy quorum across a partition.
//! - [`isolation`]: write skew, read skew and the read-only transaction anomaly on
//!   PostgreSQL, and a retry loop for serialization failures.
//!
//! ```
//! use snippets::consistency::check::{Register, Rule, check};
//! use snippets::consistency::sim::{Config, Reads, run};
//!
//! // Reads from any replica: some seed soon produces a stale read.
//! let stale = (0..100).find(|&seed| {
//!     let run = run(Config::register(Reads::AnyReplica), seed);
//!     !check(&run.history, &Register, Rule::Linearizable).ok()
//! });
//! assert!(stale.is_some());
//! ```

pub mod cap;
pub mod check;
pub mod history;
pub mod isolation;
pub mod session;
pub mod sim;
pub mod sloppy;

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::check::{Map, Register, Rule, check, check_map};
    use super::history::History;
    use super::session::check_sessions;
    use super::sim::{Config, Reads, run};

    /// Seeds per configuration.
    const SEEDS: u32 = 1_000;

    /// What a batch of simulated histories showed.
    #[derive(Debug, Default)]
    struct Tally {
        histories: u32,
        not_linearizable: u32,
        not_sequential: u32,
        session_broken: u32,
        slowest: Duration,
        slowest_ops: usize,
        /// The rule and the verdict of the slowest check.
        slowest_check: (Option<Rule>, bool),
        /// The slowest linearizability check alone.
        slowest_linearizable: Duration,
        /// The most configurations one linearizability check explored: unlike the time, a
        /// property of the search alone, the same on every machine.
        most_explored_linearizable: usize,
        /// The same for sequential consistency.
        most_explored_sequential: usize,
        ops: usize,
    }

    impl Tally {
        fn timed(&mut self, history: &History, rule: Rule) -> bool {
            let start = Instant::now();
            let verdict = check(history, &Register, rule);
            let took = start.elapsed();
            let ok = verdict.ok();
            if rule == Rule::Linearizable {
                self.slowest_linearizable = self.slowest_linearizable.max(took);
                self.most_explored_linearizable =
                    self.most_explored_linearizable.max(verdict.explored);
            } else {
                self.most_explored_sequential =
                    self.most_explored_sequential.max(verdict.explored);
            }
            if took > self.slowest {
                self.slowest = took;
                self.slowest_ops = history.len();
                self.slowest_check = (Some(rule), ok);
            }
            ok
        }
    }

    fn tally(config: Config) -> Tally {
        let mut t = Tally::default();
        for seed in 0..SEEDS {
            let r = run(config, seed);
            t.histories += 1;
            t.ops += r.history.len();
            let lin = t.timed(&r.history, Rule::Linearizable);
            let seq = t.timed(&r.history, Rule::Sequential);
            // Everything linearizable is sequentially consistent.
            assert!(seq || !lin, "seed {seed}: linearizable but not sequential");
            t.not_linearizable += u32::from(!lin);
            t.not_sequential += u32::from(!seq);
            t.session_broken += u32::from(!check_sessions(&r.history, &r.log).is_empty());
        }
        println!("{:?}: {t:?}", config.reads);
        t
    }

    #[test]
    fn reads_from_the_leader_are_linearizable() {
        let t = tally(Config::register(Reads::Leader));
        // The chapter's table, first row.
        let counts = (t.not_linearizable, t.not_sequential, t.session_broken);
        assert_eq!(counts, (0, 0, 0), "{t:?}");
        assert!(t.slowest < Duration::from_secs(1), "{t:?}");
        assert_within_the_largest_searches(&t);
    }

    /// The chapter quotes the largest searches of the 3,000 register histories, which are in
    /// the follower-read runs; the other two configurations must stay within them.
    fn assert_within_the_largest_searches(t: &Tally) {
        assert!(
            t.most_explored_linearizable <= 1_239 && t.most_explored_sequential <= 24_001,
            "{t:?}"
        );
    }

    #[test]
    fn reads_from_followers_are_caught() {
        let t = tally(Config::register(Reads::AnyReplica));
        // The chapter's table, second row. The runs are seeded, so the counts are exact; a
        // change to the simulation or the checkers that moves them must update the chapter.
        let counts = (t.not_linearizable, t.not_sequential, t.session_broken);
        assert_eq!(counts, (572, 198, 341), "{t:?}");
        // The largest searches of all three configurations are in this one: the chapter
        // compares them. Without real time, far more orders are open to the search.
        let explored = (t.most_explored_linearizable, t.most_explored_sequential);
        assert_eq!(explored, (1_239, 24_001), "{t:?}");
    }

    #[test]
    fn session_tokens_keep_each_client_consistent_with_itself() {
        let t = tally(Config::register(Reads::AnyReplicaWithToken));
        // The chapter's table, third row: every client is consistent with itself, but other
        // clients' writes can still be missed, so many histories are not linearizable.
        let counts = (t.not_linearizable, t.not_sequential, t.session_broken);
        assert_eq!(counts, (434, 0, 0), "{t:?}");
        assert_within_the_largest_searches(&t);
    }

    #[test]
    fn key_by_key_agrees_with_the_whole_map() {
        for reads in [Reads::Leader, Reads::AnyReplica] {
            let config = Config {
                keys: 3,
                ops_per_client: 8,
                ..Config::register(reads)
            };
            let mut failed = 0;
            for seed in 0..SEEDS / 4 {
                let h = run(config, seed).history;
                let per_key = check_map(&h).is_ok();
                assert_eq!(
                    per_key,
                    check(&h, &Map, Rule::Linearizable).ok(),
                    "seed {seed}"
                );
                failed += u32::from(!per_key);
            }
            assert_eq!(failed == 0, reads == Reads::Leader, "{reads:?}: {failed}");
        }
    }
}
