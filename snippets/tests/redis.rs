//! The Rate Limiter chapter's Lua scripts against a real Redis server.
//!
//! In: `redis-server` on the `PATH` (Debian's `redis-server` package; `.ci/run` installs it)
//! and the files the chapter prints, `snippets/src/rate_limiter/token_bucket.lua` (loaded by
//! `RedisLimiter`) and `all_limits.lua` (loaded by `RedisRule`). Each test starts its own
//! server on 127.0.0.1 on a free port, with no persistence, in a temporary directory, and
//! stops it when the test ends.
//! Out: many concurrent clients never get more admissions than the buckets allow; a rule's
//! limits are spent all together or not at all, in cluster mode too when the keys share a
//! hash tag; an evicted key hands its caller a full bucket, while `noeviction` turns memory
//! pressure into errors; when the server dies or stalls mid-run, calls give up after a
//! timeout tied to the 1 ms budget, a circuit breaker stops the calls, fail-open admits and
//! fail-closed refuses.
//!
//! Without `redis-server` the tests are skipped with a loud message, except when the
//! environment variable `CI` is `true`: there a missing server fails them.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

mod support;

use snippets::rate_limiter::breaker::{Breaker, State};
use snippets::rate_limiter::policy::{LimiterError, Policy, Verdict, decide, guarded};
use snippets::rate_limiter::redis::{Limit, RedisLimiter, RedisRule};
use snippets::rate_limiter::{Decision, SECOND_US};

/// How long a limiter call may take before the caller gives up: a few times the chapter's
/// budget of 1 ms at the 99th percentile, so an outage costs each request a few
/// milliseconds, not the budget of the whole request.
const TIMEOUT: Duration = Duration::from_millis(5);
/// The slowest a failing call may be: a connect attempt plus a reply, each bounded by
/// `TIMEOUT`, with room for a loaded two-core machine running the test's threads.
const WORST_CALL: Duration = Duration::from_millis(100);
/// For the tests whose subject is counting, not outages: generous, so that a scheduling
/// hiccup on a loaded machine does not turn into a spurious error.
const COUNTING_TIMEOUT: Duration = Duration::from_secs(2);
const CLIENTS: u64 = 16;
const HOUR_US: u64 = 3_600 * SECOND_US;
const DAY_US: u64 = 86_400 * SECOND_US;

/// A `redis-server` child process, killed when dropped.
struct Server {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts a server, or returns `None` (after saying so) when `redis-server` is missing.
    fn start() -> Option<Server> {
        Server::start_with(&[])
    }

    /// Starts a server with extra command-line options.
    fn start_with(options: &[&str]) -> Option<Server> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            support::server_missing("Redis", "`redis-server`", "apt-get install redis-server");
            return None;
        }
        let port = support::free_port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .args(options)
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

    fn connection(&self) -> redis::Connection {
        let client = redis::Client::open(self.url()).unwrap();
        client.get_connection().unwrap()
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
                    RedisLimiter::new(&server.url(), capacity, hour_us, COUNTING_TIMEOUT).unwrap();
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
                    RedisLimiter::new(&server.url(), capacity, interval_us, COUNTING_TIMEOUT)
                        .unwrap();
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
    /// Whether the call began after the server was killed.
    after_kill: bool,
}

/// Microseconds since `start`: the time the breaker is given.
fn micros(start: Instant) -> u64 {
    start.elapsed().as_micros() as u64
}

