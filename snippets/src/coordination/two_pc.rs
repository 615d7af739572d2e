//! Two-phase commit with presumed abort, in a seeded simulation with crash points.
//!
//! In: each participant's vote, the point at which the coordinator crashes (if any), when it
//! recovers (if ever), and a seed for message delays.
//! Out: the run's history: every participant's state over time, the coordinator's log, and
//! the messages sent. The tests check atomicity (never one commit and one abort), that a
//! single No aborts, and that a coordinator crash after prepare leaves every participant that
//! voted Yes blocked, asking and waiting, until the coordinator recovers, after which all
//! decide alike. A switch plants the classic mistake, a participant that gives up waiting
//! and aborts on its own, and the tests require the simulation to catch it.

use crate::raft::rng::Mulberry32;
use std::collections::BinaryHeap;

/// A participant's vote in phase 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Vote {
    /// Prepared: the work is durable and the participant promises to commit if told to.
    Yes,
    /// Cannot commit (a constraint failed, a lock timed out): the transaction must abort.
    No,
}

/// The outcome of the transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Decision {
    /// Every participant voted Yes and the coordinator logged Commit.
    Commit,
    /// Someone voted No, or the coordinator never logged a decision.
    Abort,
}

/// Where a participant stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Has not voted; may still abort on its own.
    Working,
    /// Voted Yes and logged it: may neither commit nor abort until it learns the decision.
    Prepared,
    /// Committed.
    Committed,
    /// Aborted.
    Aborted,
}

/// When the coordinator crashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crash {
    /// It never crashes.
    Never,
    /// After sending every prepare, before it has decided.
    AfterPrepare,
    /// After writing the decision to its log, before sending it to anyone.
    AfterLoggingDecision,
    /// After sending the decision to the first participant only.
    MidBroadcast,
}

/// Mistakes a test can plant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bugs {
    /// A prepared participant that hears nothing for `give_up_ms` aborts on its own.
    pub abort_when_in_doubt: bool,
}

/// One run's setting.
#[derive(Clone, Debug)]
pub struct Setup {
    /// Each participant's vote.
    pub votes: Vec<Vote>,
    /// Where the coordinator crashes.
    pub crash: Crash,
    /// When it restarts, in ms; `None` for never.
    pub recover_at: Option<u64>,
    /// Message delays are drawn from this seed.
    pub seed: u32,
    /// How long the run lasts, in ms.
    pub horizon: u64,
    /// Planted mistakes.
    pub bugs: Bugs,
}

/// How often a prepared participant asks the coordinator for the outcome, and how long an
/// unprepared one waits for a prepare before it aborts on its own, in ms.
pub const INQUIRY_MS: u64 = 100;
/// How long the planted, impatient participant waits before it aborts, in ms.
pub const GIVE_UP_MS: u64 = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Msg {
    Prepare,
    Voted(usize, Vote),
    Decide(Decision),
    Inquire(usize),
}

/// A participant: its state is its durable log (the vote and the decision it learned).
#[derive(Clone, Copy, Debug)]
struct Participant {
    vote: Vote,
    state: State,
    last_heard: u64,
}

/// The coordinator's durable log holds only its decision; everything else is lost in a crash.
#[derive(Clone, Debug)]
struct Coordinator {
    up: bool,
    log: Option<Decision>,
    votes: Vec<Option<Vote>>,
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct History {
    /// `states[t][i]`: participant i's state at the end of millisecond t.
    pub states: Vec<Vec<State>>,
    /// The decision in the coordinator's log at the end.
    pub logged: Option<Decision>,
    /// Inquiries the participants sent.
    pub inquiries: usize,
}

impl History {
    /// The final states.
    pub fn last(&self) -> &[State] {
        self.states.last().unwrap()
    }

    /// Whether at some moment one participant had committed and another aborted.
    pub fn atomicity_violated(&self) -> bool {
        self.states
            .iter()
            .any(|s| s.contains(&State::Committed) && s.contains(&State::Aborted))
    }
}

// region: participant
impl Participant {
    /// Phase 1: vote. A Yes is logged before it is sent; from then on the participant
    /// has given up the right to decide alone.
    fn on_prepare(&mut self) -> Vote {
        if self.state == State::Working {
            self.state = match self.vote {
                Vote::Yes => State::Prepared,
                Vote::No => State::Aborted,
            };
        }
        // One that already aborted on its own, before the prepare came, must vote No.
        if self.state == State::Aborted {
            Vote::No
        } else {
            Vote::Yes
        }
    }

    /// Phase 2: apply the coordinator's decision.
    fn on_decide(&mut self, d: Decision) {
        if matches!(self.state, State::Working | State::Prepared) {
            self.state = match d {
                Decision::Commit => State::Committed,
                Decision::Abort => State::Aborted,
            };
        }
    }

