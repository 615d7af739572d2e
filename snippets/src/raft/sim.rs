//! A simulated cluster: Raft servers on a seeded, unreliable network.
//!
//! In: a cluster size, a [`Config`], the [`Faults`] to inject and a seed; then either a
//! random run ([`Sim::run`]) or scripted steps ([`Sim::crash`], [`Sim::partition`],
//! [`Sim::cut_links`], [`Sim::force_timeout`], [`Sim::propose`], [`Sim::submit`] and so
//! on). Out: the servers' states and state machines, the [`Checker`]'s verdict after every
//! event, and optionally an event trace in the format of [`super::trace`].
//!
//! Time advances in steps of one millisecond. In each step the simulator first injects
//! random faults (if any are configured), then delivers every message that is due, then
//! ticks every live server. Everything random comes from one [`Mulberry32`], so a seed
//! replays the same run, event for event.

use super::check::{Checker, Violation};
use super::node::{Config, Entry, Envelope, Index, Message, Node, NodeId, Role, Term};
use super::rng::Mulberry32;
use super::session::Machine;
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
    /// Chance that a message is slow: it takes a heavy-tailed delay of at least
    /// [`SLOW_MS`] milliseconds, longer than `x` with probability `SLOW_MS / x`, capped at
    /// `slow_max`. Such a message can arrive several elections after it was sent.
    pub slow: u32,
    /// The longest delay of a slow message, in milliseconds.
    pub slow_max: u64,
    /// Chance, each millisecond, that some links fail in one direction only: either one
    /// random group of servers can no longer send to the others (but still hears them), or
    /// each directed link fails independently with probability one half.
    pub cut: u32,
    /// Chance, each millisecond, that a client sends a burst of [`BURST`] commands at once
    /// to a random live server, so that a follower that missed it lags by more than one
    /// AppendEntries batch.
    pub burst: u32,
    /// Chance, each millisecond, that the current leader crashes (on top of `crash`, which
    /// picks any server). Fault injectors aim at the leader because its crash is the one
    /// that forces an election and leaves its latest entries on only some servers.
    pub leader_crash: u32,
    /// Chance, each millisecond, that the client sends its latest command again, with the
    /// same serial number, to a random live server, as a client does after a timeout.
    pub retry: u32,
}

