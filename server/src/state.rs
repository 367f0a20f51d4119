//! What every handler shares.

use std::path::PathBuf;

use crate::db::SharedDb;

#[derive(Clone)]
pub struct AppState {
    pub db: SharedDb,
    /// The server's Automerge actor, used for everything the server itself writes.
    pub actor: automerge::ActorId,
    /// The built storefront (index.html, pkg/, sw.js).
    pub site_dir: PathBuf,
}
