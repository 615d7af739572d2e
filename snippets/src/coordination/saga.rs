//! A saga orchestrator: local steps with compensations, retried with idempotency keys.
//!
//! In: a list of steps, each calling one service with an action and a compensation; services
//! that lose requests and replies at random (seeded) and refuse the step a test chooses; and
//! optionally a point at which the orchestrator crashes.
//! Out: the saga's outcome, its durable log, and each service's record of the effects it
//! applied. The tests check that a refusal at step k runs the compensations of steps
//! k − 1, …, 1 in reverse order, each applied exactly once however often it was retried;
//! that the end state is all done or all compensated; and that an orchestrator restarted
//! from its log finishes the same way.

use crate::raft::rng::Mulberry32;

/// Whether a request asks for a step's action or its compensation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The step's action: reserve, authorise, capture.
    Do,
    /// Its compensation: release, void, refund.
    Undo,
}

/// A request's idempotency key: the same key applies at most once.
pub type Key = (u64, usize, Kind);

/// What a call returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Applied (now or by an earlier attempt with the same key).
    Ok,
    /// The service refuses the action for business reasons: the card is declined.
    Refused,
    /// No answer: the request or the reply was lost. The caller cannot know which.
    Timeout,
}

/// A remote service, such as a hotel or a payment provider, reached over a lossy network.
#[derive(Clone, Debug)]
pub struct Service {
    /// The keys it has applied, in the order it applied them.
    pub applied: Vec<Key>,
    /// Refuse the action of this step.
    pub refuse: Option<usize>,
    /// Chance per mille that a request, and separately a reply, is lost.
    pub loss_per_mille: u32,
    rng: Mulberry32,
}

impl Service {
    /// A service that loses requests and replies with the given chance, drawn from `seed`.
    pub fn new(loss_per_mille: u32, seed: u32) -> Service {
        Service {
            applied: Vec::new(),
            refuse: None,
            loss_per_mille,
            rng: Mulberry32::new(seed),
        }
    }

    /// Handles one request. A key seen before is answered Ok without applying it again:
    /// that is what makes a retry safe.
    pub fn call(&mut self, key: Key) -> Reply {
        if self.rng.chance(self.loss_per_mille) {
            return Reply::Timeout; // the request was lost
        }
        let (_, step, kind) = key;
        if kind == Kind::Do && self.refuse == Some(step) {
            return Reply::Refused;
        }
        if !self.applied.contains(&key) {
            self.applied.push(key);
        }
        if self.rng.chance(self.loss_per_mille) {
            return Reply::Timeout; // applied, but the reply was lost
        }
        Reply::Ok
    }
}

/// One step of a saga: which service it calls.
#[derive(Clone, Copy, Debug)]
pub struct Step {
    /// A name for the reader: "reserve dates".
    pub name: &'static str,
    /// Index of the service it calls.
    pub service: usize,
}

/// An entry of the orchestrator's durable log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Step i's action succeeded.
    Done(usize),
    /// Step i's action was refused: compensate from here.
    Refused(usize),
    /// Step i's compensation succeeded.
    Compensated(usize),
}

/// How the saga ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every action succeeded.
    Completed,
    /// Step `failed_at` was refused and every earlier step was compensated.
    Compensated {
        /// The refused step.
        failed_at: usize,
    },
    /// The orchestrator crashed; run it again with the same log to finish.
    Crashed,
}

/// Calls until the service answers Ok or Refused. Each retry reuses the key.
fn call_until_answered(service: &mut Service, key: Key) -> Reply {
    loop {
        match service.call(key) {
            Reply::Timeout => continue,
            answer => return answer,
        }
    }
}

/// Appends to the durable log, unless the test's crash budget is spent: then the
/// orchestrator stops before the write, as if it crashed.
fn append(log: &mut Vec<Entry>, entry: Entry, budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    log.push(entry);
    true
}

// region: execute
/// Runs (or resumes, from `log`) saga `id`. `crash_after` stops the orchestrator after that
/// many new log entries, to test recovery.
pub fn execute(
    id: u64,
    steps: &[Step],
    services: &mut [Service],
    log: &mut Vec<Entry>,
    crash_after: Option<usize>,
) -> Outcome {
    let mut budget = crash_after.unwrap_or(usize::MAX);
    let mut failed_at = log.iter().find_map(|e| match e {
        Entry::Refused(i) => Some(*i),
        _ => None,
    });
    // Forward, skipping steps the log says are done, until a step is refused.
    for (i, step) in steps.iter().enumerate() {
        if failed_at.is_some() {
            break;
        }
        if log.contains(&Entry::Done(i)) {
            continue;
        }
        let entry = match call_until_answered(&mut services[step.service], (id, i, Kind::Do)) {
            Reply::Ok => Entry::Done(i),
            _ => {
                failed_at = Some(i);
                Entry::Refused(i)
            }
        };
        if !append(log, entry, &mut budget) {
            return Outcome::Crashed;
        }
    }
    let Some(failed_at) = failed_at else {
        return Outcome::Completed;
    };
    // Backward: compensate the completed steps, latest first.
    for i in (0..failed_at).rev() {
        if log.contains(&Entry::Compensated(i)) {
            continue;
        }
        let reply = call_until_answered(&mut services[steps[i].service], (id, i, Kind::Undo));
        assert_eq!(reply, Reply::Ok, "a compensation must not be refused");
        if !append(log, Entry::Compensated(i), &mut budget) {
            return Outcome::Crashed;
        }
    }
    Outcome::Compensated { failed_at }
}
// endregion: execute

