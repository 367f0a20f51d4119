//! Orders the back office enters and imports: previewed and placed by the same engine as
//! a shop's own, seen on the shop's phone like any other, refused with the reason when
//! the engine would reject them; a CSV import is all-or-nothing with row-level problems,
//! and importing the same file again places nothing twice.

#[path = "support/http_device.rs"]
mod http_device;

use http_device::{Device, TestServer, call, spawn_server, token};
use reqwest::Method;
use serde_json::{Value, json};

async fn import(server: &TestServer, token: &str, csv: &str, apply: bool) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!(
            "{}/api/admin/import/orders?apply={apply}",
            server.base
        ))
        .bearer_auth(token)
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn order_count(server: &TestServer, token: &str) -> usize {
    let (status, page) = call(server, token, Method::GET, "/api/orders?limit=1000", None).await;
    assert_eq!(status, 200);
    page["orders"].as_array().unwrap().len()
}

#[tokio::test]
async fn customer_service_enters_an_order_the_shop_sees_on_its_phone() {
    let server = spawn_server().await;
    let cai = token(&server, "cai", "cai123").await;
    let cang = token(&server, "cang", "cang123").await;
    let body = json!({ "shop": "shop-lotus", "lines": [{ "sku": "BEV-0002", "quantity": 24 }], "note": "电话订货" });

    let (status, preview) = call(
        &server,
        &cai,
        Method::POST,
        "/api/admin/orders/preview",
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["state"], "confirmed");
    assert_eq!(preview["priced"]["lines"][0]["quantity"], 24);
    assert!(preview["quote"]["total"]["amount"].as_str().is_some());
    // A preview stores nothing.
    assert_eq!(order_count(&server, &cai).await, 0);

    let (status, _) = call(
        &server,
        &cang,
        Method::POST,
        "/api/admin/orders",
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 403);
    let (status, placed) = call(&server, &cai, Method::POST, "/api/admin/orders", Some(body)).await;
    assert_eq!(status, 201, "{placed}");
    let number = placed["number"].as_str().unwrap().to_owned();
    assert_eq!(placed["quote"]["total"], preview["quote"]["total"]);
    let (_, detail) = call(
        &server,
        &cai,
        Method::GET,
        &format!("/api/admin/orders/{number}"),
        None,
    )
    .await;
    assert_eq!(detail["channel"], "office");
    assert_eq!(detail["placed_by"], "cai");

    // The engine's refusals are staff's to fix, not stored orders.
    let (status, refused) = call(
        &server,
        &cai,
        Method::POST,
        "/api/admin/orders",
        Some(json!({ "shop": "shop-lotus", "lines": [{ "sku": "BEV-0002", "quantity": 2 }] })),
    )
    .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"], "order_rejected");
    assert_eq!(refused["detail"]["priced"]["refused"][0]["sku"], "BEV-0002");
    let (status, unknown) = call(
        &server,
        &cai,
        Method::POST,
        "/api/admin/orders",
        Some(json!({ "shop": "shop-nowhere", "lines": [{ "sku": "BEV-0002", "quantity": 24 }] })),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(unknown["field"], "shop");
    assert_eq!(order_count(&server, &cai).await, 1);

    // The shop's phone shows it like any order of its own.
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let seen = phone.sync.confirmations_of(&phone.shop);
    let order = seen.values().find(|o| o.number == number).unwrap();
    // Priced as staff were shown it: nothing for the shop to read as changed by the server.
    assert!(order.changes.is_empty(), "{:?}", order.changes);
    assert!(
        phone
            .sync
            .requests_of(&phone.shop)
            .iter()
            .any(|r| r.id == order.request_id && r.note == "电话订货")
    );
}

#[tokio::test]
async fn an_order_import_is_all_or_nothing_and_places_each_order_once() {
    let server = spawn_server().await;
    let cai = token(&server, "cai", "cai123").await;
    let wrong = "ref,shop,sku,quantity,note\n\
                 WX-1,shop-lotus,BEV-0002,24,微信\n\
                 WX-1,shop-lotus,BEV-0003,12,\n\
                 WX-2,shop-bamboo,NOPE-0001,12,\n\
                 WX-2,shop-bamboo,BEV-0002,0,\n\
                 WX-3,shop-lotus,BEV-0002,2,\n";
    let (status, report) = import(&server, &cai, wrong, true).await;
    assert_eq!(status, 400, "{report}");
    let problems: Vec<(u64, &str)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["line"].as_u64().unwrap(), p["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        problems,
        [(4, "sku"), (5, "quantity"), (6, "sku")],
        "{report}"
    );
    assert_eq!(report["applied"], false);
    assert_eq!(order_count(&server, &cai).await, 0);

    let right = "ref,shop,sku,quantity,note\n\
                 WX-1,shop-lotus,BEV-0002,24,微信\n\
                 WX-1,shop-lotus,BEV-0003,12,\n\
                 WX-2,shop-bamboo,BEV-0002,12,\n";
    let (status, preview) = import(&server, &cai, right, false).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["orders"].as_array().unwrap().len(), 2);
    assert_eq!(preview["orders"][0]["number"], "");
    assert_eq!(order_count(&server, &cai).await, 0);
    let (status, done) = import(&server, &cai, right, true).await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["applied"], true);
    assert_eq!(done["orders"][0]["lines"], 2);
    let first = done["orders"][0]["number"].as_str().unwrap().to_owned();
    assert!(first.starts_with("DH-"));
    assert_eq!(order_count(&server, &cai).await, 2);
    let (_, detail) = call(
        &server,
        &cai,
        Method::GET,
        &format!("/api/admin/orders/{first}"),
        None,
    )
    .await;
    assert_eq!(detail["channel"], "import");

    // The same file again: nothing new.
    let (status, again) = import(&server, &cai, right, true).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["orders"][0]["already"], true);
    assert_eq!(again["orders"][0]["number"], first);
    assert_eq!(order_count(&server, &cai).await, 2);
    let (status, _) = import(
        &server,
        &token(&server, "cang", "cang123").await,
        right,
        true,
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_pickup_order_ships_free_and_goes_on_the_warehouse_pickup_list() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cai = token(&server, "cai", "cai123").await;
    let cang = token(&server, "cang", "cang123").await;
    for (place, quantity) in [("wh-north", 0), ("wh-east", 48)] {
        let (status, _) = call(
            &server,
            &admin,
            Method::PUT,
            &format!("/api/admin/stock/{place}/BEV-0002"),
            Some(json!({ "on_hand": quantity, "safety": 0 })),
        )
        .await;
        assert_eq!(status, 200);
    }
    let order = |pickup: bool| json!({ "shop": "shop-lotus", "lines": [{ "sku": "BEV-0002", "quantity": 12 }], "pickup": pickup });
    let (status, collected) = call(
        &server,
        &cai,
        Method::POST,
        "/api/admin/orders",
        Some(order(true)),
    )
    .await;
    assert_eq!(status, 201, "{collected}");
    assert_eq!(collected["pickup"], true);
    assert_eq!(collected["quote"]["shipping"]["amount"], "0");
    let (status, delivered) = call(
        &server,
        &cai,
        Method::POST,
        "/api/admin/orders",
        Some(order(false)),
    )
    .await;
    assert_eq!(status, 201);
    assert!(delivered.get("pickup").is_none());
    let (status, list) = call(
        &server,
        &cang,
        Method::GET,
        "/api/admin/pick-list?warehouse=wh-east",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let pickups: Vec<&str> = list["orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["pickup"] == true)
        .map(|o| o["number"].as_str().unwrap())
        .collect();
    assert_eq!(pickups, [collected["number"].as_str().unwrap()]);
}
