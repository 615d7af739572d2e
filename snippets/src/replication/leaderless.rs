//! A leaderless (Dynamo-style) replicated store: quorum writes and reads, read repair, sloppy
//! quorums with hinted handoff, Merkle-tree anti-entropy, and a seeded simulation that counts
//! what quorums do not prevent.
//!
//! Shown in the Replication handbook (`book/src/handbooks/replication.md`).
//!
//! In: a number of nodes placed on the consistent-hash ring of `crate::ring`, a quorum
//! configuration from `crate::quorum` (N replicas per key, R for reads, W for writes), and
//! writes, reads, crashes and recoveries. Values carry a version from one global counter, a
//! perfect clock, so that every anomaly the tests find comes from the quorums, not from clocks.
//! Out: each operation's result; for the simulation, counts of stale reads (older than a write
//! acknowledged before the read), reads that go back in time (older than a value an earlier
//! read returned), and reads that return a write reported as failed.

use std::collections::{BTreeMap, BTreeSet};

use super::merkle::{self, Diff};
use crate::quorum::Quorum;
use crate::raft::rng::Mulberry32;
use crate::ring::Ring;

/// A value and the version of the write that stored it; a higher version is newer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned {
    /// The stored value.
    pub value: String,
    /// The write's position in the store's global order.
    pub version: u64,
}

/// A write held by a stand-in node for a home replica that was down.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hint {
    home: usize,
    key: String,
    value: Versioned,
}

#[derive(Debug, Clone, Default)]
struct Node {
    up: bool,
    data: BTreeMap<String, Versioned>,
    hints: Vec<Hint>,
}

/// The outcome of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Put {
    /// The version the write was given.
    pub version: u64,
    /// The nodes that stored it, stand-ins included.
    pub stored_on: Vec<usize>,
    /// Whether at least W nodes stored it, so the client is told it succeeded.
    pub ok: bool,
}

/// Why a read could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unavailable {
    /// How many home replicas were up.
    pub up: usize,
    /// How many the read needed.
    pub needed: usize,
}

/// The store: nodes on a ring, and the quorum sizes every key uses.
#[derive(Debug, Clone)]
pub struct Store {
    nodes: Vec<Node>,
    ring: Ring,
    quorum: Quorum,
    clock: u64,
}

impl Store {
    /// `nodes` nodes named `n0`, `n1`, … on a ring with 16 tokens each; every key is stored on
    /// the first `quorum.replicas()` nodes of its preference list, its *home* replicas.
    pub fn new(nodes: usize, quorum: Quorum) -> Store {
        assert!(
            nodes >= quorum.replicas(),
            "fewer nodes than replicas per key"
        );
        let mut ring = Ring::new(16);
        for i in 0..nodes {
            ring.add(&format!("n{i}"), 1);
        }
        let node = Node {
            up: true,
            ..Node::default()
        };
        Store {
            nodes: vec![node; nodes],
            ring,
            quorum,
            clock: 0,
        }
    }

    /// Every node in `key`'s preference list, home replicas first.
    fn preference(&self, key: &str) -> Vec<usize> {
        let names = self.ring.preference_list(key, self.nodes.len());
        names.iter().map(|n| n[1..].parse().unwrap()).collect()
    }

    /// `key`'s home replicas, in preference order.
    pub fn home(&self, key: &str) -> Vec<usize> {
        let mut list = self.preference(key);
        list.truncate(self.quorum.replicas());
        list
    }

    /// Stops `node`: it neither stores writes nor answers reads until it recovers.
    pub fn crash(&mut self, node: usize) {
        self.nodes[node].up = false;
    }

    /// Brings `node` back with the data it had.
    pub fn recover(&mut self, node: usize) {
        self.nodes[node].up = true;
    }

    /// What `node` holds for `key`, hints aside.
    pub fn stored(&self, node: usize, key: &str) -> Option<&Versioned> {
        self.nodes[node].data.get(key)
    }

