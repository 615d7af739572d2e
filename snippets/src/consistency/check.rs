//! Checkers for linearizability and sequential consistency of a history.
//!
//! In: a [`History`] of reads and writes, a [`Model`] of the object (one register, or a map
//! of registers) and a [`Rule`]. Out: a [`Check`] holding either an order of the operations
//! that the model accepts and the rule allows (a witness), or the longest prefix of one the
//! search could build before it got stuck.
//!
//! The search is Wing and Gong's (1993): pick an operation that may come next, apply it to
//! the model, recurse, and back up when the model refuses. Lowe (2017) added the memo that
//! makes it practical: the search reaches the same configuration, the same set of placed
//! operations with the same model state, along many paths, and explores each only once.
//! Porcupine and Knossos use the same idea. A map is checked one key at a time
//! ([`check_map`]): linearizability is local (Herlihy and Wing, 1990), which Horn and
//! Kroening (2015) call P-compositionality. Sequential consistency is not local, so
//! [`check`] with [`Map`] checks the whole map at once.

use std::collections::{BTreeMap, HashSet};
use std::hash::Hash;

use super::history::{Action, History, INITIAL, Op, Value};

/// Which orders of the operations count as explanations of the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Herlihy and Wing: an operation that returned before another was invoked comes first.
    Linearizable,
    /// Lamport: only each process's own order is kept; real time between processes is not.
    Sequential,
}

/// A sequential specification: what an operation does to the object's state.
pub trait Model {
    /// The object's state; the memo stores one per configuration, so keep it small.
    type State: Clone + Eq + Hash;
    /// The state before any operation.
    fn init(&self) -> Self::State;
    /// The state after `op`, or `None` when `op` cannot happen in `state` (a read that
    /// returned a value the object does not hold).
    fn apply(&self, state: &Self::State, op: &Op) -> Option<Self::State>;
}

/// One register; the keys of the operations are ignored.
#[derive(Debug, Clone, Copy, Default)]
pub struct Register;

impl Model for Register {
    type State = Value;

    fn init(&self) -> Value {
        INITIAL
    }

    fn apply(&self, state: &Value, op: &Op) -> Option<Value> {
        match op.action {
            Action::Write(value) => Some(value),
            Action::Read(Some(value)) => (value == *state).then_some(*state),
            // The checker drops reads that never returned before it searches.
            Action::Read(None) => Some(*state),
        }
    }
}

/// A map from keys to registers, every key starting at [`INITIAL`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Map;

impl Model for Map {
    type State = BTreeMap<u32, Value>;

    fn init(&self) -> Self::State {
        BTreeMap::new()
    }

    fn apply(&self, state: &Self::State, op: &Op) -> Option<Self::State> {
        let current = state.get(&op.key).copied().unwrap_or(INITIAL);
        let next = Register.apply(&current, op)?;
        let mut state = state.clone();
        state.insert(op.key, next);
        Some(state)
    }
}

/// The verdict of a search, with what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// A legal order of the operations (indexes into the history), if there is one. It
    /// holds every operation that returned, and each indeterminate write that took effect.
    pub witness: Option<Vec<usize>>,
    /// The longest prefix of a legal order that the search built. When there is no witness,
    /// the operations left out of it are where the history goes wrong.
    pub longest: Vec<usize>,
    /// Configurations explored: distinct pairs of (set of placed operations, model state).
    pub explored: usize,
}

impl Check {
    /// Whether the history satisfies the rule.
    pub fn ok(&self) -> bool {
        self.witness.is_some()
    }
}

/// Whether `history` has an order of its operations that `model` accepts and `rule` allows.
///
/// ```
/// use snippets::consistency::check::{Register, Rule, check};
/// use snippets::consistency::history::{History, Op};
///
/// // Process 1 writes 1 and finishes at time 10; process 2 then reads 0.
/// let stale = History::new(vec![Op::write(1, 1, 0, 10), Op::read(2, 0, 20, 30)]).unwrap();
/// assert!(!check(&stale, &Register, Rule::Linearizable).ok());
/// // Without real time, the read can be ordered first.
/// assert!(check(&stale, &Register, Rule::Sequential).ok());
/// ```
pub fn check<M: Model>(history: &History, model: &M, rule: Rule) -> Check {
    // A read that never returned changes nothing and tells nothing: leave it out.
    let keep: Vec<usize> = (0..history.len())
        .filter(|&i| {
            history.ops()[i].completed() || matches!(history.ops()[i].action, Action::Write(_))
        })
        .collect();
    let ops: Vec<Op> = keep.iter().map(|&i| history.ops()[i]).collect();
    let mut search = Search {
        model,
        rule,
        required: ops.iter().filter(|op| op.completed()).count(),
        ops,
        memo: HashSet::new(),
        path: Vec::new(),
        longest: Vec::new(),
    };
    let done = vec![0u64; search.ops.len().div_ceil(64)];
    let found = search.dfs(&done, &model.init(), 0);
    let original = |order: &[usize]| order.iter().map(|&i| keep[i]).collect::<Vec<_>>();
    Check {
        witness: found.then(|| original(&search.path)),
        longest: original(&search.longest),
        explored: search.memo.len(),
    }
}

