//! Lamport clocks and vector clocks.
//!
//! In: the events of one process (local steps, sends) and the timestamps carried by the
//! messages it receives.
//! Out: a Lamport timestamp per event, which respects happens-before (if e → f then
//! L(e) < L(f)) but cannot tell concurrent events from ordered ones; and a vector timestamp
//! per event, for which V(e) < V(f) holds exactly when e → f, so concurrency is detected.
//! Shown in the Coordination handbook; the tests check both claims against a
//! happens-before oracle on random executions.

use std::cmp::Ordering;

/// A Lamport clock: one counter per process (Lamport, 1978).
///
/// ```
/// use snippets::coordination::clocks::LamportClock;
///
/// let (mut a, mut b) = (LamportClock::default(), LamportClock::default());
/// let sent = a.tick(); // a sends at 1
/// b.tick(); // b does local work at 1
/// assert_eq!(b.receive(sent), 2); // the receive is later than both
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LamportClock {
    time: u64,
}

// region: lamport
impl LamportClock {
    /// A local event or a send: advance the counter and stamp the event with it.
    pub fn tick(&mut self) -> u64 {
        self.time += 1;
        self.time
    }

    /// A receive: jump past the sender's timestamp, so the receive is later than the send.
    pub fn receive(&mut self, sent: u64) -> u64 {
        self.time = self.time.max(sent) + 1;
        self.time
    }
}
// endregion: lamport

impl LamportClock {
    /// The timestamp of the latest event.
    pub fn time(&self) -> u64 {
        self.time
    }
}

/// How two vector timestamps relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Causality {
    /// The first happened before the second.
    Before,
    /// The first happened after the second.
    After,
    /// The same event (or two copies of one state).
    Equal,
    /// Neither happened before the other: concurrent.
    Concurrent,
}

/// A vector clock: one counter per process (Fidge, 1988; Mattern, 1989).
///
/// ```
/// use snippets::coordination::clocks::{Causality, VectorClock};
///
/// let mut a = VectorClock::new(2);
/// let mut b = VectorClock::new(2);
/// a.tick(0); // [1, 0]
/// b.tick(1); // [0, 1]
/// assert_eq!(a.compare(&b), Causality::Concurrent);
/// b.receive(1, &a); // [1, 2]
/// assert_eq!(a.compare(&b), Causality::Before);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VectorClock {
    counts: Vec<u64>,
}

// region: vector
impl VectorClock {
    /// A clock for `n` processes, all counters zero.
    pub fn new(n: usize) -> VectorClock {
        VectorClock { counts: vec![0; n] }
    }

    /// A local event or a send on process `me`: count one more event of its own.
    pub fn tick(&mut self, me: usize) {
        self.counts[me] += 1;
    }

    /// A receive on process `me` of a message stamped `sent`: take everything the
    /// sender knew, then count the receive itself.
    pub fn receive(&mut self, me: usize, sent: &VectorClock) {
        self.merge(sent);
        self.tick(me);
    }

    /// Pointwise maximum: afterwards this clock knows every event either one knew.
    pub fn merge(&mut self, other: &VectorClock) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine = (*mine).max(*theirs);
        }
    }

    /// Before if every counter is ≤ and one is <; After the other way round;
    /// Concurrent if each has a counter larger than the other's.
    pub fn compare(&self, other: &VectorClock) -> Causality {
        let mut less = false;
        let mut greater = false;
        for (a, b) in self.counts.iter().zip(&other.counts) {
            match a.cmp(b) {
                Ordering::Less => less = true,
                Ordering::Greater => greater = true,
                Ordering::Equal => {}
            }
        }
        match (less, greater) {
            (false, false) => Causality::Equal,
            (true, false) => Causality::Before,
            (false, true) => Causality::After,
            (true, true) => Causality::Concurrent,
        }
    }
}
// endregion: vector

impl VectorClock {
    /// The counter of process `node`.
    pub fn get(&self, node: usize) -> u64 {
        self.counts[node]
    }

