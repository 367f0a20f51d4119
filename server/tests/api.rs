//! Integration tests: a real server on port 0 with a fresh SQLite file, driven over HTTP
//! by devices that run the app's own sync engine.

#[path = "support/http_device.rs"]
mod http_device;

use automerge::Automerge;
use docs::schema::cart_doc::{read_cart, set_quantity};
use docs::schema::catalog_doc::read_catalog;
use docs::schema::doc_id::DocId;
use docs::schema::order_status_doc::read_confirmations;
use docs::schema::price_doc::read_prices;
use docs::sync::device_sync::DeviceSync;
use docs::sync::wire::{DocMessage, SyncRequest};
use domain::sku::{ShopId, Sku};
use http_device::{Device, admin_orders, call, sign_in, spawn_server, spawn_server_in, token};
use serde_json::Value;

#[tokio::test]
async fn sign_in_gives_a_token_and_wrong_passwords_get_a_json_401() {
    let server = spawn_server().await;
    let ok: Value = sign_in(&server, "lotus", "lotus123")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ok["role"], "shop");
    assert_eq!(ok["token"].as_str().unwrap().len(), 64);
    assert_eq!(ok["docs"].as_array().unwrap().len(), 7);
    for (user, password) in [("lotus", "wrong"), ("nobody", "lotus123"), ("", "")] {
        let response = sign_in(&server, user, password).await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized");
    }
}

#[tokio::test]
async fn a_shop_sees_its_own_prices_and_an_order_is_confirmed_in_one_round_trip() {
    let server = spawn_server().await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let catalog = read_catalog(phone.sync.doc(&DocId::Catalog).unwrap());
    assert_eq!(catalog.products.len(), 200);
    assert_eq!(catalog.categories.len(), 8);
    let own = read_prices(
        phone
            .sync
            .doc(&DocId::ShopPrices(phone.shop.clone()))
            .unwrap(),
    );
    assert_eq!(own.len(), 5, "Lotus Mart has 5 negotiated prices");
    let gold = read_prices(
        phone
            .sync
            .doc(&DocId::TierPrices(
                domain::sku::TierId::parse("gold").unwrap(),
            ))
            .unwrap(),
    );
    assert_eq!(gold.len(), 200);

    let before = (phone.round_trips, phone.bytes_up, phone.bytes_down);
    phone.place_order(&[("BEV-0001", 12), ("SNK-0002", 10)], 1);
    let refused = phone.sync_now().await;
    assert!(refused.is_empty(), "{refused:?}");
    let round_trips = phone.round_trips - before.0;
    eprintln!(
        "one new order: {round_trips} round trip(s), {} B up, {} B down",
        phone.bytes_up - before.1,
        phone.bytes_down - before.2
    );
    assert_eq!(
        round_trips, 1,
        "a new order and its confirmation take one round trip"
    );
    let confirmations = phone.confirmations();
    assert_eq!(confirmations.len(), 1);
    let (number, state, total) = &confirmations[0];
    assert_eq!(number, "DH-000001");
    assert_eq!(state, "Confirmed");
    // BEV-0001: list 2.59, Lotus's own price 2.07 × 12 = 24.84;
    // SNK-0002: list 7.13, gold tier 6.42 × 10 = 64.20; ¥89.04 is under the ¥200 of free
    // shipping, so Lotus (east) pays ¥8.00 for delivery: ¥97.04.
    assert_eq!(total, "97.04");
    let orders = admin_orders(&server).await;
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["total"], "97.04");
}

#[tokio::test]
async fn duplicated_reordered_and_dropped_batches_never_create_a_second_order() {
    let server = spawn_server().await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    phone.sync_now().await;
    phone.place_order(&[("BEV-0002", 12)], 2);

    // Dropped: the request is made but never sent; the next session sends it again.
    phone.sync.start_session();
    let dropped = phone.sync.make_request().unwrap();
    // Duplicated and reordered: the same batch sent three times, then an older one.
    phone.sync.start_session();
    let first = phone.sync.make_request().unwrap();
    for _ in 0..3 {
        phone.post_sync(&first).await;
    }
    phone.post_sync(&dropped).await;
    phone.sync_now().await;
    phone.post_sync(&first).await;
    phone.sync_now().await;

    // A second device of the same shop syncs everything too.
    let mut tablet = Device::new(&server, "lotus", "lotus123").await;
    tablet.sync_now().await;
    assert_eq!(admin_orders(&server).await.len(), 1);
    assert_eq!(phone.confirmations(), tablet.confirmations());
    assert_eq!(phone.confirmations().len(), 1);
}

#[tokio::test]
async fn two_offline_devices_edit_one_cart_and_both_edits_survive() {
    let server = spawn_server().await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    let mut manager = Device::new(&server, "wang", "wang123").await;
    phone.sync_now().await;
    manager.sync_now().await;
    let cart = DocId::Cart(phone.shop.clone());
    let sku = |s: &str| Sku::parse(s).unwrap();
    set_quantity(
        phone.doc_mut(cart.clone()),
        &sku("BEV-0001"),
        12,
        "line-phone-1",
    )
    .unwrap();
    phone.sync_now().await;
    manager.sync_now().await;
    // Both offline now.
    set_quantity(
        phone.doc_mut(cart.clone()),
        &sku("SNK-0001"),
        10,
        "line-phone-2",
    )
    .unwrap();
    set_quantity(
        phone.doc_mut(cart.clone()),
        &sku("BEV-0001"),
        24,
        "line-phone-3",
    )
    .unwrap();
    set_quantity(
        manager.doc_mut(cart.clone()),
        &sku("DRY-0003"),
        6,
        "line-manager-1",
    )
    .unwrap();
    set_quantity(
        manager.doc_mut(cart.clone()),
        &sku("BEV-0001"),
        36,
        "line-manager-2",
    )
    .unwrap();
    phone.sync_now().await;
    manager.sync_now().await;
    phone.sync_now().await;
    let seen = |device: &Device| {
        read_cart(device.sync.doc(&cart).unwrap())
            .into_iter()
            .map(|l| (l.sku.to_string(), l.quantity))
            .collect::<Vec<_>>()
    };
    let expected = vec![
        ("BEV-0001".to_string(), 48),
        ("DRY-0003".to_string(), 6),
        ("SNK-0001".to_string(), 10),
    ];
    assert_eq!(seen(&phone), expected);
    assert_eq!(seen(&manager), expected);
}