/// Whether a map history is linearizable, checked one key at a time.
///
/// Returns the first key whose history is not, with its [`Check`].
///
/// ```
/// use snippets::consistency::check::check_map;
/// use snippets::consistency::history::{History, Op};
///
/// let h = History::new(vec![
///     Op::write(1, 7, 0, 10).on(1),
///     Op::read(2, 7, 20, 30).on(1), // key 1: sees the write
///     Op::read(2, 0, 40, 50).on(2), // key 2: never written
/// ])
/// .unwrap();
/// assert!(check_map(&h).is_ok());
/// ```
pub fn check_map(history: &History) -> Result<(), (u32, Check)> {
    for (key, part) in history.by_key() {
        let verdict = check(&part, &Register, Rule::Linearizable);
        if !verdict.ok() {
            return Err((key, verdict));
        }
    }
    Ok(())
}

/// The state of one depth-first search.
struct Search<'m, M: Model> {
    model: &'m M,
    rule: Rule,
    ops: Vec<Op>,
    /// How many operations must be placed: every one that returned.
    required: usize,
    /// Configurations already explored, each known to lead nowhere or to be on the path.
    memo: HashSet<(Vec<u64>, M::State)>,
    path: Vec<usize>,
    longest: Vec<usize>,
}

impl<M: Model> Search<'_, M> {
    // region: search
    /// Extends the current order (`done`, ending in `state`) to a complete one, if it can.
    fn dfs(&mut self, done: &[u64], state: &M::State, placed: usize) -> bool {
        if placed == self.required {
            return true;
        }
        for i in 0..self.ops.len() {
            if is_set(done, i) || !self.may_go_next(done, i) {
                continue;
            }
            let op = self.ops[i];
            let Some(next) = self.model.apply(state, &op) else {
                continue;
            };
            let mut with_i = done.to_vec();
            with_i[i / 64] |= 1 << (i % 64);
            // Lowe's memo: this set of operations ending in this state was tried already.
            if !self.memo.insert((with_i.clone(), next.clone())) {
                continue;
            }
            self.path.push(i);
            if self.path.len() > self.longest.len() {
                self.longest = self.path.clone();
            }
            // An indeterminate write that takes effect counts for nothing towards `required`.
            if self.dfs(&with_i, &next, placed + usize::from(op.completed())) {
                return true;
            }
            self.path.pop();
        }
        false
    }

    /// Whether operation `i` may be the next one placed, given the set `done`.
    fn may_go_next(&self, done: &[u64], i: usize) -> bool {
        let op = &self.ops[i];
        self.ops.iter().enumerate().all(|(j, other)| {
            is_set(done, j)
                || match self.rule {
                    // Nothing still unplaced returned before `op` was invoked.
                    Rule::Linearizable => !other.precedes(op),
                    // Nothing still unplaced comes earlier in `op`'s own process.
                    Rule::Sequential => other.process != op.process || other.call >= op.call,
                }
        })
    }
    // endregion: search
}

