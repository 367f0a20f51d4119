//! Automerge loading as the server does it with bytes a device sent: as a whole document,
//! as one change (the fast path), and as incremental changes applied to a real cart, each
//! followed by the allow-list check a writable document gets.
#![no_main]

#[path = "bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::doc_load::run(data));