#[tokio::test]
async fn a_shop_can_neither_read_nor_write_another_shops_documents_nor_the_catalog() {
    let server = spawn_server().await;
    let mut lotus = Device::new(&server, "lotus", "lotus123").await;
    lotus.sync_now().await;

    // Reading Bamboo's documents and the silver tier's prices: 403 for each, nothing else.
    let mut probe = DeviceSync::new();
    let bamboo = ShopId::parse("shop-bamboo").unwrap();
    for id in [
        DocId::Cart(bamboo.clone()),
        DocId::OrderRequests(bamboo.clone(), 0),
        DocId::OrderStatus(bamboo.clone(), 0),
        DocId::ShopPrices(bamboo.clone()),
        DocId::TierPrices(domain::sku::TierId::parse("silver").unwrap()),
    ] {
        probe.insert(id, Automerge::new(), None);
    }
    let request = probe.make_request().unwrap();
    let response = lotus.post_sync(&request).await;
    assert_eq!(response.docs.len(), 5);
    for reply in &response.docs {
        assert_eq!(
            (reply.status, reply.error.as_deref()),
            (403, Some("forbidden")),
            "{}",
            reply.doc
        );
        assert!(reply.message.is_empty());
    }

    // Writing the catalog: refused whole, the server's catalog unchanged.
    let price_before = read_catalog(lotus.sync.doc(&DocId::Catalog).unwrap()).products
        [&Sku::parse("BEV-0001").unwrap()]
        .list_price;
    {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let doc = lotus.doc_mut(DocId::Catalog);
        let (_, products) = doc.get(automerge::ROOT, "products").unwrap().unwrap();
        let (_, product) = doc.get(&products, "BEV-0001").unwrap().unwrap();
        let mut tx = doc.transaction();
        tx.put(&product, "price", "0.01").unwrap();
        tx.commit();
    }
    let refused = lotus.sync_now().await;
    assert!(
        refused
            .iter()
            .any(|(id, status, code)| *id == DocId::Catalog
                && *status == 403
                && code == "read_only_document"),
        "{refused:?}"
    );
    let mut fresh = Device::new(&server, "bamboo", "bamboo123").await;
    fresh.sync_now().await;
    assert_eq!(
        read_catalog(fresh.sync.doc(&DocId::Catalog).unwrap()).products
            [&Sku::parse("BEV-0001").unwrap()]
            .list_price,
        price_before
    );

    // An order request planted for another shop inside one's own document is refused as
    // a change; the device drops it and is back in step with the server.
    lotus.shop = bamboo;
    let lotus_orders = DocId::OrderRequests(ShopId::parse("shop-lotus").unwrap(), 0);
    let planted = lotus.place_order_into(
        &ShopId::parse("shop-lotus").unwrap(),
        &[("BEV-0001", 12)],
        9,
    );
    let refused = lotus.sync_now().await;
    assert_eq!(
        refused,
        vec![(lotus_orders.clone(), 403, "wrong_shop".to_owned())]
    );
    assert!(lotus.sync.unsynced_docs().is_empty());
    assert!(
        !docs::schema::order_requests_doc::request_ids(lotus.sync.doc(&lotus_orders).unwrap())
            .contains(&planted)
    );
    assert!(lotus.sync_now().await.is_empty());
    assert!(
        admin_orders(&server)
            .await
            .iter()
            .all(|o| o["request_id"] != planted.as_str())
    );
}

#[tokio::test]
async fn bad_input_gets_a_4xx_with_a_json_body_and_nothing_is_lost() {
    let server = spawn_server().await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    phone.sync_now().await;
    phone.place_order(&[("BEV-0001", 12)], 3);
    phone.sync_now().await;

    let client = reqwest::Client::new();
    let url = format!("{}/api/sync", server.base);
    let admin: Value = sign_in(&server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    let admin_token = admin["token"].as_str().unwrap().to_owned();
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (client.post(&url).body(vec![1, 2, 3]), 401, "unauthorized"),
        (
            client.post(&url).bearer_auth("not-a-token").body(vec![1]),
            401,
            "unauthorized",
        ),
        (
            client.post(&url).bearer_auth("ab".repeat(32)).body(vec![1]),
            401,
            "unauthorized",
        ),
        (
            client
                .post(&url)
                .bearer_auth(&phone.token)
                .body(b"hello, world".to_vec()),
            400,
            "malformed_sync_body",
        ),
        (
            client
                .post(&url)
                .bearer_auth(&phone.token)
                .body(vec![0xff; 64]),
            400,
            "malformed_sync_body",
        ),
        (
            client
                .post(&url)
                .bearer_auth(&phone.token)
                .body(vec![0u8; 9 * 1024 * 1024]),
            413,
            "too_large",
        ),
        (
            client.post(&url).bearer_auth(&phone.token).body({
                let mut bytes = SyncRequest {
                    seq: 1,
                    docs: vec![],
                }
                .encode();
                bytes.extend_from_slice(b"extra");
                bytes
            }),
            400,
            "trailing_bytes",
        ),
        (
            client
                .post(&url)
                .bearer_auth(&phone.token)
                .body(b"DH\x07rest".to_vec()),
            400,
            "unsupported_version",
        ),
        (
            client
                .post(format!("{}/api/devices/not-a-number/revoke", server.base))
                .bearer_auth(&phone.token),
            400,
            "bad_device_id",
        ),
        (
            client.get(format!("{}/api/login", server.base)),
            405,
            "method_not_allowed",
        ),
        (
            client
                .put(format!("{}/api/admin/terms", server.base))
                .bearer_auth(&admin_token)
                .header("content-type", "application/json")
                .body(vec![b' '; 9 * 1024 * 1024]),
            413,
            "too_large",
        ),
        (
            client.get(format!("{}/api/nope", server.base)),
            404,
            "not_found",
        ),
        (
            client
                .post(format!("{}/api/login", server.base))
                .body("{not json"),
            400,
            "malformed_login",
        ),
    ];
    for (request, status, code) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status);
        let body = response.text().await.unwrap();
        if !code.is_empty() {
            let json: Value =
                serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}"));
            assert_eq!(json["error"], code, "{body}");
        }
    }

    // Unknown documents and garbage messages are refused per document; the rest still syncs.
    let request = SyncRequest {
        seq: 1,
        docs: vec![
            DocMessage {
                doc: "shop/shop-lotus/secrets".into(),
                message: vec![],
                changes: Vec::new(),
                heads: None,
            },
            DocMessage {
                doc: "shop/shop-lotus/cart".into(),
                message: vec![0x42, 0xff, 0xff],
                changes: Vec::new(),
                heads: None,
            },
            DocMessage {
                doc: "shop/shop-lotus/orders".into(),
                message: vec![],
                changes: vec![serde_bytes::ByteBuf::from(vec![1, 2, 3, 4])],
                heads: None,
            },
        ],
    };
    let response = phone.post_sync(&request).await;
    let statuses: Vec<_> = response.docs.iter().map(|d| d.status).collect();
    assert_eq!(statuses, vec![404, 400, 400]);

    let mut tablet = Device::new(&server, "lotus", "lotus123").await;
    tablet.sync_now().await;
    assert_eq!(tablet.confirmations().len(), 1);
    assert_eq!(admin_orders(&server).await.len(), 1);
}

