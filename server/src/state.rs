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
    /// The categories' calendar factors, estimated from every shop's orders.
    pub seasons: Arc<crate::forecast_api::SeasonCache>,
    /// The server's Automerge actor, used for everything the server itself writes.
    pub actor: automerge::ActorId,
    /// The built storefront (index.html, pkg/, sw.js).
    pub site_dir: PathBuf,
    pub login_limiter: Arc<LoginLimiter>,
    /// Calls per API key a minute.
    pub key_limiter: Arc<crate::login_limiter::KeyLimiter>,
    /// How long an access token lasts ([`crate::auth::ACCESS_TTL_MS`] unless configured).
    pub access_ttl_ms: i64,
    /// When a shop's next order volume opens ([`crate::Config::order_volume_bytes`]).
    pub order_volume_bytes: i64,
    /// Password hashes computed at once, on all cores but one: argon2 takes 19 MiB each,
    /// so a storm of sign-ins queues here instead of allocating gigabytes.
    pub hashing: Arc<crate::auth::Hashers>,
    /// Sync bodies read at once, in MiB ([`crate::sync_endpoint::SYNC_BODY_BUDGET_MIB`]).
    pub sync_bodies: Arc<tokio::sync::Semaphore>,
    /// The threads that prepare sync batches on read snapshots, one per core: more would
    /// only wait for a core while holding their documents' copies.
    pub preparing: Arc<crate::workers::Workers>,
    /// The SQLite database's backups (`None` on PostgreSQL).
    pub backups: Option<Arc<crate::backups_api::Backups>>,
}

/// What a write transaction that places or changes orders writes with.
#[derive(Clone, Copy)]
pub struct OrderWork<'a> {
    pub docs: crate::fulfilment::Docs<'a>,
    pub catalog: &'a CatalogCache,
    /// When a shop's next order volume opens.
    pub volume_bytes: i64,
}

impl AppState {
    /// Runs `work` in a write transaction (again from the start when it conflicts) with
    /// the documents, the catalog cache and the order volume size.
    pub async fn write_orders<T: Send + 'static>(
        &self,
        work: impl Fn(&mut crate::store::Tx<'_>, OrderWork<'_>) -> Result<T, crate::app_error::AppError>
        + Send
        + 'static,
    ) -> Result<T, crate::app_error::AppError> {
        let actor = self.actor.clone();
        let store = self.store.clone();
        let catalog = self.catalog.clone();
        let volume_bytes = self.order_volume_bytes;
        self.store
            .write(move |tx| {
                let docs = crate::fulfilment::Docs {
                    cache: store.docs(),
                    actor: &actor,
                };
                work(
                    tx,
                    OrderWork {
                        docs,
                        catalog: &catalog,
                        volume_bytes,
                    },
                )
            })
            .await
    }
}
