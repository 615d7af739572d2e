//! The Rate Limiter chapter's Lua script against a real Redis server.
//!
//! In: `redis-server` on the `PATH` (Debian's `redis-server` package; `.ci/run` installs it)
//! and `snippets/src/rate_limiter/token_bucket.lua`, the file the chapter prints, loaded by
//! `RedisLimiter`. Each test starts its own server on 127.0.0.1 on a free port, with no
//! persistence, in a temporary directory, and stops it when the test ends.
//! Out: many concurrent clients never get more admissions than the bucket allows; when the
//! server dies or stalls mid-run, fail-open admits, fail-closed refuses, and no call waits
//! much longer than the timeout.
//!
//! Without `redis-server` the tests are skipped with a loud message, except when the
//! environment variable `CI` is `true`: there a missing server fails them.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use snippets::rate_limiter::Decision;
use snippets::rate_limiter::policy::{LimiterError, Policy, Verdict, decide};
use snippets::rate_limiter::redis::RedisLimiter;

/// How long a limiter call may take before the caller gives up.
const TIMEOUT: Duration = Duration::from_millis(200);
/// The slowest a failing call may be: a connect attempt plus a reply, each bounded by
/// `TIMEOUT`, with room for a loaded machine.
const WORST_CALL: Duration = Duration::from_millis(1_500);
const CLIENTS: u64 = 16;

/// A `redis-server` child process, killed when dropped.
struct Server {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts a server, or returns `None` (after saying so) when `redis-server` is missing.
    fn start() -> Option<Server> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "the Redis tests cannot run in CI: `redis-server` is not installed"
            );
            eprintln!(
                "\n**********\nSKIPPED: the Redis tests need `redis-server` \
                 (apt-get install redis-server). With CI=true this fails instead.\n**********\n"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            port,
            _dir: dir,
        };
        server.wait_until_it_answers();
        Some(server)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn wait_until_it_answers(&self) {
        let client = redis::Client::open(self.url()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let pong = client
                .get_connection_with_timeout(Duration::from_millis(100))
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
            if pong.is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer within 10 s"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends a signal to the server process (`STOP` freezes it, `CONT` resumes it).
    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill(); // SIGKILL works on a stopped process too
        let _ = self.child.wait();
    }
}

