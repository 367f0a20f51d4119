//! `make bench`: the figures the spine is judged by, measured on this machine.
//! - the shipped wasm: raw, gzip and brotli bytes (from `target/site`, built by `make site`);
//! - one new order: round trips and bytes, over HTTP against a real server;
//! - order intake per second: several devices of several shops ordering at once;
//! - a 10k-SKU catalog: opening it from the cached view (what the app does offline) versus
//!   loading and reading the Automerge document, and its first download through sync.
#![allow(clippy::print_stdout)] // a report is its output
#![allow(clippy::float_arithmetic)] // timings and rates, never money

#[path = "../tests/support/http_device.rs"]
mod http_device;

use std::time::Instant;

use automerge::Automerge;
use docs::schema::catalog_doc::{CatalogView, read_catalog, write_products};
use docs::schema::create_document;
use docs::schema::doc_id::DocId;
use docs::sync::device_sync::DeviceSync;
use docs::sync::server_sync::{receive_doc, reply_doc};
use docs::sync::wire::{DocReply, SyncResponse};
use domain::money::Money;
use domain::order::RequestId;
use domain::product::{LocalizedText, Product};
use domain::sku::{CategoryId, Sku};
use http_device::{Device, admin_orders, spawn_server};
use rust_decimal::Decimal;

fn file_size(path: &str) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}

fn wasm_sizes() {
    println!("## Shipped wasm (target/site/pkg/app_bg.wasm)\n");
    match file_size("target/site/pkg/app_bg.wasm") {
        None => println!("not built: run `make site` first\n"),
        Some(raw) => {
            let gzip = file_size("target/site/pkg/app_bg.wasm.gz").unwrap_or(0);
            let brotli = file_size("target/site/pkg/app_bg.wasm.br").unwrap_or(0);
            let js = file_size("target/site/pkg/app.js").unwrap_or(0);
            println!(
                "| raw | gzip -9 | brotli -q 11 | JS glue raw |\n|---|---|---|---|\n| {raw} | {gzip} | {brotli} | {js} |\n"
            );
        }
    }
}

async fn one_new_order() {
    let server = spawn_server().await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    phone.sync_now().await;
    let first = (phone.round_trips, phone.bytes_up, phone.bytes_down);
    let before = (phone.round_trips, phone.bytes_up, phone.bytes_down);
    phone.place_order(&[("BEV-0001", 12), ("SNK-0002", 10), ("DRY-0003", 6)], 1);
    phone.sync_now().await;
    println!("## Sync over HTTP (demo data: 200 products, 6 documents per shop)\n");
    println!("| what | round trips | bytes up | bytes down |\n|---|---|---|---|");
    println!(
        "| first sync of a new device | {} | {} | {} |",
        first.0, first.1, first.2
    );
    println!(
        "| one new order (3 lines) and its confirmation | {} | {} | {} |",
        phone.round_trips - before.0,
        phone.bytes_up - before.1,
        phone.bytes_down - before.2
    );
    let before = (phone.round_trips, phone.bytes_up, phone.bytes_down);
    phone.sync_now().await;
    println!(
        "| a sync with nothing new | {} | {} | {} |\n",
        phone.round_trips - before.0,
        phone.bytes_up - before.1,
        phone.bytes_down - before.2
    );
}