#[cfg(test)]
mod tests {
    use super::*;

    /// Book a trip: the hotel (service 0) and the payment provider (service 1).
    const TRIP: [Step; 3] = [
        Step {
            name: "reserve dates",
            service: 0,
        },
        Step {
            name: "authorise card",
            service: 1,
        },
        Step {
            name: "capture payment",
            service: 1,
        },
    ];

    fn services(loss: u32, seed: u32) -> Vec<Service> {
        vec![
            Service::new(loss, seed),
            Service::new(loss, seed.wrapping_mul(31) + 7),
        ]
    }

    /// Every effect applied anywhere, in order (services apply independently, so the
    /// order is the orchestrator's: it waits for each answer before the next call).
    fn effects(services: &[Service], id: u64) -> Vec<(usize, Kind)> {
        let mut all: Vec<(usize, Kind)> = services
            .iter()
            .flat_map(|s| s.applied.iter().filter(|k| k.0 == id).map(|k| (k.1, k.2)))
            .collect();
        // Actions in step order, then compensations in reverse step order.
        all.sort_by_key(|&(step, kind)| match kind {
            Kind::Do => step as i64,
            Kind::Undo => 100 - step as i64,
        });
        all
    }

    #[test]
    fn a_refusal_compensates_the_earlier_steps_in_reverse_exactly_once() {
        for refuse in 0..TRIP.len() {
            for seed in 0..200 {
                let mut svc = services(300, seed); // 30% of requests and of replies lost
                svc[TRIP[refuse].service].refuse = Some(refuse);
                let mut log = Vec::new();
                let out = execute(9, &TRIP, &mut svc, &mut log, None);
                assert_eq!(out, Outcome::Compensated { failed_at: refuse });
                let undo: Vec<usize> = log
                    .iter()
                    .filter_map(|e| match e {
                        Entry::Compensated(i) => Some(*i),
                        _ => None,
                    })
                    .collect();
                assert_eq!(undo, (0..refuse).rev().collect::<Vec<_>>(), "seed {seed}");
                // Each service applied each key once, however many retries it took.
                for s in &svc {
                    let mut keys = s.applied.clone();
                    keys.sort();
                    keys.dedup();
                    assert_eq!(keys.len(), s.applied.len());
                }
                // All compensated: every applied action has its compensation.
                let e = effects(&svc, 9);
                let done: Vec<usize> = e.iter().filter(|x| x.1 == Kind::Do).map(|x| x.0).collect();
                assert_eq!(done, (0..refuse).collect::<Vec<_>>());
                assert_eq!(e.len(), 2 * refuse);
            }
        }
    }

    #[test]
    fn without_a_refusal_every_step_is_done_once() {
        for seed in 0..200 {
            let mut svc = services(300, seed);
            let mut log = Vec::new();
            assert_eq!(
                execute(4, &TRIP, &mut svc, &mut log, None),
                Outcome::Completed
            );
            let e = effects(&svc, 4);
            assert_eq!(e, vec![(0, Kind::Do), (1, Kind::Do), (2, Kind::Do)]);
        }
    }

    #[test]
    fn a_restarted_orchestrator_finishes_from_its_log() {
        for refuse in [None, Some(1), Some(2)] {
            for crash_after in 0..5 {
                for seed in 0..50 {
                    let mut svc = services(200, seed);
                    if let Some(r) = refuse {
                        svc[TRIP[r].service].refuse = Some(r);
                    }
                    let mut log = Vec::new();
                    let first = execute(1, &TRIP, &mut svc, &mut log, Some(crash_after));
                    let out = if first == Outcome::Crashed {
                        execute(1, &TRIP, &mut svc, &mut log, None)
                    } else {
                        first
                    };
                    let e = effects(&svc, 1);
                    match refuse {
                        None => {
                            assert_eq!(out, Outcome::Completed);
                            assert_eq!(e.len(), 3);
                        }
                        Some(r) => {
                            assert_eq!(out, Outcome::Compensated { failed_at: r });
                            assert_eq!(e.len(), 2 * r, "{crash_after} {seed}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_retried_key_is_applied_once() {
        // A request repeated with its key, and one retried after lost replies, each leave
        // one entry: the property the saga tests count on.
        let mut s = Service::new(0, 1);
        assert_eq!(s.call((1, 0, Kind::Do)), Reply::Ok);
        assert_eq!(s.call((1, 0, Kind::Do)), Reply::Ok);
        assert_eq!(s.applied.len(), 1);
        let mut lossy = Service::new(500, 3);
        let mut timeouts = 0;
        while call_once(&mut lossy) == Reply::Timeout {
            timeouts += 1;
        }
        assert!(lossy.applied.len() == 1 && timeouts < 50);
    }

    fn call_once(s: &mut Service) -> Reply {
        s.call((2, 0, Kind::Do))
    }
}
