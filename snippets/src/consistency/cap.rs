//! The CAP theorem's proof, run: a register on two replicas, a scripted partition between
//! them, and two policies for a replica that cannot reach its peer.
//!
//! In: a [`Policy`] and a script of client requests, partitions and heals
//! ([`Step`]). Out: a [`CapRun`] holding the client history, ready for
//! [`check`](super::check::check), how many requests were answered and how many refused,
//! and whether the two copies ever differed.
//!
//! Under [`Policy::Cp`] a replica that cannot reach its peer refuses every request before it
//! changes anything, so a refused write certainly did not take effect. An operation that
//! certainly did not happen constrains no order, so the history leaves it out; only the
//! count remains.
//! Under [`Policy::Ap`] the replica answers from its own copy, and the two copies reconcile
//! when the partition heals: each keeps the write with the larger Lamport timestamp.

use super::history::{History, INITIAL, Op, Time, Value};

/// What a replica does with a request while it cannot reach its peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Refuse: the client gets an error, and the register stays linearizable.
    Cp,
    /// Answer from the local copy, and let the copies diverge until the partition heals.
    Ap,
}

/// One step of a script. Replicas are 0 (A) and 1 (B).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A client process writes a value through a replica.
    Write {
        /// The client process.
        process: u32,
        /// The replica it asks.
        replica: usize,
        /// The value written.
        value: Value,
    },
    /// A client process reads through a replica.
    Read {
        /// The client process.
        process: u32,
        /// The replica it asks.
        replica: usize,
    },
    /// Every message between the replicas is lost from now on.
    Partition,
    /// Messages flow again; the replicas exchange their copies.
    Heal,
}

/// What a scripted run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapRun {
    /// The operations clients saw complete; refused ones are left out.
    pub history: History,
    /// Requests that got an answer.
    pub answered: usize,
    /// Requests that got an error.
    pub refused: usize,
    /// Whether the two copies ever held different values after a request.
    pub diverged: bool,
    /// The value each replica holds at the end.
    pub copies: [Value; 2],
}

/// A copy of the register: its value and the Lamport timestamp of the write that set it,
/// `(counter, replica)`, so that two writes made on different sides are ordered the same
/// way by both replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Replica {
    value: Value,
    stamp: (u64, usize),
}

/// Two replicas and the link between them.
#[derive(Debug, Clone)]
struct Pair {
    copies: [Replica; 2],
    connected: bool,
    policy: Policy,
}

impl Pair {
    // region: serve
    /// Serves one request at `replica`: `Some(value)` to write, `None` to read. Returns the
    /// value the client is told, or `None` for an error.
    fn serve(&mut self, replica: usize, write: Option<Value>) -> Option<Value> {
        if !self.connected && self.policy == Policy::Cp {
            return None; // cannot reach the peer: refuse before changing anything
        }
        if let Some(value) = write {
            let stamp = (self.copies[replica].stamp.0 + 1, replica);
            self.copies[replica] = Replica { value, stamp };
            if self.connected {
                self.copies[1 - replica] = self.copies[replica]; // synchronous copy
            }
            // Under AP while cut off, only the local copy changes: the two diverge.
        }
        Some(self.copies[replica].value)
    }

    /// Called when the partition heals: both replicas keep the later write.
    fn reconcile(&mut self) {
        let later = self.copies.iter().copied().max_by_key(|c| c.stamp).unwrap();
        self.copies = [later; 2];
    }
    // endregion: serve
}

