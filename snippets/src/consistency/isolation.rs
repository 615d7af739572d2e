//! Transaction anomalies on a real PostgreSQL server, and the retry loop that serializable
//! isolation asks of its clients.
//!
//! In: connections to a PostgreSQL server (`postgres::Client`, one per concurrent
//! transaction) and an isolation [`Level`]. Out: what each scenario's transactions saw and
//! how each ended, committed or failed with its SQLSTATE.
//!
//! Each scenario interleaves its transactions by statement order on separate connections,
//! so the interleaving is the same on every run:
//!
//! - [`read_skew`]: a reader sees half of a transfer. READ COMMITTED allows it; REPEATABLE
//!   READ, which PostgreSQL implements as snapshot isolation, does not.
//! - [`write_skew`]: two doctors both leave the on-call rota, each after checking that the
//!   other is on call. Snapshot isolation allows it; SERIALIZABLE aborts one of them.
//! - [`read_only_anomaly`]: a report, which only reads, sees a batch as closed but misses
//!   a receipt that belongs to it (Fekete, O'Neil and O'Neil, 2004). Snapshot isolation
//!   allows it; SERIALIZABLE aborts one of the transactions.
//!
//! The tests in `snippets/tests/postgres_isolation.rs` start a server and run them.

use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, Error, Row};

/// The isolation levels PostgreSQL implements. (READ UNCOMMITTED is accepted and behaves as
/// READ COMMITTED.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Each statement sees the data committed before the statement began.
    ReadCommitted,
    /// Snapshot isolation: every statement sees the snapshot taken at the transaction's
    /// first statement; a write to a row changed since then fails.
    RepeatableRead,
    /// Serializable snapshot isolation: snapshot isolation that also tracks read-write
    /// conflicts and aborts a transaction that could complete a non-serializable cycle.
    Serializable,
}

impl Level {
    /// The SQL name of the level.
    pub fn sql(self) -> &'static str {
        match self {
            Level::ReadCommitted => "READ COMMITTED",
            Level::RepeatableRead => "REPEATABLE READ",
            Level::Serializable => "SERIALIZABLE",
        }
    }
}

/// How a transaction ended, or that it has not yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Still running.
    Open,
    /// Committed.
    Committed,
    /// Rolled back after the server refused a statement, or the commit.
    Failed {
        /// The SQLSTATE: `40001` is a serialization failure, `40P01` a deadlock.
        sqlstate: String,
        /// The statement the server refused, or `COMMIT`.
        statement: String,
    },
}

// region: tx
/// A transaction on one connection, driven one statement at a time so that a test can
/// interleave several. A serialization failure or a deadlock is recorded in the outcome
/// and rolls the transaction back; any other error is returned.
pub struct Tx<'c> {
    client: &'c mut Client,
    outcome: Outcome,
}

