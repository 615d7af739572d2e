//! A simulated cluster: Raft servers on a seeded, unreliable network.
//!
//! In: a cluster size, a [`Config`], the [`Faults`] to inject and a seed; then either a
//! random run ([`Sim::run`]) or scripted steps ([`Sim::crash`], [`Sim::partition`],
//! [`Sim::force_timeout`], [`Sim::propose`] and so on). Out: the servers' states, the
//! [`Checker`]'s verdict after every event, and optionally an event trace in the format
//! of [`super::trace`].
//!
//! Time advances in steps of one millisecond. In each step the simulator first injects
//! random faults (if any are configured), then delivers every message that is due, then
//! ticks every live server. Everything random comes from one [`Mulberry32`], so a seed
//! replays the same run, event for event.

use super::check::Checker;
use super::node::{Config, Entry, Envelope, Index, Message, Node, NodeId, Role, Term};
use super::rng::Mulberry32;
use super::trace;
use std::collections::BTreeMap;

/// How unreliable the simulated network and servers are. Probabilities are in per mille.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Faults {
    /// A message takes `min..max` milliseconds, drawn per message, so messages reorder.
    pub delay: (u64, u64),
    /// Chance that a message is lost.
    pub loss: u32,
    /// Chance that a message is delivered twice.
    pub duplicate: u32,
    /// Chance, each millisecond, that one random live server crashes.
    pub crash: u32,
    /// Chance, each millisecond, that one random crashed server restarts.
    pub restart: u32,
    /// Chance, each millisecond, that the network splits into two random sides.
    pub partition: u32,
    /// Chance, each millisecond, that a split network heals.
    pub heal: u32,
    /// Chance, each millisecond, that a client sends a command to a random live server.
    pub client: u32,
}

impl Faults {
    /// A network that delivers everything once, in 1–10 ms, and servers that never crash.
    pub const NONE: Faults = Faults {
        delay: (1, 11),
        loss: 0,
        duplicate: 0,
        crash: 0,
        restart: 0,
        partition: 0,
        heal: 0,
        client: 0,
    };

    /// The reference scenario: 1–10 ms delays, 20% loss, 1% duplicates, about one crash and
    /// one partition a second, and a client command every 50 ms on average.
    pub const CHAOS: Faults = Faults {
        delay: (1, 11),
        loss: 200,
        duplicate: 10,
        crash: 1,
        restart: 4,
        partition: 1,
        heal: 2,
        client: 20,
    };
}

/// The outcome of [`Sim::heal_and_wait`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recovery {
    /// Milliseconds from the heal until a command sent after it was committed.
    pub commit_after_ms: u64,
}

/// A cluster, its network and its checker.
#[derive(Debug, Clone)]
pub struct Sim {
    now: u64,
    config: Config,
    faults: Faults,
    nodes: Vec<Node>,
    up: Vec<bool>,
    side: Vec<u8>,
    in_flight: BTreeMap<(u64, u64), Envelope>,
    next_message: u64,
    next_command: u64,
    rng: Mulberry32,
    checker: Checker,
    trace: Option<Vec<String>>,
    events: u64,
}

impl Sim {
    /// A cluster of `n` fresh servers.
    ///
    /// ```
    /// use snippets::raft::node::Config;
    /// use snippets::raft::sim::{Faults, Sim};
    ///
    /// let mut sim = Sim::new(5, Config::default(), Faults::NONE, 7);
    /// sim.run(1_000);
    /// assert!(sim.leader().is_some());
    /// assert!(sim.checker().violations().is_empty());
    /// ```
    pub fn new(n: usize, config: Config, faults: Faults, seed: u32) -> Sim {
        let mut rng = Mulberry32::new(seed);
        let nodes = (0..n)
            .map(|id| Node::new(id, n, config, rng.next_u32()))
            .collect();
        Sim {
            now: 0,
            config,
            faults,
            nodes,
            up: vec![true; n],
            side: vec![0; n],
            in_flight: BTreeMap::new(),
            next_message: 0,
            next_command: 1,
            rng,
            checker: Checker::new(n),
            trace: None,
            events: 0,
        }
    }