fn is_set(bits: &[u64], i: usize) -> bool {
    bits[i / 64] & (1 << (i % 64)) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(ops: Vec<Op>) -> History {
        History::new(ops).unwrap()
    }

    fn linearizable(h: &History) -> bool {
        check(h, &Register, Rule::Linearizable).ok()
    }

    fn sequential(h: &History) -> bool {
        check(h, &Register, Rule::Sequential).ok()
    }

    #[test]
    fn stale_read_after_a_completed_write_fails() {
        let h = history(vec![Op::write(1, 1, 0, 10), Op::read(2, 0, 20, 30)]);
        let verdict = check(&h, &Register, Rule::Linearizable);
        assert!(!verdict.ok());
        // The write goes first, and then the read of 0 fits nowhere.
        assert_eq!(verdict.longest, vec![0]);
    }

    #[test]
    fn an_overlapping_read_may_return_old_or_new() {
        for seen in [0, 1] {
            let h = history(vec![Op::write(1, 1, 0, 30), Op::read(2, seen, 10, 20)]);
            assert!(linearizable(&h), "read {seen} during the write");
        }
        // But not a value nobody wrote.
        let h = history(vec![Op::write(1, 1, 0, 30), Op::read(2, 2, 10, 20)]);
        assert!(!linearizable(&h));
    }

    #[test]
    fn new_then_old_is_sequential_but_not_linearizable() {
        // The write overlaps both reads; reader 2 sees 1, then reader 3, later, sees 0.
        let h = history(vec![
            Op::write(1, 1, 0, 100),
            Op::read(2, 1, 10, 20),
            Op::read(3, 0, 30, 40),
        ]);
        assert!(!linearizable(&h));
        assert!(sequential(&h));
    }

    #[test]
    fn sequential_consistency_keeps_each_process_in_order() {
        // One process writes 1 and then reads 0: no order of its own operations explains it.
        let h = history(vec![Op::write(1, 1, 0, 10), Op::read(1, 0, 20, 30)]);
        assert!(!sequential(&h));
    }

    #[test]
    fn concurrent_writes_must_be_seen_in_one_order() {
        // Two overlapping writes; either order is fine, as long as all readers agree.
        let writes = [Op::write(1, 1, 0, 50), Op::write(2, 2, 0, 50)];
        let agree = history(vec![
            writes[0],
            writes[1],
            Op::read(3, 1, 60, 70),
            Op::read(4, 1, 80, 90),
        ]);
        assert!(linearizable(&agree));
        let disagree = history(vec![
            writes[0],
            writes[1],
            Op::read(3, 1, 60, 70),
            Op::read(4, 2, 60, 70),
            Op::read(3, 2, 80, 90),
            Op::read(4, 1, 80, 90),
        ]);
        assert!(!linearizable(&disagree));
        assert!(!sequential(&disagree));
    }

    #[test]
    fn an_indeterminate_write_may_take_effect_late_or_never() {
        let unknown = Op::write_unknown(1, 1, 0);
        // Never took effect: later reads see 0.
        assert!(linearizable(&history(vec![
            unknown,
            Op::read(2, 0, 100, 110)
        ])));
        // Took effect long after the client gave up.
        let late = history(vec![
            unknown,
            Op::read(2, 0, 100, 110),
            Op::read(2, 1, 200, 210),
        ]);
        assert!(linearizable(&late));
        // But once seen, it cannot be unseen.
        let flicker = history(vec![
            unknown,
            Op::read(2, 1, 100, 110),
            Op::read(2, 0, 200, 210),
        ]);
        assert!(!linearizable(&flicker));
        // And it cannot take effect before it was invoked.
        let early = history(vec![Op::read(2, 1, 0, 10), Op::write_unknown(1, 1, 20)]);
        assert!(!linearizable(&early));
        assert!(sequential(&early));
    }

    #[test]
    fn a_read_that_never_returned_is_ignored() {
        let lost = Op {
            process: 2,
            key: 0,
            action: Action::Read(None),
            call: 5,
            ret: None,
        };
        let h = history(vec![Op::write(1, 1, 0, 10), lost, Op::read(3, 1, 20, 30)]);
        let verdict = check(&h, &Register, Rule::Linearizable);
        assert_eq!(verdict.witness, Some(vec![0, 2]));
    }

    #[test]
    fn the_map_is_checked_key_by_key() {
        let stale_on_key_2 = history(vec![
            Op::write(1, 5, 0, 10).on(1),
            Op::write(1, 6, 20, 30).on(2),
            Op::read(2, 5, 40, 50).on(1),
            Op::read(2, 0, 60, 70).on(2),
        ]);
        let (key, verdict) = check_map(&stale_on_key_2).unwrap_err();
        assert_eq!(key, 2);
        assert!(!verdict.ok());
        // The whole-map search agrees with the per-key one.
        assert!(!check(&stale_on_key_2, &Map, Rule::Linearizable).ok());
    }

    #[test]
    fn sequential_consistency_is_not_local() {
        // P1 writes x then reads y = 0; P2 writes y then reads x = 0. Each key alone has a
        // sequential order, the map as a whole has none.
        let h = history(vec![
            Op::write(1, 1, 0, 10).on(0),
            Op::read(1, 0, 20, 30).on(1),
            Op::write(2, 1, 0, 10).on(1),
            Op::read(2, 0, 20, 30).on(0),
        ]);
        for (_, part) in h.by_key() {
            assert!(sequential(&part));
        }
        assert!(!check(&h, &Map, Rule::Sequential).ok());
    }

    #[test]
    fn the_memo_bounds_the_search() {
        // Twelve overlapping writes and one read: without the memo, 12! orders.
        let mut ops: Vec<Op> = (1..=12).map(|v| Op::write(v as u32, v, 0, 100)).collect();
        ops.push(Op::read(13, 99, 200, 210)); // nobody wrote 99: every order fails
        let verdict = check(&history(ops), &Register, Rule::Linearizable);
        assert!(!verdict.ok());
        // At most 2^12 sets of writes, each ending in one of 12 values.
        assert!(verdict.explored <= 4096 * 12, "{}", verdict.explored);
    }
}