/// Half the clients fail open, half fail closed, all on one bucket of 100 (no refill to
/// speak of), each behind its own breaker (3 failures open it for 20 ms). The server is
/// killed while they run; each client stops 200 calls after its first error. A call that
/// times out before the kill (a loaded machine can stall a thread past the timeout) is
/// counted, not failed: Redis may have admitted it without the client hearing so.
#[test]
fn killed_mid_run_fail_open_admits_and_fail_closed_refuses() {
    let Some(server) = Server::start() else {
        return;
    };
    let clients = 8;
    let sent = AtomicU64::new(0);
    let killed = AtomicBool::new(false);
    let mut server = Some(server);
    let url = server.as_ref().unwrap().url();
    let start = Instant::now();
    let calls: Vec<(Policy, Vec<Call>, Breaker)> = thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|i| {
                let policy = if i % 2 == 0 {
                    Policy::FailOpen
                } else {
                    Policy::FailClosed
                };
                let (url, sent, killed) = (&url, &sent, &killed);
                s.spawn(move || {
                    let mut limiter = RedisLimiter::new(url, 100, HOUR_US, TIMEOUT).unwrap();
                    let mut breaker = Breaker::new(3, 20_000);
                    let mut calls = Vec::new();
                    let mut first_error = None;
                    while first_error.is_none_or(|at| calls.len() < at + 200) {
                        let began = Instant::now();
                        let after_kill = killed.load(Ordering::SeqCst);
                        let mut answer = Err(LimiterError::CircuitOpen);
                        let verdict = guarded(&mut breaker, micros(start), policy, || {
                            answer = limiter.check("login:alice");
                            answer.clone()
                        });
                        let took = began.elapsed();
                        if answer.is_err() && after_kill && first_error.is_none() {
                            first_error = Some(calls.len());
                        }
                        sent.fetch_add(1, Ordering::Relaxed);
                        calls.push(Call {
                            answer,
                            verdict,
                            took,
                            after_kill,
                        });
                        assert!(calls.len() < 1_000_000, "the server was never killed");
                    }
                    (policy, calls, breaker)
                })
            })
            .collect();
        // Kill the server once 2,000 requests have been answered.
        while sent.load(Ordering::Relaxed) < 2_000 {
            thread::sleep(Duration::from_millis(1));
        }
        killed.store(true, Ordering::SeqCst);
        drop(server.take());
        handles.into_iter().map(|c| c.join().unwrap()).collect()
    });

    let all = || {
        calls
            .iter()
            .flat_map(|(p, c, _)| c.iter().map(move |c| (*p, c)))
    };
    let admitted_by_redis = all()
        .filter(|(_, c)| matches!(c.answer, Ok(d) if d.is_allowed()))
        .count();
    let early = all()
        .filter(|(_, c)| c.answer.is_err() && !c.after_kill)
        .count();
    let failed = all()
        .filter(|(_, c)| c.answer.is_err() && c.after_kill)
        .count();
    let skipped =
        || all().filter(|(_, c)| c.after_kill && c.answer == Err(LimiterError::CircuitOpen));
    let asked_after_failure = failed - skipped().count();
    let slowest = all().map(|(_, c)| c.took).max().unwrap();
    let slowest_skip = skipped().map(|(_, c)| c.took).max().unwrap();
    println!(
        "{} requests, {admitted_by_redis} admitted by Redis, {early} began before the kill and failed, \
         {failed} failed after it, \
         of which {asked_after_failure} reached for Redis and {} were answered by the open \
         breaker (slowest {slowest_skip:?}); slowest call {slowest:?}",
        all().count(),
        skipped().count()
    );
    assert!(
        admitted_by_redis <= 100,
        "Redis admitted more than the bucket"
    );
    assert!(
        admitted_by_redis + early >= 100,
        "the bucket was not emptied before the kill"
    );
    for (policy, call) in all().filter(|(_, c)| c.answer.is_err()) {
        match policy {
            Policy::FailOpen => assert_eq!(call.verdict, Verdict::AdmitUnchecked),
            _ => assert_eq!(call.verdict, Verdict::RefuseUnchecked),
        }
    }
    assert!(slowest <= WORST_CALL, "a call took {slowest:?}");
    for (_, client, breaker) in &calls {
        // Once a client has seen the server die, it never sees it answer again...
        let first_error = client
            .iter()
            .position(|c| c.after_kill && c.answer.is_err())
            .unwrap();
        assert!(client[first_error..].iter().all(|c| c.answer.is_err()));
        // ...and its breaker spares Redis most of the calls that follow.
        let tried = client[first_error..]
            .iter()
            .filter(|c| c.answer != Err(LimiterError::CircuitOpen))
            .count();
        assert!(
            tried < 100,
            "{tried} of 200 calls still went to a dead Redis"
        );
        assert!(matches!(
            breaker.state(),
            State::Open { .. } | State::HalfOpen
        ));
    }
}

