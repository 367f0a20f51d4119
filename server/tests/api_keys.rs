//! API keys (issue 14, point 2) through HTTP: an admin makes a key for a named system with
//! scopes and sees it once; the key does what its scopes name and nothing else (403, JSON),
//! never syncs a shop's documents, is rate-limited, leaves its name in the audit log, shows
//! when it was last used, and stops working when revoked.

#[path = "support/http_device.rs"]
mod http_device;

use http_device::{TestServer, call, spawn_server, spawn_server_with_key_rate, token, with_store};
use reqwest::Method;
use serde_json::{Value, json};

async fn make_key(
    server: &TestServer,
    admin: &str,
    name: &str,
    scopes: &[&str],
) -> (String, Value) {
    let (status, body) = call(
        server,
        admin,
        Method::POST,
        "/api/admin/api-keys",
        Some(json!({ "name": name, "scopes": scopes })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (
        body["key"].as_str().unwrap().to_owned(),
        body["row"].clone(),
    )
}

#[tokio::test]
async fn a_key_does_what_its_scopes_name_and_nothing_else_until_revoked() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let (key, row) = make_key(
        &server,
        &admin,
        "金蝶 ERP",
        &["orders:read", "catalog:read"],
    )
    .await;
    assert!(key.starts_with("dhk_") && key.len() == 44, "{key}");
    assert!(key.starts_with(row["prefix"].as_str().unwrap()));
    assert_eq!(row["scopes"], json!(["catalog:read", "orders:read"]));
    assert_eq!(row["last_used_ms"], Value::Null);
    // Listed without the key itself.
    let (status, list) = call(&server, &admin, Method::GET, "/api/admin/api-keys", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["keys"][0]["name"], "金蝶 ERP");
    assert!(!list.to_string().contains(&key));
    // Listed newest first, a page at a time by the `before` cursor.
    make_key(&server, &admin, "second", &["stock:read"]).await;
    make_key(&server, &admin, "third", &["stock:read"]).await;
    let names = |page: &Value| -> Vec<String> {
        page["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, first) = call(
        &server,
        &admin,
        Method::GET,
        "/api/admin/api-keys?limit=2",
        None,
    )
    .await;
    assert_eq!(names(&first), ["third", "second"]);
    let next = first["next"].as_i64().unwrap();
    let (_, rest) = call(
        &server,
        &admin,
        Method::GET,
        &format!("/api/admin/api-keys?limit=2&before={next}"),
        None,
    )
    .await;
    assert_eq!(names(&rest), ["金蝶 ERP"]);
    assert_eq!(rest["next"], Value::Null);

    // What its scopes name.
    for path in [
        "/api/admin/products?limit=5",
        "/api/admin/products/BEV-0001",
        "/api/orders?limit=5",
    ] {
        let (status, body) = call(&server, &key, Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    // Nothing else: each refusal is the JSON error body.
    let refused: [(Method, &str, Option<Value>); 8] = [
        (Method::GET, "/api/session", None),
        (Method::GET, "/api/devices", None),
        (Method::GET, "/api/admin/api-keys", None),
        (Method::GET, "/api/admin/stock/BEV-0001", None),
        (
            Method::PUT,
            "/api/admin/stock/wh-east/BEV-0001",
            Some(json!({ "on_hand": 1, "safety": 0 })),
        ),
        (
            Method::POST,
            "/api/admin/orders",
            Some(
                json!({ "shop": "shop-lotus", "lines": [{ "sku": "BEV-0001", "quantity": 12 }], "note": "" }),
            ),
        ),
        (Method::GET, "/api/reports/sales", None),
        (Method::GET, "/api/admin/audit", None),
    ];
    for (method, path, body) in refused {
        let (status, answer) = call(&server, &key, method.clone(), path, body).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
        assert_eq!(answer["error"], "forbidden", "{answer}");
    }
    // A key never syncs a shop's documents.
    let response = reqwest::Client::new()
        .post(format!("{}/api/sync", server.base))
        .bearer_auth(&key)
        .header("content-type", "application/octet-stream")
        .body(Vec::new())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);

    // Its last use shows.
    let (_, list) = call(&server, &admin, Method::GET, "/api/admin/api-keys", None).await;
    let used = list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "金蝶 ERP")
        .unwrap();
    assert!(used["last_used_ms"].as_i64().is_some(), "{list}");

    // Revoked: refused at once; revoking again keeps the first time; an unknown id is 404.
    let id = row["id"].as_i64().unwrap();
    let path = format!("/api/admin/api-keys/{id}");
    let (status, revoked) = call(&server, &admin, Method::DELETE, &path, None).await;
    assert_eq!(status, 200, "{revoked}");
    let (status, answer) = call(&server, &key, Method::GET, "/api/orders?limit=5", None).await;
    assert_eq!(status, 401, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("revoked"),
        "{answer}"
    );
    let (_, again) = call(&server, &admin, Method::DELETE, &path, None).await;
    assert_eq!(again["revoked_ms"], revoked["revoked_ms"]);
    let (status, _) = call(
        &server,
        &admin,
        Method::DELETE,
        "/api/admin/api-keys/999",
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &server,
        &admin,
        Method::DELETE,
        "/api/admin/api-keys/x",
        None,
    )
    .await;
    assert_eq!(status, 404);
    // A revoked key's rules no longer change (found by the fuzzer's stateful tests).
    let (status, answer) = call(
        &server,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({ "review": true })),
    )
    .await;
    assert_eq!(status, 404, "{answer}");

    // Made and revoked: both in the audit log.
    let (_, audit) = call(
        &server,
        &admin,
        Method::GET,
        &format!("/api/admin/audit?kind=api_key&object={id}"),
        None,
    )
    .await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["delete", "create"]);
}