    /// A timer: an unprepared participant may abort on its own; a prepared one can only
    /// ask again. (With `abort_when_in_doubt`, it breaks its promise instead.)
    fn on_timeout(&mut self, now: u64, bugs: Bugs) -> bool {
        match self.state {
            State::Working => {
                self.state = State::Aborted;
                false
            }
            State::Prepared if bugs.abort_when_in_doubt && now - self.last_heard >= GIVE_UP_MS => {
                self.state = State::Aborted;
                false
            }
            State::Prepared => true, // ask the coordinator
            State::Committed | State::Aborted => false,
        }
    }
}
// endregion: participant

// region: coordinator
impl Coordinator {
    /// Collect a vote; once every vote is in (or any is No), decide and log the decision
    /// before telling anyone. The log write is the moment of commit.
    fn on_vote(&mut self, from: usize, vote: Vote) -> Option<Decision> {
        if self.log.is_some() {
            return None;
        }
        self.votes[from] = Some(vote);
        let decision = if vote == Vote::No {
            Decision::Abort
        } else if self.votes.iter().all(|v| *v == Some(Vote::Yes)) {
            Decision::Commit
        } else {
            return None; // still waiting
        };
        self.log = Some(decision);
        Some(decision)
    }

    /// Presumed abort: a coordinator with no decision in its log answers Abort. It may
    /// answer only after a crash has wiped its votes, or once it has decided.
    fn on_inquire(&self, recovered: bool) -> Option<Decision> {
        match self.log {
            Some(d) => Some(d),
            None if recovered => Some(Decision::Abort),
            None => None,
        }
    }
}
// endregion: coordinator

/// Runs two-phase commit once, millisecond by millisecond.
///
/// ```
/// use snippets::coordination::two_pc::{Bugs, Crash, Setup, State, Vote, run};
///
/// let setup = Setup {
///     votes: vec![Vote::Yes; 3],
///     crash: Crash::AfterPrepare,
///     recover_at: Some(1_000),
///     seed: 1,
///     horizon: 2_000,
///     bugs: Bugs::default(),
/// };
/// let h = run(&setup);
/// // Blocked until the coordinator returns, then aborted by presumed abort.
/// assert!(h.states[999].iter().all(|s| *s == State::Prepared));
/// assert!(h.last().iter().all(|s| *s == State::Aborted));
/// ```
pub fn run(setup: &Setup) -> History {
    let n = setup.votes.len();
    let mut rng = Mulberry32::new(setup.seed);
    let mut parts: Vec<Participant> = setup
        .votes
        .iter()
        .map(|&vote| Participant {
            vote,
            state: State::Working,
            last_heard: 0,
        })
        .collect();
    let mut coord = Coordinator {
        up: true,
        log: None,
        votes: vec![None; n],
    };
    let mut recovered = false;
    // Deliveries: (negated time, sequence number, destination, message); destination n is
    // the coordinator. The heap pops the earliest, in sending order on ties.
    let mut queue: BinaryHeap<(i64, i64, usize, Msg)> = BinaryHeap::new();
    let mut seq = 0i64;
    let mut send =
        |queue: &mut BinaryHeap<_>, now: u64, to: usize, msg: Msg, rng: &mut Mulberry32| {
            let at = now + rng.range(1, 11);
            seq += 1;
            queue.push((-(at as i64), -seq, to, msg));
        };
    let mut history = History {
        states: Vec::new(),
        logged: None,
        inquiries: 0,
    };
    // Phase 1 starts at time 0.
    for i in 0..n {
        send(&mut queue, 0, i, Msg::Prepare, &mut rng);
    }
    if setup.crash == Crash::AfterPrepare {
        coord.up = false;
    }
    for now in 0..setup.horizon {
        if !coord.up && setup.recover_at == Some(now) {
            coord.up = true;
            recovered = true;
            coord.votes = vec![None; n];
            // A recovered coordinator finishes what its log says, or presumes abort.
            let d = coord.log.unwrap_or(Decision::Abort);
            for i in 0..n {
                send(&mut queue, now, i, Msg::Decide(d), &mut rng);
            }
        }
        while queue.peek().is_some_and(|m| -m.0 <= now as i64) {
            let (_, _, to, msg) = queue.pop().unwrap();
            if to == n {
                if !coord.up {
                    continue; // lost: the coordinator is down
                }
                match msg {
                    Msg::Voted(from, vote) => {
                        if let Some(d) = coord.on_vote(from, vote) {
                            match setup.crash {
                                Crash::AfterLoggingDecision => coord.up = false,
                                Crash::MidBroadcast => {
                                    send(&mut queue, now, 0, Msg::Decide(d), &mut rng);
                                    coord.up = false;
                                }
                                _ => {
                                    for i in 0..n {
                                        send(&mut queue, now, i, Msg::Decide(d), &mut rng);
                                    }
                                }
                            }
                        }
                    }
                    Msg::Inquire(from) => {
                        if let Some(d) = coord.on_inquire(recovered) {
                            send(&mut queue, now, from, Msg::Decide(d), &mut rng);
                        }
                    }
                    Msg::Prepare | Msg::Decide(_) => unreachable!("sent only to participants"),
                }
                continue;
            }
            let p = &mut parts[to];
            p.last_heard = now;
            match msg {
                Msg::Prepare => {
                    let vote = p.on_prepare();
                    send(&mut queue, now, n, Msg::Voted(to, vote), &mut rng);
                }
                Msg::Decide(d) => p.on_decide(d),
                Msg::Voted(..) | Msg::Inquire(_) => unreachable!("sent only to the coordinator"),
            }
        }
        if now > 0 && now % INQUIRY_MS == 0 {
            for (i, p) in parts.iter_mut().enumerate() {
                if p.on_timeout(now, setup.bugs) {
                    history.inquiries += 1;
                    send(&mut queue, now, n, Msg::Inquire(i), &mut rng);
                }
            }
        }
        history.states.push(parts.iter().map(|p| p.state).collect());
    }
    history.logged = coord.log;
    history
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRASHES: [Crash; 4] = [
        Crash::Never,
        Crash::AfterPrepare,
        Crash::AfterLoggingDecision,
        Crash::MidBroadcast,
    ];

    fn votes(mask: u32, n: usize) -> Vec<Vote> {
        (0..n)
            .map(|i| {
                if mask >> i & 1 == 1 {
                    Vote::Yes
                } else {
                    Vote::No
                }
            })
            .collect()
    }

    fn setup(votes: Vec<Vote>, crash: Crash, recover_at: Option<u64>, seed: u32) -> Setup {
        Setup {
            votes,
            crash,
            recover_at,
            seed,
            horizon: 3_000,
            bugs: Bugs::default(),
        }
    }

    #[test]
    fn atomic_for_every_vote_vector_crash_point_and_seed() {
        let mut runs = 0;
        for mask in 0..16 {
            let v = votes(mask, 4);
            let all_yes = mask == 15;
            for crash in CRASHES {
                for seed in 0..40 {
                    let h = run(&setup(v.clone(), crash, Some(1_500), seed));
                    runs += 1;
                    assert!(!h.atomicity_violated(), "{mask:04b} {crash:?} seed {seed}");
                    let last = h.last();
                    // Everyone decides once the coordinator is back.
                    assert!(
                        last.iter()
                            .all(|s| matches!(s, State::Committed | State::Aborted))
                    );
                    let committed = last[0] == State::Committed;
                    // Commit only if every vote was Yes; a No always aborts.
                    assert!(!committed || all_yes, "{mask:04b} {crash:?} seed {seed}");
                    // Without a crash, all Yes always commits.
                    if crash == Crash::Never && all_yes {
                        assert!(committed);
                    }
                    // Nobody decides against the coordinator's log.
                    if let Some(d) = h.logged {
                        assert_eq!(committed, d == Decision::Commit);
                    }
                }
            }
        }
        assert_eq!(runs, 16 * 4 * 40);
    }

    #[test]
    fn a_crash_after_prepare_blocks_the_yes_voters_until_recovery() {
        for crash in [Crash::AfterPrepare, Crash::AfterLoggingDecision] {
            for seed in 0..40 {
                let h = run(&setup(votes(15, 4), crash, Some(2_000), seed));
                // From the moment all have voted until recovery, all four wait.
                for t in 100..2_000 {
                    assert!(
                        h.states[t].iter().all(|s| *s == State::Prepared),
                        "{crash:?} {seed} t={t}"
                    );
                }
                // They kept asking: four participants, every 100 ms, for about 1.9 s.
                assert!(h.inquiries >= 4 * 19, "{}", h.inquiries);
                let expected = match crash {
                    Crash::AfterPrepare => State::Aborted, // nothing logged: presumed abort
                    _ => State::Committed,                 // the logged Commit is resent
                };
                assert!(h.last().iter().all(|s| *s == expected), "{crash:?} {seed}");
            }
        }
    }

    #[test]
    fn without_recovery_the_yes_voters_wait_forever_and_a_no_voter_does_not() {
        let mut v = votes(15, 4);
        let h = run(&setup(v.clone(), Crash::AfterPrepare, None, 7));
        assert!(h.last().iter().all(|s| *s == State::Prepared));
        v[2] = Vote::No;
        let h = run(&setup(v, Crash::AfterPrepare, None, 7));
        assert_eq!(
            h.last(),
            [
                State::Prepared,
                State::Prepared,
                State::Aborted,
                State::Prepared
            ]
        );
    }

    #[test]
    fn mid_broadcast_one_commits_while_the_others_wait_then_all_commit() {
        for seed in 0..40 {
            let h = run(&setup(votes(15, 4), Crash::MidBroadcast, Some(2_000), seed));
            let at = &h.states[1_999];
            assert_eq!(at[0], State::Committed);
            assert!(at[1..].iter().all(|s| *s == State::Prepared));
            assert!(h.last().iter().all(|s| *s == State::Committed));
        }
    }

    #[test]
    fn a_participant_that_gives_up_waiting_breaks_atomicity() {
        let mut caught = 0;
        for seed in 0..40 {
            let mut s = setup(votes(15, 4), Crash::MidBroadcast, Some(2_000), seed);
            s.bugs.abort_when_in_doubt = true;
            caught += usize::from(run(&s).atomicity_violated());
        }
        assert_eq!(caught, 40);
    }
}
