//! A replicated register on a simulated network, to produce histories worth checking.
//!
//! In: a [`Config`] (how many clients, operations, keys, followers and lost messages, and
//! where reads go) and a seed. Out: a [`Run`]: the [`History`] the clients observed and the
//! leader's log, the order in which writes took effect.
//!
//! One leader orders every write: it applies the write when the request arrives, answers,
//! and streams its log to the followers over links that keep order but take 1 to 20 ms.
//! Reads go where [`Reads`] says. Clients run one operation at a time and give up after
//! [`TIMEOUT_MS`]; a request or reply can be lost, which leaves the operation indeterminate,
//! and the client then carries on as a new process, as Knossos models a crashed one. Time is
//! simulated in milliseconds and every draw comes from one seeded generator, so a seed
//! replays a run exactly.

use std::collections::BTreeMap;

use super::history::{Action, History, INITIAL, Op, Time, Value};
use crate::raft::rng::Mulberry32;

/// How long a client waits for an answer before it gives the operation up, in ms.
pub const TIMEOUT_MS: Time = 100;

/// Where clients send their reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Every read goes to the leader, which holds every acknowledged write.
    Leader,
    /// Each read goes to a replica picked at random, which answers from what it holds.
    AnyReplica,
    /// Each read goes to a replica picked at random, with the client's session token: the
    /// highest log index it has written or read. The replica answers only once it has
    /// applied the log up to that index.
    AnyReplicaWithToken,
}

/// The shape of a simulated run.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Concurrent clients.
    pub clients: u32,
    /// Operations each client issues, including those that time out.
    pub ops_per_client: u32,
    /// Registers; each operation picks one at random.
    pub keys: u32,
    /// Followers besides the leader.
    pub followers: u32,
    /// Per mille of client requests and replies lost on the network.
    pub loss_per_mille: u32,
    /// Per mille of operations that are writes.
    pub write_per_mille: u32,
    /// Where reads go.
    pub reads: Reads,
}

impl Config {
    /// Four clients, six operations each, one register, two followers, 2% loss, and half of
    /// the operations writes.
    pub const fn register(reads: Reads) -> Config {
        Config {
            clients: 4,
            ops_per_client: 6,
            keys: 1,
            followers: 2,
            loss_per_mille: 20,
            write_per_mille: 500,
            reads,
        }
    }
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct Run {
    /// What the clients saw.
    pub history: History,
    /// The writes in the order the leader applied them: index 1 is the first.
    pub log: Vec<(u32, Value)>,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    /// A client's think time is over: it issues its next operation.
    Issue { client: u32 },
    /// A client's request reaches a replica.
    Request {
        replica: u32,
        client: u32,
        op: usize,
        token: u64,
    },
    /// A log entry reaches a follower.
    Replicate { follower: u32, index: usize },
    /// A replica's answer reaches the client: the value read, and the replica's log index.
    Reply {
        client: u32,
        op: usize,
        value: Option<Value>,
        index: u64,
    },
    /// A client stops waiting.
    Timeout { client: u32, op: usize },
}

struct Replica {
    store: BTreeMap<u32, Value>,
    applied: u64,
    /// Token-carrying reads that wait until the replica has caught up.
    waiting: Vec<(u32, usize, u64)>,
}

struct Client {
    process: u32,
    issued: u32,
    token: u64,
    /// The operation it waits for, as an index into the history.
    current: Option<usize>,
}

/// Runs one simulated history.
///
/// ```
/// use snippets::consistency::check::{Register, Rule, check};
/// use snippets::consistency::sim::{Config, Reads, run};
///
/// let run = run(Config::register(Reads::Leader), 7);
/// assert!(check(&run.history, &Register, Rule::Linearizable).ok());
/// ```
pub fn run(config: Config, seed: u32) -> Run {
    let mut sim = Sim::new(config, seed);
    while let Some(((now, _), event)) = sim.queue.pop_first() {
        sim.now = now;
        sim.handle(event);
    }
    Run {
        history: History::new(sim.ops).expect("clients issue one operation at a time"),
        log: sim.log,
    }
}

struct Sim {
    config: Config,
    rng: Mulberry32,
    now: Time,
    seq: u64,
    /// Pending events by (time, sequence number): events at one time run in the order queued.
    queue: BTreeMap<(Time, u64), Event>,
    replicas: Vec<Replica>,
    /// When the last entry sent to each follower arrives: the links keep order.
    link_free: Vec<Time>,
    clients: Vec<Client>,
    ops: Vec<Op>,
    log: Vec<(u32, Value)>,
    next_value: Value,
}

impl Sim {
    fn new(config: Config, seed: u32) -> Sim {
        let mut sim = Sim {
            config,
            rng: Mulberry32::new(seed),
            now: 0,
            seq: 0,
            queue: BTreeMap::new(),
            replicas: (0..=config.followers)
                .map(|_| Replica {
                    store: BTreeMap::new(),
                    applied: 0,
                    waiting: Vec::new(),
                })
                .collect(),
            link_free: vec![0; config.followers as usize + 1],
            clients: (0..config.clients)
                .map(|c| Client {
                    process: c,
                    issued: 0,
                    token: 0,
                    current: None,
                })
                .collect(),
            ops: Vec::new(),
            log: Vec::new(),
            next_value: 1,
        };
        for client in 0..config.clients {
            let think = sim.rng.range(0, 20);
            sim.at(think, Event::Issue { client });
        }
        sim
    }

