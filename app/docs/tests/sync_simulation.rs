//! A seeded simulation of 2–20 devices of one shop and the server over a network that
//! drops, duplicates, delays and reorders messages, while the server restarts now and
//! then (everything in flight is lost, a batch being handled may die before its commit,
//! and the server comes back from what it stored). After a quiet period every replica
//! must hold the same documents, every order placed on any device must have been applied
//! by the server exactly once and be seen confirmed everywhere, and stock never goes
//! below zero: what was reserved equals what the confirmations allocated.
//!
//! `SIM_SEEDS=n` runs n seeds (default 1000); `SIM_SEED=k` replays seed k alone;
//! `SIM_FIRST=k` starts at seed k (`make sim` runs 20 000).

use std::collections::{BTreeMap, HashMap};

use automerge::Automerge;
use docs::intake::{StockSource, answer_new_requests};
use docs::schema::cart_doc::{CartLine, read_cart, set_quantity, take_ordered};
use docs::schema::create_document;
use docs::schema::doc_id::DocId;
use docs::schema::order_requests_doc::add_request;
use docs::schema::order_status_doc::{put_confirmations, read_confirmations};
use docs::sync::device_sync::DeviceSync;
use docs::sync::server_sync::{quiet_changes, receive_doc, reply_doc};
use docs::sync::wire::{DocReply, SyncRequest, SyncResponse};
use domain::checkout::Checkout;
use domain::inventory::{Inventory, StockLevel};
use domain::money::{Currency, Money};
use domain::order::{OrderRequest, RequestId};
use domain::price_book::PriceBook;
use domain::pricing::price_order;
use domain::product::{LocalizedText, Product};
use domain::sku::WarehouseId;
use domain::sku::{CategoryId, ShopId, Sku};
use rust_decimal::Decimal;

/// splitmix64: small, deterministic, good enough to drive a simulation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn bytes16(&mut self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.next().to_le_bytes());
        out[8..].copy_from_slice(&self.next().to_le_bytes());
        out
    }
}

fn catalog() -> BTreeMap<Sku, Product> {
    (1..=6)
        .map(|n| {
            let product = Product {
                sku: Sku::parse(&format!("S-{n}")).unwrap(),
                name: LocalizedText::same("p"),
                description: LocalizedText::default(),
                category: CategoryId::parse("c").unwrap(),
                unit: LocalizedText::same("u"),
                pack_size: 1,
                min_quantity: 1,
                max_quantity: None,
                list_price: Money::cny(Decimal::new(100 + n, 2)),
                active: true,
                weight_grams: 500,
                volume_prices: vec![],
                promo_price: None,
                limited_to: None,
                price_changes: Vec::new(),
                image: None,
                aliases: Vec::new(),
                pinyin: Vec::new(),
            };
            (product.sku.clone(), product)
        })
        .collect()
}

struct Server {
    shop: ShopId,
    docs: BTreeMap<DocId, Automerge>,
    states: HashMap<(usize, DocId), Vec<u8>>,
    applied: BTreeMap<RequestId, u32>,
    catalog: BTreeMap<Sku, Product>,
    inventory: Inventory,
    restarts: usize,
}

/// Actors are drawn from the seed, so a seed replays exactly.
fn server_actor(seed: u64) -> automerge::ActorId {
    automerge::ActorId::from(seed.to_be_bytes().as_slice())
}

/// Nothing in flight, nobody waiting, and every replica holds the server's heads.
fn settled(net: &Network, server: &Server, devices: &[Device], shop: &ShopId) -> bool {
    net.in_flight.is_empty()
        && devices.iter().all(|device| {
            device.waiting_since.is_none()
                && shop_docs(shop).iter().all(|id| {
                    device.sync.doc(id).map(|d| d.get_heads()) == Some(server.docs[id].get_heads())
                })
        })
}

