//! Batches that race: the server receives a batch's documents on a read snapshot, outside
//! its writer, and the writer redoes the batch when a document it read moved meanwhile.
//! Two devices of one shop sync at once, one of them sending each request twice at the
//! same moment (a retry that overtook its original); in the end every order exists once,
//! numbered without gaps, and the devices converge. The batches redone are counted, so
//! the test knows it went through that path.

#[path = "support/http_device.rs"]
mod http_device;

use std::collections::BTreeSet;

use docs::sync::wire::SyncResponse;
use domain::order::RequestId;
use http_device::{Device, all_orders, assert_numbers_contiguous, spawn_server_in};
use serde_json::Value;

/// One sync session; with `twice`, every request is sent a second time at the same moment
/// (that reply is dropped).
async fn session(device: &mut Device, twice: bool) {
    device.sync.start_session();
    for _ in 0..10 {
        let Some(request) = device.sync.make_request() else {
            device.sync.prune_volumes();
            return;
        };
        let body = request.encode();
        let send = |body: Vec<u8>| {
            device
                .http
                .post(format!("{}/api/sync", device.base))
                .bearer_auth(&device.token)
                .body(body)
                .send()
        };
        let copy = async {
            if twice {
                let response = send(body.clone()).await.unwrap();
                assert_eq!(response.status(), 200, "the copy was refused");
            }
        };
        let (response, ()) = tokio::join!(send(body.clone()), copy);
        let response = response.unwrap();
        assert_eq!(response.status(), 200);
        let reply = SyncResponse::decode(&response.bytes().await.unwrap()).unwrap();
        let received = device.sync.receive(reply).unwrap();
        assert!(received.refused.is_empty(), "{:?}", received.refused);
        device.sync.follow_volumes();
    }
    panic!("sync did not settle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_batches_of_one_shop_apply_each_order_once_and_converge() {
    let temp = tempfile::tempdir().unwrap();
    let server = spawn_server_in(temp.path().to_owned(), None).await;
    let mut phone = Device::new(&server, "lotus", "lotus123").await;
    let mut tablet = Device::new(&server, "lotus", "lotus123").await;
    session(&mut phone, false).await;
    session(&mut tablet, false).await;

    let redone_before = server::sync_endpoint::batches_redone();
    let mut placed = BTreeSet::new();
    let mut round = 0u64;
    // Until the writer has redone a few batches (racing is not deterministic), within
    // bounds; every round places an order on each device and syncs both at once.
    while round < 6 || server::sync_endpoint::batches_redone() < redone_before + 3 {
        assert!(
            round < 200,
            "no batch was ever redone: the racing path went untested"
        );
        for (n, device) in [&mut phone, &mut tablet].into_iter().enumerate() {
            let mut id = [0u8; 16];
            id[..8].copy_from_slice(&round.to_le_bytes());
            id[8] = u8::try_from(n).unwrap() + 1;
            placed.insert(
                device.place_order_with_id(&[("BEV-0001", 6)], RequestId::from_random_bytes(id)),
            );
        }
        tokio::join!(session(&mut phone, true), session(&mut tablet, false));
        round += 1;
    }
    eprintln!(
        "{round} rounds, {} batches redone",
        server::sync_endpoint::batches_redone() - redone_before
    );
    for _ in 0..2 {
        session(&mut phone, false).await;
        session(&mut tablet, false).await;
    }

    let admin: Value = http_device::sign_in(&server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    let orders = all_orders(&server.base, admin["token"].as_str().unwrap()).await;
    let applied: Vec<String> = orders
        .iter()
        .map(|o| o["request_id"].as_str().unwrap().to_owned())
        .collect();
    let unique: BTreeSet<String> = applied.iter().cloned().collect();
    assert_eq!(applied.len(), unique.len(), "an order was applied twice");
    let expected: BTreeSet<String> = placed.iter().map(ToString::to_string).collect();
    assert_eq!(unique, expected, "every order placed is applied");
    assert_numbers_contiguous(&orders, "racing batches");
    // Both devices see every order answered, and hold the same documents.
    assert_eq!(phone.confirmations().len(), placed.len());
    assert_eq!(phone.confirmations(), tablet.confirmations());
    let held: Vec<_> = phone.sync.doc_ids().cloned().collect();
    assert_eq!(held, tablet.sync.doc_ids().cloned().collect::<Vec<_>>());
    for id in held.into_iter().filter(|id| id.shop() == Some(&phone.shop)) {
        assert_eq!(
            phone.sync.doc(&id).unwrap().get_heads(),
            tablet.sync.doc(&id).unwrap().get_heads(),
            "{id} converged"
        );
    }
}
