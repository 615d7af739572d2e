//! One Raft server as a pure state machine.
//!
//! In: messages from other servers ([`Node::step`]), one clock tick per millisecond
//! ([`Node::tick`]) and client commands ([`Node::propose`]). Out: the messages to send.
//! The node never reads a clock, a socket or a global random source: its election
//! timeouts come from its own seeded generator, so a run is reproducible from its seed.
//!
//! Shown in the Consensus handbook: the vote handler, the AppendEntries consistency check
//! and the commit rule. The rules follow Figure 2 of Ongaro and Ousterhout (2014).

use super::rng::Mulberry32;
use crate::quorum::majority;

/// A server's number, `0..n`.
pub type NodeId = usize;
/// An election term. Terms start at 0 and only grow.
pub type Term = u64;
/// A log position. Entries are numbered from 1; index 0 means "before the first entry".
pub type Index = usize;

/// The command a new leader appends when it takes office (see [`Config::noop_on_election`]).
pub const NOOP: u64 = 0;

/// One log entry: the term of the leader that created it, and the client's command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The term in which a leader appended the entry.
    pub term: Term,
    /// The client's command; [`NOOP`] for a new leader's empty entry.
    pub command: u64,
}

/// The four messages of Raft's two RPCs. Every message carries the sender's term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A candidate asks for a vote.
    RequestVote {
        /// The candidate's term.
        term: Term,
        /// Index of the candidate's last log entry.
        last_log_index: Index,
        /// Term of the candidate's last log entry.
        last_log_term: Term,
    },
    /// The answer to `RequestVote`.
    Vote {
        /// The voter's current term.
        term: Term,
        /// Whether the vote was granted.
        granted: bool,
    },
    /// A leader replicates entries, or sends a heartbeat when `entries` is empty.
    AppendEntries {
        /// The leader's term.
        term: Term,
        /// Index of the entry just before the new ones.
        prev_log_index: Index,
        /// Term of that entry.
        prev_log_term: Term,
        /// The entries to store, possibly none.
        entries: Vec<Entry>,
        /// The leader's commit index.
        leader_commit: Index,
    },
    /// The answer to `AppendEntries`.
    AppendReply {
        /// The follower's current term.
        term: Term,
        /// Whether the follower's log matched at `prev_log_index`.
        success: bool,
        /// On success, the index up to which the follower's log now matches the leader's;
        /// on failure, a hint: the follower's log is no longer than this.
        match_index: Index,
    },
}

impl Message {
    /// The sender's term.
    pub fn term(&self) -> Term {
        match self {
            Message::RequestVote { term, .. }
            | Message::Vote { term, .. }
            | Message::AppendEntries { term, .. }
            | Message::AppendReply { term, .. } => *term,
        }
    }
}

/// A message with its sender and receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// The message.
    pub message: Message,
}

/// A server's role in its current term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Answers leaders and candidates; starts an election if it hears from no leader.
    Follower,
    /// Asks for votes in a new term.
    Candidate,
    /// Accepts client commands and replicates its log.
    Leader,
}

/// When a leader may mark an entry committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitRule {
    /// Raft's rule: count replicas only for entries of the leader's current term.
    CurrentTermOnly,
    /// A deliberately broken rule that counts replicas for entries of any term. It loses
    /// committed entries in the scenario of Figure 8 of the Raft paper; tests use it to show
    /// that the safety checker can fail.
    AnyTermBroken,
}

// region: bugs
/// Classic implementation mistakes, each behind a switch that is off by default.
///
/// Production code never sets these. Tests turn one on and require the seeded random run
/// to report a safety violation, which shows that the run and its checker can catch the
/// mistake. A fifth mistake, counting replicas of entries from earlier terms, is
/// [`CommitRule::AnyTermBroken`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bugs {
    /// A candidate counts a granted vote even when it was cast in an earlier term.
    pub count_stale_votes: bool,
    /// A follower caps its commit index by the length of its log, not by the index of
    /// the last entry the leader's message vouched for.
    pub commit_to_log_end: bool,
    /// A server grants its vote without checking that the candidate's log is up to date.
    pub skip_log_check: bool,
    /// A follower deletes everything after `prevLogIndex` on every AppendEntries,
    /// whether or not it conflicts with the leader's entries.
    pub truncate_always: bool,
    /// `votedFor` is kept in memory only, so a restart forgets it (the term survives).
    pub volatile_vote: bool,
}
// endregion: bugs

