//! The sync simulation on the real server: a shop's devices (2–4 of the owner's and its
//! account manager's) and the server (`dinghuo` in-process, its real HTTP, sync and
//! intake code on a real database) over a network that drops, duplicates, delays and
//! reorders messages, while the server restarts now and then (what was in flight stays in
//! flight; answers from before the restart may still arrive). After a quiet period every
//! device holds the same documents, every order placed on any device has been applied by
//! the server exactly once (numbers without gaps or duplicates) and is seen answered on
//! every device, and no stock row promises more than it holds.
//!
//! `app/docs/tests/sync_simulation.rs` runs many more seeds of the sans-IO sync layer
//! against a model of the server; this one drives the code that runs.
//! `SERVER_SIM_SEEDS=n` runs n seeds (default 6); `SERVER_SIM_SEED=k` replays seed k.
//! It runs on SQLite only: a server restarted in-process leaves its background threads,
//! and their PostgreSQL connections, behind, and a few dozen restarts exhaust the
//! cluster's connections (a real restart ends the process; `crash` and `two_servers` run
//! real processes on PostgreSQL).

#![allow(clippy::print_stdout)] // what each seed did

#[path = "support/http_device.rs"]
mod http_device;

use std::collections::{BTreeMap, BTreeSet};

use docs::schema::doc_id::DocId;
use docs::sync::wire::SyncResponse;
use domain::order::RequestId;
use domain::sku::ShopId;
use http_device::{Device, Rng, TestServer, spawn_server_in, with_store};

/// A message on the simulated network.
enum Message {
    /// A device's sync request, not yet at the server.
    Request { device: usize, body: Vec<u8> },
    /// The server's answer, not yet at the device.
    Reply { device: usize, body: Vec<u8> },
}

/// Steps a device waits for an answer before it gives up on the session (the app's
/// timeout; the next sync starts a new session).
const PATIENCE: usize = 8;

struct Sim {
    rng: Rng,
    server: TestServer,
    dir: std::path::PathBuf,
    devices: Vec<Device>,
    /// Since which step each device has waited for an answer.
    waiting: Vec<Option<usize>>,
    network: Vec<Message>,
    placed: BTreeSet<RequestId>,
    restarts: usize,
}

impl Sim {
    async fn restart(&mut self) {
        self.server.task.abort();
        let _ = (&mut self.server.task).await;
        self.server = spawn_server_in(self.dir.clone(), None).await;
        for device in &mut self.devices {
            device.base = self.server.base.clone();
        }
        self.restarts += 1;
    }

    fn start_session(&mut self, device: usize, step: usize) {
        let sync = &mut self.devices[device].sync;
        sync.start_session();
        if let Some(request) = sync.make_request() {
            self.network.push(Message::Request {
                device,
                body: request.encode(),
            });
            self.waiting[device] = Some(step);
        }
    }

    /// Delivers the message at `index`: a request reaches the server (its answer goes on
    /// the network, or is lost), an answer reaches its device (which goes on with its
    /// session).
    async fn deliver(&mut self, index: usize, step: usize) {
        match self.network.remove(index) {
            Message::Request { device, body } => {
                let response = self.devices[device].post(body).await;
                assert_eq!(response.status(), 200, "seed's sync request refused");
                let body = response.bytes().await.unwrap().to_vec();
                if self.rng.below(100) >= 10 {
                    self.network.push(Message::Reply { device, body });
                }
            }
            Message::Reply { device, body } => {
                let reply = SyncResponse::decode(&body).unwrap();
                let sync = &mut self.devices[device].sync;
                // An answer to a session the device gave up on is still read (the sync
                // layer takes what it can from it).
                let received = sync.receive(reply).unwrap();
                assert!(received.refused.is_empty(), "{:?}", received.refused);
                sync.follow_volumes();
                match sync.make_request() {
                    Some(request) => {
                        self.network.push(Message::Request {
                            device,
                            body: request.encode(),
                        });
                        self.waiting[device] = Some(step);
                    }
                    None => self.waiting[device] = None,
                }
            }
        }
    }

    fn place(&mut self) {
        let device = usize::try_from(self.rng.below(self.devices.len() as u64)).unwrap();
        let sku = *self.rng.pick(&["BEV-0001", "BEV-0002", "BEV-0003"]);
        let quantity = 12 * u32::try_from(1 + self.rng.below(3)).unwrap();
        let id = RequestId::from_random_bytes(self.rng.bytes());
        self.devices[device].place_order_with_id(&[(sku, quantity)], id.clone());
        self.placed.insert(id);
    }

    /// The documents of the shop every device holds, with their heads.
    fn heads(device: &Device, shop: &ShopId) -> BTreeMap<String, Vec<automerge::ChangeHash>> {
        device
            .sync
            .doc_ids()
            .filter(|id| match id {
                DocId::OrderRequests(s, _) | DocId::OrderStatus(s, _) => s == shop,
                _ => false,
            })
            .map(|id| (id.to_string(), device.sync.doc(id).unwrap().get_heads()))
            .collect()
    }
}

