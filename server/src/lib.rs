//! Dinghuo's server: serves the built storefront, signs devices in, syncs documents, and
//! is the authority that confirms orders. Only this crate knows HTTP and SQL.

pub mod access;
pub mod admin_api;
pub mod app_error;
pub mod auth;
pub mod commerce;
pub mod db;
pub mod demo_data;
pub mod doc_store;
pub mod inbox;
pub mod login_limiter;
pub mod order_intake;
pub mod orders_api;
pub mod session;
pub mod staff_api;
pub mod state;
pub mod sync_endpoint;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::{get, post, put};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::app_error::AppError;
use crate::db::SharedDb;
use crate::state::AppState;

/// Where the server listens and keeps its data.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// The data directory; the SQLite file is `dinghuo.sqlite3` inside it.
    pub data_dir: PathBuf,
    /// The built storefront.
    pub site_dir: PathBuf,
    /// How many products the first run's demo catalog has (at least 200).
    pub demo_skus: usize,
    /// How long an access token lasts, in milliseconds.
    pub access_ttl_ms: i64,
}

impl Config {
    /// Reads `DINGHUO_ADDR` (default 127.0.0.1:3000), `DINGHUO_DATA` (default ./data),
    /// `DINGHUO_SITE` (default ./target/site), `DINGHUO_DEMO_SKUS` (default 200) and
    /// `DINGHUO_ACCESS_TTL_SECS` (default 900).
    pub fn from_env() -> anyhow::Result<Config> {
        let addr = std::env::var("DINGHUO_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
        Ok(Config {
            addr: addr
                .parse()
                .with_context(|| format!("DINGHUO_ADDR={addr} is not host:port"))?,
            data_dir: std::env::var_os("DINGHUO_DATA")
                .map(PathBuf::from)
                .unwrap_or_else(|| "data".into()),
            site_dir: std::env::var_os("DINGHUO_SITE")
                .map(PathBuf::from)
                .unwrap_or_else(|| "target/site".into()),
            demo_skus: match std::env::var("DINGHUO_DEMO_SKUS") {
                Ok(text) => text
                    .parse()
                    .with_context(|| format!("DINGHUO_DEMO_SKUS={text} is not a number"))?,
                Err(_) => 200,
            },
            access_ttl_ms: match std::env::var("DINGHUO_ACCESS_TTL_SECS") {
                Ok(text) => text
                    .parse::<i64>()
                    .ok()
                    .filter(|secs| *secs > 0)
                    .with_context(|| {
                        format!("DINGHUO_ACCESS_TTL_SECS={text} is not a positive number")
                    })?
                    .saturating_mul(1000),
                Err(_) => auth::ACCESS_TTL_MS,
            },
        })
    }
}

/// Opens (creating and seeding on first run) the database and builds the app state.
pub async fn open_state(config: &Config) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    let db = SharedDb::open(&config.data_dir.join("dinghuo.sqlite3"))?;
    let actor = automerge::ActorId::random();
    let seed_actor = actor.clone();
    let demo_skus = config.demo_skus;
    let seeded = db
        .run(move |db| demo_data::seed_if_empty(&mut db.conn, &mut db.docs, &seed_actor, demo_skus))
        .await??;
    if seeded {
        tracing::info!("seeded the demo data");
    }
    Ok(AppState {
        db,
        actor,
        site_dir: config.site_dir.clone(),
        login_limiter: Default::default(),
        access_ttl_ms: config.access_ttl_ms,
    })
}

/// Only this origin's scripts, styles, workers and connections; WebAssembly allowed; never
/// framed. No CORS headers are ever sent, so other origins cannot read the API.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

async fn api_not_found() -> AppError {
    AppError::client(StatusCode::NOT_FOUND, "not_found", "no such API endpoint")
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/refresh", post(session::refresh))
        .route("/devices", get(session::devices))
        .route("/devices/{id}/revoke", post(session::revoke))
        .route("/session", get(session::session))
        .route("/sync", post(sync_endpoint::sync))
        .route("/orders", get(orders_api::list_orders))
        .route(
            "/orders/{request_id}/events",
            post(orders_api::record_event),
        )
        .route("/admin/staff", get(staff_api::list).post(staff_api::create))
        .route(
            "/admin/staff/{username}/permissions",
            put(staff_api::change_permissions),
        )
        .route("/admin/inbox", get(inbox::list))
        .route("/admin/inbox/{request_id}/resolve", post(inbox::resolve))
        .route("/admin/products/{sku}", put(admin_api::change_product))
        .route("/admin/promotions", get(admin_api::promotions))
        .route(
            "/admin/promotions/{id}",
            put(admin_api::put_promotion).delete(admin_api::delete_promotion),
        )
        .route("/admin/terms", put(admin_api::put_terms))
        .route("/admin/shops/{shop}/profile", put(admin_api::put_profile))
        .route("/admin/stock/{sku}", get(admin_api::stock))
        .route(
            "/admin/stock/{warehouse}/{sku}",
            put(admin_api::change_stock),
        )
        .route(
            "/admin/tiers/{tier}/prices/{sku}",
            put(admin_api::change_tier_price),
        )
        .route(
            "/admin/shops/{shop}/prices/{sku}",
            put(admin_api::change_shop_price),
        )
        .route("/health", get(|| async { "ok" }))
        .fallback(api_not_found)
        .layer(DefaultBodyLimit::max(app::sync::wire::MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let index = state.site_dir.join("index.html");
    let site = ServeDir::new(&state.site_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(index)
                .precompressed_br()
                .precompressed_gzip(),
        );
    let headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ];
    let mut router = Router::new().nest("/api", api).fallback_service(site);
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until the process is stopped. `on_bound` gets the bound address (port 0 in tests).
pub async fn serve(config: Config, on_bound: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    let state = open_state(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("binding {}", config.addr))?;
    let addr = listener.local_addr()?;
    on_bound(addr);
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).await.context("serving")
}
