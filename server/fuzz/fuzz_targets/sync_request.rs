//! The sync endpoint's decoder and per-document intake, as the server runs them on a
//! device's bytes: decode the batch, then take every document message into a copy of a
//! real cart and order-requests document (validation included), and answer it.
#![no_main]

#[path = "bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::sync_request::run(data));
