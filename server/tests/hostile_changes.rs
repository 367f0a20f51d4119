//! A seeded generator of hostile changes, sent over HTTP to a real server by a shop's
//! device and by its account manager's, between legitimate edits. Every hostile change
//! must be refused with its reason code and leave the server's document untouched; every
//! legitimate one must be accepted.
//!
//! `HOSTILE_CASES` (default 1000) sets how many hostile changes; `HOSTILE_SEED` the seed.

#[path = "support/http_device.rs"]
mod http_device;

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ObjType, ROOT, ReadDoc, ScalarValue};
use docs::schema::cart_doc::{read_cart, set_quantity};
use docs::schema::catalog_doc::{read_catalog, write_products};
use docs::schema::doc_id::DocId;
use docs::schema::order_requests_doc::add_request;
use docs::schema::order_status_doc::{put_confirmations, read_confirmations};
use docs::schema::price_doc::write_prices;
use docs::sync::wire::{DocMessage, SyncRequest};
use domain::money::{Currency, Money};
use domain::order::RequestId;
use domain::order_state::OrderState;
use domain::sku::{ShopId, Sku, TierId};
use http_device::{Device, Rng, spawn_server};

fn obj(doc: &Automerge, name: &str) -> automerge::ObjId {
    match doc.get(ROOT, name).unwrap() {
        Some((automerge::Value::Object(_), id)) => id,
        other => panic!("no {name} container: {other:?}"),
    }
}

fn line_ids(doc: &Automerge) -> Vec<String> {
    doc.keys(obj(doc, "lines")).collect()
}

fn request_keys(doc: &Automerge) -> Vec<String> {
    doc.keys(obj(doc, "requests")).collect()
}

/// One hostile edit: the document it targets, what it does to a copy of the device's
/// replica, and the reason codes the server may answer with.
struct Hostile {
    name: &'static str,
    doc: DocId,
    codes: &'static [&'static str],
    edit: Box<dyn FnOnce(&mut Automerge)>,
}

fn put_raw_request(doc: &mut Automerge, key: String, value: ScalarValue) {
    let requests = obj(doc, "requests");
    doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(&requests, key, value))
        .unwrap();
}