    /// Starts recording the event trace (see [`super::trace`]) from this point.
    pub fn record(&mut self, seed: u32) {
        let n = self.nodes.len();
        self.trace = Some(vec![trace::start(self.now, n, seed)]);
    }

    /// The recorded trace, one JSON object per line; empty if not recording.
    pub fn trace(&self) -> String {
        self.trace
            .as_ref()
            .map(|lines| lines.iter().map(|l| format!("{l}\n")).collect())
            .unwrap_or_default()
    }

    fn emit(&mut self, line: impl FnOnce(u64) -> String) {
        if let Some(lines) = self.trace.as_mut() {
            lines.push(line(self.now));
        }
    }

    /// The servers, crashed or not (a crashed server keeps its last state until restart).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
    /// Whether server `id` is running.
    pub fn is_up(&self, id: NodeId) -> bool {
        self.up[id]
    }
    /// The checker, with every violation found so far.
    pub fn checker(&self) -> &Checker {
        &self.checker
    }
    /// The simulated time in milliseconds.
    pub fn now(&self) -> u64 {
        self.now
    }
    /// Events so far: deliveries, drops, timer firings, faults and client commands.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The live leader with the highest term, if any.
    pub fn leader(&self) -> Option<NodeId> {
        (0..self.nodes.len())
            .filter(|&i| self.up[i] && self.nodes[i].role() == Role::Leader)
            .max_by_key(|&i| self.nodes[i].term())
    }

    fn connected(&self, a: NodeId, b: NodeId) -> bool {
        self.side[a] == self.side[b]
    }

    /// Sends what a server produced, through the lossy network.
    fn send(&mut self, out: Vec<Envelope>) {
        for env in out {
            if let Message::Vote {
                term,
                granted: true,
            } = env.message
            {
                self.checker.vote(env.from, env.to, term);
            }
            let copies = if self.rng.chance(self.faults.duplicate) {
                2
            } else {
                1
            };
            let mut first = None;
            for _ in 0..copies {
                let id = self.next_message;
                self.next_message += 1;
                self.emit(|t| trace::send(t, id, first, &env));
                first.get_or_insert(id);
                if self.rng.chance(self.faults.loss) {
                    self.events += 1;
                    self.emit(|t| trace::drop(t, id, "loss"));
                    continue;
                }
                let (low, high) = self.faults.delay;
                let at = self.now + self.rng.range(low, high);
                self.in_flight.insert((at, id), env.clone());
            }
        }
    }

    /// Runs `f` on server `id`, then checks it, traces what changed and sends its output.
    fn act(&mut self, id: NodeId, f: impl FnOnce(&mut Node) -> Vec<Envelope>) {
        let before = self.trace.is_some().then(|| self.nodes[id].clone());
        let out = f(&mut self.nodes[id]);
        self.checker.observe(&self.nodes[id]);
        if let Some(before) = before {
            self.trace_changes(&before);
        }
        self.send(out);
    }

    fn trace_changes(&mut self, before: &Node) {
        let after = self.nodes[before.id()].clone();
        if (before.role(), before.term()) != (after.role(), after.term()) {
            self.emit(|t| trace::state(t, &after));
        }
        let same = before
            .log()
            .iter()
            .zip(after.log())
            .take_while(|(a, b)| a == b)
            .count();
        if same != before.log().len() || same != after.log().len() {
            self.emit(|t| trace::log(t, after.id(), same + 1, &after.log()[same..]));
        }
        if before.commit_index() != after.commit_index() {
            self.emit(|t| trace::commit(t, after.id(), after.commit_index()));
        }
    }

