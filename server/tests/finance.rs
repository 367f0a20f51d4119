//! Money through the HTTP API as finance works it: invoices raised per shipment by each
//! shop's terms (net days, cash on delivery, prepaid), payments allocated to them (part,
//! whole, more than owed), receivables aging as the due dates pass, overdue invoices
//! blocking new orders and the block lifting once paid, reminders sent once per level
//! (and once across processes), and the shop's devices holding their account.

#[path = "support/http_device.rs"]
mod http_device;

use docs::schema::doc_id::DocId;
use docs::schema::price_doc::read_account;
use domain::ledger::EntryKind;
use domain::money::Money;
use domain::order::RequestId;
use domain::order_state::OrderState;
use http_device::{Device, TestServer, call, run_job, spawn_server, token, with_store};
use reqwest::Method;
use serde_json::{Value, json};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn number_of(phone: &Device, id: &RequestId) -> String {
    phone.sync.confirmations_of(&phone.shop)[id].number.clone()
}

fn state_of(phone: &Device, id: &RequestId) -> OrderState {
    phone.sync.confirmations_of(&phone.shop)[id].state
}

fn money(value: &Value) -> Money {
    serde_json::from_value(value.clone()).unwrap()
}

fn yuan(text: &str) -> Money {
    Money::parse(text, domain::money::Currency::Cny).unwrap()
}

