//! The back office's catalog API: search and pages over the products, creating and
//! editing products and categories with every field checked, the shop's devices seeing
//! the result after their next sync, and nothing changed by a refused edit.

#[path = "support/http_device.rs"]
mod http_device;

use docs::schema::catalog_doc::read_catalog;
use docs::schema::doc_id::DocId;
use docs::schema::price_doc::{read_allowed, read_prices, read_profile};
use domain::sku::Sku;
use http_device::{Device, call, sign_in, spawn_server, token};
use serde_json::{Value, json};

#[tokio::test]
async fn products_are_searched_filtered_and_paged_by_admins_and_staff_only() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let get = |path: &'static str, token: String| {
        let server = &server;
        async move { call(server, &token, reqwest::Method::GET, path, None).await }
    };
    let (status, page) = get("/api/admin/products?limit=20", admin.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 200);
    assert_eq!(page["products"].as_array().unwrap().len(), 20);
    let (_, next) = get("/api/admin/products?limit=20&offset=20", admin.clone()).await;
    assert_ne!(page["products"][0]["sku"], next["products"][0]["sku"]);

    let (_, by_sku) = get("/api/admin/products?q=bev-000", admin.clone()).await;
    assert_eq!(by_sku["total"], 9, "BEV-0001 … BEV-0009");
    let first = by_sku["products"][0].clone();
    let chinese: String = first["name"]["zh_hans"]
        .as_str()
        .unwrap()
        .chars()
        .take(2)
        .collect();
    let (status, by_name) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        &format!("/api/admin/products?q={chinese}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        by_name["products"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["sku"] == first["sku"])
    );
    let category = first["category"].as_str().unwrap().to_owned();
    let (_, in_category) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        &format!("/api/admin/products?category={category}&limit=200"),
        None,
    )
    .await;
    assert!(
        in_category["products"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["category"] == category.as_str())
    );

    let staff = token(&server, "cang", "cang123").await;
    assert_eq!(get("/api/admin/products", staff).await.0, 200);
    let shop = token(&server, "lotus", "lotus123").await;
    let (status, body) = get("/api/admin/products", shop.clone()).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    let (status, body) = get("/api/admin/products?limit=many", admin).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_query")));
}

#[tokio::test]
async fn an_admin_creates_and_edits_products_and_categories_and_shops_see_them() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let post = |path: &'static str, body: Value| {
        let (server, admin) = (&server, admin.clone());
        async move { call(server, &admin, reqwest::Method::POST, path, Some(body)).await }
    };

    // A category first.
    let (status, _) = post(
        "/api/admin/categories",
        json!({"id": "tea-gifts", "name": {"en": "Tea gifts", "zh_hans": "茶礼", "zh_hant": "茶禮"}}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = post(
        "/api/admin/categories",
        json!({"id": "tea-gifts", "name": {"en": "x", "zh_hans": "x", "zh_hant": "x"}}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("category_taken"))
    );

    let good = json!({
        "sku": "TEA-9001",
        "name": {"en": "Oolong gift box", "zh_hans": "乌龙茶礼盒", "zh_hant": "烏龍茶禮盒"},
        "category": "tea-gifts",
        "unit": {"en": "box", "zh_hans": "盒", "zh_hant": "盒"},
        "pack_size": 6,
        "min_quantity": 6,
        "list_price": "88.00",
        "volume_prices": [{"min_quantity": 24, "price": "80.00"}],
    });
    // Every refusal names the field, and creates nothing.
    for (change, field, rule) in [
        (json!({"sku": null}), "sku", "required"),
        (json!({"sku": "bad sku"}), "sku", "malformed"),
        (json!({"category": "nope"}), "category", "unknown"),
        (json!({"pack_size": 0}), "pack_size", "out_of_range"),
        (json!({"max_quantity": 3}), "max_quantity", "below_minimum"),
        (json!({"list_price": "-1"}), "list_price", "not_a_price"),
        (json!({"list_price": "free"}), "list_price", "not_a_price"),
        (
            json!({"volume_prices": [{"min_quantity": 24, "price": "99.00"}]}),
            "volume_prices",
            "above_list_price",
        ),
        (
            json!({"promo_price": {"price": "70.00", "from_ms": 5, "until_ms": 1}}),
            "promo_price",
            "ends_before_start",
        ),
        (
            json!({"name": {"en": "x", "zh_hans": "", "zh_hant": "x"}}),
            "name.zh_hans",
            "required",
        ),
        (
            json!({"aliases": (0..11).map(|n| format!("a{n}")).collect::<Vec<_>>()}),
            "aliases",
            "too_many",
        ),
        (json!({"aliases": ["x".repeat(41)]}), "aliases", "too_long"),
        (json!({"aliases": ["a\nb"]}), "aliases", "blank"),
    ] {
        let mut body = good.clone();
        for (key, value) in change.as_object().unwrap() {
            if value.is_null() {
                body.as_object_mut().unwrap().remove(key);
            } else {
                body[key] = value.clone();
            }
        }
        let (status, error) = post("/api/admin/products", body).await;
        assert_eq!(status, 400, "{field}: {error}");
        assert_eq!(error["error"], "invalid_field");
        assert_eq!(error["field"], field);
        assert_eq!(error["rule"], rule);
    }
    let mut unknown_field = good.clone();
    unknown_field["colour"] = json!("red");
    let (status, error) = post("/api/admin/products", unknown_field).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("malformed_body"))
    );
    let (_, none) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/products?q=TEA-9001",
        None,
    )
    .await;
    assert_eq!(none["total"], 0, "a refused product was not created");

    let (status, created) = post("/api/admin/products", good.clone()).await;
    assert_eq!(status, 201, "{created}");
    // Found by the pinyin of its names, which the server made (乌 wū, 龙 lóng, 茶 chá, 礼
    // lǐ, 盒 hé; other readings after).
    assert_eq!(created["pinyin"][0], "wulongchalihe");
    assert_eq!(created["pinyin"][1], "wlclh");
    let (status, error) = post("/api/admin/products", good).await;
    assert_eq!((status, error["error"].as_str()), (409, Some("sku_taken")));

    // An edit changes what it names; a bad edit changes nothing.
    let put = |path: &'static str, body: Value| {
        let (server, admin) = (&server, admin.clone());
        async move { call(server, &admin, reqwest::Method::PUT, path, Some(body)).await }
    };
    let (status, edited) = put(
        "/api/admin/products/TEA-9001",
        json!({"list_price": "86.50", "max_quantity": 120}),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["max_quantity"], 120);
    let (status, error) = put("/api/admin/products/TEA-9001", json!({"min_quantity": 200})).await;
    assert_eq!(
        (status, error["field"].as_str()),
        (400, Some("max_quantity"))
    );
    let (status, error) = put("/api/admin/products/TEA-9001", json!({"sku": "TEA-9002"})).await;
    assert_eq!((status, error["field"].as_str()), (400, Some("sku")));
    let (status, _) = put("/api/admin/products/NOPE-1", json!({"active": false})).await;
    assert_eq!(status, 404);
    let (status, _) = put(
        "/api/admin/categories/tea-gifts",
        json!({"name": {"en": "Tea gift boxes", "zh_hans": "茶叶礼盒", "zh_hant": "茶葉禮盒"}, "position": 0}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, categories) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/categories",
        None,
    )
    .await;
    let row = categories
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "tea-gifts")
        .unwrap();
    assert_eq!(
        (row["products"].as_u64(), row["name"]["zh_hans"].as_str()),
        (Some(1), Some("茶叶礼盒"))
    );

    // Every accepted change is in the audit log with the object before and after; the
    // refused ones are not.
    let (status, log) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/audit?kind=product&object=TEA-9001",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let entries = log["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["update", "create"], "{log}");
    assert_eq!(entries[0]["actor"], "admin");
    assert_eq!(entries[0]["before"]["list_price"]["amount"], json!("88.00"));
    assert_eq!(entries[0]["after"]["list_price"]["amount"], json!("86.50"));
    assert_eq!(entries[1]["before"], Value::Null);
    // The aliases an admin gives: trimmed, blanks dropped, each once.
    let (status, aliased) = call(
        &server,
        &admin,
        reqwest::Method::PUT,
        "/api/admin/products/TEA-9001",
        Some(json!({"aliases": [" 招牌乌龙 ", "zpwl", "", "zpwl"]})),
    )
    .await;
    assert_eq!(status, 200, "{aliased}");
    assert_eq!(aliased["aliases"], json!(["招牌乌龙", "zpwl"]));
    let (_, log) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/audit?kind=category",
        None,
    )
    .await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 2, "{log}");

    // Staff may look, not change.
    let staff = token(&server, "cang", "cang123").await;
    let (status, _) = call(
        &server,
        &staff,
        reqwest::Method::GET,
        "/api/admin/audit",
        None,
    )
    .await;
    assert_eq!(status, 403, "the audit log is for admins");
    let (status, _) = call(
        &server,
        &staff,
        reqwest::Method::PUT,
        "/api/admin/products/TEA-9001",
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(status, 403);

    // The shop's device receives the product as edited, in its category.
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let catalog = read_catalog(phone.sync.doc(&DocId::Catalog).unwrap());
    let product = &catalog.products[&Sku::parse("TEA-9001").unwrap()];
    assert_eq!(product.list_price.amount().to_string(), "86.50");
    assert_eq!(product.max_quantity, Some(120));
    assert_eq!(product.volume_prices.len(), 1);
    let category = catalog
        .categories
        .iter()
        .find(|c| c.id.as_str() == "tea-gifts")
        .unwrap();
    assert_eq!(category.name.zh_hans, "茶叶礼盒");
}