    /// Advances time by one millisecond.
    pub fn step(&mut self) {
        self.now += 1;
        self.inject_faults();
        while let Some(entry) = self.in_flight.first_entry() {
            if entry.key().0 > self.now {
                break;
            }
            let ((_, id), env) = entry.remove_entry();
            self.events += 1;
            let why = if !self.up[env.to] {
                Some("crashed")
            } else if !self.connected(env.from, env.to) {
                Some("partition")
            } else {
                None
            };
            match why {
                Some(why) => self.emit(|t| trace::drop(t, id, why)),
                None => {
                    self.emit(|t| trace::deliver(t, id));
                    self.act(env.to, |n| n.step(env.from, env.message));
                }
            }
        }
        for id in 0..self.nodes.len() {
            if !self.up[id] {
                continue;
            }
            let (role, term) = (self.nodes[id].role(), self.nodes[id].term());
            let out = if self.trace.is_some() {
                let before = self.nodes[id].clone();
                let out = self.nodes[id].tick();
                self.trace_changes(&before);
                out
            } else {
                self.nodes[id].tick()
            };
            if !out.is_empty() || (role, term) != (self.nodes[id].role(), self.nodes[id].term()) {
                self.events += 1;
                self.checker.observe(&self.nodes[id]);
            }
            self.send(out);
        }
    }

    /// Runs `ms` milliseconds.
    pub fn run(&mut self, ms: u64) {
        for _ in 0..ms {
            self.step();
        }
    }

    fn inject_faults(&mut self) {
        let n = self.nodes.len();
        let f = self.faults;
        if self.rng.chance(f.crash) {
            let id = self.rng.range(0, n as u64) as NodeId;
            if self.up[id] {
                self.crash(id);
            }
        }
        if self.rng.chance(f.restart) {
            let id = self.rng.range(0, n as u64) as NodeId;
            if !self.up[id] {
                self.restart(id);
            }
        }
        if self.rng.chance(f.partition) {
            let sides: Vec<u8> = (0..n).map(|_| (self.rng.next_u32() & 1) as u8).collect();
            let groups: Vec<Vec<NodeId>> = (0..2u8)
                .map(|s| (0..n).filter(|&i| sides[i] == s).collect())
                .filter(|g: &Vec<NodeId>| !g.is_empty())
                .collect();
            let refs: Vec<&[NodeId]> = groups.iter().map(Vec::as_slice).collect();
            self.partition(&refs);
        }
        if self.side.iter().any(|&s| s != 0) && self.rng.chance(f.heal) {
            self.heal();
        }
        if self.rng.chance(f.client) {
            let id = self.rng.range(0, n as u64) as NodeId;
            self.propose(id);
        }
    }

    /// Crashes server `id`: it stops, and everything but its persistent state is lost.
    pub fn crash(&mut self, id: NodeId) {
        self.events += 1;
        self.up[id] = false;
        self.emit(|t| trace::crash(t, id));
    }

    /// Restarts a crashed server `id` from its persistent state.
    pub fn restart(&mut self, id: NodeId) {
        self.events += 1;
        let state = self.nodes[id].persistent().clone();
        let n = self.nodes.len();
        self.nodes[id] = Node::restart(id, n, self.config, state, self.rng.next_u32());
        self.up[id] = true;
        self.checker.restarted(id);
        self.emit(|t| trace::restart(t, id));
        let node = self.nodes[id].clone();
        self.emit(|t| trace::state(t, &node));
        self.checker.observe(&self.nodes[id]);
    }

    /// A deliberately broken restart that loses `votedFor`, as if the server had kept it
    /// only in memory. Tests use it to show that the checker notices a second vote.
    pub fn restart_forgetting_vote(&mut self, id: NodeId) {
        self.restart(id);
        let mut state = self.nodes[id].persistent().clone();
        state.voted_for = None;
        let n = self.nodes.len();
        self.nodes[id] = Node::restart(id, n, self.config, state, self.rng.next_u32());
    }

