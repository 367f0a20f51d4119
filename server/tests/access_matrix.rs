//! The whole access table, walked against a running server: every document kind × every
//! principal × every operation (discover, pull, push, delete), compared with the table in
//! ARCHITECTURE.md. Shop B's documents carry a canary string; no byte any principal
//! outside shop B and its manager receives contains it, raw or inside Automerge changes.

#[path = "support/http_device.rs"]
mod http_device;

use std::collections::BTreeMap;

use automerge::sync::{Message, State, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc};
use docs::schema::cart_doc::set_quantity;
use docs::schema::catalog_doc::{read_catalog, write_products};
use docs::schema::doc_id::DocId;
use docs::schema::order_requests_doc::add_request;
use docs::schema::order_status_doc::{put_confirmations, read_confirmations};
use docs::schema::price_doc::write_prices;
use docs::sync::wire::{DocMessage, SyncRequest, SyncResponse};
use domain::order::RequestId;
use domain::sku::{ShopId, Sku};
use http_device::{Device, TestServer, sign_in, spawn_server_with_volume_bytes, with_store};
use serde_json::Value;
use server::store::accounts;
use sha2::Digest;

const CANARY: &str = "CANARY-b4mb00-7f3a9e";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    ShopA,
    ShopB,
    ManagerOfA,
    ManagerNotOfA,
    Admin,
    RevokedDevice,
    ExpiredToken,
    /// Another system, with an API key holding every scope but `orders:read` (which
    /// reads every shop's orders, as staff who read orders do).
    ApiKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Discover,
    Pull,
    Push,
    Delete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    /// 403 or 404 for that document, or not listed for discovery.
    Refused,
    /// 401 for the whole request.
    Unauthenticated,
}

/// The documents of the matrix: every kind the server syncs, for shop A (Lotus, gold), and
/// the price list of another tier (silver, shop B's). Unknown document ids are refused per
/// document (tested in `api.rs`).
fn documents() -> Vec<(&'static str, String)> {
    vec![
        ("catalog", "catalog".into()),
        ("price list (tier of A)", "tier/gold/prices".into()),
        ("price list (tier of B)", "tier/silver/prices".into()),
        ("own prices of A", "shop/shop-lotus/prices".into()),
        ("cart of A", "shop/shop-lotus/cart".into()),
        ("proposed orders of A", "shop/shop-lotus/proposal".into()),
        ("order requests of A", "shop/shop-lotus/orders".into()),
        ("confirmations of A", "shop/shop-lotus/status".into()),
        (
            "order requests of A, volume 1",
            "shop/shop-lotus/orders/1".into(),
        ),
        (
            "confirmations of A, volume 1",
            "shop/shop-lotus/status/1".into(),
        ),
    ]
}

/// The tiers of the shops a principal acts for (A is gold, B silver, peach bronze; the
/// manager of A looks after A and B).
fn tiers_of(who: Who) -> &'static [&'static str] {
    match who {
        Who::ShopA => &["gold"],
        Who::ManagerOfA => &["gold", "silver"],
        Who::ShopB => &["silver"],
        Who::ManagerNotOfA => &["bronze"],
        _ => &[],
    }
}

/// The access table of ARCHITECTURE.md, for shop A's documents.
fn expected(who: Who, doc: &str, op: Op) -> Outcome {
    use Outcome::*;
    if matches!(who, Who::Anonymous | Who::RevokedDevice | Who::ExpiredToken) {
        return Unauthenticated;
    }
    // An API key never reaches a document, not even the catalog's.
    if who == Who::ApiKey {
        return Refused;
    }
    let Ok(id) = DocId::parse(doc) else {
        return Refused;
    };
    let of_a = matches!(who, Who::ShopA | Who::ManagerOfA);
    let admin_pull = who == Who::Admin && op != Op::Discover;
    let reads = match &id {
        DocId::Catalog => true,
        DocId::TierPrices(tier) => tiers_of(who).contains(&tier.as_str()) || admin_pull,
        _ => of_a || admin_pull,
    };
    let writes = of_a
        && matches!(
            id,
            DocId::Cart(_) | DocId::Proposal(_) | DocId::OrderRequests(..)
        );
    match op {
        Op::Discover | Op::Pull if reads => Allowed,
        Op::Push if writes => Allowed,
        _ => Refused,
    }
}

