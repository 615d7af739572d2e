//! Client sessions: a replicated state machine that applies each client command once.
//!
//! In: committed log entries, in index order, whose command names a client and that
//! client's serial number ([`command`]). Out: the state machine's reply to each entry, and
//! its state, the same on every server that applies the same log.
//!
//! A client whose leader crashes does not know whether its command committed, so it sends
//! it again, and the log may then hold the command twice. The Raft paper (§8) and Ongaro's
//! dissertation (§6.3) give each client an id and number its commands; the state machine
//! remembers, per client, the last serial number it applied with its reply, and answers a
//! repeat from that cache instead of applying it again. The table is part of the state
//! machine, so every server builds the same one from the log.
//!
//! The machine here hands out numbers: each new command adds one to a counter and replies
//! with the new value, like the ID blocks of a URL shortener. Applied twice, a command
//! would hand out two numbers and skip one.

use super::node::{Entry, Index, NOOP};
use std::collections::BTreeMap;

/// A client's identity, chosen by the client (or assigned when it registers).
pub type ClientId = u32;
/// A client's serial number for one command; it starts at 1 and grows by one per command.
pub type Serial = u32;

/// Packs a client id and a serial number into a log command.
///
/// ```
/// use snippets::raft::session::{command, parse};
///
/// assert_eq!(parse(command(7, 3)), Some((7, 3)));
/// assert_eq!(parse(0), None); // a new leader's no-op
/// ```
pub fn command(client: ClientId, serial: Serial) -> u64 {
    (u64::from(client) << 32) | u64::from(serial)
}

/// The client and serial number of a command; `None` for a no-op.
pub fn parse(command: u64) -> Option<(ClientId, Serial)> {
    if command == NOOP {
        return None;
    }
    Some(((command >> 32) as ClientId, command as Serial))
}

/// What the state machine answers for one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// The command was applied and handed out this number.
    Applied(u64),
    /// A repeat of the client's last command: the cached reply, nothing applied.
    Cached(u64),
    /// A command older than the client's last one. The client has moved on, so it no
    /// longer waits for this answer, and the cache no longer holds it.
    Expired,
    /// A no-op entry.
    Noop,
}

/// The replicated state machine: a counter, with or without a session table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    counter: u64,
    applied: Index,
    /// Per client: the last serial number applied and its reply. `None` without sessions.
    sessions: Option<BTreeMap<ClientId, (Serial, u64)>>,
}

impl Machine {
    /// An empty machine; `sessions` decides whether it keeps the session table.
    pub fn new(sessions: bool) -> Machine {
        Machine {
            counter: 0,
            applied: 0,
            sessions: sessions.then(BTreeMap::new),
        }
    }

    /// How many log entries it has applied (the index of the last one).
    pub fn applied(&self) -> Index {
        self.applied
    }

    /// The last serial number applied for `client` and its reply, if the session table
    /// has one.
    pub fn session(&self, client: ClientId) -> Option<(Serial, u64)> {
        self.sessions.as_ref()?.get(&client).copied()
    }

    /// How many numbers it has handed out.
    pub fn counter(&self) -> u64 {
        self.counter
    }

    // region: apply
    /// Applies the next committed entry and returns the reply for its client.
    pub fn apply(&mut self, entry: &Entry) -> Reply {
        self.applied += 1;
        let Some((client, serial)) = parse(entry.command) else {
            return Reply::Noop;
        };
        if let Some(table) = &self.sessions
            && let Some(&(last, reply)) = table.get(&client)
        {
            if serial == last {
                return Reply::Cached(reply); // a retry: answer, do not apply again
            }
            if serial < last {
                return Reply::Expired;
            }
        }
        self.counter += 1;
        if let Some(table) = &mut self.sessions {
            table.insert(client, (serial, self.counter));
        }
        Reply::Applied(self.counter)
    }
    // endregion: apply
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(client: ClientId, serial: Serial) -> Entry {
        Entry {
            term: 1,
            command: command(client, serial),
        }
    }

    #[test]
    fn a_repeat_is_answered_from_the_cache() {
        let mut m = Machine::new(true);
        assert_eq!(m.apply(&entry(7, 1)), Reply::Applied(1));
        assert_eq!(m.apply(&entry(8, 1)), Reply::Applied(2));
        assert_eq!(m.apply(&entry(7, 1)), Reply::Cached(1));
        assert_eq!(m.apply(&entry(7, 2)), Reply::Applied(3));
        assert_eq!(m.apply(&entry(7, 1)), Reply::Expired);
        assert_eq!(m.apply(&Entry { term: 2, command: NOOP }), Reply::Noop);
        assert_eq!((m.counter(), m.applied()), (3, 6));
    }

    #[test]
    fn without_sessions_a_repeat_is_applied_again() {
        let mut m = Machine::new(false);
        assert_eq!(m.apply(&entry(7, 1)), Reply::Applied(1));
        assert_eq!(m.apply(&entry(7, 1)), Reply::Applied(2));
    }
}
