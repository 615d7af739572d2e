//! Histories: what clients of a replicated register or key-value map saw.
//!
//! In: operations, each with the process that issued it, the key, what it did (a write of a
//! value, or a read and the value it returned), the time it was invoked and the time it
//! returned, if it ever did. Out: a [`History`] that the checkers in
//! [`check`](super::check) and [`session`](super::session) judge.
//!
//! An operation without a return time is *indeterminate*, Knossos's `info`: the client
//! timed out or crashed, so the operation may have taken effect at any moment after its
//! invocation, or never. As in Knossos, the process that issued it issues nothing more;
//! a client that carries on does so as a new process.

/// A point in time, in whatever unit the history was recorded in; only the order matters.
pub type Time = u64;

/// A value held by a register. Every register starts at [`INITIAL`].
pub type Value = u64;

/// The value of a register that nobody has written yet.
pub const INITIAL: Value = 0;

/// What an operation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Set the register to a value.
    Write(Value),
    /// Read the register. `None` only for a read that never returned: its value is unknown.
    Read(Option<Value>),
}

/// One operation of one process on one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op {
    /// The client process that issued it; its operations never overlap.
    pub process: u32,
    /// The register it addressed. A history of a single register uses key 0.
    pub key: u32,
    /// What it did.
    pub action: Action,
    /// When the client invoked it.
    pub call: Time,
    /// When it returned, or `None` if it never did (a timeout or a crash).
    pub ret: Option<Time>,
}

impl Op {
    /// A completed write of `value` to key 0.
    pub fn write(process: u32, value: Value, call: Time, ret: Time) -> Op {
        Op {
            process,
            key: 0,
            action: Action::Write(value),
            call,
            ret: Some(ret),
        }
    }

    /// A completed read of key 0 that returned `value`.
    pub fn read(process: u32, value: Value, call: Time, ret: Time) -> Op {
        Op {
            process,
            key: 0,
            action: Action::Read(Some(value)),
            call,
            ret: Some(ret),
        }
    }

    /// A write of `value` to key 0 whose outcome the client never learned.
    pub fn write_unknown(process: u32, value: Value, call: Time) -> Op {
        Op {
            process,
            key: 0,
            action: Action::Write(value),
            call,
            ret: None,
        }
    }

    /// The same operation on another key.
    pub fn on(self, key: u32) -> Op {
        Op { key, ..self }
    }

    /// Whether it returned.
    pub fn completed(&self) -> bool {
        self.ret.is_some()
    }

    /// Whether `self` returned before `other` was invoked: then every correct
    /// linearization must order `self` first.
    pub fn precedes(&self, other: &Op) -> bool {
        self.ret.is_some_and(|ret| ret < other.call)
    }
}

/// A list of operations, in any order, that passed [`History::new`]'s checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    ops: Vec<Op>,
}

/// Why a list of operations is not a well-formed history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Malformed {
    /// An operation returned before it was invoked.
    ReturnsBeforeCall(usize),
    /// Two operations of one process overlap in time.
    Overlap(usize, usize),
    /// A process issued an operation after one that never returned.
    AfterUnknown(usize),
    /// A read that returned has no value.
    ReadWithoutValue(usize),
}

impl History {
    /// Checks that each process runs one operation at a time and stops after an
    /// indeterminate one, then keeps the operations in the order given.
    ///
    /// ```
    /// use snippets::consistency::history::{History, Op};
    ///
    /// let ok = History::new(vec![Op::write(1, 5, 0, 10), Op::read(1, 5, 11, 20)]);
    /// assert!(ok.is_ok());
    /// // One process with two operations at once is not a client history.
    /// let bad = History::new(vec![Op::write(1, 5, 0, 10), Op::read(1, 5, 5, 20)]);
    /// assert!(bad.is_err());
    /// ```
    pub fn new(ops: Vec<Op>) -> Result<History, Malformed> {
        for (i, op) in ops.iter().enumerate() {
            if op.ret.is_some_and(|ret| ret < op.call) {
                return Err(Malformed::ReturnsBeforeCall(i));
            }
            if op.ret.is_some() && op.action == Action::Read(None) {
                return Err(Malformed::ReadWithoutValue(i));
            }
        }
        for (i, a) in ops.iter().enumerate() {
            for (j, b) in ops.iter().enumerate().skip(i + 1) {
                if a.process != b.process {
                    continue;
                }
                let (first, second, fi, si) = if a.call <= b.call {
                    (a, b, i, j)
                } else {
                    (b, a, j, i)
                };
                match first.ret {
                    None => return Err(Malformed::AfterUnknown(si)),
                    Some(ret) if ret >= second.call => return Err(Malformed::Overlap(fi, si)),
                    Some(_) => {}
                }
            }
        }
        Ok(History { ops })
    }

    /// The operations, in the order given to [`History::new`].
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// How many operations it holds.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether it holds no operation.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The sub-history of each key, in key order: the pieces that
    /// [`check_map`](super::check::check_map) checks one at a time.
    pub fn by_key(&self) -> Vec<(u32, History)> {
        let mut keys: Vec<u32> = self.ops.iter().map(|op| op.key).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
            .map(|key| {
                let ops = self
                    .ops
                    .iter()
                    .filter(|op| op.key == key)
                    .copied()
                    .collect();
                (key, History { ops })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_stops_after_an_unknown_outcome() {
        let ops = vec![Op::write_unknown(1, 5, 0), Op::read(1, 5, 10, 20)];
        assert_eq!(History::new(ops), Err(Malformed::AfterUnknown(1)));
    }

    #[test]
    fn returns_before_call_is_rejected() {
        assert_eq!(
            History::new(vec![Op::read(1, 0, 10, 5)]),
            Err(Malformed::ReturnsBeforeCall(0))
        );
    }

    #[test]
    fn by_key_splits_and_keeps_order() {
        let h = History::new(vec![
            Op::write(1, 1, 0, 1).on(7),
            Op::write(2, 2, 0, 1).on(3),
            Op::read(1, 1, 2, 3).on(7),
        ])
        .unwrap();
        let parts = h.by_key();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].0, 3);
        assert_eq!(parts[1].1.ops()[1], Op::read(1, 1, 2, 3).on(7));
    }
}