/// A frozen server accepts connections but never answers: the first three calls each give
/// up after the timeout, the breaker opens, and the calls after it are decided at once.
/// Thawed, the server answers the breaker's trial call and the breaker closes.
#[test]
fn a_stalled_server_times_out_the_breaker_opens_and_the_policy_decides() {
    let Some(server) = Server::start() else {
        return;
    };
    let start = Instant::now();
    let open_for = Duration::from_millis(50);
    let mut clients = [Policy::FailOpen, Policy::FailClosed].map(|policy| {
        let limiter = RedisLimiter::new(&server.url(), 5, SECOND_US, TIMEOUT).unwrap();
        (
            limiter,
            Breaker::new(3, open_for.as_micros() as u64),
            policy,
        )
    });
    for (limiter, breaker, policy) in &mut clients {
        let verdict = guarded(breaker, micros(start), *policy, || limiter.check("otp:bob"));
        assert_eq!(verdict, Verdict::Admit); // connected and working
    }
    server.signal("STOP");
    let mut timeouts = Vec::new();
    let mut skips = Vec::new();
    for (limiter, breaker, policy) in &mut clients {
        let unchecked = match policy {
            Policy::FailOpen => Verdict::AdmitUnchecked,
            _ => Verdict::RefuseUnchecked,
        };
        for i in 0..6 {
            let began = Instant::now();
            let mut answer = Err(LimiterError::CircuitOpen);
            let verdict = guarded(breaker, micros(start), *policy, || {
                answer = limiter.check("otp:bob");
                answer.clone()
            });
            let took = began.elapsed();
            assert_eq!(verdict, unchecked);
            if i < 3 {
                assert_eq!(answer, Err(LimiterError::Timeout));
                assert!(took >= TIMEOUT && took <= WORST_CALL, "took {took:?}");
                timeouts.push(took);
            } else {
                assert_eq!(answer, Err(LimiterError::CircuitOpen));
                assert!(
                    took < TIMEOUT,
                    "an open breaker answers at once, not {took:?}"
                );
                skips.push(took);
            }
        }
        assert!(matches!(breaker.state(), State::Open { .. }));
    }
    println!(
        "stalled: timeouts took {:?} to {:?}; the open breaker answered in {:?} to {:?}",
        timeouts.iter().min().unwrap(),
        timeouts.iter().max().unwrap(),
        skips.iter().min().unwrap(),
        skips.iter().max().unwrap()
    );
    server.signal("CONT");
    thread::sleep(open_for);
    for (limiter, breaker, policy) in &mut clients {
        // The trial call reconnects and gets a real answer, whatever it is.
        let mut answer = Err(LimiterError::CircuitOpen);
        guarded(breaker, micros(start), *policy, || {
            answer = limiter.check("otp:bob");
            answer.clone()
        });
        assert!(answer.is_ok(), "{answer:?}");
        assert_eq!(breaker.state(), State::Closed { failures: 0 });
    }
}

/// The tokens left in a bucket, read straight from its hash, or `None` if the key is gone.
fn tokens(connection: &mut redis::Connection, key: &str) -> Option<u64> {
    redis::cmd("HGET")
        .arg(key)
        .arg("tokens")
        .query(connection)
        .unwrap()
}

/// A burst limit and a daily quota that do not refill during the test.
fn burst_and_daily(burst: u64, daily: u64) -> Vec<Limit> {
    vec![
        Limit::per("burst", burst, burst * HOUR_US),
        Limit::per("daily", daily, DAY_US),
    ]
}