#[tokio::test]
async fn an_erp_key_reads_shops_and_invoices_and_records_payments_only_with_those_scopes() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let (reader, _) = make_key(&server, &admin, "ERP reader", &["finance:read"]).await;
    let (bank, _) = make_key(
        &server,
        &admin,
        "bank feed",
        &["finance:write", "customers:read"],
    )
    .await;
    let payment = json!({
        "shop": "shop-lotus", "amount": "120.50", "reference": "BANK-77", "method": "bank",
        "to_prepaid": true
    });
    // finance:read reads receivables and statements, never records a payment.
    for path in [
        "/api/finance/receivables",
        "/api/finance/shops/shop-lotus/statement",
    ] {
        let (status, body) = call(&server, &reader, Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, refused) = call(
        &server,
        &reader,
        Method::POST,
        "/api/finance/payments",
        Some(payment.clone()),
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"], "forbidden");
    // customers:read lists shops; finance:write records the payment once.
    let (status, shops) = call(
        &server,
        &bank,
        Method::GET,
        "/api/admin/shops?limit=2",
        None,
    )
    .await;
    assert_eq!(status, 200, "{shops}");
    assert_eq!(shops["customers"].as_array().unwrap().len(), 2);
    let (status, _) = call(&server, &reader, Method::GET, "/api/admin/shops", None).await;
    assert_eq!(status, 403);
    let (status, _) = call(
        &server,
        &bank,
        Method::GET,
        "/api/finance/receivables",
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, recorded) = call(
        &server,
        &bank,
        Method::POST,
        "/api/finance/payments",
        Some(payment.clone()),
    )
    .await;
    assert_eq!(status, 201, "{recorded}");
    let (status, again) = call(
        &server,
        &bank,
        Method::POST,
        "/api/finance/payments",
        Some(payment),
    )
    .await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["error"], "duplicate_payment");
    // In the audit log under the key's name.
    let (_, audit) = call(
        &server,
        &admin,
        Method::GET,
        "/api/admin/audit?kind=payment",
        None,
    )
    .await;
    assert_eq!(audit["entries"][0]["actor"], "key:bank feed", "{audit}");
}

