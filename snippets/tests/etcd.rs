//! The Coordination handbook's fenced lock against a real etcd.
//!
//! In: `etcd` on the `PATH` (Debian's `etcd-server` package, 3.4 or later; `.ci/run`
//! installs it) and `snippets::coordination::lock`. Each test starts its own single-member
//! etcd on 127.0.0.1, on free ports, in a temporary data directory, with a 50 ms heartbeat
//! and a 500 ms election timeout, so that etcd grants leases as short as one second.
//! Out: while a holder keeps its lease alive nobody else gets the lock; when the holder
//! pauses past its lease, the lease expires, a second holder gets the lock with a larger
//! token and writes, and the first holder's late write is rejected by the fenced store (and
//! lands, overwriting the newer value, in a store that does not check tokens). The measured
//! times are printed.
//!
//! Without `etcd` the tests are skipped with a loud message, except when the environment
//! variable `CI` is `true`: there a missing server fails them.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

mod support;

use snippets::coordination::lock::{Etcd, FencedStore, Lease, Stale};

/// The TTL the tests ask for, in seconds: etcd's minimum with a 500 ms election timeout.
const TTL_SECS: i64 = 1;
/// How often a healthy holder renews its lease: a fifth of the TTL, so that a renewal
/// delayed by a busy test machine still lands well before the lease runs out.
const KEEP_ALIVE: Duration = Duration::from_millis(200);
/// How long the first holder stalls, as in a stop-the-world pause: well past its lease.
const PAUSE: Duration = Duration::from_millis(3_000);