impl<'c> Tx<'c> {
    /// Begins a transaction at `level`. PostgreSQL takes the snapshot at the first
    /// statement, not at `BEGIN`.
    pub fn begin(client: &'c mut Client, level: Level) -> Result<Tx<'c>, Error> {
        client.batch_execute(&format!("BEGIN ISOLATION LEVEL {}", level.sql()))?;
        Ok(Tx {
            client,
            outcome: Outcome::Open,
        })
    }

    /// Runs one statement. `None` when the transaction has failed, now or before.
    pub fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Vec<Row>>, Error> {
        if self.outcome != Outcome::Open {
            return Ok(None);
        }
        let result = self.client.query(sql, params);
        self.settle(result, sql)
    }

    /// Commits. `false` when the transaction failed, at the commit or before it.
    pub fn commit(&mut self) -> Result<bool, Error> {
        if self.outcome != Outcome::Open {
            return Ok(false);
        }
        let result = self.client.batch_execute("COMMIT");
        if self.settle(result, "COMMIT")?.is_some() {
            self.outcome = Outcome::Committed;
        }
        Ok(self.outcome == Outcome::Committed)
    }

    fn settle<T>(&mut self, result: Result<T, Error>, statement: &str) -> Result<Option<T>, Error> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(e) if is_retryable(&e) => {
                let sqlstate = e.code().map(|c| c.code().to_owned()).unwrap_or_default();
                let statement = statement.to_owned();
                self.outcome = Outcome::Failed {
                    sqlstate,
                    statement,
                };
                self.client.batch_execute("ROLLBACK")?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}
// endregion: tx

impl Tx<'_> {
    /// How it ended so far.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.outcome == Outcome::Open {
            // A transaction left open would swallow the connection's next statements.
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}

/// Whether the server refused `e` only because of concurrent transactions, so that running
/// the same transaction again may succeed.
pub fn is_retryable(e: &Error) -> bool {
    matches!(e.code(), Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED)
}

// region: retry
/// Runs `body` in a transaction at `level` until it commits, at most `attempts` times.
///
/// `body` gets the transaction and the attempt number, from 1, and returns `None` when a
/// statement failed. Returns the body's result and the attempt that committed, or `None` if
/// none did. Under SERIALIZABLE, PostgreSQL expects exactly this of every client: a
/// serialization failure means "run the whole transaction again", reads included, because
/// the decision the transaction made depended on what it read.
pub fn retry<T>(
    client: &mut Client,
    level: Level,
    attempts: u32,
    mut body: impl FnMut(&mut Tx, u32) -> Result<Option<T>, Error>,
) -> Result<Option<(T, u32)>, Error> {
    for attempt in 1..=attempts {
        let mut tx = Tx::begin(client, level)?;
        if let Some(value) = body(&mut tx, attempt)?
            && tx.commit()?
        {
            return Ok(Some((value, attempt)));
        }
    }
    Ok(None)
}
// endregion: retry

/// The first column of the only row, as an integer.
fn single(rows: Option<Vec<Row>>) -> Option<i64> {
    rows.map(|rows| rows[0].get(0))
}

/// What a read-skew run showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadSkew {
    /// The sum of the two balances as the reader saw them.
    pub seen_total: i64,
    /// The sum in the database afterwards: money is never created or lost.
    pub actual_total: i64,
}

// region: read_skew
/// Two accounts of 500 each. The reader reads `x`, a transfer of 100 from `x` to `y`
/// commits, the reader reads `y`. Under READ COMMITTED the second read sees the transfer
/// and the first did not: the reader sees 1,100 in total.
pub fn read_skew(
    reader: &mut Client,
    writer: &mut Client,
    level: Level,
) -> Result<ReadSkew, Error> {
    reader.batch_execute(
        "DROP TABLE IF EXISTS accounts;
         CREATE TABLE accounts (id text PRIMARY KEY, balance bigint NOT NULL);
         INSERT INTO accounts VALUES ('x', 500), ('y', 500);",
    )?;
    let balance = "SELECT balance FROM accounts WHERE id = $1";
    let mut r = Tx::begin(reader, level)?;
    let x = single(r.query(balance, &[&"x"])?);

    let mut w = Tx::begin(writer, level)?;
    w.query(
        "UPDATE accounts SET balance = balance - 100 WHERE id = 'x'",
        &[],
    )?;
    w.query(
        "UPDATE accounts SET balance = balance + 100 WHERE id = 'y'",
        &[],
    )?;
    w.commit()?;

    let y = single(r.query(balance, &[&"y"])?);
    r.commit()?;
    drop(r);
    let total = single(Some(
        reader.query("SELECT sum(balance)::bigint FROM accounts", &[])?,
    ));
    Ok(ReadSkew {
        seen_total: x.unwrap_or(0) + y.unwrap_or(0),
        actual_total: total.unwrap_or(0),
    })
}
// endregion: read_skew

/// What a write-skew run showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteSkew {
    /// How Alice's transaction ended.
    pub alice: Outcome,
    /// How Bob's transaction ended.
    pub bob: Outcome,
    /// Doctors on call afterwards; the rule is at least one.
    pub on_call: i64,
}

/// Creates the rota: Alice and Bob, both on call.
pub fn create_rota(client: &mut Client) -> Result<(), Error> {
    client.batch_execute(
        "DROP TABLE IF EXISTS doctors;
         CREATE TABLE doctors (name text PRIMARY KEY, on_call boolean NOT NULL);
         INSERT INTO doctors VALUES ('alice', true), ('bob', true);",
    )
}

/// How many doctors the transaction sees on call.
pub fn on_call(tx: &mut Tx) -> Result<Option<i64>, Error> {
    Ok(single(tx.query(
        "SELECT count(*) FROM doctors WHERE on_call",
        &[],
    )?))
}