#[tokio::test]
async fn data_survives_a_restart_and_is_not_seeded_twice() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_owned();
    let server = spawn_server_in(dir.clone(), None).await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    phone.sync_now().await;
    phone.place_order(&[("BEV-0001", 12)], 4);
    phone.sync_now().await;
    server.task.abort();
    let _ = server.task.await;
    let again = spawn_server_in(server.data_dir.clone(), Some(temp)).await;
    phone.base = again.base.clone();
    phone.place_order(&[("BEV-0003", 12)], 5);
    assert!(
        phone.sync_now().await.is_empty(),
        "the device token still works after a restart"
    );
    let orders = admin_orders(&again).await;
    assert_eq!(orders.len(), 2);
    let mut tablet = Device::new(&again, "lotus", "lotus123").await;
    tablet.sync_now().await;
    assert_eq!(
        read_catalog(tablet.sync.doc(&DocId::Catalog).unwrap())
            .products
            .len(),
        200
    );
}

#[tokio::test]
async fn an_admin_price_change_reaches_shops_and_the_server_reports_what_changed() {
    let server = spawn_server().await;
    let mut phone = Device::new(&server, "peach", "peach123").await;
    phone.sync_now().await;
    // Offline: the phone orders at the prices it knows.
    phone.place_order(&[("BEV-0003", 12), ("BEV-0004", 12)], 7);

    let client = reqwest::Client::new();
    let admin: Value = sign_in(&server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    let admin_token = admin["token"].as_str().unwrap();
    let put = |path: &str, body: Value, token: &str| {
        client
            .put(format!("{}/api/admin/{path}", server.base))
            .bearer_auth(token.to_owned())
            .json(&body)
            .send()
    };
    // Only admins, known SKUs and decimal prices.
    let cases = [
        (
            "products/BEV-0003",
            serde_json::json!({ "list_price": "1.00" }),
            phone.token.clone(),
            403,
            "forbidden",
        ),
        (
            "products/NOPE-1",
            serde_json::json!({ "active": false }),
            admin_token.to_owned(),
            404,
            "unknown_product",
        ),
        (
            "products/BEV-0003",
            serde_json::json!({ "list_price": "1e3" }),
            admin_token.to_owned(),
            400,
            "invalid_field",
        ),
        (
            "products/BEV-0003",
            serde_json::json!({ "list_price": 9.99 }),
            admin_token.to_owned(),
            400,
            "malformed_body",
        ),
        // A body that is not an object, for any endpoint (serde would read a struct from
        // an array of its fields: found by the fuzzer).
        (
            "products/BEV-0003",
            serde_json::json!([null, null]),
            admin_token.to_owned(),
            400,
            "malformed_body",
        ),
        (
            "tiers/platinum/prices/BEV-0003",
            serde_json::json!({ "price": "1.00" }),
            admin_token.to_owned(),
            404,
            "unknown_price_list",
        ),
    ];
    for (path, body, token, status, code) in cases {
        let response = put(path, body, &token).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["error"],
            code,
            "{path}"
        );
    }
    assert_eq!(
        put(
            "products/BEV-0003",
            serde_json::json!({ "list_price": "9.99" }),
            admin_token
        )
        .await
        .unwrap()
        .status(),
        200
    );
    assert_eq!(
        put(
            "products/BEV-0004",
            serde_json::json!({ "active": false }),
            admin_token
        )
        .await
        .unwrap()
        .status(),
        200
    );
    assert_eq!(
        put(
            "tiers/gold/prices/BEV-0003",
            serde_json::json!({ "price": "8.88" }),
            admin_token
        )
        .await
        .unwrap()
        .status(),
        200
    );

    // Back online: the order is priced by the server's current catalog.
    phone.sync_now().await;
    let status = read_confirmations(
        phone
            .sync
            .doc(&DocId::OrderStatus(phone.shop.clone(), 0))
            .unwrap(),
    );
    let confirmation = status.values().next().unwrap();
    assert_eq!(format!("{:?}", confirmation.state), "Confirmed");
    assert_eq!(confirmation.priced.total.amount().to_string(), "119.88");
    let changes = serde_json::to_value(&confirmation.changes).unwrap();
    assert_eq!(changes[0]["change"], "price_changed");
    assert_eq!(changes[0]["now"]["amount"], "9.99");
    assert_eq!(changes[1]["change"], "removed");
    assert_eq!(changes[1]["reason"]["reason"], "discontinued");
    // The device's catalog now shows the new list price and the discontinued product.
    let catalog = read_catalog(phone.sync.doc(&DocId::Catalog).unwrap());
    assert_eq!(
        catalog.products[&Sku::parse("BEV-0003").unwrap()]
            .list_price
            .amount()
            .to_string(),
        "9.99"
    );
    assert!(!catalog.products[&Sku::parse("BEV-0004").unwrap()].active);
    // The gold tier's price reached gold shops only.
    let mut lotus = Device::new(&server, "lotus", "lotus123").await;
    lotus.sync_now().await;
    let gold = read_prices(
        lotus
            .sync
            .doc(&DocId::TierPrices(
                domain::sku::TierId::parse("gold").unwrap(),
            ))
            .unwrap(),
    );
    assert_eq!(
        gold[&Sku::parse("BEV-0003").unwrap()].amount().to_string(),
        "8.88"
    );
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_account_and_address() {
    let server = spawn_server().await;
    for _ in 0..5 {
        assert_eq!(sign_in(&server, "peach", "guess").await.status(), 401);
    }
    // The sixth attempt in the minute is refused, even with the right password.
    let refused = sign_in(&server, "peach", "peach123").await;
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(
        refused.json::<Value>().await.unwrap()["error"],
        "too_many_attempts"
    );
    // Another account from the same address is not affected.
    assert_eq!(sign_in(&server, "bamboo", "bamboo123").await.status(), 200);
}

#[tokio::test]
async fn responses_carry_security_headers_and_never_allow_other_origins() {
    let server = spawn_server().await;
    let client = reqwest::Client::new();
    for path in ["/", "/api/health", "/api/nope"] {
        let response = client
            .get(format!("{}{path}", server.base))
            .header("Origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(
            headers.get("access-control-allow-origin").is_none(),
            "{path}"
        );
    }
    let preflight = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/sync", server.base),
        )
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

async fn post_refresh(server: &http_device::TestServer, refresh_token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/refresh", server.base))
        .json(&serde_json::json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn sync_status(device: &Device) -> (u16, String) {
    let body = SyncRequest {
        seq: 1,
        docs: Vec::new(),
    }
    .encode();
    let response = device.post(body).await;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let code = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (status, code)
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_and_refresh_tokens_are_single_use() {
    let server = http_device::spawn_server_with_ttl(1_000).await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    // Offline past the access token's life: the device edits locally, then reconnects.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let shop = phone.shop.clone();
    let sku = Sku::parse(&first_sku(&phone)).unwrap();
    set_quantity(phone.doc_mut(DocId::Cart(shop.clone())), &sku, 3, "offline").unwrap();
    assert_eq!(sync_status(&phone).await, (401, "token_expired".into()));
    let (status, pair) = post_refresh(&server, &phone.refresh_token).await;
    assert_eq!(status, 200);
    let first_refresh = std::mem::replace(
        &mut phone.refresh_token,
        pair["refresh_token"].as_str().unwrap().to_owned(),
    );
    // A call another part of the app sent with the old token, arriving after the refresh,
    // still hears "expired" (and retries with the new token), not "unknown" (which would
    // sign the user out).
    assert_eq!(sync_status(&phone).await, (401, "token_expired".into()));
    phone.token = pair["token"].as_str().unwrap().to_owned();
    assert!(phone.sync_now().await.is_empty());
    assert!(
        phone.sync.unsynced_docs().is_empty(),
        "the offline edit reached the server"
    );

    // The new refresh token is spent normally; presenting the first one again after its
    // successor was used is a replay: the whole device is signed out.
    let (status, pair) = post_refresh(&server, &phone.refresh_token).await;
    assert_eq!(status, 200);
    phone.token = pair["token"].as_str().unwrap().to_owned();
    assert_eq!(sync_status(&phone).await.0, 200);
    let (status, body) = post_refresh(&server, &first_refresh).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("refresh_reused"))
    );
    assert_eq!(sync_status(&phone).await, (401, "device_revoked".into()));
    let (status, body) = post_refresh(&server, pair["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("device_revoked"))
    );
}

#[tokio::test]
async fn a_lost_refresh_reply_may_be_retried_once_and_its_unused_pair_is_superseded() {
    let server = spawn_server().await;
    let phone = Device::new(&server, "lotus", "lotus123").await;
    let (status, lost) = post_refresh(&server, &phone.refresh_token).await;
    assert_eq!(status, 200);
    // The reply never arrived; the device retries with the token it still holds.
    let (status, retried) = post_refresh(&server, &phone.refresh_token).await;
    assert_eq!(status, 200);
    assert_ne!(lost["refresh_token"], retried["refresh_token"]);
    let mut retry_device = Device::new(&server, "lotus", "lotus123").await;
    retry_device.token = lost["token"].as_str().unwrap().to_owned();
    assert_eq!(
        sync_status(&retry_device).await.0,
        401,
        "the lost access token was superseded"
    );
    retry_device.token = retried["token"].as_str().unwrap().to_owned();
    assert_eq!(sync_status(&retry_device).await.0, 200);
    // Whoever holds the lost pair and presents it is replaying: the device is revoked.
    let (status, body) = post_refresh(&server, lost["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("refresh_reused"))
    );
    assert_eq!(
        sync_status(&retry_device).await,
        (401, "device_revoked".into())
    );
}

#[tokio::test]
async fn a_user_lists_their_devices_and_a_revoked_device_gets_401_and_nothing_more() {
    let server = spawn_server().await;
    let phone = Device::new(&server, "lotus", "lotus123").await;
    let mut lost_tablet = Device::new(&server, "lotus", "lotus123").await;
    let manager = Device::new(&server, "wang", "wang123").await;
    assert!(lost_tablet.sync_now().await.is_empty());
    let http = reqwest::Client::new();
    let devices: Vec<Value> = http
        .get(format!("{}/api/devices", server.base))
        .bearer_auth(&phone.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(devices.len(), 2, "only lotus's own devices: {devices:?}");
    assert!(
        devices
            .iter()
            .any(|d| d["id"] == phone.device_id && d["current"] == true)
    );
    let revoke = |token: String, device: String| {
        let http = http.clone();
        let url = format!("{}/api/devices/{device}/revoke", server.base);
        async move { http.post(url).bearer_auth(token).send().await.unwrap() }
    };
    // Someone else's device, and nonsense ids, are not found.
    let response = revoke(phone.token.clone(), manager.device_id.to_string()).await;
    assert_eq!(response.status(), 404);
    assert_eq!(revoke(phone.token.clone(), "x".into()).await.status(), 400);
    let response = revoke(phone.token.clone(), lost_tablet.device_id.to_string()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        sync_status(&lost_tablet).await,
        (401, "device_revoked".into())
    );
    let (status, body) = post_refresh(&server, &lost_tablet.refresh_token).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("device_revoked"))
    );
    assert_eq!(
        sync_status(&phone).await.0,
        200,
        "the other device is untouched"
    );
    assert_eq!(sync_status(&manager).await.0, 200);
}

fn first_sku(device: &Device) -> String {
    read_catalog(device.sync.doc(&DocId::Catalog).unwrap())
        .products
        .keys()
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_rejected_order_goes_to_the_admin_inbox_and_never_blocks_the_others() {
    let server = spawn_server().await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    // Three orders in one batch; the middle one has nothing the server can sell.
    let good_before = phone.place_order(&[("BEV-0001", 12)], 1);
    let bad = phone.place_order(&[("GONE-0001", 3)], 2);
    let good_after = phone.place_order(&[("BEV-0002", 12)], 3);
    assert!(phone.sync_now().await.is_empty());
    let status = read_confirmations(
        phone
            .sync
            .doc(&DocId::OrderStatus(phone.shop.clone(), 0))
            .unwrap(),
    );
    assert_eq!(format!("{:?}", status[&good_before].state), "Confirmed");
    assert_eq!(format!("{:?}", status[&good_after].state), "Confirmed");
    assert_eq!(format!("{:?}", status[&bad].state), "Rejected");
    let shop_sees = &status[&bad].history.last().unwrap().reason;
    assert!(!shop_sees.is_empty(), "the shop sees why");

    let admin: Value = sign_in(&server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    let admin_token = admin["token"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    let inbox = |token: String, query: &'static str| {
        let http = http.clone();
        let url = format!("{}/api/admin/inbox{query}", server.base);
        async move { http.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let items: Vec<Value> = inbox(admin_token.clone(), "").await.json().await.unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["request_id"], bad.as_str());
    assert_eq!(items[0]["shop"], "shop-lotus");
    assert_eq!(items[0]["reason"].as_str().unwrap(), shop_sees);
    assert_eq!(inbox(phone.token.clone(), "").await.status(), 403);

    let resolve = |id: String, token: String| {
        let http = http.clone();
        let url = format!("{}/api/admin/inbox/{id}/resolve", server.base);
        async move {
            http.post(url)
                .bearer_auth(token)
                .json(&serde_json::json!({ "note": "called the shop; SKU replaced" }))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        resolve(good_before.to_string(), admin_token.clone())
            .await
            .status(),
        404
    );
    assert_eq!(
        resolve(bad.to_string(), phone.token.clone()).await.status(),
        403
    );
    assert_eq!(
        resolve(bad.to_string(), admin_token.clone()).await.status(),
        200
    );
    let open: Vec<Value> = inbox(admin_token.clone(), "").await.json().await.unwrap();
    assert!(open.is_empty());
    let all: Vec<Value> = inbox(admin_token.clone(), "?all=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all[0]["resolved"]["by"], "admin");
    assert_eq!(all[0]["resolved"]["note"], "called the shop; SKU replaced");
}

#[tokio::test]
async fn confirmed_orders_reserve_stock_nearest_warehouse_first_and_the_rest_is_backordered() {
    let server = spawn_server().await;
    let admin: Value = sign_in(&server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    let admin_token = admin["token"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    for (warehouse, on_hand) in [("wh-east", 30), ("wh-north", 0)] {
        let response = http
            .put(format!(
                "{}/api/admin/stock/{warehouse}/BEV-0001",
                server.base
            ))
            .bearer_auth(&admin_token)
            .json(&serde_json::json!({ "on_hand": on_hand, "safety": 0 }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let response = http
        .put(format!("{}/api/admin/stock/wh-east/BEV-0001", server.base))
        .bearer_auth(&admin_token)
        .json(&serde_json::json!({ "on_hand": -1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "a negative count is refused");

    let order = async |user: &str, password: &str, quantity: u32, byte: u8| {
        let mut device = Device::new(&server, user, password).await;
        assert!(device.sync_now().await.is_empty());
        let id = device.place_order(&[("BEV-0001", quantity)], byte);
        assert!(device.sync_now().await.is_empty());
        read_confirmations(
            device
                .sync
                .doc(&DocId::OrderStatus(device.shop.clone(), 0))
                .unwrap(),
        )
        .remove(&id)
        .unwrap()
    };
    // Lotus is supplied from the east first: all 24 reserved there.
    let lotus = order("lotus", "lotus123", 24, 1).await;
    assert_eq!(format!("{:?}", lotus.state), "Confirmed");
    assert_eq!(lotus.allocations.len(), 1);
    assert_eq!(
        (
            lotus.allocations[0].warehouse.as_str(),
            lotus.allocations[0].quantity
        ),
        ("wh-east", 24)
    );
    assert!(lotus.backordered.is_empty());
    // Bamboo (north first, which is empty) gets the 6 left in the east; 18 wait.
    let bamboo = order("bamboo", "bamboo123", 24, 2).await;
    assert_eq!(format!("{:?}", bamboo.state), "Confirmed");
    assert_eq!(
        bamboo.allocations.iter().map(|a| a.quantity).sum::<u32>(),
        6
    );
    assert_eq!(bamboo.backordered[&Sku::parse("BEV-0001").unwrap()], 18);
    assert!(
        bamboo
            .history
            .last()
            .unwrap()
            .reason
            .contains("backordered")
    );
    // Nothing left for Peach: the whole order is backordered, never below zero.
    let peach = order("peach", "peach123", 12, 3).await;
    assert_eq!(format!("{:?}", peach.state), "Backordered");
    assert!(peach.allocations.is_empty());

    let levels: Vec<Value> = http
        .get(format!("{}/api/admin/stock/BEV-0001", server.base))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let east = levels.iter().find(|l| l["warehouse"] == "wh-east").unwrap();
    assert_eq!(
        (east["on_hand"].as_u64(), east["reserved"].as_u64()),
        (Some(30), Some(30))
    );
    assert_eq!(east["available_to_promise"], 0);
}

#[tokio::test]
async fn staff_do_what_an_admin_allowed_and_shops_see_their_orders_move() {
    let server = spawn_server().await;
    let http = reqwest::Client::new();
    let token_for = async |user: &str, password: &str| -> String {
        let session: Value = sign_in(&server, user, password).await.json().await.unwrap();
        session["token"].as_str().unwrap().to_owned()
    };
    let admin = token_for("admin", "admin123").await;
    let warehouse = token_for("cang", "cang123").await;
    let finance = token_for("cai", "cai123").await;

    // An admin creates a staff member who may only read orders.
    let create = |token: String, body: Value| {
        let request = http
            .post(format!("{}/api/admin/staff", server.base))
            .bearer_auth(token)
            .json(&body);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let ops = serde_json::json!({ "username": "ops", "display_name": "Ops", "password": "ops-pass-1", "permissions": ["orders.read"] });
    assert_eq!(create(admin.clone(), ops.clone()).await, 201);
    assert_eq!(
        create(admin.clone(), ops.clone()).await,
        409,
        "the username is taken"
    );
    assert_eq!(
        create(warehouse.clone(), ops.clone()).await,
        403,
        "only an admin manages staff"
    );
    let bad = serde_json::json!({ "username": "x", "display_name": "X", "password": "long-enough", "permissions": ["everything"] });
    assert_eq!(create(admin.clone(), bad).await, 400);
    let ops_token = token_for("ops", "ops-pass-1").await;

    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let shipped = phone.place_order(&[("BEV-0001", 24)], 1);
    let cancelled = phone.place_order(&[("BEV-0001", 12)], 2);
    assert!(phone.sync_now().await.is_empty());
    let stock = async |token: &str| -> (u16, Vec<Value>) {
        let response = http
            .get(format!("{}/api/admin/stock/BEV-0001", server.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    };
    let east = |levels: &[Value]| {
        let east = levels.iter().find(|l| l["warehouse"] == "wh-east").unwrap();
        (
            east["on_hand"].as_u64().unwrap(),
            east["reserved"].as_u64().unwrap(),
        )
    };
    let (status, levels) = stock(&warehouse).await;
    assert_eq!(status, 200);
    let (on_hand, reserved) = east(&levels);
    assert_eq!(reserved, 36);

    let event = |token: String, id: String, event: &'static str| {
        let request = http
            .post(format!("{}/api/orders/{id}/events", server.base))
            .bearer_auth(token)
            .json(&serde_json::json!({ "event": event, "reason": "test" }));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    for step in ["allocate", "start_picking", "pack"] {
        assert_eq!(
            event(warehouse.clone(), shipped.to_string(), step).await,
            200,
            "{step}"
        );
    }
    assert_eq!(
        event(warehouse.clone(), shipped.to_string(), "ship").await,
        400,
        "a shipment names its warehouse, carrier and quantities"
    );
    let shipment = http
        .post(format!("{}/api/orders/{shipped}/shipments", server.base))
        .bearer_auth(&warehouse)
        .json(&serde_json::json!({
            "warehouse": "wh-east", "carrier": "顺丰", "tracking": "SF1001",
            "lines": { "BEV-0001": 24 }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(shipment.status(), 200);
    let shipment: Value = shipment.json().await.unwrap();
    assert_eq!(shipment["shipment"]["tracking"], "SF1001");
    assert_eq!(shipment["order"]["state"], "shipped");
    assert_eq!(
        event(warehouse.clone(), cancelled.to_string(), "hold").await,
        403,
        "warehouse staff cannot hold"
    );
    assert_eq!(
        event(finance.clone(), cancelled.to_string(), "ship").await,
        403,
        "finance cannot ship"
    );
    assert_eq!(
        event(finance.clone(), cancelled.to_string(), "hold").await,
        200
    );
    assert_eq!(
        event(finance.clone(), cancelled.to_string(), "cancel").await,
        200
    );
    assert_eq!(
        event(warehouse.clone(), cancelled.to_string(), "allocate").await,
        409,
        "a cancelled order stays cancelled"
    );
    assert_eq!(
        event(finance.clone(), cancelled.to_string(), "confirm").await,
        400,
        "the intake confirms"
    );
    assert_eq!(
        event(ops_token.clone(), shipped.to_string(), "deliver").await,
        403
    );
    assert_eq!(
        event(phone.token.clone(), shipped.to_string(), "deliver").await,
        403
    );
    assert_eq!(event(warehouse.clone(), "0".repeat(32), "ship").await, 404);

    // Shipping took 24 out of the warehouse; cancelling gave 12 back.
    let (_, levels) = stock(&warehouse).await;
    assert_eq!(east(&levels), (on_hand - 24, 0));

    // The shop sees both orders move, with who did it.
    assert!(phone.sync_now().await.is_empty());
    let status = read_confirmations(
        phone
            .sync
            .doc(&DocId::OrderStatus(phone.shop.clone(), 0))
            .unwrap(),
    );
    assert_eq!(format!("{:?}", status[&shipped].state), "Shipped");
    assert_eq!(status[&shipped].history.last().unwrap().actor, "cang");
    assert_eq!(format!("{:?}", status[&cancelled].state), "Cancelled");

    // Reading all orders is a permission; stock needs another one, given later.
    let page: Value = http
        .get(format!("{}/api/orders", server.base))
        .bearer_auth(&ops_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["orders"].as_array().unwrap().len(), 2);
    assert_eq!(stock(&ops_token).await.0, 403);
    let response = http
        .put(format!("{}/api/admin/staff/ops/permissions", server.base))
        .bearer_auth(&admin)
        .json(&serde_json::json!({ "permissions": ["stock.write"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(stock(&ops_token).await.0, 200);
    let page = http
        .get(format!("{}/api/orders", server.base))
        .bearer_auth(&ops_token)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(
        page["orders"].as_array().unwrap().is_empty(),
        "orders.read was taken away"
    );
}

#[tokio::test]
async fn the_server_applies_promotions_points_prepaid_credit_and_quotas_like_the_storefront() {
    use docs::schema::order_requests_doc::add_request;
    use docs::schema::price_doc::read_profile;
    let server = spawn_server().await;
    let mut lotus = Device::new(&server, "lotus", "lotus123").await;
    assert!(lotus.sync_now().await.is_empty());
    let lotus_prices = DocId::ShopPrices(lotus.shop.clone());
    assert_eq!(
        read_profile(lotus.sync.doc(&lotus_prices).unwrap()).points_balance,
        1_500
    );

    // Coupon NEW20 (¥20 off from ¥150, once per shop) and 1 000 points (¥10).
    let place = |device: &mut Device,
                 lines: &[(&str, u32)],
                 byte: u8,
                 edit: &dyn Fn(&mut domain::order::OrderRequest)| {
        let mut request = device.build_request(
            lines,
            domain::order::RequestId::from_random_bytes([byte; 16]),
        );
        edit(&mut request);
        let shop = device.shop.clone();
        add_request(device.doc_mut(DocId::OrderRequests(shop, 0)), &request).unwrap();
        request.id
    };
    let first = place(&mut lotus, &[("SNK-0002", 30)], 1, &|r| {
        r.coupon_codes = vec!["NEW20".into()];
        r.redeem_points = 1_000;
    });
    let second = place(&mut lotus, &[("SNK-0002", 30)], 2, &|r| {
        r.coupon_codes = vec!["NEW20".into()]
    });
    assert!(lotus.sync_now().await.is_empty());
    let status = read_confirmations(
        lotus
            .sync
            .doc(&DocId::OrderStatus(lotus.shop.clone(), 0))
            .unwrap(),
    );
    let quote = status[&first].quote.clone().unwrap();
    // 30 × 6.42 (gold) = 192.60 − 20.00 coupon = 172.60, shipping free? No: under ¥200 → +8.00.
    assert_eq!(quote.merchandise.amount().to_string(), "192.60");
    assert_eq!(quote.discount.amount().to_string(), "20.00");
    assert_eq!(quote.shipping.amount().to_string(), "8.00");
    assert_eq!(quote.total.amount().to_string(), "180.60");
    assert_eq!(
        (
            quote.points_redeemed,
            format!("{:.2}", quote.points_value.amount())
        ),
        (1_000, "10.00".into())
    );
    assert_eq!(quote.amount_due.amount().to_string(), "170.60");
    let again = status[&second].quote.clone().unwrap();
    assert!(
        again.promotions.is_empty(),
        "the coupon works once per shop: {:?}",
        again.promotions
    );
    // The balance the shop sees moved with both orders: −1 000 redeemed, + points earned.
    let points = read_profile(lotus.sync.doc(&lotus_prices).unwrap()).points_balance;
    assert_eq!(
        points,
        1_500 - 1_000 + quote.points_earned + again.points_earned
    );

    // Peach pays in advance from ¥800 and may take 48 bottles of LIQ-0001 a week.
    let mut peach = Device::new(&server, "peach", "peach123").await;
    assert!(peach.sync_now().await.is_empty());
    let paid = place(&mut peach, &[("BEV-0003", 24)], 3, &|_| {});
    let over_quota = place(&mut peach, &[("LIQ-0001", 60)], 4, &|_| {});
    assert!(peach.sync_now().await.is_empty());
    let status = read_confirmations(
        peach
            .sync
            .doc(&DocId::OrderStatus(peach.shop.clone(), 0))
            .unwrap(),
    );
    assert_eq!(format!("{:?}", status[&paid].state), "Confirmed");
    assert_eq!(format!("{:?}", status[&over_quota].state), "Rejected");
    assert!(
        status[&over_quota].history[0].reason.contains("allocation"),
        "{:?}",
        status[&over_quota].history
    );
    let owed = status[&paid].quote.as_ref().unwrap().total;
    let peach_prices = DocId::ShopPrices(peach.shop.clone());
    let balance = read_profile(peach.sync.doc(&peach_prices).unwrap())
        .account
        .unwrap()
        .prepaid_balance;
    assert_eq!(
        balance.checked_add(owed).unwrap().amount().to_string(),
        "800.00"
    );

    // Finance cancels the paid order: the money goes back to the balance.
    let finance: Value = sign_in(&server, "cai", "cai123")
        .await
        .json()
        .await
        .unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/api/orders/{paid}/events", server.base))
        .bearer_auth(finance["token"].as_str().unwrap())
        .json(&serde_json::json!({ "event": "cancel", "reason": "shop asked" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(peach.sync_now().await.is_empty());
    let balance = read_profile(peach.sync.doc(&peach_prices).unwrap())
        .account
        .unwrap()
        .prepaid_balance;
    assert_eq!(balance.amount().to_string(), "800.00");
}

#[tokio::test]
async fn an_admin_publishes_promotions_to_exactly_the_shops_they_concern() {
    use docs::schema::price_doc::read_promotions;
    let server = spawn_server().await;
    let admin: Value = sign_in(&server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    let token = admin["token"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    let put = |id: &str, body: Value| {
        let request = http
            .put(format!("{}/api/admin/promotions/{id}", server.base))
            .bearer_auth(&token)
            .json(&body);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let promotion = |id: &str, extra: Value| {
        let mut body = serde_json::json!({
            "id": id,
            "name": { "en": id, "zh_hans": id, "zh_hant": id },
            "kind": { "type": "percent_off", "percent": "10", "max_off": null },
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    assert_eq!(
        put(
            "silver-10",
            promotion("silver-10", serde_json::json!({ "tiers": ["silver"] }))
        )
        .await,
        200
    );
    assert_eq!(
        put(
            "peach-only",
            promotion("peach-only", serde_json::json!({ "shops": ["shop-peach"] }))
        )
        .await,
        200
    );
    assert_eq!(
        put("other-id", promotion("silver-10", serde_json::json!({}))).await,
        400
    );
    assert_eq!(
        put("broken", serde_json::json!({ "id": "broken" })).await,
        400
    );

    let ids = |device: &Device| -> Vec<String> {
        let tier = device
            .sync
            .doc_ids()
            .find(|id| matches!(id, DocId::TierPrices(_)))
            .cloned()
            .unwrap();
        let own = DocId::ShopPrices(device.shop.clone());
        let mut ids: Vec<String> = read_promotions(device.sync.doc(&tier).unwrap())
            .into_iter()
            .chain(read_promotions(device.sync.doc(&own).unwrap()))
            .map(|p| p.id)
            .collect();
        ids.sort();
        ids
    };
    let mut bamboo = Device::new(&server, "bamboo", "bamboo123").await;
    let mut lotus = Device::new(&server, "lotus", "lotus123").await;
    let mut peach = Device::new(&server, "peach", "peach123").await;
    for device in [&mut bamboo, &mut lotus, &mut peach] {
        assert!(device.sync_now().await.is_empty());
    }
    assert!(ids(&bamboo).contains(&"silver-10".to_owned()));
    assert!(!ids(&bamboo).contains(&"peach-only".to_owned()));
    assert!(
        !ids(&lotus).contains(&"silver-10".to_owned()),
        "gold shops never see silver offers"
    );
    assert!(ids(&peach).contains(&"peach-only".to_owned()));

    // Bamboo's order gets its 10 %; after the promotion ends, the next one does not.
    let first = bamboo.place_order(&[("SNK-0002", 10)], 1);
    assert!(bamboo.sync_now().await.is_empty());
    let response = http
        .delete(format!("{}/api/admin/promotions/silver-10", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let second = bamboo.place_order(&[("SNK-0002", 10)], 2);
    assert!(bamboo.sync_now().await.is_empty());
    assert!(!ids(&bamboo).contains(&"silver-10".to_owned()));
    let status = read_confirmations(
        bamboo
            .sync
            .doc(&DocId::OrderStatus(bamboo.shop.clone(), 0))
            .unwrap(),
    );
    let applied = |id| {
        status[id]
            .quote
            .as_ref()
            .unwrap()
            .promotions
            .iter()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>()
    };
    assert!(applied(&first).contains(&"silver-10".to_owned()));
    assert!(!applied(&second).contains(&"silver-10".to_owned()));
}

#[tokio::test]
async fn an_order_placed_outside_the_shops_ordering_days_is_rejected_with_the_reason() {
    let server = spawn_server().await;
    let admin: Value = sign_in(&server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    // Every day but today (China time) is an ordering day.
    let now = server::store::now_ms();
    let today =
        u32::try_from(((now + 8 * 3_600_000).div_euclid(86_400_000) + 3).rem_euclid(7)).unwrap();
    let weekdays: Vec<u32> = (0..7).filter(|d| *d != today).collect();
    let profile = serde_json::json!({
        "region": "east",
        "points_balance": 0,
        "account": null,
        "quotas": [],
        "window": { "weekdays": weekdays, "cutoff_minute": null },
    });
    let response = reqwest::Client::new()
        .put(format!(
            "{}/api/admin/shops/shop-bamboo/profile",
            server.base
        ))
        .bearer_auth(admin["token"].as_str().unwrap())
        .json(&profile)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut bamboo = Device::new(&server, "bamboo", "bamboo123").await;
    assert!(bamboo.sync_now().await.is_empty());
    let mut request = bamboo.build_request(
        &[("SNK-0002", 10)],
        domain::order::RequestId::from_random_bytes([5; 16]),
    );
    request.placed_at_ms = now;
    let shop = bamboo.shop.clone();
    docs::schema::order_requests_doc::add_request(
        bamboo.doc_mut(DocId::OrderRequests(shop, 0)),
        &request,
    )
    .unwrap();
    assert!(bamboo.sync_now().await.is_empty());
    let status = read_confirmations(
        bamboo
            .sync
            .doc(&DocId::OrderStatus(bamboo.shop.clone(), 0))
            .unwrap(),
    );
    assert_eq!(format!("{:?}", status[&request.id].state), "Rejected");
    assert_eq!(
        status[&request.id].history[0].reason,
        "outside the shop's ordering days"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_routes_the_server_has_and_its_reference_page_lists_them() {
    let server = spawn_server().await;
    let http = reqwest::Client::new();
    let doc: Value = http
        .get(format!("{}/api/openapi.json", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 14, "{}", paths.len());
    // Every schema the document refers to is in it.
    let text = doc.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{name} is referred to but not defined"
        );
    }
    for (path, methods) in paths {
        let concrete = path
            .split('/')
            .map(|part| if part.starts_with('{') { "x" } else { part })
            .collect::<Vec<_>>()
            .join("/");
        for method in methods.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = http
                .request(method.clone(), format!("{}/api/v1{concrete}", server.base))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            assert_eq!(
                response.headers()["dinghuo-api-version"],
                "1",
                "{method} {path}"
            );
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert_ne!(status, 405, "{method} {path} is documented but not routed");
            assert!(
                !(status == 404 && body["error"] == "not_found"),
                "{method} {path} is documented but not routed: {body}"
            );
            assert!(
                body["error"].is_string(),
                "{method} {path}: a JSON error, {body}"
            );
        }
    }
    let page = http
        .get(format!("{}/api/docs", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<code>/orders/changes</code>"));
    assert!(page.contains("id=\"schema-OrderConfirmation\""));
}

#[tokio::test]
async fn a_nul_character_in_input_is_refused_alike_on_both_databases() {
    // Found by the API fuzzer on PostgreSQL, which cannot store NUL: a 500 there.
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let (status, body) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/v1/orders?channel=a%00b",
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "nul_character");
}

#[tokio::test]
async fn a_call_for_another_version_of_the_api_is_refused() {
    let server = spawn_server().await;
    let http = reqwest::Client::new();
    for (version, status) in [("1", 401), ("2", 400), ("v1", 400)] {
        let response = http
            .get(format!("{}/api/v1/orders", server.base))
            .header("Dinghuo-Api-Version", version)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "version {version}");
        let body: Value = response.json().await.unwrap();
        if status == 400 {
            assert_eq!(body["error"], "unsupported_api_version");
        }
    }
    let response = http
        .get(format!("{}/api/v2/orders", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}

/// Quiet documents (envelope version 2): an idle session sends every document's heads only
/// and gets nothing back; what the server changed since comes back as changes; heads the
/// server does not hold get the usual exchange; a version 1 body still syncs.
#[tokio::test]
async fn an_idle_sync_is_quiet_and_what_changed_comes_back_as_changes() {
    use docs::sync::wire::{Envelope, SyncResponse};
    let server = spawn_server().await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());

    // Nothing changed: every document goes quiet and every answer is empty.
    phone.sync.start_session();
    let request = phone.sync.make_request().unwrap();
    assert!(request.docs.len() >= 5, "{request:?}");
    assert!(
        request
            .docs
            .iter()
            .all(|d| d.message.is_empty() && d.quiet_heads().is_some()),
        "{request:?}"
    );
    let reply = phone.post_sync(&request).await;
    assert!(
        reply
            .docs
            .iter()
            .all(|d| d.status == 200 && d.message.is_empty() && d.changes.is_empty()),
        "{reply:?}"
    );
    assert!(phone.sync.receive(reply).unwrap().changed.is_empty());
    assert!(
        phone.sync.make_request().is_none(),
        "one request settles it"
    );

    // The admin retires a product: the catalog's answer carries the change.
    let admin = token(&server, "admin", "admin123").await;
    let (status, body) = call(
        &server,
        &admin,
        reqwest::Method::PUT,
        "/api/admin/products/BEV-0002",
        Some(serde_json::json!({"active": false})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    phone.sync.start_session();
    let request = phone.sync.make_request().unwrap();
    let reply = phone.post_sync(&request).await;
    let catalog = reply.docs.iter().find(|d| d.doc == "catalog").unwrap();
    assert!(catalog.message.is_empty() && !catalog.changes.is_empty());
    let received = phone.sync.receive(reply).unwrap();
    assert_eq!(received.changed, vec![DocId::Catalog]);
    let products = read_catalog(phone.sync.doc(&DocId::Catalog).unwrap()).products;
    assert!(!products[&Sku::parse("BEV-0002").unwrap()].active);
    assert!(phone.sync.make_request().is_none());

    // Heads the server does not hold: a sync message, the usual exchange.
    let strange = SyncRequest {
        seq: 9,
        docs: vec![DocMessage {
            doc: "catalog".into(),
            message: Vec::new(),
            changes: Vec::new(),
            heads: Some(serde_bytes::ByteBuf::from(vec![0x11; 32])),
        }],
    };
    let reply = phone.post_sync(&strange).await;
    assert_eq!(reply.docs[0].status, 200);
    assert!(!reply.docs[0].message.is_empty() && reply.docs[0].changes.is_empty());

    // A device still speaking version 1 syncs, answered in version 1.
    let mut old = DeviceSync::new();
    old.insert(DocId::Catalog, Automerge::new(), None);
    old.start_session();
    let request = old.make_request().unwrap();
    let response = phone.post(request.encode_in(Envelope::V1)).await;
    assert_eq!(response.status(), 200);
    let body = response.bytes().await.unwrap();
    assert_eq!(&body[..3], b"DH\x01");
    let reply = SyncResponse::decode_any(&body).unwrap();
    assert!(!reply.docs[0].message.is_empty());
}
