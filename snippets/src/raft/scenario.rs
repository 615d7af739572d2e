//! Scripted runs: the situations the Consensus handbook draws, step by step.
//!
//! In: a commit rule (and nothing random: timers are too long to fire on their own, so
//! the script chooses who stands for election). Out: the simulator after the script, whose
//! checker says whether any safety property broke.
//!
//! [`figure8`] replays the scenario of Figure 8 of Ongaro and Ousterhout (2014). Servers
//! are numbered from 0 here, so the paper's S1 is server 0 and its S5 is server 4.
//! [`forgotten_vote`] shows why `votedFor` must survive a restart, and
//! [`retried_command`] why the state machine keeps client sessions.

use super::node::{CommitRule, Config};
use super::session::command;
use super::sim::{Faults, Sim};

/// Timers long enough never to fire during a script, and no no-op on election, so that
/// the script alone decides what each log holds.
fn scripted(rule: CommitRule) -> Sim {
    let config = Config {
        election_timeout: (60_000, 60_001),
        noop_on_election: false,
        commit_rule: rule,
        ..Config::default()
    };
    let faults = Faults {
        delay: (1, 2),
        ..Faults::NONE
    };
    Sim::new(5, config, faults, 8)
}

// region: figure8
/// Figure 8 of the Raft paper, with `rule` as the leaders' commit rule.
///
/// ```
/// use snippets::raft::node::CommitRule;
/// use snippets::raft::scenario::figure8;
///
/// assert!(figure8(CommitRule::CurrentTermOnly).checker().violations().is_empty());
/// assert!(!figure8(CommitRule::AnyTermBroken).checker().violations().is_empty());
/// ```
pub fn figure8(rule: CommitRule) -> Sim {
    let mut sim = scripted(rule);
    // S1 leads term 1; command 1 commits everywhere.
    sim.force_timeout(0);
    sim.run(10);
    sim.propose(0);
    sim.run(60);
    // (a) S1, cut off with S2, appends command 2 at index 2: on 2 of 5 servers only.
    sim.partition(&[&[0, 1], &[2, 3, 4]]);
    sim.propose(0);
    sim.run(10);
    // (b) S1 crashes. S5 wins term 2 with S3 and S4, and appends command 3 at index 2,
    // alone on its side of a new partition.
    sim.crash(0);
    sim.force_timeout(4);
    sim.run(10);
    sim.partition(&[&[4], &[0, 1, 2, 3]]);
    sim.propose(4);
    sim.run(10);
    // (c) S5 crashes, S1 restarts, wins term 3 with S2 and S3 (S4 is cut off), and
    // copies its index 2 (term 1) to S3: now on 3 of 5 servers.
    sim.crash(4);
    sim.restart(0);
    sim.partition(&[&[0, 1, 2], &[3], &[4]]);
    sim.force_timeout(0);
    sim.run(10);
    sim.force_timeout(0);
    sim.run(70);
    // (d) S1 crashes. S5 restarts and wins term 4 with S2, S3 and S4: its last entry
    // (term 2) is more up to date than theirs (term 1). It overwrites index 2 everywhere.
    sim.crash(0);
    sim.restart(4);
    sim.heal();
    sim.force_timeout(4);
    sim.run(10);
    sim.force_timeout(4);
    sim.run(10);
    sim.propose(4);
    sim.run(120);
    sim
}
// endregion: figure8

/// A server votes, crashes and restarts; `forget` decides whether its restart loses
/// `votedFor` (the mistake of keeping it in memory) or keeps it (Raft's rule).
///
/// Three servers: S1 (server 0) wins term 1 with S2's vote. S2 crashes and restarts while a
/// partition separates S1 from S2 and S3. S3 then stands in term 1 and asks S2 for its vote.
///
/// ```
/// use snippets::raft::scenario::forgotten_vote;
///
/// assert!(forgotten_vote(false).checker().violations().is_empty());
/// assert!(!forgotten_vote(true).checker().violations().is_empty());
/// ```
pub fn forgotten_vote(forget: bool) -> Sim {
    // No no-op on election, so that all logs stay empty and S3's is as up to date as S2's.
    let config = Config {
        election_timeout: (60_000, 60_001),
        noop_on_election: false,
        ..Config::default()
    };
    let faults = Faults {
        delay: (1, 2),
        ..Faults::NONE
    };
    let mut sim = Sim::new(3, config, faults, 8);
    // S1 stands in term 1; only S2 hears it, and votes for it.
    sim.partition(&[&[0, 1], &[2]]);
    sim.force_timeout(0);
    sim.run(10);
    // S2 crashes and comes back on S3's side of a new partition.
    sim.crash(1);
    if forget {
        sim.restart_forgetting_vote(1);
    } else {
        sim.restart(1);
    }
    sim.partition(&[&[0], &[1, 2]]);
    // S3 stands in term 1 too, and asks S2.
    sim.force_timeout(2);
    sim.run(10);
    sim
}

