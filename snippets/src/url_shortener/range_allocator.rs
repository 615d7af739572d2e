//! Leased ID ranges: many servers mint unique IDs while touching a shared counter once per block.
//!
//! Shown in "Design a URL Shortener" (`book/src/designs/url-shortener.md`), stage 3.
//!
//! In: a shared [`Counter`] (in production, one row in a database or a key in a coordination
//! store that supports compare-and-set) and one [`RangeAllocator`] per application server.
//! Out: IDs that are unique across every allocator, for any interleaving of their steps.
//! A crashed allocator loses at most the unspent rest of its current block.

use std::ops::Range;

/// The shared counter: the first ID that no block has been leased for yet.
///
/// It offers only two atomic operations, a read and a compare-and-set, which is what a
/// database row (`UPDATE … SET next = ? WHERE next = ?`) or etcd or ZooKeeper gives you.
#[derive(Debug, Clone)]
pub struct Counter {
    next: u64,
    limit: u64,
}

impl Counter {
    /// A counter that leases IDs from `0` up to, but not including, `limit`.
    pub fn new(limit: u64) -> Counter {
        Counter { next: 0, limit }
    }

    /// The current value.
    pub fn read(&self) -> u64 {
        self.next
    }

    /// Sets the counter to `new` if it still holds `expected`; reports whether it did.
    pub fn compare_and_set(&mut self, expected: u64, new: u64) -> bool {
        if self.next == expected {
            self.next = new;
            true
        } else {
            false
        }
    }

    /// One past the last ID the counter may lease.
    pub fn limit(&self) -> u64 {
        self.limit
    }
}

/// What one [`RangeAllocator::step`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Handed out this ID from the current block, without touching the counter.
    Issued(u64),
    /// Read the counter, or tried to claim a block with compare-and-set.
    Leasing,
    /// The counter has reached its limit: there are no IDs left to lease.
    Exhausted,
}

/// The ID space is used up; the caller must move to a larger space (one more character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted;

// region: allocator
/// One application server's allocator: it spends a leased block locally and leases the
/// next block from the shared [`Counter`] when the current one runs out.
#[derive(Debug, Clone)]
pub struct RangeAllocator {
    block_size: u64,
    block: Range<u64>, // IDs leased but not yet handed out
    seen: Option<u64>, // counter value read, not yet claimed
}

impl RangeAllocator {
    /// An allocator that leases `block_size` IDs at a time. It holds no block yet.
    pub fn new(block_size: u64) -> RangeAllocator {
        assert!(block_size > 0, "a block holds at least one ID");
        RangeAllocator {
            block_size,
            block: 0..0,
            seen: None,
        }
    }

    /// Does one atomic action: hands out an ID, or performs one half of a lease
    /// (read the counter, then compare-and-set it past the block).
    pub fn step(&mut self, counter: &mut Counter) -> Step {
        if let Some(id) = self.block.next() {
            return Step::Issued(id);
        }
        match self.seen.take() {
            None => {
                self.seen = Some(counter.read());
                Step::Leasing
            }
            Some(start) if start >= counter.limit() => Step::Exhausted,
            Some(start) => {
                let end = start.saturating_add(self.block_size).min(counter.limit());
                if counter.compare_and_set(start, end) {
                    self.block = start..end; // the block is ours alone
                } // else another server claimed it first: read again
                Step::Leasing
            }
        }
    }

    /// The next unique ID, leasing a new block if needed.
    pub fn next_id(&mut self, counter: &mut Counter) -> Result<u64, Exhausted> {
        loop {
            match self.step(counter) {
                Step::Issued(id) => return Ok(id),
                Step::Leasing => continue,
                Step::Exhausted => return Err(Exhausted),
            }
        }
    }
}
// endregion: allocator

