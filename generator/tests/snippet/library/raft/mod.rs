//! A test fixture: a module directory, so `mod.rs` items are named `raft::…`.

pub mod log;

/// A server's role in a term.
pub enum Role {
    /// Follows the leader it last heard from.
    Follower,
    /// Asks for votes.
    Candidate,
    /// Accepts writes.
    Leader,
}