    fn at(&mut self, delay: Time, event: Event) {
        self.seq += 1;
        self.queue.insert((self.now + delay, self.seq), event);
    }

    /// Sends a client message, which the network may lose.
    fn send(&mut self, event: Event) {
        let delay = self.rng.range(1, 11);
        if !self.rng.chance(self.config.loss_per_mille) {
            self.at(delay, event);
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Issue { client } => self.issue(client),
            Event::Request {
                replica,
                client,
                op,
                token,
            } => self.request(replica, client, op, token),
            Event::Replicate { follower, index } => {
                let (key, value) = self.log[index - 1];
                let r = &mut self.replicas[follower as usize];
                r.store.insert(key, value);
                r.applied = index as u64;
                self.serve_waiting(follower);
            }
            Event::Reply {
                client,
                op,
                value,
                index,
            } => {
                let c = &mut self.clients[client as usize];
                if c.current != Some(op) {
                    return; // the client gave up on it already
                }
                c.current = None;
                c.token = c.token.max(index);
                self.ops[op].ret = Some(self.now);
                if let Some(value) = value {
                    self.ops[op].action = Action::Read(Some(value));
                }
                self.next_operation(client);
            }
            Event::Timeout { client, op } => {
                let c = &mut self.clients[client as usize];
                if c.current != Some(op) {
                    return;
                }
                // The outcome is unknown: carry on as a new process with a fresh session.
                c.current = None;
                c.process += self.config.clients;
                c.token = 0;
                self.next_operation(client);
            }
        }
    }

    fn next_operation(&mut self, client: u32) {
        if self.clients[client as usize].issued < self.config.ops_per_client {
            let think = self.rng.range(1, 20);
            self.at(think, Event::Issue { client });
        }
    }

    fn issue(&mut self, client: u32) {
        let key = self.rng.range(0, u64::from(self.config.keys)) as u32;
        let write = self.rng.chance(self.config.write_per_mille);
        let action = if write {
            self.next_value += 1;
            Action::Write(self.next_value - 1)
        } else {
            Action::Read(None)
        };
        let replica = match self.config.reads {
            _ if write => 0,
            Reads::Leader => 0,
            Reads::AnyReplica | Reads::AnyReplicaWithToken => {
                self.rng.range(0, u64::from(self.config.followers) + 1) as u32
            }
        };
        let c = &mut self.clients[client as usize];
        let token = if self.config.reads == Reads::AnyReplicaWithToken {
            c.token
        } else {
            0
        };
        let op = self.ops.len();
        self.ops.push(Op {
            process: c.process,
            key,
            action,
            call: self.now,
            ret: None,
        });
        c.issued += 1;
        c.current = Some(op);
        self.send(Event::Request {
            replica,
            client,
            op,
            token,
        });
        self.at(TIMEOUT_MS, Event::Timeout { client, op });
    }

    fn request(&mut self, replica: u32, client: u32, op: usize, token: u64) {
        let Op { key, action, .. } = self.ops[op];
        match action {
            Action::Write(value) => {
                // Only the leader takes writes: it applies the write now and streams it on.
                self.log.push((key, value));
                let index = self.log.len();
                let leader = &mut self.replicas[0];
                leader.store.insert(key, value);
                leader.applied = index as u64;
                for follower in 1..=self.config.followers {
                    let f = follower as usize;
                    let arrival = (self.now + self.rng.range(1, 21)).max(self.link_free[f] + 1);
                    self.link_free[f] = arrival;
                    self.at(arrival - self.now, Event::Replicate { follower, index });
                }
                self.send(Event::Reply {
                    client,
                    op,
                    value: None,
                    index: index as u64,
                });
            }
            Action::Read(_) => {
                self.replicas[replica as usize]
                    .waiting
                    .push((client, op, token));
                self.serve_waiting(replica);
            }
        }
    }

    /// Answers every read waiting at `replica` whose token the replica has caught up with.
    fn serve_waiting(&mut self, replica: u32) {
        let r = &mut self.replicas[replica as usize];
        let applied = r.applied;
        let (ready, still): (Vec<_>, Vec<_>) = r
            .waiting
            .drain(..)
            .partition(|&(_, _, token)| token <= applied);
        r.waiting = still;
        for (client, op, _) in ready {
            let key = self.ops[op].key;
            let value = self.replicas[replica as usize]
                .store
                .get(&key)
                .copied()
                .unwrap_or(INITIAL);
            self.send(Event::Reply {
                client,
                op,
                value: Some(value),
                index: applied,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_replays_the_same_run() {
        let config = Config::register(Reads::AnyReplica);
        assert_eq!(run(config, 3).history, run(config, 3).history);
        assert_ne!(run(config, 3).history, run(config, 4).history);
    }

    #[test]
    fn runs_contain_timeouts_and_every_write_is_logged_once() {
        let config = Config {
            loss_per_mille: 100,
            ..Config::register(Reads::Leader)
        };
        let mut unknown = 0;
        for seed in 0..50 {
            let r = run(config, seed);
            unknown += r.history.ops().iter().filter(|op| !op.completed()).count();
            let mut values: Vec<Value> = r.log.iter().map(|&(_, v)| v).collect();
            values.sort_unstable();
            values.dedup();
            assert_eq!(values.len(), r.log.len());
            // Every completed write is in the log.
            for op in r.history.ops() {
                if let (Action::Write(v), true) = (op.action, op.completed()) {
                    assert!(values.contains(&v));
                }
            }
        }
        assert!(unknown > 0);
    }
}