/// Runs `script` under `policy`. Each request is invoked at an even time and returns one unit
/// later, so requests never overlap and "after" in the script is "after" in real time.
pub fn run(policy: Policy, script: &[Step]) -> CapRun {
    let start = Replica {
        value: INITIAL,
        stamp: (0, 0),
    };
    let mut pair = Pair {
        copies: [start; 2],
        connected: true,
        policy,
    };
    let (mut ops, mut answered, mut refused, mut diverged) = (Vec::new(), 0, 0, false);
    let mut now: Time = 0;
    for step in script {
        let (process, replica, write) = match *step {
            Step::Write {
                process,
                replica,
                value,
            } => (process, replica, Some(value)),
            Step::Read { process, replica } => (process, replica, None),
            Step::Partition => {
                pair.connected = false;
                continue;
            }
            Step::Heal => {
                pair.connected = true;
                pair.reconcile();
                continue;
            }
        };
        let (call, ret) = (now, now + 1);
        now += 2;
        match (pair.serve(replica, write), write) {
            (None, _) => refused += 1,
            (Some(_), Some(value)) => {
                answered += 1;
                ops.push(Op::write(process, value, call, ret));
            }
            (Some(value), None) => {
                answered += 1;
                ops.push(Op::read(process, value, call, ret));
            }
        }
        diverged |= pair.copies[0].value != pair.copies[1].value;
    }
    CapRun {
        history: History::new(ops).expect("one request at a time per process"),
        answered,
        refused,
        diverged,
        copies: [pair.copies[0].value, pair.copies[1].value],
    }
}

/// The run of Gilbert and Lynch's proof: client 1 writes 1 at A; the network splits; client 1
/// writes 2 at A; after that write has returned, client 2 reads at B; the network heals;
/// client 2 reads at B again.
pub fn cap_demo(policy: Policy) -> CapRun {
    let (a, b) = (0, 1);
    run(
        policy,
        &[
            Step::Write {
                process: 1,
                replica: a,
                value: 1,
            },
            Step::Partition,
            Step::Write {
                process: 1,
                replica: a,
                value: 2,
            },
            Step::Read {
                process: 2,
                replica: b,
            },
            Step::Heal,
            Step::Read {
                process: 2,
                replica: b,
            },
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consistency::check::{Register, Rule, check};
    use crate::consistency::history::Action;

    fn values(run: &CapRun) -> Vec<Action> {
        run.history.ops().iter().map(|op| op.action).collect()
    }

    #[test]
    fn cp_refuses_both_requests_during_the_partition_and_stays_linearizable() {
        let run = cap_demo(Policy::Cp);
        assert_eq!((run.answered, run.refused), (2, 2));
        assert!(!run.diverged);
        assert_eq!(run.copies, [1, 1]);
        // The write of 2 never happened; the read after healing sees 1.
        assert_eq!(values(&run), [Action::Write(1), Action::Read(Some(1))]);
        assert!(check(&run.history, &Register, Rule::Linearizable).ok());
    }

    #[test]
    fn ap_answers_everything_diverges_and_is_not_linearizable() {
        let run = cap_demo(Policy::Ap);
        assert_eq!((run.answered, run.refused), (4, 0));
        assert!(run.diverged);
        assert_eq!(run.copies, [2, 2], "reconciled after healing");
        assert_eq!(
            values(&run),
            [
                Action::Write(1),
                Action::Write(2),
                Action::Read(Some(1)), // B had not heard of 2
                Action::Read(Some(2)),
            ]
        );
        let verdict = check(&run.history, &Register, Rule::Linearizable);
        assert!(!verdict.ok());
        // The stale read is what no order can place.
        assert!(!verdict.longest.contains(&2));
        // Without real time, the stale read can go before the second write.
        assert!(check(&run.history, &Register, Rule::Sequential).ok());
    }

    #[test]
    fn without_a_partition_both_policies_answer_and_agree() {
        let script = [
            Step::Write {
                process: 1,
                replica: 0,
                value: 7,
            },
            Step::Read {
                process: 2,
                replica: 1,
            },
        ];
        for policy in [Policy::Cp, Policy::Ap] {
            let run = run(policy, &script);
            assert_eq!((run.answered, run.refused), (2, 0));
            assert!(check(&run.history, &Register, Rule::Linearizable).ok());
        }
    }

    #[test]
    fn writes_on_both_sides_converge_to_the_same_value() {
        let script = [
            Step::Partition,
            Step::Write {
                process: 1,
                replica: 0,
                value: 1,
            },
            Step::Write {
                process: 2,
                replica: 1,
                value: 2,
            },
            Step::Heal,
        ];
        let run = run(Policy::Ap, &script);
        // Equal counters; the replica number breaks the tie, the same way on both sides.
        assert_eq!(run.copies, [2, 2]);
    }
}