fn make_hostile(rng: &mut Rng, device: &Device, other_shop: &ShopId) -> Hostile {
    let shop = device.shop.clone();
    let cart = DocId::Cart(shop.clone());
    let orders = DocId::OrderRequests(shop.clone(), 0);
    let skus: Vec<String> = read_catalog(device.sync.doc(&DocId::Catalog).unwrap())
        .products
        .keys()
        .map(|s| s.to_string())
        .collect();
    let sku = rng.pick(&skus).clone();
    let line_key = format!("h{:x}", rng.next());
    let lines = line_ids(device.sync.doc(&cart).unwrap());
    let existing_line = (!lines.is_empty()).then(|| rng.pick(&lines).clone());
    let keys = request_keys(device.sync.doc(&orders).unwrap());
    let existing_request = (!keys.is_empty()).then(|| rng.pick(&keys).clone());
    let id = RequestId::from_random_bytes(rng.bytes());
    let mut request = device.build_request(&[(sku.as_str(), 2)], id.clone());
    let amount = i64::try_from(rng.below(5000)).unwrap() + 1;
    let new_line = move |qty: ScalarValue, sku: String, key: String| {
        move |doc: &mut Automerge| {
            let lines = obj(doc, "lines");
            doc.transact::<_, _, automerge::AutomergeError>(|tx| {
                let line = tx.put_object(&lines, key, ObjType::Map)?;
                tx.put(&line, "sku", sku)?;
                tx.put(&line, "qty", qty)
            })
            .unwrap();
        }
    };
    let on_line =
        move |doc: &mut Automerge,
              key: &str,
              f: &dyn Fn(&mut automerge::transaction::Transaction<'_>, automerge::ObjId)| {
            let lines = obj(doc, "lines");
            let line = match doc.get(&lines, key).unwrap() {
                Some((_, id)) => id,
                None => panic!("no line {key}"),
            };
            let mut tx = doc.transaction();
            f(&mut tx, line);
            tx.commit();
        };
    let kind = rng.below(26);
    let h = |name, doc: &DocId, codes, edit: Box<dyn FnOnce(&mut Automerge)>| Hostile {
        name,
        doc: doc.clone(),
        codes,
        edit,
    };
    match (kind, existing_line, existing_request) {
        (0, ..) => h(
            "cart line with a negative quantity",
            &cart,
            &["negative_quantity"],
            Box::new(new_line(ScalarValue::counter(-amount), sku, line_key)),
        ),
        (1, ..) => h(
            "cart line with quantity zero",
            &cart,
            &["negative_quantity"],
            Box::new(new_line(ScalarValue::counter(0), sku, line_key)),
        ),
        (2, ..) => h(
            "cart line with a fractional quantity",
            &cart,
            &["fractional_quantity"],
            Box::new(new_line(
                ScalarValue::F64(format!("{amount}.5").parse().unwrap()),
                sku,
                line_key,
            )),
        ),
        (3, ..) => h(
            "cart line with a plain negative integer",
            &cart,
            &["negative_quantity"],
            Box::new(new_line(ScalarValue::Int(-amount), sku, line_key)),
        ),
        (4, ..) => h(
            "cart line with a text quantity",
            &cart,
            &["quantity_not_counter"],
            Box::new(new_line(
                ScalarValue::Str(amount.to_string().into()),
                sku,
                line_key,
            )),
        ),
        (5, ..) => h(
            "cart line of more than the maximum",
            &cart,
            &["quantity_too_large"],
            Box::new(new_line(
                ScalarValue::counter(100_001 + amount),
                sku,
                line_key,
            )),
        ),
        (6, ..) => h(
            "cart line for a malformed SKU",
            &cart,
            &["bad_sku"],
            Box::new(new_line(
                ScalarValue::counter(1),
                format!("{sku} <script>"),
                line_key,
            )),
        ),
        (7, ..) => h(
            "cart line with a bad id",
            &cart,
            &["bad_line_id"],
            Box::new(new_line(
                ScalarValue::counter(1),
                sku,
                format!("../{line_key}"),
            )),
        ),
        (8, ..) => h(
            "cart line with its own price",
            &cart,
            &["unexpected_field"],
            Box::new(move |doc: &mut Automerge| {
                new_line(ScalarValue::counter(1), sku, line_key.clone())(doc);
                on_line(doc, &line_key, &|tx, line| {
                    tx.put(&line, "price", "0.00").unwrap()
                });
            }),
        ),
        (9, ..) => h(
            "cart line without a quantity",
            &cart,
            &["incomplete_line"],
            Box::new(move |doc: &mut Automerge| {
                let lines = obj(doc, "lines");
                let mut tx = doc.transaction();
                let line = tx.put_object(&lines, line_key, ObjType::Map).unwrap();
                tx.put(&line, "sku", sku).unwrap();
                tx.commit();
            }),
        ),
        (10, ..) => h(
            "cart root rewritten",
            &cart,
            &["root_changed"],
            Box::new(|doc: &mut Automerge| {
                let mut tx = doc.transaction();
                tx.put_object(ROOT, "lines", ObjType::Map).unwrap();
                tx.commit();
            }),
        ),
        (11, Some(line), _) => h(
            "existing line incremented past the maximum",
            &cart,
            &["quantity_too_large"],
            Box::new(move |doc: &mut Automerge| {
                on_line(doc, &line, &|tx, l| {
                    tx.increment(&l, "qty", 100_001 + amount).unwrap()
                })
            }),
        ),
        (12, Some(line), _) => h(
            "existing line's quantity overwritten",
            &cart,
            &["quantity_overwritten"],
            Box::new(move |doc: &mut Automerge| {
                on_line(doc, &line, &|tx, l| {
                    tx.put(&l, "qty", ScalarValue::counter(amount)).unwrap()
                })
            }),
        ),
        (13, Some(line), _) => h(
            "existing line's SKU changed",
            &cart,
            &["sku_changed"],
            Box::new(move |doc: &mut Automerge| {
                on_line(doc, &line, &|tx, l| {
                    tx.put(&l, "sku", format!("{sku}-X")).unwrap()
                })
            }),
        ),
        (14, Some(line), _) => h(
            "cart line deleted",
            &cart,
            &["line_deleted"],
            Box::new(move |doc: &mut Automerge| {
                let lines = obj(doc, "lines");
                let mut tx = doc.transaction();
                tx.delete(&lines, line.as_str()).unwrap();
                tx.commit();
            }),
        ),
        (15, ..) => {
            request.shop = other_shop.clone();
            h(
                "order request for another shop",
                &orders,
                &["wrong_shop"],
                Box::new(move |doc: &mut Automerge| add_request(doc, &request).unwrap()),
            )
        }
        (16, ..) => {
            let json = serde_json::to_string(&request)
                .unwrap()
                .replace("\"quantity\":2", &format!("\"quantity\":-{amount}"));
            h(
                "order request with a negative quantity",
                &orders,
                &["negative_quantity"],
                Box::new(move |doc: &mut Automerge| {
                    put_raw_request(doc, id.to_string(), ScalarValue::Str(json.into()))
                }),
            )
        }
        (17, ..) => {
            let json = serde_json::to_string(&request)
                .unwrap()
                .replace("\"quantity\":2", &format!("\"quantity\":{amount}.25"));
            h(
                "order request with a fractional quantity",
                &orders,
                &["fractional_quantity"],
                Box::new(move |doc: &mut Automerge| {
                    put_raw_request(doc, id.to_string(), ScalarValue::Str(json.into()))
                }),
            )
        }
        (18, ..) => {
            request.lines[0].quantity = 0;
            h(
                "order request with quantity zero",
                &orders,
                &["zero_quantity"],
                Box::new(move |doc: &mut Automerge| add_request(doc, &request).unwrap()),
            )
        }
        (19, ..) => {
            request.lines[0].quantity = 100_001 + u32::try_from(amount).unwrap();
            h(
                "order request of more than the maximum",
                &orders,
                &["quantity_too_large"],
                Box::new(move |doc: &mut Automerge| add_request(doc, &request).unwrap()),
            )
        }
        (20, _, Some(key)) => {
            let json = serde_json::to_string(&request)
                .unwrap()
                .replace(id.as_str(), &key);
            h(
                "placed order rewritten",
                &orders,
                &["request_rewritten"],
                Box::new(move |doc: &mut Automerge| {
                    put_raw_request(doc, key, ScalarValue::Str(json.into()))
                }),
            )
        }
        (21, _, Some(key)) => h(
            "placed order deleted",
            &orders,
            &["request_deleted"],
            Box::new(move |doc: &mut Automerge| {
                let requests = obj(doc, "requests");
                let mut tx = doc.transaction();
                tx.delete(&requests, key.as_str()).unwrap();
                tx.commit();
            }),
        ),
        (22, ..) => {
            let other = RequestId::from_random_bytes(rng.bytes());
            h(
                "order request stored under another id",
                &orders,
                &["request_id_mismatch"],
                Box::new(move |doc: &mut Automerge| {
                    let json = serde_json::to_string(&request).unwrap();
                    put_raw_request(doc, other.to_string(), ScalarValue::Str(json.into()));
                }),
            )
        }
        (23, ..) => {
            let garbage = if amount % 2 == 0 {
                ScalarValue::Str("{\"id\":".into())
            } else {
                ScalarValue::Int(amount)
            };
            h(
                "order request that is not an order",
                &orders,
                &["malformed_request"],
                Box::new(move |doc: &mut Automerge| put_raw_request(doc, id.to_string(), garbage)),
            )
        }
        (24, ..) => {
            let target = *rng.pick(&[0u8, 1, 2, 3]);
            let sku = Sku::parse(&sku).unwrap();
            match target {
                0 => h(
                    "catalog price set to zero by a shop",
                    &DocId::Catalog,
                    &["read_only_document"],
                    Box::new(move |doc: &mut Automerge| {
                        let mut product = read_catalog(doc).products.remove(&sku).unwrap();
                        product.list_price = Money::zero(Currency::Cny);
                        write_products(doc, &[product]).unwrap();
                    }),
                ),
                1 => h(
                    "tier price set to zero by a shop",
                    &DocId::TierPrices(TierId::parse("gold").unwrap()),
                    &["read_only_document", "forbidden"],
                    Box::new(move |doc: &mut Automerge| {
                        write_prices(doc, &[(sku, Some(Money::zero(Currency::Cny)))]).unwrap()
                    }),
                ),
                2 => h(
                    "own negotiated price set to zero",
                    &DocId::ShopPrices(shop.clone()),
                    &["read_only_document"],
                    Box::new(move |doc: &mut Automerge| {
                        write_prices(doc, &[(sku, Some(Money::zero(Currency::Cny)))]).unwrap()
                    }),
                ),
                _ => h(
                    "order status forged as shipped",
                    &DocId::OrderStatus(shop.clone(), 0),
                    &["read_only_document"],
                    Box::new(move |doc: &mut Automerge| {
                        let mut forged: Vec<_> = read_confirmations(doc).into_values().collect();
                        if forged.is_empty() {
                            let requests = obj(doc, "orders");
                            let mut tx = doc.transaction();
                            tx.put(&requests, id.as_str(), "{\"state\":\"shipped\"}")
                                .unwrap();
                            tx.commit();
                        } else {
                            for c in &mut forged {
                                c.state = OrderState::Shipped;
                            }
                            put_confirmations(doc, &forged).unwrap();
                        }
                    }),
                ),
            }
        }
        _ => {
            // Another shop's documents, written from an empty replica.
            let doc = if rng.below(2) == 0 {
                DocId::Cart(other_shop.clone())
            } else {
                DocId::OrderRequests(other_shop.clone(), 0)
            };
            h(
                "another shop's document",
                &doc,
                &["forbidden"],
                Box::new(move |doc: &mut Automerge| {
                    let mut tx = doc.transaction();
                    tx.put(ROOT, "lines", sku.as_str()).unwrap();
                    tx.commit();
                }),
            )
        }
    }
}

