//! `make bench` (part): the back office's order list at 100,000 orders. A real server on
//! SQLite gets one real order through sync, then 100,000 more written beside it (copies of
//! that order's confirmation over a year, three shops, every channel, most of them
//! completed), and each filter the order page offers is timed over HTTP as the back office
//! calls it: median and slowest of 20 calls, first page of 50 and a page deep in the list;
//! then receivables by age over 10,000 open invoices, each sales report over a year and
//! the fill-rate report over a year (its shipped orders left 0–3 days after they came in);
//! the forecast-accuracy report over a year of weekly proposals to each shop.
#![allow(clippy::print_stdout)] // a report is its output
#![allow(clippy::float_arithmetic)] // timings, never money

#[path = "../tests/support/http_device.rs"]
mod http_device;

use std::time::Instant;

use domain::order::{OrderConfirmation, RequestId};
use domain::order_state::OrderState;
use domain::sku::ShopId;
use http_device::{Device, sign_in, spawn_server, with_store};
use serde_json::Value;
use server::store::{money, orders};

const ORDERS: u64 = 100_000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[tokio::main]
async fn main() {
    let server = spawn_server().await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    phone.sync_now().await;
    let id = phone.place_order(&[("BEV-0001", 12), ("SNK-0002", 10)], 1);
    phone.sync_now().await;
    let template = phone.sync.confirmations_of(&phone.shop)[&id].clone();

    let started = Instant::now();
    let now = server::store::now_ms();
    with_store(&server, move |tx| {
        let numbers = orders::take_numbers(tx, usize::try_from(ORDERS)?)?;
        let shops = ["shop-lotus", "shop-bamboo", "shop-peach"].map(|s| ShopId::parse(s).unwrap());
        let channels = [
            "storefront",
            "storefront",
            "storefront",
            "manager",
            "office",
            "import",
        ];
        for n in 0..ORDERS {
            let numbered = numbers.nth(usize::try_from(n)?);
            let seq = numbered.seq;
            let mut order: OrderConfirmation = template.clone();
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&n.to_be_bytes());
            bytes[8] = 0xfe;
            order.request_id = RequestId::from_random_bytes(bytes);
            order.number = format!("DH-{seq:06}");
            // The newest orders are still open; a year of history is done.
            let age = ORDERS - n;
            order.state = match age {
                0..=40 => OrderState::Confirmed,
                41..=60 => OrderState::OnHold,
                61..=90 => OrderState::Picking,
                91..=200 => OrderState::Shipped,
                _ if n % 50 == 0 => OrderState::Cancelled,
                _ => OrderState::Completed,
            };
            let received = now - i64::try_from(age)? * 365 * DAY_MS / i64::try_from(ORDERS)?;
            let origin = orders::Origin {
                placed_by: "bench",
                device: 0,
                channel: channels[usize::try_from(n % 6)?],
                home_warehouse: Some(if n % 2 == 0 { "wh-east" } else { "wh-north" }),
            };
            let shop = &shops[usize::try_from(n % 3)?];
            order.allocations.clear();
            let json = serde_json::to_string(&order)?;
            orders::insert(
                tx,
                numbered,
                shop,
                0,
                (&order, &json),
                origin,
                &Default::default(),
                received,
            )?;
            // Shipped orders left 0–3 days after they came in (the fill-rate report).
            if matches!(order.state, OrderState::Shipped | OrderState::Completed) {
                let shipment = domain::fulfilment::ShipmentRecord {
                    number: format!("{}-1", order.number),
                    warehouse: domain::sku::WarehouseId::parse("wh-east")?,
                    carrier: "顺丰".into(),
                    tracking: String::new(),
                    lines: domain::fulfilment::ordered_quantities(&order),
                    shipped_ms: received + i64::try_from(n % 4)? * DAY_MS,
                    by: "bench".into(),
                    delivered_ms: None,
                    fee: None,
                    shipped_with: Vec::new(),
                };
                orders::add_shipment(tx, shop, order.request_id.as_str(), &shipment)?;
            }
            // One order in ten still owes its invoice, due 30 days after it was taken in.
            if n % 10 == 0 && order.state == OrderState::Completed {
                let total = order.quote.as_ref().map_or(order.priced.total, |q| q.total);
                let invoice = domain::invoice::Invoice {
                    number: format!("INV-{seq:06}-1"),
                    order: order.number.clone(),
                    shipment: format!("{}-1", order.number),
                    issued_ms: received,
                    due_ms: Some(received + 30 * DAY_MS),
                    terms: domain::credit::PaymentTerms::Net { days: 30 },
                    lines: Vec::new(),
                    shipping: domain::money::Money::zero(domain::money::Currency::Cny),
                    tax_mode: domain::quote::TaxMode::Inclusive,
                    tax: domain::money::Money::zero(domain::money::Currency::Cny),
                    total,
                };
                money::insert_invoice(tx, shop, order.request_id.as_str(), &invoice, total)?;
            }
        }
        // A proposal a week to each shop from its manager (the accuracy report).
        for week in 0..52_i64 {
            for (index, shop) in shops.iter().enumerate() {
                tx.execute(
                    "INSERT INTO proposals (id, shop, sender, by_name, sent_ms, lines, answer, answered_ms, recorded_ms)
                     VALUES (?1, ?2, 'wang', '王经理', ?3, ?4, 'ordered', ?3, ?3)",
                    server::params![
                        format!("{week:016x}{index:016x}"),
                        shop.as_str(),
                        now - (week + 1) * 7 * DAY_MS,
                        r#"{"BEV-0001": 120, "SNK-0002": 100}"#
                    ],
                )?;
            }
        }
        Ok(())
    })
    .await;
    println!(
        "## The order list at {ORDERS} orders (SQLite, over HTTP)\n\nwritten in {:.1} s\n",
        started.elapsed().as_secs_f64()
    );

    let admin: Value = sign_in(&server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    let token = admin["token"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    let get = async |path: &str| -> (f64, Value) {
        let started = Instant::now();
        let response = http
            .get(format!("{}{path}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let body: Value = response.json().await.unwrap();
        (started.elapsed().as_secs_f64() * 1000.0, body)
    };
    let deep = format!("before={}", ORDERS / 2);
    let half_year = now - 182 * DAY_MS;
    let week = format!("from={half_year}&to={}", half_year + 7 * DAY_MS);
    let middle = format!("number={}", ORDERS / 3);
    let cases: Vec<(&str, String)> = vec![
        ("newest 50, no filter", "/api/orders?limit=50".into()),
        (
            "a page half-way down",
            format!("/api/orders?limit=50&{deep}"),
        ),
        (
            "state = on hold",
            "/api/orders?limit=50&state=on_hold".into(),
        ),
        (
            "state = cancelled, deep",
            format!("/api/orders?limit=50&state=cancelled&{deep}"),
        ),
        ("one shop", "/api/orders?limit=50&shop=shop-peach".into()),
        (
            "one account manager",
            "/api/orders?limit=50&manager=wang".into(),
        ),
        (
            "one warehouse",
            "/api/orders?limit=50&warehouse=wh-north".into(),
        ),
        (
            "channel = import",
            "/api/orders?limit=50&channel=import".into(),
        ),
        (
            "one week, six months ago",
            format!("/api/orders?limit=50&{week}"),
        ),
        ("by number", format!("/api/orders?limit=50&{middle}")),
        (
            "shop + state + channel",
            "/api/orders?limit=50&shop=shop-lotus&state=completed&channel=manager".into(),
        ),
        ("home page counts", "/api/admin/dashboard".into()),
        (
            "one order's page",
            format!("/api/admin/orders/{}", ORDERS / 3),
        ),
        (
            "receivables by age (10,000 open invoices)",
            "/api/finance/receivables".into(),
        ),
    ];
    // Reports over the whole year.
    let year = format!(
        "from={}&to={}",
        domain::quota::local_date(now - 365 * DAY_MS, domain::checkout::UTC_OFFSET_MINUTES),
        domain::quota::local_date(now, domain::checkout::UTC_OFFSET_MINUTES)
    );
    let cases: Vec<(&str, String)> = cases
        .into_iter()
        .chain(
            [
                "product", "category", "shop", "tier", "manager", "month", "day",
            ]
            .into_iter()
            .map(|by| {
                (
                    "sales report over a year",
                    format!("/api/reports/sales?by={by}&{year}"),
                )
            }),
        )
        .chain(["shop", "product", "month"].into_iter().map(|by| {
            (
                "fill-rate report over a year",
                format!("/api/reports/fill-rate?by={by}&{year}"),
            )
        }))
        .chain(["shop", "manager", "month"].into_iter().map(|by| {
            (
                "forecast accuracy over a year (156 proposals)",
                format!("/api/reports/forecast-accuracy?by={by}&{year}"),
            )
        }))
        .collect();
    println!("| list | rows | median ms | slowest ms |\n|---|---|---|---|");
    for (name, path) in cases {
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..20 {
            let (ms, body) = get(&path).await;
            rows = body["orders"]
                .as_array()
                .or(body["rows"].as_array())
                .or(body["shops"].as_array())
                .map_or(1, Vec::len);
            times.push(ms);
        }
        times.sort_by(f64::total_cmp);
        let name = match path.split("by=").nth(1) {
            Some(by) if path.starts_with("/api/reports") => {
                format!("{name}, by {}", by.split('&').next().unwrap_or(""))
            }
            _ => name.to_owned(),
        };
        println!(
            "| {name} | {rows} | {:.1} | {:.1} |",
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
    println!();
}
