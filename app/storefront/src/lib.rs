//! The Leptos storefront, rendered in the browser (client-side) from wasm32.

pub mod api;
pub mod components;
pub mod i18n;
pub mod idb;
pub mod notices;
pub mod routes;
pub mod store;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use wasm_bindgen::prelude::wasm_bindgen;

use self::components::header::Header;
use self::routes::cart::CartPage;
use self::routes::catalog::CatalogPage;
use self::routes::devices::DevicesPage;
use self::routes::login::LoginPage;
use self::routes::order_detail::OrderDetailPage;
use self::routes::orders::OrdersPage;
use self::routes::product::ProductPage;
use self::store::Store;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook_lite();
    leptos::mount::mount_to_body(App);
}

/// Logs panics to the console (instead of an opaque "unreachable").
fn console_error_panic_hook_lite() {
    std::panic::set_hook(Box::new(|info| leptos::logging::error!("{info}")));
}

#[component]
fn App() -> impl IntoView {
    let store = Store::new();
    provide_context(store);
    if let Some(session) = store.session.get_untracked()
        && Store::hand_over_to_office(&session)
    {
        store.session.set(None);
    } else if store.session.get_untracked().is_some() {
        spawn_local(store.open());
    }
    spawn_local(store.keep_time());
    // Every tab of the app sees what the others save (orders, cart lines).
    store.follow_other_tabs();
    // Sync by itself: when the network returns and every 20 seconds.
    let online = window_event_listener(leptos::ev::online, move |_| spawn_local(store.sync_now()));
    let interval = set_interval_with_handle(
        move || {
            // The data saver syncs in the background every few minutes only.
            let now = js_sys::Date::now() as i64;
            let recent = store
                .last_synced_ms
                .get_untracked()
                .is_some_and(|at| now.saturating_sub(at) < store::DATA_SAVER_SYNC_MS);
            if !(store.data_saver.get_untracked() && recent) {
                spawn_local(store.sync_now());
            }
        },
        std::time::Duration::from_secs(20),
    );
    on_cleanup(move || {
        online.remove();
        if let Ok(handle) = interval {
            handle.clear();
        }
    });
    Effect::new(move |_| store.remember_unsent());
    Effect::new(move |_| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("lang", store.lang.get().code());
        }
    });

    view! {
        <Router>
            <Show when=move || store.session.get().is_some() fallback=|| view! { <LoginPage/> }>
                <Header/>
                <main>
                    <Routes fallback=|| view! { <CatalogPage/> }>
                        <Route path=path!("/") view=CatalogPage/>
                        <Route path=path!("/product/:sku") view=ProductPage/>
                        <Route path=path!("/cart") view=CartPage/>
                        <Route path=path!("/quick") view=routes::quick::QuickEntryPage/>
                        <Route path=path!("/offers") view=self::components::offers::OffersPage/>
                        <Route path=path!("/orders") view=OrdersPage/>
                        <Route path=path!("/orders/:id") view=OrderDetailPage/>
                        <Route path=path!("/devices") view=DevicesPage/>
                        <Route path=path!("/account") view=routes::account::AccountPage/>
                        <Route path=path!("/my-shops") view=routes::my_shops::MyShopsPage/>
                        <Route path=path!("/proposal") view=routes::proposal::ProposalPage/>
                        <Route path=path!("/scan") view=routes::handover::ScanPage/>
                    </Routes>
                </main>
                <self::components::undo_bar::UndoBar/>
                <self::components::tab_bar::TabBar/>
            </Show>
        </Router>
    }
}
