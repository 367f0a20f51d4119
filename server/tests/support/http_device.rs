//! A test server on port 0 with a fresh data directory, and a device that signs in and
//! syncs over HTTP with the app's own sync engine. Shared by the integration tests and the
//! bench (`#[path]`-included, so not every user needs every item).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use automerge::Automerge;
use docs::schema::catalog_doc::read_catalog;
use docs::schema::doc_id::DocId;
use docs::schema::order_requests_doc::add_request;
use docs::sync::device_sync::DeviceSync;
use docs::sync::wire::{SyncRequest, SyncResponse};
use domain::money::Currency;
use domain::order::{OrderRequest, RequestId};
use domain::price_book::PriceBook;
use domain::pricing::{RequestedLine, price_order};
use domain::sku::{ShopId, Sku};
use serde_json::{Value, json};

pub(crate) struct TestServer {
    pub(crate) base: String,
    pub(crate) data_dir: PathBuf,
    pub(crate) _temp: Option<tempfile::TempDir>,
    pub(crate) task: tokio::task::JoinHandle<()>,
}

pub(crate) async fn spawn_server_in(
    data_dir: PathBuf,
    temp: Option<tempfile::TempDir>,
) -> TestServer {
    spawn_configured(data_dir, temp, |_| {}).await
}

/// A server whose access tokens last `access_ttl_ms`.
pub(crate) async fn spawn_server_with_ttl(access_ttl_ms: i64) -> TestServer {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_owned();
    spawn_configured(dir, Some(temp), |config| {
        config.access_ttl_ms = access_ttl_ms
    })
    .await
}

/// A server whose shops' order volumes close at `bytes`.
pub(crate) async fn spawn_server_with_volume_bytes(bytes: i64) -> TestServer {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_owned();
    spawn_configured(dir, Some(temp), |config| config.order_volume_bytes = bytes).await
}

/// A server where one API key may make `calls` calls a minute.
pub(crate) async fn spawn_server_with_key_rate(calls: usize) -> TestServer {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_owned();
    spawn_configured(dir, Some(temp), |config| {
        config.key_calls_per_minute = calls
    })
    .await
}

/// A server with `count` more shops (`bench-00001`…, each with a user `bench00001`…
/// whose password is `bench123`).
pub(crate) async fn spawn_server_with_shops(count: usize) -> TestServer {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_owned();
    spawn_configured(dir, Some(temp), |config| config.demo_shops = count).await
}

async fn spawn_configured(
    data_dir: PathBuf,
    temp: Option<tempfile::TempDir>,
    tweak: impl FnOnce(&mut server::Config),
) -> TestServer {
    let mut config = server::Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.clone(),
        database_url: test_database(&data_dir).await,
        site_dir: data_dir.join("no-site"),
        demo_skus: 200,
        demo_shops: 0,
        access_ttl_ms: server::auth::ACCESS_TTL_MS,
        order_volume_bytes: server::ORDER_VOLUME_BYTES,
        login_attempts: 5,
        key_calls_per_minute: 600,
        webhooks: server::webhooks::Policy {
            retry_base_ms: 100,
            timeout_ms: 2_000,
        },
        backups: server::backups_api::Policy::in_data_dir(&data_dir),
    };
    tweak(&mut config);
    let (tx, rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    let task = tokio::spawn(async move {
        server::serve(config, |addr| {
            let _ = tx.send(addr);
        })
        .await
        .unwrap();
    });
    let addr = rx.await.unwrap();
    TestServer {
        base: format!("http://{addr}"),
        data_dir,
        _temp: temp,
        task,
    }
}