    /// How many hints `node` holds for other nodes.
    pub fn hints_on(&self, node: usize) -> usize {
        self.nodes[node].hints.len()
    }

    /// A fresh version, later than every version handed out before.
    pub fn next_version(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// One replica receives a write: it keeps it only if it is newer than what it has.
    /// Returns whether `node` was up to receive it.
    pub fn deliver(&mut self, node: usize, key: &str, value: &Versioned) -> bool {
        let n = &mut self.nodes[node];
        if !n.up {
            return false;
        }
        let newer = n
            .data
            .get(key)
            .is_none_or(|old| old.version < value.version);
        if newer {
            n.data.insert(key.to_string(), value.clone());
        }
        true
    }

    // region: put
    /// Writes `value` to every home replica that is up, and succeeds if at least W stored it.
    ///
    /// With `sloppy`, each home replica that is down is replaced by the next node up along the
    /// preference list, which stores the write with a *hint* naming the home replica. The write
    /// then succeeds as long as any W nodes are up, but those nodes need not be the ones a read
    /// will ask.
    pub fn put(&mut self, key: &str, value: &str, sloppy: bool) -> Put {
        let value = Versioned {
            value: value.to_string(),
            version: self.next_version(),
        };
        let order = self.preference(key);
        let (home, others) = order.split_at(self.quorum.replicas());
        let up: Vec<usize> = others
            .iter()
            .copied()
            .filter(|&s| self.nodes[s].up)
            .collect();
        let mut stand_ins = up.into_iter();
        let mut stored_on = Vec::new();
        for &h in home {
            if self.deliver(h, key, &value) {
                stored_on.push(h);
            } else if let Some(s) = stand_ins.next().filter(|_| sloppy) {
                let hint = Hint {
                    home: h,
                    key: key.to_string(),
                    value: value.clone(),
                };
                self.nodes[s].hints.push(hint);
                stored_on.push(s);
            }
        }
        let ok = stored_on.len() >= self.quorum.writes();
        Put {
            version: value.version,
            stored_on,
            ok,
        }
    }
    // endregion: put

    // region: get
    /// Reads `key` from the first R home replicas that are up, returns the newest version
    /// among their answers, and, with `repair`, writes that version back to the ones that
    /// answered with an older one or none.
    pub fn get(&mut self, key: &str, repair: bool) -> Result<Option<Versioned>, Unavailable> {
        let home = self.home(key);
        let up: Vec<usize> = home.into_iter().filter(|&h| self.nodes[h].up).collect();
        let needed = self.quorum.reads();
        if up.len() < needed {
            return Err(Unavailable {
                up: up.len(),
                needed,
            });
        }
        Ok(self.get_from(key, &up[..needed], repair))
    }

    /// Reads `key` from exactly the nodes in `asked`, as a coordinator does when those are
    /// the first R to answer.
    pub fn get_from(&mut self, key: &str, asked: &[usize], repair: bool) -> Option<Versioned> {
        let answers: Vec<Option<Versioned>> = asked
            .iter()
            .map(|&n| self.stored(n, key).cloned())
            .collect();
        let newest = answers
            .iter()
            .flatten()
            .max_by_key(|v| v.version)
            .cloned()?;
        if repair {
            for (&n, answer) in asked.iter().zip(&answers) {
                if answer.as_ref() != Some(&newest) {
                    self.deliver(n, key, &newest);
                }
            }
        }
        Some(newest)
    }
    // endregion: get

    // region: handoff
    /// Every stand-in sends its hints to home replicas that are up again, and drops each
    /// hint once delivered. Returns how many were delivered.
    pub fn hand_off(&mut self) -> usize {
        let mut delivered = 0;
        for s in 0..self.nodes.len() {
            let hints = std::mem::take(&mut self.nodes[s].hints);
            let mut kept = Vec::new();
            for hint in hints {
                if self.nodes[s].up && self.deliver(hint.home, &hint.key, &hint.value) {
                    delivered += 1;
                } else {
                    kept.push(hint); // best effort: lost for good if this stand-in dies
                }
            }
            self.nodes[s].hints = kept;
        }
        delivered
    }
    // endregion: handoff

    /// A Merkle-tree anti-entropy exchange between nodes `a` and `b` over all their keys.
    pub fn anti_entropy(&mut self, a: usize, b: usize, depth: u32) -> (Diff, usize) {
        let mut da = std::mem::take(&mut self.nodes[a].data);
        let mut db = std::mem::take(&mut self.nodes[b].data);
        let result = merkle::anti_entropy(&mut da, &mut db, depth);
        self.nodes[a].data = da;
        self.nodes[b].data = db;
        result
    }
}

/// What the simulation runs: one key on N replicas, two writers whose messages interleave
/// with reads, and messages to replicas lost at random.
#[derive(Debug, Clone, Copy)]
pub struct SimConfig {
    /// N, R and W.
    pub quorum: Quorum,
    /// How many steps to run.
    pub steps: usize,
    /// The chance, in thousandths, that one write message to one replica is lost.
    pub loss_per_mille: u32,
    /// Whether reads repair the replicas they asked before returning.
    pub read_repair: bool,
}

/// What the simulation counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Reads run.
    pub reads: usize,
    /// Writes that reached W replicas and were acknowledged.
    pub acked: usize,
    /// Writes whose messages all arrived or were lost with fewer than W stored: reported failed.
    pub failed: usize,
    /// Reads older than a write acknowledged before the read began.
    pub stale: usize,
    /// Reads older than what an earlier read had already returned.
    pub back_in_time: usize,
    /// Reads that returned the value of a write reported as failed.
    pub failed_write_seen: usize,
}

