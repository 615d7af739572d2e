//! Coordination: clocks, two-phase commit, sagas and a fenced lock on etcd.
//!
//! In: nothing at run time; each submodule is one technique of the Coordination handbook
//! (`book/src/handbooks/coordination.md`), with time, randomness and failures passed in.
//! Out: Lamport, vector and hybrid logical clocks (`clocks`, `hlc`); a two-phase commit
//! coordinator and participants in a seeded simulation with crash points (`two_pc`); a saga
//! executor with compensations and idempotent retries (`saga`); a lease-based lock on etcd
//! whose key's create revision is the fencing token, and a store that checks it (`lock`).

pub mod clocks;
pub mod hlc;
pub mod lock;
pub mod saga;
pub mod two_pc;