/// With `DINGHUO_TEST_POSTGRES` set (a PostgreSQL connection string to a server the tests
/// may create databases on), the database of a test server in `data_dir`: a fresh one the
/// first time, the same one when a server is started again in that directory. Without it,
/// `None`: the server keeps its data in SQLite in `data_dir`.
pub(crate) async fn test_database(data_dir: &std::path::Path) -> Option<String> {
    let admin_url = std::env::var("DINGHUO_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())?;
    let remembered = data_dir.join("test-database-url");
    if let Ok(url) = std::fs::read_to_string(&remembered) {
        return Some(url);
    }
    std::fs::create_dir_all(data_dir).unwrap();
    let url = tokio::task::spawn_blocking(move || create_test_database(&admin_url))
        .await
        .unwrap();
    std::fs::write(&remembered, &url).unwrap();
    Some(url)
}

/// Creates an empty database named after the time and process, returning its URL.
pub(crate) fn create_test_database(admin_url: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!(
        "dh_test_{}_{}_{n}",
        std::process::id(),
        nanos % 1_000_000_000
    );
    let mut client = postgres::Client::connect(admin_url, postgres::NoTls)
        .expect("DINGHUO_TEST_POSTGRES does not connect");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let mut config: postgres::Config = admin_url.parse().unwrap();
    config.dbname(&name);
    // Back to a URL the server parses: key=value form keeps every setting.
    let mut parts = vec![format!("dbname={name}")];
    if let Some(user) = config.get_user() {
        parts.push(format!("user={user}"));
    }
    for host in config.get_hosts() {
        match host {
            postgres::config::Host::Tcp(host) => parts.push(format!("host={host}")),
            postgres::config::Host::Unix(path) => parts.push(format!("host={}", path.display())),
        }
    }
    if let Some(port) = config.get_ports().first() {
        parts.push(format!("port={port}"));
    }
    if let Some(password) = config.get_password() {
        parts.push(format!("password={}", String::from_utf8_lossy(password)));
    }
    parts.join(" ")
}

/// Runs `work` in a write transaction on the test server's own database (SQLite file or
/// PostgreSQL), beside the running server: for setting up what no endpoint offers.
pub(crate) async fn with_store<T: Send + 'static>(
    server: &TestServer,
    work: impl FnMut(&mut server::store::Tx<'_>) -> anyhow::Result<T> + Send + 'static,
) -> T {
    use server::store::{Database, Store};
    let database = match test_database(&server.data_dir).await {
        Some(url) => Database::Postgres(url),
        None => Database::Sqlite(server.data_dir.join("dinghuo.sqlite3")),
    };
    let store = tokio::task::spawn_blocking(move || Store::open(&database))
        .await
        .unwrap()
        .unwrap();
    store.write(work).await.unwrap()
}

pub(crate) async fn spawn_server() -> TestServer {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_owned();
    spawn_server_in(dir, Some(temp)).await
}

/// Why [`Device::try_sync`] stopped.
#[derive(Debug)]
pub(crate) enum SyncFailure {
    /// No answer, or one that could not be read (the server died, the connection broke).
    NoAnswer(String),
    /// A whole-request error: its status and JSON body.
    Status(u16, Value),
    /// Ten round trips without settling.
    Unsettled,
}

/// A free port on the loopback interface, for a server binary to listen on.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) struct Device {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) token: String,
    pub(crate) refresh_token: String,
    pub(crate) device_id: i64,
    pub(crate) shop: ShopId,
    pub(crate) sync: DeviceSync,
    pub(crate) round_trips: usize,
    pub(crate) bytes_up: usize,
    pub(crate) bytes_down: usize,
}

pub(crate) async fn sign_in(
    server: &TestServer,
    username: &str,
    password: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/login", server.base))
        .json(&json!({ "username": username, "password": password, "device_name": "test" }))
        .send()
        .await
        .unwrap()
}

impl Device {
    pub(crate) async fn new(server: &TestServer, username: &str, password: &str) -> Device {
        let response = sign_in(server, username, password).await;
        assert_eq!(response.status(), 200);
        let session: Value = response.json().await.unwrap();
        let mut sync = DeviceSync::new();
        for doc in session["docs"].as_array().unwrap() {
            sync.insert(
                DocId::parse(doc.as_str().unwrap()).unwrap(),
                Automerge::new(),
                None,
            );
        }
        Device {
            http: reqwest::Client::new(),
            base: server.base.clone(),
            token: session["token"].as_str().unwrap().to_owned(),
            refresh_token: session["refresh_token"].as_str().unwrap().to_owned(),
            device_id: session["device_id"].as_i64().unwrap(),
            shop: ShopId::parse(session["shops"][0]["id"].as_str().unwrap()).unwrap(),
            sync,
            round_trips: 0,
            bytes_up: 0,
            bytes_down: 0,
        }
    }