impl std::ops::AddAssign for SimStats {
    /// Adds another run's counts, to total several seeds.
    fn add_assign(&mut self, other: SimStats) {
        self.reads += other.reads;
        self.acked += other.acked;
        self.failed += other.failed;
        self.stale += other.stale;
        self.back_in_time += other.back_in_time;
        self.failed_write_seen += other.failed_write_seen;
    }
}

/// A write whose messages are still travelling.
struct InFlight {
    value: Versioned,
    unsent: Vec<usize>,
    stored: usize,
}

// region: simulate
/// Runs the seeded simulation: at each step a writer starts a write (at most two at once),
/// one message of a write in flight reaches its replica or is lost, or a client reads from a
/// random set of R replicas. Reads are atomic here, which is kinder than real networks.
pub fn simulate(config: SimConfig, seed: u32) -> SimStats {
    let (n, r, w) = (
        config.quorum.replicas(),
        config.quorum.reads(),
        config.quorum.writes(),
    );
    let mut store = Store::new(n, config.quorum);
    let mut rng = Mulberry32::new(seed);
    let mut in_flight: Vec<InFlight> = Vec::new();
    let (mut acked_max, mut read_max) = (0, 0);
    let mut failed_versions = BTreeSet::new();
    let mut stats = SimStats::default();
    for _ in 0..config.steps {
        match rng.range(0, 3) {
            0 if in_flight.len() < 2 => {
                let value = Versioned {
                    value: format!("v{}", store.clock + 1),
                    version: store.next_version(),
                };
                let unsent = (0..n).collect();
                in_flight.push(InFlight {
                    value,
                    unsent,
                    stored: 0,
                });
            }
            0 | 1 if !in_flight.is_empty() => {
                let i = rng.range(0, in_flight.len() as u64) as usize;
                let write = &mut in_flight[i];
                let j = rng.range(0, write.unsent.len() as u64) as usize;
                let replica = write.unsent.swap_remove(j);
                if !rng.chance(config.loss_per_mille) {
                    store.deliver(replica, "k", &write.value);
                    write.stored += 1;
                    if write.stored == w {
                        stats.acked += 1; // the client hears "ok" now
                        acked_max = acked_max.max(write.value.version);
                    }
                }
                if write.unsent.is_empty() {
                    if write.stored < w {
                        stats.failed += 1;
                        failed_versions.insert(write.value.version);
                    }
                    in_flight.swap_remove(i);
                }
            }
            _ => {
                let mut all: Vec<usize> = (0..n).collect();
                let asked: Vec<usize> = (0..r)
                    .map(|_| all.swap_remove(rng.range(0, all.len() as u64) as usize))
                    .collect();
                let seen = store
                    .get_from("k", &asked, config.read_repair)
                    .map_or(0, |v| v.version);
                stats.reads += 1;
                stats.stale += usize::from(seen < acked_max);
                stats.back_in_time += usize::from(seen < read_max);
                stats.failed_write_seen += usize::from(failed_versions.contains(&seen));
                read_max = read_max.max(seen);
            }
        }
    }
    stats
}
// endregion: simulate