/// Takes `name` off call; the caller checked the rota first.
pub fn leave(tx: &mut Tx, name: &str) -> Result<Option<()>, Error> {
    Ok(tx
        .query(
            "UPDATE doctors SET on_call = false WHERE name = $1",
            &[&name],
        )?
        .map(drop))
}

// region: write_skew
/// Alice and Bob each check that two doctors are on call, then each leaves. Each
/// transaction alone keeps one doctor on call; together, under snapshot isolation, they
/// leave none, because neither wrote what the other read.
pub fn write_skew(alice: &mut Client, bob: &mut Client, level: Level) -> Result<WriteSkew, Error> {
    create_rota(alice)?;
    let mut a = Tx::begin(alice, level)?;
    let mut b = Tx::begin(bob, level)?;
    let a_sees = on_call(&mut a)?;
    let b_sees = on_call(&mut b)?;
    if a_sees >= Some(2) {
        leave(&mut a, "alice")?;
    }
    if b_sees >= Some(2) {
        leave(&mut b, "bob")?;
    }
    a.commit()?;
    b.commit()?;
    let (alice_outcome, bob_outcome) = (a.outcome().clone(), b.outcome().clone());
    drop((a, b));
    let on_call = alice
        .query_one("SELECT count(*) FROM doctors WHERE on_call", &[])?
        .get(0);
    Ok(WriteSkew {
        alice: alice_outcome,
        bob: bob_outcome,
        on_call,
    })
}
// endregion: write_skew

/// What a run of the read-only transaction anomaly showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOnly {
    /// How the new receipt's transaction ended.
    pub receipt: Outcome,
    /// How the batch-closing transaction ended.
    pub close: Outcome,
    /// How the report's transaction ended.
    pub report: Outcome,
    /// The total of batch 1 that the report printed, if it committed.
    pub reported: Option<i64>,
    /// The total of batch 1 in the database afterwards.
    pub actual: i64,
}

// region: read_only
/// Receipts are filed under the current batch; closing a batch moves the counter on, and a
/// report sums a closed batch. Batch 1 holds one receipt of 100.
///
/// 1. The receipt transaction reads the current batch: 1.
/// 2. The closing transaction moves the counter to 2 and commits.
/// 3. The report reads the counter (2), sums batch 1 (100) and commits.
/// 4. The receipt transaction files 50 under batch 1 and commits.
///
/// Without the report, the two writers are serializable: the receipt first, then the
/// close. The report saw the close but not the receipt, which no serial order explains,
/// and batch 1 ends at 150 after its report said 100.
pub fn read_only_anomaly(conns: [&mut Client; 3], level: Level) -> Result<ReadOnly, Error> {
    let [receipt_conn, close_conn, report_conn] = conns;
    receipt_conn.batch_execute(
        "DROP TABLE IF EXISTS control, receipts;
         CREATE TABLE control (batch bigint NOT NULL);
         CREATE TABLE receipts (batch bigint NOT NULL, amount bigint NOT NULL);
         INSERT INTO control VALUES (1);
         INSERT INTO receipts VALUES (1, 100);",
    )?;
    let mut receipt = Tx::begin(receipt_conn, level)?;
    let batch = single(receipt.query("SELECT batch FROM control", &[])?);

    let mut close = Tx::begin(close_conn, level)?;
    close.query("UPDATE control SET batch = batch + 1", &[])?;
    close.commit()?;

    let mut report = Tx::begin(report_conn, level)?;
    let current = single(report.query("SELECT batch FROM control", &[])?);
    let sum = "SELECT coalesce(sum(amount), 0)::bigint FROM receipts WHERE batch = $1";
    let reported = match current {
        Some(current) => single(report.query(sum, &[&(current - 1)])?),
        None => None,
    };
    report.commit()?;

    if let Some(batch) = batch {
        receipt.query("INSERT INTO receipts VALUES ($1, 50)", &[&batch])?;
    }
    receipt.commit()?;

    let outcomes = (
        receipt.outcome().clone(),
        close.outcome().clone(),
        report.outcome().clone(),
    );
    let reported = reported.filter(|_| outcomes.2 == Outcome::Committed);
    drop((receipt, close, report));
    let actual = report_conn.query_one(sum, &[&1i64])?.get(0);
    Ok(ReadOnly {
        receipt: outcomes.0,
        close: outcomes.1,
        report: outcomes.2,
        reported,
        actual,
    })
}
// endregion: read_only