/// Many clients on separate connections take tokens from one bucket of 100 that refills one
/// token an hour: exactly 100 of 8,000 requests are admitted.
#[test]
fn concurrent_clients_never_get_more_than_the_bucket_holds() {
    let Some(server) = Server::start() else {
        return;
    };
    let (capacity, hour_us) = (100, 3_600_000_000);
    let per_client = 500;
    let admitted = AtomicU64::new(0);
    thread::scope(|s| {
        for _ in 0..CLIENTS {
            s.spawn(|| {
                let mut limiter =
                    RedisLimiter::new(&server.url(), capacity, hour_us, TIMEOUT).unwrap();
                for _ in 0..per_client {
                    if limiter.check("tenant:42").unwrap().is_allowed() {
                        admitted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let admitted = admitted.into_inner();
    println!(
        "{} requests from {CLIENTS} clients, {admitted} admitted",
        CLIENTS * per_client
    );
    assert_eq!(admitted, capacity);
}

/// A bucket of 20 refilling 100 tokens a second, hammered for about a second: the
/// admissions never exceed 20 plus 100 per second of elapsed time.
#[test]
fn concurrent_clients_get_the_burst_plus_the_rate() {
    let Some(server) = Server::start() else {
        return;
    };
    let (capacity, interval_us) = (20, 10_000);
    let admitted = AtomicU64::new(0);
    let requests = AtomicU64::new(0);
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..CLIENTS {
            s.spawn(|| {
                let mut limiter =
                    RedisLimiter::new(&server.url(), capacity, interval_us, TIMEOUT).unwrap();
                while start.elapsed() < Duration::from_secs(1) {
                    requests.fetch_add(1, Ordering::Relaxed);
                    if limiter.check("tenant:7").unwrap().is_allowed() {
                        admitted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let elapsed_us = start.elapsed().as_micros() as u64;
    let (requests, admitted) = (requests.into_inner(), admitted.into_inner());
    let bound = capacity + elapsed_us / interval_us;
    println!("{requests} requests in {elapsed_us} µs, {admitted} admitted, bound {bound}");
    assert!(admitted <= bound, "{admitted} admitted, more than {bound}");
    assert!(
        requests > 2 * bound,
        "the clients did not press hard enough to test the bound"
    );
}

/// The outcome of one call, as a client thread saw it.
struct Call {
    answer: Result<Decision, LimiterError>,
    verdict: Verdict,
    took: Duration,
}

/// Half the clients use fail-open, half fail-closed, all on one bucket of 100 (no refill
/// to speak of). The server is killed while they run.
#[test]
fn killed_mid_run_fail_open_admits_and_fail_closed_refuses() {
    let Some(server) = Server::start() else {
        return;
    };
    let sent = AtomicU64::new(0);
    let mut server = Some(server);
    let url = server.as_ref().unwrap().url();
    let calls: Vec<(Policy, Vec<Call>)> = thread::scope(|s| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let policy = if i % 2 == 0 {
                    Policy::FailOpen
                } else {
                    Policy::FailClosed
                };
                let (url, sent) = (&url, &sent);
                s.spawn(move || {
                    let mut limiter = RedisLimiter::new(url, 100, 3_600_000_000, TIMEOUT).unwrap();
                    let mut calls = Vec::new();
                    let mut errors = 0;
                    while errors < 20 {
                        let began = Instant::now();
                        let answer = limiter.check("login:alice");
                        let took = began.elapsed();
                        errors += u32::from(answer.is_err());
                        sent.fetch_add(1, Ordering::Relaxed);
                        let verdict = decide(answer.clone(), policy);
                        calls.push(Call {
                            answer,
                            verdict,
                            took,
                        });
                        assert!(calls.len() < 100_000, "the server was never killed");
                    }
                    (policy, calls)
                })
            })
            .collect();
        // Kill the server once 2,000 requests have been answered.
        while sent.load(Ordering::Relaxed) < 2_000 {
            thread::sleep(Duration::from_millis(1));
        }
        drop(server.take());
        clients.into_iter().map(|c| c.join().unwrap()).collect()
    });

    let all = || {
        calls
            .iter()
            .flat_map(|(p, c)| c.iter().map(move |c| (*p, c)))
    };
    let admitted_by_redis = all()
        .filter(|(_, c)| matches!(c.answer, Ok(d) if d.is_allowed()))
        .count();
    let failed = all().filter(|(_, c)| c.answer.is_err()).count();
    println!(
        "{} requests, {admitted_by_redis} admitted by Redis, {failed} failed after the kill",
        all().count()
    );
    assert_eq!(admitted_by_redis, 100, "Redis admitted exactly the bucket");
    for (policy, call) in all().filter(|(_, c)| c.answer.is_err()) {
        match policy {
            Policy::FailOpen => assert_eq!(call.verdict, Verdict::AdmitUnchecked),
            _ => assert_eq!(call.verdict, Verdict::RefuseUnchecked),
        }
    }
    let slowest = all().map(|(_, c)| c.took).max().unwrap();
    assert!(slowest <= WORST_CALL, "a call took {slowest:?}");
    // Once a client has seen the server die, it never sees it answer again.
    for (_, client) in &calls {
        let first_error = client.iter().position(|c| c.answer.is_err()).unwrap();
        assert!(client[first_error..].iter().all(|c| c.answer.is_err()));
    }
}

/// A frozen server accepts connections but never answers: every call gives up after the
/// timeout and the policy decides.
#[test]
fn a_stalled_server_times_out_and_the_policy_decides() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut open = RedisLimiter::new(&server.url(), 5, 1_000_000, TIMEOUT).unwrap();
    let mut closed = RedisLimiter::new(&server.url(), 5, 1_000_000, TIMEOUT).unwrap();
    assert!(open.check("otp:bob").unwrap().is_allowed()); // both connected and working
    assert!(closed.check("otp:bob").unwrap().is_allowed());
    server.signal("STOP");
    for (limiter, policy, verdict) in [
        (&mut open, Policy::FailOpen, Verdict::AdmitUnchecked),
        (&mut closed, Policy::FailClosed, Verdict::RefuseUnchecked),
    ] {
        for _ in 0..3 {
            let began = Instant::now();
            let answer = limiter.check("otp:bob");
            let took = began.elapsed();
            assert_eq!(answer, Err(LimiterError::Timeout));
            assert_eq!(decide(answer, policy), verdict);
            assert!(took >= TIMEOUT / 2 && took <= WORST_CALL, "took {took:?}");
        }
    }
    server.signal("CONT");
}