    pub(crate) async fn post(&self, body: Vec<u8>) -> reqwest::Response {
        self.http
            .post(format!("{}/api/sync", self.base))
            .bearer_auth(&self.token)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn post_sync(&mut self, request: &SyncRequest) -> SyncResponse {
        let body = request.encode();
        self.bytes_up += body.len();
        let response = self.post(body).await;
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.unwrap();
        self.bytes_down += bytes.len();
        self.round_trips += 1;
        SyncResponse::decode(&bytes).unwrap()
    }

    /// One sync session that may fail anywhere (the server may die under it, or answer
    /// something other than 200); a document refused is a bug in the test.
    pub(crate) async fn try_sync(&mut self) -> Result<(), SyncFailure> {
        self.sync.start_session();
        for _ in 0..10 {
            let Some(request) = self.sync.make_request() else {
                return Ok(());
            };
            let response = self
                .http
                .post(format!("{}/api/sync", self.base))
                .bearer_auth(&self.token)
                .body(request.encode())
                .timeout(std::time::Duration::from_secs(30))
                .send()
                .await
                .map_err(|e| SyncFailure::NoAnswer(e.to_string()))?;
            let status = response.status().as_u16();
            if status != 200 {
                let body = response.json().await.unwrap_or(Value::Null);
                return Err(SyncFailure::Status(status, body));
            }
            let bytes = response
                .bytes()
                .await
                .map_err(|e| SyncFailure::NoAnswer(e.to_string()))?;
            let reply =
                SyncResponse::decode(&bytes).map_err(|e| SyncFailure::NoAnswer(e.to_string()))?;
            let received = self
                .sync
                .receive(reply)
                .map_err(|e| SyncFailure::NoAnswer(e.to_string()))?;
            assert!(received.refused.is_empty(), "{:?}", received.refused);
            self.sync.follow_volumes();
        }
        Err(SyncFailure::Unsettled)
    }

    /// One sync session: requests until every document is in step.
    pub(crate) async fn sync_now(&mut self) -> Vec<(DocId, u16, String)> {
        self.sync.start_session();
        let mut refused = Vec::new();
        for _ in 0..10 {
            let Some(request) = self.sync.make_request() else {
                self.sync.prune_volumes();
                return refused;
            };
            let response = self.post_sync(&request).await;
            refused.extend(self.sync.receive(response).unwrap().refused);
            self.sync.follow_volumes();
        }
        panic!("sync did not settle in 10 round trips");
    }

    pub(crate) fn doc_mut(&mut self, id: DocId) -> &mut Automerge {
        self.sync.doc_mut(&id).unwrap()
    }

    /// An order request from `self.shop` for `lines`, priced as the device sees it.
    pub(crate) fn build_request(&self, lines: &[(&str, u32)], id: RequestId) -> OrderRequest {
        let catalog = read_catalog(self.sync.doc(&DocId::Catalog).unwrap()).products;
        let requested: Vec<RequestedLine> = lines
            .iter()
            .map(|(sku, quantity)| RequestedLine {
                sku: Sku::parse(sku).unwrap(),
                quantity: *quantity,
            })
            .collect();
        let expected = price_order(
            &requested,
            &catalog,
            &PriceBook::default(),
            Currency::Cny,
            0,
        )
        .unwrap();
        OrderRequest {
            expected,
            ..OrderRequest::new(id, self.shop.clone(), 1, "test", requested)
        }
    }

    pub(crate) fn place_order_with_id(
        &mut self,
        lines: &[(&str, u32)],
        id: RequestId,
    ) -> RequestId {
        let request = self.build_request(lines, id);
        let volume = self.sync.writable_volume(&self.shop).unwrap();
        add_request(self.doc_mut(volume), &request).unwrap();
        request.id
    }

    pub(crate) fn place_order(&mut self, lines: &[(&str, u32)], id_byte: u8) -> RequestId {
        self.place_order_with_id(lines, RequestId::from_random_bytes([id_byte; 16]))
    }

    pub(crate) fn confirmations(&self) -> Vec<(String, String, String)> {
        self.sync
            .confirmations_of(&self.shop)
            .values()
            .map(|c| {
                (
                    c.number.clone(),
                    format!("{:?}", c.state),
                    c.quote
                        .as_ref()
                        .map_or(c.priced.total, |q| q.total)
                        .amount()
                        .to_string(),
                )
            })
            .collect()
    }
}

pub(crate) async fn orders_on_server(server: &TestServer, token: &str) -> Vec<Value> {
    let response = reqwest::Client::new()
        .get(format!("{}/api/orders", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.unwrap();
    page["orders"].as_array().unwrap().clone()
}

/// Every order the server lists to `token`, page by page (newest first).
pub(crate) async fn all_orders(base: &str, token: &str) -> Vec<Value> {
    let http = reqwest::Client::new();
    let mut orders = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let mut url = format!("{base}/api/orders?limit=100");
        if let Some(before) = before {
            url.push_str(&format!("&before={before}"));
        }
        let page: Value = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        orders.extend(page["orders"].as_array().unwrap().iter().cloned());
        match page["next_before"].as_i64() {
            Some(next) => before = Some(next),
            None => return orders,
        }
    }
}

/// Order numbers are taken in the transactions that apply the orders: `orders` (every
/// order the server lists) must be numbered DH-000001… with no gap and no duplicate.
pub(crate) fn assert_numbers_contiguous(orders: &[Value], context: &str) {
    let mut numbers: Vec<&str> = orders
        .iter()
        .map(|o| o["number"].as_str().unwrap())
        .collect();
    numbers.sort_unstable();
    let contiguous: Vec<String> = (1..=numbers.len()).map(|n| format!("DH-{n:06}")).collect();
    assert_eq!(
        numbers, contiguous,
        "{context}: order numbers have gaps or duplicates"
    );
}

pub(crate) async fn admin_orders(server: &TestServer) -> Vec<Value> {
    let admin: Value = sign_in(server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    orders_on_server(server, admin["token"].as_str().unwrap()).await
}

impl Device {
    /// Writes an order naming `self.shop` into `into`'s requests document.
    pub(crate) fn place_order_into(
        &mut self,
        into: &ShopId,
        lines: &[(&str, u32)],
        id_byte: u8,
    ) -> RequestId {
        let request = self.build_request(lines, RequestId::from_random_bytes([id_byte; 16]));
        let volume = self
            .sync
            .writable_volume(into)
            .unwrap_or(DocId::OrderRequests(into.clone(), 0));
        add_request(self.doc_mut(volume), &request).unwrap();
        request.id
    }
}

/// SplitMix64: small, seedable, good enough to pick cases.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap()]
    }

    pub(crate) fn bytes(&mut self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.next().to_le_bytes());
        out[8..].copy_from_slice(&self.next().to_le_bytes());
        out
    }
}

/// A fresh access token for `user`.
pub(crate) async fn token(server: &TestServer, user: &str, password: &str) -> String {
    let body: Value = sign_in(server, user, password).await.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// One authenticated JSON call: its status and body (`null` when the body is not JSON).
pub(crate) async fn call(
    server: &TestServer,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", server.base))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Runs `job` at `now` in a store of its own (as another server process would), with a
/// document cache of its own.
pub(crate) async fn run_job<T: Send + 'static>(
    server: &TestServer,
    job: fn(
        &mut server::store::Tx<'_>,
        server::fulfilment::Docs<'_>,
        i64,
    ) -> Result<T, server::app_error::AppError>,
    now: i64,
) -> T {
    with_store(server, move |tx| {
        let cache = server::store::documents::DocCache::default();
        let actor = automerge::ActorId::random();
        let docs = server::fulfilment::Docs {
            cache: &cache,
            actor: &actor,
        };
        job(tx, docs, now).map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await
}
