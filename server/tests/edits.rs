//! Customer service changes an order's lines before picking: priced and reserved again by
//! the same engine, the prepaid balance moved by the difference, refused with the reason
//! (changing nothing) when the engine would reject it or picking started, and the shop
//! sees what changed and why on its phone.

#[path = "support/http_device.rs"]
mod http_device;

use http_device::{Device, TestServer, call, spawn_server, token};
use reqwest::Method;
use serde_json::{Value, json};

async fn reserved(server: &TestServer, token: &str, sku: &str) -> u64 {
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
        .map(|l| l["reserved"].as_u64().unwrap())
        .sum()
}

async fn set_stock(server: &TestServer, admin: &str, sku: &str, on_hand: u32) {
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

fn money(value: &Value) -> f64 {
    value["amount"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn lines_change_before_picking_with_a_reason_the_shop_sees() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cai = token(&server, "cai", "cai123").await;
    let cang = token(&server, "cang", "cang123").await;
    set_stock(&server, &admin, "BEV-0002", 36).await;
    set_stock(&server, &admin, "BEV-0003", 12).await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let id = phone.place_order(&[("BEV-0002", 24)], 1);
    assert!(phone.sync_now().await.is_empty());
    let number = phone.sync.confirmations_of(&phone.shop)[&id].number.clone();
    assert_eq!(reserved(&server, &cang, "BEV-0002").await, 24);
    let path = format!("/api/orders/{number}/lines");
    let edit = json!({ "lines": [{ "sku": "BEV-0002", "quantity": 12 }, { "sku": "BEV-0003", "quantity": 12 }], "reason": "门店电话改单" });

    let (status, _) = call(&server, &cang, Method::POST, &path, Some(edit.clone())).await;
    assert_eq!(status, 403);
    let (status, body) = call(
        &server,
        &cai,
        Method::POST,
        &path,
        Some(json!({ "lines": edit["lines"], "reason": " " })),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, before) = call(
        &server,
        &cai,
        Method::GET,
        &format!("/api/admin/orders/{number}"),
        None,
    )
    .await;
    assert_eq!(status, 200);

    let (status, edited) = call(&server, &cai, Method::POST, &path, Some(edit)).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["number"], number);
    assert_eq!(edited["priced"]["lines"].as_array().unwrap().len(), 2);
    assert_eq!(edited["edits"][0]["reason"], "门店电话改单");
    assert_eq!(edited["edits"][0]["by"], "cai");
    assert_eq!(
        edited["edits"][0]["lines"],
        json!([{ "sku": "BEV-0002", "was": 24, "now": 12 }, { "sku": "BEV-0003", "was": 0, "now": 12 }])
    );
    assert_eq!(
        edited["edits"][0]["total_was"],
        before["order"]["quote"]["total"]
    );
    assert_eq!(edited["edits"][0]["total_now"], edited["quote"]["total"]);
    assert!(
        edited["history"].as_array().unwrap().last().unwrap()["reason"]
            .as_str()
            .unwrap()
            .contains("门店电话改单")
    );
    assert_eq!(reserved(&server, &cang, "BEV-0002").await, 12);
    assert_eq!(reserved(&server, &cang, "BEV-0003").await, 12);

    // A change the engine refuses (below the minimum) changes nothing.
    let (status, refused) = call(
        &server,
        &cai,
        Method::POST,
        &path,
        Some(json!({ "lines": [{ "sku": "BEV-0002", "quantity": 2 }], "reason": "试试" })),
    )
    .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"], "edit_refused");
    assert_eq!(reserved(&server, &cang, "BEV-0002").await, 12);
    assert_eq!(reserved(&server, &cang, "BEV-0003").await, 12);

    // The shop's phone shows the order as changed, and why.
    assert!(phone.sync_now().await.is_empty());
    let seen = &phone.sync.confirmations_of(&phone.shop)[&id];
    assert_eq!(seen.edits.len(), 1);
    assert_eq!(seen.edits[0].reason, "门店电话改单");
    assert_eq!(seen.priced.lines.len(), 2);

    // Once picking starts, the lines are what they are.
    let (status, _) = call(
        &server,
        &cang,
        Method::POST,
        &format!("/api/orders/{number}/events"),
        Some(json!({ "event": "start_picking" })),
    )
    .await;
    assert_eq!(status, 200);
    let (status, late) = call(
        &server,
        &cai,
        Method::POST,
        &path,
        Some(json!({ "lines": [{ "sku": "BEV-0002", "quantity": 24 }], "reason": "再改" })),
    )
    .await;
    assert_eq!(status, 409, "{late}");
    assert_eq!(late["detail"]["reason"], "not_editable");
}

#[tokio::test]
async fn an_edit_moves_the_prepaid_balance_by_the_difference() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cai = token(&server, "cai", "cai123").await;
    set_stock(&server, &admin, "BEV-0007", 40).await;
    let balance = |shop: Value| money(&shop["profile"]["account"]["prepaid_balance"]);
    let (_, shop) = call(
        &server,
        &admin,
        Method::GET,
        "/api/admin/shops/shop-peach",
        None,
    )
    .await;
    let start = balance(shop);
    let mut phone = Device::new(&server, "peach", "peach123").await;
    assert!(phone.sync_now().await.is_empty());
    let id = phone.place_order(&[("BEV-0007", 12)], 1);
    assert!(phone.sync_now().await.is_empty());
    let order = phone.sync.confirmations_of(&phone.shop)[&id].clone();
    let (_, shop) = call(
        &server,
        &admin,
        Method::GET,
        "/api/admin/shops/shop-peach",
        None,
    )
    .await;
    let paid = money(&serde_json::to_value(order.quote.as_ref().unwrap().total).unwrap());
    assert!((start - balance(shop) - paid).abs() < 0.001);

    let (status, edited) = call(
        &server,
        &cai,
        Method::POST,
        &format!("/api/orders/{}/lines", order.number),
        Some(json!({ "lines": [{ "sku": "BEV-0007", "quantity": 24 }], "reason": "加量" })),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    let now_total = money(&edited["quote"]["total"]);
    let (_, shop) = call(
        &server,
        &admin,
        Method::GET,
        "/api/admin/shops/shop-peach",
        None,
    )
    .await;
    assert!(
        (start - balance(shop) - now_total).abs() < 0.001,
        "{edited}"
    );
}