struct Principal {
    who: Who,
    token: Option<String>,
}

/// A new API key with every scope there is but `orders:read`.
async fn api_key(server: &TestServer, admin: &str) -> String {
    let scopes: Vec<&str> = api::keys::SCOPES
        .into_iter()
        .filter(|scope| *scope != "orders:read")
        .collect();
    let (status, body) = http_device::call(
        server,
        admin,
        reqwest::Method::POST,
        "/api/admin/api-keys",
        Some(serde_json::json!({ "name": "every scope but orders:read", "scopes": scopes })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["key"].as_str().unwrap().to_owned()
}

/// Everything each principal received, to look for the canary in.
#[derive(Default)]
struct Received(BTreeMap<Who, Vec<Vec<u8>>>);

async fn get(
    server: &TestServer,
    path: &str,
    p: &Principal,
    seen: &mut Received,
) -> (u16, Vec<u8>) {
    let mut request = reqwest::Client::new().get(format!("{}{path}", server.base));
    if let Some(token) = &p.token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap().to_vec();
    seen.0.entry(p.who).or_default().push(body.clone());
    (status, body)
}

async fn sync(
    server: &TestServer,
    p: &Principal,
    message: DocMessage,
    seen: &mut Received,
) -> (u16, Option<(u16, Vec<u8>)>) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/sync", server.base))
        .body(
            SyncRequest {
                seq: 1,
                docs: vec![message],
            }
            .encode(),
        );
    if let Some(token) = &p.token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap().to_vec();
    seen.0.entry(p.who).or_default().push(body.clone());
    if status != 200 {
        return (status, None);
    }
    let reply = SyncResponse::decode(&body).unwrap();
    let doc = reply.docs.into_iter().next().unwrap();
    // Open the changes too (a sync message's, or a quiet document's): a canary inside a
    // compressed change is still a leak.
    let mut changes: Vec<Vec<u8>> = doc.changes.iter().map(|c| c.to_vec()).collect();
    if !doc.message.is_empty() {
        let message = Message::decode(&doc.message).unwrap();
        changes.extend(message.changes.iter().map(|c| c.to_vec()));
    }
    if !changes.is_empty() {
        let mut scratch = Automerge::new();
        for change in &changes {
            let _ = scratch.load_incremental(change);
        }
        let text = format!("{:?}", scratch.hydrate(None));
        seen.0.entry(p.who).or_default().push(text.into_bytes());
    }
    let said = if doc.message.is_empty() {
        changes.concat()
    } else {
        doc.message
    };
    (status, Some((doc.status, said)))
}

/// A quiet document with no heads: "I hold nothing of it", answered with all its changes.
fn quiet_pull(doc: &str) -> DocMessage {
    DocMessage {
        doc: doc.to_owned(),
        message: Vec::new(),
        changes: Vec::new(),
        heads: Some(serde_bytes::ByteBuf::new()),
    }
}

fn pull_message(doc: &str) -> DocMessage {
    let mut state = State::new();
    let message = Automerge::new().generate_sync_message(&mut state).unwrap();
    DocMessage {
        doc: doc.to_owned(),
        message: message.encode(),
        changes: Vec::new(),
        heads: None,
    }
}

fn changes_message(doc: &str, base: &Automerge, edit: impl FnOnce(&mut Automerge)) -> DocMessage {
    let mut copy = base.fork();
    edit(&mut copy);
    DocMessage {
        doc: doc.to_owned(),
        message: Vec::new(),
        changes: copy
            .get_changes(&base.get_heads())
            .into_iter()
            .map(|mut c| serde_bytes::ByteBuf::from(c.bytes().into_owned()))
            .collect(),
        heads: None,
    }
}

/// A change any writer of `doc` could legitimately make (made on the server's copy).
fn push_edit(id: &DocId, base: &Automerge, maker: &Device, n: u8) -> DocMessage {
    let doc = id.to_string();
    let sku = Sku::parse("BEV-0001").unwrap();
    match id {
        DocId::Catalog => changes_message(&doc, base, |d| {
            let mut product = read_catalog(d).products.remove(&sku).unwrap();
            product.list_price = domain::money::Money::zero(domain::money::Currency::Cny);
            write_products(d, &[product]).unwrap();
        }),
        DocId::TierPrices(_) | DocId::ShopPrices(_) => changes_message(&doc, base, |d| {
            write_prices(
                d,
                &[(
                    sku,
                    Some(domain::money::Money::zero(domain::money::Currency::Cny)),
                )],
            )
            .unwrap();
        }),
        DocId::Cart(_) => changes_message(&doc, base, |d| {
            set_quantity(d, &sku, u32::from(n) + 1, &format!("matrix{n}")).unwrap();
        }),
        DocId::Proposal(shop) => {
            let proposal = domain::proposal::Proposal {
                id: RequestId::from_random_bytes([n; 16]),
                shop: shop.clone(),
                by: "matrix".into(),
                sent_ms: 1,
                week_ms: 0,
                lines: vec![domain::proposal::ProposedLine {
                    sku: sku.clone(),
                    quantity: 12,
                    why: domain::forecast::Why::default(),
                }],
            };
            changes_message(&doc, base, |d| {
                docs::schema::proposal_doc::send(d, &proposal).unwrap()
            })
        }
        DocId::OrderRequests(..) => {
            let request =
                maker.build_request(&[("BEV-0001", 12)], RequestId::from_random_bytes([n; 16]));
            changes_message(&doc, base, |d| add_request(d, &request).unwrap())
        }
        DocId::OrderStatus(..) => changes_message(&doc, base, |d| {
            let mut forged: Vec<_> = read_confirmations(d).into_values().collect();
            if forged.is_empty() {
                let Some((_, orders)) = d.get(ROOT, "orders").unwrap() else {
                    panic!("no orders map");
                };
                let mut tx = d.transaction();
                tx.put(&orders, format!("forged{n}"), "{\"state\":\"shipped\"}")
                    .unwrap();
                tx.commit();
            } else {
                for c in &mut forged {
                    c.state = domain::order_state::OrderState::Shipped;
                }
                put_confirmations(d, &forged).unwrap();
            }
        }),
    }
}

fn delete_edit(id: &DocId, base: &Automerge) -> DocMessage {
    changes_message(&id.to_string(), base, |d| {
        let keys: Vec<String> = d.keys(ROOT).collect();
        let mut tx = d.transaction();
        for key in keys {
            tx.delete(ROOT, key.as_str()).unwrap();
        }
        tx.commit();
    })
}

fn token_of(value: &Value) -> String {
    value["token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_principal_gets_exactly_its_access_to_every_document_and_no_canary_leaks() {
    // Order volumes close after a few orders, so shop A has a second one to test.
    let server = spawn_server_with_volume_bytes(3_000).await;
    let mut lotus_phone = Device::new(&server, "lotus", "lotus123").await;
    assert!(lotus_phone.sync_now().await.is_empty());
    for n in 0..6u8 {
        lotus_phone.place_order(&[("BEV-0001", 12)], 0xa0 + n);
        assert!(lotus_phone.sync_now().await.is_empty());
    }
    assert!(
        lotus_phone
            .sync
            .doc_ids()
            .any(|id| *id == DocId::OrderStatus(ShopId::parse("shop-lotus").unwrap(), 1)),
        "shop A has an order volume 1"
    );
    // A manager of peach only, to be the manager not of A.
    let hash = server::auth::hash_password("zhao123").unwrap();
    with_store(&server, move |tx| {
        let zhao = accounts::create_user(tx, "zhao", "Zhao", &hash, "manager", None)?;
        accounts::assign_shop(tx, zhao, "shop-peach")?;
        Ok(())
    })
    .await;

    // Shop B plants the canary in its cart and its order requests.
    let mut bamboo = Device::new(&server, "bamboo", "bamboo123").await;
    assert!(bamboo.sync_now().await.is_empty());
    let bamboo_shop = ShopId::parse("shop-bamboo").unwrap();
    set_quantity(
        bamboo.doc_mut(DocId::Cart(bamboo_shop.clone())),
        &Sku::parse("BEV-0001").unwrap(),
        2,
        CANARY,
    )
    .unwrap();
    let mut request = bamboo.build_request(
        &[("BEV-0001", 12)],
        RequestId::from_random_bytes([0xb0; 16]),
    );
    request.note = CANARY.into();
    request.placed_by = CANARY.into();
    add_request(
        bamboo.doc_mut(DocId::OrderRequests(bamboo_shop.clone(), 0)),
        &request,
    )
    .unwrap();
    let proposal = domain::proposal::Proposal {
        id: RequestId::from_random_bytes([0xb1; 16]),
        shop: bamboo_shop.clone(),
        by: CANARY.into(),
        sent_ms: 1,
        week_ms: 0,
        lines: vec![domain::proposal::ProposedLine {
            sku: Sku::parse("BEV-0001").unwrap(),
            quantity: 12,
            why: domain::forecast::Why::default(),
        }],
    };
    docs::schema::proposal_doc::send(
        bamboo.doc_mut(DocId::Proposal(bamboo_shop.clone())),
        &proposal,
    )
    .unwrap();
    assert!(bamboo.sync_now().await.is_empty());

    // The principals.
    let login = |user: &'static str, password: &'static str| {
        let server = &server;
        async move {
            sign_in(server, user, password)
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let revoked = login("lotus", "lotus123").await;
    let expired = login("lotus", "lotus123").await;
    let lotus = login("lotus", "lotus123").await;
    let owner = token_of(&lotus);
    let response = reqwest::Client::new()
        .post(format!(
            "{}/api/devices/{}/revoke",
            server.base, revoked["device_id"]
        ))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let hash = sha2::Sha256::digest(token_of(&expired).as_bytes()).to_vec();
    let expired_rows = with_store(&server, move |tx| {
        Ok(tx.execute(
            "UPDATE tokens SET expires_ms = 0 WHERE hash = ?1",
            server::params![hash.clone()],
        )?)
    })
    .await;
    assert_eq!(expired_rows, 1);
    let principals = vec![
        Principal {
            who: Who::Anonymous,
            token: None,
        },
        Principal {
            who: Who::ShopA,
            token: Some(owner),
        },
        Principal {
            who: Who::ShopB,
            token: Some(token_of(&login("bamboo", "bamboo123").await)),
        },
        Principal {
            who: Who::ManagerOfA,
            token: Some(token_of(&login("wang", "wang123").await)),
        },
        Principal {
            who: Who::ManagerNotOfA,
            token: Some(token_of(&login("zhao", "zhao123").await)),
        },
        Principal {
            who: Who::Admin,
            token: Some(token_of(&login("admin", "admin123").await)),
        },
        Principal {
            who: Who::RevokedDevice,
            token: Some(token_of(&revoked)),
        },
        Principal {
            who: Who::ExpiredToken,
            token: Some(token_of(&expired)),
        },
        Principal {
            who: Who::ApiKey,
            token: Some(api_key(&server, &token_of(&login("admin", "admin123").await)).await),
        },
    ];

    // The server's copy of every synced document of A, through the admin's read access.
    let admin = &principals[5];
    let mut unused = Received::default();
    let mut server_copy: BTreeMap<String, Automerge> = BTreeMap::new();
    for (_, doc) in documents() {
        if DocId::parse(&doc).is_err() {
            continue;
        }
        let (_, reply) = sync(&server, admin, pull_message(&doc), &mut unused).await;
        let (status, message) = reply.unwrap();
        assert_eq!(status, 200);
        let mut copy = Automerge::new();
        copy.receive_sync_message(&mut State::new(), Message::decode(&message).unwrap())
            .unwrap();
        server_copy.insert(doc, copy);
    }
    let maker = Device::new(&server, "wang", "wang123").await;
    let mut maker = maker;
    maker.shop = ShopId::parse("shop-lotus").unwrap();
    assert!(maker.sync_now().await.is_empty());

    let mut seen = Received::default();
    let mut results = Vec::new();
    let mut n: u8 = 0;
    for p in &principals {
        let (status, body) = get(&server, "/api/session", p, &mut seen).await;
        let listed: Vec<String> = if status == 200 {
            serde_json::from_slice::<Value>(&body).unwrap()["docs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap().to_owned())
                .collect()
        } else {
            Vec::new()
        };
        for (name, doc) in documents() {
            for op in [Op::Discover, Op::Pull, Op::Push, Op::Delete] {
                n = n.wrapping_add(1);
                let outcome = match op {
                    Op::Discover if status == 401 => Outcome::Unauthenticated,
                    Op::Discover if listed.contains(&doc) => Outcome::Allowed,
                    Op::Discover => Outcome::Refused,
                    _ => {
                        let message = match (op, DocId::parse(&doc)) {
                            (Op::Pull, _) | (_, Err(_)) => pull_message(&doc),
                            (Op::Push, Ok(id)) => push_edit(&id, &server_copy[&doc], &maker, n),
                            (_, Ok(id)) => delete_edit(&id, &server_copy[&doc]),
                        };
                        match sync(&server, p, message, &mut seen).await {
                            (401, _) => Outcome::Unauthenticated,
                            (200, Some((200, message))) => {
                                if op == Op::Pull {
                                    assert!(!message.is_empty(), "{name}: a pull brought nothing");
                                }
                                Outcome::Allowed
                            }
                            (200, Some((403 | 404, _))) | (403, _) => Outcome::Refused,
                            other => panic!("{:?} {op:?} {name}: unexpected {other:?}", p.who),
                        }
                    }
                };
                if op == Op::Pull {
                    // The same read as a quiet document is allowed and refused alike.
                    let quiet = match sync(&server, p, quiet_pull(&doc), &mut seen).await {
                        (401, _) => Outcome::Unauthenticated,
                        (200, Some((200, changes))) => {
                            assert!(!changes.is_empty(), "{name}: a quiet pull brought nothing");
                            Outcome::Allowed
                        }
                        (200, Some((403 | 404, _))) | (403, _) => Outcome::Refused,
                        other => panic!("{:?} quiet {name}: unexpected {other:?}", p.who),
                    };
                    assert_eq!(quiet, outcome, "{:?} {name}: a quiet pull", p.who);
                }
                results.push((p.who, name, op, outcome, expected(p.who, &doc, op)));
            }
        }
        // What else a principal can ask for.
        for path in ["/api/orders", "/api/devices"] {
            get(&server, path, p, &mut seen).await;
        }
    }

    let wrong: Vec<_> = results
        .iter()
        .filter(|(.., got, want)| got != want)
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} cells differ from the table: {wrong:#?}",
        wrong.len(),
        results.len()
    );
    assert_eq!(results.len(), 9 * 10 * 4);

    // The canary was really there to find, for those who may see shop B.
    let bamboo_sees = sync(
        &server,
        &principals[2],
        pull_message("shop/shop-bamboo/orders"),
        &mut seen,
    )
    .await;
    assert_eq!(bamboo_sees.1.unwrap().0, 200);
    let contains = |bytes: &[u8]| bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes());
    assert!(
        seen.0[&Who::ShopB].iter().any(|b| contains(b)),
        "the canary was not planted"
    );
    for who in [
        Who::Anonymous,
        Who::ShopA,
        Who::ManagerNotOfA,
        Who::RevokedDevice,
        Who::ExpiredToken,
        Who::ApiKey,
    ] {
        let leaks = seen
            .0
            .get(&who)
            .into_iter()
            .flatten()
            .filter(|b| contains(b))
            .count();
        assert_eq!(leaks, 0, "{who:?} received shop B's canary");
    }
    let responses: usize = seen.0.values().map(Vec::len).sum();
    eprintln!(
        "access matrix: {} cells, all as the table says; canary absent from every response to 6 outside principals ({responses} responses checked)",
        results.len()
    );
}
