//! Dinghuo's application: the pure domain rules, the Automerge document schema, the
//! sans-IO sync engine and order intake rule, and (with the `ui` feature, for
//! wasm32-unknown-unknown) the Leptos storefront.

pub mod domain;
pub mod intake;
pub mod schema;
pub mod sync;

#[cfg(feature = "ui")]
pub mod ui;
