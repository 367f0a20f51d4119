//! What every handler shares.

use std::path::PathBuf;
use std::sync::Arc;

use crate::login_limiter::LoginLimiter;
use crate::store::Store;
use crate::store::catalog::CatalogCache;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The products, as of the catalog's stored version.
    pub catalog: Arc<CatalogCache>,
    /// The server's Automerge actor, used for everything the server itself writes.
    pub actor: automerge::ActorId,
    /// The built storefront (index.html, pkg/, sw.js).
    pub site_dir: PathBuf,
    pub login_limiter: Arc<LoginLimiter>,
    /// How long an access token lasts ([`crate::auth::ACCESS_TTL_MS`] unless configured).
    pub access_ttl_ms: i64,
    /// When a shop's next order volume opens ([`crate::Config::order_volume_bytes`]).
    pub order_volume_bytes: i64,
    /// Password hashes computed at once, on all cores but one: argon2 takes 19 MiB each,
    /// so a storm of sign-ins queues here instead of allocating gigabytes.
    pub hashing: Arc<crate::auth::Hashers>,
    /// Sync bodies read at once, in MiB ([`crate::sync_endpoint::SYNC_BODY_BUDGET_MIB`]).
    pub sync_bodies: Arc<tokio::sync::Semaphore>,
}