/// Timing and behaviour, the same for every server of a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Election timeouts are drawn uniformly from `min..max` ticks (milliseconds).
    pub election_timeout: (u64, u64),
    /// A leader sends AppendEntries to every follower at least this often, in ticks.
    pub heartbeat: u64,
    /// Whether a new leader appends a [`NOOP`] entry of its own term, so that it can commit
    /// (and learn the commit point of) the entries it inherited without waiting for a client.
    pub noop_on_election: bool,
    /// Which commit rule the leader applies.
    pub commit_rule: CommitRule,
    /// At most this many entries in one AppendEntries message.
    pub max_batch: usize,
    /// Deliberate mistakes for tests; all off by default.
    pub bugs: Bugs,
}

impl Default for Config {
    /// The timeouts the Raft paper recommends (§9.3: 150–300 ms), heartbeats every 50 ms,
    /// a no-op on election, and at most 4 entries per message, so that a follower that
    /// missed a burst of commands needs many round trips to catch up.
    fn default() -> Config {
        Config {
            election_timeout: (150, 300),
            heartbeat: 50,
            noop_on_election: true,
            commit_rule: CommitRule::CurrentTermOnly,
            max_batch: 4,
            bugs: Bugs::default(),
        }
    }
}

/// The state a server writes to stable storage before it answers any message, and which
/// therefore survives a crash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Persistent {
    /// The latest term the server has seen.
    pub current_term: Term,
    /// The candidate it voted for in `current_term`, if any.
    pub voted_for: Option<NodeId>,
    /// The log; `log[0]` has index 1.
    pub log: Vec<Entry>,
}

/// One Raft server. Everything outside [`Persistent`] is volatile and lost in a crash.
#[derive(Debug, Clone)]
pub struct Node {
    id: NodeId,
    cluster: usize,
    config: Config,
    state: Persistent,
    role: Role,
    leader: Option<NodeId>,
    commit_index: Index,
    votes: Vec<bool>,
    next_index: Vec<Index>,
    match_index: Vec<Index>,
    elapsed: u64,
    timeout: u64,
    rng: Mulberry32,
    /// How many times this incarnation removed entries from its log, and the length it last
    /// cut the log to: lets the checker skip comparing the unchanged prefix of a long log.
    truncations: (u64, Index),
}

impl Node {
    /// A fresh server `id` of a cluster of `cluster` servers, with an empty log.
    ///
    /// ```
    /// use snippets::raft::node::{Config, Node, Role};
    ///
    /// let node = Node::new(0, 5, Config::default(), 42);
    /// assert_eq!((node.role(), node.term(), node.commit_index()), (Role::Follower, 0, 0));
    /// ```
    pub fn new(id: NodeId, cluster: usize, config: Config, seed: u32) -> Node {
        Node::restart(id, cluster, config, Persistent::default(), seed)
    }

    /// A server that comes back from a crash with what it had persisted: a follower that
    /// knows no leader and no commit point, with a fresh election timeout.
    pub fn restart(
        id: NodeId,
        cluster: usize,
        config: Config,
        mut state: Persistent,
        seed: u32,
    ) -> Node {
        if config.bugs.volatile_vote {
            state.voted_for = None;
        }
        let mut rng = Mulberry32::new(seed);
        let timeout = rng.range(config.election_timeout.0, config.election_timeout.1);
        Node {
            id,
            cluster,
            config,
            state,
            role: Role::Follower,
            leader: None,
            commit_index: 0,
            votes: vec![false; cluster],
            next_index: vec![1; cluster],
            match_index: vec![0; cluster],
            elapsed: 0,
            timeout,
            rng,
            truncations: (0, 0),
        }
    }

