//! Measurements on PostgreSQL streaming replication: how far a hot standby lags its primary,
//! how often a read on the standby misses a write just committed on the primary, and what
//! `synchronous_commit = remote_apply` costs to make that never happen.
//!
//! Shown in the Replication handbook (`book/src/handbooks/replication.md`), and run against a
//! real primary and standby by `snippets/tests/postgres_replication.rs`.
//!
//! In: a client connected to a primary and one connected to its hot standby (PostgreSQL 15 in
//! the book's CI, the standby streaming from the primary under the name given to
//! `require_sync_standby`).
//! Out: WAL positions and the lag between them in bytes; for N write-then-read trials under a
//! chosen commit mode, how many reads on the standby missed the write, how long the commits
//! took (median and 99th percentile) and how long the longest miss lasted. Times are measured
//! with the real clock: here the subject is a real server, not a simulation.

use std::time::{Duration, Instant};

use postgres::{Client, Error};

/// What a commit on the primary waits for, as the `synchronous_commit` setting names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitMode {
    /// `local`: the commit record is flushed to the primary's disk; standbys catch up later.
    Local,
    /// `remote_write`: also written (not flushed) by the synchronous standby's operating system.
    RemoteWrite,
    /// `on`: also flushed to the synchronous standby's disk.
    On,
    /// `remote_apply`: also replayed by the synchronous standby, so its queries see it.
    RemoteApply,
}

impl CommitMode {
    /// The value of `synchronous_commit` for this mode.
    pub fn setting(self) -> &'static str {
        match self {
            CommitMode::Local => "local",
            CommitMode::RemoteWrite => "remote_write",
            CommitMode::On => "on",
            CommitMode::RemoteApply => "remote_apply",
        }
    }
}

