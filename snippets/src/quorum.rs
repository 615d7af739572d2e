//! Quorums: how many replicas must answer so that any two operations meet.
//!
//! Shown in the Consensus handbook (`book/src/handbooks/consensus.md`) and the
//! Quorum & Partition Lab; the appendix on tested code uses it as its worked example.
//!
//! In: a replica count `n` and quorum sizes `r` (reads) and `w` (writes).
//! Out: majority sizes, how many failures a configuration survives, whether its read
//! and write quorums are guaranteed to overlap, and exhaustive checks of those claims
//! over every set of replicas, for clusters small enough to enumerate.

use std::fmt;

/// The smallest number of replicas that is more than half of `n`.
///
/// Two groups of this size always share a replica, which is why consensus
/// protocols wait for a majority before they decide.
///
/// ```
/// use snippets::quorum::majority;
///
/// assert_eq!(majority(3), 2);
/// assert_eq!(majority(4), 3);
/// assert_eq!(majority(5), 3);
/// ```
pub const fn majority(n: usize) -> usize {
    n / 2 + 1
}

/// How many of `n` replicas can fail while a majority of all `n` still answers.
///
/// ```
/// use snippets::quorum::tolerated_failures;
///
/// assert_eq!(tolerated_failures(3), 1);
/// // A fourth replica costs more and survives no extra failure.
/// assert_eq!(tolerated_failures(4), 1);
/// assert_eq!(tolerated_failures(5), 2);
/// ```
pub const fn tolerated_failures(n: usize) -> usize {
    // `n - majority(n)` would underflow for `n == 0`, where nothing can fail anyway.
    n.saturating_sub(1) / 2
}

// region: intersection
/// Whether every read quorum of `r` replicas meets every write quorum of `w`
/// replicas among `n`, so that a read always reaches the latest write.
///
/// Pigeonhole: `r + w > n` leaves no room for the two groups to be disjoint.
///
/// ```
/// use snippets::quorum::quorums_intersect;
///
/// assert!(quorums_intersect(3, 2, 2));
/// assert!(quorums_intersect(5, 1, 5)); // read one, write all
/// assert!(!quorums_intersect(5, 2, 3)); // a read can miss the write
/// ```
pub const fn quorums_intersect(n: usize, r: usize, w: usize) -> bool {
    r + w > n
}
// endregion: intersection

/// Why a [`Quorum`] cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuorumError {
    /// A quorum needs at least one replica to answer.
    Empty,
    /// The quorum is larger than the cluster, so it can never be reached.
    TooLarge {
        /// The requested quorum size.
        size: usize,
        /// The number of replicas.
        replicas: usize,
    },
    /// The cluster is larger than [`ReplicaSet`] can hold.
    TooManyReplicas(usize),
}

impl fmt::Display for QuorumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuorumError::Empty => write!(f, "a quorum needs at least one replica"),
            QuorumError::TooLarge { size, replicas } => {
                write!(
                    f,
                    "a quorum of {size} cannot be reached with {replicas} replicas"
                )
            }
            QuorumError::TooManyReplicas(n) => {
                write!(
                    f,
                    "{n} replicas exceed the limit of {}",
                    ReplicaSet::CAPACITY
                )
            }
        }
    }
}

impl std::error::Error for QuorumError {}

/// A quorum configuration: `n` replicas, reads wait for `r` of them, writes for `w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quorum {
    n: usize,
    r: usize,
    w: usize,
}

impl Quorum {
    /// A configuration with read and write quorums of `r` and `w` among `n` replicas.
    ///
    /// Fails if a quorum is empty or larger than the cluster.
    ///
    /// ```
    /// use snippets::quorum::{Quorum, QuorumError};
    ///
    /// assert!(Quorum::new(5, 1, 5).is_ok());
    /// assert_eq!(Quorum::new(3, 4, 1), Err(QuorumError::TooLarge { size: 4, replicas: 3 }));
    /// ```
    pub fn new(n: usize, r: usize, w: usize) -> Result<Quorum, QuorumError> {
        if n > ReplicaSet::CAPACITY {
            return Err(QuorumError::TooManyReplicas(n));
        }
        for size in [r, w] {
            if size == 0 {
                return Err(QuorumError::Empty);
            }
            if size > n {
                return Err(QuorumError::TooLarge { size, replicas: n });
            }
        }
        Ok(Quorum { n, r, w })
    }

