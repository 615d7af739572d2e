//! A checker for two session guarantees: read your writes and monotonic reads.
//!
//! In: a [`History`] and the order in which the writes took effect (the leader's log, as
//! [`sim::Run`](super::sim::Run) records it). Out: every pair of operations of one process
//! that breaks a guarantee, as a [`SessionViolation`].
//!
//! Terry et al. (1994) define the guarantees per session, against the order in which the
//! servers apply writes. Here a session is a process of the history and the guarantees are
//! checked key by key: a read must return the process's own latest completed write to the
//! key or a later write (read your writes), and must not return an earlier write than the
//! process's previous read of the key did (monotonic reads).

use std::collections::HashMap;

use super::history::{Action, History, INITIAL, Value};

/// A pair of operations of one process that breaks a session guarantee; the numbers are
/// indexes into the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionViolation {
    /// The read returned a write older than the process's own completed write.
    ReadYourWrites {
        /// The process's write.
        write: usize,
        /// Its later read, which missed it.
        read: usize,
    },
    /// The later read returned an older write than the earlier read did.
    MonotonicReads {
        /// The first read.
        first: usize,
        /// The second read, which went back in time.
        second: usize,
    },
}

/// Every violation of read your writes and monotonic reads in `history`, given the order
/// in which the writes took effect (`log[0]` first). A value missing from the log never
/// took effect; a read cannot return it, and a write of it is skipped.
///
/// ```
/// use snippets::consistency::history::{History, Op};
/// use snippets::consistency::session::{SessionViolation, check_sessions};
///
/// // Process 1 writes 5, then reads from a replica that has not applied it.
/// let h = History::new(vec![Op::write(1, 5, 0, 10), Op::read(1, 0, 20, 30)]).unwrap();
/// let log = [(0, 5)];
/// assert_eq!(check_sessions(&h, &log), vec![SessionViolation::ReadYourWrites { write: 0, read: 1 }]);
/// ```
pub fn check_sessions(history: &History, log: &[(u32, Value)]) -> Vec<SessionViolation> {
    // The position of each write in the log: 0 for the initial value.
    let mut version: HashMap<Value, usize> = HashMap::from([(INITIAL, 0)]);
    for (i, &(_, value)) in log.iter().enumerate() {
        version.insert(value, i + 1);
    }
    let ops = history.ops();
    let mut found = Vec::new();
    for (i, earlier) in ops.iter().enumerate() {
        for (j, later) in ops.iter().enumerate() {
            if earlier.process != later.process
                || earlier.key != later.key
                || !earlier.precedes(later)
            {
                continue;
            }
            let Action::Read(Some(seen)) = later.action else {
                continue;
            };
            let seen = version[&seen];
            match earlier.action {
                Action::Write(value) if version.get(&value).is_some_and(|&v| seen < v) => {
                    found.push(SessionViolation::ReadYourWrites { write: i, read: j });
                }
                Action::Read(Some(value)) if seen < version[&value] => {
                    found.push(SessionViolation::MonotonicReads {
                        first: i,
                        second: j,
                    });
                }
                _ => {}
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consistency::history::Op;

    #[test]
    fn a_read_going_back_in_time_breaks_monotonic_reads() {
        let h = History::new(vec![
            Op::write(1, 5, 0, 10),
            Op::read(2, 5, 20, 30),
            Op::read(2, 0, 40, 50),
        ])
        .unwrap();
        assert_eq!(
            check_sessions(&h, &[(0, 5)]),
            vec![SessionViolation::MonotonicReads {
                first: 1,
                second: 2
            }]
        );
    }

    #[test]
    fn other_processes_and_other_keys_do_not_count() {
        let h = History::new(vec![
            Op::write(1, 5, 0, 10),
            Op::read(2, 0, 20, 30),       // another process may lag
            Op::read(1, 0, 40, 50).on(1), // another key was never written
        ])
        .unwrap();
        assert!(check_sessions(&h, &[(0, 5)]).is_empty());
    }

    #[test]
    fn a_newer_value_than_ones_own_write_is_fine() {
        let h = History::new(vec![
            Op::write(1, 5, 0, 10),
            Op::write(2, 6, 0, 10),
            Op::read(1, 6, 20, 30),
        ])
        .unwrap();
        assert!(check_sessions(&h, &[(0, 5), (0, 6)]).is_empty());
        // But not if the log applied 6 first.
        assert_eq!(check_sessions(&h, &[(0, 6), (0, 5)]).len(), 1);
    }
}