/// Sends `hostile` as changes made on a copy of the device's replica; returns the status
/// and reason code the server gave that document, and the actor that made the changes.
async fn send_hostile(device: &Device, hostile: Hostile, rng: &mut Rng) -> (u16, String, ActorId) {
    let actor = ActorId::from(rng.bytes());
    let (mut copy, base) = match device.sync.doc(&hostile.doc) {
        Some(doc) => (doc.fork().with_actor(actor.clone()), doc.get_heads()),
        None => (Automerge::new().with_actor(actor.clone()), Vec::new()),
    };
    (hostile.edit)(&mut copy);
    let changes: Vec<_> = copy
        .get_changes(&base)
        .into_iter()
        .map(|mut c| serde_bytes::ByteBuf::from(c.bytes().into_owned()))
        .collect();
    assert!(!changes.is_empty(), "{} made no change", hostile.name);
    let request = SyncRequest {
        seq: 1,
        docs: vec![DocMessage {
            doc: hostile.doc.to_string(),
            message: Vec::new(),
            changes,
            heads: None,
        }],
    };
    let response = device.post(request.encode()).await;
    assert_eq!(response.status(), 200);
    let reply = docs::sync::wire::SyncResponse::decode(&response.bytes().await.unwrap()).unwrap();
    let doc = &reply.docs[0];
    (doc.status, doc.error.clone().unwrap_or_default(), actor)
}