fn warehouses() -> [WarehouseId; 2] {
    [
        WarehouseId::parse("near").unwrap(),
        WarehouseId::parse("far").unwrap(),
    ]
}

impl Server {
    /// A restart: only what was stored survives (documents saved and loaded again, sync
    /// states without in-flight data, the applied orders and stock).
    fn restart(&mut self) {
        self.restarts += 1;
        for doc in self.docs.values_mut() {
            let actor = doc.get_actor().clone();
            *doc = Automerge::load(&doc.save()).unwrap().with_actor(actor);
        }
    }
}

impl Server {
    fn handle(&mut self, device: usize, body: &[u8]) -> Vec<u8> {
        let request = SyncRequest::decode(body).unwrap();
        let mut received = Vec::new();
        // Quiet documents are answered last, from what the batch left (as the server does).
        let mut quiet = Vec::new();
        let mut replies_quiet = Vec::new();
        for message in &request.docs {
            let id = DocId::parse(&message.doc).unwrap();
            if let Some(heads) = message.quiet_heads() {
                quiet.push((id, heads));
                continue;
            }
            let doc = self.docs.get_mut(&id).unwrap();
            let state = self.states.get(&(device, id.clone())).cloned();
            let outcome =
                receive_doc(&id, doc, state.as_deref(), message, id.is_shop_writable()).unwrap();
            received.push((id, outcome));
        }
        if received
            .iter()
            .any(|(id, r)| matches!(id, DocId::OrderRequests(..)) && r.changed)
        {
            let orders = &self.docs[&DocId::OrderRequests(self.shop.clone(), 0)];
            let mut number = self.applied.len();
            let nearest_first = warehouses();
            let (terms, profile, usage, ordered) = Default::default();
            let checkout = Checkout {
                shop: &self.shop,
                tier: None,
                terms: &terms,
                profile: &profile,
                promotions: &[],
                usage: &usage,
                ordered: &ordered,
            };
            let answers = answer_new_requests(
                orders,
                &self.catalog,
                &PriceBook::default(),
                &checkout,
                StockSource {
                    inventory: &mut self.inventory,
                    nearest_first: &nearest_first,
                },
                |id| self.applied.contains_key(id),
                || {
                    number += 1;
                    format!("DH-{number:06}")
                },
                0,
            );
            for answer in &answers {
                *self.applied.entry(answer.request_id.clone()).or_default() += 1;
            }
            put_confirmations(
                self.docs
                    .get_mut(&DocId::OrderStatus(self.shop.clone(), 0))
                    .unwrap(),
                &answers,
            )
            .unwrap();
        }
        for (id, heads) in quiet {
            match quiet_changes(&self.docs[&id], &heads) {
                Some(changes) => replies_quiet.push(DocReply {
                    doc: id.to_string(),
                    status: 200,
                    message: Vec::new(),
                    error: None,
                    changes,
                }),
                // Heads the server does not hold: the usual exchange, from its own state.
                None => {
                    let state = self.states.get(&(device, id.clone())).cloned();
                    let doc = self.docs.get_mut(&id).unwrap();
                    let empty = docs::sync::wire::DocMessage {
                        doc: id.to_string(),
                        message: Vec::new(),
                        changes: Vec::new(),
                        heads: None,
                    };
                    let outcome = receive_doc(&id, doc, state.as_deref(), &empty, false).unwrap();
                    received.push((id, outcome));
                }
            }
        }
        let mut docs: Vec<DocReply> = received
            .into_iter()
            .map(|(id, outcome)| {
                let (message, state) = reply_doc(&self.docs[&id], outcome);
                self.states.insert((device, id.clone()), state);
                DocReply {
                    doc: id.to_string(),
                    status: 200,
                    message,
                    error: None,
                    changes: Vec::new(),
                }
            })
            .collect();
        docs.extend(replies_quiet);
        SyncResponse {
            seq: request.seq,
            docs,
        }
        .encode()
    }
}