/// Makes `standby` the primary's synchronous standby, then waits until the primary reports
/// it as `sync`. Commits in this primary's sessions still wait only as long as their
/// `synchronous_commit` says.
pub fn require_sync_standby(primary: &mut Client, standby: &str) -> Result<(), Error> {
    // ALTER SYSTEM may not run inside a transaction, so each statement goes alone.
    let names = standby.replace('\'', "''");
    primary.batch_execute(&format!(
        "ALTER SYSTEM SET synchronous_standby_names = '{names}'"
    ))?;
    primary.batch_execute("SELECT pg_reload_conf()")?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let row = primary.query_opt(
            "SELECT sync_state FROM pg_stat_replication WHERE application_name = $1",
            &[&standby],
        )?;
        let state: Option<String> = row.map(|r| r.get(0));
        if state.as_deref() == Some("sync") {
            return Ok(());
        }
        assert!(
            Instant::now() < deadline,
            "{standby} is not sync: {state:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Parses a WAL position written as PostgreSQL prints it, `16/B374D848`: the high and low 32
/// bits of a byte offset into the write-ahead log, in hexadecimal.
///
/// ```
/// use snippets::replication::streaming::parse_lsn;
///
/// assert_eq!(parse_lsn("0/3000148"), Some(0x300_0148));
/// assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
/// assert_eq!(parse_lsn("nonsense"), None);
/// ```
pub fn parse_lsn(text: &str) -> Option<u64> {
    let (high, low) = text.split_once('/')?;
    let high = u64::from_str_radix(high, 16).ok()?;
    let low = u64::from_str_radix(low, 16).ok()?;
    (high <= u64::from(u32::MAX) && low <= u64::from(u32::MAX)).then_some((high << 32) | low)
}

// region: lag
/// How many bytes of WAL the primary has written that the standby has not yet replayed:
/// `pg_current_wal_lsn()` on the primary minus `pg_last_wal_replay_lsn()` on the standby.
/// The two are read one after the other, so the answer is a snapshot, never exact.
pub fn replay_lag_bytes(primary: &mut Client, standby: &mut Client) -> Result<u64, Error> {
    let lsn = |client: &mut Client, query: &str| -> Result<u64, Error> {
        let text: String = client.query_one(query, &[])?.get(0);
        Ok(parse_lsn(&text).expect("PostgreSQL prints LSNs as hex/hex"))
    };
    let written = lsn(primary, "SELECT pg_current_wal_lsn()::text")?;
    let replayed = lsn(standby, "SELECT pg_last_wal_replay_lsn()::text")?;
    Ok(written.saturating_sub(replayed))
}
// endregion: lag

/// Creates the table the trials write to, and waits until the standby has it.
pub fn prepare(primary: &mut Client, standby: &mut Client) -> Result<(), Error> {
    primary.batch_execute("CREATE TABLE IF NOT EXISTS visits (id bigint PRIMARY KEY)")?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while standby
        .query_one("SELECT to_regclass('visits') IS NULL", &[])?
        .get::<_, bool>(0)
    {
        assert!(
            Instant::now() < deadline,
            "the standby never replayed CREATE TABLE"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// One write on the primary, then reads on the standby until it shows the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trial {
    /// How long the INSERT's commit took on the primary.
    pub commit: Duration,
    /// Whether the first read on the standby, sent right after the commit returned, missed it.
    pub missed: bool,
    /// From the commit's return until a read on the standby first saw the row.
    pub until_visible: Duration,
}

// region: trial
/// Inserts row `id` on the primary under `mode`, then reads it on the standby at once and
/// again until it appears: the read-your-writes check a user makes by reloading a page that
/// is served from a replica.
pub fn write_then_read(
    primary: &mut Client,
    standby: &mut Client,
    mode: CommitMode,
    id: i64,
) -> Result<Trial, Error> {
    primary.batch_execute(&format!("SET synchronous_commit = {}", mode.setting()))?;
    let start = Instant::now();
    primary.execute("INSERT INTO visits (id) VALUES ($1)", &[&id])?;
    let committed = Instant::now();
    let seen = |standby: &mut Client| -> Result<bool, Error> {
        let row = standby.query_one("SELECT count(*) FROM visits WHERE id = $1", &[&id])?;
        Ok(row.get::<_, i64>(0) == 1)
    };
    let missed = !seen(standby)?;
    let mut visible = !missed;
    while !visible {
        assert!(
            committed.elapsed() < Duration::from_secs(30),
            "row {id} never replicated"
        );
        visible = seen(standby)?;
    }
    Ok(Trial {
        commit: committed - start,
        missed,
        until_visible: committed.elapsed(),
    })
}
// endregion: trial

/// The results of many trials under one commit mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The commit mode.
    pub mode: CommitMode,
    /// How many trials ran.
    pub trials: usize,
    /// In how many the first read on the standby missed the write.
    pub misses: usize,
    /// The median commit time.
    pub commit_median: Duration,
    /// The 99th-percentile commit time (nearest rank).
    pub commit_p99: Duration,
    /// The longest time a write stayed invisible on the standby after its commit returned.
    pub longest_miss: Duration,
}

/// The value at quantile `q` of `sorted` by nearest rank: the smallest value with at least a
/// fraction `q` of the values at or below it.
///
/// ```
/// use snippets::replication::streaming::nearest_rank;
/// use std::time::Duration;
///
/// let ms: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
/// assert_eq!(nearest_rank(&ms, 0.5), Duration::from_millis(50));
/// assert_eq!(nearest_rank(&ms, 0.99), Duration::from_millis(99));
/// ```
pub fn nearest_rank(sorted: &[Duration], q: f64) -> Duration {
    assert!(!sorted.is_empty(), "no values");
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs `trials` write-then-read trials under `mode`, with row ids from `first_id` on.
pub fn measure(
    primary: &mut Client,
    standby: &mut Client,
    mode: CommitMode,
    first_id: i64,
    trials: usize,
) -> Result<Summary, Error> {
    let mut commits = Vec::with_capacity(trials);
    let (mut misses, mut longest_miss) = (0, Duration::ZERO);
    for i in 0..trials {
        let t = write_then_read(primary, standby, mode, first_id + i as i64)?;
        commits.push(t.commit);
        if t.missed {
            misses += 1;
            longest_miss = longest_miss.max(t.until_visible);
        }
    }
    commits.sort();
    Ok(Summary {
        mode,
        trials,
        misses,
        commit_median: nearest_rank(&commits, 0.5),
        commit_p99: nearest_rank(&commits, 0.99),
        longest_miss,
    })
}