/// Ships everything reserved for order `number` from wh-east.
async fn ship_all(server: &TestServer, cang: &str, number: &str) -> Value {
    let (status, detail) = call(
        server,
        cang,
        Method::GET,
        &format!("/api/admin/orders/{number}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    let (warehouse, lines) = detail["shippable"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .map(|(w, l)| (w.clone(), l.clone()))
        .unwrap();
    let (status, body) = call(
        server,
        cang,
        Method::POST,
        &format!("/api/orders/{number}/shipments"),
        Some(
            json!({ "warehouse": warehouse, "carrier": "顺丰", "tracking": "SF1", "lines": lines }),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn statement(server: &TestServer, token: &str, shop: &str) -> Value {
    let (status, body) = call(
        server,
        token,
        Method::GET,
        &format!("/api/finance/shops/{shop}/statement?from=2025-01-01&to=2027-12-31"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Σ of the statement's entries that move what is owed, from its opening.
fn owed_by_entries(statement: &Value) -> Money {
    let mut owed = money(&statement["opening"]);
    for entry in statement["entries"].as_array().unwrap() {
        let kind: EntryKind = serde_json::from_value(entry["kind"].clone()).unwrap();
        if kind.is_receivable() {
            owed = owed.checked_add(money(&entry["amount"])).unwrap();
        }
    }
    owed
}

async fn pay(server: &TestServer, cai: &str, body: Value) -> (u16, Value) {
    call(
        server,
        cai,
        Method::POST,
        "/api/finance/payments",
        Some(body),
    )
    .await
}

#[tokio::test]
async fn net_terms_invoice_per_shipment_age_block_orders_and_lift_once_paid() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let server = spawn_server().await;
    let cang = token(&server, "cang", "cang123").await;
    let cai = token(&server, "cai", "cai123").await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(phone.sync_now().await.is_empty());
    let id = phone.place_order(&[("BEV-0002", 24)], 1);
    assert!(phone.sync_now().await.is_empty());
    let number = number_of(&phone, &id);
    let total = money(
        &phone.sync.confirmations_of(&phone.shop)[&id]
            .quote
            .as_ref()
            .map(|q| serde_json::to_value(q.total).unwrap())
            .unwrap(),
    );

    // Before it ships, nothing is invoiced: the order counts as unbilled.
    let before = statement(&server, &cai, "shop-lotus").await;
    assert_eq!(before["open_invoices"], json!([]));
    assert_eq!(money(&before["unbilled"]), total);

    let shipped = ship_all(&server, &cang, &number).await;
    let shipment = shipped["shipment"]["number"].as_str().unwrap().to_owned();
    let invoice = format!("INV-{}", shipment.trim_start_matches("DH-"));
    let after = statement(&server, &cai, "shop-lotus").await;
    let open = after["open_invoices"].as_array().unwrap();
    assert_eq!(open.len(), 1, "{after}");
    assert_eq!(open[0]["number"], invoice);
    assert_eq!(money(&open[0]["total"]), total);
    let shipped_ms = shipped["shipment"]["shipped_ms"].as_i64().unwrap();
    assert_eq!(open[0]["due_ms"].as_i64(), Some(shipped_ms + 30 * DAY_MS));
    assert_eq!(money(&after["receivable"]), total);
    assert_eq!(money(&after["unbilled"]), yuan("0"));
    assert_eq!(owed_by_entries(&after), money(&after["closing"]));
    assert_eq!(money(&after["closing"]), total);

    // The printable invoice: its lines add up to its total.
    let (status, printed) = call(
        &server,
        &cai,
        Method::GET,
        &format!("/api/finance/invoices/{invoice}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{printed}");
    assert_eq!(printed["invoice"]["order"], number);
    assert_eq!(printed["invoice"]["lines"][0]["quantity"], 24);
    // Another shop cannot read it; staff without finance cannot list receivables.
    let bamboo = token(&server, "bamboo", "bamboo123").await;
    let (status, _) = call(
        &server,
        &bamboo,
        Method::GET,
        &format!("/api/finance/invoices/{invoice}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &server,
        &cang,
        Method::GET,
        "/api/finance/receivables",
        None,
    )
    .await;
    assert_eq!(status, 403);

    // The phone holds its account after a sync.
    phone.sync_now().await;
    let account = read_account(
        phone
            .sync
            .doc(&DocId::ShopPrices(phone.shop.clone()))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(account.open_invoices.len(), 1);
    assert_eq!(account.receivable, total);
    assert!(
        account
            .recent
            .iter()
            .any(|e| e.kind == EntryKind::Invoice && e.document == invoice)
    );

    // The account manager of the shop sees it among his; a shop does not.
    let wang = token(&server, "wang", "wang123").await;
    let (status, his) = call(
        &server,
        &wang,
        Method::GET,
        "/api/finance/receivables",
        None,
    )
    .await;
    assert_eq!(status, 200, "{his}");
    assert!(
        his["shops"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["shop"] == "shop-lotus" || r["shop"] == "shop-bamboo")
    );
    assert!(
        his["shops"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["shop"] == "shop-lotus")
    );
    let (status, _) = call(
        &server,
        &bamboo,
        Method::GET,
        "/api/finance/receivables",
        None,
    )
    .await;
    assert_eq!(status, 403);

    // Receivables: not yet due.
    let (status, aging) = call(&server, &cai, Method::GET, "/api/finance/receivables", None).await;
    assert_eq!(status, 200, "{aging}");
    let row = aging["shops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["shop"] == "shop-lotus")
        .unwrap()
        .clone();
    assert_eq!(money(&row["aging"]["current"]), total);
    assert_eq!(row["blocked"], false);
    assert!(
        aging["managers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["manager"] == "wang")
    );

    // 45 days later (the invoice's due date moved back as time would): 15 days overdue,
    // past the 7 days of grace.
    let moved = invoice.clone();
    with_store(&server, move |tx| {
        tx.execute(
            "UPDATE invoices SET due_ms = due_ms - ?2 WHERE number = ?1",
            server::params![moved.as_str(), 45 * DAY_MS],
        )?;
        Ok(())
    })
    .await;
    let (_, aging) = call(&server, &cai, Method::GET, "/api/finance/receivables", None).await;
    let row = aging["shops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["shop"] == "shop-lotus")
        .unwrap()
        .clone();
    assert_eq!(money(&row["aging"]["days_1_30"]), total, "{row}");
    assert_eq!(row["overdue_invoices"], 1);
    assert_eq!(row["blocked"], true);

    // A new order is refused while the invoice is overdue.
    let refused = phone.place_order(&[("BEV-0002", 12)], 2);
    phone.sync_now().await;
    assert_eq!(state_of(&phone, &refused), OrderState::Rejected);

    // Reminders: the levels of 3 and 15 days reached, each once, even when two processes
    // (two stores, each with its own connections) run the job at the same moment, or it
    // runs again this hour. In an hour of its own (the server's job may have run this one).
    let now = server::store::now_ms() + 2 * 60 * 60 * 1000;
    let (one, other) = tokio::join!(
        run_job(&server, server::jobs::send_reminders, now),
        run_job(&server, server::jobs::send_reminders, now)
    );
    let mut runs = [one, other];
    runs.sort();
    assert_eq!(runs, [None, Some(2)]);
    let again = run_job(&server, server::jobs::send_reminders, now).await;
    let later = run_job(&server, server::jobs::remind, now + 60_000).await;
    assert_eq!((again, later), (None, 0));
    let (_, aging) = call(&server, &cai, Method::GET, "/api/finance/receivables", None).await;
    let tasks: Vec<&Value> = aging["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["shop"] == "shop-lotus")
        .collect();
    assert_eq!(tasks.len(), 2, "{aging}");
    assert_eq!(tasks[0]["reminder"]["invoice"], invoice);

    // Bad payments change nothing.
    for (body, expect) in [
        (
            json!({"shop": "shop-lotus", "amount": "-5", "reference": "B1", "method": "bank"}),
            400,
        ),
        (
            json!({"shop": "shop-lotus", "amount": "abc", "reference": "B1", "method": "bank"}),
            400,
        ),
        (
            json!({"shop": "shop-lotus", "amount": "5.001", "reference": "B1", "method": "bank"}),
            400,
        ),
        (
            json!({"shop": "shop-lotus", "amount": "5", "reference": " ", "method": "bank"}),
            400,
        ),
        (
            json!({"shop": "shop-lotus", "amount": "5", "reference": "B1", "method": "barter"}),
            400,
        ),
        (
            json!({"shop": "shop-nowhere", "amount": "5", "reference": "B1", "method": "bank"}),
            404,
        ),
        (
            json!({"shop": "shop-lotus", "amount": "5", "reference": "B1", "method": "bank", "invoices": ["INV-999999-1"]}),
            409,
        ),
        (
            json!({"shop": "shop-lotus", "amount": "5", "reference": "B1", "method": "bank", "received_on": "2099-01-01"}),
            400,
        ),
    ] {
        let (status, answer) = pay(&server, &cai, body.clone()).await;
        assert_eq!(status, expect, "{body} → {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    let (status, _) = pay(
        &server,
        &cang,
        json!({"shop": "shop-lotus", "amount": "5", "reference": "B1", "method": "bank"}),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        money(&statement(&server, &cai, "shop-lotus").await["receivable"]),
        total
    );

    // Part of it: still overdue.
    let (status, paid) = pay(&server, &cai, json!({"shop": "shop-lotus", "amount": "100", "reference": "BANK-1", "method": "bank", "invoices": [invoice]})).await;
    assert_eq!(status, 201, "{paid}");
    assert_eq!(paid["allocations"][0][0], invoice.as_str());
    assert_eq!(money(&paid["allocations"][0][1]), yuan("100"));
    let (status, again) = pay(
        &server,
        &cai,
        json!({"shop": "shop-lotus", "amount": "100", "reference": "BANK-1", "method": "bank"}),
    )
    .await;
    assert_eq!(
        (status, again["error"].as_str()),
        (409, Some("duplicate_payment"))
    );
    let still = phone.place_order(&[("BEV-0002", 12)], 3);
    phone.sync_now().await;
    assert_eq!(state_of(&phone, &still), OrderState::Rejected);

    // The rest and 50 more: the invoice is paid, 50 stays on account, orders go through.
    let rest = total
        .checked_sub(yuan("100"))
        .unwrap()
        .checked_add(yuan("50"))
        .unwrap();
    let (status, paid) = pay(&server, &cai, json!({"shop": "shop-lotus", "amount": rest.amount().to_string(), "reference": "BANK-2", "method": "wechat", "received_on": "2026-11-30"})).await;
    assert_eq!(status, 201, "{paid}");
    assert_eq!(money(&paid["on_account"]), yuan("50"));
    assert_eq!(money(&paid["receivable"]), yuan("-50"));
    let closing = statement(&server, &cai, "shop-lotus").await;
    assert_eq!(closing["open_invoices"], json!([]));
    assert_eq!(owed_by_entries(&closing), yuan("-50"));
    assert_eq!(closing["reminders"], json!([]));
    let (_, aging) = call(&server, &cai, Method::GET, "/api/finance/receivables", None).await;
    assert!(
        aging["reminders"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["shop"] != "shop-lotus")
    );
    let accepted = phone.place_order(&[("BEV-0002", 12)], 4);
    phone.sync_now().await;
    assert_eq!(state_of(&phone, &accepted), OrderState::Confirmed);
    let account = read_account(
        phone
            .sync
            .doc(&DocId::ShopPrices(phone.shop.clone()))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(account.receivable, yuan("-50"));
    assert!(account.open_invoices.is_empty());

    // Its shipment's invoice takes the 50 on account first.
    let next = number_of(&phone, &accepted);
    ship_all(&server, &cang, &next).await;
    let after = statement(&server, &cai, "shop-lotus").await;
    let open = after["open_invoices"].as_array().unwrap();
    assert_eq!(
        money(&open[0]["open"]),
        money(&open[0]["total"]).checked_sub(yuan("50")).unwrap()
    );
    assert_eq!(money(&after["on_account"]), yuan("0"));
    assert_eq!(owed_by_entries(&after), money(&after["receivable"]));

    // The shop reads its own statement; not another's.
    let lotus = token(&server, "lotus", "lotus123").await;
    let (status, own) = call(
        &server,
        &lotus,
        Method::GET,
        "/api/shop/statement?from=2025-01-01&to=2027-12-31",
        None,
    )
    .await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["receivable"], after["receivable"]);
    let (status, _) = call(
        &server,
        &lotus,
        Method::GET,
        "/api/shop/statement?shop=shop-bamboo",
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(
        &server,
        &lotus,
        Method::GET,
        "/api/shop/statement?from=2026-02-30",
        None,
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn cash_on_delivery_falls_due_at_delivery_and_prepaid_is_paid_at_once() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let server = spawn_server().await;
    let cang = token(&server, "cang", "cang123").await;
    let cai = token(&server, "cai", "cai123").await;

    let mut bamboo = Device::new(&server, "bamboo", "bamboo123").await;
    bamboo.sync_now().await;
    let id = bamboo.place_order(&[("BEV-0002", 12)], 1);
    let problems = bamboo.sync_now().await;
    assert!(
        problems.is_empty(),
        "{problems:?} {:?}",
        bamboo.confirmations()
    );
    let number = number_of(&bamboo, &id);
    ship_all(&server, &cang, &number).await;
    let before = statement(&server, &cai, "shop-bamboo").await;
    assert_eq!(
        before["open_invoices"][0]["due_ms"],
        Value::Null,
        "{before}"
    );
    let (status, delivered) = call(
        &server,
        &cang,
        Method::POST,
        &format!("/api/orders/{number}/shipments/1/deliver"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{delivered}");
    let after = statement(&server, &cai, "shop-bamboo").await;
    assert_eq!(
        after["open_invoices"][0]["due_ms"].as_i64(),
        delivered["shipments"][0]["delivered_ms"].as_i64()
    );

    // Prepaid: the balance paid at confirmation (an entry); the invoice is settled at once.
    let mut peach = Device::new(&server, "peach", "peach123").await;
    peach.sync_now().await;
    let id = peach.place_order(&[("BEV-0002", 12)], 2);
    let problems = peach.sync_now().await;
    assert!(
        problems.is_empty(),
        "{problems:?} {:?}",
        peach.confirmations()
    );
    assert_eq!(state_of(&peach, &id), OrderState::Confirmed);
    let number = number_of(&peach, &id);
    let placed = statement(&server, &cai, "shop-peach").await;
    let spend = placed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "prepaid")
        .cloned()
        .unwrap();
    assert_eq!(spend["document"], number);
    assert!(money(&spend["amount"]).amount().is_sign_negative());
    assert_eq!(
        money(&placed["prepaid_opening"])
            .checked_add(money(&spend["amount"]))
            .unwrap(),
        money(&placed["prepaid_closing"])
    );
    assert_eq!(money(&placed["unbilled"]), yuan("0"));
    ship_all(&server, &cang, &number).await;
    let shipped = statement(&server, &cai, "shop-peach").await;
    assert_eq!(shipped["open_invoices"], json!([]), "{shipped}");
    assert_eq!(money(&shipped["receivable"]), yuan("0"));
    assert_eq!(owed_by_entries(&shipped), yuan("0"));
    let kinds: Vec<&str> = shipped["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["points", "prepaid", "invoice", "payment"]);
    // The points entry moved the balance the statement shows.
    let points = shipped["entries"][0].clone();
    assert_eq!(points["document"], number);
    assert_eq!(
        money(&points["balance"]).amount(),
        rust_decimal::Decimal::from(shipped["points"].as_u64().unwrap())
    );

    // Finance records a top-up into the prepaid balance; it pays no invoice.
    let (status, _) = pay(&server, &cai, json!({"shop": "shop-peach", "amount": "100", "reference": "WX-1", "method": "wechat", "to_prepaid": true, "invoices": ["INV-000001-1"]})).await;
    assert_eq!(status, 400);
    let (status, topped) = pay(&server, &cai, json!({"shop": "shop-peach", "amount": "100", "reference": "WX-1", "method": "wechat", "to_prepaid": true})).await;
    assert_eq!(status, 201, "{topped}");
    assert_eq!(topped["allocations"], json!([]));
    let after = statement(&server, &cai, "shop-peach").await;
    assert_eq!(
        money(&after["prepaid"]),
        money(&shipped["prepaid"]).checked_add(yuan("100")).unwrap()
    );
    let last = after["entries"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["document"].as_str()),
        (Some("prepaid"), Some("WX-1"))
    );
    assert_eq!(money(&last["balance"]), money(&after["prepaid"]));
    let (status, again) = pay(&server, &cai, json!({"shop": "shop-peach", "amount": "100", "reference": "WX-1", "method": "wechat", "to_prepaid": true})).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (409, Some("duplicate_payment"))
    );
    // The phone sees the new balance after a sync.
    peach.sync_now().await;
    let account = read_account(
        peach
            .sync
            .doc(&DocId::ShopPrices(peach.shop.clone()))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(account.recent[0].document, "WX-1");
}

#[tokio::test]
async fn sales_reports_add_up_the_same_by_every_dimension_with_margin_for_finance_only() {
    let server = spawn_server().await;
    let cai = token(&server, "cai", "cai123").await;
    let cang = token(&server, "cang", "cang123").await;
    let wang = token(&server, "wang", "wang123").await;
    let lotus_token = token(&server, "lotus", "lotus123").await;

    // Cost prices: refused when wrong, kept with their history.
    let costs = "/api/admin/products/BEV-0002/costs";
    for (body, expect) in [
        (json!({"cost": "-1"}), 400),
        (json!({"cost": "abc"}), 400),
        (json!({"cost": "1.234"}), 400),
        (json!({"cost": "1", "from": "2026-02-30"}), 400),
    ] {
        let (status, answer) = call(&server, &cai, Method::POST, costs, Some(body.clone())).await;
        assert_eq!(status, expect, "{body} → {answer}");
    }
    assert_eq!(
        call(
            &server,
            &cang,
            Method::POST,
            costs,
            Some(json!({"cost": "3"}))
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(
            &server,
            &cai,
            Method::POST,
            "/api/admin/products/NOP-0000/costs",
            Some(json!({"cost": "3"}))
        )
        .await
        .0,
        404
    );
    let (status, history) = call(
        &server,
        &cai,
        Method::POST,
        costs,
        Some(json!({"cost": "2.00", "from": "2025-01-01", "note": "旧进价"})),
    )
    .await;
    assert_eq!(status, 201, "{history}");
    let (status, history) = call(
        &server,
        &cai,
        Method::POST,
        costs,
        Some(json!({"cost": "3.00", "note": "新进价"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(money(&history[0]["cost"]), yuan("3"));

    let mut lotus = Device::new(&server, "lotus", "lotus123").await;
    lotus.sync_now().await;
    let first = lotus.place_order(&[("BEV-0002", 24), ("SNK-0002", 10)], 7);
    lotus.sync_now().await;
    // The order's page: each line's margin for finance, none for the warehouse.
    let number = number_of(&lotus, &first);
    let (_, page) = call(
        &server,
        &cai,
        Method::GET,
        &format!("/api/admin/orders/{number}"),
        None,
    )
    .await;
    let margins = page["margins"].as_array().unwrap();
    assert_eq!(margins[0]["sku"], "BEV-0002");
    assert_eq!(money(&margins[0]["cost"]), yuan("72"));
    assert!(margins[1]["cost"].is_null());
    let (_, page) = call(
        &server,
        &cang,
        Method::GET,
        &format!("/api/admin/orders/{number}"),
        None,
    )
    .await;
    assert!(page.get("margins").is_none());
    let mut bamboo = Device::new(&server, "bamboo", "bamboo123").await;
    bamboo.sync_now().await;
    bamboo.place_order(&[("BEV-0002", 12)], 8);
    bamboo.sync_now().await;

    let report = |token: String, query: &'static str| {
        let server = &server;
        async move {
            let (status, body) = call(
                server,
                &token,
                Method::GET,
                &format!("/api/reports/sales?from=2025-01-01&to=2027-12-31&{query}"),
                None,
            )
            .await;
            assert_eq!(status, 200, "{query}: {body}");
            body
        }
    };
    let by_product = report(cai.clone(), "by=product").await;
    let bev = by_product["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "BEV-0002")
        .unwrap()
        .clone();
    assert_eq!(bev["units"], 36);
    assert_eq!(bev["orders"], 2);
    assert_eq!(money(&bev["cost"]), yuan("108"));
    assert_eq!(
        money(&bev["margin"]),
        money(&bev["revenue"]).checked_sub(yuan("108")).unwrap()
    );
    assert_eq!(bev["uncosted_lines"], 0);
    // Best sellers first; the total counts each order once.
    assert_eq!(by_product["rows"][0]["key"], "BEV-0002");
    assert_eq!(by_product["total"]["orders"], 2);
    assert_eq!(by_product["total"]["uncosted_lines"], 1);
    let revenue = money(&by_product["total"]["revenue"]);
    for query in ["by=category", "by=shop", "by=tier", "by=month", "by=day"] {
        let other = report(cai.clone(), query).await;
        assert_eq!(money(&other["total"]["revenue"]), revenue, "{query}");
        let sum = other["rows"]
            .as_array()
            .unwrap()
            .iter()
            .fold(yuan("0"), |sum, r| {
                sum.checked_add(money(&r["revenue"])).unwrap()
            });
        assert_eq!(sum, revenue, "{query}");
    }
    // Slow sellers: products that sold nothing come first.
    let slow = report(cai.clone(), "by=product&sort=units&order=asc").await;
    assert_eq!(slow["rows"][0]["units"], 0);
    // Staff without finance see sales without cost or margin.
    let plain = report(cang.clone(), "by=product").await;
    assert!(
        plain["rows"][0].get("cost").is_none() && plain["rows"][0].get("margin").is_none(),
        "{}",
        plain["rows"][0]
    );
    assert_eq!(plain["with_cost"], false);
    assert_eq!(
        call(
            &server,
            &cang,
            Method::GET,
            "/api/reports/sales?sort=margin",
            None
        )
        .await
        .0,
        400
    );
    // A manager sees his own shops.
    let managed = report(wang.clone(), "by=shop").await;
    let shops: Vec<&str> = managed["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert!(!shops.is_empty());
    let by_manager = report(cai.clone(), "by=manager").await;
    let wang_row = by_manager["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "wang")
        .unwrap()
        .clone();
    assert_eq!(wang_row["revenue"], managed["total"]["revenue"]);
    // Shops do not read reports; bad queries are refused.
    assert_eq!(
        call(
            &server,
            &lotus_token,
            Method::GET,
            "/api/reports/sales",
            None
        )
        .await
        .0,
        403
    );
    for query in ["by=colour", "sort=weight", "order=up", "from=2026-13-01"] {
        let (status, body) = call(
            &server,
            &cai,
            Method::GET,
            &format!("/api/reports/sales?{query}"),
            None,
        )
        .await;
        assert_eq!(status, 400, "{query}: {body}");
    }
}

/// Runs the commission settlement (the job's work, without its hourly claim) at `now`.
async fn settle_commissions(server: &TestServer, now: i64) -> usize {
    run_job(server, server::referrals::settle_due, now).await
}

#[tokio::test]
async fn a_shop_brought_in_earns_its_inviter_a_share_once_the_return_window_passes() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cang = token(&server, "cang", "cang123").await;
    let cai = token(&server, "cai", "cai123").await;
    let lotus = token(&server, "lotus", "lotus123").await;
    let bamboo = token(&server, "bamboo", "bamboo123").await;

    // The admin sets 5 % after 7 days; nonsense is refused, and only admins set it.
    for (rules, expect) in [
        (json!({"percent": "0", "window_days": 7}), 400),
        (json!({"percent": "80", "window_days": 7}), 400),
        (json!({"percent": "5", "window_days": 9999}), 400),
        (json!({"percent": "5", "window_days": 7}), 200),
    ] {
        let (status, body) = call(
            &server,
            &admin,
            Method::PUT,
            "/api/admin/referral-rules",
            Some(json!({ "rules": rules })),
        )
        .await;
        assert_eq!(status, expect, "{rules} → {body}");
    }
    let (status, _) = call(
        &server,
        &cai,
        Method::PUT,
        "/api/admin/referral-rules",
        Some(json!({"rules": null})),
    )
    .await;
    assert_eq!(status, 403);

    // Lotus's code, the same every time it is asked for.
    let (status, own) = call(&server, &lotus, Method::GET, "/api/shop/referral", None).await;
    assert_eq!(status, 200, "{own}");
    let code = own["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    let (_, again) = call(&server, &lotus, Method::GET, "/api/shop/referral", None).await;
    assert_eq!(again["code"], code.as_str());
    assert_eq!(again["rules"]["window_days"], 7);
    // The demo's Peach Corner was brought in by Lotus already.
    assert_eq!(again["invitees"][0]["shop"], "shop-peach");

    // Bamboo takes it (typed in lower case); then no second inviter, no loop, no made-up code.
    let take = |code: String| json!({ "code": code });
    let (status, _) = call(
        &server,
        &bamboo,
        Method::POST,
        "/api/shop/referral",
        Some(take("ZZZZZZ".into())),
    )
    .await;
    assert_eq!(status, 404);
    let (status, taken) = call(
        &server,
        &bamboo,
        Method::POST,
        "/api/shop/referral",
        Some(take(format!(" {} ", code.to_lowercase()))),
    )
    .await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["inviter"]["shop"], "shop-lotus");
    assert_eq!(taken["may_take_code"], false);
    let bamboo_code = taken["code"].as_str().unwrap().to_owned();
    let (status, body) = call(
        &server,
        &bamboo,
        Method::POST,
        "/api/shop/referral",
        Some(take(code.clone())),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("already_invited"))
    );
    let (status, body) = call(
        &server,
        &lotus,
        Method::POST,
        "/api/shop/referral",
        Some(take(bamboo_code)),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (409, Some("invite_loop")));
    // Bamboo cannot read Lotus's page.
    let (status, _) = call(
        &server,
        &bamboo,
        Method::GET,
        "/api/shop/referral?shop=shop-lotus",
        None,
    )
    .await;
    assert_eq!(status, 403);

    // Bamboo orders; the shipment is expected to earn Lotus 5 % of its goods.
    let mut phone = Device::new(&server, "bamboo", "bamboo123").await;
    phone.sync_now().await;
    let id = phone.place_order(&[("BEV-0002", 24)], 1);
    assert!(phone.sync_now().await.is_empty());
    let number = number_of(&phone, &id);
    let order = &phone.sync.confirmations_of(&phone.shop)[&id];
    let goods = order.quote.as_ref().unwrap().lines[0].net;
    let expected = domain::commission::ReferralRules {
        percent: rust_decimal::Decimal::new(5, 0),
        window_days: 7,
    }
    .share_of(goods);
    assert!(!expected.is_zero());
    ship_all(&server, &cang, &number).await;
    let (_, page) = call(&server, &lotus, Method::GET, "/api/shop/referral", None).await;
    let row = page["invitees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["shop"] == "shop-bamboo")
        .unwrap()
        .clone();
    assert_eq!(money(&row["goods"]), goods, "{page}");
    assert_eq!(money(&row["pending"]), expected);
    assert_eq!(money(&row["paid"]), yuan("0"));
    let (status, listed) = call(&server, &cai, Method::GET, "/api/finance/commissions", None).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["inviters"][0]["shop"], "shop-lotus");
    assert_eq!(money(&listed["pending"]), expected);
    let (status, _) = call(
        &server,
        &cang,
        Method::GET,
        "/api/finance/commissions",
        None,
    )
    .await;
    assert_eq!(status, 403);

    // Within the window nothing is paid; after it, once.
    let now = server::store::now_ms();
    assert_eq!(settle_commissions(&server, now).await, 0);
    let later = now + 8 * DAY_MS;
    assert_eq!(settle_commissions(&server, later).await, 1);
    assert_eq!(settle_commissions(&server, later + 1).await, 0);
    let (_, page) = call(&server, &lotus, Method::GET, "/api/shop/referral", None).await;
    let row = page["invitees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["shop"] == "shop-bamboo")
        .unwrap()
        .clone();
    assert_eq!(money(&row["pending"]), yuan("0"));
    assert_eq!(money(&row["paid"]), expected);
    // On Lotus's account: a credit it has on account (it owes nothing yet).
    let account = statement(&server, &cai, "shop-lotus").await;
    let entry = account["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["reason"].as_str().unwrap_or("").contains("分销佣金"))
        .unwrap_or_else(|| panic!("{account}"))
        .clone();
    assert_eq!(
        money(&entry["amount"]),
        yuan("0").checked_sub(expected).unwrap()
    );
    assert_eq!(money(&account["on_account"]), expected);
    assert_eq!(owed_by_entries(&account), money(&account["closing"]));

    // The hourly job claims its hour once across processes (two stores at once).
    let hour = later + 2 * 60 * 60 * 1000;
    let (one, other) = tokio::join!(
        run_job(&server, server::jobs::settle_commissions, hour),
        run_job(&server, server::jobs::settle_commissions, hour)
    );
    let mut runs = [one, other];
    runs.sort();
    assert_eq!(runs, [None, Some(0)]);

    // An admin corrects who brought a shop in; a loop is refused.
    let (status, body) = call(
        &server,
        &admin,
        Method::PUT,
        "/api/admin/shops/shop-lotus/inviter",
        Some(json!({"inviter": "shop-peach"})),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (409, Some("invite_loop")));
    let (status, body) = call(
        &server,
        &admin,
        Method::PUT,
        "/api/admin/shops/shop-bamboo/inviter",
        Some(json!({"inviter": null})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["inviter"], Value::Null);
}

#[tokio::test]
async fn fill_rate_counts_orders_shipped_on_time_and_in_full_and_waits_for_open_ones() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let server = spawn_server().await;
    let cang = token(&server, "cang", "cang123").await;
    let cai = token(&server, "cai", "cai123").await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    phone.sync_now().await;
    let shipped = phone.place_order(&[("BEV-0002", 12)], 1);
    let waiting = phone.place_order(&[("BEV-0002", 24), ("SNK-0002", 10)], 2);
    assert!(phone.sync_now().await.is_empty());
    ship_all(&server, &cang, &number_of(&phone, &shipped)).await;
    let report = |query: &str| {
        let (server, cai, query) = (&server, cai.clone(), query.to_owned());
        async move {
            let (status, body) = call(
                server,
                &cai,
                Method::GET,
                &format!("/api/reports/fill-rate?from=2025-01-01&to=2027-12-31{query}"),
                None,
            )
            .await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };

    // Within its promise, the unshipped order is open, not late.
    let now = report("&by=shop&within_hours=48").await;
    assert_eq!(now["total"]["orders"], 2, "{now}");
    assert_eq!(now["total"]["open"], 1);
    assert_eq!(now["total"]["otif"], 1);
    assert_eq!(now["total"]["otif_rate"], "100");
    assert_eq!(now["rows"][0]["key"], "shop-lotus");

    // Three hours later against a promise of one hour it is late, and nothing of it left.
    let moved = waiting.as_str().to_owned();
    with_store(&server, move |tx| {
        for table in ["orders", "order_lines"] {
            tx.execute(
                &format!("UPDATE {table} SET received_ms = received_ms - ?2 WHERE request_id = ?1"),
                server::params![moved.as_str(), 3_i64 * 60 * 60 * 1000],
            )?;
        }
        Ok(())
    })
    .await;
    let late = report("&by=shop&within_hours=1").await;
    assert_eq!(late["total"]["judged"], 2, "{late}");
    assert_eq!(late["total"]["otif"], 1);
    assert_eq!(late["total"]["otif_rate"], "50");
    assert_eq!(late["total"]["ordered_units"], 12 + 34);
    assert_eq!(late["total"]["shipped_units"], 12);
    assert_eq!(late["total"]["fill_rate"], "26.1");
    // By product: the one only the late order had is at 0 %, listed first.
    let products = report("&by=product&within_hours=1").await;
    assert_eq!(products["rows"][0]["key"], "SNK-0002", "{products}");
    assert_eq!(products["rows"][0]["otif_rate"], "0");
    // By manager: Wang manages Lotus, and sees his own shops only.
    let managers = report("&by=manager&within_hours=1").await;
    assert_eq!(managers["rows"][0]["key"], "wang", "{managers}");
    let wang = token(&server, "wang", "wang123").await;
    let (status, his) = call(
        &server,
        &wang,
        Method::GET,
        "/api/reports/fill-rate?by=month&from=2025-01-01&to=2027-12-31",
        None,
    )
    .await;
    assert_eq!(status, 200, "{his}");
    assert_eq!(his["total"]["orders"], 2);

    // Refusals.
    for (query, expect) in [
        ("&by=colour", 400),
        ("&within_hours=0", 400),
        ("&within_hours=abc", 400),
        ("&from=2026-13-01", 400),
    ] {
        let (status, body) = call(
            &server,
            &cai,
            Method::GET,
            &format!("/api/reports/fill-rate?to=2027-12-31{query}"),
            None,
        )
        .await;
        assert_eq!(status, expect, "{query} → {body}");
        assert!(body["error"].is_string());
    }
    let lotus = token(&server, "lotus", "lotus123").await;
    let (status, _) = call(&server, &lotus, Method::GET, "/api/reports/fill-rate", None).await;
    assert_eq!(status, 403);
}
