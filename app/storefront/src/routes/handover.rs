//! Hand-over by QR code, for a shop offline for days: its phone shows an order that has
//! not reached the server as a QR code; its account manager's phone scans it with the
//! camera (offline too) and carries it to the server on its next sync. It is the same
//! order — the same request id — so whichever phone delivers it first, it is taken in
//! once.
//!
//! The code holds `DH1:` and a compact JSON of the request (what the shop asked for and
//! its checkout choices); the manager's phone prices it again with the shop's prices it
//! holds, as the server will. Scanning uses the camera and jsQR (`/scan/`, loaded on the
//! scan screen only and kept by the service worker for offline use).

use domain::order::{OrderRequest, RequestId};
use domain::sku::{ShopId, Sku};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::i18n::Phrase;
use crate::store::Store;

const PREFIX: &str = "DH1:";

/// An order request as the QR code carries it (short names: a denser code scans better).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    pub id: RequestId,
    pub shop: ShopId,
    /// When the shop placed it.
    pub at: i64,
    pub by: String,
    pub lines: Vec<(Sku, u32)>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coupons: Vec<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub points: u32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prepaid: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pickup: bool,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

impl Handover {
    pub fn of(request: &OrderRequest) -> Handover {
        Handover {
            id: request.id.clone(),
            shop: request.shop.clone(),
            at: request.placed_at_ms,
            by: request.placed_by.clone(),
            lines: request
                .lines
                .iter()
                .map(|l| (l.sku.clone(), l.quantity))
                .collect(),
            note: request.note.clone(),
            coupons: request.coupon_codes.clone(),
            points: request.redeem_points,
            prepaid: request.use_prepaid,
            pickup: request.pickup,
        }
    }

    pub fn encode(&self) -> String {
        format!(
            "{PREFIX}{}",
            serde_json::to_string(self).unwrap_or_default()
        )
    }

    /// The hand-over a scanned text holds; None when it is not one.
    pub fn decode(text: &str) -> Option<Handover> {
        let handover: Handover = serde_json::from_str(text.strip_prefix(PREFIX)?).ok()?;
        (!handover.lines.is_empty() && handover.lines.len() <= 500).then_some(handover)
    }
}

/// The QR code of `request`, as SVG.
#[component]
pub fn HandoverCode(request: OrderRequest) -> impl IntoView {
    let store = expect_context::<Store>();
    let shown = RwSignal::new(false);
    let text = Handover::of(&request).encode();
    let svg = fast_qr::QRBuilder::new(text)
        .ecl(fast_qr::ECL::M)
        .build()
        .map(|qr| fast_qr::convert::svg::SvgBuilder::default().to_str(&qr))
        .ok();
    view! {
        <Show when=move || shown.get() fallback=move || view! {
            <button data-testid="show-handover" on:click=move |_| shown.set(true)>{move || store.t(Phrase::ShowHandover)}</button>
        }>
            <div class="handover">
                <p class="meta">{move || store.t(Phrase::HandoverExplained)}</p>
                <div class="qr" data-testid="handover-qr" inner_html=svg.clone().unwrap_or_default()></div>
            </div>
        </Show>
    }
}

/// Why a scanned code was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoverRefused {
    NotAnOrder,
    NotYourShop,
    CannotPlace,
}

fn window_function(name: &str) -> Option<js_sys::Function> {
    let window = web_sys::window()?;
    js_sys::Reflect::get(&window, &name.into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()
}

/// The scanner's files, kept by an account manager's phone in a cache of their own (the
/// service worker answers from every cache and keeps this one across builds), so a shop's
/// phone never downloads them.
const SCANNER_CACHE: &str = "dinghuo-scan";
const SCANNER_FILES: [&str; 2] = ["/scan/scan.js", "/scan/jsQR.js"];

/// Puts the scanner's files in [`SCANNER_CACHE`] (fetched again at each opening, so a new
/// build's files replace the old ones); nothing when the browser has no Cache API.
pub async fn keep_scanner_offline() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(caches) = js_sys::Reflect::get(&window, &"caches".into()) else {
        return;
    };
    let method = |target: &wasm_bindgen::JsValue, name: &str| {
        js_sys::Reflect::get(target, &name.into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()
    };
    let Some(open) = method(&caches, "open") else {
        return;
    };
    let Ok(opening) = open.call1(&caches, &SCANNER_CACHE.into()) else {
        return;
    };
    let Ok(cache) = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(opening)).await
    else {
        return;
    };
    let Some(add_all) = method(&cache, "addAll") else {
        return;
    };
    let files: js_sys::Array = SCANNER_FILES
        .iter()
        .map(|f| wasm_bindgen::JsValue::from(*f))
        .collect();
    if let Ok(adding) = add_all.call1(&cache, &files) {
        let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(adding)).await;
    }
}

/// Loads `/scan/scan.js` once.
async fn load_scanner() -> bool {
    if window_function("dinghuoScan").is_some() {
        return true;
    }
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let Ok(script) = document.create_element("script") else {
        return false;
    };
    let _ = script.set_attribute("src", "/scan/scan.js");
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        let _ = script.add_event_listener_with_callback("load", &resolve);
        let _ = script.add_event_listener_with_callback("error", &reject);
    });
    if let Some(head) = document.head() {
        let _ = head.append_child(&script);
    }
    wasm_bindgen_futures::JsFuture::from(loaded).await.is_ok()
}

/// `/scan`: the account manager scans a shop's order.
#[component]
pub fn ScanPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let navigate = use_navigate();
    let problem = RwSignal::new(None::<String>);
    let on_code =
        Closure::<dyn FnMut(String)>::new(move |text: String| match store.take_handover(&text) {
            Ok(id) => navigate(&format!("/orders/{id}"), Default::default()),
            Err(refused) => problem.set(Some(
                store
                    .t(match refused {
                        HandoverRefused::NotAnOrder => Phrase::HandoverNotAnOrder,
                        HandoverRefused::NotYourShop => Phrase::HandoverNotYourShop,
                        HandoverRefused::CannotPlace => Phrase::CannotOrder,
                    })
                    .to_owned(),
            )),
        });
    let on_error = Closure::<dyn FnMut(String)>::new(move |error: String| {
        problem.set(Some(format!(
            "{} ({error})",
            store.t(Phrase::CameraUnavailable)
        )));
    });
    let callbacks = StoredValue::new_local((on_code, on_error));
    Effect::new(move |_| {
        spawn_local(async move {
            if !load_scanner().await {
                problem.set(Some(store.t(Phrase::CameraUnavailable).to_owned()));
                return;
            }
            if let Some(scan) = window_function("dinghuoScan") {
                callbacks.with_value(|(code, error)| {
                    let _ = scan.call3(
                        &wasm_bindgen::JsValue::NULL,
                        &"scan-video".into(),
                        code.as_ref(),
                        error.as_ref(),
                    );
                });
            }
        });
    });
    on_cleanup(|| {
        if let Some(stop) = window_function("dinghuoScanStop") {
            let _ = stop.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    view! {
        <section class="scan" data-testid="scan-page">
            <h2>{move || store.t(Phrase::ScanHandover)}</h2>
            <p class="meta">{move || store.t(Phrase::ScanExplained)}</p>
            <video id="scan-video" data-testid="scan-video" muted=true autoplay=true></video>
            {move || problem.get().map(|text| view! { <p class="error" data-testid="scan-problem">{text}</p> })}
        </section>
    }
}