/// An `etcd` child process, killed when dropped.
struct Server {
    child: Child,
    client_port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts etcd, or returns `None` (after saying so) when `etcd` is missing.
    fn start() -> Option<Server> {
        if Command::new("etcd").arg("--version").output().is_err() {
            support::server_missing("etcd", "`etcd`", "apt-get install etcd-server");
            return None;
        }
        let (client_port, peer_port) = (support::free_port(), support::free_port());
        let dir = tempfile::tempdir().unwrap();
        let client = format!("http://127.0.0.1:{client_port}");
        let peer = format!("http://127.0.0.1:{peer_port}");
        let child = Command::new("etcd")
            .args(["--name", "lock-test"])
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args([
                "--listen-client-urls",
                &client,
                "--advertise-client-urls",
                &client,
            ])
            .args([
                "--listen-peer-urls",
                &peer,
                "--initial-advertise-peer-urls",
                &peer,
            ])
            .args(["--initial-cluster", &format!("lock-test={peer}")])
            // The lease minimum is 1.5 election timeouts rounded up to whole seconds: 1 s.
            .args(["--heartbeat-interval", "50", "--election-timeout", "500"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            client_port,
            _dir: dir,
        };
        server.wait_until_it_answers();
        Some(server)
    }

    fn client(&self) -> Etcd {
        Etcd::new(
            &format!("http://127.0.0.1:{}", self.client_port),
            Duration::from_secs(2),
        )
    }

    /// Waits until a lease can be granted: the member has elected itself leader.
    fn wait_until_it_answers(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let etcd = Etcd::new(
            &format!("http://127.0.0.1:{}", self.client_port),
            Duration::from_millis(500),
        );
        loop {
            if let Ok(lease) = etcd.grant(TTL_SECS) {
                etcd.revoke(lease).unwrap();
                return;
            }
            assert!(Instant::now() < deadline, "etcd did not answer within 15 s");
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Renews `lease` every `KEEP_ALIVE` until `stop` is set or while `paused` is set; records
/// when the last renewal answered.
fn keep_alive(
    etcd: Etcd,
    lease: Lease,
    paused: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    last_renewal: Arc<Mutex<Instant>>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            if !paused.load(Ordering::SeqCst) {
                let ttl = etcd.keep_alive(lease).unwrap();
                if ttl > 0 {
                    *last_renewal.lock().unwrap() = Instant::now();
                }
            }
            thread::sleep(KEEP_ALIVE);
        }
    })
}

/// What one run of the scenario measured and produced.
struct Scenario {
    granted_ttl: i64,
    tokens: (u64, u64),
    expiry_after_last_renewal: Duration,
    acquired_after_last_renewal: Duration,
    late_write: Result<(), Stale>,
    keep_alive_after_pause: i64,
    final_value: Option<String>,
}

/// Holder 1 takes the lock, proves it holds it, writes, then stalls for `PAUSE` between
/// checking its lease and its next write. Holder 2 polls for the lock every 10 ms.
fn pause_scenario(server: &Server, mut store: FencedStore) -> Scenario {
    let etcd = server.client();
    let lock_name = "jobs/nightly-report";

    // Holder 1 takes the lock and writes with its token.
    let lease1 = etcd.grant(TTL_SECS).unwrap();
    let lock1 = etcd
        .try_lock(lock_name, lease1)
        .unwrap()
        .expect("the lock is free");
    store.write(lock1.token, "holder 1, first write").unwrap();

    // While holder 1 keeps its lease alive, for two TTLs, nobody else gets the lock.
    let paused = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let last_renewal = Arc::new(Mutex::new(Instant::now()));
    let renewer = keep_alive(
        etcd.clone(),
        lease1,
        paused.clone(),
        stop.clone(),
        last_renewal.clone(),
    );
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        let other = etcd.grant(TTL_SECS).unwrap();
        assert_eq!(etcd.try_lock(lock_name, other).unwrap(), None);
        etcd.revoke(other).unwrap();
        thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(etcd.holder_token(lock_name).unwrap(), Some(lock1.token));

    // Holder 1 checks that it still holds the lock (it does), then the whole process
    // stops: its keep-alives stop too, as in a garbage collector's pause.
    paused.store(true, Ordering::SeqCst);
    assert!(etcd.keep_alive(lease1).unwrap() > 0);
    *last_renewal.lock().unwrap() = Instant::now();
    let pause_began = Instant::now();

    // Holder 2 polls, renewing its own lease as it waits. etcd deletes the key when
    // lease 1 expires; holder 2 creates it.
    let lease2 = etcd.grant(TTL_SECS).unwrap();
    let mut renewed2 = Instant::now();
    let mut expired_at = None;
    let (lock2, acquired_at) = loop {
        if renewed2.elapsed() >= KEEP_ALIVE {
            assert!(etcd.keep_alive(lease2).unwrap() > 0);
            renewed2 = Instant::now();
        }
        if expired_at.is_none() && etcd.holder_token(lock_name).unwrap().is_none() {
            expired_at = Some(Instant::now());
        }
        if let Some(lock) = etcd.try_lock(lock_name, lease2).unwrap() {
            break (lock, Instant::now());
        }
        assert!(
            pause_began.elapsed() < PAUSE,
            "lease 1 did not expire within the pause"
        );
        thread::sleep(Duration::from_millis(10));
    };
    let expired_at = expired_at.unwrap_or(acquired_at);
    store.write(lock2.token, "holder 2").unwrap();

    // Holder 1 wakes up and carries on where it stopped: it writes with its old token.
    thread::sleep(PAUSE.saturating_sub(pause_began.elapsed()));
    let late_write = store.write(lock1.token, "holder 1, after its pause");
    paused.store(false, Ordering::SeqCst);
    let keep_alive_after_pause = etcd.keep_alive(lease1).unwrap();
    stop.store(true, Ordering::SeqCst);
    renewer.join().unwrap();
    let last = *last_renewal.lock().unwrap();
    etcd.revoke(lease2).unwrap();
    Scenario {
        granted_ttl: lease1.ttl_secs,
        tokens: (lock1.token, lock2.token),
        expiry_after_last_renewal: expired_at - last,
        acquired_after_last_renewal: acquired_at - last,
        late_write,
        keep_alive_after_pause,
        final_value: store.value().map(str::to_string),
    }
}

#[test]
fn a_paused_holder_loses_its_lease_and_its_stale_write_is_fenced_off() {
    let Some(server) = Server::start() else {
        return;
    };
    let s = pause_scenario(&server, FencedStore::default());
    eprintln!(
        "lease TTL granted: {} s; tokens: {} then {}; key gone {} ms after holder 1's last \
         renewal; holder 2 acquired after {} ms",
        s.granted_ttl,
        s.tokens.0,
        s.tokens.1,
        s.expiry_after_last_renewal.as_millis(),
        s.acquired_after_last_renewal.as_millis(),
    );
    assert_eq!(s.granted_ttl, TTL_SECS);
    assert!(s.tokens.1 > s.tokens.0);
    // etcd keeps a renewed lease for its full TTL, and expires it within about one
    // expiry-check period (500 ms) after that.
    let ttl = Duration::from_secs(TTL_SECS as u64);
    assert!(
        s.expiry_after_last_renewal >= ttl,
        "{:?}",
        s.expiry_after_last_renewal
    );
    assert!(
        s.acquired_after_last_renewal < ttl * 3,
        "{:?}",
        s.acquired_after_last_renewal
    );
    assert_eq!(
        s.late_write,
        Err(Stale {
            token: s.tokens.0,
            highest: s.tokens.1
        })
    );
    // Holder 1 learns it lost the lease only when it talks to etcd again.
    assert!(s.keep_alive_after_pause <= 0);
    assert_eq!(s.final_value.as_deref(), Some("holder 2"));
}

#[test]
fn without_the_token_check_the_stale_write_overwrites_the_new_holder() {
    let Some(server) = Server::start() else {
        return;
    };
    let s = pause_scenario(&server, FencedStore::without_check());
    assert_eq!(s.late_write, Ok(()));
    assert_eq!(s.final_value.as_deref(), Some("holder 1, after its pause"));
}
