//! Webhooks out (issue 14, point 4) through HTTP, with a receiver on loopback that fails
//! its first answers, goes away and comes back: every event arrives at least once, signed,
//! each event id once in what the receiver keeps; the back office sees each delivery's
//! attempts, resends one, and sends a test event. And the real server binary killed with
//! SIGKILL mid-delivery loses no event.

#[path = "support/http_device.rs"]
mod http_device;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use http_device::{TestServer, call, free_port, spawn_server, token};
use reqwest::Method;
use serde_json::{Value, json};

/// What the receiver got.
#[derive(Default)]
struct Received {
    requests: usize,
    bad_signatures: usize,
    /// Event id → (type, data), the first time each id came.
    events: BTreeMap<String, (String, Value)>,
    duplicates: usize,
}

/// A webhook receiver: fails the next `fail_next` requests with 503, waits `delay_ms`
/// before answering, checks each signature with `secret`, keeps each event id once.
#[derive(Clone, Default)]
struct Receiver {
    secret: Arc<Mutex<String>>,
    got: Arc<Mutex<Received>>,
    fail_next: Arc<AtomicUsize>,
    delay_ms: Arc<AtomicU64>,
    /// Requests that came in (counted before the delay).
    started: Arc<AtomicUsize>,
}

async fn hook(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    receiver.started.fetch_add(1, Ordering::SeqCst);
    let delay = receiver.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let secret = receiver.secret.lock().unwrap().clone();
    let mut got = receiver.got.lock().unwrap();
    got.requests += 1;
    let failing = receiver
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let timestamp: i64 = header("dinghuo-timestamp").parse().unwrap_or(0);
    let expected = server::webhooks::signature(&secret, timestamp, &body);
    let event: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let id = event["id"].as_str().unwrap_or_default().to_owned();
    if header("dinghuo-signature") != expected || header("dinghuo-event-id") != id {
        got.bad_signatures += 1;
        return StatusCode::UNAUTHORIZED;
    }
    let kind = event["type"].as_str().unwrap_or_default().to_owned();
    match got.events.entry(id) {
        std::collections::btree_map::Entry::Occupied(_) => got.duplicates += 1,
        std::collections::btree_map::Entry::Vacant(new) => {
            new.insert((kind, event["data"].clone()));
        }
    }
    StatusCode::NO_CONTENT
}