    /// A clock with the given counters.
    pub fn from_counts(counts: Vec<u64>) -> VectorClock {
        VectorClock { counts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::rng::Mulberry32;
    use proptest::prelude::*;

    /// One event of a random execution: where it ran and, for a receive, which event sent
    /// the message.
    struct Event {
        process: usize,
        sent_by: Option<usize>,
        lamport: u64,
        vector: VectorClock,
    }

    /// A random execution of `n` processes and `len` events: local steps, sends, and
    /// receives of messages still in flight, in any order.
    fn execution(n: usize, len: usize, seed: u32) -> Vec<Event> {
        let mut rng = Mulberry32::new(seed);
        let mut lamport = vec![LamportClock::default(); n];
        let mut vector = vec![VectorClock::new(n); n];
        // In flight: (destination, sending event index, Lamport stamp, vector stamp).
        let mut in_flight: Vec<(usize, usize, u64, VectorClock)> = Vec::new();
        let mut events = Vec::new();
        while events.len() < len {
            let p = rng.range(0, n as u64) as usize;
            let choice = rng.range(0, 3);
            if choice == 0 && !in_flight.is_empty() {
                let at = rng.range(0, in_flight.len() as u64) as usize;
                let (to, from, l, v) = in_flight.swap_remove(at);
                let lamport_now = lamport[to].receive(l);
                vector[to].receive(to, &v);
                events.push(Event {
                    process: to,
                    sent_by: Some(from),
                    lamport: lamport_now,
                    vector: vector[to].clone(),
                });
            } else {
                let l = lamport[p].tick();
                vector[p].tick(p);
                if choice == 1 {
                    let to = (p + 1 + rng.range(0, n as u64 - 1) as usize) % n;
                    in_flight.push((to, events.len(), l, vector[p].clone()));
                }
                events.push(Event {
                    process: p,
                    sent_by: None,
                    lamport: l,
                    vector: vector[p].clone(),
                });
            }
        }
        events
    }

    /// Happens-before by definition: the transitive closure of process order and
    /// send-to-receive edges. `hb[i][j]` is true when event i → event j.
    fn happens_before(events: &[Event]) -> Vec<Vec<bool>> {
        let n = events.len();
        let mut hb = vec![vec![false; n]; n];
        for j in 0..n {
            let mut direct = Vec::new();
            if let Some(i) = (0..j)
                .rev()
                .find(|&i| events[i].process == events[j].process)
            {
                direct.push(i);
            }
            if let Some(s) = events[j].sent_by {
                direct.push(s);
            }
            for i in direct {
                hb[i][j] = true;
                // Everything before i is before j too.
                for row in hb.iter_mut() {
                    if row[i] {
                        row[j] = true;
                    }
                }
            }
        }
        hb
    }

    #[test]
    fn clocks_agree_with_happens_before_on_random_executions() {
        let mut concurrent_pairs = 0usize;
        let mut lamport_ordered_but_concurrent = 0usize;
        for seed in 0..300 {
            let events = execution(3, 40, seed);
            let hb = happens_before(&events);
            for (i, e) in events.iter().enumerate() {
                for (j, f) in events.iter().enumerate() {
                    if i == j {
                        continue;
                    }
                    let vc = e.vector.compare(&f.vector);
                    if hb[i][j] {
                        assert!(
                            e.lamport < f.lamport,
                            "seed {seed}: Lamport broke {i} → {j}"
                        );
                        assert_eq!(vc, Causality::Before, "seed {seed}: {i} → {j}");
                    } else if hb[j][i] {
                        assert_eq!(vc, Causality::After, "seed {seed}: {j} → {i}");
                    } else {
                        // The converse: no path either way means the vectors say so.
                        assert_eq!(vc, Causality::Concurrent, "seed {seed}: {i} ∥ {j}");
                        // Count each unordered pair once, as the chapter does.
                        if i < j {
                            concurrent_pairs += 1;
                            if e.lamport != f.lamport {
                                lamport_ordered_but_concurrent += 1;
                            }
                        }
                    }
                }
            }
        }
        // Lamport timestamps order most concurrent pairs one way or the other: they cannot
        // be read backwards as causality. The executions are seeded, so the counts are
        // exact; the Coordination handbook quotes them.
        eprintln!(
            "{concurrent_pairs} concurrent pairs, {lamport_ordered_but_concurrent} with different Lamport stamps"
        );
        assert_eq!(concurrent_pairs, 85_214);
        assert_eq!(lamport_ordered_but_concurrent, 76_664);
    }

    #[test]
    fn a_broken_receive_is_caught() {
        // A receive that forgets to merge the sender's vector: the oracle must notice.
        let mut a = VectorClock::new(2);
        let mut b = VectorClock::new(2);
        a.tick(0);
        let sent = a.clone();
        b.tick(1); // the broken receive: no merge
        assert_eq!(sent.compare(&b), Causality::Concurrent);
        b.receive(1, &sent);
        assert_eq!(sent.compare(&b), Causality::Before);
    }

    fn clock() -> impl Strategy<Value = VectorClock> {
        proptest::collection::vec(0u64..5, 4).prop_map(VectorClock::from_counts)
    }

    fn merged(a: &VectorClock, b: &VectorClock) -> VectorClock {
        let mut m = a.clone();
        m.merge(b);
        m
    }

    proptest! {
        #[test]
        fn merge_is_a_join(a in clock(), b in clock(), c in clock()) {
            prop_assert_eq!(merged(&a, &b), merged(&b, &a));
            prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
            prop_assert_eq!(merged(&a, &a), a.clone());
            let m = merged(&a, &b);
            prop_assert!(matches!(a.compare(&m), Causality::Before | Causality::Equal));
            prop_assert!(matches!(b.compare(&m), Causality::Before | Causality::Equal));
        }

        #[test]
        fn a_tick_moves_forward_and_independent_ticks_are_concurrent(a in clock(), p in 0usize..4, q in 0usize..4) {
            let mut later = a.clone();
            later.tick(p);
            prop_assert_eq!(a.compare(&later), Causality::Before);
            prop_assert_eq!(later.compare(&a), Causality::After);
            if p != q {
                let mut other = a.clone();
                other.tick(q);
                prop_assert_eq!(later.compare(&other), Causality::Concurrent);
            }
        }
    }
}
