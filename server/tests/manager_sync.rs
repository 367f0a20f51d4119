//! A manager with 200 shops: the first sync brings every shop's documents in requests the
//! server accepts (at most 64 documents with messages each, the ones with changes first,
//! and 512 with quiet ones), a steady-state
//! sync afterwards moves little, and a shop's new order reaches the manager's device. Prints the bytes and round trips (the figures `make bench` reports
//! for issue 11).
#![allow(clippy::print_stdout)] // the figures are the point

#[path = "support/http_device.rs"]
mod http_device;

use docs::schema::doc_id::DocId;
use docs::sync::wire::{MAX_DOCS_PER_REQUEST, MAX_QUIET_DOCS_PER_REQUEST};
use domain::sku::ShopId;
use http_device::{Device, spawn_server_with_shops, with_store};

/// Syncs until nothing is left to send; answers the round trips it took.
async fn sync_all(device: &mut Device) -> usize {
    device.sync.start_session();
    let before = device.round_trips;
    for _ in 0..100 {
        let Some(request) = device.sync.make_request() else {
            return device.round_trips - before;
        };
        let loud = request
            .docs
            .iter()
            .filter(|doc| doc.quiet_heads().is_none())
            .count();
        assert!(loud <= MAX_DOCS_PER_REQUEST && request.docs.len() <= MAX_QUIET_DOCS_PER_REQUEST);
        let response = device.post_sync(&request).await;
        let received = device.sync.receive(response).unwrap();
        assert!(received.refused.is_empty(), "{:?}", received.refused);
        device.sync.follow_volumes();
    }
    panic!("a manager's sync did not settle in 100 round trips");
}

#[tokio::test]
async fn a_manager_with_200_shops_syncs_them_all() {
    let server = spawn_server_with_shops(200).await;
    with_store(&server, |tx| {
        tx.execute(
            "INSERT INTO manager_shops (manager, shop)
             SELECT u.id, s.id FROM users u, shops s
             WHERE u.username = 'wang' AND s.id LIKE 'bench-%'",
            server::params![],
        )?;
        Ok(())
    })
    .await;
    let mut wang = Device::new(&server, "wang", "wang123").await;
    let shops: Vec<ShopId> = (1..=200)
        .map(|n| ShopId::parse(&format!("bench-{n:05}")).unwrap())
        .collect();
    for shop in &shops {
        for id in [
            DocId::ShopPrices(shop.clone()),
            DocId::Cart(shop.clone()),
            DocId::OrderRequests(shop.clone(), 0),
            DocId::OrderStatus(shop.clone(), 0),
        ] {
            assert!(wang.sync.doc(&id).is_some(), "{id} is not held");
        }
    }
    let held = wang.sync.doc_ids().count();

    let first = sync_all(&mut wang).await;
    let (up, down) = (wang.bytes_up, wang.bytes_down);
    assert!(
        first >= held.div_ceil(MAX_QUIET_DOCS_PER_REQUEST),
        "{first} round trips"
    );
    // Every shop's prices arrived (each holds its profile once synced).
    for shop in &shops {
        let doc = wang.sync.doc(&DocId::ShopPrices(shop.clone())).unwrap();
        assert!(
            !doc.get_heads().is_empty(),
            "{shop}'s prices did not arrive"
        );
    }
    // Nothing changed: each document only says where it stands (a session starts by
    // telling the server the heads of each, quiet, at most 512 a request), and nothing
    // comes back.
    let steady = sync_all(&mut wang).await;
    println!(
        "manager with 200 shops: {held} documents; first sync {first} round trips, {up} B up, {down} B down; steady-state sync {steady} round trips, {} B up, {} B down",
        wang.bytes_up - up,
        wang.bytes_down - down
    );
    assert_eq!(
        steady,
        held.div_ceil(MAX_QUIET_DOCS_PER_REQUEST),
        "a steady-state sync took {steady} round trips"
    );
    // About a hundred bytes each way per document: heads, not content.
    assert!(
        wang.bytes_down - down <= 128 * held && wang.bytes_up - up <= 128 * held,
        "a steady-state sync moved {} B up and {} B down",
        wang.bytes_up - up,
        wang.bytes_down - down
    );

    // A shop orders; the manager's next sync brings its confirmation.
    let mut shop = Device::new(&server, "bench00007", "bench123").await;
    assert!(shop.sync_now().await.is_empty());
    let id = shop.place_order(&[("BEV-0001", 12)], 1);
    assert!(shop.sync_now().await.is_empty());
    sync_all(&mut wang).await;
    assert!(wang.sync.confirmations_of(&shops[6]).contains_key(&id));
}