/// A refusal by either limit takes nothing from the other, and a cost is taken from both.
#[test]
fn a_rule_spends_every_limit_or_none() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut redis = server.connection();
    let (burst, daily) = ("rl:{user:42}:burst", "rl:{user:42}:daily");

    // The daily quota (3) runs out before the burst limit (5).
    let mut rule = RedisRule::new(&server.url(), burst_and_daily(5, 3), TIMEOUT).unwrap();
    for left in [2, 1, 0] {
        assert_eq!(
            rule.check("user:42", 1),
            Ok(Decision::Allow { remaining: left })
        );
    }
    let refusal = rule.check("user:42", 1).unwrap();
    assert!(!refusal.is_allowed());
    assert_eq!(
        tokens(&mut redis, burst),
        Some(2),
        "the quota's refusal spent no burst"
    );
    assert_eq!(tokens(&mut redis, daily), Some(0));

    // The burst limit (2) runs out before the daily quota (10).
    let mut rule = RedisRule::new(&server.url(), burst_and_daily(2, 10), TIMEOUT).unwrap();
    assert!(rule.check("user:7", 1).unwrap().is_allowed());
    assert!(rule.check("user:7", 1).unwrap().is_allowed());
    let Decision::Deny { retry_after_us } = rule.check("user:7", 1).unwrap() else {
        panic!("the burst limit is spent");
    };
    assert!(retry_after_us > HOUR_US - SECOND_US && retry_after_us <= HOUR_US);
    assert_eq!(tokens(&mut redis, "rl:{user:7}:burst"), Some(0));
    assert_eq!(
        tokens(&mut redis, "rl:{user:7}:daily"),
        Some(8),
        "the burst's refusal spent no quota"
    );

    // Every key the script writes expires: at the latest when its bucket would be full.
    for key in [burst, daily, "rl:{user:7}:burst", "rl:{user:7}:daily"] {
        let ttl: i64 = redis::cmd("PTTL").arg(key).query(&mut redis).unwrap();
        assert!(ttl > 0, "{key} has no expiry");
    }
    let ttl: i64 = redis::cmd("PTTL").arg(daily).query(&mut redis).unwrap();
    assert!(
        ttl as u64 <= DAY_US / 1_000,
        "an empty daily quota is full again within a day"
    );
}

/// A request can cost several tokens: it is admitted only if every limit holds that many.
#[test]
fn a_rule_takes_the_cost_from_every_limit() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut redis = server.connection();
    let mut rule = RedisRule::new(&server.url(), burst_and_daily(10, 7), TIMEOUT).unwrap();
    assert_eq!(rule.check("k", 5), Ok(Decision::Allow { remaining: 2 }));
    // 5 more: the burst limit has them (5 left), the daily quota does not (2 left).
    assert!(!rule.check("k", 5).unwrap().is_allowed());
    assert_eq!(tokens(&mut redis, "rl:{k}:burst"), Some(5));
    assert_eq!(tokens(&mut redis, "rl:{k}:daily"), Some(2));
    // A cheaper request still fits.
    assert_eq!(rule.check("k", 2), Ok(Decision::Allow { remaining: 0 }));
    assert_eq!(tokens(&mut redis, "rl:{k}:burst"), Some(3));

    // The script itself refuses a cost no bucket could ever hold, whoever calls it.
    let script = redis::Script::new(snippets::rate_limiter::redis::ALL_LIMITS_LUA);
    let error = script
        .key("rl:{k}:burst")
        .arg(11)
        .arg(10)
        .arg(HOUR_US)
        .invoke::<Vec<u64>>(&mut redis)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("is not between 1 and the capacity"),
        "{error}"
    );
}

