//! The safety checker: Raft's guarantees, checked after every event of a run.
//!
//! In: each server's state after each event that touched it, and every vote granted.
//! Out: the list of violations, empty when the run was safe. The properties are those of
//! Figure 3 of Ongaro and Ousterhout (2014), plus two rules about persistent state:
//!
//! - **Election Safety**: at most one leader per term.
//! - **Leader Append-Only**: a leader never overwrites or deletes entries in its own log.
//! - **Log Matching**: two logs with an entry of the same index and term are identical up
//!   to that index. Checked as "an (index, term) pair always names the same command and
//!   the same previous term", which implies it by induction on the index.
//! - **Leader Completeness**: a leader's log holds every entry committed before it won.
//! - **State Machine Safety**: no two servers apply different entries at one index.
//! - A server's term never decreases, and it grants at most one vote per term, across
//!   restarts.
//!
//! The checker keeps global maps (term to leader, index to committed entry, and so on), so
//! each check costs time in proportion to what changed, not to the whole history.

use super::node::{Entry, Index, Node, NodeId, Role, Term};
use std::collections::BTreeMap;
use std::fmt;

/// One broken guarantee, with where it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// Two servers were leader in the same term.
    ElectionSafety {
        /// The term.
        term: Term,
        /// The first leader seen in it.
        first: NodeId,
        /// The second.
        second: NodeId,
    },
    /// A leader removed or changed an entry of its own log.
    LeaderAppendOnly {
        /// The leader.
        node: NodeId,
        /// Its term.
        term: Term,
    },
    /// One (index, term) pair named two different entries or histories.
    LogMatching {
        /// The index.
        index: Index,
        /// The term.
        term: Term,
    },
    /// A new leader lacked a committed entry.
    LeaderCompleteness {
        /// The leader.
        node: NodeId,
        /// Its term.
        term: Term,
        /// The first committed index its log does not hold.
        index: Index,
    },
    /// Two different entries were committed at one index, or a committed entry was removed.
    StateMachineSafety {
        /// The index.
        index: Index,
        /// The server that disagreed with the first commit there.
        node: NodeId,
    },
    /// A server's term went down, for example after a restart that lost it.
    TermDecreased {
        /// The server.
        node: NodeId,
    },
    /// A server granted votes to two candidates in one term.
    DoubleVote {
        /// The voter.
        node: NodeId,
        /// The term.
        term: Term,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::ElectionSafety {
                term,
                first,
                second,
            } => write!(
                f,
                "election safety: servers {first} and {second} both lead term {term}"
            ),
            Violation::LeaderAppendOnly { node, term } => {
                write!(
                    f,
                    "leader append-only: server {node} rewrote its log in term {term}"
                )
            }
            Violation::LogMatching { index, term } => {
                write!(
                    f,
                    "log matching: two different entries at index {index}, term {term}"
                )
            }
            Violation::LeaderCompleteness { node, term, index } => write!(
                f,
                "leader completeness: server {node} leads term {term} without committed index {index}"
            ),
            Violation::StateMachineSafety { index, node } => {
                write!(
                    f,
                    "state machine safety: server {node} disagrees at committed index {index}"
                )
            }
            Violation::TermDecreased { node } => write!(f, "server {node}'s term went down"),
            Violation::DoubleVote { node, term } => {
                write!(f, "server {node} voted twice in term {term}")
            }
        }
    }
}

/// What the checker remembers about one server between events.
#[derive(Debug, Clone, Default)]
struct Seen {
    term: Term,
    /// The log as of the last check, to find what changed.
    log: Vec<Entry>,
    /// The commit index as of the last check in this incarnation (0 after a restart).
    commit: Index,
    /// The term in which this server was last seen as leader.
    leading: Option<Term>,
}

/// Checks Raft's safety properties incrementally; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct Checker {
    seen: Vec<Seen>,
    leaders: BTreeMap<Term, NodeId>,
    votes: BTreeMap<(NodeId, Term), NodeId>,
    /// (index, term) to (command, term of the previous entry).
    entries: BTreeMap<(Index, Term), (u64, Term)>,
    committed: Vec<Entry>,
    violations: Vec<Violation>,
}

impl Checker {
    /// A checker for a cluster of `cluster` servers.
    pub fn new(cluster: usize) -> Checker {
        Checker {
            seen: vec![Seen::default(); cluster],
            ..Checker::default()
        }
    }

    /// Every violation found so far, in order.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The entries known to be committed, by index (`committed()[0]` has index 1).
    pub fn committed(&self) -> &[Entry] {
        &self.committed
    }

    fn report(&mut self, v: Violation) {
        if !self.violations.contains(&v) {
            self.violations.push(v);
        }
    }

    /// Records a vote granted by `voter` to `candidate` in `term`.
    pub fn vote(&mut self, voter: NodeId, candidate: NodeId, term: Term) {
        let first = *self.votes.entry((voter, term)).or_insert(candidate);
        if first != candidate {
            self.report(Violation::DoubleVote { node: voter, term });
        }
    }

    /// Tells the checker that `node` restarted: its commit index starts again from 0.
    pub fn restarted(&mut self, node: NodeId) {
        self.seen[node].commit = 0;
        self.seen[node].leading = None;
    }