#[tokio::test]
async fn admin_bodies_are_fully_typed_and_a_refused_one_changes_nothing() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let terms_before = read_catalog(phone.sync.doc(&DocId::Catalog).unwrap()).terms;
    let prices = DocId::ShopPrices(phone.shop.clone());
    let profile_before = docs::schema::price_doc::read_profile(phone.sync.doc(&prices).unwrap());

    let put = |path: String, body: Value| {
        let (server, admin) = (&server, admin.clone());
        async move { call(server, &admin, reqwest::Method::PUT, &path, Some(body)).await }
    };
    let (status, error) = put("/api/admin/terms".into(), json!([])).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("malformed_body"))
    );
    let (status, error) = put("/api/admin/terms".into(), json!({"free_shipping": "yes"})).await;
    assert_eq!(
        (status, error["field"].as_str(), error["rule"].as_str()),
        (400, Some("free_shipping"), Some("unknown_field"))
    );
    let (status, error) = put("/api/admin/terms".into(), json!({"tax": null})).await;
    assert_eq!((status, error["rule"].as_str()), (400, Some("required")));
    let (status, error) = put(
        "/api/admin/shops/shop-lotus/profile".into(),
        json!({"points": "many"}),
    )
    .await;
    assert_eq!(
        (status, error["field"].as_str()),
        (400, Some("points")),
        "{error}"
    );

    // Promotions that mean nothing, or name what does not exist.
    let promotion = |change: Value| {
        let mut body = json!({
            "id": "half-off",
            "name": {"en": "Half off", "zh_hans": "半价", "zh_hant": "半價"},
            "kind": {"type": "percent_off", "percent": "50", "max_off": null},
        });
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    for (change, field) in [
        (
            json!({"kind": {"type": "percent_off", "percent": "150", "max_off": null}}),
            "kind.percent",
        ),
        (json!({"shops": ["shop-nowhere"]}), "shops"),
        (json!({"tiers": ["platinum"]}), "tiers"),
        (
            json!({"scope": {"type": "skus", "skus": ["NOPE-0001"]}}),
            "scope.skus",
        ),
        (
            json!({"valid_from_ms": 20, "valid_until_ms": 10}),
            "valid_until_ms",
        ),
    ] {
        let (status, error) = put("/api/admin/promotions/half-off".into(), promotion(change)).await;
        assert_eq!(
            (status, error["field"].as_str()),
            (400, Some(field)),
            "{error}"
        );
    }
    let (status, promotions) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/promotions",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        promotions
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != "half-off"),
        "no refused promotion was stored"
    );

    // A stock count for a warehouse that does not exist is not a new warehouse.
    let (status, error) = put(
        "/api/admin/stock/wh-eats/BEV-0001".into(),
        json!({"on_hand": 5}),
    )
    .await;
    assert_eq!(
        (status, error["error"].as_str()),
        (404, Some("unknown_warehouse"))
    );

    // Nothing the refused bodies said reached the shop.
    assert!(phone.sync_now().await.is_empty());
    assert_eq!(
        read_catalog(phone.sync.doc(&DocId::Catalog).unwrap()).terms,
        terms_before
    );
    assert_eq!(
        docs::schema::price_doc::read_profile(phone.sync.doc(&prices).unwrap()),
        profile_before
    );
}

