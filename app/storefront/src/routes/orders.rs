//! Order history: the requests of this shop the device holds, with their status (offline
//! too), and older orders from the server's history (online).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::i18n::Phrase;
use crate::store::Store;
use domain::order::{OrderConfirmation, OrderRequest};
use domain::order_state::OrderState;

/// An order's state as the shop reads it: held for its OK is "waiting for your OK".
pub(crate) fn status_label(
    store: &Store,
    confirmation: Option<&OrderConfirmation>,
) -> &'static str {
    match confirmation {
        Some(c) if c.awaiting_shop_until().is_some() => store.t(Phrase::AwaitingYourOk),
        _ => state_label(store, confirmation.map(|c| c.state)),
    }
}

pub(crate) fn state_label(store: &Store, state: Option<OrderState>) -> &'static str {
    match state {
        None => store.t(Phrase::WaitingToSync),
        Some(OrderState::Confirmed) => store.t(Phrase::Confirmed),
        Some(OrderState::Rejected) => store.t(Phrase::Rejected),
        Some(OrderState::Backordered) => store.t(Phrase::Backordered),
        Some(OrderState::OnHold) => store.t(Phrase::OnHold),
        Some(OrderState::Allocated) => store.t(Phrase::Allocated),
        Some(OrderState::Picking) => store.t(Phrase::Picking),
        Some(OrderState::Packed) => store.t(Phrase::Packed),
        Some(OrderState::PartiallyShipped) => store.t(Phrase::PartiallyShipped),
        Some(OrderState::Shipped) => store.t(Phrase::Shipped),
        Some(OrderState::Delivered) => store.t(Phrase::Delivered),
        Some(OrderState::Completed) => store.t(Phrase::Completed),
        Some(OrderState::Cancelled) => store.t(Phrase::Cancelled),
        Some(OrderState::Submitted) => store.t(Phrase::WaitingToSync),
    }
}

/// What the order costs: the server's quote once confirmed, else what the device quoted.
pub(crate) fn order_total(
    request: &OrderRequest,
    confirmation: Option<&OrderConfirmation>,
) -> domain::money::Money {
    match confirmation {
        Some(c) => c.quote.as_ref().map_or(c.priced.total, |q| q.total),
        None => request
            .expected_quote
            .as_ref()
            .map_or(request.expected.total, |q| q.total),
    }
}

/// When the server received an order (its first status event), once it has.
pub(crate) fn received_ms(confirmation: Option<&domain::order::OrderConfirmation>) -> Option<i64> {
    confirmation
        .and_then(|c| c.history.first())
        .map(|event| event.at_ms)
}

/// An order's time: the server's once it has it, the phone's "placed offline at" beside it
/// when the two differ by more than a few minutes (the order waited, or the phone's clock
/// is wrong); the phone's alone while it waits.
pub(crate) fn placed_text(store: &Store, placed_ms: i64, received: Option<i64>) -> String {
    match received {
        None => format_time(placed_ms),
        Some(at) if (at - placed_ms).abs() <= 5 * 60 * 1000 => format_time(at),
        Some(at) => format!(
            "{} ({} {})",
            format_time(at),
            store.t(Phrase::PlacedOffline),
            format_time(placed_ms)
        ),
    }
}

pub(crate) fn format_time(ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    let store = expect_context::<Store>();
    view! {
        <section class="orders">
            <Notices/>
            <Show when=move || !store.requests.get().is_empty() fallback=move || view! { <p>{move || store.t(Phrase::NoOrders)}</p> }>
                <ul class="order-list">
                    {move || {
                        let confirmations = store.confirmations.get();
                        let mut requests = store.requests.get();
                        // Newest first by when the server received them (a phone's clock
                        // may be wrong); those still waiting to sync on top.
                        requests.sort_by_key(|r| match received_ms(confirmations.get(&r.id)) {
                            None => (0, std::cmp::Reverse(r.placed_at_ms)),
                            Some(at) => (1, std::cmp::Reverse(at)),
                        });
                        requests.into_iter().map(|request| {
                            let confirmation = confirmations.get(&request.id).cloned();
                            let state = confirmation.as_ref().map(|c| c.state);
                            let total = order_total(&request, confirmation.as_ref());
                            let number = confirmation.as_ref().map(|c| c.number.clone()).unwrap_or_else(|| "—".into());
                            view! {
                                <li class="order" data-testid="order" data-state=state.map(|s| format!("{s:?}")).unwrap_or_else(|| "Waiting".into())>
                                    <A href=format!("/orders/{}", request.id)>
                                        <span class="number">{number}</span>
                                        <span class="state" data-testid="order-state">{status_label(&store, confirmation.as_ref())}</span>
                                        <span class="total">{total.to_string()}</span>
                                        <span class="meta">{placed_text(&store, request.placed_at_ms, received_ms(confirmation.as_ref()))}</span>
                                        // The server confirmed it otherwise than the phone showed.
                                        {confirmation.as_ref().map(|c| c.changes.len()).filter(|n| *n > 0).map(|n| view! {
                                            <span class="changed" data-testid="order-changed">{format!("{} {n}", store.t(Phrase::ChangedLines))}</span>
                                        })}
                                    </A>
                                </li>
                            }
                        }).collect_view()
                    }}
                </ul>
            </Show>
            <EarlierOrders/>
        </section>
    }
}