async fn run(seed: u64) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_owned();
    let server = spawn_server_in(dir.clone(), None).await;
    let mut rng = Rng(seed);
    let owners = 2 + usize::try_from(rng.below(3)).unwrap();
    let mut devices = Vec::new();
    for _ in 0..owners {
        devices.push(Device::new(&server, "lotus", "lotus123").await);
    }
    let shop = devices[0].shop.clone();
    let mut manager = Device::new(&server, "wang", "wang123").await;
    manager.shop = shop.clone();
    devices.push(manager);
    for device in &mut devices {
        assert!(device.sync_now().await.is_empty());
    }
    let count = devices.len();
    let mut sim = Sim {
        rng,
        server,
        dir,
        devices,
        waiting: vec![None; count],
        network: Vec::new(),
        placed: BTreeSet::new(),
        restarts: 0,
    };
    for step in 0..120 {
        let roll = sim.rng.below(100);
        match roll {
            0..=19 => sim.place(),
            20..=39 => {
                let device = usize::try_from(sim.rng.below(count as u64)).unwrap();
                if sim.waiting[device].is_none() {
                    sim.start_session(device, step);
                }
            }
            40..=79 if !sim.network.is_empty() => {
                // Not always the oldest: the network reorders.
                let index = usize::try_from(sim.rng.below(sim.network.len() as u64)).unwrap();
                sim.deliver(index, step).await;
            }
            80..=86 if !sim.network.is_empty() => {
                let index = usize::try_from(sim.rng.below(sim.network.len() as u64)).unwrap();
                // Lost, or sent twice.
                let message = sim.network.remove(index);
                if sim.rng.below(2) == 0 {
                    let copy = match &message {
                        Message::Request { device, body } => Message::Request {
                            device: *device,
                            body: body.clone(),
                        },
                        Message::Reply { device, body } => Message::Reply {
                            device: *device,
                            body: body.clone(),
                        },
                    };
                    sim.network.push(copy);
                    sim.network.push(message);
                }
            }
            87..=89 => sim.restart().await,
            _ => {}
        }
        for waiting in &mut sim.waiting {
            if waiting.is_some_and(|since| step - since > PATIENCE) {
                *waiting = None;
            }
        }
    }

    // Quiet: what is still in flight arrives, then every device syncs until all agree.
    while !sim.network.is_empty() {
        sim.deliver(0, 0).await;
    }
    let mut agreed = false;
    for _ in 0..6 {
        for device in &mut sim.devices {
            device.try_sync().await.unwrap();
        }
        let first = Sim::heads(&sim.devices[0], &shop);
        if sim
            .devices
            .iter()
            .all(|device| Sim::heads(device, &shop) == first)
        {
            agreed = true;
            break;
        }
    }
    assert!(agreed, "seed {seed}: the devices did not converge");

    let admin = http_device::token(&sim.server, "admin", "admin123").await;
    let orders = http_device::all_orders(&sim.server.base, &admin).await;
    let mut applied: BTreeMap<String, usize> = BTreeMap::new();
    for order in &orders {
        *applied
            .entry(order["request_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let placed: BTreeSet<String> = sim.placed.iter().map(|id| id.to_string()).collect();
    assert_eq!(
        applied.keys().cloned().collect::<BTreeSet<_>>(),
        placed,
        "seed {seed}: the orders applied are not the orders placed"
    );
    assert!(
        applied.values().all(|n| *n == 1),
        "seed {seed}: an order was applied twice"
    );
    http_device::assert_numbers_contiguous(&orders, &format!("seed {seed}"));
    for device in &sim.devices {
        let answered: BTreeSet<RequestId> =
            device.sync.confirmations_of(&shop).into_keys().collect();
        assert_eq!(
            answered, sim.placed,
            "seed {seed}: a device does not see every order answered"
        );
    }
    let over: i64 = with_store(&sim.server, |tx| {
        Ok(tx
            .value(
                "SELECT COUNT(*) FROM stock WHERE reserved > on_hand",
                server::params![],
            )?
            .unwrap_or(0))
    })
    .await;
    assert_eq!(over, 0, "seed {seed}: stock promised beyond what is held");
    println!(
        "seed {seed}: {} devices, {} orders, {} restarts",
        count,
        sim.placed.len(),
        sim.restarts
    );
    sim.server.task.abort();
    drop(temp);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_server_and_a_shops_devices_converge_over_a_faulty_network() {
    let seeds: Vec<u64> = match std::env::var("SERVER_SIM_SEED") {
        Ok(seed) => vec![seed.parse().unwrap()],
        Err(_) => {
            let count: u64 = std::env::var("SERVER_SIM_SEEDS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(6);
            (1..=count).collect()
        }
    };
    for seed in seeds {
        run(seed).await;
    }
}