#[tokio::test]
async fn the_back_office_lists_and_searches_customers_and_reads_back_an_account() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let get = |path: &'static str, token: String| {
        let server = &server;
        async move { call(server, &token, reqwest::Method::GET, path, None).await }
    };
    let (status, page) = get("/api/admin/shops", admin.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 3);
    let (_, by_manager) = get("/api/admin/shops?q=wang", admin.clone()).await;
    let ids: Vec<&str> = by_manager["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["shop-bamboo", "shop-lotus"],
        "wang manages Bamboo and Lotus"
    );
    let (_, by_name) = get("/api/admin/shops?q=%E8%8E%B2%E8%8A%B1", admin.clone()).await;
    assert_eq!(by_name["customers"][0]["owners"], json!(["lotus"]));

    let (status, lotus) = get("/api/admin/shops/shop-lotus", admin.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(lotus["tier"], "gold");
    assert_eq!(lotus["managers"], json!(["wang"]));
    assert_eq!(lotus["own_prices"].as_array().unwrap().len(), 5);
    assert!(lotus["profile"]["account"].is_object(), "{lotus}");
    assert_eq!(lotus["orders"], 0);
    let (status, _) = get("/api/admin/shops/shop-nowhere", admin.clone()).await;
    assert_eq!(status, 404);
    let shop = token(&server, "lotus", "lotus123").await;
    assert_eq!(get("/api/admin/shops", shop).await.0, 403);
}

