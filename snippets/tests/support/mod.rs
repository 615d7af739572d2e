//! What the real-component tests share: free ports, the rule for a missing server, and the
//! servers' own harnesses.
//!
//! In: a test file that declares `mod support;`. Out: [`free_port`], [`server_missing`] and
//! the harnesses below, each starting a throw-away server on 127.0.0.1 and stopping it when
//! dropped. Each test binary uses only some of what is here, so unused items are expected.
#![allow(dead_code)]

pub mod postgres;

/// A port on 127.0.0.1 that was free a moment ago, for a server the test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Says that the tests of `suite` are skipped because `what` is missing, loudly, with the
/// command that installs it; under `CI=true`, where every server must be present, it fails
/// the test instead.
pub fn server_missing(suite: &str, what: &str, install: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the {suite} tests cannot run in CI: {what} is not installed ({install})"
    );
    eprintln!(
        "\n**********\nSKIPPED: the {suite} tests need {what} ({install}). \
         With CI=true this fails instead.\n**********\n"
    );
}
