//! An order request's JSON as the server takes it in: the allow-list check a device's
//! request gets, then pricing and confirmation against a small catalog, with stock.
#![no_main]

#[path = "bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::order_request_json::run(data));