// region: retried_command
/// A client's command commits, but the leader crashes before it answers, so the client
/// sends the command again to the next leader. `sessions` decides whether the state
/// machines keep client sessions.
///
/// Five servers: S1 (server 0) leads term 1 and commits client 7's command 1 on a
/// majority, then crashes. S2 wins term 2; the client retries command 1 there, and it
/// commits a second time. S1 restarts and catches up.
///
/// ```
/// use snippets::raft::scenario::retried_command;
///
/// assert!(retried_command(true).machines().iter().all(|m| m.counter() == 1));
/// assert!(retried_command(false).machines().iter().all(|m| m.counter() == 2));
/// ```
pub fn retried_command(sessions: bool) -> Sim {
    let mut sim = scripted(CommitRule::CurrentTermOnly);
    sim.set_sessions(sessions);
    sim.force_timeout(0);
    sim.run(10);
    let first = sim.submit(0, command(7, 1));
    assert!(first.is_some(), "S1 leads term 1");
    sim.run(10); // on every server and committed on S1, whose answer never leaves
    sim.crash(0);
    sim.force_timeout(1);
    sim.run(10);
    let retry = sim.submit(1, command(7, 1)); // the client's retry, same serial number
    assert!(retry.is_some(), "S2 leads term 2");
    sim.run(10);
    sim.restart(0);
    sim.run(120); // a heartbeat or two: S1 learns the commit point again
    sim
}
// endregion: retried_command

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::check::Violation;
    use crate::raft::node::{NOOP, Role};

    #[test]
    fn the_broken_rule_loses_a_committed_entry() {
        let sim = figure8(CommitRule::AnyTermBroken);
        let v = sim.checker().violations();
        // S1 counted three copies of its term-1 entry and committed it; S5 then won
        // without it and replaced it.
        assert!(
            v.contains(&Violation::LeaderCompleteness {
                node: 4,
                term: 4,
                index: 2
            }),
            "{v:?}"
        );
        assert!(
            v.iter()
                .any(|v| matches!(v, Violation::StateMachineSafety { index: 2, .. })),
            "{v:?}"
        );
    }

    #[test]
    fn a_forgotten_vote_elects_two_leaders_in_one_term() {
        let sim = forgotten_vote(true);
        let v = sim.checker().violations();
        assert!(
            v.contains(&Violation::DoubleVote { node: 1, term: 1 }),
            "{v:?}"
        );
        assert!(
            v.contains(&Violation::ElectionSafety {
                term: 1,
                first: 0,
                second: 2
            }),
            "{v:?}"
        );
    }

    #[test]
    fn a_remembered_vote_is_refused_again() {
        let sim = forgotten_vote(false);
        assert_eq!(sim.checker().violations(), &[]);
        assert_eq!(sim.nodes()[2].role(), Role::Candidate);
    }

    #[test]
    fn a_retried_command_is_applied_once_with_sessions() {
        let sim = retried_command(true);
        assert_eq!(sim.checker().violations(), &[]);
        let retried = command(7, 1);
        for (node, machine) in sim.nodes().iter().zip(sim.machines()) {
            // The log holds the command twice, once per term ...
            let copies = node.log().iter().filter(|e| e.command == retried).count();
            assert_eq!(copies, 2);
            assert_eq!(machine.applied(), node.log().len());
            // ... and the machine handed out one number for it.
            assert_eq!(machine.counter(), 1);
            assert_eq!(machine.session(7), Some((1, 1)));
        }
    }

    #[test]
    fn without_sessions_the_retry_is_applied_twice() {
        let sim = retried_command(false);
        assert_eq!(sim.checker().violations(), &[]);
        for machine in sim.machines() {
            assert_eq!(machine.counter(), 2);
            assert_eq!(machine.session(7), None);
        }
    }

    #[test]
    fn the_current_term_rule_keeps_it_safe() {
        let sim = figure8(CommitRule::CurrentTermOnly);
        assert_eq!(sim.checker().violations(), &[]);
        // S5's entry at index 2 won; it committed with S5's own term-4 entry.
        let s5 = &sim.nodes()[4];
        assert_eq!((s5.role(), s5.term()), (Role::Leader, 4));
        assert_eq!(s5.log()[1].term, 2);
        assert_eq!(s5.commit_index(), 3);
        assert_ne!(s5.log()[2].command, NOOP);
    }
}
