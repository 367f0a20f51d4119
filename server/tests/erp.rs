//! An ERP's pull (issue 14, point 5): orders, invoices and payments of a period as CSV in
//! the documented layout, and invoices and payments changed after a cursor; a key reads
//! only what its scopes name.

#[path = "support/http_device.rs"]
mod http_device;

use http_device::{TestServer, call, spawn_server, token};
use reqwest::Method;
use serde_json::{Value, json};

async fn make_key(server: &TestServer, admin: &str, scopes: &[&str]) -> String {
    let (status, body) = call(
        server,
        admin,
        Method::POST,
        "/api/admin/api-keys",
        Some(json!({ "name": format!("ERP {}", scopes.join("+")), "scopes": scopes })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["key"].as_str().unwrap().to_owned()
}

/// A CSV export: its status and, when 200, its rows as column → value maps.
async fn export(server: &TestServer, token: &str, path: &str) -> (u16, Vec<Vec<(String, String)>>) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status != 200 {
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].is_string(), "{body}");
        return (status, Vec::new());
    }
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let text = response.text().await.unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect();
    (status, rows)
}

fn cell<'a>(row: &'a [(String, String)], column: &str) -> &'a str {
    &row.iter().find(|(c, _)| c == column).unwrap().1
}

async fn place(server: &TestServer, key: &str, idempotency: &str, lines: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/api/orders", server.base))
        .bearer_auth(key)
        .header("Idempotency-Key", idempotency)
        .json(&json!({ "shop": "shop-lotus", "lines": lines, "note": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_erp_pulls_orders_invoices_and_payments_by_period_and_by_cursor() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let cang = token(&server, "cang", "cang123").await;
    let cai = token(&server, "cai", "cai123").await;
    let writer = make_key(&server, &admin, &["orders:write"]).await;
    let first = place(
        &server,
        &writer,
        "erp-1",
        json!([{ "sku": "BEV-0001", "quantity": 12 }, { "sku": "BEV-0002", "quantity": 24 }]),
    )
    .await;
    let second = place(
        &server,
        &writer,
        "erp-2",
        json!([{ "sku": "BEV-0001", "quantity": 24 }]),
    )
    .await;
    let number = first["number"].as_str().unwrap().to_owned();

    // Orders of the period: one row per line, with the order's total on each.
    // No period: this month until today (China time).
    let today = "";
    let (status, rows) = export(&server, &admin, &format!("/api/export/orders.csv?{today}")).await;
    assert_eq!(status, 200);
    assert_eq!(rows.len(), 3, "{rows:?}");
    let of_first: Vec<_> = rows
        .iter()
        .filter(|r| cell(r, "order_number") == number)
        .collect();
    assert_eq!(of_first.len(), 2);
    assert_eq!(cell(of_first[0], "line"), "1");
    assert_eq!(cell(of_first[0], "sku"), "BEV-0001");
    assert_eq!(cell(of_first[0], "quantity"), "12");
    assert_eq!(cell(of_first[0], "channel"), "api");
    assert_eq!(cell(of_first[0], "shop"), "shop-lotus");
    assert!(!cell(of_first[0], "shop_name").is_empty());
    assert!(cell(of_first[0], "received_at").ends_with("+08:00"));
    let line_sum: rust_decimal::Decimal = rows
        .iter()
        .filter(|r| cell(r, "order_number") == second["number"].as_str().unwrap())
        .map(|r| {
            cell(r, "line_total")
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert!(line_sum > rust_decimal::Decimal::ZERO);
    // A period with nothing in it: the header alone.
    let (_, none) = export(
        &server,
        &admin,
        "/api/export/orders.csv?from=2020-01-01&to=2020-01-31",
    )
    .await;
    assert!(none.is_empty());

    // Ship the first order: an invoice. Finance records a payment against it.
    let (status, shipped) = call(
        &server,
        &cang,
        Method::POST,
        &format!("/api/orders/{number}/shipments"),
        Some(
            json!({ "warehouse": "wh-east", "carrier": "顺丰", "tracking": "SF1",
                     "lines": { "BEV-0001": 12, "BEV-0002": 24 } }),
        ),
    )
    .await;
    assert_eq!(status, 200, "{shipped}");
    let finance = make_key(&server, &admin, &["finance:read"]).await;
    let (status, page) = call(
        &server,
        &finance,
        Method::GET,
        "/api/invoices/changes?after=0",
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let invoices = page["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 1, "{page}");
    let invoice = invoices[0]["number"].as_str().unwrap().to_owned();
    assert_eq!(invoices[0]["order_number"], number.as_str());
    assert_eq!(invoices[0]["total"], invoices[0]["open"]);
    let cursor = page["next"].as_i64().unwrap();
    let (_, empty) = call(
        &server,
        &finance,
        Method::GET,
        &format!("/api/invoices/changes?after={cursor}"),
        None,
    )
    .await;
    assert_eq!(empty["invoices"], json!([]));
    assert_eq!(empty["next"], cursor);

    let (status, paid) = call(
        &server,
        &cai,
        Method::POST,
        "/api/finance/payments",
        Some(json!({"shop": "shop-lotus", "amount": "50", "reference": "BANK-7", "method": "bank", "invoices": [invoice]})),
    )
    .await;
    assert_eq!(status, 201, "{paid}");
    // The paid invoice comes again after the cursor, as it is now.
    let (_, changed) = call(
        &server,
        &finance,
        Method::GET,
        &format!("/api/invoices/changes?after={cursor}"),
        None,
    )
    .await;
    let again = changed["invoices"].as_array().unwrap();
    assert_eq!(again.len(), 1, "{changed}");
    assert_eq!(again[0]["number"], invoice.as_str());
    assert!(again[0]["change"].as_i64().unwrap() > cursor);
    let open: rust_decimal::Decimal = again[0]["open"].as_str().unwrap().parse().unwrap();
    let total: rust_decimal::Decimal = again[0]["total"].as_str().unwrap().parse().unwrap();
    assert_eq!(total - open, rust_decimal::Decimal::new(50, 0));
    let (status, payments) = call(
        &server,
        &finance,
        Method::GET,
        "/api/payments/changes?after=0",
        None,
    )
    .await;
    assert_eq!(status, 200, "{payments}");
    assert_eq!(payments["payments"][0]["reference"], "BANK-7");
    assert_eq!(payments["payments"][0]["amount"], "50.00");
    assert_eq!(
        payments["payments"][0]["allocations"][0]["invoice"],
        invoice.as_str()
    );
    assert_eq!(payments["payments"][0]["recorded_by"], "cai");

    // The same by CSV.
    let (status, rows) = export(
        &server,
        &finance,
        &format!("/api/export/invoices.csv?{today}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(rows.len(), 1);
    assert_eq!(cell(&rows[0], "invoice_number"), invoice);
    assert_eq!(cell(&rows[0], "paid"), "50.00");
    let (status, rows) = export(&server, &cai, &format!("/api/export/payments.csv?{today}")).await;
    assert_eq!(status, 200);
    assert_eq!(rows.len(), 1);
    assert_eq!(cell(&rows[0], "invoice"), invoice);
    assert_eq!(cell(&rows[0], "allocated"), "50.00");
    assert_eq!(cell(&rows[0], "payment_amount"), "50.00");

    // Scopes: a finance key reads no orders; an orders key no money; staff without
    // finance neither; unknown exports and bad periods are refused with the JSON body.
    let reader = make_key(&server, &admin, &["orders:read"]).await;
    assert_eq!(
        export(&server, &reader, &format!("/api/export/orders.csv?{today}"))
            .await
            .0,
        200
    );
    for (who, path) in [
        (&finance, format!("/api/export/orders.csv?{today}")),
        (&reader, format!("/api/export/invoices.csv?{today}")),
        (&reader, "/api/payments/changes".to_owned()),
        (&cang, "/api/invoices/changes".to_owned()),
    ] {
        let (status, body) = call(&server, who, Method::GET, &path, None).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(body["error"].is_string());
    }
    for (path, status) in [
        ("/api/export/secrets.csv".to_owned(), 404),
        ("/api/export/orders.csv?from=yesterday".to_owned(), 400),
        (
            "/api/export/orders.csv?from=2026-02-01&to=2026-01-01".to_owned(),
            400,
        ),
        ("/api/export/orders.csv?shop=x".to_owned(), 400),
        ("/api/invoices/changes?after=x".to_owned(), 400),
    ] {
        let (got, body) = call(&server, &admin, Method::GET, &path, None).await;
        assert_eq!(got, status, "{path}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
}
