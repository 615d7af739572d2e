//! The event trace of a simulated run, as JSON Lines.
//!
//! In: the simulator's events as they happen. Out: one JSON object per line, with a fixed
//! key order, so two runs of one seed give byte-identical traces and a browser tool can
//! replay a trace line by line with `JSON.parse`. Written by hand, without a JSON crate.
//!
//! Every line has `t` (simulated milliseconds) and `ev` (the event kind). The kinds:
//!
//! | `ev` | Other keys | Meaning |
//! |---|---|---|
//! | `start` | `format`, `nodes`, `seed` | the first line; `format` is [`FORMAT`] |
//! | `send` | `id`, `from`, `to`, `msg`, and `copyOf` for a duplicate | a message leaves |
//! | `deliver` | `id` | message `id` reaches its receiver, which handles it |
//! | `drop` | `id`, `why` (`loss`, `partition`, `crashed`) | message `id` never arrives; `partition` covers cut links too |
//! | `state` | `node`, `role` (`follower`, `candidate`, `leader`), `term` | a role or term change |
//! | `log` | `node`, `from`, `entries` (`[[term, command], …]`) | the log is now its first `from - 1` entries followed by `entries` |
//! | `commit` | `node`, `index` | the commit index changes |
//! | `crash`, `restart` | `node` | a server stops; a server starts again from its persistent state |
//! | `partition` | `groups` (`[[0, 1], [2, 3, 4]]`) | servers talk only within their group |
//! | `cut` | `links` (`[[0, 1], [2, 0]]`) | messages from the first server of each pair to the second are dropped, on top of any partition; the list is every link now cut |
//! | `heal` | | every server can reach every other, in both directions |
//! | `propose` | `node`, `command`, `accepted` | a client sends a command; only a leader accepts |
//!
//! `msg` is an object whose `type` is `RequestVote` (`term`, `lastLogIndex`, `lastLogTerm`),
//! `Vote` (`term`, `granted`), `AppendEntries` (`term`, `prevLogIndex`, `prevLogTerm`,
//! `entries`, `leaderCommit`) or `AppendReply` (`term`, `success`, `matchIndex`). Servers
//! are numbered from 0, log indexes from 1, and command 0 is a new leader's no-op.

use super::node::{Entry, Envelope, Message, Node, NodeId, Role};
use std::fmt::Write as _;

/// The format's name and version, in the `start` line. A change that could break a
/// replaying tool bumps the number.
pub const FORMAT: &str = "dsbook-raft-trace/1";

fn entries(list: &[Entry]) -> String {
    let items: Vec<String> = list
        .iter()
        .map(|e| format!("[{},{}]", e.term, e.command))
        .collect();
    format!("[{}]", items.join(","))
}

