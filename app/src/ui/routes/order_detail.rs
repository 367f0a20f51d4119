//! One order: its lines, its status, and what the server changed, line by line.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::orders::{format_time, state_label};
use crate::domain::order::RequestId;
use crate::domain::pricing::{LineChange, LineRefusal};
use crate::ui::i18n::Phrase;
use crate::ui::store::Store;

#[component]
pub fn OrderDetailPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let params = use_params_map();
    let id = move || RequestId::parse(&params.get().get("id").unwrap_or_default()).ok();
    view! {
        <section class="order-detail">
            {move || {
                let Some(id) = id() else { return view! { <p>{store.t(Phrase::NotFound)}</p> }.into_any() };
                let Some(request) = store.requests.get().into_iter().find(|r| r.id == id) else {
                    return view! { <p>{store.t(Phrase::NotFound)}</p> }.into_any();
                };
                let confirmation = store.confirmations.get().get(&id).cloned();
                let state = confirmation.as_ref().map(|c| c.state);
                let order = confirmation.as_ref().map(|c| c.priced.clone()).unwrap_or(request.expected.clone());
                let changes = confirmation.as_ref().map(|c| c.changes.clone()).unwrap_or_default();
                let backordered = confirmation.as_ref().map(|c| c.backordered.clone()).unwrap_or_default();
                let lang = store.lang.get();
                let reason = |reason: &LineRefusal| match reason {
                    LineRefusal::UnknownSku => store.t(Phrase::UnknownProduct),
                    LineRefusal::Discontinued => store.t(Phrase::Discontinued),
                    LineRefusal::Quantity { .. } => store.t(Phrase::QuantityRule),
                };
                view! {
                    <h2>
                        <span data-testid="order-number">{confirmation.as_ref().map(|c| c.number.clone()).unwrap_or_else(|| "—".into())}</span>
                        " "
                        <span class="state" data-testid="order-state">{state_label(&store, state)}</span>
                    </h2>
                    <p class="meta">{store.t(Phrase::PlacedAt)} " " {format_time(request.placed_at_ms)} " · " {request.placed_by.clone()}</p>
                    <ul class="lines">
                        {order.lines.iter().map(|line| view! {
                            <li class="line">
                                <span class="name">{lang.pick(&line.name)}</span>
                                <span class="meta">{format!("{} × {}", line.unit_price, line.quantity)}</span>
                                <span class="line-total">{line.line_total.to_string()}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                    <p class="total">{store.t(Phrase::Total)} " " <strong data-testid="order-total">{order.total.to_string()}</strong></p>
                    {(!backordered.is_empty()).then(|| view! {
                        <div class="changes" data-testid="backordered">
                            <h3>{store.t(Phrase::AwaitingStock)}</h3>
                            <ul>
                                {backordered.iter().map(|(sku, quantity)| view! {
                                    <li>{format!("{sku} × {quantity}")}</li>
                                }).collect_view()}
                            </ul>
                        </div>
                    })}
                    {(!changes.is_empty()).then(|| view! {
                        <div class="changes" data-testid="changes">
                            <h3>{store.t(Phrase::ServerChanged)}</h3>
                            <ul>
                                {changes.iter().map(|change| match change {
                                    LineChange::PriceChanged { sku, was, now } => view! {
                                        <li data-testid="change">{format!("{sku}: {now} ({} {was})", store.t(Phrase::PriceChangedFrom))}</li>
                                    }.into_any(),
                                    LineChange::Removed { sku, reason: why } => view! {
                                        <li data-testid="change">{format!("{sku}: {} ({})", store.t(Phrase::RemovedFromOrder), reason(why))}</li>
                                    }.into_any(),
                                    LineChange::Added { sku, quantity } => view! {
                                        <li data-testid="change">{format!("{sku}: +{quantity}")}</li>
                                    }.into_any(),
                                }).collect_view()}
                            </ul>
                        </div>
                    })}
                }.into_any()
            }}
        </section>
    }
}
