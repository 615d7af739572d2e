//! State-based CRDTs: a grow-only counter, a counter that also decrements, an observed-remove
//! set in which a concurrent add wins, version vectors with a multi-value register that keeps
//! concurrent writes as siblings, and a last-writer-wins register for contrast.
//!
//! Shown in the Replication handbook (`book/src/handbooks/replication.md`).
//!
//! In: operations applied at named replicas (`increment`, `decrement`, `add`, `remove`,
//! `set`), and whole states exchanged between replicas in any order, any number of times.
//! Out: each type's value, and a `merge` that is commutative, associative and idempotent (a
//! join in a semilattice, as Shapiro et al. 2011 require), so replicas that have received the
//! same updates hold the same state whatever order and duplication the network produced.
//! Version vectors say whether two versions are ordered or concurrent. The register's test
//! shows what last-writer-wins costs: a concurrent write silently lost.

use std::collections::{BTreeMap, BTreeSet};

/// A replica's name. Every replica that updates a CRDT needs its own.
pub type ReplicaId = u32;

/// A state-based CRDT: its state travels whole, and `merge` folds another replica's state in.
pub trait Crdt {
    /// Folds `other` into `self`: the least state that includes both.
    fn merge(&mut self, other: &Self);
}

// region: gcounter
/// A grow-only counter: one entry per replica, each changed only by its own replica.
///
/// Merging takes the maximum per replica, so a state received twice or late changes nothing,
/// and the value is the sum of the entries.
///
/// ```
/// use snippets::replication::crdt::{Crdt, GCounter};
///
/// let (mut a, mut b) = (GCounter::default(), GCounter::default());
/// a.increment(1, 3);
/// b.increment(2, 4);
/// a.merge(&b);
/// a.merge(&b); // a duplicate delivery is harmless
/// assert_eq!(a.value(), 7);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GCounter {
    counts: BTreeMap<ReplicaId, u64>,
}

impl GCounter {
    /// Adds `by` at `replica`. Only that replica may call this with its own id.
    pub fn increment(&mut self, replica: ReplicaId, by: u64) {
        *self.counts.entry(replica).or_default() += by;
    }

    /// The total of every replica's increments that this state has seen.
    pub fn value(&self) -> u64 {
        self.counts.values().sum()
    }
}

impl Crdt for GCounter {
    fn merge(&mut self, other: &Self) {
        for (&replica, &count) in &other.counts {
            let mine = self.counts.entry(replica).or_default();
            *mine = (*mine).max(count);
        }
    }
}
// endregion: gcounter

/// A counter that can go down: two grow-only counters, one for increments and one for
/// decrements. The value is their difference; each half merges by maximum.
///
/// ```
/// use snippets::replication::crdt::{Crdt, PnCounter};
///
/// let (mut a, mut b) = (PnCounter::default(), PnCounter::default());
/// a.increment(1, 5);
/// b.decrement(2, 2);
/// b.merge(&a);
/// assert_eq!(b.value(), 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PnCounter {
    up: GCounter,
    down: GCounter,
}

impl PnCounter {
    /// Adds `by` at `replica`.
    pub fn increment(&mut self, replica: ReplicaId, by: u64) {
        self.up.increment(replica, by);
    }

    /// Subtracts `by` at `replica`.
    pub fn decrement(&mut self, replica: ReplicaId, by: u64) {
        self.down.increment(replica, by);
    }

    /// Increments minus decrements, over everything this state has seen.
    pub fn value(&self) -> i128 {
        i128::from(self.up.value()) - i128::from(self.down.value())
    }
}

impl Crdt for PnCounter {
    fn merge(&mut self, other: &Self) {
        self.up.merge(&other.up);
        self.down.merge(&other.down);
    }
}

/// A unique tag for one `add`: the replica that made it and that replica's running count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag {
    /// The replica that performed the add.
    pub replica: ReplicaId,
    /// How many adds that replica had performed, this one included.
    pub seq: u64,
}