struct Device {
    sync: DeviceSync,
    waiting_since: Option<u64>,
    placed: Vec<RequestId>,
}

enum Packet {
    ToServer { device: usize, body: Vec<u8> },
    ToDevice { device: usize, body: Vec<u8> },
}

struct Network {
    in_flight: Vec<(u64, Packet)>,
    faults: bool,
}

impl Network {
    fn send(&mut self, rng: &mut Rng, now: u64, packet: Packet) {
        if self.faults && rng.chance(15) {
            return; // dropped
        }
        let delay = if self.faults { rng.below(6) } else { 0 };
        if self.faults && rng.chance(10) {
            let copy = match &packet {
                Packet::ToServer { device, body } => Packet::ToServer {
                    device: *device,
                    body: body.clone(),
                },
                Packet::ToDevice { device, body } => Packet::ToDevice {
                    device: *device,
                    body: body.clone(),
                },
            };
            self.in_flight.push((now + delay + rng.below(10), copy));
        }
        self.in_flight.push((now + delay, packet));
    }

    fn due(&mut self, now: u64) -> Vec<Packet> {
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.in_flight)
            .into_iter()
            .partition(|(t, _)| *t <= now);
        self.in_flight = later;
        due.into_iter().map(|(_, p)| p).collect()
    }
}

fn shop_docs(shop: &ShopId) -> [DocId; 3] {
    [
        DocId::Cart(shop.clone()),
        DocId::OrderRequests(shop.clone(), 0),
        DocId::OrderStatus(shop.clone(), 0),
    ]
}

fn start_sync(device: &mut Device, index: usize, net: &mut Network, rng: &mut Rng, now: u64) {
    device.sync.start_session();
    match device.sync.make_request() {
        Some(request) => {
            device.waiting_since = Some(now);
            net.send(
                rng,
                now,
                Packet::ToServer {
                    device: index,
                    body: request.encode(),
                },
            );
        }
        None => device.waiting_since = None,
    }
}

fn deliver(
    now: u64,
    net: &mut Network,
    server: &mut Server,
    devices: &mut [Device],
    rng: &mut Rng,
) {
    for packet in net.due(now) {
        match packet {
            Packet::ToServer { .. } if net.faults && rng.chance(2) => {
                // The server dies while handling this batch, before its commit: nothing of
                // it is kept, every connection is cut, and it restarts from storage.
                server.restart();
                net.in_flight.clear();
                return;
            }
            Packet::ToServer { device, body } => {
                let reply = server.handle(device, &body);
                net.send(
                    rng,
                    now,
                    Packet::ToDevice {
                        device,
                        body: reply,
                    },
                );
            }
            Packet::ToDevice {
                device: index,
                body,
            } => {
                let device = &mut devices[index];
                let received = device
                    .sync
                    .receive(SyncResponse::decode(&body).unwrap())
                    .unwrap();
                if !received.accepted {
                    continue;
                }
                match device.sync.make_request() {
                    Some(request) => {
                        device.waiting_since = Some(now);
                        net.send(
                            rng,
                            now,
                            Packet::ToServer {
                                device: index,
                                body: request.encode(),
                            },
                        );
                    }
                    None => device.waiting_since = None,
                }
            }
        }
    }
}

