//! Sans-IO sync on Automerge's own sync protocol, batched: one HTTP POST carries a message
//! for every document a device keeps. Events in, effects out, nothing spawned: the same
//! code runs in the browser, in the server and in the simulated network of the tests.

pub mod device_sync;
pub mod server_sync;
pub mod wire;
