//! What every handler shares.

use std::path::PathBuf;
use std::sync::Arc;

use crate::db::SharedDb;
use crate::login_limiter::LoginLimiter;

#[derive(Clone)]
pub struct AppState {
    pub db: SharedDb,
    /// The server's Automerge actor, used for everything the server itself writes.
    pub actor: automerge::ActorId,
    /// The built storefront (index.html, pkg/, sw.js).
    pub site_dir: PathBuf,
    pub login_limiter: Arc<LoginLimiter>,
    /// How long an access token lasts ([`crate::auth::ACCESS_TTL_MS`] unless configured).
    pub access_ttl_ms: i64,
}
