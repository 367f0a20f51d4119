//! Notices: what happened to the shop's orders since the user last looked — confirmed,
//! rejected, held, shipped (with the tracking number), delivered, cancelled, and each
//! answer to a return — found by
//! comparing each order's state and shipments with what this device had seen (kept per
//! shop in local storage), shown in the app and, if the user allowed it, as a system
//! notification through the service worker.

use std::collections::BTreeMap;

use domain::order::{OrderConfirmation, RequestId};
use domain::order_state::OrderState;
use domain::returns::ReturnState;
use domain::sku::ShopId;
use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The most notices kept.
const KEEP: usize = 50;

/// One change of one order, unread until the user clears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub order: RequestId,
    pub number: String,
    pub state: OrderState,
    /// The newest shipment's tracking number, when the change is a shipment.
    #[serde(default)]
    pub tracking: Option<String>,
    /// When the change is a step of one of the order's returns: its number and state.
    #[serde(default)]
    pub ret: Option<(String, ReturnState)>,
    /// When staff changed the order's lines: why.
    #[serde(default)]
    pub edited: Option<String>,
    /// The order waits for the shop's OK.
    #[serde(default)]
    pub awaiting: bool,
}

fn seen_key(shop: &ShopId) -> String {
    format!("dinghuo.seen.{shop}")
}

fn notices_key(shop: &ShopId) -> String {
    format!("dinghuo.notices.{shop}")
}

/// The unread notices of `shop`, newest first.
pub fn unread(shop: &ShopId) -> Vec<Notice> {
    LocalStorage::get(notices_key(shop)).unwrap_or_default()
}

/// Marks every notice of `shop` read.
pub fn clear(shop: &ShopId) {
    LocalStorage::delete(notices_key(shop));
}

/// What this device saw of a shop's orders: each order's state and number of shipments,
/// and since when it has been watching.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Seen {
    since_ms: i64,
    orders: BTreeMap<String, (OrderState, usize)>,
    /// Each return's state, by its id.
    #[serde(default)]
    returns: BTreeMap<String, ReturnState>,
    /// How many times staff changed each order's lines.
    #[serde(default)]
    edits: BTreeMap<String, usize>,
}

/// Server and device clocks may differ by this much.
const CLOCK_SLACK_MS: i64 = 10 * 60 * 1000;

/// Compares `confirmations` with what this device saw of them before; returns the new
/// notices and keeps them with the unread ones. Nothing is news the first time a device
/// looks, nor a change older than its watching (an old volume arriving late).
pub fn note_changes(
    shop: &ShopId,
    confirmations: &BTreeMap<RequestId, OrderConfirmation>,
    now_ms: i64,
) -> Vec<Notice> {
    let (mut seen, first_time) = match LocalStorage::get::<Seen>(seen_key(shop)) {
        Ok(seen) => (seen, false),
        Err(_) => (
            Seen {
                since_ms: now_ms,
                orders: BTreeMap::new(),
                returns: BTreeMap::new(),
                edits: BTreeMap::new(),
            },
            true,
        ),
    };
    let mut fresh = Vec::new();
    let mut changed = first_time;
    for (id, order) in confirmations {
        let edits = order.edits.len();
        if edits > 0 && seen.edits.get(id.as_str()) != Some(&edits) {
            changed = true;
            let before = seen.edits.insert(id.to_string(), edits).unwrap_or(0);
            let recent = order
                .edits
                .last()
                .is_some_and(|edit| edit.at_ms + CLOCK_SLACK_MS >= seen.since_ms);
            if !first_time && recent && edits > before {
                fresh.push(Notice {
                    order: id.clone(),
                    number: order.number.clone(),
                    state: order.state,
                    tracking: None,
                    ret: None,
                    edited: order.edits.last().map(|e| e.reason.clone()),
                    awaiting: false,
                });
            }
        }
        for record in &order.returns {
            let key = record.id.to_string();
            if seen.returns.get(&key) == Some(&record.state) {
                continue;
            }
            changed = true;
            seen.returns.insert(key, record.state);
            let recent = record
                .history
                .last()
                .is_some_and(|step| step.at_ms + CLOCK_SLACK_MS >= seen.since_ms);
            // The shop's own request is no news to it; every answer is.
            if first_time || !recent || record.state == ReturnState::Requested {
                continue;
            }
            fresh.push(Notice {
                order: id.clone(),
                number: order.number.clone(),
                state: order.state,
                tracking: None,
                ret: Some((record.number.clone(), record.state)),
                edited: None,
                awaiting: false,
            });
        }
        let now = (order.state, order.shipments.len());
        if seen.orders.get(id.as_str()) == Some(&now) {
            continue;
        }
        changed = true;
        let before = seen.orders.insert(id.to_string(), now);
        let shipped_more = before.is_some_and(|(_, shipments)| now.1 > shipments);
        let worth_telling = shipped_more
            || !matches!(
                order.state,
                OrderState::Submitted | OrderState::Picking | OrderState::Packed
            );
        let recent = order
            .history
            .last()
            .is_some_and(|event| event.at_ms + CLOCK_SLACK_MS >= seen.since_ms);
        if first_time || !worth_telling || !recent {
            continue;
        }
        fresh.push(Notice {
            order: id.clone(),
            number: order.number.clone(),
            state: order.state,
            tracking: shipped_more
                .then(|| order.shipments.last().map(|s| s.tracking.clone()))
                .flatten()
                .filter(|t| !t.is_empty()),
            ret: None,
            edited: None,
            awaiting: order.awaiting_shop_until().is_some(),
        });
    }
    if changed {
        let _ = LocalStorage::set(seen_key(shop), &seen);
    }
    if !fresh.is_empty() {
        let mut all = fresh.clone();
        all.extend(unread(shop));
        all.truncate(KEEP);
        let _ = LocalStorage::set(notices_key(shop), &all);
    }
    fresh
}

/// Whether system notifications are allowed (`granted`), refused (`denied`) or not asked
/// yet (`default`); `None` where the browser has none.
pub fn permission() -> Option<web_sys::NotificationPermission> {
    let window = web_sys::window()?;
    js_sys::Reflect::has(&window, &"Notification".into())
        .ok()
        .filter(|has| *has)
        .map(|_| web_sys::Notification::permission())
}

/// Asks the user to allow system notifications; true when allowed.
pub async fn ask_permission() -> bool {
    let Ok(promise) = web_sys::Notification::request_permission() else {
        return false;
    };
    JsFuture::from(promise).await.is_ok()
        && permission() == Some(web_sys::NotificationPermission::Granted)
}

/// Shows `title` and `body` as a system notification through the service worker (the way
/// that works on phones), when the user allowed it.
pub fn show(title: String, body: String) {
    if permission() != Some(web_sys::NotificationPermission::Granted) {
        return;
    }
    let Some(container) = web_sys::window().map(|w| w.navigator().service_worker()) else {
        return;
    };
    let Ok(ready) = container.ready() else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(registration) = JsFuture::from(ready).await else {
            return;
        };
        let Ok(registration) = registration.dyn_into::<web_sys::ServiceWorkerRegistration>() else {
            return;
        };
        let options = web_sys::NotificationOptions::new();
        options.set_body(&body);
        options.set_tag("dinghuo-order");
        let _ = registration.show_notification_with_options(&title, &options);
    });
}
