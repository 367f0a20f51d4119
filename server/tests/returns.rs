//! Returns through the real sync and HTTP API: a shop asks on its phone (offline, taken
//! in once), customer service approves part, the warehouse receives good and damaged
//! units (stock back, damaged written off), and the shop is refunded to its prepaid
//! balance, credited on its account, or sent a replacement order it sees on its phone.
//! Permissions, steps out of turn and returns of more than was shipped are refused.

#[path = "support/http_device.rs"]
mod http_device;

use domain::order::RequestId;
use domain::returns::{Remedy, ReturnLine, ReturnReason, ReturnRequest, ReturnState};
use http_device::{Device, TestServer, call, spawn_server, token};
use reqwest::Method;
use serde_json::{Value, json};

async fn set_only_stock(server: &TestServer, admin: &str, sku: &str, on_hand: u32) {
    for (place, quantity) in [("wh-north", 0), ("wh-east", on_hand)] {
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

async fn on_hand(server: &TestServer, token: &str, sku: &str) -> u64 {
    let (status, levels) = call(
        server,
        token,
        Method::GET,
        &format!("/api/admin/stock/{sku}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    levels
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["warehouse"] == "wh-east")
        .unwrap()["on_hand"]
        .as_u64()
        .unwrap()
}

async fn shop(server: &TestServer, admin: &str, id: &str) -> Value {
    let (status, body) = call(
        server,
        admin,
        Method::GET,
        &format!("/api/admin/shops/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Orders `quantity` of `sku` on `phone` and ships all of it from wh-east. Returns the
/// order's request id and number.
async fn ordered_and_shipped(
    server: &TestServer,
    phone: &mut Device,
    cang: &str,
    sku: &str,
    quantity: u32,
    id_byte: u8,
) -> (RequestId, String) {
    assert!(phone.sync_now().await.is_empty());
    let id = phone.place_order(&[(sku, quantity)], id_byte);
    assert!(phone.sync_now().await.is_empty());
    let number = phone.sync.confirmations_of(&phone.shop)[&id].number.clone();
    let (status, body) = call(
        server,
        cang,
        Method::POST,
        &format!("/api/orders/{number}/shipments"),
        Some(json!({ "warehouse": "wh-east", "carrier": "顺丰", "tracking": "SF9", "lines": { sku: quantity } })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (id, number)
}

/// Writes a return request on the phone, in the order's volume (as the storefront does).
fn return_on_phone(
    phone: &mut Device,
    order: &RequestId,
    id_byte: u8,
    lines: &[(&str, u32)],
    remedy: Remedy,
) -> RequestId {
    let request = ReturnRequest {
        id: RequestId::from_random_bytes([id_byte; 16]),
        shop: phone.shop.clone(),
        returns: order.clone(),
        lines: lines
            .iter()
            .map(|(sku, quantity)| ReturnLine {
                sku: domain::sku::Sku::parse(sku).unwrap(),
                quantity: *quantity,
                reason: ReturnReason::Damaged,
            })
            .collect(),
        remedy,
        note: "箱子压坏了".into(),
        placed_at_ms: 1,
        placed_by: "店主".into(),
    };
    let volume = phone.sync.volume_of(&phone.shop, order).unwrap();
    docs::schema::order_requests_doc::add_return(phone.doc_mut(volume), &request).unwrap();
    request.id
}

#[tokio::test]
async fn a_return_from_request_to_refund_on_the_prepaid_balance() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cang = token(&server, "cang", "cang123").await;
    let cai = token(&server, "cai", "cai123").await;
    set_only_stock(&server, &admin, "BEV-0007", 40).await;
    let mut phone = Device::new(&server, "peach", "peach123").await;
    let (order, number) = ordered_and_shipped(&server, &mut phone, &cang, "BEV-0007", 12, 1).await;
    assert_eq!(on_hand(&server, &cang, "BEV-0007").await, 28);
    let balance = |shop: &Value| {
        shop["profile"]["account"]["prepaid_balance"]["amount"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    let before = balance(&shop(&server, &admin, "shop-peach").await);

    // Offline, the shop asks to return 4; and then 9 more, when only 8 are left to return.
    let asked = return_on_phone(&mut phone, &order, 21, &[("BEV-0007", 4)], Remedy::Refund);
    let too_many = return_on_phone(&mut phone, &order, 22, &[("BEV-0007", 9)], Remedy::Refund);
    assert!(phone.sync_now().await.is_empty());
    let seen = &phone.sync.confirmations_of(&phone.shop)[&order];
    let record = |id: &RequestId| seen.returns.iter().find(|r| &r.id == id).unwrap().clone();
    assert_eq!(record(&asked).state, ReturnState::Requested);
    assert_eq!(record(&asked).number, format!("{number}-R1"));
    let declined = record(&too_many);
    assert_eq!(declined.state, ReturnState::Declined);
    assert!(declined.history.last().unwrap().note.contains("BEV-0007"));

    // Another device of the shop brings the same requests again: nothing more.
    let mut other = Device::new(&server, "peach", "peach123").await;
    assert!(other.sync_now().await.is_empty());
    assert!(phone.sync_now().await.is_empty());
    let (status, list) = call(
        &server,
        &cai,
        Method::GET,
        "/api/admin/returns?state=requested",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["number"], format!("{number}-R1"));
    assert_eq!(list[0]["order"], number);
    // Every return (the declined one too), a page of one at a time by the `before` cursor:
    // each once, in the order of the whole list.
    let (_, all) = call(&server, &cai, Method::GET, "/api/admin/returns", None).await;
    let numbers = |page: &Value| -> Vec<String> {
        page.as_array()
            .unwrap()
            .iter()
            .map(|r| r["number"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = numbers(&all);
    assert_eq!(all.len(), 2, "{all:?}");
    let (mut paged, mut path) = (Vec::new(), "/api/admin/returns?limit=1".to_owned());
    loop {
        let (status, page) = call(&server, &cai, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        let Some(last) = numbers(&page).pop() else {
            break;
        };
        paged.push(last.clone());
        path = format!("/api/admin/returns?limit=1&before={last}");
    }
    assert_eq!(paged, all);
    let (status, refused) = call(
        &server,
        &cai,
        Method::GET,
        "/api/admin/returns?before=NOPE-R9",
        None,
    )
    .await;
    assert_eq!(status, 404, "{refused}");
    assert_eq!(refused["error"], "unknown_return");
    assert_eq!(list[0]["units"], 4);
    let (_, board) = call(&server, &cai, Method::GET, "/api/admin/dashboard", None).await;
    assert_eq!(board["returns"]["requested"], 1, "{board}");

    let path = |step: &str| format!("/api/returns/{number}-R1/{step}");
    // The warehouse does not decide; customer service does not receive; nothing is
    // received before it is approved.
    let (status, _) = call(
        &server,
        &cang,
        Method::POST,
        &path("decision"),
        Some(json!({ "approve": true })),
    )
    .await;
    assert_eq!(status, 403);
    let receipt =
        json!({ "warehouse": "wh-east", "lines": { "BEV-0007": { "good": 2, "damaged": 1 } } });
    let (status, body) = call(
        &server,
        &cang,
        Method::POST,
        &path("receipt"),
        Some(receipt.clone()),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "illegal_transition");
    assert_eq!(body["detail"]["possible"], json!(["approve", "decline"]));

    // Customer service approves 3 of the 4.
    let (status, body) = call(
        &server,
        &cai,
        Method::POST,
        &path("decision"),
        Some(json!({ "approve": true, "quantities": { "BEV-0007": 3 }, "note": "一箱不在保内" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["return"]["state"], "approved");
    let (status, _) = call(
        &server,
        &cai,
        Method::POST,
        &path("receipt"),
        Some(receipt.clone()),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = call(
        &server,
        &cang,
        Method::POST,
        &path("receipt"),
        Some(
            json!({ "warehouse": "wh-east", "lines": { "BEV-0007": { "good": 3, "damaged": 1 } } }),
        ),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["detail"]["reason"], "more_than_approved");
    let (status, body) = call(
        &server,
        &cang,
        Method::POST,
        "/api/returns/DH-999999-R1/receipt",
        Some(receipt.clone()),
    )
    .await;
    assert_eq!(status, 404, "{body}");

    // Two good units back on hand, one damaged written off.
    let (status, body) = call(
        &server,
        &cang,
        Method::POST,
        &path("receipt"),
        Some(receipt),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["return"]["state"], "received");
    assert_eq!(on_hand(&server, &cang, "BEV-0007").await, 30);
    let value = body["return"]["amount"]["amount"]
        .as_str()
        .unwrap()
        .parse::<f64>()
        .unwrap();
    assert!(value > 0.0, "{body}");

    // Refunded to the prepaid balance: the value of the three units received.
    let (status, body) = call(
        &server,
        &cai,
        Method::POST,
        &path("settlement"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["return"]["state"], "refunded");
    let after = shop(&server, &admin, "shop-peach").await;
    assert!(
        (balance(&after) - before - value).abs() < 0.001,
        "{before} {value} {after}"
    );
    assert_eq!(after["entries"][0]["kind"], "prepaid");
    assert!(
        after["entries"][0]["reason"]
            .as_str()
            .unwrap()
            .contains(&number)
    );
    let (status, _) = call(
        &server,
        &cai,
        Method::POST,
        &path("settlement"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 409);

    // The shop follows every step on its phone, and sees its new balance.
    assert!(phone.sync_now().await.is_empty());
    let seen = &phone.sync.confirmations_of(&phone.shop)[&order];
    let done = seen.returns.iter().find(|r| r.id == asked).unwrap();
    assert_eq!(done.state, ReturnState::Refunded);
    assert_eq!(
        done.history.iter().map(|s| s.state).collect::<Vec<_>>(),
        [
            ReturnState::Requested,
            ReturnState::Approved,
            ReturnState::Received,
            ReturnState::Refunded
        ]
    );
    assert_eq!(done.lines[0].restocked, 2);
    assert_eq!(done.lines[0].written_off, 1);
}

#[tokio::test]
async fn customer_service_records_a_return_and_sends_a_replacement() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cang = token(&server, "cang", "cang123").await;
    let cai = token(&server, "cai", "cai123").await;
    set_only_stock(&server, &admin, "BEV-0008", 40).await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    let (_, number) = ordered_and_shipped(&server, &mut phone, &cang, "BEV-0008", 12, 2).await;

    // The shop called: customer service records the return. More than shipped is refused.
    let path = format!("/api/orders/{number}/returns");
    let line = |quantity: u32| json!({ "lines": [{ "sku": "BEV-0008", "quantity": quantity, "reason": "wrong_item" }], "remedy": "replace", "note": "发错口味" });
    let (status, body) = call(&server, &cai, Method::POST, &path, Some(line(13))).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["detail"]["reason"], "more_than_shipped");
    let (status, _) = call(&server, &cang, Method::POST, &path, Some(line(2))).await;
    assert_eq!(status, 403);
    let (status, body) = call(&server, &cai, Method::POST, &path, Some(line(2))).await;
    assert_eq!(status, 201, "{body}");
    let return_number = body["return"]["number"].as_str().unwrap().to_owned();
    let step = |s: &str| format!("/api/returns/{return_number}/{s}");
    let (status, _) = call(
        &server,
        &cai,
        Method::POST,
        &step("decision"),
        Some(json!({ "approve": true })),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &server,
        &cang,
        Method::POST,
        &step("receipt"),
        Some(json!({ "warehouse": "wh-east", "lines": { "BEV-0008": { "good": 2 } } })),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &server,
        &cai,
        Method::POST,
        &step("settlement"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["return"]["state"], "replaced");
    let replacement = body["replacement"].as_str().unwrap().to_owned();
    assert_eq!(body["return"]["replacement"], replacement);

    // The replacement is an order like any other, from its own channel, reserving stock.
    let (status, detail) = call(
        &server,
        &cai,
        Method::GET,
        &format!("/api/admin/orders/{replacement}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["channel"], "replacement");
    assert_eq!(detail["order"]["state"], "confirmed", "{detail}");
    assert_eq!(detail["order"]["priced"]["lines"][0]["quantity"], 2);
    assert_eq!(detail["order"]["priced"]["total"]["amount"], "0");
    assert_eq!(detail["order"]["allocations"][0]["quantity"], 2);
    // No money moves for a replacement: the entries are the shipment's invoice and the
    // points the order earned.
    let lotus = shop(&server, &admin, "shop-lotus").await;
    let kinds: Vec<&str> = lotus["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["invoice", "points"], "{lotus}");

    // Another return of the same order, settled as a credit on the account instead.
    let (status, body) = call(&server, &cai, Method::POST, &path, Some(line(1))).await;
    assert_eq!(status, 201, "{body}");
    let second = body["return"]["number"].as_str().unwrap().to_owned();
    let step2 = |s: &str| format!("/api/returns/{second}/{s}");
    let (status, _) = call(
        &server,
        &cai,
        Method::POST,
        &step2("decision"),
        Some(json!({ "approve": true })),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &server,
        &cang,
        Method::POST,
        &step2("receipt"),
        Some(json!({ "warehouse": "wh-east", "lines": { "BEV-0008": { "damaged": 1 } } })),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &server,
        &cai,
        Method::POST,
        &step2("settlement"),
        Some(json!({ "remedy": "credit" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["return"]["state"], "credited");
    let lotus = shop(&server, &admin, "shop-lotus").await;
    assert_eq!(lotus["entries"][0]["kind"], "credit");
    // The credit takes from what the shop owes: from the order's open invoice.
    let value = body["return"]["amount"]["amount"].as_str().unwrap();
    assert_eq!(lotus["entries"][0]["amount"], format!("-{value}"));
    let invoiced: rust_decimal::Decimal = lotus["entries"][1]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let open: rust_decimal::Decimal =
        lotus["profile"]["account"]["open_invoices"][0]["open"]["amount"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
    assert_eq!(
        open,
        invoiced - value.parse::<rust_decimal::Decimal>().unwrap()
    );

    // The shop's phone sees the replacement order and the settled return.
    assert!(phone.sync_now().await.is_empty());
    let seen = phone.sync.confirmations_of(&phone.shop);
    assert!(seen.values().any(|o| o.number == replacement));
    let original = seen.values().find(|o| o.number == number).unwrap();
    assert_eq!(original.returns[0].state, ReturnState::Replaced);
    assert!(
        phone
            .sync
            .requests_of(&phone.shop)
            .iter()
            .any(|r| seen.get(&r.id).is_some_and(|o| o.number == replacement))
    );
}