// region: orset
/// An observed-remove set: every `add` gets a fresh tag, and `remove` deletes only the tags
/// its replica has seen. An add concurrent with a remove carries a tag the remove never saw,
/// so the element survives the merge: *add wins*.
///
/// This is the plain state-based form, with removed tags kept as tombstones; they grow until
/// the replicas agree that every one of them has seen a remove (causal stability).
///
/// ```
/// use snippets::replication::crdt::{Crdt, OrSet};
///
/// let mut a = OrSet::default();
/// a.add(1, "milk");
/// let mut b = a.clone();
/// b.remove("milk"); // b removes the milk it has seen ...
/// a.add(1, "milk"); // ... while a adds milk again
/// a.merge(&b);
/// b.merge(&a);
/// assert!(a.contains(&"milk") && b.contains(&"milk"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrSet<T: Ord + Clone> {
    adds: BTreeSet<(T, Tag)>,
    removed: BTreeSet<Tag>,
    /// Per replica, the highest `seq` this state has seen, so a replica's next tag is fresh.
    seen: BTreeMap<ReplicaId, u64>,
}

impl<T: Ord + Clone> Default for OrSet<T> {
    fn default() -> Self {
        OrSet {
            adds: BTreeSet::new(),
            removed: BTreeSet::new(),
            seen: BTreeMap::new(),
        }
    }
}

impl<T: Ord + Clone> OrSet<T> {
    /// Adds `item` at `replica` with a tag no replica has used.
    pub fn add(&mut self, replica: ReplicaId, item: T) {
        let seq = self.seen.entry(replica).or_default();
        *seq += 1;
        let tag = Tag { replica, seq: *seq };
        self.adds.insert((item, tag));
    }

    /// Removes `item` as this replica sees it: every tag of `item` present here becomes a
    /// tombstone. Tags added elsewhere and not yet merged in are untouched.
    pub fn remove(&mut self, item: T) {
        let live = self
            .adds
            .iter()
            .filter(|(x, t)| *x == item && !self.removed.contains(t));
        let tags: Vec<Tag> = live.map(|(_, t)| *t).collect();
        self.removed.extend(tags);
    }

    /// Whether some tag of `item` has not been removed.
    pub fn contains(&self, item: &T) -> bool {
        self.adds
            .iter()
            .any(|(x, t)| x == item && !self.removed.contains(t))
    }

    /// The elements present, in order.
    pub fn elements(&self) -> BTreeSet<T> {
        self.adds
            .iter()
            .filter(|(_, t)| !self.removed.contains(t))
            .map(|(x, _)| x.clone())
            .collect()
    }

    /// How many removed tags this state keeps: the cost of remembering removes.
    pub fn tombstones(&self) -> usize {
        self.removed.len()
    }
}

impl<T: Ord + Clone> Crdt for OrSet<T> {
    fn merge(&mut self, other: &Self) {
        self.adds.extend(other.adds.iter().cloned());
        self.removed.extend(other.removed.iter().copied());
        for (&replica, &seq) in &other.seen {
            let mine = self.seen.entry(replica).or_default();
            *mine = (*mine).max(seq);
        }
    }
}
// endregion: orset

// region: version_vector
/// A version vector: per replica, how many of that replica's updates a version includes.
/// Comparing two of them tells "happened before" from "concurrent" (Parker et al., 1983).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct VersionVector {
    counts: BTreeMap<ReplicaId, u64>,
}

/// How two versions are related.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Causality {
    /// The same version.
    Equal,
    /// The first happened before the second: the second includes everything the first does.
    Before,
    /// The first happened after the second.
    After,
    /// Neither includes the other: concurrent writes, a conflict.
    Concurrent,
}

impl VersionVector {
    /// Counts one more update by `replica`.
    pub fn increment(&mut self, replica: ReplicaId) {
        *self.counts.entry(replica).or_default() += 1;
    }

