//! The real server binary killed with SIGKILL at random points while devices sync orders,
//! again and again. After every restart the devices retry. In the end: no order the server
//! acknowledged is lost, none is applied twice, every order placed is applied once, the
//! database passes its integrity check, and the server answered again within 5 s of
//! every restart.
//!
//! `CRASH_KILLS` (default 100) sets how many kills; `CRASH_SEED` the seed.

#[path = "support/http_device.rs"]
mod http_device;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use domain::order::RequestId;
use http_device::{Device, Rng, TestServer, free_port};

/// Starts the server binary and waits until it answers; returns it and how long that took.
#[allow(
    clippy::zombie_processes,
    reason = "the child is returned; the test kills and waits for it"
)]
async fn start(data: &Path, port: u16) -> (Child, Duration) {
    let database = http_device::test_database(data).await.unwrap_or_default();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dinghuo"))
        .env("DINGHUO_DATABASE_URL", database)
        .env("DINGHUO_ADDR", format!("127.0.0.1:{port}"))
        .env("DINGHUO_DATA", data)
        .env("DINGHUO_SITE", data.join("no-site"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{port}/api/health");
    loop {
        if let Ok(response) = http.get(&health).send().await
            && response.status() == 200
        {
            return (child, started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not come up");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn confirmed(device: &Device) -> BTreeSet<RequestId> {
    device
        .sync
        .confirmations_of(&device.shop)
        .into_keys()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_survive_sigkill_at_random_points_exactly_once() {
    let kills: usize = std::env::var("CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut rng = Rng(seed);
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().to_owned();
    let port = free_port();
    let (mut child, _) = start(&data, port).await;
    let server = TestServer {
        base: format!("http://127.0.0.1:{port}"),
        data_dir: data.clone(),
        _temp: None,
        task: tokio::spawn(async {}),
    };
    let mut devices = Vec::new();
    for (user, password) in [
        ("lotus", "lotus123"),
        ("bamboo", "bamboo123"),
        ("peach", "peach123"),
    ] {
        let mut device = Device::new(&server, user, password).await;
        device.try_sync().await.unwrap();
        devices.push(device);
    }

    let mut placed: BTreeSet<RequestId> = BTreeSet::new();
    // Orders a device has seen confirmed: the server acknowledged them.
    let mut acknowledged: BTreeSet<RequestId> = BTreeSet::new();
    let mut slowest_restart = Duration::ZERO;
    let mut interrupted = 0usize;
    let mut next_id: u64 = 0;
    for kill in 0..kills {
        for device in &mut devices {
            for _ in 0..=rng.below(2) {
                next_id += 1;
                let mut bytes = [0u8; 16];
                bytes[..8].copy_from_slice(&seed.to_le_bytes());
                bytes[8..].copy_from_slice(&next_id.to_le_bytes());
                let id = device
                    .place_order_with_id(&[("BEV-0001", 12)], RequestId::from_random_bytes(bytes));
                placed.insert(id);
            }
        }
        // Every device syncs at once; the server is killed after a random delay.
        let delay = Duration::from_micros(rng.below(150_000));
        let tasks: Vec<_> = devices
            .drain(..)
            .map(|mut device| {
                tokio::spawn(async move {
                    let outcome = device.try_sync().await;
                    (device, outcome)
                })
            })
            .collect();
        tokio::time::sleep(delay).await;
        child.kill().unwrap();
        child.wait().unwrap();
        for task in tasks {
            let (device, outcome) = task.await.unwrap();
            if outcome.is_err() {
                interrupted += 1;
            }
            acknowledged.extend(confirmed(&device));
            devices.push(device);
        }
        let (restarted, took) = start(&data, port).await;
        child = restarted;
        slowest_restart = slowest_restart.max(took);
        assert!(
            took < Duration::from_secs(5),
            "kill {kill}: restart took {took:?}"
        );
    }
    // Quiescence: every device retries until it is in step.
    for device in &mut devices {
        device.try_sync().await.unwrap();
        device.try_sync().await.unwrap();
        assert!(device.sync.unsynced_docs().is_empty());
    }
    // Every page of the server's orders, counted per request id the test placed.
    let admin: serde_json::Value = http_device::sign_in(&server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    let orders = http_device::all_orders(&server.base, admin["token"].as_str().unwrap()).await;
    let mut applied: BTreeMap<String, usize> = BTreeMap::new();
    for order in &orders {
        *applied
            .entry(order["request_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|id| !applied.contains_key(id.as_str()))
        .collect();
    assert!(lost.is_empty(), "acknowledged orders lost: {lost:?}");
    assert!(
        applied.values().all(|n| *n == 1),
        "an order was applied twice"
    );
    let missing: Vec<_> = placed
        .iter()
        .filter(|id| !applied.contains_key(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "orders never applied after retries: {missing:?}"
    );
    assert_eq!(orders.len(), placed.len());
    // Order numbers were taken in the transactions that applied them: none skipped by a
    // kill, none given twice.
    http_device::assert_numbers_contiguous(&orders, "after the kills");
    // And every shop sees each of its orders answered in its status document.
    let answered: BTreeSet<RequestId> = devices.iter().flat_map(confirmed).collect();
    assert_eq!(answered, placed);

    child.kill().unwrap();
    child.wait().unwrap();
    if http_device::test_database(&data).await.is_none() {
        let conn = rusqlite::Connection::open(data.join("dinghuo.sqlite3")).unwrap();
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
    }
    eprintln!(
        "seed {seed}: {kills} kills survived, {interrupted} syncs interrupted, {} orders placed, {} acknowledged before a kill or after, 0 lost, 0 duplicated; slowest restart {slowest_restart:?}",
        placed.len(),
        acknowledged.len()
    );
}