    /// The usual choice: reads and writes both wait for a majority of `n` replicas.
    ///
    /// ```
    /// use snippets::quorum::Quorum;
    ///
    /// let q = Quorum::majority(5).unwrap();
    /// assert_eq!((q.reads(), q.writes()), (3, 3));
    /// assert!(q.reads_see_latest_write());
    /// ```
    pub fn majority(n: usize) -> Result<Quorum, QuorumError> {
        Quorum::new(n, majority(n), majority(n))
    }

    /// The number of replicas.
    pub fn replicas(&self) -> usize {
        self.n
    }

    /// How many replicas a read waits for.
    pub fn reads(&self) -> usize {
        self.r
    }

    /// How many replicas a write waits for.
    pub fn writes(&self) -> usize {
        self.w
    }

    /// Whether every read quorum meets every write quorum (`r + w > n`).
    pub fn reads_see_latest_write(&self) -> bool {
        quorums_intersect(self.n, self.r, self.w)
    }

    /// Whether any two write quorums meet (`2w > n`), so two conflicting writes
    /// cannot both succeed without one seeing the other.
    pub fn writes_conflict_visibly(&self) -> bool {
        quorums_intersect(self.n, self.w, self.w)
    }

    /// How many replicas can fail while both reads and writes can still complete.
    ///
    /// ```
    /// use snippets::quorum::Quorum;
    ///
    /// // Writing to all replicas makes reads cheap but stops writes at the first failure.
    /// assert_eq!(Quorum::new(5, 1, 5).unwrap().tolerated_failures(), 0);
    /// assert_eq!(Quorum::majority(5).unwrap().tolerated_failures(), 2);
    /// ```
    pub fn tolerated_failures(&self) -> usize {
        self.n - self.r.max(self.w)
    }
}

/// A set of replicas, numbered `0..ReplicaSet::CAPACITY`, stored as a bit set.
///
/// Small and `Copy`, so the exhaustive checks below can enumerate every subset of
/// a cluster cheaply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReplicaSet(u64);

impl ReplicaSet {
    /// The largest number of replicas a set can hold.
    pub const CAPACITY: usize = u64::BITS as usize;

    /// The set of the given replica numbers.
    ///
    /// # Panics
    ///
    /// If a number is not below [`ReplicaSet::CAPACITY`].
    pub fn from_ids(ids: impl IntoIterator<Item = usize>) -> ReplicaSet {
        let mut bits = 0;
        for id in ids {
            assert!(
                id < Self::CAPACITY,
                "replica {id} is beyond the set's capacity"
            );
            bits |= 1 << id;
        }
        ReplicaSet(bits)
    }

    /// The number of replicas in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the set has no replica.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether replica `id` is in the set.
    pub fn contains(self, id: usize) -> bool {
        id < Self::CAPACITY && self.0 & (1 << id) != 0
    }

    /// Whether the two sets share a replica.
    pub fn meets(self, other: ReplicaSet) -> bool {
        self.0 & other.0 != 0
    }

    /// Every subset of replicas `0..n` (there are `2^n`).
    ///
    /// # Panics
    ///
    /// If `n` is [`ReplicaSet::CAPACITY`] or more: that many subsets cannot be enumerated.
    pub fn all_subsets(n: usize) -> impl Iterator<Item = ReplicaSet> {
        assert!(
            n < Self::CAPACITY,
            "cannot enumerate the subsets of {n} replicas"
        );
        (0..1u64 << n).map(ReplicaSet)
    }
}

/// Checks, by trying every pair, that any read quorum of `q` meets any write quorum.
///
/// Exponential in the number of replicas: meant for tests and small teaching
/// examples, where it confirms what [`Quorum::reads_see_latest_write`] computes.
///
/// ```
/// use snippets::quorum::{Quorum, every_read_meets_every_write};
///
/// assert!(every_read_meets_every_write(Quorum::new(4, 2, 3).unwrap()));
/// assert!(!every_read_meets_every_write(Quorum::new(4, 2, 2).unwrap()));
/// ```
pub fn every_read_meets_every_write(q: Quorum) -> bool {
    let with_size = |k: usize| ReplicaSet::all_subsets(q.n).filter(move |s| s.len() == k);
    with_size(q.r).all(|read| with_size(q.w).all(|write| read.meets(write)))
}