/// A legitimate edit: a cart change or an order, made the way the app makes them.
fn legitimate_edit(rng: &mut Rng, device: &mut Device, skus: &[String]) -> &'static str {
    let shop = device.shop.clone();
    if rng.below(4) == 0 {
        let id = RequestId::from_random_bytes(rng.bytes());
        let quantity = u32::try_from(rng.below(20)).unwrap() + 1;
        device.place_order_with_id(&[(rng.pick(skus).as_str(), quantity)], id);
        "order"
    } else {
        let sku = Sku::parse(rng.pick(skus).as_str()).unwrap();
        let quantity = u32::try_from(rng.below(12)).unwrap();
        let line = format!("l{:x}", rng.next());
        set_quantity(device.doc_mut(DocId::Cart(shop)), &sku, quantity, &line).unwrap();
        "cart"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_changes_are_all_refused_and_legitimate_ones_all_accepted() {
    let cases: usize = std::env::var("HOSTILE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let seed: u64 = std::env::var("HOSTILE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let mut rng = Rng(seed);
    let server = spawn_server().await;
    // The shop's own phone and its account manager's phone (who also manages bamboo).
    let mut devices = vec![
        Device::new(&server, "lotus", "lotus123").await,
        Device::new(&server, "wang", "wang123").await,
    ];
    let lotus = devices[0].shop.clone();
    devices[1].shop = lotus.clone();
    let peach = ShopId::parse("peach").unwrap();
    for device in &mut devices {
        assert!(device.sync_now().await.is_empty());
    }
    let skus: Vec<String> = read_catalog(devices[0].sync.doc(&DocId::Catalog).unwrap())
        .products
        .keys()
        .map(|s| s.to_string())
        .collect();

    let mut hostile_actors = BTreeSet::new();
    let mut refused_by_code: BTreeMap<String, usize> = BTreeMap::new();
    let (mut legitimate, mut orders_placed) = (0usize, 0usize);
    for case in 0..cases {
        let who = usize::try_from(rng.below(2)).unwrap();
        let hostile = make_hostile(&mut rng, &devices[who], &peach);
        let (name, codes) = (hostile.name, hostile.codes);
        let (status, code, actor) = send_hostile(&devices[who], hostile, &mut rng).await;
        assert!(
            status == 403 && codes.contains(&code.as_str()),
            "case {case} (seed {seed}): {name} got {status} {code:?}, expected 403 {codes:?}"
        );
        hostile_actors.insert(actor);
        *refused_by_code.entry(code).or_default() += 1;
        if case % 3 == 0 {
            let who = usize::try_from(rng.below(2)).unwrap();
            if legitimate_edit(&mut rng, &mut devices[who], &skus) == "order" {
                orders_placed += 1;
            }
            legitimate += 1;
            let refused = devices[who].sync_now().await;
            assert!(
                refused.is_empty(),
                "case {case}: a legitimate edit was refused: {refused:?}"
            );
        }
    }
    for device in &mut devices {
        assert!(device.sync_now().await.is_empty());
    }

    // Nothing any hostile actor wrote reached the server: a fresh device of the manager
    // downloads every document of the shop and finds none of their changes.
    let mut fresh = Device::new(&server, "wang", "wang123").await;
    assert!(fresh.sync_now().await.is_empty());
    let held: Vec<DocId> = fresh
        .sync
        .doc_ids()
        .filter(|id| id.shop() == Some(&lotus) || **id == DocId::Catalog)
        .cloned()
        .collect();
    assert!(held.contains(&DocId::OrderStatus(lotus.clone(), 0)));
    for id in held {
        let doc = fresh.sync.doc(&id).unwrap();
        let intruders = doc
            .get_changes(&[])
            .iter()
            .filter(|c| hostile_actors.contains(c.actor_id()))
            .count();
        assert_eq!(intruders, 0, "{id} holds hostile changes");
        assert_eq!(
            doc.get_heads(),
            devices[0].sync.doc(&id).unwrap().get_heads(),
            "{id} differs"
        );
    }
    assert_eq!(
        read_cart(fresh.sync.doc(&DocId::Cart(lotus.clone())).unwrap()),
        read_cart(devices[1].sync.doc(&DocId::Cart(lotus.clone())).unwrap())
    );
    let confirmed = fresh.sync.confirmations_of(&lotus);
    assert_eq!(
        confirmed.len(),
        orders_placed,
        "every legitimate order was answered once"
    );
    assert!(confirmed.values().all(|c| c.state != OrderState::Shipped));
    let orders = http_device::admin_orders(&server).await;
    assert_eq!(orders.len(), orders_placed);
    eprintln!(
        "seed {seed}: {cases} hostile changes refused {refused_by_code:?}; {legitimate} legitimate edits accepted ({orders_placed} orders)"
    );
}
