//! Raft: leader election and log replication, deterministic and checked.
//!
//! Shown in the Consensus handbook (`book/src/handbooks/consensus.md`); the Raft
//! Playground, in preparation, is to replay the traces this module writes.
//!
//! In: a cluster size, timing, faults and a seed. Out: servers that elect leaders and
//! replicate a log, a checker that verifies Raft's safety properties after every event,
//! and a line-oriented event trace of the run.
//!
//! - [`node`]: one server as a pure state machine (`step`, `tick`, `propose`).
//! - [`sim`]: a cluster on a seeded network with delays, loss, duplicates, crashes and
//!   restarts, partitions and heals.
//! - [`check`]: Election Safety, Leader Append-Only, Log Matching, Leader Completeness and
//!   State Machine Safety, plus monotonic terms and one vote per term.
//! - [`trace`]: the JSON Lines event trace.
//! - [`scenario`]: scripted runs the handbook walks through, including Figure 8 of the
//!   Raft paper.
//! - [`rng`]: the seeded generator (mulberry32).
//!
//! A whole run, from seed to verdict:
//!
//! ```
//! use snippets::raft::node::Config;
//! use snippets::raft::sim::{Faults, Sim};
//!
//! let mut sim = Sim::new(5, Config::default(), Faults::CHAOS, 11);
//! sim.run(6_000); // six seconds of loss, duplicates, crashes and partitions
//! let recovery = sim.heal_and_wait(5_000).expect("a new command commits after the heal");
//! assert!(recovery.commit_after_ms < 5_000);
//! assert!(sim.checker().violations().is_empty());
//! ```

pub mod check;
pub mod node;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod trace;

#[cfg(test)]
mod tests {
    use super::node::Config;
    use super::sim::{Faults, Sim};
    use std::time::Instant;

    /// Seeds per cluster size by default; `RAFT_SEEDS=n` runs `n` instead.
    const DEFAULT_SEEDS: u32 = 1_000;
    /// Milliseconds of faults before the heal.
    const CHAOS_MS: u64 = 6_000;
    /// A command sent after the heal must commit within this many milliseconds.
    const LIVENESS_BOUND_MS: u64 = 3_000;

    fn seeds() -> u32 {
        std::env::var("RAFT_SEEDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(DEFAULT_SEEDS)
    }

    /// The reference scenario, for every seed: six seconds of chaos with the safety
    /// checker watching every event, then a heal, after which a new command must commit
    /// within the bound and every log must converge.
    fn safety_and_liveness(n: usize) {
        let started = Instant::now();
        let (mut events, mut worst) = (0, 0);
        for seed in 0..seeds() {
            let mut sim = Sim::new(n, Config::default(), Faults::CHAOS, seed);
            sim.run(CHAOS_MS);
            let recovery = sim.heal_and_wait(LIVENESS_BOUND_MS);
            let v = sim.checker().violations();
            assert!(v.is_empty(), "seed {seed}: {}", v[0]);
            let Some(r) = recovery else {
                panic!("seed {seed}: nothing committed within {LIVENESS_BOUND_MS} ms of the heal");
            };
            worst = worst.max(r.commit_after_ms);
            sim.run(1_000);
            assert!(
                sim.converged(),
                "seed {seed}: logs differ 1 s after recovery"
            );
            assert!(sim.checker().violations().is_empty(), "seed {seed}");
            events += sim.events();
        }
        eprintln!(
            "raft, {n} servers: {} seeds, {events} events checked, slowest recovery {worst} ms, {:.1} s",
            seeds(),
            started.elapsed().as_secs_f64()
        );
    }

    #[test]
    fn five_servers_stay_safe_and_recover() {
        safety_and_liveness(5);
    }

    #[test]
    fn three_servers_stay_safe_and_recover() {
        safety_and_liveness(3);
    }
}
