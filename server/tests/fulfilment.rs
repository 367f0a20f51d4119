//! Fulfilment through the HTTP API as warehouse and customer-service staff work: partial
//! shipments that move exactly their stock, backorders allocated by themselves when stock
//! arrives (higher tier first), counts below reservations refused with the way forward,
//! releases back to where an order was held, illegal moves explained, the order list's
//! filters, the pick list, and the shop's devices seeing every shipment.

#[path = "support/http_device.rs"]
mod http_device;

use domain::order::RequestId;
use http_device::{Device, TestServer, call, run_job, spawn_server, token, with_store};
use reqwest::Method;
use serde_json::{Value, json};

/// `on_hand` of `sku` in `warehouse` (a count), and nothing anywhere else.
async fn set_only_stock(
    server: &TestServer,
    admin: &str,
    sku: &str,
    warehouse: &str,
    on_hand: u32,
) {
    for (place, quantity) in [("wh-east", 0), ("wh-north", 0), (warehouse, on_hand)] {
        let (status, body) = call(
            server,
            admin,
            Method::PUT,
            &format!("/api/admin/stock/{place}/{sku}"),
            Some(json!({ "on_hand": quantity, "safety": 0 })),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
}

async fn level(server: &TestServer, token: &str, warehouse: &str, sku: &str) -> (u64, u64) {
    let (status, levels) = call(
        server,
        token,
        Method::GET,
        &format!("/api/admin/stock/{sku}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let level = levels
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["warehouse"] == warehouse)
        .unwrap();
    (
        level["on_hand"].as_u64().unwrap(),
        level["reserved"].as_u64().unwrap(),
    )
}

async fn detail(server: &TestServer, token: &str, number: &str) -> Value {
    let (status, body) = call(
        server,
        token,
        Method::GET,
        &format!("/api/admin/orders/{number}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn number_of(phone: &Device, id: &RequestId) -> String {
    phone.sync.confirmations_of(&phone.shop)[id].number.clone()
}

#[tokio::test]
async fn thirty_six_ordered_twelve_in_stock_ship_twelve_then_the_rest_when_stock_arrives() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cang = token(&server, "cang", "cang123").await;
    set_only_stock(&server, &admin, "BEV-0002", "wh-east", 12).await;

    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let id = phone.place_order(&[("BEV-0002", 36)], 1);
    assert!(phone.sync_now().await.is_empty());
    let number = number_of(&phone, &id);
    let order = detail(&server, &cang, &number).await;
    assert_eq!(order["order"]["state"], "confirmed");
    assert_eq!(order["order"]["backordered"]["BEV-0002"], 24);
    assert_eq!(order["shippable"]["wh-east"]["BEV-0002"], 12);
    assert_eq!(level(&server, &cang, "wh-east", "BEV-0002").await, (12, 12));

    // The pick list of wh-east has the 12 reserved units, at their bin.
    let (status, pick) = call(
        &server,
        &cang,
        Method::GET,
        "/api/admin/pick-list?warehouse=wh-east",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let row = pick["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku"] == "BEV-0002")
        .unwrap();
    assert_eq!(row["total"], 12);
    assert!(!row["location"].as_str().unwrap().is_empty());
    assert_eq!(row["orders"][0][0], number);
    let (status, _) = call(
        &server,
        &cang,
        Method::GET,
        "/api/admin/pick-list?warehouse=wh-nowhere",
        None,
    )
    .await;
    assert_eq!(status, 404);

    // More than is reserved cannot leave; nor without a carrier.
    let ship = |lines: Value, carrier: &str| json!({ "warehouse": "wh-east", "carrier": carrier, "tracking": "SF100", "lines": lines });
    let path = format!("/api/orders/{number}/shipments");
    let (status, body) = call(
        &server,
        &cang,
        Method::POST,
        &path,
        Some(ship(json!({"BEV-0002": 13}), "顺丰")),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["detail"]["reason"], "not_reserved");
    let (status, body) = call(
        &server,
        &cang,
        Method::POST,
        &path,
        Some(ship(json!({"BEV-0002": 12}), " ")),
    )
    .await;
    assert_eq!(
        (status, body["detail"]["reason"].as_str()),
        (409, Some("no_carrier"))
    );
    let (status, body) = call(
        &server,
        &admin,
        Method::POST,
        &path,
        Some(ship(json!({"BEV-0002": 12}), "顺丰")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["order"]["state"], "partially_shipped");
    assert_eq!(body["shipment"]["number"], format!("{number}-1"));
    assert_eq!(level(&server, &cang, "wh-east", "BEV-0002").await, (0, 0));
    // The first box arrives at the shop: the order is still partly shipped.
    let arrived = |n: u32| format!("/api/orders/{number}/shipments/{n}/deliver");
    // A shipment the order does not have, even one past any integer, is refused cleanly.
    let (status, body) = call(
        &server,
        &cang,
        Method::POST,
        &format!("/api/orders/{number}/shipments/99999999999999999999999/deliver"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["detail"]["reason"].as_str()),
        (409, Some("unknown_shipment")),
        "{body}"
    );
    let (status, body) = call(&server, &cang, Method::POST, &arrived(1), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "partially_shipped");
    assert!(body["shipments"][0]["delivered_ms"].is_i64());
    assert_eq!(
        call(&server, &cang, Method::POST, &arrived(1), None)
            .await
            .0,
        409
    );
    assert_eq!(
        call(&server, &cang, Method::POST, &arrived(7), None)
            .await
            .0,
        409
    );

    // Stock arrives: the backorder is allocated by itself.
    let (status, body) = call(
        &server,
        &cang,
        Method::POST,
        "/api/admin/stock/wh-east/BEV-0002/receive",
        Some(json!({ "quantity": 60, "reference": "PO-7" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["allocated"], json!([number]));
    assert_eq!(level(&server, &cang, "wh-east", "BEV-0002").await, (60, 24));
    let order = detail(&server, &cang, &number).await;
    assert_eq!(order["order"]["state"], "partially_shipped");
    assert!(order["order"].get("backordered").is_none());
    let (status, body) = call(
        &server,
        &cang,
        Method::POST,
        &path,
        Some(ship(json!({"BEV-0002": 24}), "顺丰")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["order"]["state"], "shipped");
    assert_eq!(level(&server, &cang, "wh-east", "BEV-0002").await, (36, 0));
    let (status, body) = call(&server, &cang, Method::POST, &arrived(2), None).await;
    assert_eq!((status, body["state"].as_str()), (200, Some("delivered")));

    // Every movement is recorded.
    let (_, moves) = call(
        &server,
        &cang,
        Method::GET,
        "/api/admin/stock/wh-east/BEV-0002/moves",
        None,
    )
    .await;
    let kinds: Vec<(&str, i64)> = moves
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["kind"].as_str().unwrap(), m["delta"].as_i64().unwrap()))
        .collect();
    assert_eq!(kinds[..3], [("ship", -24), ("receive", 60), ("ship", -12)]);
    assert_eq!(moves[1]["reference"], "PO-7");
    assert_eq!(moves[2]["reference"], format!("{number}-1"));
    // A page of two, then the rest after the last one's id: the same movements.
    let base = "/api/admin/stock/wh-east/BEV-0002/moves";
    let (_, first) = call(
        &server,
        &cang,
        Method::GET,
        &format!("{base}?limit=2"),
        None,
    )
    .await;
    assert_eq!(
        first.as_array().unwrap()[..],
        moves.as_array().unwrap()[..2]
    );
    let last = first[1]["id"].as_i64().unwrap();
    let (_, rest) = call(
        &server,
        &cang,
        Method::GET,
        &format!("{base}?before={last}"),
        None,
    )
    .await;
    assert_eq!(rest.as_array().unwrap()[..], moves.as_array().unwrap()[2..]);

    // The shop's phone sees both shipments with their tracking numbers, both arrived.
    assert!(phone.sync_now().await.is_empty());
    let seen = &phone.sync.confirmations_of(&phone.shop)[&id];
    assert_eq!(seen.shipments.len(), 2);
    assert_eq!(seen.shipments[1].tracking, "SF100");
    assert!(seen.shipments.iter().all(|s| s.delivered_ms.is_some()));
    assert_eq!(format!("{:?}", seen.state), "Delivered");
}

#[tokio::test]
async fn arriving_stock_goes_to_the_higher_tier_first() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    set_only_stock(&server, &admin, "BEV-0003", "wh-east", 0).await;
    let mut peach = Device::new(&server, "peach", "peach123").await;
    let mut lotus = Device::new(&server, "lotus", "lotus123").await;
    assert!(peach.sync_now().await.is_empty());
    assert!(lotus.sync_now().await.is_empty());
    // Bronze orders first, gold later; 12 units arrive for 24 wanted.
    let bronze = peach.place_order(&[("BEV-0003", 12)], 1);
    assert!(peach.sync_now().await.is_empty());
    let gold = lotus.place_order(&[("BEV-0003", 12)], 2);
    assert!(lotus.sync_now().await.is_empty());
    let (bronze, gold) = (number_of(&peach, &bronze), number_of(&lotus, &gold));
    assert_eq!(
        detail(&server, &admin, &gold).await["order"]["state"],
        "backordered"
    );
    let (status, body) = call(
        &server,
        &admin,
        Method::POST,
        "/api/admin/stock/wh-east/BEV-0003/receive",
        Some(json!({ "quantity": 12 })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["allocated"], json!([gold]));
    assert_eq!(
        detail(&server, &admin, &gold).await["order"]["state"],
        "allocated"
    );
    assert_eq!(
        detail(&server, &admin, &bronze).await["order"]["state"],
        "backordered"
    );

    // An unknown warehouse is 404, a zero receipt 400, and neither changes anything.
    let (status, _) = call(
        &server,
        &admin,
        Method::POST,
        "/api/admin/stock/wh-nowhere/BEV-0003/receive",
        Some(json!({ "quantity": 5 })),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &server,
        &admin,
        Method::POST,
        "/api/admin/stock/wh-east/BEV-0003/receive",
        Some(json!({ "quantity": 0 })),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        level(&server, &admin, "wh-east", "BEV-0003").await,
        (12, 12)
    );
}

#[tokio::test]
async fn counts_below_reservations_are_refused_and_held_orders_return_to_where_they_were() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cai = token(&server, "cai", "cai123").await;
    let cang = token(&server, "cang", "cang123").await;
    set_only_stock(&server, &admin, "BEV-0004", "wh-east", 48).await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let id = phone.place_order(&[("BEV-0004", 24)], 1);
    assert!(phone.sync_now().await.is_empty());
    let number = number_of(&phone, &id);

    let (status, body) = call(
        &server,
        &cang,
        Method::PUT,
        "/api/admin/stock/wh-east/BEV-0004",
        Some(json!({ "on_hand": 10 })),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["detail"]["reason"], "below_reserved");
    assert_eq!(body["detail"]["reserved"], 24);
    assert_eq!(body["detail"]["orders"], json!([[number, 24]]));
    assert_eq!(level(&server, &cang, "wh-east", "BEV-0004").await, (48, 24));
    let (status, _) = call(
        &server,
        &cang,
        Method::PUT,
        "/api/admin/stock/wh-nowhere/BEV-0004",
        Some(json!({ "on_hand": 10 })),
    )
    .await;
    assert_eq!(status, 404);

    // Allocated, held, released: allocated again, with its stock still reserved.
    let event = |event: &str| json!({ "event": event, "reason": "客户来电" });
    let path = format!("/api/orders/{number}/events");
    assert_eq!(
        call(&server, &cang, Method::POST, &path, Some(event("allocate")))
            .await
            .0,
        200
    );
    assert_eq!(
        call(&server, &cai, Method::POST, &path, Some(event("hold")))
            .await
            .0,
        200
    );
    let (status, body) = call(
        &server,
        &cang,
        Method::POST,
        &path,
        Some(event("start_picking")),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"], "illegal_transition");
    assert_eq!(body["detail"]["possible"], json!(["release", "cancel"]));
    let (status, body) = call(&server, &cai, Method::POST, &path, Some(event("release"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["state"], "allocated");
    assert_eq!(level(&server, &cang, "wh-east", "BEV-0004").await, (48, 24));
    // Cancelled before picking: the reservation is released once.
    assert_eq!(
        call(&server, &cai, Method::POST, &path, Some(event("cancel")))
            .await
            .0,
        200
    );
    assert_eq!(
        call(&server, &cai, Method::POST, &path, Some(event("cancel")))
            .await
            .0,
        409
    );
    assert_eq!(level(&server, &cang, "wh-east", "BEV-0004").await, (48, 0));
    let history = detail(&server, &cang, &number).await["order"]["history"].clone();
    let trail: Vec<(&str, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["state"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        trail,
        [
            ("confirmed", "server"),
            ("allocated", "cang"),
            ("on_hold", "cai"),
            ("allocated", "cai"),
            ("cancelled", "cai")
        ]
    );
}

#[tokio::test]
async fn the_order_list_filters_by_state_shop_manager_warehouse_channel_date_and_number() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let mut lotus = Device::new(&server, "lotus", "lotus123").await;
    let mut bamboo = Device::new(&server, "bamboo", "bamboo123").await;
    assert!(lotus.sync_now().await.is_empty());
    assert!(bamboo.sync_now().await.is_empty());
    let first = lotus.place_order(&[("BEV-0001", 12)], 1);
    let second = lotus.place_order(&[("BEV-0001", 12)], 2);
    assert!(lotus.sync_now().await.is_empty());
    let third = bamboo.place_order(&[("BEV-0002", 12)], 3);
    assert!(bamboo.sync_now().await.is_empty());
    let (first, second) = (number_of(&lotus, &first), number_of(&lotus, &second));
    let third = number_of(&bamboo, &third);
    let cancel = json!({ "event": "cancel", "reason": "" });
    assert_eq!(
        call(
            &server,
            &admin,
            Method::POST,
            &format!("/api/orders/{second}/events"),
            Some(cancel)
        )
        .await
        .0,
        200
    );

    let list = async |query: &str| -> Vec<String> {
        let (status, page) = call(
            &server,
            &admin,
            Method::GET,
            &format!("/api/orders?{query}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{query}: {page}");
        page["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["number"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        list("").await,
        [third.clone(), second.clone(), first.clone()]
    );
    assert_eq!(list("state=cancelled").await, std::slice::from_ref(&second));
    assert_eq!(
        list("state=confirmed,cancelled&shop=shop-lotus").await,
        [second.clone(), first.clone()]
    );
    assert_eq!(
        list("warehouse=wh-north").await,
        std::slice::from_ref(&third)
    );
    assert_eq!(
        list("warehouse=wh-east").await,
        [second.clone(), first.clone()]
    );
    assert_eq!(list("channel=storefront").await.len(), 3);
    assert!(list("channel=import").await.is_empty());
    let digits = first.trim_start_matches("DH-").trim_start_matches('0');
    assert_eq!(
        list(&format!("number={digits}")).await,
        std::slice::from_ref(&first)
    );
    assert_eq!(
        list(&format!("number={}", first.to_lowercase())).await,
        std::slice::from_ref(&first)
    );
    assert!(
        list("from=4102444800000").await.is_empty(),
        "nothing after 2100"
    );
    assert_eq!(
        list("to=4102444800000&limit=2").await,
        [third.clone(), second.clone()]
    );
    let (status, page) = call(&server, &admin, Method::GET, "/api/orders?limit=2", None).await;
    assert_eq!(status, 200);
    let before = page["next_before"].as_i64().unwrap();
    assert_eq!(
        list(&format!("before={before}")).await,
        std::slice::from_ref(&first)
    );
    // `wang` manages lotus and bamboo, not peach.
    let mut peach = Device::new(&server, "peach", "peach123").await;
    assert!(peach.sync_now().await.is_empty());
    let fourth = peach.place_order(&[("BEV-0001", 12)], 4);
    assert!(peach.sync_now().await.is_empty());
    let fourth = number_of(&peach, &fourth);
    assert_eq!(list("").await.len(), 4);
    assert_eq!(
        list("manager=wang").await,
        [third.clone(), second.clone(), first.clone()]
    );
    assert!(list("manager=nobody").await.is_empty());
    assert_eq!(list("shop=shop-peach").await, [fourth]);
    let (status, body) = call(&server, &admin, Method::GET, "/api/orders?state=lost", None).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_state")));

    // A shop sees its own orders only, whatever it asks for.
    let (status, page) = call(
        &server,
        &lotus.token,
        Method::GET,
        "/api/orders?shop=shop-bamboo",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(page["orders"].as_array().unwrap().is_empty());
    assert_eq!(
        call(
            &server,
            &lotus.token,
            Method::GET,
            &format!("/api/admin/orders/{first}"),
            None
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(
            &server,
            &admin,
            Method::GET,
            "/api/admin/orders/DH-999999",
            None
        )
        .await
        .0,
        404
    );
}

/// Writes a request to cancel `order` on the phone (as its storefront does, offline too).
fn cancel_on_phone(phone: &mut Device, order: &RequestId, id_byte: u8, reason: &str) {
    let cancel = domain::order::CancelRequest {
        id: RequestId::from_random_bytes([id_byte; 16]),
        shop: phone.shop.clone(),
        cancels: order.clone(),
        placed_at_ms: 1,
        placed_by: "lotus".into(),
        reason: reason.into(),
    };
    let volume = phone.sync.writable_volume(&phone.shop).unwrap();
    docs::schema::order_requests_doc::add_cancel(phone.doc_mut(volume), &cancel).unwrap();
}

#[tokio::test]
async fn a_shop_cancels_before_picking_once_and_asks_after() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cang = token(&server, "cang", "cang123").await;
    set_only_stock(&server, &admin, "BEV-0005", "wh-east", 48).await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    let mut other = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let early = phone.place_order(&[("BEV-0005", 12)], 1);
    let late = phone.place_order(&[("BEV-0005", 24)], 2);
    assert!(phone.sync_now().await.is_empty());
    assert_eq!(level(&server, &cang, "wh-east", "BEV-0005").await, (48, 36));
    let late_number = number_of(&phone, &late);
    let path = format!("/api/orders/{late_number}/events");
    for step in ["allocate", "start_picking"] {
        let (status, _) = call(
            &server,
            &cang,
            Method::POST,
            &path,
            Some(json!({ "event": step })),
        )
        .await;
        assert_eq!(status, 200, "{step}");
    }

    // Offline, the shop asks to cancel both; the sync applies each once.
    cancel_on_phone(&mut phone, &early, 11, "买多了");
    cancel_on_phone(&mut phone, &late, 12, "不要了");
    assert!(phone.sync_now().await.is_empty());
    let seen = phone.sync.confirmations_of(&phone.shop);
    assert_eq!(format!("{:?}", seen[&early].state), "Cancelled");
    assert_eq!(seen[&early].history.last().unwrap().actor, "lotus");
    assert_eq!(format!("{:?}", seen[&late].state), "Picking");
    assert!(
        seen[&late]
            .history
            .last()
            .unwrap()
            .reason
            .contains("不要了")
    );
    assert_eq!(level(&server, &cang, "wh-east", "BEV-0005").await, (48, 24));

    // Another device of the shop brings the same requests again: nothing more happens.
    assert!(other.sync_now().await.is_empty());
    assert!(phone.sync_now().await.is_empty());
    assert_eq!(level(&server, &cang, "wh-east", "BEV-0005").await, (48, 24));
    let early_history =
        &detail(&server, &cang, &number_of(&phone, &early)).await["order"]["history"];
    assert_eq!(
        early_history.as_array().unwrap().len(),
        2,
        "{early_history}"
    );

    // Staff decide on the late one: customer service cancels it while picking.
    let cai = token(&server, "cai", "cai123").await;
    let (status, body) = call(
        &server,
        &cai,
        Method::POST,
        &path,
        Some(json!({ "event": "cancel", "reason": "门店要求" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(level(&server, &cang, "wh-east", "BEV-0005").await, (48, 0));

    // A cancel naming another shop's order changes nothing.
    let mut bamboo = Device::new(&server, "bamboo", "bamboo123").await;
    assert!(bamboo.sync_now().await.is_empty());
    let theirs = bamboo.place_order(&[("BEV-0005", 12)], 3);
    assert!(bamboo.sync_now().await.is_empty());
    cancel_on_phone(&mut phone, &theirs, 13, "");
    assert!(phone.sync_now().await.is_empty());
    assert!(bamboo.sync_now().await.is_empty());
    let theirs_seen = bamboo.sync.confirmations_of(&bamboo.shop);
    assert_ne!(format!("{:?}", theirs_seen[&theirs].state), "Cancelled");
}

#[tokio::test]
async fn carriers_are_kept_by_admins_and_their_rules_price_a_shipment() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cang = token(&server, "cang", "cang123").await;
    let rule = json!({
        "id": "kuaidi", "name": "快递甲", "regions": [], "max_weight_grams": null,
        "base_fee": { "amount": "10.00", "currency": "CNY" },
        "per_kg": { "amount": "3.00", "currency": "CNY" }, "active": true
    });
    let path = "/api/admin/carriers/kuaidi";
    assert_eq!(
        call(&server, &cang, Method::PUT, path, Some(rule.clone()))
            .await
            .0,
        403
    );
    let mut bad = rule.clone();
    bad["base_fee"]["amount"] = json!("-1.00");
    let (status, body) = call(&server, &admin, Method::PUT, path, Some(bad)).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("base_fee")));
    let (status, body) = call(&server, &admin, Method::PUT, path, Some(rule)).await;
    assert_eq!(status, 200, "{body}");
    let (_, options) = call(
        &server,
        &cang,
        Method::GET,
        "/api/admin/fulfilment-options",
        None,
    )
    .await;
    let ids: Vec<&str> = options["carrier_rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["east-van", "freight", "kuaidi", "sf"]);

    // A shipment by a carrier with a rule is charged by it: 10 for the first kilogram,
    // 3 for each one started after it.
    set_only_stock(&server, &admin, "BEV-0006", "wh-east", 24).await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let id = phone.place_order(&[("BEV-0006", 24)], 1);
    assert!(phone.sync_now().await.is_empty());
    let number = number_of(&phone, &id);
    let order = detail(&server, &cang, &number).await;
    let grams = order["weights"]["BEV-0006"].as_u64().unwrap() * 24;
    assert_eq!(order["region"], "east");
    let ship = json!({ "warehouse": "wh-east", "carrier": "快递甲", "lines": { "BEV-0006": 24 } });
    let (status, body) = call(
        &server,
        &cang,
        Method::POST,
        &format!("/api/orders/{number}/shipments"),
        Some(ship),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let extra = grams.div_ceil(1000).max(1) - 1;
    let fee: rust_decimal::Decimal = body["shipment"]["fee"]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(fee, rust_decimal::Decimal::from(10 + 3 * extra), "{body}");

    let (status, _) = call(&server, &admin, Method::DELETE, path, None).await;
    assert_eq!(status, 204);
    assert_eq!(
        call(&server, &admin, Method::DELETE, path, None).await.0,
        404
    );
}

#[tokio::test]
async fn a_shops_orders_go_in_one_parcel_with_one_fee_and_arrive_together() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cang = token(&server, "cang", "cang123").await;
    let cai = token(&server, "cai", "cai123").await;
    let rule = json!({
        "id": "kuaidi", "name": "快递甲", "regions": [], "max_weight_grams": null,
        "base_fee": { "amount": "10.00", "currency": "CNY" },
        "per_kg": { "amount": "3.00", "currency": "CNY" }, "active": true
    });
    let (status, body) = call(
        &server,
        &admin,
        Method::PUT,
        "/api/admin/carriers/kuaidi",
        Some(rule),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    set_only_stock(&server, &admin, "BEV-0006", "wh-east", 60).await;
    let mut lotus = Device::new(&server, "lotus", "lotus123").await;
    let mut bamboo = Device::new(&server, "bamboo", "bamboo123").await;
    assert!(lotus.sync_now().await.is_empty());
    assert!(bamboo.sync_now().await.is_empty());
    let first = lotus.place_order(&[("BEV-0006", 24)], 1);
    let second = lotus.place_order(&[("BEV-0006", 12)], 2);
    let theirs = bamboo.place_order(&[("BEV-0006", 12)], 3);
    assert!(lotus.sync_now().await.is_empty());
    assert!(bamboo.sync_now().await.is_empty());
    let (a, b) = (number_of(&lotus, &first), number_of(&lotus, &second));
    let c = number_of(&bamboo, &theirs);
    assert_eq!(
        level(&server, &admin, "wh-east", "BEV-0006").await,
        (60, 48)
    );

    // The order page offers the shop's other order, not another shop's.
    let page = detail(&server, &cang, &a).await;
    let offered: Vec<&str> = page["mergeable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["number"].as_str().unwrap())
        .collect();
    assert_eq!(offered, [b.as_str()]);
    assert_eq!(page["mergeable"][0]["shippable"]["wh-east"]["BEV-0006"], 12);

    let parcel = |orders: Value| json!({ "warehouse": "wh-east", "carrier": "快递甲", "tracking": "YT100", "orders": orders });
    let post = |token: String, body: Value| {
        let server = &server;
        async move {
            call(
                server,
                &token,
                Method::POST,
                "/api/admin/parcels",
                Some(body),
            )
            .await
        }
    };
    // Customer service may not ship; one parcel goes to one shop; a line over what is
    // left refuses the whole parcel, naming the order; nothing changes.
    let both = json!([{ "order": a, "lines": { "BEV-0006": 24 } }, { "order": b, "lines": { "BEV-0006": 12 } }]);
    assert_eq!(post(cai.clone(), parcel(both.clone())).await.0, 403);
    let (status, body) = post(
        cang.clone(),
        parcel(json!([{ "order": a, "lines": { "BEV-0006": 24 } }, { "order": c, "lines": { "BEV-0006": 12 } }])),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("different_shops")),
        "{body}"
    );
    let (status, body) = post(
        cang.clone(),
        parcel(json!([{ "order": a, "lines": { "BEV-0006": 24 } }, { "order": b, "lines": { "BEV-0006": 13 } }])),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["detail"]["order"], b.as_str(), "{body}");
    assert!(body["message"].as_str().unwrap().starts_with(&b), "{body}");
    let (status, body) = post(
        cang.clone(),
        parcel(json!([{ "order": a, "lines": { "BEV-0006": 1 } }, { "order": a, "lines": { "BEV-0006": 1 } }])),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("orders")),
        "{body}"
    );
    assert_eq!(
        level(&server, &admin, "wh-east", "BEV-0006").await,
        (60, 48)
    );
    assert!(
        detail(&server, &cang, &a).await["order"]["shipments"]
            .as_array()
            .is_none_or(|s| s.is_empty())
    );

    // One parcel: one tracking number, the rule's fee for the whole weight, shared by
    // weight (24:12), each shipment naming the other.
    let (status, body) = post(cang.clone(), parcel(both)).await;
    assert_eq!(status, 200, "{body}");
    let grams = page["weights"]["BEV-0006"].as_u64().unwrap() * 36;
    let whole = rust_decimal::Decimal::from(10 + 3 * (grams.div_ceil(1000).max(1) - 1));
    let amount =
        |v: &Value| -> rust_decimal::Decimal { v["amount"].as_str().unwrap().parse().unwrap() };
    assert_eq!(amount(&body["fee"]), whole, "{body}");
    let shipped = body["shipped"].as_array().unwrap();
    let shares: Vec<rust_decimal::Decimal> = shipped
        .iter()
        .map(|s| amount(&s["shipment"]["fee"]))
        .collect();
    assert_eq!(shares[0] + shares[1], whole);
    assert!(shares[0] > shares[1], "{shares:?}");
    assert_eq!(shipped[0]["shipment"]["number"], format!("{a}-1"));
    assert_eq!(
        shipped[0]["shipment"]["shipped_with"],
        json!([format!("{b}-1")])
    );
    assert_eq!(
        shipped[1]["shipment"]["shipped_with"],
        json!([format!("{a}-1")])
    );
    assert_eq!(shipped[1]["shipment"]["tracking"], "YT100");
    assert_eq!(shipped[0]["order"]["state"], "shipped");
    assert_eq!(
        level(&server, &admin, "wh-east", "BEV-0006").await,
        (24, 12)
    );

    // The shop's phone sees both shipments in one parcel.
    assert!(lotus.sync_now().await.is_empty());
    let seen = lotus.sync.confirmations_of(&lotus.shop);
    assert_eq!(
        seen[&second].shipments[0].shipped_with,
        vec![format!("{a}-1")]
    );

    // The parcel arrives: both orders are delivered by one step.
    let (status, body) = call(
        &server,
        &cang,
        Method::POST,
        &format!("/api/orders/{b}/shipments/1/deliver"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("delivered")),
        "{body}"
    );
    assert_eq!(
        detail(&server, &cang, &a).await["order"]["state"],
        "delivered"
    );
    assert!(
        detail(&server, &cang, &c).await["order"]["shipments"]
            .as_array()
            .is_none_or(|s| s.is_empty())
    );
}

/// The bullwhip guard: in a shortage, an order far above what the shop usually takes
/// each week is flagged for staff and its account manager; a usual one is not.
#[tokio::test]
async fn a_panic_order_in_a_shortage_is_flagged_and_a_usual_one_is_not() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cai = token(&server, "cai", "cai123").await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    phone.sync_now().await;
    // Six weeks of 12 a week, and 10 left after them: short.
    set_only_stock(&server, &admin, "BEV-0002", "wh-east", 72 + 10).await;
    let past: Vec<RequestId> = (0..6)
        .map(|n| phone.place_order(&[("BEV-0002", 12)], 0x60 + n))
        .collect();
    assert!(phone.sync_now().await.is_empty());
    let weeks: Vec<(String, i64)> = past
        .iter()
        .zip(1_i64..)
        .map(|(id, weeks)| (id.as_str().to_owned(), weeks))
        .collect();
    with_store(&server, move |tx| {
        for (id, weeks) in &weeks {
            tx.execute(
                "UPDATE order_lines SET received_ms = received_ms - ?2 WHERE request_id = ?1",
                server::params![id.as_str(), *weeks * 7 * 24 * 60 * 60 * 1000],
            )?;
        }
        Ok(())
    })
    .await;
    let usual = phone.place_order(&[("BEV-0002", 24)], 0x70);
    let panic = phone.place_order(&[("BEV-0002", 240)], 0x71);
    assert!(phone.sync_now().await.is_empty());
    let number = |id: &RequestId| phone.sync.confirmations_of(&phone.shop)[id].number.clone();
    let (usual, panic) = (number(&usual), number(&panic));

    let (status, flags) = call(
        &server,
        &cai,
        Method::GET,
        "/api/reports/large-orders",
        None,
    )
    .await;
    assert_eq!(status, 200, "{flags}");
    let flags = flags.as_array().unwrap().clone();
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0]["number"], panic.as_str());
    assert_eq!(flags[0]["sku"], "BEV-0002");
    assert_eq!(flags[0]["ordered"], 240);
    // About 12 a week, smoothed (the last seven days had none).
    let weekly: f64 = flags[0]["weekly"].as_str().unwrap().parse().unwrap();
    assert!((5.0..=12.0).contains(&weekly), "{weekly}");
    // On the order's page and the home page; its account manager sees it; a shop cannot.
    let (_, detail) = call(
        &server,
        &cai,
        Method::GET,
        &format!("/api/admin/orders/{panic}"),
        None,
    )
    .await;
    // The usual order took the last 10: all of it waits.
    assert_eq!(detail["large"][0]["backordered"], 240, "{detail}");
    let (_, quiet) = call(
        &server,
        &cai,
        Method::GET,
        &format!("/api/admin/orders/{usual}"),
        None,
    )
    .await;
    assert_eq!(quiet["large"], json!([]));
    let (_, board) = call(&server, &cai, Method::GET, "/api/admin/dashboard", None).await;
    assert_eq!(board["large_orders"][0]["number"], panic.as_str());
    let wang = token(&server, "wang", "wang123").await;
    let (status, his) = call(
        &server,
        &wang,
        Method::GET,
        "/api/reports/large-orders",
        None,
    )
    .await;
    assert_eq!((status, his.as_array().map(Vec::len)), (200, Some(1)));
    let lotus = token(&server, "lotus", "lotus123").await;
    let (status, _) = call(
        &server,
        &lotus,
        Method::GET,
        "/api/reports/large-orders",
        None,
    )
    .await;
    assert_eq!(status, 403);

    // Looked at once; then nothing waits.
    let handled = format!("/api/admin/orders/{panic}/large/handled");
    let cang = token(&server, "cang", "cang123").await;
    let (status, _) = call(&server, &cang, Method::POST, &handled, None).await;
    assert_eq!(status, 403);
    let (status, body) = call(&server, &cai, Method::POST, &handled, None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(&server, &cai, Method::POST, &handled, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("no_open_flag"))
    );
    let (_, flags) = call(
        &server,
        &cai,
        Method::GET,
        "/api/reports/large-orders",
        None,
    )
    .await;
    assert_eq!(flags, json!([]));
}

/// Places on the phone an order of `lines` whose phone showed `showed` of the server's
/// amount due (`of`: a quote the server made for the same lines), as a phone with stale
/// prices would.
fn place_priced_lower(
    phone: &mut Device,
    lines: &[(&str, u32)],
    of: &domain::quote::Quote,
    showed_percent: i64,
    id_byte: u8,
) -> RequestId {
    let mut request = phone.build_request(lines, RequestId::from_random_bytes([id_byte; 16]));
    let mut quote = of.clone();
    let scaled = |money: domain::money::Money| {
        domain::money::Money::new(
            (money.amount() * rust_decimal::Decimal::from(showed_percent)
                / rust_decimal::Decimal::from(100))
            .round_dp(2),
            money.currency(),
        )
    };
    quote.total = scaled(quote.total);
    quote.amount_due = scaled(quote.amount_due);
    request.expected_quote = Some(quote);
    let volume = phone.sync.writable_volume(&phone.shop).unwrap();
    docs::schema::order_requests_doc::add_request(phone.doc_mut(volume), &request).unwrap();
    request.id
}

/// Writes the shop's OK to `order` on the phone (as its storefront does, offline too).
fn accept_on_phone(phone: &mut Device, order: &RequestId, id_byte: u8) {
    let accept = domain::order::AcceptRequest {
        id: RequestId::from_random_bytes([id_byte; 16]),
        shop: phone.shop.clone(),
        accepts: order.clone(),
        placed_at_ms: 1,
        placed_by: "lotus".into(),
    };
    let volume = phone.sync.writable_volume(&phone.shop).unwrap();
    docs::schema::order_requests_doc::add_accept(phone.doc_mut(volume), &accept).unwrap();
}

#[tokio::test]
async fn an_order_costing_more_than_the_phone_showed_waits_for_the_shops_ok_and_is_cancelled_unanswered()
 {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cang = token(&server, "cang", "cang123").await;
    set_only_stock(&server, &admin, "BEV-0005", "wh-east", 48).await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    // An order whose phone showed what the server asks: confirmed as it is.
    let probe = quote_of(&server, &mut phone).await;
    let plain = place_priced_lower(&mut phone, &[("BEV-0005", 12)], &probe, 100, 21);
    assert!(phone.sync_now().await.is_empty());
    let seen = phone.sync.confirmations_of(&phone.shop);
    assert_eq!(format!("{:?}", seen[&plain].state), "Confirmed");
    let quote = seen[&plain].quote.clone().unwrap();
    // 1 % less on the phone: within the demo's tolerance (2 %, ¥5), confirmed.
    let close = place_priced_lower(&mut phone, &[("BEV-0005", 12)], &quote, 99, 22);
    // 20 % less on the phone: held for the shop's OK, its stock reserved meanwhile.
    let dearer = place_priced_lower(&mut phone, &[("BEV-0005", 12)], &quote, 80, 23);
    let unanswered = place_priced_lower(&mut phone, &[("BEV-0005", 12)], &quote, 80, 24);
    assert!(phone.sync_now().await.is_empty());
    let seen = phone.sync.confirmations_of(&phone.shop);
    assert_eq!(format!("{:?}", seen[&close].state), "Confirmed");
    for held in [&dearer, &unanswered] {
        assert_eq!(format!("{:?}", seen[held].state), "OnHold");
        let until = seen[held]
            .awaiting_shop_until()
            .expect("waiting for the shop");
        assert!(until > 24 * 3_600_000, "{until}");
        let last = seen[held].history.last().unwrap();
        match &last.fact {
            Some(domain::order::HistoryFact::AwaitingShop {
                expected, total, ..
            }) => {
                assert_eq!(*total, quote.total);
                assert!(expected.amount() < total.amount(), "{expected} {total}");
            }
            other => panic!("{other:?}"),
        }
    }
    // On hand, reserved: all four orders hold their 12.
    assert_eq!(level(&server, &cang, "wh-east", "BEV-0005").await, (48, 48));

    // The shop accepts one (offline, then syncs); a second OK of it changes nothing.
    accept_on_phone(&mut phone, &dearer, 31);
    assert!(phone.sync_now().await.is_empty());
    accept_on_phone(&mut phone, &dearer, 32);
    assert!(phone.sync_now().await.is_empty());
    let seen = phone.sync.confirmations_of(&phone.shop);
    assert_eq!(format!("{:?}", seen[&dearer].state), "Confirmed");
    assert_eq!(
        seen[&dearer].history.last().unwrap().fact,
        Some(domain::order::HistoryFact::ShopAccepted)
    );
    assert_eq!(seen[&dearer].history.last().unwrap().actor, "lotus");
    assert!(seen[&dearer].awaiting_shop_until().is_none());

    // The other is not answered: before its time nothing happens; after it, it is
    // cancelled and its stock goes back.
    let until = seen[&unanswered].awaiting_shop_until().unwrap();
    assert_eq!(run_job(&server, server::jobs::expire, until - 1).await, 0);
    assert_eq!(run_job(&server, server::jobs::expire, until + 1).await, 1);
    assert_eq!(run_job(&server, server::jobs::expire, until + 2).await, 0);
    assert!(phone.sync_now().await.is_empty());
    let seen = phone.sync.confirmations_of(&phone.shop);
    assert_eq!(format!("{:?}", seen[&unanswered].state), "Cancelled");
    assert_eq!(
        seen[&unanswered].history.last().unwrap().fact,
        Some(domain::order::HistoryFact::NotAnswered)
    );
    assert_eq!(level(&server, &cang, "wh-east", "BEV-0005").await, (48, 36));
    // An OK that arrives too late changes nothing.
    accept_on_phone(&mut phone, &unanswered, 33);
    assert!(phone.sync_now().await.is_empty());
    let seen = phone.sync.confirmations_of(&phone.shop);
    assert_eq!(format!("{:?}", seen[&unanswered].state), "Cancelled");
}

/// The server's quote for 12 of BEV-0005 to the phone's shop: an order placed and
/// cancelled at once (its stock back).
async fn quote_of(server: &TestServer, phone: &mut Device) -> domain::quote::Quote {
    let probe = phone.place_order(&[("BEV-0005", 12)], 20);
    assert!(phone.sync_now().await.is_empty());
    let quote = phone.sync.confirmations_of(&phone.shop)[&probe]
        .quote
        .clone()
        .unwrap();
    cancel_on_phone(phone, &probe, 19, "");
    assert!(phone.sync_now().await.is_empty());
    let _ = server;
    quote
}

/// Places on the phone an order of `lines` that the phone priced as `showed` (an order of
/// the same lines the server confirmed), with prices it received at `prices_as_of_ms`,
/// placed now.
fn place_with_prices_of(
    phone: &mut Device,
    lines: &[(&str, u32)],
    showed: &domain::order::OrderConfirmation,
    prices_as_of_ms: Option<i64>,
    id_byte: u8,
) -> RequestId {
    let mut request = phone.build_request(lines, RequestId::from_random_bytes([id_byte; 16]));
    request.placed_at_ms = server::store::now_ms();
    request.prices_as_of_ms = prices_as_of_ms;
    request.expected = showed.priced.clone();
    request.expected_quote = showed.quote.clone();
    let volume = phone.sync.writable_volume(&phone.shop).unwrap();
    docs::schema::order_requests_doc::add_request(phone.doc_mut(volume), &request).unwrap();
    request.id
}

#[tokio::test]
async fn prices_a_phone_received_hold_for_its_orders_within_the_hold_at_the_lower_of_then_and_now()
{
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    set_only_stock(&server, &admin, "BEV-0005", "wh-east", 500).await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    // What 12 cost when the phone last received its prices.
    let probe = phone.place_order(&[("BEV-0005", 12)], 40);
    assert!(phone.sync_now().await.is_empty());
    let showed = phone.sync.confirmations_of(&phone.shop)[&probe].clone();
    let was = showed.priced.lines[0].unit_price;
    cancel_on_phone(&mut phone, &probe, 41, "");
    assert!(phone.sync_now().await.is_empty());
    let as_of = server::store::now_ms();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let shop = phone.shop.clone();
    let set_price = |price: rust_decimal::Decimal| {
        let (server, admin, shop) = (&server, &admin, &shop);
        async move {
            let (status, body) = call(
                server,
                admin,
                Method::PUT,
                &format!("/api/admin/shops/{shop}/prices/BEV-0005"),
                Some(json!({ "price": price.to_string() })),
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
    };
    // The distributor doubles the shop's price while the phone is offline.
    let dearer = (was.amount() * rust_decimal::Decimal::TWO).round_dp(2);
    set_price(dearer).await;
    // Ordered within the demo's 24 h hold of the prices the phone had: confirmed at them.
    let held = place_with_prices_of(&mut phone, &[("BEV-0005", 12)], &showed, Some(as_of), 42);
    // Prices received 25 hours before the order, or a phone that does not say when: the
    // price now, which costs far more than the phone showed, so the order waits for the OK.
    let stale = as_of - 25 * 3_600_000;
    let too_old = place_with_prices_of(&mut phone, &[("BEV-0005", 12)], &showed, Some(stale), 43);
    let unsaid = place_with_prices_of(&mut phone, &[("BEV-0005", 12)], &showed, None, 44);
    // A time after the order is no claim.
    let future = Some(server::store::now_ms() + 3_600_000);
    let ahead = place_with_prices_of(&mut phone, &[("BEV-0005", 12)], &showed, future, 45);
    assert!(phone.sync_now().await.is_empty());
    let seen = phone.sync.confirmations_of(&phone.shop);
    let order = &seen[&held];
    assert_eq!(format!("{:?}", order.state), "Confirmed");
    assert_eq!(order.priced.lines[0].unit_price, was);
    assert!(order.changes.is_empty(), "{:?}", order.changes);
    assert_eq!(
        order.quote.as_ref().unwrap().total,
        showed.quote.as_ref().unwrap().total
    );
    let (since, skus) = order.prices_held().expect("prices held");
    assert_eq!(since, as_of);
    assert_eq!(skus, [domain::sku::Sku::parse("BEV-0005").unwrap()]);
    for id in [&too_old, &unsaid, &ahead] {
        let order = &seen[id];
        assert_eq!(format!("{:?}", order.state), "OnHold");
        assert_eq!(order.priced.lines[0].unit_price.amount(), dearer);
        assert!(order.prices_held().is_none());
        assert!(order.awaiting_shop().is_some());
    }

    // Now cheaper than then: an order holding the old prices gets the lower one of now.
    let cheaper = (was.amount() / rust_decimal::Decimal::TWO).round_dp(2);
    set_price(cheaper).await;
    let lower = place_with_prices_of(&mut phone, &[("BEV-0005", 12)], &showed, Some(as_of), 46);
    assert!(phone.sync_now().await.is_empty());
    let order = &phone.sync.confirmations_of(&phone.shop)[&lower];
    assert_eq!(format!("{:?}", order.state), "Confirmed");
    assert_eq!(order.priced.lines[0].unit_price.amount(), cheaper);
    assert!(order.prices_held().is_none());

    // With the hold turned off, prices are the server's now, whatever the phone had.
    let (status, rules) = call(
        &server,
        &admin,
        Method::GET,
        "/api/admin/approval-rules",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let mut off = rules.clone();
    off["rules"]["price_hold_hours"] = json!(0);
    let (status, body) = call(
        &server,
        &admin,
        Method::PUT,
        "/api/admin/approval-rules",
        Some(off),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    set_price(dearer).await;
    let unheld = place_with_prices_of(&mut phone, &[("BEV-0005", 12)], &showed, Some(as_of), 47);
    assert!(phone.sync_now().await.is_empty());
    let order = &phone.sync.confirmations_of(&phone.shop)[&unheld];
    assert_eq!(order.priced.lines[0].unit_price.amount(), dearer);
    // A hold longer than the week of price history kept is refused.
    let mut long = rules;
    long["rules"]["price_hold_hours"] = json!(169);
    let (status, body) = call(
        &server,
        &admin,
        Method::PUT,
        "/api/admin/approval-rules",
        Some(long),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

/// The guard's history: a shop is judged from its first week of ordering a product, and
/// not at all with fewer than four weeks of it, however many orders it placed lately.
#[tokio::test]
async fn the_guard_reads_weekly_history_only_once_it_is_four_weeks_long() {
    use domain::sku::{ShopId, Sku};
    let server = spawn_server().await;
    let mut phone = Device::new(&server, "bamboo", "bamboo123").await;
    phone.sync_now().await;
    // Four orders of 12, 24, 36 and 48, moved back in time below.
    let placed: Vec<RequestId> = (0..4)
        .map(|n: u8| phone.place_order(&[("BEV-0002", 12 * (1 + u32::from(n)))], 0x90 + n))
        .collect();
    assert!(phone.sync_now().await.is_empty());
    let history = |ages: Vec<(String, i64)>| {
        let server = &server;
        async move {
            with_store(server, move |tx| {
                for (id, weeks) in &ages {
                    // Half a day on top, so that no line sits on a week's edge.
                    let back = *weeks * 7 * 24 * 60 * 60 * 1000 + 12 * 60 * 60 * 1000;
                    tx.execute(
                        "UPDATE order_lines SET received_ms = received_ms - ?2 WHERE request_id = ?1",
                        server::params![id.as_str(), back],
                    )?;
                }
                let now = tx.now_ms;
                let shop = ShopId::parse("shop-bamboo").unwrap();
                let sku = Sku::parse("BEV-0002").unwrap();
                Ok(server::store::large_orders::weekly_history(
                    tx,
                    &shop,
                    &sku,
                    (12, 4),
                    now,
                )?)
            })
            .await
        }
    };
    let ages = |weeks: [i64; 4]| -> Vec<(String, i64)> {
        placed
            .iter()
            .zip(weeks)
            .map(|(id, weeks)| (id.as_str().to_owned(), weeks))
            .collect()
    };
    // Three weeks of history (this week, one and two weeks ago): not judged.
    assert_eq!(history(ages([0, 1, 2, 2])).await, Vec::<u32>::new());
    // The last moved a further week back (three weeks old): four weeks, oldest first.
    assert_eq!(history(ages([0, 0, 0, 1])).await, vec![48, 36, 24, 12]);
}
