//! Replication: keeping copies of data on several machines, and what each way of doing it
//! guarantees.
//!
//! Shown in the Replication handbook (`book/src/handbooks/replication.md`).
//!
//! In: nothing at run time; each submodule is one idea of the handbook. Out:
//! - [`failover`]: which acknowledged writes a single-leader failover loses, by when the
//!   leader acknowledged them and which follower it promotes.
//! - [`leaderless`]: a Dynamo-style store on the consistent-hash ring of [`crate::ring`], with
//!   quorums from [`crate::quorum`], read repair, sloppy quorums and hinted handoff, and a
//!   seeded simulation that counts stale reads.
//! - [`merkle`]: Merkle-tree anti-entropy between two replicas.
//! - [`crdt`]: state-based CRDTs (G-Counter, PN-Counter, OR-Set, and a multi-value register
//!   over version vectors) and a last-writer-wins register, with property tests of their
//!   merge laws.
//! - [`streaming`]: lag, read-your-writes and commit latency measured on PostgreSQL
//!   streaming replication (run by `snippets/tests/postgres_replication.rs`).

pub mod crdt;
pub mod failover;
pub mod leaderless;
pub mod merkle;
pub mod streaming;