    /// Checks one server after an event that may have changed it.
    pub fn observe(&mut self, node: &Node) {
        let id = node.id();
        let term = node.term();
        if term < self.seen[id].term {
            self.report(Violation::TermDecreased { node: id });
        }
        self.check_log(node);
        if node.role() == Role::Leader {
            self.check_leader(node);
        } else {
            self.seen[id].leading = None;
        }
        self.check_commits(node);
        let seen = &mut self.seen[id];
        seen.term = term;
        seen.commit = node.commit_index();
    }

    fn check_log(&mut self, node: &Node) {
        let id = node.id();
        let log = node.log();
        let old = std::mem::take(&mut self.seen[id].log);
        let same = old.iter().zip(log).take_while(|(a, b)| a == b).count();
        if same < old.len() {
            // Entries were removed or replaced from index same + 1 on.
            if self.seen[id].commit > same {
                self.report(Violation::StateMachineSafety {
                    index: same + 1,
                    node: id,
                });
            }
            if self.seen[id].leading == Some(node.term()) {
                self.report(Violation::LeaderAppendOnly {
                    node: id,
                    term: node.term(),
                });
            }
        }
        for (offset, entry) in log[same..].iter().enumerate() {
            let index = same + offset + 1;
            let prev_term = if index == 1 { 0 } else { log[index - 2].term };
            let named = *self
                .entries
                .entry((index, entry.term))
                .or_insert((entry.command, prev_term));
            if named != (entry.command, prev_term) {
                self.report(Violation::LogMatching {
                    index,
                    term: entry.term,
                });
            }
        }
        self.seen[id].log = log.to_vec();
    }

    fn check_leader(&mut self, node: &Node) {
        let (id, term) = (node.id(), node.term());
        let first = *self.leaders.entry(term).or_insert(id);
        if first != id {
            self.report(Violation::ElectionSafety {
                term,
                first,
                second: id,
            });
        }
        if self.seen[id].leading != Some(term) {
            // Just elected: its log must hold everything committed so far.
            let missing = self
                .committed
                .iter()
                .enumerate()
                .find(|(i, e)| node.log().get(*i) != Some(e));
            if let Some((i, _)) = missing {
                self.report(Violation::LeaderCompleteness {
                    node: id,
                    term,
                    index: i + 1,
                });
            }
            self.seen[id].leading = Some(term);
        }
    }

    fn check_commits(&mut self, node: &Node) {
        let id = node.id();
        let from = self.seen[id].commit;
        let to = node.commit_index().min(node.log().len());
        for index in from + 1..=to {
            let entry = node.log()[index - 1];
            match self.committed.get(index - 1) {
                Some(first) if *first != entry => {
                    self.report(Violation::StateMachineSafety { index, node: id });
                }
                Some(_) => {}
                None => self.committed.push(entry),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::node::{Config, Message, Persistent};

    #[test]
    fn two_votes_in_one_term_are_caught() {
        let mut c = Checker::new(3);
        c.vote(0, 1, 4);
        c.vote(0, 1, 4); // a duplicate of the same vote is fine
        assert!(c.violations().is_empty());
        c.vote(0, 2, 4);
        assert_eq!(
            c.violations(),
            &[Violation::DoubleVote { node: 0, term: 4 }]
        );
    }

    #[test]
    fn two_leaders_in_one_term_are_caught() {
        // Two servers that each win term 1 with a vote from a third: impossible in one
        // cluster, which is exactly what the checker must notice.
        let mut c = Checker::new(3);
        for (id, voter) in [(0, 2), (1, 2)] {
            let mut n = Node::new(id, 3, Config::default(), 1);
            n.timeout_now();
            let vote = Message::Vote {
                term: 1,
                granted: true,
            };
            n.step(voter, vote);
            assert_eq!(n.role(), Role::Leader);
            c.observe(&n);
        }
        assert!(matches!(
            c.violations()[0],
            Violation::ElectionSafety { term: 1, .. }
        ));
    }

    #[test]
    fn a_leader_without_a_committed_entry_is_caught() {
        let mut c = Checker::new(3);
        let state = Persistent {
            current_term: 1,
            voted_for: None,
            log: vec![Entry {
                term: 1,
                command: 5,
            }],
        };
        let mut follower = Node::restart(1, 3, Config::default(), state, 1);
        follower.step(
            0,
            Message::AppendEntries {
                term: 1,
                prev_log_index: 1,
                prev_log_term: 1,
                entries: vec![],
                leader_commit: 1,
            },
        );
        c.observe(&follower);
        assert_eq!(c.committed().len(), 1);
        // Server 2 has an empty log and wins term 2 anyway.
        let mut rogue = Node::new(2, 3, Config::default(), 1);
        rogue.timeout_now();
        rogue.timeout_now();
        rogue.step(
            0,
            Message::Vote {
                term: 2,
                granted: true,
            },
        );
        c.observe(&rogue);
        assert!(matches!(
            c.violations()[0],
            Violation::LeaderCompleteness {
                node: 2,
                term: 2,
                index: 1
            }
        ));
    }
}