#[tokio::test]
async fn a_key_that_counts_stock_is_in_the_audit_log_by_its_name_and_bad_keys_are_refused() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let (key, _) = make_key(&server, &admin, "WMS", &["stock:write"]).await;
    let (status, body) = call(
        &server,
        &key,
        Method::PUT,
        "/api/admin/stock/wh-east/BEV-0001",
        Some(json!({ "on_hand": 77, "safety": 0 })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = call(
        &server,
        &key,
        Method::GET,
        "/api/admin/stock/BEV-0001",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, audit) = call(
        &server,
        &admin,
        Method::GET,
        "/api/admin/audit?kind=stock",
        None,
    )
    .await;
    assert_eq!(audit["entries"][0]["actor"], "key:WMS", "{audit}");
    // Not its scope: the catalog.
    let (status, _) = call(&server, &key, Method::GET, "/api/admin/products", None).await;
    assert_eq!(status, 403);

    // Keys that are not keys: 401 with the JSON body.
    for bad in ["dhk_nothex", &format!("dhk_{}", "0".repeat(40)), "dhk_"] {
        let (status, answer) = call(&server, bad, Method::GET, "/api/orders", None).await;
        assert_eq!(status, 401, "{bad}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    // What an admin may not ask for: a key without a name, without scopes, or with one
    // that does not exist; a staff member may not make keys at all.
    for body in [
        json!({ "name": " ", "scopes": ["orders:read"] }),
        json!({ "name": "x", "scopes": [] }),
        json!({ "name": "x", "scopes": ["orders:delete"] }),
        json!({ "name": "x" }),
    ] {
        let (status, answer) = call(
            &server,
            &admin,
            Method::POST,
            "/api/admin/api-keys",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 400, "{body}: {answer}");
    }
    let cang = token(&server, "cang", "cang123").await;
    let (status, _) = call(
        &server,
        &cang,
        Method::POST,
        "/api/admin/api-keys",
        Some(json!({ "name": "x", "scopes": ["orders:read"] })),
    )
    .await;
    assert_eq!(status, 403);
    let (_, list) = call(&server, &admin, Method::GET, "/api/admin/api-keys", None).await;
    assert_eq!(list["keys"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_key_over_its_rate_is_told_to_wait() {
    let server = spawn_server_with_key_rate(3).await;
    let admin = token(&server, "admin", "admin123").await;
    let (key, _) = make_key(&server, &admin, "marketplace", &["orders:read"]).await;
    for _ in 0..3 {
        let (status, _) = call(&server, &key, Method::GET, "/api/orders?limit=1", None).await;
        assert_eq!(status, 200);
    }
    let (status, answer) = call(&server, &key, Method::GET, "/api/orders?limit=1", None).await;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(answer["error"], "rate_limited");
    // Another key has its own count; people are not limited by it.
    let (other, _) = make_key(&server, &admin, "erp", &["orders:read"]).await;
    let (status, _) = call(&server, &other, Method::GET, "/api/orders?limit=1", None).await;
    assert_eq!(status, 200);
    let (status, _) = call(&server, &admin, Method::GET, "/api/orders?limit=1", None).await;
    assert_eq!(status, 200);
}

async fn post_order(
    server: &TestServer,
    key: &str,
    idempotency: Option<&str>,
    body: &Value,
) -> (u16, Option<String>, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/orders", server.base))
        .bearer_auth(key)
        .json(body);
    if let Some(idempotency) = idempotency {
        request = request.header("Idempotency-Key", idempotency);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        status,
        replayed,
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn another_channel_places_an_order_once_per_idempotency_key_and_the_shop_sees_it() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let (key, _) = make_key(&server, &admin, "天猫店", &["orders:write"]).await;
    let order = json!({
        "shop": "shop-lotus",
        "lines": [{ "sku": "BEV-0001", "quantity": 12 }],
        "note": "天猫 #88"
    });
    let (status, replayed, first) = post_order(&server, &key, Some("tm-88"), &order).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(replayed, None);
    assert_eq!(first["state"], "confirmed", "{first}");
    let number = first["number"].as_str().unwrap().to_owned();
    // The same key and body again (a retry after a lost reply): the same order.
    let (status, replayed, again) = post_order(&server, &key, Some("tm-88"), &order).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(again["number"], number.as_str());
    // The same key with another body: refused, nothing placed.
    let mut other = order.clone();
    other["lines"][0]["quantity"] = json!(24);
    let (status, _, conflict) = post_order(&server, &key, Some("tm-88"), &other).await;
    assert_eq!(status, 409, "{conflict}");
    assert_eq!(conflict["error"], "idempotency_conflict");
    // Without a key, or with a malformed body: 400 with the JSON body.
    let (status, _, missing) = post_order(&server, &key, None, &order).await;
    assert_eq!(status, 400, "{missing}");
    assert_eq!(missing["field"], "Idempotency-Key");
    let (status, _, malformed) =
        post_order(&server, &key, Some("tm-89"), &json!({ "shop": 1 })).await;
    assert_eq!(status, 400, "{malformed}");
    assert!(malformed["error"].is_string());
    // A key that may only read the catalog cannot place an order.
    let (reader, _) = make_key(&server, &admin, "catalog reader", &["catalog:read"]).await;
    let (status, _, _) = post_order(&server, &reader, Some("x-1"), &order).await;
    assert_eq!(status, 403);
    // One order on channel `api`, placed by the key, which the shop's phone shows.
    let (_, listed) = call(
        &server,
        &admin,
        Method::GET,
        "/api/orders?channel=api",
        None,
    )
    .await;
    let rows = listed["orders"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{listed}");
    assert_eq!(rows[0]["number"], number.as_str());
    let mut phone = http_device::Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let seen = phone.sync.confirmations_of(&phone.shop);
    let on_phone = seen
        .values()
        .find(|c| c.number == number)
        .expect("on the phone");
    assert_eq!(format!("{:?}", on_phone.state), "Confirmed");
}

#[tokio::test]
async fn a_channel_whose_orders_are_reviewed_places_them_held_until_staff_release_them() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let (status, made) = call(
        &server,
        &admin,
        Method::POST,
        "/api/admin/api-keys",
        Some(json!({ "name": "拼多多", "scopes": ["orders:write"], "review": true })),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["row"]["review"], true);
    let key = made["key"].as_str().unwrap();
    let order = json!({ "shop": "shop-bamboo", "lines": [{ "sku": "BEV-0002", "quantity": 12 }] });
    let (status, _, held) = post_order(&server, key, Some("pdd-1"), &order).await;
    assert_eq!(status, 201, "{held}");
    assert_eq!(held["state"], "on_hold", "{held}");
    let last = held["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "key:拼多多");
    assert!(
        last["reason"].as_str().unwrap().contains("待审核"),
        "{last}"
    );
    // A retry answers the same held order; staff release it and it goes on.
    let (_, replayed, again) = post_order(&server, key, Some("pdd-1"), &order).await;
    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(again["state"], "on_hold");
    let id = held["request_id"].as_str().unwrap();
    let (status, released) = call(
        &server,
        &admin,
        Method::POST,
        &format!("/api/orders/{id}/events"),
        Some(json!({ "event": "release", "reason": "已核对" })),
    )
    .await;
    assert_eq!(status, 200, "{released}");
    assert_eq!(released["state"], "confirmed");
}

#[tokio::test]
async fn an_erp_pulls_what_changed_after_its_cursor_and_misses_nothing() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let (writer, _) = make_key(&server, &admin, "shop connector", &["orders:write"]).await;
    let (erp, _) = make_key(&server, &admin, "ERP", &["orders:read"]).await;
    let changes = |after: i64| {
        let (server, erp) = (&server, &erp);
        async move {
            let (status, page) = call(
                server,
                erp,
                Method::GET,
                &format!("/api/orders/changes?after={after}&limit=500"),
                None,
            )
            .await;
            assert_eq!(status, 200, "{page}");
            page
        }
    };
    // From the start: every order there is, once.
    let start = changes(0).await;
    let cursor = start["next"].as_i64().unwrap();
    // Two orders placed, then the first one held: three changes, two orders, each once at
    // its latest state, in change order.
    let mut numbers = Vec::new();
    for n in 1..=2 {
        let order =
            json!({ "shop": "shop-peach", "lines": [{ "sku": "BEV-0003", "quantity": 12 }] });
        let (status, _, placed) =
            post_order(&server, &writer, Some(&format!("p-{n}")), &order).await;
        assert_eq!(status, 201, "{placed}");
        numbers.push((
            placed["request_id"].as_str().unwrap().to_owned(),
            placed["number"].as_str().unwrap().to_owned(),
        ));
    }
    let (status, held) = call(
        &server,
        &admin,
        Method::POST,
        &format!("/api/orders/{}/events", numbers[0].0),
        Some(json!({ "event": "hold", "reason": "核对地址" })),
    )
    .await;
    assert_eq!(status, 200, "{held}");
    let page = changes(cursor).await;
    let got: Vec<(&str, &str)> = page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["order"]["number"].as_str().unwrap(),
                o["order"]["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (numbers[1].1.as_str(), "confirmed"),
            (numbers[0].1.as_str(), "on_hold")
        ]
    );
    assert_eq!(page["orders"][0]["channel"], "api");
    assert_eq!(page["orders"][0]["shop"], "shop-peach");
    // Nothing changed since: an empty page that keeps the cursor.
    let next = page["next"].as_i64().unwrap();
    let empty = changes(next).await;
    assert_eq!(empty["orders"], json!([]));
    assert_eq!(empty["next"], next);
    // Only for those who read every shop's orders.
    let (status, _) = call(&server, &writer, Method::GET, "/api/orders/changes", None).await;
    assert_eq!(status, 403);
    let (status, answer) = call(
        &server,
        &erp,
        Method::GET,
        "/api/orders/changes?after=x",
        None,
    )
    .await;
    assert_eq!(status, 400, "{answer}");
}

#[tokio::test]
async fn a_channel_allowed_its_own_prices_sells_at_them_and_the_difference_is_recorded() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let (key, row) = make_key(&server, &admin, "抖音店", &["orders:write"]).await;
    assert_eq!(row["own_prices"], false);
    let order = json!({
        "shop": "shop-lotus",
        "lines": [{ "sku": "BEV-0001", "quantity": 12 }, { "sku": "BEV-0002", "quantity": 12 }],
        "unit_prices": { "BEV-0001": "2.80" }
    });
    // Not allowed yet: refused, nothing placed.
    let (status, _, refused) = post_order(&server, &key, Some("dy-1"), &order).await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"], "prices_not_allowed");
    // The admin allows it (and changes nothing else).
    let id = row["id"].as_i64().unwrap();
    let (status, changed) = call(
        &server,
        &admin,
        Method::PATCH,
        &format!("/api/admin/api-keys/{id}"),
        Some(json!({ "own_prices": true })),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["own_prices"], true);
    assert_eq!(changed["review"], false);
    // A body that is not an object is refused (found by the fuzzer: serde read a struct from
    // an array of its fields).
    let (status, refused) = call(
        &server,
        &admin,
        Method::PATCH,
        &format!("/api/admin/api-keys/{id}"),
        Some(json!([null, null])),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    // Prices that are not prices, or for a SKU not in the order: 400, the field named.
    for prices in [
        json!({ "BEV-0001": "cheap" }),
        json!({ "BEV-0009": "1.00" }),
    ] {
        let mut bad = order.clone();
        bad["unit_prices"] = prices;
        let (status, _, answer) = post_order(&server, &key, Some("dy-bad"), &bad).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["field"], "unit_prices");
    }
    let (status, _, placed) = post_order(&server, &key, Some("dy-1"), &order).await;
    assert_eq!(status, 201, "{placed}");
    let lines = placed["priced"]["lines"].as_array().unwrap();
    let line = |sku: &str| lines.iter().find(|l| l["sku"] == sku).unwrap().clone();
    assert_eq!(line("BEV-0001")["unit_price"]["amount"], "2.80", "{placed}");
    assert_eq!(
        line("BEV-0001")["price_source"]["source"],
        "channel",
        "{placed}"
    );
    assert_ne!(line("BEV-0002")["price_source"]["source"], "channel");
    assert_eq!(placed["quote"]["promotions"], json!([]));
    // The back office sees what the channel charged beside our price, and the difference.
    let number = placed["number"].as_str().unwrap();
    let (status, detail) = call(
        &server,
        &admin,
        Method::GET,
        &format!("/api/admin/orders/{number}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    let recorded = &detail["channel_prices"][0];
    assert_eq!(recorded["sku"], "BEV-0001");
    assert_eq!(recorded["quantity"], 12);
    assert_eq!(recorded["theirs"], "2.80");
    let ours: rust_decimal::Decimal = recorded["ours"].as_str().unwrap().parse().unwrap();
    let difference: rust_decimal::Decimal =
        recorded["difference"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        difference,
        (rust_decimal::Decimal::new(280, 2) - ours) * rust_decimal::Decimal::from(12)
    );
    // Staff enter orders at the engine's prices only.
    let cai = token(&server, "cai", "cai123").await;
    let (status, answer) = call(
        &server,
        &cai,
        Method::POST,
        "/api/admin/orders/preview",
        Some(order.clone()),
    )
    .await;
    assert_eq!(status, 403, "{answer}");
    // Review turned on after the key was made: the next order waits.
    let (status, _) = call(
        &server,
        &admin,
        Method::PATCH,
        &format!("/api/admin/api-keys/{id}"),
        Some(json!({ "review": true })),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, held) = post_order(&server, &key, Some("dy-2"), &order).await;
    assert_eq!(status, 201, "{held}");
    assert_eq!(held["state"], "on_hold");
    let (_, audit) = call(
        &server,
        &admin,
        Method::GET,
        "/api/admin/audit?kind=api_key",
        None,
    )
    .await;
    assert!(audit.to_string().contains("\"update\""), "{audit}");
}

#[tokio::test]
async fn an_expired_key_is_refused_and_oversized_or_malformed_orders_are_refused_with_json() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    for days in [0, api::keys::MAX_EXPIRY_DAYS + 1] {
        let (status, body) = call(
            &server,
            &admin,
            Method::POST,
            "/api/admin/api-keys",
            Some(json!({ "name": "x", "scopes": ["orders:read"], "expires_in_days": days })),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["field"], "expires_in_days");
    }
    let (status, made) = call(
        &server,
        &admin,
        Method::POST,
        "/api/admin/api-keys",
        Some(json!({ "name": "trial", "scopes": ["orders:read", "orders:write"], "expires_in_days": 30 })),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let key = made["key"].as_str().unwrap().to_owned();
    let expires = made["row"]["expires_ms"].as_i64().unwrap();
    let day = 24 * 60 * 60 * 1000;
    assert!((expires - server::store::now_ms() - 30 * day).abs() < 60_000);
    let (status, _) = call(&server, &key, Method::GET, "/api/orders?limit=1", None).await;
    assert_eq!(status, 200);

    // Oversized and malformed orders: the JSON error body, nothing placed.
    let huge = json!({ "shop": "shop-lotus", "lines": [], "note": "x".repeat(docs::sync::wire::MAX_BODY_BYTES + 1) });
    let (status, _, body) = post_order(&server, &key, Some("big-1"), &huge).await;
    assert_eq!(status, 413, "{body}");
    assert!(body["error"].is_string(), "{body}");
    for malformed in [
        json!("an order"),
        json!({ "shop": "shop-lotus", "lines": [{ "sku": "BEV-0001", "quantity": -1 }] }),
        json!({ "shop": "shop-lotus", "lines": [{ "sku": "BEV-0001", "quantity": 0 }] }),
        json!({ "shop": "shop-lotus", "lines": [], "surprise": true }),
    ] {
        let (status, _, body) = post_order(&server, &key, Some("bad-1"), &malformed).await;
        assert_eq!(status, 400, "{malformed}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    let (_, listed) = call(&server, &key, Method::GET, "/api/orders?channel=api", None).await;
    assert_eq!(listed["orders"], json!([]));

    // Its time up: refused as expired.
    with_store(&server, |tx| {
        tx.execute(
            "UPDATE api_keys SET expires_ms = ?1 WHERE name = 'trial'",
            server::params![server::store::now_ms() - 1],
        )?;
        Ok(())
    })
    .await;
    let (status, body) = call(&server, &key, Method::GET, "/api/orders?limit=1", None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "key_expired");
}
