//! A test fixture: a file in a subdirectory, so its items are named `raft::log::…`.

/// Appends an entry and returns its index.
pub fn append(log: &mut Vec<u64>, term: u64) -> usize {
    log.push(term);
    log.len()
}
