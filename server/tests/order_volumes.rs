//! A shop's orders in volumes: however many orders a shop places, its devices hold the
//! newest two volumes and any volume with an order still underway; a new device downloads
//! only those; a device that was offline through several volumes still has its order
//! taken in (once) and catches up.

#[path = "support/http_device.rs"]
mod http_device;

use std::collections::BTreeSet;

use docs::schema::doc_id::DocId;
use domain::order::RequestId;
use domain::order_state::OrderState;
use http_device::{Device, all_orders, sign_in, spawn_server_with_volume_bytes};
use serde_json::Value;

/// The order volumes `device` holds for its shop.
fn volumes(device: &Device) -> BTreeSet<u32> {
    device
        .sync
        .doc_ids()
        .filter(|id| id.shop() == Some(&device.shop))
        .filter_map(DocId::volume)
        .collect()
}

/// Syncs until nothing changes any more (a device several volumes behind follows one
/// volume per round trip).
async fn settle(device: &mut Device) {
    for _ in 0..10 {
        let before: Vec<DocId> = device.sync.doc_ids().cloned().collect();
        assert!(device.sync_now().await.is_empty());
        if device.sync.doc_ids().cloned().collect::<Vec<_>>() == before {
            return;
        }
    }
    panic!("the device did not settle");
}

#[tokio::test]
async fn order_documents_stay_bounded_and_old_volumes_move_to_the_servers_history() {
    let server = spawn_server_with_volume_bytes(20_000).await;
    let admin: Value = sign_in(&server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    let admin = admin["token"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    let cancel = |id: RequestId| {
        let request = http
            .post(format!("{}/api/orders/{id}/events", server.base))
            .bearer_auth(&admin)
            .json(&serde_json::json!({ "event": "cancel", "reason": "test" }));
        async move { request.send().await.unwrap().status().as_u16() }
    };

    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    settle(&mut phone).await;
    // A second device of the shop that stays offline from here on, holding volume 0.
    let mut offline = Device::new(&server, "lotus", "lotus123").await;
    settle(&mut offline).await;
    assert_eq!(volumes(&offline), BTreeSet::from([0]));

    let mut placed = Vec::new();
    for n in 0..40u8 {
        placed.push(phone.place_order(&[("BEV-0001", 12)], n + 1));
        settle(&mut phone).await;
        // Staff settle every order but the third and the newest, as days pass.
        if n >= 1 && n != 3 {
            assert_eq!(cancel(placed[usize::from(n) - 1].clone()).await, 200);
        }
    }
    settle(&mut phone).await;
    let held = volumes(&phone);
    let newest = *held.last().unwrap();
    assert!(newest >= 3, "volumes opened as orders came: {held:?}");
    let pinned = placed[2].clone();
    assert!(held.contains(&0));
    let answers = phone.sync.confirmations_of(&phone.shop);
    assert_eq!(
        answers.get(&pinned).map(|c| c.state),
        Some(OrderState::Confirmed),
        "the order still underway is kept, with its volume"
    );
    assert!(
        held.len() <= 3,
        "the newest two volumes and the one with the open order: {held:?}"
    );
    assert!(held.contains(&newest) && held.contains(&(newest - 1)));

    // A new device's session lists the same volumes, and downloads only those.
    let mut fresh = Device::new(&server, "lotus", "lotus123").await;
    assert_eq!(volumes(&fresh), held);
    settle(&mut fresh).await;
    assert_eq!(volumes(&fresh), held);
    let order_bytes: usize = fresh
        .sync
        .doc_ids()
        .filter(|id| id.volume().is_some())
        .map(|id| fresh.sync.doc(id).unwrap().save().len())
        .sum();
    assert!(
        order_bytes < 3 * 20_000,
        "a new device holds {order_bytes} bytes of order documents"
    );
    let fresh_answers = fresh.sync.confirmations_of(&fresh.shop);
    assert!(fresh_answers.contains_key(placed.last().unwrap()));
    assert!(
        !fresh_answers.contains_key(&placed[20]),
        "orders of volumes let go are history: {} of {} held",
        fresh_answers.len(),
        placed.len()
    );

    // The device offline since volume 0 places an order there: it is taken in once and
    // answered in volume 0, and the device follows the volumes to the newest.
    let late = offline.place_order(&[("BEV-0002", 12)], 200);
    settle(&mut offline).await;
    let answered = offline.sync.confirmations_of(&offline.shop);
    assert_eq!(
        answered.get(&late).map(|c| c.state),
        Some(OrderState::Confirmed)
    );
    assert!(volumes(&offline).contains(&newest));
    assert!(
        volumes(&offline).contains(&0),
        "volume 0 holds an order underway"
    );

    // Every order is in the server's history exactly once, with gapless numbers.
    let all = all_orders(&server.base, &admin).await;
    let ids: BTreeSet<&str> = all
        .iter()
        .map(|o| o["request_id"].as_str().unwrap())
        .collect();
    assert_eq!(all.len(), 41);
    assert_eq!(ids.len(), 41);

    // The session of a device signing in now lists volume 0 too (its orders are
    // underway); once they are settled, devices let volume 0 go.
    let mut again = Device::new(&server, "lotus", "lotus123").await;
    assert!(volumes(&again).contains(&0));
    assert_eq!(cancel(late).await, 200);
    assert_eq!(cancel(pinned).await, 200);
    settle(&mut offline).await;
    assert!(!volumes(&offline).contains(&0), "{:?}", volumes(&offline));
    settle(&mut again).await;
    assert!(!volumes(&again).contains(&0), "{:?}", volumes(&again));
}