fn message(m: &Message) -> String {
    match m {
        Message::RequestVote {
            term,
            last_log_index,
            last_log_term,
        } => format!(
            r#"{{"type":"RequestVote","term":{term},"lastLogIndex":{last_log_index},"lastLogTerm":{last_log_term}}}"#
        ),
        Message::Vote { term, granted } => {
            format!(r#"{{"type":"Vote","term":{term},"granted":{granted}}}"#)
        }
        Message::AppendEntries {
            term,
            prev_log_index,
            prev_log_term,
            entries: list,
            leader_commit,
        } => format!(
            r#"{{"type":"AppendEntries","term":{term},"prevLogIndex":{prev_log_index},"prevLogTerm":{prev_log_term},"entries":{},"leaderCommit":{leader_commit}}}"#,
            entries(list)
        ),
        Message::AppendReply {
            term,
            success,
            match_index,
        } => format!(
            r#"{{"type":"AppendReply","term":{term},"success":{success},"matchIndex":{match_index}}}"#
        ),
    }
}

/// The first line of a trace.
pub fn start(t: u64, nodes: usize, seed: u32) -> String {
    format!(r#"{{"t":{t},"ev":"start","format":"{FORMAT}","nodes":{nodes},"seed":{seed}}}"#)
}

/// A message leaves; `copy_of` names the original of a duplicate.
pub fn send(t: u64, id: u64, copy_of: Option<u64>, env: &Envelope) -> String {
    let mut line = format!(
        r#"{{"t":{t},"ev":"send","id":{id},"from":{},"to":{},"msg":{}"#,
        env.from,
        env.to,
        message(&env.message)
    );
    if let Some(first) = copy_of {
        let _ = write!(line, r#","copyOf":{first}"#);
    }
    line.push('}');
    line
}

/// Message `id` arrives and is handled.
pub fn deliver(t: u64, id: u64) -> String {
    format!(r#"{{"t":{t},"ev":"deliver","id":{id}}}"#)
}

/// Message `id` is lost, cut off by a partition, or reaches a crashed server.
pub fn drop(t: u64, id: u64, why: &str) -> String {
    format!(r#"{{"t":{t},"ev":"drop","id":{id},"why":"{why}"}}"#)
}

/// A server's role or term changed.
pub fn state(t: u64, node: &Node) -> String {
    let role = match node.role() {
        Role::Follower => "follower",
        Role::Candidate => "candidate",
        Role::Leader => "leader",
    };
    format!(
        r#"{{"t":{t},"ev":"state","node":{},"role":"{role}","term":{}}}"#,
        node.id(),
        node.term()
    )
}

/// A server's log is now its first `from - 1` entries followed by `tail`.
pub fn log(t: u64, node: NodeId, from: usize, tail: &[Entry]) -> String {
    format!(
        r#"{{"t":{t},"ev":"log","node":{node},"from":{from},"entries":{}}}"#,
        entries(tail)
    )
}

/// A server's commit index changed.
pub fn commit(t: u64, node: NodeId, index: usize) -> String {
    format!(r#"{{"t":{t},"ev":"commit","node":{node},"index":{index}}}"#)
}

/// A server crashed.
pub fn crash(t: u64, node: NodeId) -> String {
    format!(r#"{{"t":{t},"ev":"crash","node":{node}}}"#)
}

/// A server restarted from its persistent state.
pub fn restart(t: u64, node: NodeId) -> String {
    format!(r#"{{"t":{t},"ev":"restart","node":{node}}}"#)
}

/// The network split into `groups`.
pub fn partition(t: u64, groups: &[Vec<NodeId>]) -> String {
    let list: Vec<String> = groups
        .iter()
        .map(|g| {
            let ids: Vec<String> = g.iter().map(ToString::to_string).collect();
            format!("[{}]", ids.join(","))
        })
        .collect();
    format!(
        r#"{{"t":{t},"ev":"partition","groups":[{}]}}"#,
        list.join(",")
    )
}

/// The directed links in `links` are cut (every cut link, not only the new ones).
pub fn cut(t: u64, links: &[(NodeId, NodeId)]) -> String {
    let list: Vec<String> = links.iter().map(|(f, to)| format!("[{f},{to}]")).collect();
    format!(r#"{{"t":{t},"ev":"cut","links":[{}]}}"#, list.join(","))
}

/// The network healed.
pub fn heal(t: u64) -> String {
    format!(r#"{{"t":{t},"ev":"heal"}}"#)
}

/// A client sent `command` to `node`.
pub fn propose(t: u64, node: NodeId, command: u64, accepted: bool) -> String {
    format!(r#"{{"t":{t},"ev":"propose","node":{node},"command":{command},"accepted":{accepted}}}"#)
}

#[cfg(test)]
mod tests {
    use crate::raft::node::Config;
    use crate::raft::sim::{Faults, Sim};
    use std::path::PathBuf;

    /// A short run with every kind of event: an election, commands, a crash and restart,
    /// a partition and a heal, on a network that loses and duplicates messages.
    fn golden_run() -> String {
        let faults = Faults {
            loss: 100,
            duplicate: 50,
            ..Faults::NONE
        };
        let mut sim = Sim::new(3, Config::default(), faults, 2024);
        sim.record(2024);
        sim.run(400);
        let leader = sim.leader().expect("a leader after 400 ms");
        sim.propose(leader);
        sim.propose((leader + 1) % 3);
        sim.run(60);
        sim.partition(&[&[leader], &[(leader + 1) % 3, (leader + 2) % 3]]);
        sim.propose(leader);
        sim.run(400);
        sim.heal();
        sim.crash((leader + 1) % 3);
        sim.run(100);
        sim.restart((leader + 1) % 3);
        sim.run(200);
        assert!(sim.checker().violations().is_empty());
        sim.trace()
    }

    #[test]
    fn golden_trace_is_current() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/raft/golden-trace.jsonl");
        let actual = golden_run();
        if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
            std::fs::write(&path, &actual).unwrap();
            return;
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing; UPDATE_EXPECT=1 writes it", path.display()));
        if let Some((n, (want, got))) = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
        {
            panic!(
                "{} differs at line {}:\nexpected: {want}\nactual:   {got}\nUPDATE_EXPECT=1 rewrites it",
                path.display(),
                n + 1
            );
        }
        assert_eq!(
            expected.lines().count(),
            actual.lines().count(),
            "line count"
        );
    }

    #[test]
    fn a_cut_lists_every_failed_link() {
        let mut sim = Sim::new(3, Config::default(), Faults::NONE, 1);
        sim.record(1);
        sim.cut_links(&[(2, 0)]);
        sim.cut_links(&[(0, 1)]);
        sim.heal();
        let lines: Vec<String> = sim.trace().lines().skip(1).map(String::from).collect();
        assert_eq!(
            lines,
            [
                r#"{"t":0,"ev":"cut","links":[[2,0]]}"#,
                r#"{"t":0,"ev":"cut","links":[[0,1],[2,0]]}"#,
                r#"{"t":0,"ev":"heal"}"#,
            ]
        );
    }

    #[test]
    fn every_line_is_one_flat_json_object_with_t_and_ev() {
        for line in golden_run().lines() {
            assert!(
                line.starts_with(r#"{"t":"#) && line.ends_with('}'),
                "{line}"
            );
            assert!(line.contains(r#","ev":""#), "{line}");
            let opens = line.matches(['{', '[']).count();
            let closes = line.matches(['}', ']']).count();
            assert_eq!(opens, closes, "{line}");
        }
    }
}
