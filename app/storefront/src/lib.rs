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

/// Logs panics to the console (instead of an opaque "unreachable") in a build that formats
/// them; the shipped bundle (`make site`) stops at once on a panic, smaller by ~20 KB.
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
    }
    Effect::new(move |_| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("lang", store.lang.get().code());
        }
    });
    // The sign-in form is all the first download holds; the rest of the app (documents,
    // sync, every page) is a module of its own, fetched while the user types (or at once
    // when already signed in) and kept by the service worker for offline use.
    let started = StoredValue::new(false);
    let attempt = RwSignal::new(0_u32);
    view! {
        <Router>
            <Show when=move || store.session.get().is_some() fallback=|| {
                spawn_local(preload_signed_in());
                view! { <LoginPage/> }
            }>
                <Suspense fallback=move || view! { <p class="loading">{store.t(i18n::Phrase::Loading)}</p> }>
                    {move || {
                        attempt.track();
                        Suspend::new(async move {
                            let first = !started.get_value();
                            match signed_in(first).await {
                                Ok(view) => {
                                    started.set_value(true);
                                    view
                                }
                                Err(_) => view! {
                                    <div class="load-failed" role="alert" data-testid="load-failed">
                                        <p>{store.t(i18n::Phrase::AppLoadFailed)}</p>
                                        <button on:click=move |_| attempt.update(|n| *n += 1)>
                                            {store.t(i18n::Phrase::TryAgain)}
                                        </button>
                                    </div>
                                }
                                .into_any(),
                            }
                        })
                    }}
                </Suspense>
            </Show>
        </Router>
    }
}

/// Fetches the signed-in app's module while the sign-in form is filled in, once the
/// service worker holds the app (`dinghuoWorkerReady`, boot.js): it fetched the module
/// installing, so a weak link does not carry it twice.
async fn preload_signed_in() {
    use wasm_bindgen::JsCast;
    if let Some(ready) = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"dinghuoWorkerReady".into()).ok())
        .and_then(|ready| ready.dyn_into::<js_sys::Promise>().ok())
    {
        let _ = wasm_bindgen_futures::JsFuture::from(ready).await;
    }
    let _ = __preload_signed_in().await;
}

/// Everything after sign-in, in a module of its own (`wasm_split`): the pages, the
/// device's documents and their sync. `start` is true the first time in this page's life,
/// when the background work (opening the documents, sync, the clock) begins; a later
/// sign-in only opens the new user's documents.
#[leptos::wasm_split::wasm_split(
    signed_in,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(__preload_signed_in)
)]
fn signed_in(start: bool) -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
    let store = expect_context::<Store>();
    spawn_local(store.open());
    if start {
        start_background(store);
    }
    Effect::new(move |_| store.remember_unsent());
    Ok(view! {
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
    }
    .into_any())
}

/// The app's work in the background, for as long as the page is open: the clock of
/// prices and promotions, other tabs' saves, sync when the network returns and every 20
/// seconds (every few minutes in the data saver), and the list of unsent orders.
fn start_background(store: Store) {
    spawn_local(store.keep_time());
    // Every tab of the app sees what the others save (orders, cart lines).
    store.follow_other_tabs();
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
                spawn_local(store.sync_background());
            }
        },
        std::time::Duration::from_secs(20),
    );
    // Both last as long as the page.
    let _ = (online, interval);
}