#[tokio::test]
async fn an_admin_creates_a_shop_changes_its_account_and_deactivates_it() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let send = |method: reqwest::Method, path: &'static str, body: Value| {
        let (server, admin) = (&server, admin.clone());
        async move { call(server, &admin, method, path, Some(body)).await }
    };
    let post = |path: &'static str, body: Value| send(reqwest::Method::POST, path, body);
    let put = |path: &'static str, body: Value| send(reqwest::Method::PUT, path, body);

    let (status, options) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/customer-options",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        options["tiers"]
            .as_array()
            .unwrap()
            .contains(&json!("silver"))
    );
    assert_eq!(options["managers"][0][0], "wang");

    let good = json!({
        "id": "shop-plum", "name": "梅花便利店", "tier": "silver", "region": "east",
        "managers": ["wang"], "owner_username": "plum", "owner_display_name": "梅老板",
        "owner_password": "plum-secret",
    });
    for (change, field, rule) in [
        (json!({"id": "Shop Plum"}), "id", "malformed"),
        (json!({"id": "shop-lotus"}), "id", "taken"),
        (json!({"name": " "}), "name", "required"),
        (json!({"tier": "platinum"}), "tier", "unknown"),
        (json!({"managers": ["lotus"]}), "managers", "unknown"),
        (
            json!({"owner_username": "lotus"}),
            "owner_username",
            "taken",
        ),
        (
            json!({"owner_username": "梅"}),
            "owner_username",
            "malformed",
        ),
        (
            json!({"owner_password": "short"}),
            "owner_password",
            "too_short",
        ),
    ] {
        let mut body = good.clone();
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let (status, error) = post("/api/admin/shops", body).await;
        assert_eq!(status, 400, "{field}: {error}");
        assert_eq!(
            (error["field"].as_str(), error["rule"].as_str()),
            (Some(field), Some(rule))
        );
    }
    let (_, page) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/shops",
        None,
    )
    .await;
    assert_eq!(page["total"], 3, "refused shops were not created");
    let (status, created) = post("/api/admin/shops", good.clone()).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["owners"], json!(["plum"]));
    assert_eq!(created["managers"], json!(["wang"]));
    // No account yet: no prepaid balance to move.
    let (status, error) = post(
        "/api/admin/shops/shop-plum/entries",
        json!({"kind": "prepaid", "amount": "5", "reason": "x"}),
    )
    .await;
    assert_eq!(
        (status, error["rule"].as_str()),
        (400, Some("no_account")),
        "{error}"
    );

    // Its owner signs in at once and orders.
    let mut phone = Device::new(&server, "plum", "plum-secret").await;
    assert!(phone.sync_now().await.is_empty());
    phone.place_order(&[("BEV-0001", 24)], 1);
    assert!(phone.sync_now().await.is_empty());
    assert_eq!(phone.confirmations()[0].1, "Confirmed");

    // Settings change as one whole; balances move only by entries.
    let edit = json!({
        "name": "梅花超市", "tier": "gold", "active": true, "region": "east", "managers": [],
        "account": {"terms": {"type": "prepaid"}, "credit_limit": null, "grace_days": 0, "suspended": null},
        "quotas": [{"sku": "BEV-0002", "max_quantity": 48, "period": "week"}],
        "window": {"weekdays": [0, 1, 2, 3, 4, 5, 6], "cutoff_minute": null},
    });
    for (change, field, rule) in [
        (json!({"tier": "nope"}), "tier", "unknown"),
        (
            json!({"quotas": [{"sku": "NOPE-1", "max_quantity": 4, "period": "week"}]}),
            "quotas.sku",
            "unknown",
        ),
        (
            json!({"window": {"weekdays": [7], "cutoff_minute": null}}),
            "window.weekdays",
            "out_of_range",
        ),
        (
            json!({"account": {"terms": {"type": "prepaid"}, "credit_limit": "lots", "grace_days": 0, "suspended": null}}),
            "account.credit_limit",
            "not_a_price",
        ),
    ] {
        let mut body = edit.clone();
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let (status, error) = put("/api/admin/shops/shop-plum", body).await;
        assert_eq!(
            (status, error["field"].as_str(), error["rule"].as_str()),
            (400, Some(field), Some(rule))
        );
    }
    let mut missing = edit.clone();
    missing.as_object_mut().unwrap().remove("quotas");
    assert_eq!(put("/api/admin/shops/shop-plum", missing).await.0, 400);
    let (status, updated) = put("/api/admin/shops/shop-plum", edit.clone()).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        (updated["tier"].as_str(), updated["name"].as_str()),
        (Some("gold"), Some("梅花超市"))
    );
    assert_eq!(updated["managers"], json!([]));

    // The device follows the new tier: it holds gold's prices instead of silver's.
    let _ = phone.sync_now().await;
    let (added, dropped) = phone.sync.follow_tiers();
    assert_eq!(
        added,
        [DocId::TierPrices(
            domain::sku::TierId::parse("gold").unwrap()
        )]
    );
    assert_eq!(
        dropped,
        [DocId::TierPrices(
            domain::sku::TierId::parse("silver").unwrap()
        )]
    );
    assert!(phone.sync_now().await.is_empty());
    assert!(!read_prices(phone.sync.doc(&added[0]).unwrap()).is_empty());

    let (status, entry) = post(
        "/api/admin/shops/shop-plum/entries",
        json!({"kind": "prepaid", "amount": "500.00", "reason": "银行转账 2026-12-02"}),
    )
    .await;
    assert_eq!(status, 201, "{entry}");
    assert_eq!(entry["balance"], "500.00");
    for (body, field, rule) in [
        (
            json!({"kind": "points", "amount": "-99999", "reason": "x"}),
            "amount",
            "below_zero",
        ),
        (
            json!({"kind": "points", "amount": "lots", "reason": "x"}),
            "amount",
            "not_a_number",
        ),
        (
            json!({"kind": "prepaid", "amount": "-600", "reason": "x"}),
            "amount",
            "below_zero",
        ),
        (
            json!({"kind": "prepaid", "amount": "5", "reason": " "}),
            "reason",
            "required",
        ),
    ] {
        let (status, error) = post("/api/admin/shops/shop-plum/entries", body).await;
        assert_eq!(
            (status, error["field"].as_str(), error["rule"].as_str()),
            (400, Some(field), Some(rule))
        );
    }
    let (status, points) = post(
        "/api/admin/shops/shop-plum/entries",
        json!({"kind": "points", "amount": "+120", "reason": "开业活动"}),
    )
    .await;
    assert_eq!(status, 201);
    // Removing the account while it holds prepaid money is refused.
    let mut no_account = edit.clone();
    no_account["account"] = Value::Null;
    let (status, error) = put("/api/admin/shops/shop-plum", no_account).await;
    assert_eq!(
        (status, error["rule"].as_str()),
        (400, Some("holds_balance"))
    );

    let (_, detail) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/shops/shop-plum",
        None,
    )
    .await;
    let earned = 59; // by the first order
    assert_eq!(points["balance"], (earned + 120).to_string());
    assert_eq!(detail["profile"]["points_balance"], earned + 120);
    assert_eq!(
        detail["profile"]["account"]["prepaid_balance"]["amount"],
        "500.00"
    );
    assert_eq!(detail["profile"]["quotas"][0]["max_quantity"], 48);
    let kinds: Vec<&str> = detail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    // Newest first: the admin's points, the top-up, the points the first order earned.
    assert_eq!(kinds, ["points", "prepaid", "points"]);
    assert_eq!(detail["entries"][2]["balance"], earned.to_string());
    assert!(phone.sync_now().await.is_empty());
    let profile = read_profile(
        phone
            .sync
            .doc(&DocId::ShopPrices(phone.shop.clone()))
            .unwrap(),
    );
    assert_eq!(profile.points_balance, earned + 120);

    // Deactivated: its devices are told, and the server refuses its orders.
    let mut inactive = edit.clone();
    inactive["active"] = json!(false);
    assert_eq!(put("/api/admin/shops/shop-plum", inactive).await.0, 200);
    assert!(phone.sync_now().await.is_empty());
    let profile = read_profile(
        phone
            .sync
            .doc(&DocId::ShopPrices(phone.shop.clone()))
            .unwrap(),
    );
    assert_eq!(profile.account.unwrap().suspended.as_deref(), Some(""));
    let id = phone.place_order(&[("BEV-0001", 24)], 2);
    assert!(phone.sync_now().await.is_empty());
    let answer = &phone.sync.confirmations_of(&phone.shop)[&id];
    assert_eq!(format!("{:?}", answer.state), "Rejected");
    assert!(answer.history[0].reason.contains("suspended"), "{answer:?}");
    let (_, detail) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/shops/shop-plum",
        None,
    )
    .await;
    assert_eq!(detail["active"], false);
    assert_eq!(
        detail["profile"]["account"]["suspended"],
        Value::Null,
        "the stored account is not marked: reactivating restores it"
    );

    // The audit log holds the creation, each change and each entry; staff may not do any.
    let (_, log) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/audit?kind=customer&object=shop-plum",
        None,
    )
    .await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 3, "{log}");
    let staff = token(&server, "cang", "cang123").await;
    let (status, _) = call(
        &server,
        &staff,
        reqwest::Method::POST,
        "/api/admin/shops",
        Some(good),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn an_admin_manages_staff_and_managers_resets_passwords_and_signs_devices_out() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let send = |method: reqwest::Method, path: String, body: Option<Value>, token: String| {
        let server = &server;
        async move { call(server, &token, method, &path, body).await }
    };
    let post = |path: &str, body: Value| {
        send(
            reqwest::Method::POST,
            path.to_owned(),
            Some(body),
            admin.clone(),
        )
    };

    // A manager with a shop; refusals name the field and create nobody.
    let li = json!({"username": "li", "display_name": "李经理", "password": "li-secret-1",
                    "role": "manager", "shops": ["shop-peach"]});
    for (change, field, rule) in [
        (json!({"shops": ["shop-nowhere"]}), "shops", "unknown"),
        (
            json!({"permissions": ["orders.read"]}),
            "permissions",
            "managers_have_none",
        ),
        (json!({"role": "boss"}), "role", "unknown"),
        (json!({"password": "short"}), "password", "too_short"),
    ] {
        let mut body = li.clone();
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let (status, error) = post("/api/admin/staff", body).await;
        assert_eq!(
            (status, error["field"].as_str(), error["rule"].as_str()),
            (400, Some(field), Some(rule)),
            "{error}"
        );
    }
    let (status, created) = post("/api/admin/staff", li).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["shops"], json!(["shop-peach"]));
    let session = |token: String| send(reqwest::Method::GET, "/api/session".into(), None, token);
    let li_token = token(&server, "li", "li-secret-1").await;
    let (_, info) = session(li_token.clone()).await;
    assert_eq!(info["shops"].as_array().unwrap().len(), 1);
    let (status, edited) = send(
        reqwest::Method::PUT,
        "/api/admin/staff/li".into(),
        Some(json!({"display_name": "李经理", "permissions": [], "shops": ["shop-peach", "shop-bamboo"]})),
        admin.clone(),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    let (_, info) = session(li_token.clone()).await;
    let shops: Vec<&str> = info["shops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(shops, ["shop-bamboo", "shop-peach"]);

    // Read-only permissions: a viewer reads stock and promotions, changes neither.
    let viewer = json!({"username": "viewer", "display_name": "只读", "password": "viewer-pass",
                        "permissions": ["stock.read", "promotions.read"]});
    assert_eq!(post("/api/admin/staff", viewer).await.0, 201);
    let viewer_token = token(&server, "viewer", "viewer-pass").await;
    let get = |path: &str, token: &str| {
        send(
            reqwest::Method::GET,
            path.to_owned(),
            None,
            token.to_owned(),
        )
    };
    assert_eq!(get("/api/admin/stock/BEV-0001", &viewer_token).await.0, 200);
    assert_eq!(get("/api/admin/promotions", &viewer_token).await.0, 200);
    let (status, _) = send(
        reqwest::Method::PUT,
        "/api/admin/stock/wh-east/BEV-0001".into(),
        Some(json!({"on_hand": 1})),
        viewer_token.clone(),
    )
    .await;
    assert_eq!(status, 403);
    let cang = token(&server, "cang", "cang123").await;
    assert_eq!(
        get("/api/admin/promotions", &cang).await.0,
        403,
        "cang may not read promotions"
    );
    let (_, staff) = get("/api/admin/staff", &admin).await;
    let roles: Vec<(&str, &str)> = staff
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["username"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert!(
        roles.contains(&("li", "manager"))
            && roles.contains(&("wang", "manager"))
            && roles.contains(&("viewer", "staff")),
        "{roles:?}"
    );

    // A password reset signs the user's devices out; the new password works, the old not.
    let lotus = token(&server, "lotus", "lotus123").await;
    let (status, error) = post("/api/admin/users/lotus/password", json!({"password": "x"})).await;
    assert_eq!((status, error["rule"].as_str()), (400, Some("too_short")));
    assert_eq!(
        session(lotus.clone()).await.0,
        200,
        "a refused reset changes nothing"
    );
    let (status, reset) = post(
        "/api/admin/users/lotus/password",
        json!({"password": "new-lotus-pass"}),
    )
    .await;
    assert_eq!(
        (status, reset["devices_signed_out"].as_u64()),
        (200, Some(1))
    );
    assert_eq!(session(lotus).await.0, 401);
    assert_eq!(sign_in(&server, "lotus", "lotus123").await.status(), 401);
    assert_eq!(
        sign_in(&server, "lotus", "new-lotus-pass").await.status(),
        200
    );

    // Signing a user out; admins are not signed out by another admin.
    let (status, _) = post("/api/admin/users/cang/sign-out", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(session(cang).await.0, 401);
    assert_eq!(
        post("/api/admin/users/admin/sign-out", json!({})).await.0,
        403
    );
    assert_eq!(
        post("/api/admin/users/nobody/sign-out", json!({})).await.0,
        404
    );
    let (status, _) = send(
        reqwest::Method::POST,
        "/api/admin/users/lotus/sign-out".into(),
        Some(json!({})),
        viewer_token,
    )
    .await;
    assert_eq!(status, 403, "only admins");

    let (_, log) = get("/api/admin/audit?kind=staff&object=li", &admin).await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 2, "{log}");
    let (_, log) = get("/api/admin/audit?kind=user&object=lotus", &admin).await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 1, "{log}");
}

#[tokio::test]
async fn a_product_limited_to_some_tiers_and_shops_is_shown_and_sold_to_them_only() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let put = |body: Value| {
        let (server, admin) = (&server, admin.clone());
        async move {
            call(
                server,
                &admin,
                reqwest::Method::PUT,
                "/api/admin/products/BEV-0003",
                Some(body),
            )
            .await
        }
    };
    for (body, field, rule) in [
        (json!({"limited_to": ["platinum"]}), "limited_to", "unknown"),
        (
            json!({"allowed_shops": ["shop-peach"]}),
            "allowed_shops",
            "not_limited",
        ),
        (
            json!({"limited_to": ["gold"], "allowed_shops": ["shop-nowhere"]}),
            "allowed_shops",
            "unknown",
        ),
    ] {
        let (status, error) = put(body).await;
        assert_eq!(
            (status, error["field"].as_str(), error["rule"].as_str()),
            (400, Some(field), Some(rule)),
            "{error}"
        );
    }
    // Gold shops (Lotus) and Peach by name; not Bamboo (silver).
    let (status, limited) =
        put(json!({"limited_to": ["gold"], "allowed_shops": ["shop-peach"]})).await;
    assert_eq!(status, 200, "{limited}");
    assert_eq!(limited["limited_to"], json!(["gold"]));
    assert_eq!(limited["allowed_shops"], json!(["shop-peach"]));

    let mut answers = Vec::new();
    for (n, (user, password)) in [
        ("lotus", "lotus123"),
        ("bamboo", "bamboo123"),
        ("peach", "peach123"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut phone = Device::new(&server, user, password).await;
        assert!(phone.sync_now().await.is_empty());
        let book_allows = read_allowed(
            phone
                .sync
                .doc(&DocId::ShopPrices(phone.shop.clone()))
                .unwrap(),
        )
        .contains(&Sku::parse("BEV-0003").unwrap());
        let catalog = read_catalog(phone.sync.doc(&DocId::Catalog).unwrap());
        let product = &catalog.products[&Sku::parse("BEV-0003").unwrap()];
        // Request ids are global: each device mints its own.
        let id = phone.place_order(&[("BEV-0003", 24), ("BEV-0001", 24)], 9 + n as u8);
        assert!(phone.sync_now().await.is_empty());
        let Some(answer) = phone.sync.confirmations_of(&phone.shop).get(&id).cloned() else {
            panic!("{user}: no answer; {:?}", phone.confirmations());
        };
        let refused: Vec<String> = answer
            .priced
            .refused
            .iter()
            .map(|r| format!("{}:{:?}", r.sku, r.reason))
            .collect();
        answers.push((user, book_allows, product.limited_to.is_some(), refused));
    }
    assert_eq!(
        answers,
        [
            ("lotus", false, true, vec![]),
            (
                "bamboo",
                false,
                true,
                vec!["BEV-0003:NotOffered".to_owned()]
            ),
            ("peach", true, true, vec![]),
        ]
    );

    // Open to everyone again: nobody needs it by name any more.
    let (status, open) = put(json!({"limited_to": null})).await;
    assert_eq!(status, 200);
    assert_eq!(open["allowed_shops"], json!([]));
    let mut peach = Device::new(&server, "peach", "peach123").await;
    assert!(peach.sync_now().await.is_empty());
    assert!(
        read_allowed(
            peach
                .sync
                .doc(&DocId::ShopPrices(peach.shop.clone()))
                .unwrap()
        )
        .is_empty()
    );
}

#[tokio::test]
async fn promotions_are_listed_with_use_and_reach_and_a_coupon_code_never_reaches_a_device() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let (status, rows) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/promotions",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let coupon = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "coupon-new20")
        .unwrap()
        .clone();
    assert_eq!(
        (coupon["uses"].as_u64(), coupon["reach"].as_u64()),
        (Some(0), Some(3))
    );
    assert_eq!(coupon["coupon_code"], "NEW20", "admins see the code");

    let mut gold_only = coupon.clone();
    for key in ["uses", "reach"] {
        gold_only.as_object_mut().unwrap().remove(key);
    }
    gold_only["tiers"] = json!(["gold"]);
    let (status, reach) = call(
        &server,
        &admin,
        reqwest::Method::POST,
        "/api/admin/promotion-preview",
        Some(gold_only),
    )
    .await;
    assert_eq!(status, 200, "{reach}");
    assert_eq!(reach, json!({"count": 1, "shops": ["shop-lotus"]}));

    // The phone holds a salted hash, not the code; the code typed still takes the coupon
    // (checked offline by the hash, at intake by the code).
    let mut phone = Device::new(&server, "peach", "peach123").await;
    assert!(phone.sync_now().await.is_empty());
    let tier_doc = DocId::TierPrices(domain::sku::TierId::parse("bronze").unwrap());
    let published = docs::schema::price_doc::read_promotions(phone.sync.doc(&tier_doc).unwrap());
    let held = published.iter().find(|p| p.id == "coupon-new20").unwrap();
    assert_eq!(held.coupon_code, None);
    assert!(held.coupon_check.as_ref().unwrap().matches("new20"));
    let saved = phone.sync.doc(&tier_doc).unwrap().clone().save();
    assert!(
        !saved.windows(5).any(|w| w == b"NEW20"),
        "the code is nowhere in the document"
    );
    let mut request = phone.build_request(
        &[("BEV-0001", 120)],
        domain::order::RequestId::from_random_bytes([7; 16]),
    );
    request.coupon_codes = vec!["new20".into()];
    let volume = phone.sync.writable_volume(&phone.shop).unwrap();
    docs::schema::order_requests_doc::add_request(phone.doc_mut(volume), &request).unwrap();
    assert!(phone.sync_now().await.is_empty());
    let answer = &phone.sync.confirmations_of(&phone.shop)[&request.id];
    let applied: Vec<&str> = answer
        .quote
        .as_ref()
        .unwrap()
        .promotions
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert!(applied.contains(&"coupon-new20"), "{answer:?}");
    let (_, rows) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/promotions",
        None,
    )
    .await;
    let uses = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "coupon-new20")
        .unwrap()["uses"]
        .clone();
    assert_eq!(uses, 1);
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_price_scheduled_ahead_reaches_devices_early_and_prices_orders_placed_from_then_on() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let schedule = |body: Value| {
        let (server, admin) = (&server, admin.clone());
        async move {
            call(
                server,
                &admin,
                reqwest::Method::POST,
                "/api/admin/price-changes",
                Some(body),
            )
            .await
        }
    };
    let from = now_ms() + 1_500;
    for (body, field, rule) in [
        (
            json!({"list": "tier/silver", "sku": "BEV-0002", "from_ms": 5, "price": "9.99"}),
            "from_ms",
            "not_in_future",
        ),
        (
            json!({"list": "list", "sku": "BEV-0002", "from_ms": from, "price": null}),
            "price",
            "required",
        ),
        (
            json!({"list": "tier/platinum", "sku": "BEV-0002", "from_ms": from, "price": "1"}),
            "list",
            "unknown",
        ),
        (
            json!({"list": "tier/silver", "sku": "NOPE-1", "from_ms": from, "price": "1"}),
            "sku",
            "unknown",
        ),
        (
            json!({"list": "tier/silver", "sku": "BEV-0002", "from_ms": from, "price": "-1"}),
            "price",
            "not_a_price",
        ),
    ] {
        let (status, error) = schedule(body).await;
        assert_eq!(
            (status, error["field"].as_str(), error["rule"].as_str()),
            (400, Some(field), Some(rule)),
            "{error}"
        );
    }
    let (status, _) = schedule(
        json!({"list": "tier/silver", "sku": "BEV-0002", "from_ms": from, "price": "9.99"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = schedule(
        json!({"list": "list", "sku": "BEV-0004", "from_ms": from + 60_000, "price": "1.11"}),
    )
    .await;
    assert_eq!(status, 201);

    let (_, grid) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/prices/BEV-0002",
        None,
    )
    .await;
    let silver = grid["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["list"] == "tier/silver")
        .unwrap();
    assert_eq!(silver["changes"][0]["from_ms"], from, "{grid}");
    let (_, page) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/price-lists/tier/silver?q=BEV-0002",
        None,
    )
    .await;
    assert_eq!(
        page["rows"][0]["price"]["changes"][0]["price"]["amount"], "9.99",
        "{page}"
    );

    // Bamboo (silver) holds the change before its time, and prices by it on its own.
    let mut phone = Device::new(&server, "bamboo", "bamboo123").await;
    assert!(phone.sync_now().await.is_empty());
    let tier_doc = DocId::TierPrices(domain::sku::TierId::parse("silver").unwrap());
    let held = docs::schema::price_doc::read_schedule(phone.sync.doc(&tier_doc).unwrap());
    let sku = Sku::parse("BEV-0002").unwrap();
    assert_eq!(held[&sku][0].from_ms, from);
    let catalog = read_catalog(phone.sync.doc(&DocId::Catalog).unwrap());
    assert_eq!(
        catalog.products[&Sku::parse("BEV-0004").unwrap()]
            .price_changes
            .len(),
        1
    );
    let book = domain::price_book::PriceBook {
        tier: Some(domain::sku::TierId::parse("silver").unwrap()),
        tier_prices: read_prices(phone.sync.doc(&tier_doc).unwrap()),
        tier_schedule: held,
        ..Default::default()
    };
    let list_price = catalog.products[&sku].list_price;
    let before = book.unit_price(&sku, list_price, from - 1).0;
    assert_eq!(
        book.unit_price(&sku, list_price, from)
            .0
            .amount()
            .to_string(),
        "9.99"
    );
    assert_ne!(before.amount().to_string(), "9.99");

    // Orders placed before and after the change, both arriving after it.
    tokio::time::sleep(std::time::Duration::from_millis(
        u64::try_from(from - now_ms() + 100).unwrap_or(0),
    ))
    .await;
    let mut ids = Vec::new();
    for (n, placed) in [(1u8, from - 1_000), (2, from + 10)] {
        let mut request = phone.build_request(
            &[("BEV-0002", 24)],
            domain::order::RequestId::from_random_bytes([40 + n; 16]),
        );
        request.placed_at_ms = placed;
        let volume = phone.sync.writable_volume(&phone.shop).unwrap();
        docs::schema::order_requests_doc::add_request(phone.doc_mut(volume), &request).unwrap();
        ids.push(request.id);
    }
    assert!(phone.sync_now().await.is_empty());
    let answers = phone.sync.confirmations_of(&phone.shop);
    let unit = |id| answers[id].priced.lines[0].unit_price;
    assert_eq!(
        (unit(&ids[0]), unit(&ids[1]).amount().to_string()),
        (before, "9.99".to_owned())
    );

    // A cancelled change goes; one a week old becomes the plain price.
    let cancel = json!({"list": "list", "sku": "BEV-0004", "from_ms": from + 60_000});
    let (status, _) = call(
        &server,
        &admin,
        reqwest::Method::DELETE,
        "/api/admin/price-changes",
        Some(cancel.clone()),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &server,
        &admin,
        reqwest::Method::DELETE,
        "/api/admin/price-changes",
        Some(cancel),
    )
    .await;
    assert_eq!(status, 404);
    let folded = http_device::with_store(&server, move |tx| {
        let docs = server::store::documents::DocCache::default();
        let catalog = server::store::catalog::CatalogCache::default();
        let actor = automerge::ActorId::random();
        server::prices_api::fold_due_changes(
            tx,
            (&docs, &actor),
            &catalog,
            from + 8 * 24 * 3_600_000,
        )
    })
    .await;
    assert_eq!(folded, 1);
    let (_, grid) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/prices/BEV-0002",
        None,
    )
    .await;
    let silver = grid["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["list"] == "tier/silver")
        .unwrap();
    assert_eq!(
        (
            silver["price"].as_str(),
            silver["changes"].as_array().unwrap().len()
        ),
        (Some("9.99"), 0)
    );
    assert!(phone.sync_now().await.is_empty());
    assert_eq!(
        read_prices(phone.sync.doc(&tier_doc).unwrap())[&sku]
            .amount()
            .to_string(),
        "9.99"
    );
    assert!(docs::schema::price_doc::read_schedule(phone.sync.doc(&tier_doc).unwrap()).is_empty());
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut bytes, image::ImageFormat::Png)
        .unwrap();
    bytes.into_inner()
}

