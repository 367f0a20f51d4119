//! A size measurement, never shipped (issue 13): the least any storefront built on this
//! stack downloads, with no screen of its own. It does only what every storefront must:
//! holds Automerge documents and syncs them with the device protocol (`docs`), reads the
//! catalog, price and order documents, places an order request, quotes it with the domain
//! engine the server confirms with (`domain`), decodes the JSON it is given, and mounts a
//! Leptos app with a router and a reactive value. Its inputs come from `localStorage`, so
//! the compiler can fold none of it away. `make bench` builds it as the storefront is built
//! (same flags, wasm-bindgen, stripped) and prints its size in brotli beside the
//! storefront's. Sign-in, persistence, translations and every screen come on top.

use docs::schema::doc_id::DocId;
use docs::sync::device_sync::DeviceSync;
use docs::sync::wire::SyncResponse;
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use wasm_bindgen::prelude::wasm_bindgen;

fn stored(key: &str) -> String {
    LocalStorage::get::<String>(key).unwrap_or_default()
}

fn decoded<T: serde::de::DeserializeOwned + Default>(key: &str) -> T {
    serde_json::from_str(&stored(key)).unwrap_or_default()
}

fn id(name: &str) -> Option<DocId> {
    DocId::parse(name).ok()
}

/// One sync round and one quoted order, on whatever `localStorage` holds.
fn work() -> String {
    let mut sync = DeviceSync::new();
    let mut out = Vec::new();
    for name in [
        "catalog",
        "shop/s1/prices",
        "shop/s1/orders/1",
        "shop/s1/status/1",
        "shop/s1/cart",
    ] {
        let Some(id) = id(name) else { continue };
        let doc = automerge::Automerge::load(stored(name).as_bytes())
            .unwrap_or_else(|_| automerge::Automerge::new());
        sync.insert(id, doc, None);
    }
    sync.start_session();
    if let Some(request) = sync.make_request() {
        out.push(request.encode().len().to_string());
    }
    if let Ok(response) = SyncResponse::decode(stored("reply").as_bytes()) {
        out.push(format!("{:?}", sync.receive(response).is_ok()));
    }
    sync.follow_volumes();
    let Ok(shop) = domain::sku::ShopId::parse("s1") else {
        return String::new();
    };
    let catalog = id("catalog")
        .and_then(|id| sync.doc(&id))
        .map(docs::schema::catalog_doc::read_catalog);
    let prices = id("shop/s1/prices").and_then(|id| sync.doc(&id));
    let schedule = prices
        .map(docs::schema::price_doc::read_schedule)
        .unwrap_or_default();
    let account = prices.and_then(docs::schema::price_doc::read_account);
    let tier = prices.and_then(docs::schema::price_doc::read_tier);
    out.push(format!("{} {}", schedule.len(), account.is_some()));
    for (request, confirmation) in sync.confirmations_of(&shop) {
        out.push(format!("{} {}", request.as_str(), confirmation.number));
    }
    out.push(sync.requests_of(&shop).len().to_string());
    let request: Option<domain::order::OrderRequest> =
        serde_json::from_str(&stored("request")).ok();
    let book: domain::price_book::PriceBook = decoded("book");
    let profile: domain::checkout::ShopProfile = decoded("profile");
    let promotions: Vec<domain::promotion::Promotion> = decoded("promotions");
    if let (Some(request), Some(catalog)) = (request, catalog) {
        let (usage, ordered) = (Default::default(), Default::default());
        let checkout = domain::checkout::Checkout {
            shop: &shop,
            tier: tier.as_ref(),
            terms: &catalog.terms,
            profile: &profile,
            promotions: &promotions,
            usage: &usage,
            ordered: &ordered,
        };
        if let Ok(quote) =
            domain::checkout::quote_request(&request, &catalog.products, &book, &checkout, 0)
        {
            out.push(serde_json::to_string(&quote).unwrap_or_default());
        }
        if let Some(doc) = sync
            .writable_volume(&shop)
            .and_then(|volume| sync.doc_mut(&volume))
        {
            out.push(format!(
                "{:?}",
                docs::schema::order_requests_doc::add_request(doc, &request).is_ok()
            ));
        }
    }
    out.join(" ")
}

#[component]
fn Home() -> impl IntoView {
    let (text, set_text) = signal(String::new());
    view! {
        <button on:click=move |_| set_text.set(work())>"go"</button>
        <p>{move || text.get()}</p>
        <input on:input=move |ev| set_text.set(event_target_value(&ev)) />
    }
}

#[component]
fn Other() -> impl IntoView {
    view! { <a href="/">"home"</a> }
}

#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(|| {
        view! {
            <Router>
                <Routes fallback=|| "not found">
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/other") view=Other />
                </Routes>
            </Router>
        }
    });
}