    /// Compares two versions entry by entry.
    ///
    /// ```
    /// use snippets::replication::crdt::{Causality, VersionVector};
    ///
    /// let mut a = VersionVector::default();
    /// a.increment(1);
    /// let (mut b, mut c) = (a.clone(), a.clone());
    /// b.increment(1); // b continues a on replica 1
    /// c.increment(2); // c continues a on replica 2
    /// assert_eq!(a.compare(&b), Causality::Before);
    /// assert_eq!(b.compare(&c), Causality::Concurrent);
    /// ```
    pub fn compare(&self, other: &VersionVector) -> Causality {
        let replicas = self.counts.keys().chain(other.counts.keys());
        let (mut less, mut more) = (false, false);
        for r in replicas {
            let (x, y) = (self.get(*r), other.get(*r));
            less |= x < y;
            more |= x > y;
        }
        match (less, more) {
            (false, false) => Causality::Equal,
            (true, false) => Causality::Before,
            (false, true) => Causality::After,
            (true, true) => Causality::Concurrent,
        }
    }

    fn get(&self, replica: ReplicaId) -> u64 {
        self.counts.get(&replica).copied().unwrap_or(0)
    }
}

impl Crdt for VersionVector {
    fn merge(&mut self, other: &Self) {
        for (&replica, &count) in &other.counts {
            let mine = self.counts.entry(replica).or_default();
            *mine = (*mine).max(count);
        }
    }
}
// endregion: version_vector

// region: mvregister
/// A multi-value register: a write replaces every version it has seen, and concurrent writes
/// are all kept, as *siblings*, until a later write that has seen them all replaces them.
/// This is what Dynamo returns for a key written concurrently.
///
/// ```
/// use snippets::replication::crdt::{Crdt, MvRegister};
///
/// let mut a = MvRegister::default();
/// let mut b = MvRegister::default();
/// a.set(1, "milk");
/// b.set(2, "eggs"); // concurrent with a's write
/// a.merge(&b);
/// assert_eq!(a.values(), vec![&"eggs", &"milk"]); // both kept
/// a.set(1, "milk, eggs"); // a write that has seen both replaces them
/// b.merge(&a);
/// assert_eq!(b.values(), vec![&"milk, eggs"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MvRegister<V: Ord + Clone> {
    /// The siblings, none of which happened before another; sorted, so equal states compare
    /// equal.
    versions: Vec<(VersionVector, V)>,
}

impl<V: Ord + Clone> Default for MvRegister<V> {
    fn default() -> Self {
        MvRegister {
            versions: Vec::new(),
        }
    }
}

impl<V: Ord + Clone> MvRegister<V> {
    /// Writes `value` at `replica`, superseding every sibling this replica holds.
    pub fn set(&mut self, replica: ReplicaId, value: V) {
        let mut seen = VersionVector::default();
        for (vv, _) in &self.versions {
            seen.merge(vv);
        }
        seen.increment(replica);
        self.versions = vec![(seen, value)];
    }

    /// The current siblings' values, sorted: one value unless there were concurrent writes.
    pub fn values(&self) -> Vec<&V> {
        let mut values: Vec<&V> = self.versions.iter().map(|(_, v)| v).collect();
        values.sort();
        values
    }
}

impl<V: Ord + Clone> Crdt for MvRegister<V> {
    fn merge(&mut self, other: &Self) {
        let all = self.versions.iter().chain(&other.versions);
        let mut kept: Vec<(VersionVector, V)> = all
            .clone()
            .filter(|(vv, _)| {
                // Drop a version that another one has superseded.
                !all.clone().any(|(w, _)| vv.compare(w) == Causality::Before)
            })
            .cloned()
            .collect();
        kept.sort();
        kept.dedup();
        self.versions = kept;
    }
}
// endregion: mvregister

// region: lww
/// A last-writer-wins register: each write carries a timestamp and the writer's id, and a
/// merge keeps the write with the larger pair. It converges, but of two concurrent writes it
/// keeps one and discards the other without telling anyone, and "larger timestamp" means
/// "later" only as far as the writers' clocks agree.
///
/// ```
/// use snippets::replication::crdt::{Crdt, LwwRegister};
///
/// let mut a = LwwRegister::new("empty");
/// let mut b = a.clone();
/// a.set("add milk", 100, 1); // two clients write at about the same time
/// b.set("add eggs", 101, 2);
/// a.merge(&b);
/// assert_eq!(a.get(), &"add eggs"); // the milk is gone, and nobody was told
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LwwRegister<V: Clone> {
    value: V,
    stamp: (u64, ReplicaId),
}

