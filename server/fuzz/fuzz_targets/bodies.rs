//! The bodies of the fuzz targets, shared with `server/tests/fuzz_regressions.rs`, which
//! replays every input saved under `server/fuzz/regressions/<target>/` through them.
#![allow(dead_code)]

/// The sync endpoint's decoder and per-document intake, as the server runs them on a
/// device's bytes: decode the batch, then take every document message into a copy of a
/// real cart and order-requests document (validation included), and answer it.
pub(crate) mod sync_request {
    use docs::schema::doc_id::DocId;
    use docs::sync::server_sync::{receive_doc, reply_doc};
    use docs::sync::wire::SyncRequest;

    pub(crate) fn run(data: &[u8]) {
        let Ok(request) = SyncRequest::decode(data) else {
            return;
        };
        for message in &request.docs {
            let Ok(id) = DocId::parse(&message.doc) else {
                continue;
            };
            let Ok(mut doc) =
                docs::schema::create_document(&id, automerge::ActorId::from([1u8; 16]))
            else {
                continue;
            };
            if let Ok(received) = receive_doc(&id, &mut doc, None, message, id.is_shop_writable()) {
                let _ = reply_doc(&doc, received);
            }
        }
    }
}

/// Automerge loading as the server does it with bytes a device sent: as a whole document,
/// as one change (the fast path), and as incremental changes applied to a real cart, each
/// followed by the allow-list check a writable document gets.
pub(crate) mod doc_load {
    use docs::schema::doc_id::DocId;
    use docs::schema::validate::validate_device_changes;
    use domain::sku::ShopId;

    pub(crate) fn run(data: &[u8]) {
        if let Ok(doc) = automerge::Automerge::load(data) {
            let _ = doc.get_heads();
        }
        let Ok(shop) = ShopId::parse("shop-f") else {
            return;
        };
        let id = DocId::Cart(shop);
        let Ok(base) = docs::schema::create_document(&id, automerge::ActorId::from([1u8; 16]))
        else {
            return;
        };
        let mut incremental = base.fork();
        if incremental.load_incremental(data).is_ok() {
            let _ = validate_device_changes(&id, &base, &incremental);
        }
        if let Ok(change) = automerge::Change::from_bytes(data.to_vec()) {
            let mut applied = base.fork();
            if applied.apply_changes([change]).is_ok() {
                let _ = validate_device_changes(&id, &base, &applied);
            }
        }
    }
}

/// An order request's JSON as the server takes it in: the allow-list check a device's
/// request gets, then pricing and confirmation against a small catalog, with stock.
pub(crate) mod order_request_json {
    use docs::schema::validate::check_request_json;
    use domain::inventory::{Inventory, StockLevel};
    use domain::money::{Currency, Money};
    use domain::order::{OrderRequest, RequestId, confirm_order, reserve_stock};
    use domain::price_book::PriceBook;
    use domain::product::{LocalizedText, Product};
    use domain::sku::{CategoryId, ShopId, Sku, WarehouseId};

    fn catalog() -> std::collections::BTreeMap<Sku, Product> {
        let (Ok(sku), Ok(category), Ok(price)) = (
            Sku::parse("BEV-0001"),
            CategoryId::parse("bev"),
            Money::parse_price("3.50", Currency::Cny),
        ) else {
            return Default::default();
        };
        let product = Product {
            sku: sku.clone(),
            name: LocalizedText::same("tea"),
            description: LocalizedText::default(),
            category,
            unit: LocalizedText::same("bottle"),
            pack_size: 12,
            min_quantity: 12,
            max_quantity: Some(240),
            list_price: price,
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
        [(sku, product)].into_iter().collect()
    }

    pub(crate) fn run(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let (Ok(shop), Ok(id)) = (
            ShopId::parse("shop-f"),
            RequestId::parse("0123456789abcdef0123456789abcdef"),
        ) else {
            return;
        };
        let _ = check_request_json(&shop, &id, text);
        let Ok(request) = serde_json::from_str::<OrderRequest>(text) else {
            return;
        };
        // The demo terms and promotions, and a prepaid shop with a quota: every rule runs.
        let terms = server::demo_data::demo_terms();
        let promotions = server::demo_data::demo_promotions().unwrap_or_default();
        let profile = server::demo_data::demo_profiles()
            .ok()
            .and_then(|profiles| profiles.into_iter().last())
            .map(|(_, profile)| profile)
            .unwrap_or_default();
        let (usage, ordered) = Default::default();
        let checkout = domain::checkout::Checkout {
            shop: &shop,
            tier: None,
            terms: &terms,
            profile: &profile,
            promotions: &promotions,
            usage: &usage,
            ordered: &ordered,
        };
        let mut answer = confirm_order(
            &request,
            &catalog(),
            &PriceBook::default(),
            &checkout,
            None,
            "DH-1".into(),
            0,
        );
        let mut inventory = Inventory::default();
        if let (Ok(warehouse), Ok(sku)) = (WarehouseId::parse("wh"), Sku::parse("BEV-0001")) {
            inventory.levels.insert(
                (warehouse.clone(), sku),
                StockLevel {
                    on_hand: 100,
                    reserved: 0,
                    safety: 2,
                },
            );
            reserve_stock(&mut answer, &mut inventory, &[warehouse], 0);
        }
        let _ = serde_json::to_string(&answer);
    }
}

/// The sign-in body as the server reads it: JSON into `LoginRequest`, then the checks made
/// before any password is hashed.
pub(crate) mod login_json {
    use server::session::{LoginRequest, check_login};

    pub(crate) fn run(data: &[u8]) {
        if let Ok(login) = serde_json::from_slice::<LoginRequest>(data) {
            let _ = check_login(&login);
        }
    }
}