#[cfg(test)]
mod tests {
    use super::*;

    fn quorum(n: usize, r: usize, w: usize) -> Quorum {
        Quorum::new(n, r, w).unwrap()
    }

    fn total(config: SimConfig, seeds: u32) -> SimStats {
        let mut t = SimStats::default();
        for seed in 0..seeds {
            t += simulate(config, seed);
        }
        t
    }

    /// N = 3, R = W = 2, 300 steps, 15% of write messages lost, no read repair.
    fn run() -> SimConfig {
        SimConfig {
            quorum: quorum(3, 2, 2),
            steps: 300,
            loss_per_mille: 150,
            read_repair: false,
        }
    }

    #[test]
    fn overlapping_quorums_never_miss_an_acknowledged_write_yet_go_back_in_time() {
        let t = total(run(), 200);
        assert!(
            t.reads > 10_000 && t.acked > 5_000 && t.failed > 100,
            "{t:?}"
        );
        assert_eq!(
            t.stale, 0,
            "R + W > N: every read meets every acknowledged write"
        );
        assert!(
            t.back_in_time > 0,
            "a write in flight is seen by one read, missed by the next"
        );
        assert!(
            t.failed_write_seen > 0,
            "a failed write still sits on some replicas"
        );
    }

    #[test]
    fn quorums_that_do_not_overlap_return_stale_reads() {
        for (r, w) in [(1, 1), (1, 2), (2, 1)] {
            let t = total(
                SimConfig {
                    quorum: quorum(3, r, w),
                    ..run()
                },
                50,
            );
            assert!(t.stale > 0, "R = {r}, W = {w}: {t:?}");
        }
    }

    #[test]
    fn read_repair_to_a_read_quorum_stops_reads_going_back_in_time() {
        // Atomic reads that repair the R replicas they asked leave the value on R of N;
        // with 2R > N the next read meets one of them.
        let t = total(
            SimConfig {
                read_repair: true,
                ..run()
            },
            200,
        );
        assert_eq!((t.stale, t.back_in_time), (0, 0), "{t:?}");
        // Without 2R > N, repair does not help: R = 1, W = 3.
        let t = total(
            SimConfig {
                quorum: quorum(3, 1, 3),
                read_repair: true,
                ..run()
            },
            200,
        );
        assert!(t.back_in_time > 0, "{t:?}");
    }

    #[test]
    fn a_write_in_flight_is_seen_then_unseen() {
        let mut s = Store::new(3, quorum(3, 2, 2));
        assert!(s.put("x", "old", false).ok);
        let new = Versioned {
            value: "new".into(),
            version: s.next_version(),
        };
        s.deliver(0, "x", &new); // reached one replica; W = 2 not yet met
        assert_eq!(s.get_from("x", &[0, 1], false).unwrap().value, "new");
        assert_eq!(s.get_from("x", &[1, 2], false).unwrap().value, "old");
        // With read repair the first read leaves "new" on two replicas.
        s.get_from("x", &[0, 1], true);
        assert_eq!(s.get_from("x", &[1, 2], false).unwrap().value, "new");
    }

