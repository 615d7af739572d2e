//! The race a shared counter loses: application servers that read a count, decide, and
//! write it back admit more than the limit; an atomic increment does not.
//!
//! Shown in "Design a Rate Limiter" (`book/src/designs/rate-limiter.md`), stage 6.
//!
//! In: a schedule, the order in which the servers' commands reach the store, as a list of
//! server numbers. Out: which servers admitted their request, and the final count. Each
//! entry in the schedule runs exactly one command of one server, so a test can replay every
//! interleaving deterministically instead of hoping threads collide.
//!
//! ```
//! use snippets::rate_limiter::race::{interleavings, run_atomic, run_naive};
//!
//! // Every order of two servers' GET and SET, limit 1: four of six admit both.
//! let orders = interleavings(&[2, 2]);
//! let over = orders.iter().filter(|o| run_naive(o, 2, 1).0 == [true, true]).count();
//! assert_eq!((orders.len(), over), (6, 4));
//! // With INCR, one command each: exactly one is admitted in either order.
//! assert_eq!(run_atomic(&[1, 0], 2, 1).0, [false, true]);
//! ```

/// A key-value store that runs one command at a time, as Redis does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Store {
    /// The counter's value; `None` until the first write.
    pub value: Option<u64>,
    /// The counter's time to live in microseconds; `None` means it never expires.
    pub ttl_us: Option<u64>,
}

/// Where one server is in its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Naive {
    Start,
    Read(u64),
    Done(bool),
}

// region: naive
/// Read-modify-write from the application: `GET`, compare with the limit, `SET`.
/// Each call is one command, so another server's command can run in between.
fn naive_step(state: Naive, store: &mut Store, limit: u64) -> Naive {
    match state {
        Naive::Start => Naive::Read(store.value.unwrap_or(0)), // GET counter
        Naive::Read(seen) if seen < limit => {
            store.value = Some(seen + 1); // SET counter seen+1: admitted
            Naive::Done(true)
        }
        Naive::Read(_) => Naive::Done(false), // over the limit: refused
        done @ Naive::Done(_) => done,
    }
}
// endregion: naive

/// Runs the naive protocol for `servers` servers, one command per schedule entry, and
/// returns who was admitted and the final store.
pub fn run_naive(schedule: &[usize], servers: usize, limit: u64) -> (Vec<bool>, Store) {
    let mut store = Store::default();
    let mut states = vec![Naive::Start; servers];
    for &server in schedule {
        states[server] = naive_step(states[server], &mut store, limit);
    }
    let admitted = states
        .iter()
        .map(|s| matches!(s, Naive::Done(true)))
        .collect();
    (admitted, store)
}

// region: atomic
/// The atomic version: one `INCR` returns the new value, and the server admits the request
/// if that value is within the limit. Nothing can run between the read and the write.
fn incr(store: &mut Store) -> u64 {
    let value = store.value.unwrap_or(0) + 1;
    store.value = Some(value);
    value
}

/// Runs the atomic protocol: each server needs one command, whatever the schedule.
pub fn run_atomic(schedule: &[usize], servers: usize, limit: u64) -> (Vec<bool>, Store) {
    let mut store = Store::default();
    let mut admitted = vec![None; servers];
    for &server in schedule {
        if admitted[server].is_none() {
            admitted[server] = Some(incr(&mut store) <= limit);
        }
    }
    (
        admitted.into_iter().map(|a| a == Some(true)).collect(),
        store,
    )
}
// endregion: atomic

/// What a fixed-window counter with an expiry leaves behind when its server crashes after
/// `commands_before_crash` commands.
///
/// As two commands, `INCR` then `EXPIRE` (set only when the key is new), a crash between
/// them leaves a counter with no expiry: it never resets, and once it reaches the limit the
/// key is refused forever. As one script, the two run together or not at all.
pub fn incr_then_expire(as_one_script: bool, commands_before_crash: usize, ttl_us: u64) -> Store {
    let mut store = Store::default();
    let commands = if as_one_script { 1 } else { 2 };
    for command in 0..commands.min(commands_before_crash) {
        if as_one_script || command == 0 {
            if incr(&mut store) == 1 && as_one_script {
                store.ttl_us = Some(ttl_us);
            }
        } else if store.value == Some(1) {
            store.ttl_us = Some(ttl_us); // EXPIRE counter ttl
        }
    }
    store
}

/// Every order of `counts[i]` commands from server `i`, as schedules.
pub fn interleavings(counts: &[usize]) -> Vec<Vec<usize>> {
    fn extend(left: &mut [usize], prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if left.iter().all(|&n| n == 0) {
            out.push(prefix.clone());
            return;
        }
        for server in 0..left.len() {
            if left[server] > 0 {
                left[server] -= 1;
                prefix.push(server);
                extend(left, prefix, out);
                prefix.pop();
                left[server] += 1;
            }
        }
    }
    let mut out = Vec::new();
    extend(&mut counts.to_vec(), &mut Vec::new(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schedule of the chapter's table: A reads, B reads, A writes, B writes.
    #[test]
    fn read_then_write_admits_both_servers_and_loses_an_update() {
        let (admitted, store) = run_naive(&[0, 1, 0, 1], 2, 1);
        assert_eq!(admitted, [true, true]); // two admitted under a limit of 1
        assert_eq!(store.value, Some(1)); // and the count says one
    }

    #[test]
    fn the_naive_protocol_over_admits_in_four_of_six_orders() {
        let orders = interleavings(&[2, 2]);
        assert_eq!(orders.len(), 6);
        let over: Vec<&Vec<usize>> = orders
            .iter()
            .filter(|s| run_naive(s, 2, 1).0.iter().filter(|&&a| a).count() > 1)
            .collect();
        assert_eq!(over.len(), 4); // all but A,A,B,B and B,B,A,A
        assert!(!over.contains(&&vec![0, 0, 1, 1]));
    }

    /// Three servers, limit 2: over all 90 orders the naive protocol admits up to 3; the
    /// atomic one always exactly 2, and its count records every request.
    #[test]
    fn incr_never_over_admits_in_any_order() {
        let naive_worst = interleavings(&[2, 2, 2])
            .iter()
            .map(|s| run_naive(s, 3, 2).0.iter().filter(|&&a| a).count())
            .max();
        assert_eq!(naive_worst, Some(3));
        for schedule in interleavings(&[1, 1, 1]) {
            let (admitted, store) = run_atomic(&schedule, 3, 2);
            assert_eq!(admitted.iter().filter(|&&a| a).count(), 2);
            assert_eq!(store.value, Some(3));
        }
    }

    #[test]
    fn a_crash_between_incr_and_expire_leaves_a_key_that_never_expires() {
        let crashed = incr_then_expire(false, 1, 60_000_000);
        assert_eq!(
            crashed,
            Store {
                value: Some(1),
                ttl_us: None
            }
        );
        let finished = incr_then_expire(false, 2, 60_000_000);
        assert_eq!(finished.ttl_us, Some(60_000_000));
        for crash_after in 0..=1 {
            let scripted = incr_then_expire(true, crash_after, 60_000_000);
            assert_eq!(scripted.value.is_some(), scripted.ttl_us.is_some());
        }
    }
}
