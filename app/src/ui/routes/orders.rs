//! Order history: every request of this shop, with its status (offline too).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::domain::order::{OrderConfirmation, OrderRequest};
use crate::domain::order_state::OrderState;
use crate::ui::i18n::Phrase;
use crate::ui::store::Store;

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
) -> crate::domain::money::Money {
    match confirmation {
        Some(c) => c.quote.as_ref().map_or(c.priced.total, |q| q.total),
        None => request
            .expected_quote
            .as_ref()
            .map_or(request.expected.total, |q| q.total),
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
            <Show when=move || !store.requests.get().is_empty() fallback=move || view! { <p>{move || store.t(Phrase::NoOrders)}</p> }>
                <ul class="order-list">
                    {move || {
                        let confirmations = store.confirmations.get();
                        store.requests.get().into_iter().map(|request| {
                            let confirmation = confirmations.get(&request.id).cloned();
                            let state = confirmation.as_ref().map(|c| c.state);
                            let total = order_total(&request, confirmation.as_ref());
                            let number = confirmation.as_ref().map(|c| c.number.clone()).unwrap_or_else(|| "—".into());
                            view! {
                                <li class="order" data-testid="order" data-state=state.map(|s| format!("{s:?}")).unwrap_or_else(|| "Waiting".into())>
                                    <A href=format!("/orders/{}", request.id)>
                                        <span class="number">{number}</span>
                                        <span class="state" data-testid="order-state">{state_label(&store, state)}</span>
                                        <span class="total">{total.to_string()}</span>
                                        <span class="meta">{format_time(request.placed_at_ms)}</span>
                                    </A>
                                </li>
                            }
                        }).collect_view()
                    }}
                </ul>
            </Show>
        </section>
    }
}
