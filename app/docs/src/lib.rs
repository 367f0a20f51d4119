//! Dinghuo's synced documents, between the pure domain and the clients and server: the
//! Automerge document schema (ids, layout, typed reads and writes, what a device may
//! change), the sans-IO sync engine and its wire format, and the order intake rule the
//! server runs. No network, no storage, no clock: callers bring those.

pub mod intake;
pub mod schema;
pub mod sync;
