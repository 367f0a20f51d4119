//! The sign-in body as the server reads it: JSON into `LoginRequest`, then the checks made
//! before any password is hashed.
#![no_main]

#[path = "bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::login_json::run(data));
