//! Servers the real-component tests start for themselves.
//!
//! In: a test file that declares `mod support;`. Out: the harnesses below, each starting a
//! throw-away server on 127.0.0.1 and stopping it when dropped. Each test binary uses only
//! some of what is here, so unused items are expected.
#![allow(dead_code)]

pub mod postgres;