/// Runs one seed; returns how many times the server restarted.
fn run(seed: u64) -> usize {
    let mut rng = Rng(seed);
    let shop = ShopId::parse("shop-a").unwrap();
    let mut server = Server {
        shop: shop.clone(),
        docs: shop_docs(&shop)
            .into_iter()
            .map(|id| {
                (
                    id.clone(),
                    create_document(&id, server_actor(seed)).unwrap(),
                )
            })
            .collect(),
        states: HashMap::new(),
        applied: BTreeMap::new(),
        catalog: catalog(),
        inventory: Inventory::default(),
        restarts: 0,
    };
    for sku in server.catalog.keys() {
        for warehouse in warehouses() {
            server.inventory.levels.insert(
                (warehouse, sku.clone()),
                StockLevel {
                    on_hand: rng.below(30) as u32,
                    reserved: 0,
                    safety: rng.below(3) as u32,
                },
            );
        }
    }
    let stock_before = server.inventory.clone();
    let device_count = 2 + rng.below(19) as usize;
    let mut devices: Vec<Device> = (0..device_count)
        .map(|_| {
            let mut sync = DeviceSync::new();
            for id in shop_docs(&shop) {
                sync.insert(id, Automerge::new().with_actor(rng.bytes16().into()), None);
            }
            Device {
                sync,
                waiting_since: None,
                placed: Vec::new(),
            }
        })
        .collect();
    let mut net = Network {
        in_flight: Vec::new(),
        faults: true,
    };
    let skus: Vec<Sku> = server.catalog.keys().cloned().collect();
    let fault_steps = 300;
    let mut now = 0;
    while now < fault_steps + 400 && !(now > fault_steps && settled(&net, &server, &devices, &shop))
    {
        now += 1;
        if now == fault_steps {
            net.faults = false;
        }
        if net.faults && rng.chance(1) {
            // A restart between batches: connections cut, state reloaded from storage.
            server.restart();
            net.in_flight.clear();
        }
        if now < fault_steps {
            let index = rng.below(device_count as u64) as usize;
            let device = &mut devices[index];
            let has_docs = device
                .sync
                .doc(&DocId::OrderRequests(shop.clone(), 0))
                .is_some_and(|d| !d.get_heads().is_empty());
            match rng.below(10) {
                0..=3 if has_docs => {
                    let sku = &skus[rng.below(skus.len() as u64) as usize];
                    let line_id = RequestId::from_random_bytes(rng.bytes16()).to_string();
                    let cart = device.sync.doc_mut(&DocId::Cart(shop.clone())).unwrap();
                    set_quantity(cart, sku, rng.below(5) as u32, &line_id).unwrap();
                }
                4 if has_docs => {
                    let cart_doc = device.sync.doc(&DocId::Cart(shop.clone())).unwrap();
                    let mut lines = read_cart(cart_doc);
                    if lines.is_empty() {
                        lines.push(CartLine {
                            sku: skus[0].clone(),
                            quantity: 1,
                        });
                    }
                    let requested: Vec<_> = lines
                        .iter()
                        .map(|l| domain::pricing::RequestedLine {
                            sku: l.sku.clone(),
                            quantity: l.quantity,
                        })
                        .collect();
                    let expected = price_order(
                        &requested,
                        &server.catalog,
                        &PriceBook::default(),
                        Currency::Cny,
                        now as i64,
                    )
                    .unwrap();
                    let id = RequestId::from_random_bytes(rng.bytes16());
                    let by = format!("device {index}");
                    let request = OrderRequest {
                        expected,
                        ..OrderRequest::new(id, shop.clone(), now as i64, by, requested)
                    };
                    add_request(
                        device
                            .sync
                            .doc_mut(&DocId::OrderRequests(shop.clone(), 0))
                            .unwrap(),
                        &request,
                    )
                    .unwrap();
                    take_ordered(
                        device.sync.doc_mut(&DocId::Cart(shop.clone())).unwrap(),
                        &lines,
                    )
                    .unwrap();
                    device.placed.push(request.id);
                }
                _ => {
                    if device.waiting_since.is_none() {
                        start_sync(device, index, &mut net, &mut rng, now);
                    }
                }
            }
        } else {
            for (index, device) in devices.iter_mut().enumerate() {
                if device.waiting_since.is_none() && now % 20 == (index as u64) {
                    start_sync(device, index, &mut net, &mut rng, now);
                }
            }
        }
        // Give up on a request that has waited too long: start a new session.
        for (index, device) in devices.iter_mut().enumerate() {
            if device.waiting_since.is_some_and(|since| now - since > 12) {
                start_sync(device, index, &mut net, &mut rng, now);
            }
        }
        deliver(now, &mut net, &mut server, &mut devices, &mut rng);
    }
    // Let everything in flight land, starting nothing new.
    let limit = now + 200;
    while (!net.in_flight.is_empty() || devices.iter().any(|d| d.waiting_since.is_some()))
        && now < limit
    {
        now += 1;
        deliver(now, &mut net, &mut server, &mut devices, &mut rng);
    }

    // Quiescence: nothing in flight, nobody waiting.
    assert!(
        net.in_flight.is_empty(),
        "seed {seed}: packets still in flight"
    );
    for (index, device) in devices.iter().enumerate() {
        assert!(
            device.waiting_since.is_none(),
            "seed {seed}: device {index} still waiting"
        );
        assert_eq!(
            device.sync.unsynced_docs(),
            Vec::<DocId>::new(),
            "seed {seed}: device {index} thinks it has unsent work"
        );
        for id in shop_docs(&shop) {
            assert_eq!(
                device.sync.doc(&id).unwrap().get_heads(),
                server.docs[&id].get_heads(),
                "seed {seed}: device {index} differs from the server on {id}"
            );
        }
    }
    let placed: Vec<&RequestId> = devices.iter().flat_map(|d| &d.placed).collect();
    for id in &placed {
        assert_eq!(
            server.applied.get(*id),
            Some(&1),
            "seed {seed}: order {id} applied {:?} times",
            server.applied.get(*id)
        );
    }
    assert_eq!(
        server.applied.len(),
        placed.len(),
        "seed {seed}: the server applied orders nobody placed"
    );
    let confirmations = read_confirmations(&server.docs[&DocId::OrderStatus(shop.clone(), 0)]);
    assert_eq!(confirmations.len(), placed.len(), "seed {seed}");
    // Stock: nothing promised beyond what is on hand, and every reservation belongs to a
    // confirmation (and each confirmation's allocation was reserved once).
    let mut allocated: BTreeMap<(WarehouseId, Sku), u32> = BTreeMap::new();
    for confirmation in confirmations.values() {
        for allocation in &confirmation.allocations {
            *allocated
                .entry((allocation.warehouse.clone(), allocation.sku.clone()))
                .or_default() += allocation.quantity;
        }
    }
    for (key, level) in &server.inventory.levels {
        assert!(
            level.reserved <= level.on_hand.saturating_sub(level.safety),
            "seed {seed}: {key:?} promised beyond stock: {level:?}"
        );
        assert_eq!(
            level.on_hand, stock_before.levels[key].on_hand,
            "seed {seed}"
        );
        assert_eq!(
            level.reserved,
            allocated.get(key).copied().unwrap_or(0),
            "seed {seed}: {key:?} reservations do not match the confirmations"
        );
    }
    let cart = read_cart(&server.docs[&DocId::Cart(shop.clone())]);
    for device in &devices {
        assert_eq!(
            read_cart(device.sync.doc(&DocId::Cart(shop.clone())).unwrap()),
            cart,
            "seed {seed}"
        );
    }
    server.restarts
}

#[test]
fn devices_and_server_converge_and_every_order_is_applied_exactly_once() {
    if let Ok(seed) = std::env::var("SIM_SEED") {
        run(seed.parse().expect("SIM_SEED is a number"));
        return;
    }
    let seeds: u64 = std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let first: u64 = std::env::var("SIM_FIRST")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let started = std::time::Instant::now();
    // Seeds are independent: run them on every core.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let restarts: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (first..first + seeds)
                        .filter(|seed| seed % threads == t)
                        .map(run)
                        .sum::<usize>()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a seed failed (see its message above)"))
            .sum()
    });
    eprintln!(
        "{seeds} seeds from {first}: all converged, every order applied once, stock never negative; {restarts} server restarts; {:.1?}",
        started.elapsed()
    );
}