    /// This server's number.
    pub fn id(&self) -> NodeId {
        self.id
    }
    /// The current role.
    pub fn role(&self) -> Role {
        self.role
    }
    /// The current term.
    pub fn term(&self) -> Term {
        self.state.current_term
    }
    /// The leader this server follows in its current term, if it knows one.
    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }
    /// The highest index known to be committed.
    pub fn commit_index(&self) -> Index {
        self.commit_index
    }
    /// The log; `log()[0]` has index 1.
    pub fn log(&self) -> &[Entry] {
        &self.state.log
    }
    /// What survives a crash.
    pub fn persistent(&self) -> &Persistent {
        &self.state
    }
    /// How many times this incarnation has removed entries from its log, and the length it
    /// last cut the log to. Between two cuts the log only grows.
    pub fn truncations(&self) -> (u64, Index) {
        self.truncations
    }

    /// Cuts the log to `len` entries, counting the cut if it removes anything.
    fn truncate_log(&mut self, len: Index) {
        if len < self.state.log.len() {
            self.state.log.truncate(len);
            self.truncations = (self.truncations.0 + 1, len);
        }
    }

    fn last_log_index(&self) -> Index {
        self.state.log.len()
    }

    fn last_log_term(&self) -> Term {
        self.term_at(self.last_log_index()).unwrap_or(0)
    }

    /// The term of the entry at `index`; 0 for index 0; `None` past the end of the log.
    fn term_at(&self, index: Index) -> Option<Term> {
        match index {
            0 => Some(0),
            i => self.state.log.get(i - 1).map(|e| e.term),
        }
    }

    fn reply(&self, to: NodeId, message: Message) -> Vec<Envelope> {
        vec![Envelope {
            from: self.id,
            to,
            message,
        }]
    }

    fn reset_election_timer(&mut self) {
        self.elapsed = 0;
        let (low, high) = self.config.election_timeout;
        self.timeout = self.rng.range(low, high);
    }

    /// Advances the clock by one tick: a leader may send heartbeats, anyone else may
    /// time out and start an election.
    pub fn tick(&mut self) -> Vec<Envelope> {
        self.elapsed += 1;
        match self.role {
            Role::Leader if self.elapsed >= self.config.heartbeat => {
                self.elapsed = 0;
                self.broadcast_append()
            }
            Role::Leader => Vec::new(),
            _ if self.elapsed >= self.timeout => self.start_election(),
            _ => Vec::new(),
        }
    }

    /// Starts an election now, as if the election timer had fired. Scripted scenarios use
    /// this to pick who runs.
    pub fn timeout_now(&mut self) -> Vec<Envelope> {
        if self.role == Role::Leader {
            return Vec::new();
        }
        self.start_election()
    }

    fn start_election(&mut self) -> Vec<Envelope> {
        self.state.current_term += 1;
        self.state.voted_for = Some(self.id);
        self.role = Role::Candidate;
        self.leader = None;
        self.votes = vec![false; self.cluster];
        self.votes[self.id] = true;
        self.reset_election_timer();
        if majority(self.cluster) == 1 {
            return self.become_leader();
        }
        let message = Message::RequestVote {
            term: self.state.current_term,
            last_log_index: self.last_log_index(),
            last_log_term: self.last_log_term(),
        };
        self.peers()
            .map(|to| Envelope {
                from: self.id,
                to,
                message: message.clone(),
            })
            .collect()
    }

    fn peers(&self) -> impl Iterator<Item = NodeId> + use<> {
        let me = self.id;
        (0..self.cluster).filter(move |&p| p != me)
    }

    fn become_follower(&mut self, term: Term) {
        if self.role == Role::Leader {
            self.reset_election_timer();
        }
        self.state.current_term = term;
        self.state.voted_for = None;
        self.role = Role::Follower;
        self.leader = None;
    }

    fn become_leader(&mut self) -> Vec<Envelope> {
        self.role = Role::Leader;
        self.leader = Some(self.id);
        self.elapsed = 0;
        self.next_index = vec![self.last_log_index() + 1; self.cluster];
        self.match_index = vec![0; self.cluster];
        if self.config.noop_on_election {
            self.state.log.push(Entry {
                term: self.state.current_term,
                command: NOOP,
            });
        }
        self.match_index[self.id] = self.last_log_index();
        self.advance_commit_index();
        self.broadcast_append()
    }

    /// A client command. A leader appends it and returns its index with the messages that
    /// replicate it; any other server refuses, and the client must find the leader.
    pub fn propose(&mut self, command: u64) -> Option<(Index, Vec<Envelope>)> {
        if self.role != Role::Leader {
            return None;
        }
        self.state.log.push(Entry {
            term: self.state.current_term,
            command,
        });
        self.match_index[self.id] = self.last_log_index();
        self.advance_commit_index();
        Some((self.last_log_index(), self.broadcast_append()))
    }

    fn broadcast_append(&self) -> Vec<Envelope> {
        self.peers().map(|to| self.append_to(to)).collect()
    }

    fn append_to(&self, to: NodeId) -> Envelope {
        let prev_log_index = self.next_index[to] - 1;
        let end = self
            .last_log_index()
            .min(prev_log_index + self.config.max_batch);
        Envelope {
            from: self.id,
            to,
            message: Message::AppendEntries {
                term: self.state.current_term,
                prev_log_index,
                prev_log_term: self.term_at(prev_log_index).unwrap_or(0),
                entries: self.state.log[prev_log_index..end].to_vec(),
                leader_commit: self.commit_index,
            },
        }
    }

    /// Handles one message from server `from` and returns the messages to send.
    pub fn step(&mut self, from: NodeId, message: Message) -> Vec<Envelope> {
        // Any message from a later term moves this server into that term as a follower.
        if message.term() > self.state.current_term {
            self.become_follower(message.term());
        }
        match message {
            Message::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => self.handle_request_vote(from, term, last_log_index, last_log_term),
            Message::Vote { term, granted } => self.handle_vote(from, term, granted),
            Message::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } => self.handle_append_entries(
                from,
                term,
                prev_log_index,
                prev_log_term,
                &entries,
                leader_commit,
            ),
            Message::AppendReply {
                term,
                success,
                match_index,
            } => self.handle_append_reply(from, term, success, match_index),
        }
    }

    // region: vote
    /// RequestVote, receiver side. `step` has already moved us into any
    /// later term, which also cleared `voted_for`.
    fn handle_request_vote(
        &mut self,
        candidate: NodeId,
        term: Term,
        last_log_index: Index,
        last_log_term: Term,
    ) -> Vec<Envelope> {
        let current = self.state.current_term;
        // At least as up to date: a later last term wins; with equal last
        // terms, the longer log wins.
        let ours = (self.last_log_term(), self.last_log_index());
        let up_to_date =
            (last_log_term, last_log_index) >= ours || self.config.bugs.skip_log_check;
        let free = self.state.voted_for.is_none_or(|v| v == candidate);
        let granted = term == current && free && up_to_date;
        if granted {
            // Persisted before the reply leaves: a restart must not vote
            // twice in one term.
            self.state.voted_for = Some(candidate);
            self.reset_election_timer();
        }
        self.reply(
            candidate,
            Message::Vote {
                term: current,
                granted,
            },
        )
    }
    // endregion: vote

    fn handle_vote(&mut self, from: NodeId, term: Term, granted: bool) -> Vec<Envelope> {
        let stale = term != self.state.current_term && !self.config.bugs.count_stale_votes;
        if self.role != Role::Candidate || stale || !granted {
            return Vec::new();
        }
        self.votes[from] = true;
        let count = self.votes.iter().filter(|&&v| v).count();
        if count >= majority(self.cluster) {
            return self.become_leader();
        }
        Vec::new()
    }

    // region: append
    /// AppendEntries, receiver side: the consistency check, then append without ever
    /// truncating entries that agree with the leader's.
    fn handle_append_entries(
        &mut self,
        leader: NodeId,
        term: Term,
        prev_log_index: Index,
        prev_log_term: Term,
        entries: &[Entry],
        leader_commit: Index,
    ) -> Vec<Envelope> {
        let current = self.state.current_term;
        let refuse = |hint| Message::AppendReply {
            term: current,
            success: false,
            match_index: hint,
        };
        if term < current {
            return self.reply(leader, refuse(0)); // a stale leader learns our term
        }
        // A legitimate leader of our term: follow it and restart the election timer.
        self.role = Role::Follower;
        self.leader = Some(leader);
        self.reset_election_timer();
        // Consistency check: our log must hold the leader's entry at prev_log_index.
        if self.term_at(prev_log_index) != Some(prev_log_term) {
            let hint = self.last_log_index().min(prev_log_index.saturating_sub(1));
            return self.reply(leader, refuse(hint));
        }
        if self.config.bugs.truncate_always {
            self.truncate_log(prev_log_index);
        }
        for (offset, entry) in entries.iter().enumerate() {
            let index = prev_log_index + 1 + offset;
            match self.term_at(index) {
                // Already have it.
                Some(t) if t == entry.term => continue,
                // A conflict: drop it and everything after it.
                Some(_) => self.truncate_log(index - 1),
                None => {}
            }
            self.state.log.push(*entry);
        }
        let last_new = prev_log_index + entries.len();
        // Only up to the last entry this message vouched for: anything after it may be
        // left over from an older leader.
        let vouched = if self.config.bugs.commit_to_log_end {
            self.last_log_index()
        } else {
            last_new
        };
        self.commit_index = self.commit_index.max(leader_commit.min(vouched));
        self.reply(
            leader,
            Message::AppendReply {
                term: current,
                success: true,
                match_index: last_new,
            },
        )
    }
    // endregion: append

    fn handle_append_reply(
        &mut self,
        from: NodeId,
        term: Term,
        success: bool,
        match_index: Index,
    ) -> Vec<Envelope> {
        if self.role != Role::Leader || term != self.state.current_term {
            return Vec::new();
        }
        if success {
            // Replies can arrive late or twice: never move match_index backwards.
            self.match_index[from] = self.match_index[from].max(match_index);
            self.next_index[from] = self.next_index[from].max(match_index + 1);
            self.advance_commit_index();
            if self.next_index[from] > self.last_log_index() {
                return Vec::new();
            }
        } else {
            // Back off, using the follower's hint to skip entries it cannot have.
            let back = self.next_index[from].saturating_sub(1).min(match_index + 1);
            self.next_index[from] = back.max(self.match_index[from] + 1);
        }
        vec![self.append_to(from)]
    }

    // region: commit
    /// The leader's commit rule: the highest index stored on a majority,
    /// provided that its entry is from the current term. Earlier entries
    /// then commit with it, by Log Matching.
    fn advance_commit_index(&mut self) {
        let current = self.state.current_term;
        let rule = self.config.commit_rule;
        for index in (self.commit_index + 1..=self.last_log_index()).rev() {
            let entry_term = self.state.log[index - 1].term;
            if entry_term != current && rule == CommitRule::CurrentTermOnly {
                // Terms only decrease going back: no earlier index qualifies.
                break;
            }
            let stored = self.match_index.iter().filter(|&&m| m >= index).count();
            if stored >= majority(self.cluster) {
                self.commit_index = index;
                break;
            }
        }
    }
    // endregion: commit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config {
            noop_on_election: false,
            ..Config::default()
        }
    }

    fn entry(term: Term, command: u64) -> Entry {
        Entry { term, command }
    }

    fn node_with(term: Term, voted_for: Option<NodeId>, log: Vec<Entry>) -> Node {
        let state = Persistent {
            current_term: term,
            voted_for,
            log,
        };
        Node::restart(0, 3, config(), state, 1)
    }

    fn granted(out: &[Envelope]) -> bool {
        matches!(out[0].message, Message::Vote { granted: true, .. })
    }

    fn vote_request(term: Term, last_log_index: Index, last_log_term: Term) -> Message {
        Message::RequestVote {
            term,
            last_log_index,
            last_log_term,
        }
    }

    #[test]
    fn votes_once_per_term() {
        let mut n = node_with(1, None, vec![]);
        assert!(granted(&n.step(1, vote_request(2, 0, 0))));
        assert!(!granted(&n.step(2, vote_request(2, 0, 0))));
        // Asking again (a duplicated request) gets the same answer.
        assert!(granted(&n.step(1, vote_request(2, 0, 0))));
        assert_eq!(n.persistent().voted_for, Some(1));
    }

    #[test]
    fn refuses_a_candidate_with_an_older_log() {
        let mut n = node_with(1, None, vec![entry(1, 7), entry(1, 8)]);
        // Same last term, shorter log.
        assert!(!granted(&n.step(1, vote_request(2, 1, 1))));
        // A later last term wins even with a shorter log.
        assert!(granted(&n.step(2, vote_request(3, 1, 2))));
    }

    #[test]
    fn refuses_a_stale_term() {
        let mut n = node_with(5, None, vec![]);
        assert!(!granted(&n.step(1, vote_request(4, 9, 4))));
        assert_eq!(n.term(), 5);
    }

    fn append(prev_log_index: Index, prev_log_term: Term, entries: Vec<Entry>) -> Message {
        Message::AppendEntries {
            term: 3,
            prev_log_index,
            prev_log_term,
            entries,
            leader_commit: 0,
        }
    }

    #[test]
    fn consistency_check_rejects_a_gap_and_a_mismatch() {
        let mut n = node_with(3, None, vec![entry(1, 1), entry(2, 2)]);
        let gap = n.step(1, append(5, 3, vec![entry(3, 9)]));
        assert!(matches!(
            gap[0].message,
            Message::AppendReply {
                success: false,
                match_index: 2,
                ..
            }
        ));
        let mismatch = n.step(1, append(2, 3, vec![entry(3, 9)]));
        assert!(matches!(
            mismatch[0].message,
            Message::AppendReply { success: false, .. }
        ));
        assert_eq!(n.log().len(), 2);
    }

    #[test]
    fn truncates_only_a_conflicting_suffix() {
        let mut n = node_with(3, None, vec![entry(1, 1), entry(2, 2), entry(2, 3)]);
        // Agrees at index 1, conflicts at index 2.
        n.step(1, append(1, 1, vec![entry(3, 20)]));
        assert_eq!(n.log(), &[entry(1, 1), entry(3, 20)]);
        // An old, shorter AppendEntries arriving late must not truncate anything.
        n.step(1, append(1, 1, vec![entry(3, 20), entry(3, 21)]));
        n.step(1, append(0, 0, vec![entry(1, 1)]));
        assert_eq!(n.log(), &[entry(1, 1), entry(3, 20), entry(3, 21)]);
    }

    fn leader_of_term_3(rule: CommitRule) -> Node {
        // Index 1 from term 2, then this leader's own entry at index 2.
        let state = Persistent {
            current_term: 3,
            voted_for: Some(0),
            log: vec![entry(2, 1)],
        };
        let cfg = Config {
            commit_rule: rule,
            ..config()
        };
        let mut n = Node::restart(0, 3, cfg, state, 1);
        n.role = Role::Leader;
        n.next_index = vec![2; 3];
        n.match_index = vec![1, 0, 0];
        n
    }

    #[test]
    fn commit_rule_waits_for_an_entry_of_the_current_term() {
        let mut n = leader_of_term_3(CommitRule::CurrentTermOnly);
        // Index 1 (term 2) is now on two of three servers, but it is not from term 3.
        n.step(
            1,
            Message::AppendReply {
                term: 3,
                success: true,
                match_index: 1,
            },
        );
        assert_eq!(n.commit_index(), 0);
        n.propose(42).unwrap();
        n.step(
            1,
            Message::AppendReply {
                term: 3,
                success: true,
                match_index: 2,
            },
        );
        // The term-3 entry commits, and index 1 with it.
        assert_eq!(n.commit_index(), 2);
    }

    #[test]
    fn broken_rule_commits_an_old_entry_by_counting() {
        let mut n = leader_of_term_3(CommitRule::AnyTermBroken);
        n.step(
            1,
            Message::AppendReply {
                term: 3,
                success: true,
                match_index: 1,
            },
        );
        assert_eq!(n.commit_index(), 1);
    }

    #[test]
    fn a_single_server_elects_itself() {
        let mut n = Node::new(0, 1, Config::default(), 3);
        assert!(n.timeout_now().is_empty());
        assert_eq!(n.role(), Role::Leader);
        assert_eq!(n.commit_index(), 1); // its no-op
    }
}