async fn intake_throughput() {
    let server = spawn_server().await;
    let accounts = [
        ("lotus", "lotus123"),
        ("bamboo", "bamboo123"),
        ("peach", "peach123"),
    ];
    let devices_per_shop = 4;
    let orders_per_device = 25u64;
    let mut devices = Vec::new();
    for (user, password) in accounts {
        for _ in 0..devices_per_shop {
            let mut device = Device::new(&server, user, password).await;
            device.sync_now().await;
            devices.push(device);
        }
    }
    let started = Instant::now();
    let tasks: Vec<_> = devices
        .into_iter()
        .enumerate()
        .map(|(index, mut device)| {
            tokio::spawn(async move {
                for n in 0..orders_per_device {
                    let mut bytes = [0u8; 16];
                    bytes[..8].copy_from_slice(&(index as u64).to_le_bytes());
                    bytes[8..].copy_from_slice(&n.to_le_bytes());
                    device.place_order_with_id(
                        &[("BEV-0001", 12), ("GRN-0002", 2)],
                        RequestId::from_random_bytes(bytes),
                    );
                    device.sync_now().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    let orders = admin_orders(&server).await.len();
    println!("## Order intake (release build, SQLite synchronous=FULL, one sync per order)\n");
    println!(
        "{orders} orders from {} devices of 3 shops in {:.2} s: **{:.0} orders/s**\n",
        accounts.len() * devices_per_shop,
        elapsed.as_secs_f64(),
        orders as f64 / elapsed.as_secs_f64()
    );
}

fn product(n: u32) -> Product {
    Product {
        sku: Sku::parse(&format!("K-{n:05}")).unwrap(),
        name: LocalizedText {
            en: format!("Product {n} 500ml"),
            zh_hans: format!("商品{n} 500毫升"),
            zh_hant: format!("商品{n} 500毫升"),
        },
        description: LocalizedText::same(&format!("Description of product {n}.")),
        category: CategoryId::parse(&format!("cat-{}", n % 20)).unwrap(),
        unit: LocalizedText {
            en: "bottle".into(),
            zh_hans: "瓶".into(),
            zh_hant: "瓶".into(),
        },
        pack_size: 12,
        min_quantity: 12,
        max_quantity: Some(600),
        list_price: Money::cny(Decimal::new(100 + i64::from(n % 5000), 2)),
        active: true,
        weight_grams: 550,
        volume_prices: vec![],
        promo_price: None,
        limited_to: None,
        price_changes: Vec::new(),
        image: None,
        aliases: Vec::new(),
        pinyin: Vec::new(),
    }
}

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

fn time_ms<T>(runs: usize, mut work: impl FnMut() -> T) -> f64 {
    median_ms(
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(work());
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    )
}

fn big_catalog() {
    let count = 10_000;
    let products: Vec<Product> = (0..count).map(product).collect();
    let started = Instant::now();
    let mut doc = create_document(&DocId::Catalog, automerge::ActorId::random()).unwrap();
    write_products(&mut doc, &products).unwrap();
    let build_s = started.elapsed().as_secs_f64();
    let bytes = doc.save();
    let view = read_catalog(&doc);
    let json = serde_json::to_string(&view).unwrap();
    let load_ms = time_ms(3, || Automerge::load(&bytes).unwrap());
    let load_read_ms = time_ms(3, || read_catalog(&Automerge::load(&bytes).unwrap()));
    let view_ms = time_ms(5, || serde_json::from_str::<CatalogView>(&json).unwrap());

    // First download into an empty device through the sync engine (no HTTP).
    let mut device = DeviceSync::new();
    device.insert(DocId::Catalog, Automerge::new(), None);
    device.start_session();
    let (mut round_trips, mut up, mut down) = (0, 0, 0);
    let mut state: Option<Vec<u8>> = None;
    while let Some(request) = device.make_request() {
        let body = request.encode();
        up += body.len();
        let received = receive_doc(
            &DocId::Catalog,
            &mut doc,
            state.as_deref(),
            &request.docs[0],
            false,
        )
        .unwrap();
        let (message, next_state) = reply_doc(&doc, received);
        state = Some(next_state);
        let response = SyncResponse {
            seq: request.seq,
            docs: vec![DocReply {
                doc: "catalog".into(),
                status: 200,
                message,
                error: None,
                changes: Vec::new(),
            }],
        };
        let encoded = response.encode();
        down += encoded.len();
        device
            .receive(SyncResponse::decode(&encoded).unwrap())
            .unwrap();
        round_trips += 1;
    }
    assert_eq!(
        device.doc(&DocId::Catalog).unwrap().get_heads(),
        doc.get_heads()
    );

    println!("## A {count}-SKU catalog (native, release; a phone is several times slower)\n");
    println!("| what | figure |\n|---|---|");
    println!(
        "| build the document ({} changes of ≤ 10 products) | {build_s:.1} s |",
        doc.get_changes(&[]).len()
    );
    println!("| saved Automerge document | {} KiB |", bytes.len() / 1024);
    println!(
        "| cached view (JSON, kept in IndexedDB beside it) | {} KiB |",
        json.len() / 1024
    );
    println!("| open offline from the cached view (parse) | **{view_ms:.0} ms** |");
    println!("| load the Automerge document | {load_ms:.0} ms |");
    println!("| load + read the whole document (when the view is stale) | {load_read_ms:.0} ms |");
    println!(
        "| first download through sync | {round_trips} round trips, {up} B up, {} KiB down |\n",
        down / 1024
    );
}

#[tokio::main]
async fn main() {
    println!("# Dinghuo bench\n");
    wasm_sizes();
    one_new_order().await;
    intake_throughput().await;
    big_catalog();
}