/// An order as the server's history lists it (`GET /api/orders`).
#[derive(Debug, Clone, serde::Deserialize)]
struct HistoryRow {
    number: String,
    request_id: String,
    shop: String,
    state: OrderState,
    total: String,
    received_ms: i64,
}

#[derive(Debug, serde::Deserialize)]
struct HistoryPage {
    orders: Vec<HistoryRow>,
    next_before: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HistoryState {
    /// Not asked yet, or more pages to ask for.
    More,
    Loading,
    /// The server has no older orders.
    End,
    Offline,
}

/// Orders older than the ones this device holds: the device keeps its shop's recent order
/// volumes and those with an order underway, and reads the rest from the server's history
/// a page at a time (it needs the network; it says so when there is none).
#[component]
fn EarlierOrders() -> impl IntoView {
    let store = expect_context::<Store>();
    let rows = RwSignal::new(Vec::<HistoryRow>::new());
    let before = RwSignal::new(None::<i64>);
    let status = RwSignal::new(HistoryState::More);
    let load = move |_| {
        let Some(shop) = store.shop.get_untracked() else {
            return;
        };
        status.set(HistoryState::Loading);
        leptos::task::spawn_local(async move {
            let mut url = format!("/api/orders?limit=30&shop={}", shop.id);
            if let Some(before) = before.get_untracked() {
                url.push_str(&format!("&before={before}"));
            }
            match store.call::<HistoryPage>("GET", &url).await {
                Ok(page) => {
                    rows.update(|rows| rows.extend(page.orders));
                    before.set(page.next_before);
                    status.set(if page.next_before.is_some() {
                        HistoryState::More
                    } else {
                        HistoryState::End
                    });
                }
                Err(_) => status.set(HistoryState::Offline),
            }
        });
    };
    view! {
        <section class="earlier-orders" data-testid="earlier-orders">
            <h3>{move || store.t(Phrase::EarlierOrders)}</h3>
            <ul class="order-list">
                {move || {
                    let shop = store.shop.get().map(|s| s.id.to_string()).unwrap_or_default();
                    let held: std::collections::BTreeSet<String> =
                        store.requests.get().iter().map(|r| r.id.to_string()).collect();
                    rows.get()
                        .into_iter()
                        .filter(|row| row.shop == shop && !held.contains(&row.request_id))
                        .map(|row| view! {
                            <li class="order" data-testid="earlier-order" data-state=format!("{:?}", row.state)>
                                <A href=format!("/orders/{}", row.request_id)>
                                    <span class="number">{row.number.clone()}</span>
                                    <span class="state">{state_label(&store, Some(row.state))}</span>
                                    <span class="total">{format!("¥{}", row.total)}</span>
                                    <span class="meta">{format_time(row.received_ms)}</span>
                                </A>
                            </li>
                        })
                        .collect_view()
                }}
            </ul>
            {move || match status.get() {
                HistoryState::More => view! {
                    <button class="secondary" data-testid="load-earlier" on:click=load>{store.t(Phrase::LoadEarlier)}</button>
                }.into_any(),
                HistoryState::Loading => view! { <p class="meta">{store.t(Phrase::Loading)}</p> }.into_any(),
                HistoryState::End => view! { <p class="meta">{store.t(Phrase::NoEarlierOrders)}</p> }.into_any(),
                HistoryState::Offline => view! {
                    <p class="meta">{store.t(Phrase::NeedsNetwork)}</p>
                    <button class="secondary" data-testid="load-earlier" on:click=load>{store.t(Phrase::LoadEarlier)}</button>
                }.into_any(),
            }}
        </section>
    }
}

/// What happened to the shop's orders since the user last looked, each linking to its
/// order; and the switch for system notifications.
#[component]
fn Notices() -> impl IntoView {
    let store = expect_context::<Store>();
    let may_ask = RwSignal::new(
        crate::notices::permission() == Some(web_sys::NotificationPermission::Default),
    );
    let ask = move |_| {
        spawn_local(async move {
            crate::notices::ask_permission().await;
            may_ask.set(false);
        });
    };
    view! {
        <Show when=move || may_ask.get()>
            <button class="link" data-testid="allow-notifications" on:click=ask>{move || store.t(Phrase::AllowNotifications)}</button>
        </Show>
        <Show when=move || !store.notices.with(Vec::is_empty)>
            <div class="notices" data-testid="notices">
                <h3>{move || store.t(Phrase::Notices)}</h3>
                <ul>
                    {move || store.notices.get().into_iter().map(|notice| view! {
                        <li data-testid="notice"><A href=format!("/orders/{}", notice.order)>{store.notice_text(&notice)}</A></li>
                    }).collect_view()}
                </ul>
                <button class="link" data-testid="mark-read" on:click=move |_| store.clear_notices()>{move || store.t(Phrase::MarkRead)}</button>
            </div>
        </Show>
    }
}
