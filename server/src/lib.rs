//! Dinghuo's server: serves the built storefront, signs devices in, syncs documents, and
//! is the authority that confirms orders. Only this crate knows HTTP and SQL.

pub mod access;
pub mod admin_api;
pub mod app_error;
pub mod audit_api;
pub mod auth;
pub mod backups_api;
pub mod catalog_api;
pub mod commerce;
pub mod csv_api;
pub mod customers_api;
pub mod demo_data;
pub mod entry_api;
pub mod erp_api;
pub mod finance_api;
pub mod forecast_api;
pub mod fulfilment;
pub mod images_api;
pub mod inbox;
pub mod jobs;
pub mod keys_api;
pub mod ledger;
pub mod login_limiter;
pub mod openapi;
pub mod order_edits;
pub mod order_intake;
pub mod orders_api;
pub mod placing;
pub mod prices_api;
pub mod referrals;
pub mod referrals_api;
pub mod reports_api;
pub mod returns_api;
pub mod search_keys;
pub mod session;
pub mod staff_api;
pub mod state;
pub mod stock_api;
pub mod store;
pub mod sync_endpoint;
pub mod webhooks;
pub mod webhooks_api;
pub mod workers;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::app_error::AppError;
use crate::state::AppState;
use crate::store::{Database, Store};

/// Where the server listens and keeps its data.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// The data directory; the SQLite file is `dinghuo.sqlite3` inside it.
    pub data_dir: PathBuf,
    /// A PostgreSQL connection string; `None` keeps the data in the SQLite file.
    pub database_url: Option<String>,
    /// The built storefront.
    pub site_dir: PathBuf,
    /// How many products the first run's demo catalog has (at least 200).
    pub demo_skus: usize,
    /// How many shops the first run adds to the three demo shops (for benchmarks): shop
    /// `bench-00001` is signed in as `bench00001` with the password `bench123`.
    pub demo_shops: usize,
    /// How long an access token lasts, in milliseconds.
    pub access_ttl_ms: i64,
    /// How many stored bytes a volume of a shop's order documents grows to before the
    /// next volume opens (what a new device downloads is about two volumes).
    pub order_volume_bytes: i64,
    /// Sign-in attempts a minute per username and address (default 5).
    pub login_attempts: usize,
    /// Calls a minute one API key may make (default 600).
    pub key_calls_per_minute: usize,
    /// How webhook deliveries are retried and how long a receiver has to answer.
    pub webhooks: webhooks::Policy,
    /// Where and how often the SQLite database is backed up (not on PostgreSQL).
    pub backups: backups_api::Policy,
}

/// The default of [`Config::order_volume_bytes`].
pub const ORDER_VOLUME_BYTES: i64 = 16 * 1024;