impl<V: Clone> LwwRegister<V> {
    /// A register holding `initial`, older than any write.
    pub fn new(initial: V) -> Self {
        LwwRegister {
            value: initial,
            stamp: (0, 0),
        }
    }

    /// Writes `value` at `timestamp` from `replica`, unless the register holds a later write.
    pub fn set(&mut self, value: V, timestamp: u64, replica: ReplicaId) {
        if (timestamp, replica) > self.stamp {
            self.value = value;
            self.stamp = (timestamp, replica);
        }
    }

    /// The value of the write with the largest (timestamp, replica) pair seen.
    pub fn get(&self) -> &V {
        &self.value
    }
}

impl<V: Clone> Crdt for LwwRegister<V> {
    fn merge(&mut self, other: &Self) {
        self.set(other.value.clone(), other.stamp.0, other.stamp.1);
    }
}
// endregion: lww

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One update at one replica, for any of the types under test.
    #[derive(Debug, Clone)]
    enum Op {
        Up(u64),
        Down(u64),
        Add(u8),
        Remove(u8),
        Set(u8),
    }

    /// Something that happens during a run: an update at a replica, or one replica's state
    /// delivered to another (possibly again, possibly out of date).
    #[derive(Debug, Clone)]
    enum Event {
        Update(usize, Op),
        Deliver { from: usize, to: usize },
    }

    const REPLICAS: usize = 3;

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..10u64).prop_map(Op::Up),
            (0..10u64).prop_map(Op::Down),
            (0..4u8).prop_map(Op::Add),
            (0..4u8).prop_map(Op::Remove),
            (0..4u8).prop_map(Op::Set),
        ]
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            (0..REPLICAS, op()).prop_map(|(r, o)| Event::Update(r, o)),
            (0..REPLICAS, 0..REPLICAS).prop_map(|(from, to)| Event::Deliver { from, to }),
        ]
    }

    /// Each replica's counter and set.
    #[derive(Debug, Clone, Default, PartialEq)]
    struct Replica {
        counter: PnCounter,
        grow: GCounter,
        set: OrSet<u8>,
        register: MvRegister<u8>,
    }

    impl Replica {
        fn apply(&mut self, id: usize, op: &Op) {
            let id = id as ReplicaId;
            match *op {
                Op::Up(n) => {
                    self.counter.increment(id, n);
                    self.grow.increment(id, n);
                }
                Op::Down(n) => self.counter.decrement(id, n),
                Op::Add(x) => self.set.add(id, x),
                Op::Remove(x) => self.set.remove(x),
                Op::Set(x) => self.register.set(id, x),
            }
        }

        fn merge(&mut self, other: &Replica) {
            self.counter.merge(&other.counter);
            self.grow.merge(&other.grow);
            self.set.merge(&other.set);
            self.register.merge(&other.register);
        }
    }

    /// Runs `events`; returns the replicas and the net of all counter updates.
    fn run(events: &[Event]) -> (Vec<Replica>, i128, u64) {
        let mut replicas = vec![Replica::default(); REPLICAS];
        let (mut net, mut ups) = (0i128, 0u64);
        for e in events {
            match e {
                Event::Update(r, op) => {
                    match *op {
                        Op::Up(n) => {
                            net += i128::from(n);
                            ups += n;
                        }
                        Op::Down(n) => net -= i128::from(n),
                        _ => {}
                    }
                    replicas[*r].apply(*r, op);
                }
                Event::Deliver { from, to } => {
                    let state = replicas[*from].clone();
                    replicas[*to].merge(&state);
                }
            }
        }
        (replicas, net, ups)
    }

    fn joined(a: &Replica, b: &Replica) -> Replica {
        let mut x = a.clone();
        x.merge(b);
        x
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn merge_is_commutative_associative_idempotent(
            events in prop::collection::vec(event(), 0..60)
        ) {
            let (r, _, _) = run(&events);
            let (a, b, c) = (&r[0], &r[1], &r[2]);
            prop_assert_eq!(joined(a, b), joined(b, a));
            prop_assert_eq!(joined(&joined(a, b), c), joined(a, &joined(b, c)));
            prop_assert_eq!(&joined(a, a), a);
        }

        #[test]
        fn any_delivery_order_with_duplicates_converges(
            events in prop::collection::vec(event(), 0..60),
            orders in prop::collection::vec(
                prop::collection::vec(0..REPLICAS, 0..12), REPLICAS),
        ) {
            let (before, net, ups) = run(&events);
            let mut after = before.clone();
            for (to, order) in orders.iter().enumerate() {
                // Whatever order and repetition the network chose, then each missing
                // state once, so every replica ends up having seen every update.
                for from in order.iter().copied().chain(0..REPLICAS) {
                    after[to].merge(&before[from]);
                }
            }
            for r in &after[1..] {
                prop_assert_eq!(r, &after[0]);
            }
            prop_assert_eq!(after[0].counter.value(), net);
            prop_assert_eq!(after[0].grow.value(), ups);
        }
    }

    #[test]
    fn concurrent_remove_and_add_converge_to_present_in_both_orders() {
        let mut base = OrSet::default();
        base.add(0, "x");
        let (mut a, mut b) = (base.clone(), base.clone());
        a.remove("x");
        b.add(1, "x");
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert!(ab.contains(&"x"));
        // The remove did take effect on the tag it saw: one tombstone.
        assert_eq!(ab.tombstones(), 1);
        // A remove that has seen the second add removes the element everywhere.
        ab.remove("x");
        ba.merge(&ab);
        assert!(!ba.contains(&"x") && ba.elements().is_empty());
    }

    #[test]
    fn a_removed_element_stays_removed_after_stale_merges() {
        let mut a = OrSet::default();
        a.add(0, 7u8);
        let stale = a.clone();
        a.remove(7);
        a.merge(&stale); // the old state still carries the add's tag, but so does the tombstone
        assert!(!a.contains(&7));
    }

    #[test]
    fn a_replica_never_reuses_a_tag_after_merging() {
        let mut a = OrSet::default();
        a.add(0, 1u8);
        let mut b: OrSet<u8> = OrSet::default();
        b.merge(&a);
        b.remove(1);
        // Replica 0's state, merged back, must not let replica 0 reissue the removed tag.
        a.merge(&b);
        a.add(0, 1);
        assert!(a.contains(&1));
    }

    #[test]
    fn concurrent_writes_stay_siblings_until_a_later_write() {
        let mut base = MvRegister::default();
        base.set(0, "v1");
        let (mut a, mut b) = (base.clone(), base.clone());
        a.set(1, "v2");
        b.set(2, "v3");
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!(ab.values(), vec![&"v2", &"v3"]);
        // A stale state arriving late changes nothing: v1 happened before both siblings.
        ab.merge(&base);
        assert_eq!(ab.values(), vec![&"v2", &"v3"]);
        // A write made after seeing both siblings supersedes them everywhere.
        ab.set(1, "v4");
        ba.merge(&ab);
        assert_eq!(ba.values(), vec![&"v4"]);
        // A write concurrent with that one, from a replica that saw only v3, is a sibling.
        b.set(2, "v5");
        ba.merge(&b);
        assert_eq!(ba.values(), vec![&"v4", &"v5"]);
    }

    #[test]
    fn version_vectors_order_exactly_the_causally_related_versions() {
        let mut a = VersionVector::default();
        assert_eq!(a.compare(&VersionVector::default()), Causality::Equal);
        a.increment(1);
        let mut b = a.clone();
        b.increment(2);
        assert_eq!(
            (a.compare(&b), b.compare(&a)),
            (Causality::Before, Causality::After)
        );
        let mut c = a.clone();
        c.increment(3);
        assert_eq!(b.compare(&c), Causality::Concurrent);
        b.merge(&c);
        assert_eq!(c.compare(&b), Causality::Before);
    }

    #[test]
    fn last_writer_wins_loses_a_concurrent_write() {
        let mut a = LwwRegister::new(0);
        let mut b = a.clone();
        a.set(10, 5, 1);
        b.set(20, 5, 2); // same timestamp: the replica id breaks the tie
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!((ab.get(), ba.get()), (&20, &20));
        // A writer whose clock runs behind loses even when it wrote later in real time.
        let mut c = ab.clone();
        c.set(30, 4, 3);
        assert_eq!(c.get(), &20);
    }
}