/// The shortest delay of a slow message, in milliseconds: one heartbeat interval.
pub const SLOW_MS: u64 = 50;
/// Commands in one client burst: more than two batches of [`Config::max_batch`]'s default.
pub const BURST: usize = 40;

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
        slow: 0,
        slow_max: 0,
        cut: 0,
        burst: 0,
        leader_crash: 0,
        retry: 0,
    };

    /// The reference scenario: everything in [`Faults::CLEAN`], and also 5% of messages
    /// slow (up to 3 s), about one one-way or partial cut a second, a burst of 40 commands
    /// every third of a second and a leader crash every half second on average.
    pub const CHAOS: Faults = Faults {
        slow: 50,
        slow_max: 3_000,
        cut: 1,
        burst: 3,
        leader_crash: 2,
        ..Faults::CLEAN
    };

    /// The earlier reference scenario, kept to show its blind spot: every message arrives
    /// within 10 ms, far below the election timeout, and every partition is a clean
    /// two-way split. Bugs that need a message from an old term to arrive late go unseen.
    pub const CLEAN: Faults = Faults {
        delay: (1, 11),
        loss: 200,
        duplicate: 10,
        crash: 1,
        restart: 4,
        partition: 1,
        heal: 2,
        client: 20,
        slow: 0,
        slow_max: 0,
        cut: 0,
        burst: 0,
        leader_crash: 0,
        retry: 0,
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
    /// `cut[from][to]`: messages from `from` to `to` are dropped.
    cut: Vec<Vec<bool>>,
    machines: Vec<Machine>,
    sessions: bool,
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
            cut: vec![vec![false; n]; n],
            machines: vec![Machine::new(true); n],
            sessions: true,
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

    /// Each server's state machine, fed the server's committed entries in order.
    pub fn machines(&self) -> &[Machine] {
        &self.machines
    }

    /// Turns client sessions in the state machines on (the default) or off, and starts
    /// every machine afresh. Off, a retried command is applied once per copy in the log.
    pub fn set_sessions(&mut self, on: bool) {
        self.sessions = on;
        self.machines = vec![Machine::new(on); self.nodes.len()];
    }

    /// Applies what server `id` has newly committed to its state machine.
    fn apply(&mut self, id: NodeId) {
        let node = &self.nodes[id];
        let machine = &mut self.machines[id];
        let end = node.commit_index().min(node.log().len());
        while machine.applied() < end {
            machine.apply(&node.log()[machine.applied()]);
        }
    }

    /// The live leader with the highest term, if any.
    pub fn leader(&self) -> Option<NodeId> {
        (0..self.nodes.len())
            .filter(|&i| self.up[i] && self.nodes[i].role() == Role::Leader)
            .max_by_key(|&i| self.nodes[i].term())
    }

    fn connected(&self, from: NodeId, to: NodeId) -> bool {
        self.side[from] == self.side[to] && !self.cut[from][to]
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
                let at = self.now + self.delay();
                self.in_flight.insert((at, id), env.clone());
            }
        }
    }

    /// One message's delay: usually uniform in `delay`, sometimes from the heavy tail.
    fn delay(&mut self) -> u64 {
        let f = self.faults;
        // Draw only when slow messages are on, so that other runs keep their streams.
        if f.slow > 0 && self.rng.chance(f.slow) {
            // Pareto with shape 1: P(delay > x) = SLOW_MS / x.
            let u = self.rng.range(1, 1_000_001);
            return (SLOW_MS * 1_000_000 / u).min(f.slow_max);
        }
        self.rng.range(f.delay.0, f.delay.1)
    }

    /// Runs `f` on server `id`, then checks it, traces what changed and sends its output.
    fn act(&mut self, id: NodeId, f: impl FnOnce(&mut Node) -> Vec<Envelope>) {
        let before = self.trace.is_some().then(|| self.nodes[id].clone());
        let out = f(&mut self.nodes[id]);
        self.checker.observe(&self.nodes[id]);
        self.apply(id);
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
                self.apply(id);
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
        if f.leader_crash > 0
            && self.rng.chance(f.leader_crash)
            && let Some(leader) = self.leader()
        {
            self.crash(leader);
        }
        if f.cut > 0 && self.rng.chance(f.cut) {
            self.random_cut();
        }
        let split = self.side.iter().any(|&s| s != 0) || self.cut.iter().flatten().any(|&c| c);
        if split && self.rng.chance(f.heal) {
            self.heal();
        }
        if self.rng.chance(f.client) {
            let id = self.rng.range(0, n as u64) as NodeId;
            self.propose(id);
        }
        if f.retry > 0 && self.rng.chance(f.retry) && self.next_command > 1 {
            let id = self.rng.range(0, n as u64) as NodeId;
            self.submit(id, self.next_command - 1);
        }
        if f.burst > 0 && self.rng.chance(f.burst) {
            let id = self.rng.range(0, n as u64) as NodeId;
            for _ in 0..BURST {
                self.propose(id);
            }
        }
    }

    /// Fails links in one direction: a one-way partition or a random partial cut.
    fn random_cut(&mut self) {
        let n = self.nodes.len();
        let mut links = Vec::new();
        if self.rng.chance(500) {
            // One-way: a random group can no longer send to the rest, but still hears it.
            let mute: Vec<bool> = (0..n).map(|_| self.rng.chance(500)).collect();
            for from in 0..n {
                for to in 0..n {
                    if mute[from] && !mute[to] {
                        links.push((from, to));
                    }
                }
            }
        } else {
            // Partial connectivity: each directed link fails with probability one half.
            for from in 0..n {
                for to in 0..n {
                    if from != to && self.rng.chance(500) {
                        links.push((from, to));
                    }
                }
            }
        }
        self.cut_links(&links);
    }

    /// Fails the directed links `(from, to)` in `links`, on top of any partition; the
    /// other direction of each link keeps working. [`Sim::heal`] restores them.
    pub fn cut_links(&mut self, links: &[(NodeId, NodeId)]) {
        self.events += 1;
        for &(from, to) in links {
            self.cut[from][to] = true;
        }
        let all: Vec<(NodeId, NodeId)> = (0..self.nodes.len())
            .flat_map(|f| (0..self.nodes.len()).map(move |t| (f, t)))
            .filter(|&(f, t)| self.cut[f][t])
            .collect();
        self.emit(|t| trace::cut(t, &all));
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
        // The state machine is volatile too: it is rebuilt by replaying the log as the
        // server learns the commit point again.
        self.machines[id] = Machine::new(self.sessions);
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

    /// Reconnects every server, in both directions.
    pub fn heal(&mut self) {
        self.events += 1;
        let n = self.nodes.len();
        self.side = vec![0; n];
        self.cut = vec![vec![false; n]; n];
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
        let command = self.next_command;
        self.next_command += 1;
        self.submit(id, command)
    }

    /// A client sends `command` to server `id`, for example a retry of a command whose
    /// answer it never received; returns its index and term if a live leader accepted it.
    pub fn submit(&mut self, id: NodeId, command: u64) -> Option<(Index, Term, u64)> {
        if !self.up[id] {
            return None;
        }
        self.events += 1;
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

/// The first seed of `0..seeds` whose run breaks a safety property, with what broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catch {
    /// The seed that replays the run.
    pub seed: u32,
    /// The first violation the checker reported in it.
    pub violation: Violation,
}

/// Runs the reference scenario (`chaos_ms` of `faults`, then a heal and three seconds
/// more) for seeds `0, 1, 2, …` until the checker reports a violation, and returns the
/// first one; `None` if every seed below `seeds` stays safe. Tests use it to show that a
/// planted bug ([`super::node::Bugs`]) is caught, and by which seed.
///
/// ```
/// use snippets::raft::node::{Bugs, Config};
/// use snippets::raft::sim::{Faults, first_violation};
///
/// let bugs = Bugs { skip_log_check: true, ..Bugs::default() };
/// let config = Config { bugs, ..Config::default() };
/// let caught = first_violation(5, config, Faults::CHAOS, 6_000, 100).expect("caught");
/// assert!(caught.seed < 100);
/// ```
pub fn first_violation(
    n: usize,
    config: Config,
    faults: Faults,
    chaos_ms: u64,
    seeds: u32,
) -> Option<Catch> {
    (0..seeds).find_map(|seed| {
        let mut sim = Sim::new(n, config, faults, seed);
        sim.run(chaos_ms);
        sim.heal_and_wait(3_000);
        sim.run(1_000);
        let violation = sim.checker().violations().first()?.clone();
        Some(Catch { seed, violation })
    })
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
    fn slow_messages_have_a_heavy_tail() {
        let faults = Faults {
            slow: 1_000, // every message slow, to measure the tail
            slow_max: 3_000,
            ..Faults::NONE
        };
        let mut sim = Sim::new(3, Config::default(), faults, 5);
        let delays: Vec<u64> = (0..60_000).map(|_| sim.delay()).collect();
        let share = |ms| delays.iter().filter(|&&d| d > ms).count() as f64 / 60_000.0;
        assert!(delays.iter().all(|&d| (SLOW_MS..=3_000).contains(&d)));
        // P(delay > x) = 50 / x: one in six beyond the longest election timeout.
        assert!((share(300) - 50.0 / 300.0).abs() < 0.01, "{}", share(300));
        assert!((share(1_000) - 0.05).abs() < 0.005, "{}", share(1_000));
    }

    #[test]
    fn a_one_way_cut_deposes_a_leader_that_still_hears_everyone() {
        let mut sim = Sim::new(3, Config::default(), Faults::NONE, 1);
        sim.run(500);
        let old = sim.leader().expect("a leader within 500 ms");
        let others: Vec<NodeId> = (0..3).filter(|&i| i != old).collect();
        // The leader can no longer send, but still receives.
        sim.cut_links(&[(old, others[0]), (old, others[1])]);
        sim.run(1_000);
        let new = sim.leader().expect("a new leader");
        assert_ne!(new, old);
        // The old leader heard the new term and stepped down, though nobody hears it.
        assert_eq!(sim.nodes()[old].role(), Role::Follower);
        assert_eq!(sim.nodes()[old].term(), sim.nodes()[new].term());
        sim.heal();
        sim.run(200);
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