    #[test]
    fn a_replica_keeps_the_newer_write_whatever_the_arrival_order() {
        let mut s = Store::new(3, quorum(3, 2, 2));
        let old = Versioned {
            value: "old".into(),
            version: s.next_version(),
        };
        let new = Versioned {
            value: "new".into(),
            version: s.next_version(),
        };
        s.deliver(0, "x", &new);
        s.deliver(0, "x", &old); // a delayed message from an earlier write
        assert_eq!(s.stored(0, "x"), Some(&new));
    }

    #[test]
    fn read_repair_fixes_only_the_replicas_it_asked() {
        let mut s = Store::new(3, quorum(3, 2, 2));
        let home = s.home("cart");
        s.crash(home[2]);
        assert!(s.put("cart", "milk", false).ok);
        s.recover(home[2]);
        assert_eq!(s.stored(home[2], "cart"), None);
        s.get_from("cart", &[home[0], home[1]], true);
        assert_eq!(s.stored(home[2], "cart"), None, "not asked, not repaired");
        s.get_from("cart", &[home[1], home[2]], true);
        assert_eq!(s.stored(home[2], "cart").unwrap().value, "milk");
    }

    #[test]
    fn a_sloppy_quorum_accepts_a_write_that_a_strict_read_then_misses() {
        let mut s = Store::new(5, quorum(3, 2, 2));
        let home = s.home("cart");
        assert!(s.put("cart", "v1", false).ok);
        s.crash(home[1]);
        s.crash(home[2]);
        assert!(
            !s.put("cart", "v2", false).ok,
            "strict: only one home replica is up"
        );
        let put = s.put("cart", "v2", true);
        assert!(put.ok && put.stored_on.len() == 3, "{put:?}");
        let stand_ins: Vec<usize> = put.stored_on[1..].to_vec();
        assert!(stand_ins.iter().all(|x| !home.contains(x)));
        // The partition moves: home[0] is cut off, home[1] and home[2] come back.
        s.crash(home[0]);
        s.recover(home[1]);
        s.recover(home[2]);
        let read = s.get("cart", false).unwrap().unwrap();
        assert_eq!(
            read.value, "v1",
            "R + W > N, yet the read misses the acknowledged v2"
        );
        // Hinted handoff delivers v2 home and the stand-ins drop their hints.
        assert_eq!(s.hand_off(), 2);
        assert!(stand_ins.iter().all(|&x| s.hints_on(x) == 0));
        assert_eq!(s.get("cart", false).unwrap().unwrap().value, "v2");
    }

    #[test]
    fn a_hint_on_a_dead_stand_in_is_lost_until_anti_entropy() {
        let mut s = Store::new(5, quorum(3, 2, 2));
        let home = s.home("cart");
        assert!(s.put("cart", "v1", false).ok);
        s.crash(home[2]);
        let put = s.put("cart", "v2", true);
        let stand_in = put.stored_on[2];
        s.crash(stand_in);
        s.recover(home[2]);
        assert_eq!(s.hand_off(), 0);
        assert_eq!(s.stored(home[2], "cart").unwrap().value, "v1");
        let (diff, copied) = s.anti_entropy(home[0], home[2], 4);
        assert_eq!((diff.buckets.len(), copied), (1, 1));
        assert_eq!(s.stored(home[2], "cart").unwrap().value, "v2");
    }

    #[test]
    fn reads_need_r_home_replicas_up() {
        let mut s = Store::new(3, quorum(3, 2, 2));
        let home = s.home("k");
        s.crash(home[0]);
        s.crash(home[1]);
        assert_eq!(s.get("k", false), Err(Unavailable { up: 1, needed: 2 }));
    }
}
