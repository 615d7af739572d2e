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
//! - **Leader Completeness**: an entry committed in a term is in the log of every leader of
//!   every later term. Checked both ways round: when a server wins, against every entry
//!   already known to be committed in an earlier term; and when an entry is first seen
//!   committed, against the log of every leader of a later term seen so far (a leader
//!   elected with a late vote can win after others have moved on).
//! - A server's commit index never points past the end of its log.
//! - A leader holds votes from a majority granted in its own term.
//! - **State Machine Safety**: no two servers apply different entries at one index.
//! - A server's term never decreases, and it grants at most one vote per term, across
//!   restarts.
//!
//! The checker keeps global maps (term to leader, index to committed entry, and so on), so
//! each check costs time in proportion to what changed, not to the whole history.

use super::node::{Entry, Index, Node, NodeId, Role, Term};
use crate::quorum::majority;
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
    /// A server became leader without votes from a majority in its term (its own vote
    /// included). Every election needs them; this is the core of Election Safety.
    LeaderWithoutQuorum {
        /// The leader.
        node: NodeId,
        /// Its term.
        term: Term,
        /// The votes granted to it in that term, its own included.
        votes: usize,
    },
    /// A server's commit index pointed past the end of its log.
    CommitBeyondLog {
        /// The server.
        node: NodeId,
        /// Its commit index.
        commit: Index,
        /// The length of its log.
        len: Index,
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

impl Violation {
    /// The name of the broken property, as in the handbook: `"ElectionSafety"` and so on.
    pub fn kind(&self) -> &'static str {
        match self {
            Violation::ElectionSafety { .. } => "ElectionSafety",
            Violation::LeaderAppendOnly { .. } => "LeaderAppendOnly",
            Violation::LogMatching { .. } => "LogMatching",
            Violation::LeaderCompleteness { .. } => "LeaderCompleteness",
            Violation::StateMachineSafety { .. } => "StateMachineSafety",
            Violation::LeaderWithoutQuorum { .. } => "LeaderWithoutQuorum",
            Violation::CommitBeyondLog { .. } => "CommitBeyondLog",
            Violation::TermDecreased { .. } => "TermDecreased",
            Violation::DoubleVote { .. } => "DoubleVote",
        }
    }
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
            Violation::LeaderWithoutQuorum { node, term, votes } => write!(
                f,
                "server {node} leads term {term} with only {votes} votes granted in it"
            ),
            Violation::CommitBeyondLog { node, commit, len } => write!(
                f,
                "server {node} has commit index {commit} but only {len} entries"
            ),
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
    /// The server's truncation count at the last check; `None` when unknown (at the start
    /// and after a restart), which forces a full comparison.
    truncations: Option<u64>,
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
    /// For each committed entry, the term of the first server seen holding it committed.
    /// The entry was committed in that term or earlier, so every leader of a later term
    /// must hold it.
    commit_terms: Vec<Term>,
    /// Each term's leader and its log as last seen while it led (a leader only appends,
    /// so that log holds everything it ever held in that term).
    leader_logs: BTreeMap<Term, (NodeId, Vec<Entry>)>,
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
        self.seen[node].truncations = None;
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
        // A node's log changes only by cuts and appends. With no cut since the last check,
        // the old log is a prefix of the new one; after one cut, everything below the cut
        // is. Only the rest needs comparing, which keeps a check cheap on a long log.
        let (cuts, cut_to) = node.truncations();
        let seen_cuts = self.seen[id].truncations.replace(cuts);
        let old = &self.seen[id].log;
        let unchanged = match seen_cuts {
            Some(seen) if seen == cuts => old.len().min(log.len()),
            Some(seen) if seen + 1 == cuts => cut_to.min(old.len()).min(log.len()),
            _ => 0,
        };
        let same = unchanged
            + old[unchanged..]
                .iter()
                .zip(&log[unchanged..])
                .take_while(|(a, b)| a == b)
                .count();
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
        let seen = &mut self.seen[id].log;
        seen.truncate(same);
        seen.extend_from_slice(&log[same..]);
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
            // Just elected: its log must hold everything committed in earlier terms.
            let missing = (0..self.committed.len()).find(|&i| {
                self.commit_terms[i] < term && node.log().get(i) != Some(&self.committed[i])
            });
            if let Some(i) = missing {
                self.report(Violation::LeaderCompleteness {
                    node: id,
                    term,
                    index: i + 1,
                });
            }
            // Its own vote, and every vote granted to it in this term.
            let votes = 1 + self
                .votes
                .iter()
                .filter(|&(&(voter, t), &c)| t == term && c == id && voter != id)
                .count();
            if votes < majority(self.seen.len()) {
                self.report(Violation::LeaderWithoutQuorum {
                    node: id,
                    term,
                    votes,
                });
            }
            self.seen[id].leading = Some(term);
        }
        // Keep a copy of the leader's log, extended as it appends (Leader Append-Only is
        // checked separately, so appending is all that can happen while it leads).
        let (leader, kept) = self
            .leader_logs
            .entry(term)
            .or_insert_with(|| (id, Vec::new()));
        if *leader == id && kept.len() < node.log().len() {
            let from = kept.len();
            kept.extend_from_slice(&node.log()[from..]);
        }
    }

    fn check_commits(&mut self, node: &Node) {
        let id = node.id();
        let from = self.seen[id].commit;
        let len = node.log().len();
        if node.commit_index() > len {
            // Never clip silently: a commit index past the log is a bug in itself.
            self.report(Violation::CommitBeyondLog {
                node: id,
                commit: node.commit_index(),
                len,
            });
        }
        let to = node.commit_index().min(len);
        for index in from + 1..=to {
            let entry = node.log()[index - 1];
            match self.committed.get(index - 1) {
                Some(first) if *first != entry => {
                    self.report(Violation::StateMachineSafety { index, node: id });
                }
                Some(_) => {}
                None => {
                    self.committed.push(entry);
                    self.commit_terms.push(node.term());
                    self.check_later_leaders(index, entry, node.term());
                }
            }
        }
    }

    /// A newly committed entry, first seen committed in `term`, against every leader of a
    /// later term seen so far.
    fn check_later_leaders(&mut self, index: Index, entry: Entry, term: Term) {
        let lacking: Vec<(Term, NodeId)> = self
            .leader_logs
            .range(term + 1..)
            .filter(|(_, (_, log))| log.get(index - 1) != Some(&entry))
            .map(|(&t, &(leader, _))| (t, leader))
            .collect();
        for (t, leader) in lacking {
            self.report(Violation::LeaderCompleteness {
                node: leader,
                term: t,
                index,
            });
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
            c.vote(voter, id, 1);
            c.observe(&n);
        }
        assert_eq!(
            c.violations(),
            &[
                Violation::DoubleVote { node: 2, term: 1 },
                Violation::ElectionSafety {
                    term: 1,
                    first: 0,
                    second: 1
                },
                // The voter's second vote does not count, so server 1 has only its own.
                Violation::LeaderWithoutQuorum {
                    node: 1,
                    term: 1,
                    votes: 1
                },
            ]
        );
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

    fn entry(term: Term, command: u64) -> Entry {
        Entry { term, command }
    }

    /// A server seen with exactly this persistent state, as after a restart.
    fn server(id: NodeId, term: Term, log: Vec<Entry>) -> Node {
        let state = Persistent {
            current_term: term,
            voted_for: None,
            log,
        };
        Node::restart(id, 3, Config::default(), state, 1)
    }

    #[test]
    fn one_index_and_term_naming_two_entries_is_caught() {
        let mut c = Checker::new(3);
        c.observe(&server(0, 2, vec![entry(1, 1), entry(2, 5)]));
        assert!(c.violations().is_empty());
        // Same index and term, another command.
        c.observe(&server(1, 2, vec![entry(1, 1), entry(2, 6)]));
        assert_eq!(
            c.violations(),
            &[Violation::LogMatching { index: 2, term: 2 }]
        );
        // Same index, term and command, but a different history before it.
        let mut c = Checker::new(3);
        c.observe(&server(0, 2, vec![entry(1, 1), entry(2, 5)]));
        c.observe(&server(2, 2, vec![entry(2, 1), entry(2, 5)]));
        assert_eq!(
            c.violations(),
            &[Violation::LogMatching { index: 2, term: 2 }]
        );
    }

    #[test]
    fn a_leader_that_loses_an_entry_is_caught() {
        let mut c = Checker::new(3);
        let mut leader = Node::new(0, 3, Config::default(), 1);
        leader.timeout_now();
        leader.step(
            1,
            Message::Vote {
                term: 1,
                granted: true,
            },
        );
        leader.propose(5).unwrap();
        assert_eq!(leader.log().len(), 2); // its no-op and command 5
        c.vote(1, 0, 1);
        c.observe(&leader);
        assert!(c.violations().is_empty());
        // Seen again in the same term with its last entry gone.
        let shorter = leader.log()[..1].to_vec();
        c.observe(&server(0, 1, shorter));
        assert_eq!(
            c.violations(),
            &[Violation::LeaderAppendOnly { node: 0, term: 1 }]
        );
    }

    #[test]
    fn a_term_that_goes_down_is_caught() {
        let mut c = Checker::new(3);
        c.observe(&server(1, 3, vec![]));
        // A restart keeps the commit index at 0, never the term.
        c.restarted(1);
        c.observe(&server(1, 3, vec![]));
        assert!(c.violations().is_empty());
        c.observe(&server(1, 2, vec![]));
        assert_eq!(c.violations(), &[Violation::TermDecreased { node: 1 }]);
    }

    #[test]
    fn a_commit_index_past_the_log_is_caught() {
        let mut c = Checker::new(3);
        let bugs = crate::raft::node::Bugs {
            truncate_always: true,
            ..Default::default()
        };
        let config = Config {
            bugs,
            ..Config::default()
        };
        let state = Persistent {
            current_term: 1,
            voted_for: None,
            log: vec![entry(1, 1), entry(1, 2)],
        };
        let mut follower = Node::restart(1, 3, config, state, 1);
        let heartbeat = |prev_log_index, leader_commit| Message::AppendEntries {
            term: 1,
            prev_log_index,
            prev_log_term: if prev_log_index == 0 { 0 } else { 1 },
            entries: vec![],
            leader_commit,
        };
        follower.step(0, heartbeat(2, 2));
        c.observe(&follower);
        assert_eq!(follower.commit_index(), 2);
        // A late heartbeat with an older prevLogIndex: the buggy follower cuts its log.
        follower.step(0, heartbeat(0, 0));
        c.observe(&follower);
        assert!(c.violations().contains(&Violation::CommitBeyondLog {
            node: 1,
            commit: 2,
            len: 0
        }));
    }

    #[test]
    fn a_commit_seen_after_a_later_leader_won_is_checked_against_it() {
        let mut c = Checker::new(3);
        // Server 2 wins term 2 with an empty log; nothing is known committed yet.
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
        assert_eq!(rogue.role(), Role::Leader);
        c.vote(0, 2, 2);
        c.observe(&rogue);
        assert!(c.violations().is_empty());
        // Only now does a follower of term 1 report index 1 committed: server 2 lacks
        // it, which the check at election time alone would have missed.
        let mut follower = server(1, 1, vec![entry(1, 5)]);
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
        assert!(c.violations().contains(&Violation::LeaderCompleteness {
            node: 2,
            term: 2,
            index: 1
        }));
    }

    #[test]
    fn a_leader_counting_a_vote_from_an_earlier_term_is_caught() {
        let bugs = crate::raft::node::Bugs {
            count_stale_votes: true,
            ..Default::default()
        };
        let config = Config {
            bugs,
            ..Config::default()
        };
        let mut c = Checker::new(3);
        let mut candidate = Node::new(0, 3, config, 1);
        candidate.timeout_now(); // term 1
        c.vote(1, 0, 1); // granted in term 1, but slow to arrive
        candidate.timeout_now(); // term 2
        candidate.step(
            1,
            Message::Vote {
                term: 1,
                granted: true,
            },
        );
        assert_eq!((candidate.role(), candidate.term()), (Role::Leader, 2));
        c.observe(&candidate);
        assert_eq!(
            c.violations(),
            &[Violation::LeaderWithoutQuorum {
                node: 0,
                term: 2,
                votes: 1
            }]
        );
    }

    /// A follower told by leader 0 of term `term` that index 1 is committed.
    fn committed_follower(id: NodeId, term: Term, first: Entry) -> Node {
        let mut follower = server(id, term, vec![first]);
        follower.step(
            0,
            Message::AppendEntries {
                term,
                prev_log_index: 1,
                prev_log_term: first.term,
                entries: vec![],
                leader_commit: 1,
            },
        );
        assert_eq!(follower.commit_index(), 1);
        follower
    }

    #[test]
    fn two_entries_committed_at_one_index_are_caught() {
        let mut c = Checker::new(3);
        c.observe(&committed_follower(1, 1, entry(1, 5)));
        c.observe(&committed_follower(2, 2, entry(2, 6)));
        assert_eq!(
            c.violations(),
            &[Violation::StateMachineSafety { index: 1, node: 2 }]
        );
    }

    #[test]
    fn a_committed_entry_removed_from_a_log_is_caught() {
        let mut c = Checker::new(3);
        c.observe(&committed_follower(1, 1, entry(1, 5)));
        // The same server, seen again with index 1 gone: nothing may remove it.
        c.observe(&server(1, 1, vec![]));
        assert!(
            c.violations()
                .contains(&Violation::StateMachineSafety { index: 1, node: 1 })
        );
    }
}