impl Config {
    /// Reads `DINGHUO_ADDR` (default 127.0.0.1:3000), `DINGHUO_DATA` (default ./data),
    /// `DINGHUO_DATABASE_URL` (a `postgres://` URL; default: SQLite in the data directory),
    /// `DINGHUO_SITE` (default ./target/site), `DINGHUO_DEMO_SKUS` (default 200),
    /// `DINGHUO_ACCESS_TTL_SECS` (default 900), `DINGHUO_LOGIN_ATTEMPTS` (default 5),
    /// `DINGHUO_KEY_CALLS_PER_MINUTE` (default 600), `DINGHUO_WEBHOOK_RETRY_MS` (the first
    /// retry's delay, default 10000), `DINGHUO_WEBHOOK_TIMEOUT_MS` (default 10000),
    /// `DINGHUO_ORDER_VOLUME_BYTES` (default 16384), `DINGHUO_BACKUP_DIR` (default
    /// `<data>/backups`), `DINGHUO_BACKUP_HOURS` (default 24; 0: only when asked) and
    /// `DINGHUO_BACKUP_KEEP` (default 7).
    pub fn from_env() -> anyhow::Result<Config> {
        let addr = std::env::var("DINGHUO_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
        let data_dir: PathBuf = std::env::var_os("DINGHUO_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| "data".into());
        let mut backups = backups_api::Policy::in_data_dir(&data_dir);
        if let Some(dir) = std::env::var_os("DINGHUO_BACKUP_DIR").filter(|d| !d.is_empty()) {
            backups.dir = dir.into();
        }
        if let Ok(text) = std::env::var("DINGHUO_BACKUP_HOURS") {
            backups.every_hours = text
                .parse()
                .with_context(|| format!("DINGHUO_BACKUP_HOURS={text} is not a number of hours"))?;
        }
        if let Ok(text) = std::env::var("DINGHUO_BACKUP_KEEP") {
            backups.keep = text
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .with_context(|| format!("DINGHUO_BACKUP_KEEP={text} is not a positive number"))?;
        }
        Ok(Config {
            addr: addr
                .parse()
                .with_context(|| format!("DINGHUO_ADDR={addr} is not host:port"))?,
            data_dir,
            database_url: std::env::var("DINGHUO_DATABASE_URL")
                .ok()
                .filter(|url| !url.is_empty()),
            site_dir: std::env::var_os("DINGHUO_SITE")
                .map(PathBuf::from)
                .unwrap_or_else(|| "target/site".into()),
            demo_skus: match std::env::var("DINGHUO_DEMO_SKUS") {
                Ok(text) => text
                    .parse()
                    .with_context(|| format!("DINGHUO_DEMO_SKUS={text} is not a number"))?,
                Err(_) => 200,
            },
            demo_shops: match std::env::var("DINGHUO_DEMO_SHOPS") {
                Ok(text) => text
                    .parse()
                    .with_context(|| format!("DINGHUO_DEMO_SHOPS={text} is not a number"))?,
                Err(_) => 0,
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
            order_volume_bytes: match std::env::var("DINGHUO_ORDER_VOLUME_BYTES") {
                Ok(text) => text
                    .parse::<i64>()
                    .ok()
                    .filter(|bytes| *bytes > 0)
                    .with_context(|| {
                        format!("DINGHUO_ORDER_VOLUME_BYTES={text} is not a positive number")
                    })?,
                Err(_) => ORDER_VOLUME_BYTES,
            },
            login_attempts: match std::env::var("DINGHUO_LOGIN_ATTEMPTS") {
                Ok(text) => text
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .with_context(|| {
                        format!("DINGHUO_LOGIN_ATTEMPTS={text} is not a positive number")
                    })?,
                Err(_) => login_limiter::MAX_ATTEMPTS,
            },
            key_calls_per_minute: match std::env::var("DINGHUO_KEY_CALLS_PER_MINUTE") {
                Ok(text) => text
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .with_context(|| {
                        format!("DINGHUO_KEY_CALLS_PER_MINUTE={text} is not a positive number")
                    })?,
                Err(_) => login_limiter::KEY_CALLS_PER_MINUTE,
            },
            webhooks: webhooks::Policy {
                retry_base_ms: positive_ms("DINGHUO_WEBHOOK_RETRY_MS", 10_000)?,
                timeout_ms: positive_ms("DINGHUO_WEBHOOK_TIMEOUT_MS", 10_000)?,
            },
            backups,
        })
    }
}

/// Milliseconds from the environment variable `name` (a positive number), else `default`.
fn positive_ms(name: &str, default: i64) -> anyhow::Result<i64> {
    match std::env::var(name) {
        Ok(text) => text
            .parse::<i64>()
            .ok()
            .filter(|ms| *ms > 0)
            .with_context(|| format!("{name}={text} is not a positive number")),
        Err(_) => Ok(default),
    }
}

impl Config {
    /// The database this configuration names.
    pub fn database(&self) -> Database {
        match &self.database_url {
            Some(url) => Database::Postgres(url.clone()),
            None => Database::Sqlite(self.data_dir.join("dinghuo.sqlite3")),
        }
    }
}

/// Opens (creating and seeding on first run) the database and builds the app state.
pub async fn open_state(config: &Config) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    let database = config.database();
    // Opening may block (connecting, migrating): not on the async threads.
    let store = tokio::task::spawn_blocking(move || Store::open(&database)).await??;
    let actor = automerge::ActorId::random();
    if demo_data::seed_if_empty(&store, &actor, config.demo_skus, config.demo_shops).await? {
        tracing::info!("seeded the demo data");
    }
    let keyed = search_keys::backfill(&store, &actor).await?;
    if keyed > 0 {
        tracing::info!(products = keyed, "gave products their pinyin search keys");
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Ok(AppState {
        store,
        catalog: Default::default(),
        seasons: Default::default(),
        actor,
        site_dir: config.site_dir.clone(),
        login_limiter: std::sync::Arc::new(login_limiter::LoginLimiter::new(config.login_attempts)),
        key_limiter: std::sync::Arc::new(login_limiter::KeyLimiter::new(
            config.key_calls_per_minute,
        )),
        access_ttl_ms: config.access_ttl_ms,
        order_volume_bytes: config.order_volume_bytes,
        // One core is left to the rest of the server, so a storm of sign-ins cannot slow
        // the syncs of devices already signed in.
        hashing: std::sync::Arc::new(auth::Hashers::new(cores.saturating_sub(1).max(1))),
        sync_bodies: std::sync::Arc::new(tokio::sync::Semaphore::new(
            sync_endpoint::SYNC_BODY_BUDGET_MIB as usize,
        )),
        preparing: std::sync::Arc::new(workers::Workers::new("sync-prepare", cores)),
        backups: match config.database() {
            Database::Sqlite(path) => Some(std::sync::Arc::new(backups_api::Backups::new(
                path,
                config.backups.clone(),
            ))),
            Database::Postgres(_) => None,
        },
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

/// Every error the API answers has our JSON body: rejections axum or tower answer on their
/// own (a body over the limit, a malformed path parameter, a wrong method or content type)
/// come as plain text and are rewritten here.
async fn json_errors(response: axum::response::Response) -> axum::response::Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::NOT_FOUND => "not_found",
        _ if status.is_server_error() => "internal",
        _ => "bad_request",
    };
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let message = String::from_utf8_lossy(&text).trim().to_owned();
    let message = if message.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        message
    };
    let mut rewritten = (
        status,
        axum::Json(serde_json::json!({ "error": code, "message": message })),
    )
        .into_response();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/docs", get(openapi::reference))
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/refresh", post(session::refresh))
        .route("/devices", get(session::devices))
        .route("/devices/{id}/revoke", post(session::revoke))
        .route("/session", get(session::session))
        .route("/sync", post(sync_endpoint::sync))
        .route(
            "/orders",
            get(orders_api::list_orders).post(entry_api::post_order),
        )
        .route("/orders/changes", get(orders_api::changes))
        .route("/invoices/changes", get(erp_api::invoice_changes))
        .route("/payments/changes", get(erp_api::payment_changes))
        .route("/export/{name}", get(erp_api::export))
        .route("/orders/{request_id}", get(orders_api::get_order))
        .route(
            "/orders/{request_id}/events",
            post(orders_api::record_event),
        )
        .route("/orders/{id}/shipments", post(orders_api::ship))
        .route("/orders/{id}/lines", post(orders_api::edit_lines))
        .route(
            "/orders/{id}/shipments/{n}/deliver",
            post(orders_api::deliver),
        )
        .route("/orders/{id}/returns", post(returns_api::create))
        .route("/returns/{id}/decision", post(returns_api::decide))
        .route("/returns/{id}/receipt", post(returns_api::receive))
        .route("/returns/{id}/settlement", post(returns_api::settle))
        .route("/admin/returns", get(returns_api::list))
        .route("/finance/receivables", get(finance_api::receivables))
        .route(
            "/finance/shops/{shop}/statement",
            get(finance_api::shop_statement),
        )
        .route("/finance/payments", post(finance_api::record_payment))
        .route("/finance/invoices/{number}", get(finance_api::invoice))
        .route(
            "/finance/reminders/{invoice}/handled",
            post(finance_api::reminder_handled),
        )
        .route("/shop/statement", get(finance_api::own_statement))
        .route(
            "/shop/referral",
            get(referrals_api::get_referral).post(referrals_api::take_code),
        )
        .route("/finance/commissions", get(referrals_api::commissions))
        .route("/admin/referral-rules", put(referrals_api::put_rules))
        .route(
            "/admin/shops/{shop}/inviter",
            put(referrals_api::put_inviter),
        )
        .route("/reports/sales", get(reports_api::sales))
        .route("/reports/fill-rate", get(reports_api::fill_rate))
        .route("/reports/forecast-accuracy", get(forecast_api::accuracy))
        .route("/shops/{shop}/demand", get(forecast_api::demand))
        .route(
            "/shops/{shop}/pauses",
            get(forecast_api::pauses).post(forecast_api::add_pause),
        )
        .route(
            "/shops/{shop}/pauses/{id}",
            axum::routing::delete(forecast_api::remove_pause),
        )
        .route("/holidays", get(forecast_api::holidays))
        .route(
            "/visits",
            get(forecast_api::visits).post(forecast_api::add_visit),
        )
        .route("/admin/holidays", put(forecast_api::put_holidays))
        .route("/reports/large-orders", get(inbox::large_orders))
        .route(
            "/admin/orders/{id}/large/handled",
            post(inbox::large_order_handled),
        )
        .route(
            "/admin/products/{sku}/costs",
            get(reports_api::costs).post(reports_api::set_cost),
        )
        .route("/admin/orders", post(entry_api::place))
        .route("/admin/orders/preview", post(entry_api::preview))
        .route("/admin/parcels", post(orders_api::ship_parcel))
        .route("/admin/import/orders", post(entry_api::import))
        .route("/admin/orders/{id}", get(orders_api::detail))
        .route("/admin/pick-list", get(orders_api::pick_list))
        .route("/admin/fulfilment-options", get(stock_api::options))
        .route(
            "/admin/carriers/{id}",
            put(stock_api::put_carrier).delete(stock_api::delete_carrier),
        )
        .route("/admin/stock", get(stock_api::list))
        .route("/admin/staff", get(staff_api::list).post(staff_api::create))
        .route(
            "/admin/api-keys",
            get(keys_api::list).post(keys_api::create),
        )
        .route(
            "/admin/backups",
            get(backups_api::list).post(backups_api::create),
        )
        .route("/admin/backups/{name}/link", post(backups_api::link))
        .route("/backups/download", get(backups_api::download))
        .route(
            "/admin/api-keys/{id}",
            delete(keys_api::revoke).patch(keys_api::change),
        )
        .route(
            "/admin/webhooks",
            get(webhooks_api::list).post(webhooks_api::create),
        )
        .route(
            "/admin/webhooks/{id}",
            axum::routing::patch(webhooks_api::change).delete(webhooks_api::delete),
        )
        .route(
            "/admin/webhooks/{id}/deliveries",
            get(webhooks_api::deliveries),
        )
        .route(
            "/admin/webhooks/{id}/deliveries/{delivery}/resend",
            post(webhooks_api::resend),
        )
        .route("/admin/webhooks/{id}/ping", post(webhooks_api::ping))
        .route("/admin/staff/{username}", put(staff_api::update))
        .route(
            "/admin/staff/{username}/permissions",
            put(staff_api::change_permissions),
        )
        .route(
            "/admin/users/{username}/password",
            post(staff_api::reset_password),
        )
        .route(
            "/admin/users/{username}/sign-out",
            post(staff_api::sign_out),
        )
        .route("/admin/inbox", get(inbox::list))
        .route("/admin/dashboard", get(inbox::dashboard))
        .route("/admin/inbox/{request_id}/resolve", post(inbox::resolve))
        .route(
            "/admin/products",
            get(catalog_api::list_products).post(catalog_api::create_product),
        )
        .route(
            "/admin/products/{sku}",
            get(catalog_api::get_product).put(catalog_api::change_product),
        )
        .route(
            "/admin/categories",
            get(catalog_api::list_categories).post(catalog_api::create_category),
        )
        .route("/admin/categories/{id}", put(catalog_api::change_category))
        .route("/admin/audit", get(audit_api::list))
        .route(
            "/admin/shops",
            get(customers_api::list).post(customers_api::create),
        )
        .route(
            "/admin/shops/{shop}",
            get(customers_api::get).put(customers_api::update),
        )
        .route(
            "/admin/shops/{shop}/entries",
            post(customers_api::add_entry),
        )
        .route("/admin/customer-options", get(customers_api::options))
        .route("/admin/promotions", get(admin_api::promotions))
        .route(
            "/admin/products/{sku}/image",
            post(images_api::upload)
                .delete(images_api::remove)
                .layer(DefaultBodyLimit::max(images_api::MAX_UPLOAD_BYTES)),
        )
        .route("/admin/export/{name}", get(csv_api::export))
        .route("/admin/import/{kind}", post(csv_api::import))
        .route("/admin/prices/{sku}", get(prices_api::product_prices))
        .route(
            "/admin/price-lists/{kind}/{id}",
            get(prices_api::price_list),
        )
        .route(
            "/admin/price-changes",
            post(prices_api::schedule_change).delete(prices_api::cancel_change),
        )
        .route(
            "/admin/promotion-preview",
            post(admin_api::preview_promotion),
        )
        .route(
            "/admin/promotions/{id}",
            put(admin_api::put_promotion).delete(admin_api::delete_promotion),
        )
        .route("/admin/terms", put(admin_api::put_terms))
        .route(
            "/admin/approval-rules",
            get(admin_api::get_approval_rules).put(admin_api::put_approval_rules),
        )
        .route("/admin/shops/{shop}/profile", put(admin_api::put_profile))
        .route("/admin/stock/{sku}", get(stock_api::of_product))
        .route("/admin/stock/{warehouse}/{sku}", put(stock_api::count))
        .route(
            "/admin/stock/{warehouse}/{sku}/receive",
            post(stock_api::receive),
        )
        .route(
            "/admin/stock/{warehouse}/{sku}/settings",
            put(stock_api::settings),
        )
        .route(
            "/admin/stock/{warehouse}/{sku}/moves",
            get(stock_api::moves),
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
        // Only where a route and its method match: anything else gets its 404 or 405.
        .route_layer(axum::middleware::from_fn(app_error::request_rules))
        .fallback(api_not_found)
        .layer(axum::middleware::from_fn(openapi::check_version))
        .layer(axum::middleware::map_response(json_errors))
        .layer(DefaultBodyLimit::max(docs::sync::wire::MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("dinghuo-api-version"),
            HeaderValue::from_static(openapi::VERSION),
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
        // The app's files keep their names from build to build: the browser asks each time
        // whether its copy is still current (a 304 when it is, by Last-Modified), so a new
        // build reaches the phone the next time it opens the app online. Photos say
        // otherwise (named by their hash, immutable); the API says no-store.
        (header::CACHE_CONTROL, "no-cache"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        // The camera for the account manager's scan of a shop's order (our own pages only).
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(self), microphone=(), geolocation=()",
        ),
    ];
    // The back office is its own bundle under /office/ (every path of it opens its
    // index.html; its router draws the page).
    let office_dir = state.site_dir.join("office");
    let office = ServeDir::new(&office_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(office_dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip(),
        );
    let mut router = Router::new()
        // Version 1 of the API, as documented, and the same for the apps at /api.
        .nest("/api/v1", api.clone())
        .nest("/api", api)
        .route("/img/{name}", get(images_api::serve))
        .nest_service("/office", office)
        .fallback_service(site);
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
    jobs::spawn(
        state.store.clone(),
        state.actor.clone(),
        state.catalog.clone(),
        state.backups.clone(),
    );
    webhooks::spawn(state.store.clone(), config.webhooks)?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("binding {}", config.addr))?;
    let addr = listener.local_addr()?;
    on_bound(addr);
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).await.context("serving")
}