impl Receiver {
    /// Listens on `port` until the returned task is aborted. Every answer closes its
    /// connection, so once aborted the receiver is gone (connections are refused).
    async fn listen(&self, port: u16) -> tokio::task::JoinHandle<()> {
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
                axum::http::header::CONNECTION,
                HeaderValue::from_static("close"),
            ))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        })
    }

    fn events_of(&self, kind: &str) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .events
            .values()
            .filter(|(k, _)| k == kind)
            .map(|(_, data)| data.clone())
            .collect()
    }
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !done().await {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn subscribe(server: &TestServer, admin: &str, url: &str, events: &[&str]) -> (i64, String) {
    let (status, body) = call(
        server,
        admin,
        Method::POST,
        "/api/admin/webhooks",
        Some(json!({ "url": url, "events": events, "description": "金蝶 ERP" })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    (body["endpoint"]["id"].as_i64().unwrap(), secret)
}

async fn endpoint(server: &TestServer, admin: &str, id: i64) -> Value {
    let (status, list) = call(server, admin, Method::GET, "/api/admin/webhooks", None).await;
    assert_eq!(status, 200, "{list}");
    list["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .cloned()
        .unwrap()
}

async fn post_order(base: &str, key: &str, idempotency: &str, quantity: u32) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/orders"))
        .bearer_auth(key)
        .header("Idempotency-Key", idempotency)
        .json(&json!({
            "shop": "shop-lotus",
            "lines": [{ "sku": "BEV-0001", "quantity": quantity }],
            "note": idempotency
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn make_key(server: &TestServer, admin: &str) -> String {
    let (status, body) = call(
        server,
        admin,
        Method::POST,
        "/api/admin/api-keys",
        Some(json!({ "name": "天猫店", "scopes": ["orders:write"] })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["key"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_arrives_signed_through_failures_and_an_outage_and_the_office_sees_each_attempt()
 {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let receiver = Receiver::default();
    let port = free_port();
    let listening = receiver.listen(port).await;
    let url = format!("http://127.0.0.1:{port}/hook");
    let (id, secret) = subscribe(
        &server,
        &admin,
        &url,
        &["order.placed", "order.confirmed", "order.shipped"],
    )
    .await;
    *receiver.secret.lock().unwrap() = secret.clone();
    // The secret is shown once: never listed.
    let (_, list) = call(&server, &admin, Method::GET, "/api/admin/webhooks", None).await;
    assert!(!list.to_string().contains(&secret));
    receiver.fail_next.store(3, Ordering::SeqCst);

    let key = make_key(&server, &admin).await;
    let mut numbers = BTreeSet::new();
    for n in 0..5 {
        let order = post_order(&server.base, &key, &format!("tm-{n}"), 12).await;
        numbers.insert(order["number"].as_str().unwrap().to_owned());
    }
    // The same order sent again with its idempotency key: one order, one event.
    post_order(&server.base, &key, "tm-0", 12).await;
    wait_for("the first ten events", async || {
        receiver.got.lock().unwrap().events.len() >= 10
    })
    .await;

    // The receiver goes away; orders keep coming (and are taken in at once).
    listening.abort();
    let _ = listening.await;
    for n in 5..10 {
        let order = post_order(&server.base, &key, &format!("tm-{n}"), 12).await;
        numbers.insert(order["number"].as_str().unwrap().to_owned());
    }
    // A shipment is an event too.
    let cang = token(&server, "cang", "cang123").await;
    let shipped = numbers.iter().next().unwrap().clone();
    let (status, body) = call(
        &server,
        &cang,
        Method::POST,
        &format!("/api/orders/{shipped}/shipments"),
        Some(
            json!({ "warehouse": "wh-east", "carrier": "顺丰", "tracking": "SF1", "lines": { "BEV-0001": 12 } }),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    wait_for("the endpoint to be seen failing", async || {
        endpoint(&server, &admin, id).await["failing_since_ms"].is_i64()
    })
    .await;

    // It comes back: everything arrives.
    let listening = receiver.listen(port).await;
    wait_for("every delivery made", async || {
        endpoint(&server, &admin, id).await["pending"] == 0
    })
    .await;
    let row = endpoint(&server, &admin, id).await;
    assert_eq!(row["failing_since_ms"], Value::Null, "healthy again: {row}");
    assert_eq!(row["enabled"], true);
    {
        let got = receiver.got.lock().unwrap();
        assert_eq!(got.bad_signatures, 0);
        assert_eq!(got.events.len() as i64, row["delivered"].as_i64().unwrap());
        assert!(got.requests > got.events.len(), "failures were retried");
    }
    let placed: Vec<String> = receiver
        .events_of("order.placed")
        .iter()
        .map(|data| data["order"]["number"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(placed.len(), 10, "one placed event per order: {placed:?}");
    assert_eq!(placed.iter().cloned().collect::<BTreeSet<_>>(), numbers);
    assert_eq!(receiver.events_of("order.confirmed").len(), 10);
    let shipments = receiver.events_of("order.shipped");
    assert_eq!(shipments.len(), 1);
    assert_eq!(shipments[0]["order"]["number"], shipped.as_str());
    assert_eq!(shipments[0]["channel"], "api");
    assert_eq!(shipments[0]["shop"], "shop-lotus");

    // The office sees each delivery's attempts: some failed before one got through.
    let (status, page) = call(
        &server,
        &admin,
        Method::GET,
        &format!("/api/admin/webhooks/{id}/deliveries?limit=100"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let deliveries = page["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 21, "{page}");
    assert!(deliveries.iter().all(|d| d["state"] == "delivered"));
    let retried: Vec<&Value> = deliveries
        .iter()
        .filter(|d| d["attempts"].as_array().unwrap().len() > 1)
        .collect();
    assert!(!retried.is_empty());
    for delivery in &retried {
        let attempts = delivery["attempts"].as_array().unwrap();
        let last = attempts.last().unwrap();
        assert_eq!(last["status"], 204, "{delivery}");
        assert!(
            attempts[..attempts.len() - 1]
                .iter()
                .all(|a| a["status"] == 503 || a["status"].is_null()),
            "{delivery}"
        );
    }
    // Paged: two at a time, no delivery twice.
    let (_, first) = call(
        &server,
        &admin,
        Method::GET,
        &format!("/api/admin/webhooks/{id}/deliveries?limit=2"),
        None,
    )
    .await;
    let before = first["next"].as_i64().unwrap();
    let (_, second) = call(
        &server,
        &admin,
        Method::GET,
        &format!("/api/admin/webhooks/{id}/deliveries?limit=2&before={before}"),
        None,
    )
    .await;
    assert!(second["deliveries"][0]["id"].as_i64().unwrap() < before);

    // Resent: the same event id arrives again, and the receiver drops it.
    let delivery = deliveries[0]["id"].as_i64().unwrap();
    let (status, _) = call(
        &server,
        &admin,
        Method::POST,
        &format!("/api/admin/webhooks/{id}/deliveries/{delivery}/resend"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    wait_for("the resent delivery", async || {
        receiver.got.lock().unwrap().duplicates >= 1
    })
    .await;
    assert_eq!(receiver.got.lock().unwrap().events.len(), 21);
    // A test event, to this endpoint alone.
    let (status, body) = call(
        &server,
        &admin,
        Method::POST,
        &format!("/api/admin/webhooks/{id}/ping"),
        None,
    )
    .await;
    assert_eq!(status, 202, "{body}");
    wait_for("the ping", async || !receiver.events_of("ping").is_empty()).await;
    listening.abort();
}

#[tokio::test]
async fn only_admins_subscribe_valid_receivers_and_a_disabled_endpoint_gets_nothing() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let receiver = Receiver::default();
    let port = free_port();
    let _listening = receiver.listen(port).await;
    let url = format!("http://127.0.0.1:{port}/hook");
    // What may not be subscribed: each refused with the JSON error, nothing made.
    for (body, status) in [
        (
            json!({ "url": "http://erp.example.com/hook", "events": ["order.placed"] }),
            400,
        ),
        (
            json!({ "url": "ftp://127.0.0.1/", "events": ["order.placed"] }),
            400,
        ),
        (json!({ "url": url, "events": [] }), 400),
        (json!({ "url": url, "events": ["order.eaten"] }), 400),
        (json!({ "url": url }), 400),
        (
            json!({ "url": url, "events": ["order.placed"], "x": 1 }),
            400,
        ),
    ] {
        let (got, answer) = call(
            &server,
            &admin,
            Method::POST,
            "/api/admin/webhooks",
            Some(body.clone()),
        )
        .await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    let (_, list) = call(&server, &admin, Method::GET, "/api/admin/webhooks", None).await;
    assert_eq!(list["endpoints"], json!([]));
    // Staff and API keys cannot touch webhooks.
    let cai = token(&server, "cai", "cai123").await;
    let key = make_key(&server, &admin).await;
    for who in [&cai, &key] {
        let (status, answer) = call(&server, who, Method::GET, "/api/admin/webhooks", None).await;
        assert_eq!(status, 403, "{answer}");
        assert!(answer["error"].is_string());
    }
    let (id, secret) = subscribe(&server, &admin, &url, &["order.placed"]).await;
    *receiver.secret.lock().unwrap() = secret;
    for path in [
        "/api/admin/webhooks/999".to_owned(),
        "/api/admin/webhooks/abc".to_owned(),
    ] {
        let (status, answer) = call(
            &server,
            &admin,
            Method::PATCH,
            &path,
            Some(json!({ "enabled": false })),
        )
        .await;
        assert_eq!(status, 404, "{answer}");
    }
    let (status, answer) = call(
        &server,
        &admin,
        Method::PATCH,
        &format!("/api/admin/webhooks/{id}"),
        Some(json!({ "events": ["nope"] })),
    )
    .await;
    assert_eq!(status, 400, "{answer}");

    // Turned off: an order queues nothing for it.
    let (status, row) = call(
        &server,
        &admin,
        Method::PATCH,
        &format!("/api/admin/webhooks/{id}"),
        Some(json!({ "enabled": false })),
    )
    .await;
    assert_eq!(status, 200, "{row}");
    assert_eq!(row["enabled"], false);
    assert_eq!(row["disabled_reason"], "turned_off");
    post_order(&server.base, &key, "off-1", 12).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.got.lock().unwrap().requests, 0);
    assert_eq!(endpoint(&server, &admin, id).await["pending"], 0);
    // On again: the next order arrives. Subscribed to more, it gets those too.
    let (status, _) = call(
        &server,
        &admin,
        Method::PATCH,
        &format!("/api/admin/webhooks/{id}"),
        Some(json!({ "enabled": true, "events": ["order.placed", "order.confirmed"] })),
    )
    .await;
    assert_eq!(status, 200);
    let order = post_order(&server.base, &key, "on-1", 12).await;
    wait_for("the order's two events", async || {
        receiver.got.lock().unwrap().events.len() == 2
    })
    .await;
    assert_eq!(
        receiver.events_of("order.placed")[0]["order"]["number"],
        order["number"]
    );
    // The audit log names who changed the endpoint.
    let (_, audit) = call(
        &server,
        &admin,
        Method::GET,
        "/api/admin/audit?kind=webhook",
        None,
    )
    .await;
    assert!(audit.to_string().contains("\"update\""), "{audit}");
    // Deleted: gone from the list.
    let (status, _) = call(
        &server,
        &admin,
        Method::DELETE,
        &format!("/api/admin/webhooks/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (_, list) = call(&server, &admin, Method::GET, "/api/admin/webhooks", None).await;
    assert_eq!(list["endpoints"], json!([]));
}

/// Starts the server binary on `port` with fast webhook retries and waits until it answers.
#[allow(
    clippy::zombie_processes,
    reason = "the child is returned; the test kills and waits for it"
)]
async fn start(data: &std::path::Path, port: u16) -> Child {
    let database = http_device::test_database(data).await.unwrap_or_default();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dinghuo"))
        .env("DINGHUO_DATABASE_URL", database)
        .env("DINGHUO_ADDR", format!("127.0.0.1:{port}"))
        .env("DINGHUO_DATA", data)
        .env("DINGHUO_SITE", data.join("no-site"))
        .env("DINGHUO_WEBHOOK_RETRY_MS", "100")
        .env("DINGHUO_WEBHOOK_TIMEOUT_MS", "1000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let health = format!("http://127.0.0.1:{port}/api/health");
    let started = Instant::now();
    loop {
        if let Ok(response) = reqwest::get(&health).await
            && response.status() == 200
        {
            return child;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not come up");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_delivery_loses_no_event() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().to_owned();
    let port = free_port();
    let mut child = start(&data, port).await;
    let server = TestServer {
        base: format!("http://127.0.0.1:{port}"),
        data_dir: data.clone(),
        _temp: None,
        task: tokio::spawn(async {}),
    };
    let admin = token(&server, "admin", "admin123").await;
    let receiver = Receiver::default();
    // A slow receiver: every delivery is in flight for 300 ms, so a kill lands mid-send.
    receiver.delay_ms.store(300, Ordering::SeqCst);
    let hook_port = free_port();
    let _listening = receiver.listen(hook_port).await;
    let (_, secret) = subscribe(
        &server,
        &admin,
        &format!("http://127.0.0.1:{hook_port}/hook"),
        &["order.placed"],
    )
    .await;
    *receiver.secret.lock().unwrap() = secret;
    let key = make_key(&server, &admin).await;
    let mut numbers = BTreeSet::new();
    for round in 0..3 {
        for n in 0..10 {
            let order = post_order(&server.base, &key, &format!("k-{round}-{n}"), 12).await;
            numbers.insert(order["number"].as_str().unwrap().to_owned());
        }
        // Killed while deliveries are in flight: the receiver has started answering
        // this round's and finished none (the kill drops them half-answered).
        let started = receiver.started.load(Ordering::SeqCst);
        wait_for("a delivery in flight", async || {
            receiver.started.load(Ordering::SeqCst) > started
        })
        .await;
        child.kill().unwrap();
        child.wait().unwrap();
        child = start(&data, port).await;
    }
    wait_for("every order's event", async || {
        receiver.events_of("order.placed").len() == numbers.len()
    })
    .await;
    let got: BTreeSet<String> = receiver
        .events_of("order.placed")
        .iter()
        .map(|data| data["order"]["number"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, numbers);
    assert_eq!(receiver.got.lock().unwrap().bad_signatures, 0);
    // Deliveries cut off by a kill were sent again after their lease ran out.
    assert!(receiver.started.load(Ordering::SeqCst) > numbers.len());
    child.kill().unwrap();
    child.wait().unwrap();
}