    /// Splits the network: servers talk only to servers in their own group. Servers not
    /// listed form one more group.
    pub fn partition(&mut self, groups: &[&[NodeId]]) {
        self.events += 1;
        self.side = vec![u8::MAX; self.nodes.len()];
        for (g, members) in groups.iter().enumerate() {
            for &id in *members {
                self.side[id] = g as u8;
            }
        }
        let listed: Vec<Vec<NodeId>> = (0..=u8::MAX)
            .map(|s| {
                (0..self.nodes.len())
                    .filter(|&i| self.side[i] == s)
                    .collect()
            })
            .filter(|g: &Vec<NodeId>| !g.is_empty())
            .collect();
        self.emit(|t| trace::partition(t, &listed));
    }

    /// Reconnects every server.
    pub fn heal(&mut self) {
        self.events += 1;
        self.side = vec![0; self.nodes.len()];
        self.emit(trace::heal);
    }

    /// Makes server `id` start an election now.
    pub fn force_timeout(&mut self, id: NodeId) {
        if self.up[id] {
            self.events += 1;
            self.act(id, Node::timeout_now);
        }
    }

    /// A client sends a new command to server `id`; returns its index and term if `id` is
    /// a live leader that accepted it.
    pub fn propose(&mut self, id: NodeId) -> Option<(Index, Term, u64)> {
        if !self.up[id] {
            return None;
        }
        self.events += 1;
        let command = self.next_command;
        self.next_command += 1;
        let mut accepted = None;
        self.act(id, |n| match n.propose(command) {
            Some((index, out)) => {
                accepted = Some((index, n.term(), command));
                out
            }
            None => Vec::new(),
        });
        let ok = accepted.is_some();
        self.emit(|t| trace::propose(t, id, command, ok));
        accepted
    }

    /// Ends the faults: heals the network, restarts every crashed server, and from then on
    /// delivers every message once. Then sends a command to the leader whenever there is
    /// one and waits, at most `bound_ms`, until such a command is committed.
    pub fn heal_and_wait(&mut self, bound_ms: u64) -> Option<Recovery> {
        self.faults = Faults {
            delay: self.faults.delay,
            ..Faults::NONE
        };
        self.heal();
        for id in 0..self.nodes.len() {
            if !self.up[id] {
                self.restart(id);
            }
        }
        let start = self.now;
        let mut sent: Option<(NodeId, Index, Term, u64)> = None;
        while self.now - start < bound_ms {
            if let Some(leader) = self.leader() {
                let stale =
                    sent.is_none_or(|(l, _, term, _)| l != leader || self.nodes[l].term() != term);
                if stale && let Some((index, term, command)) = self.propose(leader) {
                    sent = Some((leader, index, term, command));
                }
            }
            if let Some((l, index, term, command)) = sent {
                let node = &self.nodes[l];
                if node.term() == term
                    && node.commit_index() >= index
                    && node.log()[index - 1] == (Entry { term, command })
                {
                    return Some(Recovery {
                        commit_after_ms: self.now - start,
                    });
                }
            }
            self.step();
        }
        None
    }

    /// Whether every server holds the same log and commit index as the leader.
    pub fn converged(&self) -> bool {
        let Some(leader) = self.leader() else {
            return false;
        };
        let l = &self.nodes[leader];
        self.nodes
            .iter()
            .all(|n| n.log() == l.log() && n.commit_index() == l.commit_index())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_cluster_elects_one_leader_and_commits() {
        let mut sim = Sim::new(5, Config::default(), Faults::NONE, 1);
        sim.run(500);
        let leader = sim.leader().expect("a leader within 500 ms");
        let (index, _, _) = sim.propose(leader).unwrap();
        sim.run(100);
        assert!(sim.nodes().iter().all(|n| n.commit_index() >= index));
        assert!(sim.converged());
        assert!(sim.checker().violations().is_empty());
    }

    #[test]
    fn same_seed_same_run() {
        let run = |seed| {
            let mut sim = Sim::new(5, Config::default(), Faults::CHAOS, seed);
            sim.record(seed);
            sim.run(2_000);
            sim.trace()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }
}
