//! Two server processes (the real binary) on one PostgreSQL database, started at the same
//! moment: devices sync with either in any order, the same order batch is sent to both at
//! once, carts are edited on both sides. In the end every order placed exists once, order
//! numbers have no gap and no duplicate, no cart edit is lost, the devices' documents have
//! converged, and both servers list the same orders.
//!
//! Needs `DINGHUO_TEST_POSTGRES` (the README's test command starts a throwaway cluster);
//! without it the test says so and does nothing.

#[path = "support/http_device.rs"]
mod http_device;

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use docs::schema::cart_doc::{read_cart, set_quantity};
use docs::schema::doc_id::DocId;
use docs::sync::wire::SyncResponse;
use domain::order::RequestId;
use domain::sku::Sku;
use http_device::{Device, Rng, TestServer, all_orders, create_test_database, free_port};
use serde_json::Value;

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(database_url: &str, data: &std::path::Path, port: u16) -> Running {
    Running(
        Command::new(env!("CARGO_BIN_EXE_dinghuo"))
            .env("DINGHUO_ADDR", format!("127.0.0.1:{port}"))
            .env("DINGHUO_DATA", data)
            .env("DINGHUO_DATABASE_URL", database_url)
            .env("DINGHUO_SITE", data.join("no-site"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    )
}

async fn wait_until_up(base: &str) {
    let started = Instant::now();
    let http = reqwest::Client::new();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(response) = http.get(format!("{base}/api/health")).send().await
            && response.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{base} did not come up");
}

fn server_at(base: &str, data: &std::path::Path) -> TestServer {
    TestServer {
        base: base.to_owned(),
        data_dir: data.to_owned(),
        _temp: None,
        task: tokio::spawn(async {}),
    }
}

/// One sync session against the device's current server, every request also sent to the
/// other server at the same moment when `duplicate_to` is given (its reply is dropped).
async fn sync_session(device: &mut Device, duplicate_to: Option<&str>) {
    device.sync.start_session();
    for _ in 0..10 {
        let Some(request) = device.sync.make_request() else {
            return;
        };
        let body = request.encode();
        let main = device
            .http
            .post(format!("{}/api/sync", device.base))
            .bearer_auth(&device.token)
            .body(body.clone())
            .send();
        let copy = async {
            if let Some(other) = duplicate_to {
                let response = device
                    .http
                    .post(format!("{other}/api/sync"))
                    .bearer_auth(&device.token)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200, "the duplicate was refused");
            }
        };
        let (response, ()) = tokio::join!(main, copy);
        let response = response.unwrap();
        assert_eq!(response.status(), 200);
        let reply = SyncResponse::decode(&response.bytes().await.unwrap()).unwrap();
        let received = device.sync.receive(reply).unwrap();
        assert!(received.refused.is_empty(), "{:?}", received.refused);
    }
    panic!("sync did not settle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_apply_every_order_once_and_converge() {
    let Some(admin_url) = std::env::var("DINGHUO_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped: DINGHUO_TEST_POSTGRES is not set (make test sets it)");
        return;
    };
    let database = tokio::task::spawn_blocking(move || create_test_database(&admin_url))
        .await
        .unwrap();
    let temp = tempfile::tempdir().unwrap();
    let (port_a, port_b) = (free_port(), free_port());
    // Both start at once on an empty database: one migrates and seeds, the other waits.
    let _a = start(&database, &temp.path().join("a"), port_a);
    let _b = start(&database, &temp.path().join("b"), port_b);
    let (a, b) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    );
    wait_until_up(&a).await;
    wait_until_up(&b).await;
    let (server_a, server_b) = (server_at(&a, temp.path()), server_at(&b, temp.path()));

    let mut phone = Device::new(&server_a, "lotus", "lotus123").await;
    let mut tablet = Device::new(&server_b, "lotus", "lotus123").await;
    let mut bamboo = Device::new(&server_b, "bamboo", "bamboo123").await;
    for device in [&mut phone, &mut tablet, &mut bamboo] {
        sync_session(device, None).await;
    }

    let mut rng = Rng(7);
    let mut placed: BTreeSet<RequestId> = BTreeSet::new();
    let skus: [&str; 4] = ["BEV-0001", "BEV-0002", "SNK-0001", "DRY-0002"];
    let mut expected_cart: std::collections::BTreeMap<String, u32> = Default::default();
    for round in 0..12u64 {
        // Each device orders; the phone and the tablet also add to the shared cart.
        for (n, device) in [&mut phone, &mut tablet, &mut bamboo]
            .into_iter()
            .enumerate()
        {
            let mut id = [0u8; 16];
            id[..8].copy_from_slice(&round.to_le_bytes());
            id[8] = u8::try_from(n).unwrap();
            let sku = *rng.pick(&skus[..]);
            placed
                .insert(device.place_order_with_id(&[(sku, 6)], RequestId::from_random_bytes(id)));
            if n < 2 {
                let picked: &&str = rng.pick(&skus[..]);
                let sku = Sku::parse(picked.to_owned()).unwrap();
                let cart_id = DocId::Cart(device.shop.clone());
                let current = read_cart(device.sync.doc(&cart_id).unwrap())
                    .iter()
                    .find(|l| l.sku == sku)
                    .map_or(0, |l| l.quantity);
                let line_id = format!("l{round}x{n}");
                set_quantity(device.doc_mut(cart_id), &sku, current + 1, &line_id).unwrap();
                *expected_cart.entry(sku.to_string()).or_default() += 1;
            }
        }
        // In turns: each device syncs with one server, then the other.
        if round % 2 == 0 {
            for device in [&mut phone, &mut tablet, &mut bamboo] {
                sync_session(device, None).await;
                device.base = if device.base == a {
                    b.clone()
                } else {
                    a.clone()
                };
                sync_session(device, None).await;
            }
        } else {
            // Concurrently: all three at once, every request sent to both servers.
            let (pa, pb) = (a.clone(), b.clone());
            let other = |device: &Device| {
                if device.base == pa {
                    pb.clone()
                } else {
                    pa.clone()
                }
            };
            let (phone_other, tablet_other, bamboo_other) =
                (other(&phone), other(&tablet), other(&bamboo));
            tokio::join!(
                sync_session(&mut phone, Some(&phone_other)),
                sync_session(&mut tablet, Some(&tablet_other)),
                sync_session(&mut bamboo, Some(&bamboo_other)),
            );
        }
    }
    // Quiescence: everyone syncs with both servers until nothing is left to send.
    for _ in 0..2 {
        for device in [&mut phone, &mut tablet, &mut bamboo] {
            for base in [&a, &b] {
                device.base = base.clone();
                sync_session(device, None).await;
            }
        }
    }

    // Every order once, numbered without gaps or duplicates, listed alike by both servers.
    let admin: Value = http_device::sign_in(&server_a, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    let token = admin["token"].as_str().unwrap();
    let from_a = all_orders(&a, token).await;
    let from_b = all_orders(&b, token).await;
    assert_eq!(from_a, from_b, "both servers list the same orders");
    let ids: Vec<&str> = from_a
        .iter()
        .map(|o| o["request_id"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "an order was applied twice");
    let expected: BTreeSet<String> = placed.iter().map(|id| id.to_string()).collect();
    let applied: BTreeSet<String> = unique.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(applied, expected, "every order placed is applied");
    let mut numbers: Vec<String> = from_a
        .iter()
        .map(|o| o["number"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    let contiguous: Vec<String> = (1..=numbers.len()).map(|n| format!("DH-{n:06}")).collect();
    assert_eq!(
        numbers, contiguous,
        "order numbers have no gap and no duplicate"
    );

    // The shop's devices converged, with every cart edit and every confirmation.
    let held: Vec<DocId> = phone.sync.doc_ids().cloned().collect();
    assert_eq!(
        held,
        tablet.sync.doc_ids().cloned().collect::<Vec<_>>(),
        "both devices hold the same documents (order volumes included)"
    );
    for id in held.into_iter().filter(|id| id.shop() == Some(&phone.shop)) {
        assert_eq!(
            phone.sync.doc(&id).unwrap().get_heads(),
            tablet.sync.doc(&id).unwrap().get_heads(),
            "{id} converged"
        );
    }
    let cart: std::collections::BTreeMap<String, u32> =
        read_cart(phone.sync.doc(&DocId::Cart(phone.shop.clone())).unwrap())
            .into_iter()
            .map(|l| (l.sku.to_string(), l.quantity))
            .collect();
    assert_eq!(cart, expected_cart, "no cart edit was lost");
    let confirmed = phone.sync.confirmations_of(&phone.shop).len()
        + bamboo.sync.confirmations_of(&bamboo.shop).len();
    assert_eq!(
        confirmed,
        placed.len(),
        "every order is answered to its shop"
    );
    eprintln!(
        "two servers: {} orders placed over {} rounds, each applied once, numbers DH-000001..DH-{:06}, carts and statuses converged",
        placed.len(),
        12,
        numbers.len()
    );
}