impl RangeAllocator {
    /// The IDs this allocator has leased and not yet handed out: what a crash would lose.
    pub fn unspent(&self) -> Range<u64> {
        self.block.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_shortener::test_rng::SplitMix64;
    use std::collections::BTreeSet;

    /// Runs `schedule` (a list of allocator indices, one step each) and returns every
    /// issued ID in order, panicking if any ID is issued twice.
    fn run(
        schedule: &[usize],
        allocators: &mut [RangeAllocator],
        counter: &mut Counter,
    ) -> Vec<u64> {
        let mut issued = Vec::new();
        let mut seen = BTreeSet::new();
        for &who in schedule {
            if let Step::Issued(id) = allocators[who].step(counter) {
                assert!(
                    seen.insert(id),
                    "ID {id} issued twice; schedule {schedule:?}"
                );
                issued.push(id);
            }
        }
        issued
    }

    /// Every sequence of `len` steps over `n` allocators.
    fn all_schedules(n: usize, len: usize) -> Vec<Vec<usize>> {
        let mut out = vec![vec![]];
        for _ in 0..len {
            out = out
                .into_iter()
                .flat_map(|s| {
                    (0..n).map(move |who| {
                        let mut s = s.clone();
                        s.push(who);
                        s
                    })
                })
                .collect();
        }
        out
    }

    #[test]
    fn no_id_is_issued_twice_under_any_interleaving_of_three_allocators() {
        // 3^10 = 59,049 schedules; blocks of 2 force a lease every other ID, so reads and
        // compare-and-sets from different allocators interleave in every possible way.
        let schedules = all_schedules(3, 10);
        assert_eq!(schedules.len(), 59_049);
        let mut contended = 0;
        for schedule in &schedules {
            let mut counter = Counter::new(u64::MAX);
            let mut allocators = vec![RangeAllocator::new(2); 3];
            let issued = run(schedule, &mut allocators, &mut counter);
            // Everything issued or still held lies below the counter, and nothing beyond it.
            assert!(issued.iter().all(|&id| id < counter.read()));
            let held: u64 = allocators
                .iter()
                .map(|a| a.unspent().end - a.unspent().start)
                .sum();
            assert_eq!(issued.len() as u64 + held, counter.read(), "{schedule:?}");
            if allocators
                .iter()
                .any(|a| a.seen.is_some_and(|s| s != counter.read()))
            {
                contended += 1;
            }
        }
        // Sanity: the enumeration did reach states where a read went stale.
        assert!(contended > 0);
    }

    #[test]
    fn four_allocators_issue_40_000_distinct_ids_under_random_interleavings() {
        for seed in 0..5 {
            let mut rng = SplitMix64::new(seed);
            let mut counter = Counter::new(u64::MAX);
            let mut allocators = vec![RangeAllocator::new(1_000); 4];
            let mut per_allocator: Vec<Vec<u64>> = vec![Vec::new(); 4];
            let mut all = BTreeSet::new();
            while per_allocator.iter().any(|ids| ids.len() < 10_000) {
                let who = (rng.next_u64() % 4) as usize;
                if per_allocator[who].len() == 10_000 {
                    continue;
                }
                if let Step::Issued(id) = allocators[who].step(&mut counter) {
                    assert!(all.insert(id), "seed {seed}: ID {id} issued twice");
                    per_allocator[who].push(id);
                }
            }
            assert_eq!(all.len(), 40_000);
            // Within one allocator, IDs strictly increase.
            for ids in &per_allocator {
                assert!(ids.windows(2).all(|w| w[0] < w[1]));
            }
            // 40 blocks of 1,000 were leased: nothing is lost while no server crashes.
            assert_eq!(counter.read(), 40_000);
        }
    }

    #[test]
    fn a_crash_loses_at_most_the_rest_of_one_block() {
        let mut rng = SplitMix64::new(42);
        let block = 100;
        let mut counter = Counter::new(u64::MAX);
        let mut allocators = vec![RangeAllocator::new(block); 3];
        let mut issued = BTreeSet::new();
        let mut lost = 0;
        let mut crashes = 0;
        for _ in 0..200_000 {
            let who = (rng.next_u64() % 3) as usize;
            if rng.next_u64().is_multiple_of(500) {
                // The server dies: its unspent block and any half-finished lease vanish.
                let unspent = allocators[who].unspent();
                assert!(unspent.end - unspent.start <= block);
                lost += unspent.end - unspent.start;
                crashes += 1;
                allocators[who] = RangeAllocator::new(block);
                continue;
            }
            if let Step::Issued(id) = allocators[who].step(&mut counter) {
                assert!(issued.insert(id), "ID {id} issued twice after a restart");
            }
        }
        assert!(crashes > 100);
        let held: u64 = allocators
            .iter()
            .map(|a| a.unspent().end - a.unspent().start)
            .sum();
        // Every leased ID was issued, lost in a crash, or is still held: none went missing
        // any other way, and each crash lost at most one block.
        assert_eq!(issued.len() as u64 + lost + held, counter.read());
        assert!(lost <= crashes * block);
    }

    #[test]
    fn a_crash_between_read_and_compare_and_set_loses_nothing() {
        let mut counter = Counter::new(u64::MAX);
        {
            let mut a = RangeAllocator::new(10);
            assert_eq!(a.step(&mut counter), Step::Leasing); // read 0
        } // `a` crashes before its compare-and-set: the counter never moved
        assert_eq!(counter.read(), 0);
        let mut b = RangeAllocator::new(10);
        assert_eq!(b.next_id(&mut counter), Ok(0));
    }

    #[test]
    fn stops_cleanly_at_the_limit_with_a_short_last_block() {
        let mut counter = Counter::new(25);
        let mut a = RangeAllocator::new(10);
        let ids: Vec<u64> = std::iter::from_fn(|| a.next_id(&mut counter).ok()).collect();
        assert_eq!(ids, (0..25).collect::<Vec<_>>());
        assert_eq!(a.next_id(&mut counter), Err(Exhausted));
    }

    /// The checker can fail: a lease that writes the counter without comparing first
    /// (read, then blind write) hands the same block to two servers.
    #[test]
    fn a_blind_write_instead_of_compare_and_set_issues_duplicates() {
        let mut counter = Counter::new(u64::MAX);
        let start_a = counter.read();
        let start_b = counter.read(); // both servers read 0
        counter.next = start_a + 10; // server A writes 10 and takes 0..10
        assert_eq!(counter.read(), 10);
        counter.next = start_b + 10; // server B writes 10 as well and takes 0..10
        assert_eq!(start_a..start_a + 10, start_b..start_b + 10); // the same block, twice
        assert_eq!(counter.read(), 10); // 20 IDs handed out, the counter moved by 10
        // With compare-and-set the second write fails and B reads again.
        let mut counter = Counter::new(u64::MAX);
        let (a, b) = (counter.read(), counter.read());
        assert!(counter.compare_and_set(a, a + 10));
        assert!(!counter.compare_and_set(b, b + 10));
    }
}