/// Eight clients on separate connections spend random costs of 1 to 3 tokens against a
/// daily quota of 200 and a burst limit of 1,000: the tokens gone from each bucket are
/// exactly the costs admitted, and those fill the quota to within one request.
#[test]
fn concurrent_clients_spend_a_rule_all_or_nothing() {
    let Some(server) = Server::start() else {
        return;
    };
    let spent = AtomicU64::new(0);
    let requests = AtomicU64::new(0);
    thread::scope(|s| {
        for client in 0..8_u64 {
            let (spent, requests, url) = (&spent, &requests, server.url());
            s.spawn(move || {
                let limits = vec![
                    Limit::per("burst", 1_000, HOUR_US),
                    Limit::per("daily", 200, DAY_US),
                ];
                let mut rule = RedisRule::new(&url, limits, COUNTING_TIMEOUT).unwrap();
                for i in 0..100 {
                    let cost = 1 + (client + i) % 3;
                    requests.fetch_add(1, Ordering::Relaxed);
                    if rule.check("tenant:9", cost).unwrap().is_allowed() {
                        spent.fetch_add(cost, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let spent = spent.into_inner();
    let mut redis = server.connection();
    let burst_left = tokens(&mut redis, "rl:{tenant:9}:burst").unwrap();
    let daily_left = tokens(&mut redis, "rl:{tenant:9}:daily").unwrap();
    println!(
        "{} requests from 8 clients spent {spent} tokens; {burst_left} burst and {daily_left} \
         daily tokens left",
        requests.into_inner()
    );
    assert_eq!(
        1_000 - burst_left,
        spent,
        "the burst bucket lost exactly what was admitted"
    );
    assert_eq!(200 - daily_left, spent, "and so did the daily quota");
    assert!(
        daily_left < 3,
        "the quota was filled until no request fitted"
    );
}

/// In cluster mode, a script may touch only keys of one hash slot: the caller's hash tag
/// makes the rule's keys share one, and without it Redis refuses the call.
#[test]
fn in_a_cluster_only_hash_tagged_keys_run_in_one_script() {
    let Some(server) = Server::start_with(&["--cluster-enabled", "yes"]) else {
        return;
    };
    let mut redis = server.connection();
    // One node owns every slot (ADDSLOTS rather than ADDSLOTSRANGE, which needs Redis 7).
    redis::cmd("CLUSTER")
        .arg("ADDSLOTS")
        .arg((0..16_384_u16).collect::<Vec<_>>())
        .exec(&mut redis)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info: String = redis::cmd("CLUSTER").arg("INFO").query(&mut redis).unwrap();
        if info.contains("cluster_state:ok") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the one-node cluster never became ready"
        );
        thread::sleep(Duration::from_millis(20));
    }
    let slot = |redis: &mut redis::Connection, key: &str| -> u16 {
        redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(redis)
            .unwrap()
    };
    assert_eq!(
        slot(&mut redis, "rl:{user:42}:burst"),
        slot(&mut redis, "rl:{user:42}:daily")
    );
    assert_ne!(
        slot(&mut redis, "rl:user:42:burst"),
        slot(&mut redis, "rl:user:42:daily")
    );

    let mut rule = RedisRule::new(&server.url(), burst_and_daily(5, 3), TIMEOUT).unwrap();
    assert_eq!(
        rule.check("user:42", 1),
        Ok(Decision::Allow { remaining: 2 })
    );

    let script = redis::Script::new(snippets::rate_limiter::redis::ALL_LIMITS_LUA);
    let mut untagged = script.prepare_invoke();
    untagged.arg(1);
    for key in ["rl:user:42:burst", "rl:user:42:daily"] {
        untagged.key(key).arg(5).arg(HOUR_US);
    }
    let error = untagged.invoke::<Vec<u64>>(&mut redis).unwrap_err();
    assert!(
        error.to_string().to_uppercase().contains("CROSSSLOT"),
        "{error}"
    );
}

/// Sets a server's memory limit and eviction policy at run time.
fn limit_memory(redis: &mut redis::Connection, bytes: u64, policy: &str) {
    for (name, value) in [
        ("maxmemory-policy", policy.to_string()),
        ("maxmemory", bytes.to_string()),
    ] {
        redis::cmd("CONFIG")
            .arg("SET")
            .arg(name)
            .arg(value)
            .exec(redis)
            .unwrap();
    }
}

fn used_memory(redis: &mut redis::Connection) -> u64 {
    let info: String = redis::cmd("INFO").arg("memory").query(redis).unwrap();
    let line = info
        .lines()
        .find(|l| l.starts_with("used_memory:"))
        .unwrap();
    line["used_memory:".len()..].trim().parse().unwrap()
}

/// When a Redis shared with a cache runs out of memory under `allkeys-lru`, it can evict a
/// limiter's key, and an evicted bucket comes back full: the caller it was holding back
/// gets its whole burst again.
#[test]
fn an_evicted_bucket_is_a_full_bucket() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut redis = server.connection();
    let mut limiter = RedisLimiter::new(&server.url(), 3, HOUR_US, COUNTING_TIMEOUT).unwrap();
    for _ in 0..3 {
        assert!(limiter.check("rl:{user:1}:burst").unwrap().is_allowed());
    }
    assert!(!limiter.check("rl:{user:1}:burst").unwrap().is_allowed());

    // Cache entries written after the bucket fill the memory: the bucket is now the least
    // recently used key.
    let limit = used_memory(&mut redis) + 2_000_000;
    limit_memory(&mut redis, limit, "allkeys-lru");
    let value = "x".repeat(1_000);
    let mut written = 0;
    while redis::cmd("EXISTS")
        .arg("rl:{user:1}:burst")
        .query::<u8>(&mut redis)
        .unwrap()
        == 1
    {
        redis::cmd("SET")
            .arg(format!("cache:{written}"))
            .arg(&value)
            .exec(&mut redis)
            .unwrap();
        written += 1;
        assert!(written < 100_000, "the bucket was never evicted");
    }
    let info: String = redis::cmd("INFO").arg("stats").query(&mut redis).unwrap();
    let evicted = info
        .lines()
        .find(|l| l.starts_with("evicted_keys:"))
        .unwrap();
    println!("the bucket was evicted after {written} cache writes ({evicted})");
    assert_eq!(
        limiter.check("rl:{user:1}:burst"),
        Ok(Decision::Allow { remaining: 2 }),
        "an hour before its next token, the caller has a full bucket again"
    );
}

/// Under `noeviction` the bucket stays, and the script's write is refused with an
/// out-of-memory error: a limiter failure like any other, which the endpoint's policy
/// decides, instead of a silent reset.
#[test]
fn under_noeviction_a_full_memory_is_an_error_the_policy_decides() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut redis = server.connection();
    let mut limiter = RedisLimiter::new(&server.url(), 3, HOUR_US, COUNTING_TIMEOUT).unwrap();
    for _ in 0..3 {
        assert!(limiter.check("rl:{user:1}:burst").unwrap().is_allowed());
    }
    limit_memory(&mut redis, 1_000_000, "noeviction"); // below what the server already uses
    let answer = limiter.check("rl:{user:1}:burst");
    let Err(LimiterError::Unavailable(message)) = &answer else {
        panic!("expected an out-of-memory error, got {answer:?}");
    };
    println!("under noeviction: {message}");
    assert!(message.contains("OOM"), "{message}");
    assert_eq!(
        decide(answer.clone(), Policy::FailOpen),
        Verdict::AdmitUnchecked
    );
    assert_eq!(decide(answer, Policy::FailClosed), Verdict::RefuseUnchecked);

    limit_memory(&mut redis, 0, "noeviction"); // memory again
    assert_eq!(
        tokens(&mut redis, "rl:{user:1}:burst"),
        Some(0),
        "the count survived"
    );
    assert!(!limiter.check("rl:{user:1}:burst").unwrap().is_allowed());
}