#[tokio::test]
async fn a_product_photo_is_checked_made_into_webp_thumbnails_and_served_for_a_year() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let http = reqwest::Client::new();
    let upload = |body: Vec<u8>, token: String| {
        let request = http
            .post(format!("{}/api/admin/products/BEV-0001/image", server.base))
            .bearer_auth(token)
            .header("content-type", "image/png")
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    for (body, rule) in [
        (
            b"not a picture at all, although named photo.png".to_vec(),
            "not_an_image",
        ),
        (
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(),
            "not_an_image",
        ),
        (png(9000, 2), "too_large"),
        (Vec::new(), "required"),
    ] {
        let (status, error) = upload(body, admin.clone()).await;
        assert_eq!(
            (status, error["field"].as_str(), error["rule"].as_str()),
            (400, Some("image"), Some(rule)),
            "{error}"
        );
    }
    let cang = token(&server, "cang", "cang123").await;
    assert_eq!(upload(png(10, 10), cang).await.0, 403);

    let (status, product) = upload(png(1200, 900), admin.clone()).await;
    assert_eq!(status, 200, "{product}");
    let image = product["image"].clone();
    assert_eq!(
        (image["width"].as_u64(), image["height"].as_u64()),
        (Some(400), Some(300))
    );
    let small = image["small"].as_str().unwrap().to_owned();
    let response = http
        .get(format!("{}/img/{small}.webp", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/webp");
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!((&bytes[..4], &bytes[8..12]), (&b"RIFF"[..], &b"WEBP"[..]));
    let served = image::load_from_memory(&bytes).unwrap();
    assert_eq!((served.width(), served.height()), (400, 300));
    let large = http
        .get(format!(
            "{}/img/{}.webp",
            server.base,
            image["large"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(image::load_from_memory(&large).unwrap().width(), 800);
    let missing = http
        .get(format!("{}/img/{}.webp", server.base, "0".repeat(64)))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // Shops receive the photo with the product.
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let catalog = read_catalog(phone.sync.doc(&DocId::Catalog).unwrap());
    let held = catalog.products[&Sku::parse("BEV-0001").unwrap()]
        .image
        .clone()
        .unwrap();
    assert_eq!(held.small, small);
}

#[tokio::test]
async fn csv_exports_and_imports_are_checked_row_by_row_and_applied_whole_or_not_at_all() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let http = reqwest::Client::new();
    let export = |name: &'static str| {
        let request = http
            .get(format!("{}/api/admin/export/{name}", server.base))
            .bearer_auth(admin.clone());
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(
                response.headers()["content-type"],
                "text/csv; charset=utf-8"
            );
            response.text().await.unwrap()
        }
    };
    let products = export("products.csv").await;
    assert!(
        products.starts_with("\u{feff}sku,name_zh_hans,"),
        "{}",
        &products[..80]
    );
    assert_eq!(products.lines().count(), 201, "a header and 200 products");
    assert!(products.contains("BEV-0001,绿茶330ml,"));
    let prices = export("prices.csv").await;
    assert!(
        prices.contains("\nshop/shop-lotus,BEV-0001,2.07"),
        "{prices}"
    );
    let customers = export("customers.csv").await;
    assert!(
        customers.contains("shop-lotus,") && customers.contains(",wang"),
        "{customers}"
    );

    let import = |kind: &'static str, apply: bool, body: String| {
        let request = http
            .post(format!(
                "{}/api/admin/import/{kind}?apply={apply}",
                server.base
            ))
            .bearer_auth(admin.clone())
            .header("content-type", "text/csv")
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    // One bad row among good ones: every problem named, nothing changed.
    let file = "sku,name_zh_hans,category,list_price,pack_size\n\
                TEA-7001,普洱茶饼,beverages,88.00,1\n\
                BEV-0001,,,2.99,\n\
                TEA-7002,龙井,beverages,free,1\n\
                TEA-7003,铁观音,nowhere,30,1\n";
    let (status, report) = import("products", true, file.to_owned()).await;
    assert_eq!(status, 400, "{report}");
    let problems: Vec<(u64, &str, &str)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["field"].as_str().unwrap(),
                p["rule"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [(4, "list_price", "not_a_price"), (5, "category", "unknown")]
    );
    assert_eq!(report["applied"], false);
    let (_, none) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/products?q=TEA-700",
        None,
    )
    .await;
    assert_eq!(none["total"], 0, "nothing of a refused import was written");
    let (status, header) = import("products", false, "name,colour\nx,red\n".to_owned()).await;
    assert_eq!(
        (status, header["problems"][0]["rule"].as_str()),
        (400, Some("required"))
    );

    // Fixed: the preview says what would happen, the import does it.
    let file = "sku,name_zh_hans,category,list_price,pack_size\n\
                TEA-7001,普洱茶饼,beverages,88.00,1\n\
                BEV-0001,,,2.99,\n";
    let (status, preview) = import("products", false, file.to_owned()).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(
        (
            preview["created"].as_u64(),
            preview["updated"].as_u64(),
            preview["applied"].as_bool()
        ),
        (Some(1), Some(1), Some(false))
    );
    let (status, done) = import("products", true, file.to_owned()).await;
    assert_eq!(
        (status, done["applied"].as_bool()),
        (200, Some(true)),
        "{done}"
    );
    let (_, tea) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/products/TEA-7001",
        None,
    )
    .await;
    assert_eq!(tea["list_price"]["amount"], "88.00");

    let prices = "list,sku,price\n\
                  tier/gold,TEA-7001,80.00\n\
                  shop/shop-lotus,TEA-7001,75\n\
                  tier/platinum,TEA-7001,1\n";
    let (status, report) = import("prices", true, prices.to_owned()).await;
    assert_eq!(
        (status, report["problems"][0]["line"].as_u64()),
        (400, Some(4)),
        "{report}"
    );
    let prices = prices.lines().take(3).collect::<Vec<_>>().join("\n");
    let (status, report) = import("prices", true, prices).await;
    assert_eq!(
        (status, report["created"].as_u64()),
        (200, Some(2)),
        "{report}"
    );

    // The shop's phone prices the imported product by its own imported price.
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let own = read_prices(
        phone
            .sync
            .doc(&DocId::ShopPrices(phone.shop.clone()))
            .unwrap(),
    );
    assert_eq!(
        own[&Sku::parse("TEA-7001").unwrap()].amount().to_string(),
        "75"
    );
    // Customers: new shops with their owners' sign-in, changes to existing ones.
    let shops = "id,name,tier,active,managers,owner_username,owner_password\n\
                 shop-plum,梅花店,silver,,wang,plum,plum-secret\n\
                 shop-lotus,,,,,,\n\
                 shop-bamboo,竹青超市,gold,,,,\n\
                 shop-apricot,,silver,,,apricot,apricot-pass\n";
    let (status, report) = import("customers", true, shops.to_owned()).await;
    assert_eq!(status, 400, "{report}");
    assert_eq!(
        (
            report["problems"][0]["line"].as_u64(),
            report["problems"][0]["field"].as_str()
        ),
        (Some(5), Some("name"))
    );
    assert_eq!(
        sign_in(&server, "plum", "plum-secret").await.status(),
        401,
        "nothing created"
    );
    let shops = shops.lines().take(4).collect::<Vec<_>>().join("\n");
    let (status, report) = import("customers", true, shops).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["created"].as_u64(),
            report["updated"].as_u64(),
            report["unchanged"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(sign_in(&server, "plum", "plum-secret").await.status(), 200);
    let (_, bamboo) = call(
        &server,
        &admin,
        reqwest::Method::GET,
        "/api/admin/shops/shop-bamboo",
        None,
    )
    .await;
    assert_eq!(
        (bamboo["tier"].as_str(), bamboo["name"].as_str()),
        (Some("gold"), Some("竹青超市"))
    );

    let staff = token(&server, "cang", "cang123").await;
    let response = http
        .post(format!(
            "{}/api/admin/import/prices?apply=true",
            server.base
        ))
        .bearer_auth(staff)
        .body("list,sku,price\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn the_product_list_pages_by_cursor_without_repeating_or_missing_a_product() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    let total = loop {
        let path = match &after {
            Some(sku) => format!("/api/v1/admin/products?limit=37&after={sku}"),
            None => "/api/v1/admin/products?limit=37".to_owned(),
        };
        let (status, page) = call(&server, &admin, reqwest::Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        let total = page["total"].as_u64().unwrap();
        for product in page["products"].as_array().unwrap() {
            seen.push(product["sku"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break total,
        }
    };
    assert_eq!(seen.len() as u64, total);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "in SKU order, each once");
}

#[tokio::test]
async fn a_catalog_holds_at_most_500_categories_and_the_501st_is_refused() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let list = || async {
        let (status, categories) = call(
            &server,
            &admin,
            reqwest::Method::GET,
            "/api/admin/categories",
            None,
        )
        .await;
        assert_eq!(status, 200);
        categories.as_array().unwrap().len()
    };
    let create = |n: usize| {
        let (server, admin) = (&server, &admin);
        async move {
            call(
                server,
                admin,
                reqwest::Method::POST,
                "/api/admin/categories",
                Some(json!({"id": format!("extra-{n}"), "name": {"en": format!("Extra {n}"), "zh_hans": format!("分类{n}"), "zh_hant": format!("分類{n}")}})),
            )
            .await
        }
    };
    let demo = list().await;
    for n in demo..500 {
        let (status, body) = create(n).await;
        assert_eq!(status, 201, "{body}");
    }
    assert_eq!(list().await, 500);
    let (status, error) = create(500).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (409, Some("too_many_categories"))
    );
    assert_eq!(list().await, 500, "the refused category is not stored");
}

/// The intake prices an order on a read snapshot and the writer keeps that work only while
/// the pricing version is the one the snapshot read: every write to what orders are priced
/// with must move it (triggers do, on SQLite and PostgreSQL), and the writes every order
/// makes must not (or no draft would ever be kept).
#[tokio::test]
async fn every_change_to_what_orders_are_priced_with_moves_the_pricing_version() {
    use server::store::catalog::{self, CatalogCache, PriceList};
    use server::store::{Tx, commerce, stock};
    let server = spawn_server().await;
    let moved = http_device::with_store(&server, |tx| {
        let mut moved: Vec<(&str, bool)> = Vec::new();
        let mut last = catalog::pricing_version(tx)?;
        let mut check = |tx: &mut Tx<'_>, what: &'static str| -> anyhow::Result<()> {
            let now = catalog::pricing_version(tx)?;
            moved.push((what, now > last));
            last = now;
            Ok(())
        };
        let shop = domain::sku::ShopId::parse("shop-lotus")?;
        let product = catalog::products(tx, &CatalogCache::default())?
            .values()
            .next()
            .cloned()
            .unwrap();
        let price = domain::money::Money::parse_price("9.87", domain::money::Currency::Cny)?;
        commerce::add_unbilled(tx, &shop, price)?;
        check(tx, "an order's unbilled amount (must not move it)")?;
        catalog::put_product(tx, &product)?;
        check(tx, "a product")?;
        let tier = catalog::tier_of(tx, &shop)?.unwrap();
        catalog::set_price(tx, &PriceList::Tier(tier), &product.sku, Some(price))?;
        check(tx, "a tier price")?;
        catalog::set_price(
            tx,
            &PriceList::Shop(shop.clone()),
            &product.sku,
            Some(price),
        )?;
        check(tx, "a shop's own price")?;
        let later = domain::price_book::ScheduledPrice {
            from_ms: 4_102_444_800_000,
            price: Some(price),
        };
        catalog::schedule_price(tx, &PriceList::Shop(shop.clone()), &product.sku, later)?;
        check(tx, "a scheduled price")?;
        catalog::set_allowed_shops(tx, &product.sku, &["shop-lotus".to_owned()])?;
        check(tx, "who may buy a product")?;
        let terms = commerce::terms(tx)?;
        commerce::set_terms(tx, &terms)?;
        check(tx, "the sales terms")?;
        let promotion = commerce::promotions(tx)?.into_iter().next().unwrap();
        commerce::put_promotion(tx, &promotion)?;
        check(tx, "a promotion")?;
        commerce::delete_promotion(tx, promotion.id.as_str())?;
        check(tx, "a promotion deleted")?;
        let nearest = catalog::nearest_warehouses(tx, &shop)?;
        let supplier = stock::warehouses(tx)?
            .into_iter()
            .find(|w| !nearest.iter().any(|n| n.as_str() == w))
            .unwrap_or_else(|| "wh-test".to_owned());
        catalog::add_shop_warehouse(tx, "shop-lotus", &supplier, 99)?;
        check(tx, "a shop's warehouses")?;
        Ok(moved)
    })
    .await;
    let (intake, admin) = moved.split_first().unwrap();
    assert!(!intake.1, "{} moved the pricing version", intake.0);
    for (what, moved) in admin {
        assert!(moved, "{what} did not move the pricing version");
    }
}
