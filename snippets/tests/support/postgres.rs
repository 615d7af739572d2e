//! Throw-away PostgreSQL servers for the tests that run the book's SQL for real.
//!
//! In: Debian's PostgreSQL binaries (`/usr/lib/postgresql/<version>/bin`, the newest
//! version found, or the folder in `DSBOOK_PG_BIN`). Out: a [`Postgres`] server on 127.0.0.1
//! on a free port, with its data folder in a temporary directory, stopped (immediate
//! shutdown) and deleted when dropped; or, for replication, a primary and a hot standby
//! streaming from it.
//!
//! PostgreSQL refuses to run as root, so under root (CI containers) every server command
//! runs as the `postgres` user, which Debian's package creates, and the data folders are
//! handed to that user.
//!
//! Without the binaries the harness prints a loud SKIPPED and returns `None`, except when
//! the environment variable `CI` is `true`: there a missing PostgreSQL fails the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The `application_name` a standby reports to its primary, the name to list in
/// `synchronous_standby_names`.
pub const STANDBY_NAME: &str = "standby1";

/// One running PostgreSQL server.
pub struct Postgres {
    bin: PathBuf,
    port: u16,
    data: PathBuf,
    /// Owns the data folder; dropped after the server is stopped.
    _dir: tempfile::TempDir,
}

impl Postgres {
    /// A single server for transaction tests. `fsync` is off: these tests are about
    /// isolation, not durability, and it keeps them fast on slow disks.
    pub fn start() -> Option<Postgres> {
        let bin = binaries()?;
        Some(Postgres::init_and_start(bin, &["fsync=off"]))
    }

    /// A primary ready for streaming replication: `wal_level = replica` and room for WAL
    /// senders. Durability settings are left at their defaults, so commit latencies
    /// measured on it include the local WAL flush, as in production.
    pub fn start_primary() -> Option<Postgres> {
        let bin = binaries()?;
        Some(Postgres::init_and_start(
            bin,
            &["wal_level=replica", "max_wal_senders=4", "wal_keep_size=64MB"],
        ))
    }

    /// A hot standby streaming from this primary: a base backup taken with
    /// `pg_basebackup -R`, started with `application_name` [`STANDBY_NAME`]. Returns once the
    /// standby accepts read-only queries and the primary lists it as streaming.
    pub fn start_standby(&self) -> Postgres {
        let dir = data_dir();
        let data = dir.path().join("data");
        let port = super::free_port();
        run(
            &self.bin,
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-D",
                path_str(&data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ],
        );
        // `-R` wrote a `primary_conninfo`; a later line in the same file wins, and this one
        // names the standby so the primary can wait for it by name.
        let conninfo = format!(
            "host=127.0.0.1 port={} user=postgres application_name={STANDBY_NAME}",
            self.port
        );
        append_setting(&data, &format!("primary_conninfo = '{conninfo}'"));
        let standby = Postgres {
            bin: self.bin.clone(),
            port,
            data,
            _dir: dir,
        };
        standby.launch(&["hot_standby=on"]);
        let mut primary = self.connect();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let streaming = primary
                .query(
                    "SELECT 1 FROM pg_stat_replication \
                     WHERE application_name = $1 AND state = 'streaming'",
                    &[&STANDBY_NAME],
                )
                .unwrap();
            if !streaming.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the standby did not start streaming within 30 s; its log:\n{}",
                standby.log()
            );
            thread::sleep(Duration::from_millis(50));
        }
        standby
    }

    /// A new connection as the superuser `postgres` to the database `postgres`.
    pub fn connect(&self) -> postgres::Client {
        postgres::Client::connect(&self.conninfo(), postgres::NoTls).unwrap_or_else(|e| {
            panic!("could not connect to {}: {e}\n{}", self.conninfo(), self.log())
        })
    }

    /// The connection string for [`postgres::Client::connect`].
    pub fn conninfo(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data.join("server.log")).unwrap_or_default()
    }

    fn init_and_start(bin: PathBuf, settings: &[&str]) -> Postgres {
        let dir = data_dir();
        let data = dir.path().join("data");
        run(
            &bin,
            "initdb",
            &[
                "-D",
                path_str(&data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        let server = Postgres {
            bin,
            port: super::free_port(),
            data,
            _dir: dir,
        };
        server.launch(settings);
        server
    }

    /// Starts the server on its port and waits until it accepts connections.
    fn launch(&self, settings: &[&str]) {
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            path_str(&self.data)
        );
        for setting in settings {
            options.push_str(" -c ");
            options.push_str(setting);
        }
        let log = self.data.join("server.log");
        let output = command(
            &self.bin,
            "pg_ctl",
            &[
                "-D",
                path_str(&self.data),
                "-l",
                path_str(&log),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        assert!(
            output.status.success(),
            "PostgreSQL did not start: {}\n{}",
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = command(
            &self.bin,
            "pg_ctl",
            &["-D", path_str(&self.data), "-m", "immediate", "-w", "stop"],
        );
    }
}

/// The folder of PostgreSQL's server binaries, or `None` after saying why the test is
/// skipped.
fn binaries() -> Option<PathBuf> {
    let found = std::env::var_os("DSBOOK_PG_BIN")
        .map(PathBuf::from)
        .or_else(newest_debian_bin)
        .filter(|bin| bin.join("initdb").is_file());
    if found.is_none() {
        super::server_missing(
            "PostgreSQL",
            "Debian's PostgreSQL server (initdb under /usr/lib/postgresql/*/bin, or in DSBOOK_PG_BIN)",
            "apt-get install postgresql",
        );
    }
    found
}

/// `/usr/lib/postgresql/<highest version>/bin`, where Debian installs the server.
fn newest_debian_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Runs one of the server's programs, as the `postgres` user under root.
fn command(bin: &Path, program: &str, args: &[&str]) -> Output {
    let program = bin.join(program);
    let mut cmd = if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(&program);
        cmd
    } else {
        Command::new(&program)
    };
    cmd.args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", program.display()))
}

fn run(bin: &Path, program: &str, args: &[&str]) {
    let output = command(bin, program, args);
    assert!(
        output.status.success(),
        "{program} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A temporary folder the server may write, owned by `postgres` under root.
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    if is_root() {
        let status = Command::new("chown")
            .args(["postgres:", path_str(dir.path())])
            .status()
            .unwrap();
        assert!(status.success(), "could not hand the data folder to postgres");
    }
    dir
}

fn append_setting(data: &Path, line: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.auto.conf"))
        .unwrap();
    writeln!(file, "{line}").unwrap();
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}
