//! PostgreSQL stopped and started again while devices order: while it is down, syncs are
//! answered 503 with the JSON error body (never a hang, never a 500), the server needs no
//! restart when it returns, and every order placed is applied exactly once in the end.
//!
//! Needs `DINGHUO_TEST_POSTGRES` and `DINGHUO_TEST_POSTGRES_DIR` (the cluster `.ci/postgres`
//! started; `make test` sets both); without them the test says so and does nothing.

#[path = "support/http_device.rs"]
mod http_device;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use domain::order::RequestId;
use http_device::{Device, SyncFailure, all_orders, sign_in, spawn_server};
use serde_json::Value;

fn cluster(command: &str, dir: &str) {
    let status =
        std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.ci/postgres"))
            .args([command, dir])
            .status()
            .unwrap();
    assert!(status.success(), ".ci/postgres {command} failed");
}

/// One sync session; the status and body of the request that failed, if one did.
async fn try_sync(device: &mut Device) -> Result<(), (u16, Value)> {
    match device.try_sync().await {
        Ok(()) => Ok(()),
        Err(SyncFailure::Status(status, body)) => Err((status, body)),
        Err(other) => panic!("the server answers, database or not: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_is_503_and_the_server_recovers_by_itself() {
    let (Some(_), Some(dir)) = (
        std::env::var("DINGHUO_TEST_POSTGRES")
            .ok()
            .filter(|v| !v.is_empty()),
        std::env::var("DINGHUO_TEST_POSTGRES_DIR")
            .ok()
            .filter(|v| !v.is_empty()),
    ) else {
        eprintln!("skipped: DINGHUO_TEST_POSTGRES(_DIR) not set (make test sets them)");
        return;
    };
    let server = spawn_server().await;
    let mut devices = Vec::new();
    for (user, password) in [("lotus", "lotus123"), ("bamboo", "bamboo123")] {
        let mut device = Device::new(&server, user, password).await;
        try_sync(&mut device).await.unwrap();
        devices.push(device);
    }
    let mut placed = Vec::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut next: u64 = 0;
    let mut place = |device: &mut Device| {
        next += 1;
        let mut bytes = [0x0a; 16];
        bytes[8..].copy_from_slice(&next.to_le_bytes());
        device.place_order_with_id(&[("BEV-0001", 12)], RequestId::from_random_bytes(bytes))
    };
    // Ordering before, during and after the outage.
    for phase in ["before", "down", "after"] {
        if phase == "down" {
            cluster("pause", &dir);
        }
        if phase == "after" {
            cluster("resume", &dir);
        }
        let until = Instant::now() + Duration::from_secs(3);
        while Instant::now() < until {
            for device in &mut devices {
                placed.push(place(device));
                match try_sync(device).await {
                    Ok(()) => *statuses.entry(200).or_default() += 1,
                    Err((status, body)) => {
                        *statuses.entry(status).or_default() += 1;
                        assert_eq!(status, 503, "{phase}: {body}");
                        assert_eq!(body["error"], "unavailable", "{phase}: {body}");
                        assert!(phase != "before", "503 before the outage: {body}");
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert!(
        statuses.get(&503).copied().unwrap_or(0) > 0,
        "the outage was never seen: {statuses:?}"
    );
    // Recovered by itself: every device catches up without a server restart.
    let recovered = Instant::now();
    for device in &mut devices {
        loop {
            match try_sync(device).await {
                Ok(()) => break,
                Err((503, _)) if recovered.elapsed() < Duration::from_secs(30) => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(other) => panic!("after the outage: {other:?}"),
            }
        }
    }
    let admin: Value = sign_in(&server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    let orders = all_orders(&server.base, admin["token"].as_str().unwrap()).await;
    let mut applied: BTreeMap<String, usize> = BTreeMap::new();
    for order in &orders {
        *applied
            .entry(order["request_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    for id in &placed {
        assert_eq!(applied.get(id.as_str()), Some(&1), "{id} not applied once");
    }
    assert_eq!(orders.len(), placed.len());
    eprintln!(
        "outage: {} orders placed, answers {statuses:?}, all applied once after PostgreSQL returned",
        placed.len()
    );
}