/// Checks, by trying every pair, that any two majorities of `n` replicas share a replica.
///
/// ```
/// use snippets::quorum::any_two_majorities_meet;
///
/// assert!((1..=8).all(any_two_majorities_meet));
/// ```
pub fn any_two_majorities_meet(n: usize) -> bool {
    let majorities: Vec<ReplicaSet> = ReplicaSet::all_subsets(n)
        .filter(|s| s.len() >= majority(n))
        .collect();
    majorities
        .iter()
        .all(|a| majorities.iter().all(|b| a.meets(*b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cluster sizes small enough to enumerate every pair of subsets quickly.
    const SMALL: std::ops::RangeInclusive<usize> = 1..=9;

    #[test]
    fn majority_is_more_than_half_and_minimal() {
        for n in 0..=100 {
            assert!(2 * majority(n) > n, "n = {n}");
            assert!(2 * (majority(n) - 1) <= n, "n = {n}");
        }
    }

    #[test]
    fn tolerated_failures_leave_a_majority() {
        for n in 1..=100 {
            let f = tolerated_failures(n);
            assert!(n - f >= majority(n), "n = {n}");
            assert!(
                n - (f + 1) < majority(n),
                "n = {n}: one more failure must break it"
            );
        }
        assert_eq!(tolerated_failures(0), 0);
    }

    #[test]
    fn any_two_majorities_meet_for_small_clusters() {
        for n in SMALL {
            assert!(any_two_majorities_meet(n), "n = {n}");
        }
    }

    #[test]
    fn halves_of_an_even_cluster_can_miss_each_other() {
        // The check must be able to fail: two halves of four replicas can be disjoint.
        let halves = Quorum::new(4, 2, 2).unwrap();
        assert!(!every_read_meets_every_write(halves));
        assert!(!halves.reads_see_latest_write());
    }

    #[test]
    fn intersection_rule_matches_exhaustive_check() {
        for n in SMALL {
            for r in 1..=n {
                for w in 1..=n {
                    let q = Quorum::new(n, r, w).unwrap();
                    assert_eq!(
                        q.reads_see_latest_write(),
                        every_read_meets_every_write(q),
                        "n = {n}, r = {r}, w = {w}"
                    );
                }
            }
        }
    }

    #[test]
    fn majority_quorum_survives_tolerated_failures() {
        for n in 1..=ReplicaSet::CAPACITY {
            let q = Quorum::majority(n).unwrap();
            assert!(q.reads_see_latest_write() && q.writes_conflict_visibly());
            assert_eq!(q.tolerated_failures(), tolerated_failures(n), "n = {n}");
        }
    }

    #[test]
    fn invalid_configurations_are_rejected() {
        assert_eq!(Quorum::new(3, 0, 2), Err(QuorumError::Empty));
        assert_eq!(
            Quorum::new(3, 2, 4),
            Err(QuorumError::TooLarge {
                size: 4,
                replicas: 3
            })
        );
        assert_eq!(Quorum::majority(65), Err(QuorumError::TooManyReplicas(65)));
        assert_eq!(
            QuorumError::TooLarge {
                size: 4,
                replicas: 3
            }
            .to_string(),
            "a quorum of 4 cannot be reached with 3 replicas"
        );
    }

    #[test]
    fn replica_sets_hold_what_they_were_given() {
        let s = ReplicaSet::from_ids([0, 2, 63]);
        assert_eq!(s.len(), 3);
        assert!(s.contains(2) && s.contains(63) && !s.contains(1) && !s.contains(64));
        assert!(s.meets(ReplicaSet::from_ids([63])));
        assert!(!s.meets(ReplicaSet::from_ids([1, 3])));
        assert!(ReplicaSet::default().is_empty());
        assert_eq!(ReplicaSet::all_subsets(4).count(), 16);
    }
}
