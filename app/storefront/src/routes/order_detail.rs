//! One order: its lines, its status, and what the server changed, line by line.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::orders::{format_time, state_label};
use crate::api::CallError;
use crate::components::returns::{ReturnsSection, history_text, name_on};
use crate::i18n::Phrase;
use crate::store::Store;
use domain::fulfilment::ShipmentRecord;
use domain::order::{OrderConfirmation, RequestId};
use domain::order_state::OrderState;
use domain::pricing::{LineChange, LineRefusal};

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
                    // Older than the order volumes this device holds: the server has it.
                    return view! { <ServerOrder id=id/> }.into_any();
                };
                let confirmation = store.confirmations.get().get(&id).cloned();
                let state = confirmation.as_ref().map(|c| c.state);
                let order = confirmation.as_ref().map(|c| c.priced.clone()).unwrap_or(request.expected.clone());
                let changes = confirmation.as_ref().map(|c| c.changes.clone()).unwrap_or_default();
                let backordered = confirmation.as_ref().map(|c| c.backordered.clone()).unwrap_or_default();
                let quote = confirmation.as_ref().and_then(|c| c.quote.clone()).or(request.expected_quote.clone());
                let total = super::orders::order_total(&request, confirmation.as_ref());
                let shown_total = request.expected_quote.as_ref().map(|q| q.total);
                let lang = store.lang.get();
                let named = |sku: &domain::sku::Sku| store.product_name(sku);
                let reason = |reason: &LineRefusal| match reason {
                    LineRefusal::UnknownSku => store.t(Phrase::UnknownProduct),
                    LineRefusal::Discontinued => store.t(Phrase::Discontinued),
                            LineRefusal::NotOffered => store.t(Phrase::NotOffered),
                    LineRefusal::Quantity { .. } => store.t(Phrase::QuantityRule),
                };
                view! {
                    <h2>
                        <span data-testid="order-number">{confirmation.as_ref().map(|c| c.number.clone()).unwrap_or_else(|| "—".into())}</span>
                        " "
                        <span class="state" data-testid="order-state">{super::orders::status_label(&store, confirmation.as_ref())}</span>
                    </h2>
                    {confirmation.clone().filter(|c| c.awaiting_shop_until().is_some()).map(|c| view! { <AwaitingOk order=c/> })}
                    <p class="meta" data-testid="placed-at">{store.t(Phrase::PlacedAt)} " " {super::orders::placed_text(&store, request.placed_at_ms, super::orders::received_ms(confirmation.as_ref()))} " · " {request.placed_by.clone()}
                        {request.pickup.then(|| view! { " · " <span data-testid="order-pickup">{store.t(Phrase::Pickup)}</span> })}</p>
                    {(confirmation.is_none() && store.session.get().is_some_and(|s| s.role == "shop")).then(|| view! {
                        <super::handover::HandoverCode request=request.clone()/>
                    })}
                    {lines_view(lang, &order)}
                    {quote.clone().map(|q| view! {
                        <ul class="quote">
                            {q.promotions.iter().map(|p| view! {
                                <li data-testid="promotion"><span>{lang.pick(&p.name)}</span><span class="discount">{format!("−{}", p.discount)}</span></li>
                            }).collect_view()}
                            {q.gifts.iter().map(|g| view! {
                                <li data-testid="gift"><span>{format!("{} {} × {}", store.t(Phrase::Gift), lang.pick(&g.name), g.quantity)}</span><span>"¥0.00"</span></li>
                            }).collect_view()}
                            <li><span>{store.t(Phrase::Shipping)}</span><span data-testid="order-shipping">{q.shipping.to_string()}</span></li>
                            <li class="meta"><span>{store.t(Phrase::TaxIncluded)}</span><span>{q.tax.to_string()}</span></li>
                            {(q.points_redeemed > 0).then(|| view! {
                                <li><span>{format!("{} ({})", store.t(Phrase::PointsPaid), q.points_redeemed)}</span><span>{format!("−{}", q.points_value)}</span></li>
                            })}
                            {(!q.prepaid_used.is_zero()).then(|| view! {
                                <li><span>{store.t(Phrase::PrepaidPaid)}</span><span>{format!("−{}", q.prepaid_used)}</span></li>
                            })}
                        </ul>
                    })}
                    <p class="total">{store.t(Phrase::Total)} " " <strong data-testid="order-total">{total.to_string()}</strong></p>
                    {quote.clone().filter(|q| q.amount_due != q.total).map(|q| view! {
                        <p class="total">{store.t(Phrase::AmountDue)} " " <strong data-testid="order-amount-due">{q.amount_due.to_string()}</strong></p>
                    })}
                    {shown_total.filter(|shown| confirmation.is_some() && *shown != total).map(|shown| view! {
                        <p class="changes" data-testid="total-changed">{format!("{} {shown}", store.t(Phrase::DeviceShowed))}</p>
                    })}
                    // The distributor's price hold kept prices the phone showed.
                    {confirmation.as_ref().and_then(|c| c.prices_held()).map(|(as_of, skus)| view! {
                        <p class="meta" data-testid="prices-held">{format!(
                            "{}{}{}",
                            store.t(Phrase::HeldPricesOf).replace("{}", &format_time(as_of)),
                            store.t(Phrase::Colon),
                            skus.iter().map(named).collect::<Vec<_>>().join(store.t(Phrase::ListSeparator)),
                        )}</p>
                    })}
                    {confirmation.as_ref()
                        .filter(|c| matches!(c.state, domain::order_state::OrderState::Rejected | domain::order_state::OrderState::Cancelled | domain::order_state::OrderState::OnHold))
                        // Held for the shop's OK: said above, with what to do.
                        .filter(|c| c.awaiting_shop_until().is_none())
                        .and_then(|c| c.history.last().cloned())
                        .filter(|event| !event.reason.is_empty())
                        .map(|event| {
                            let said = confirmation.as_ref().map(|c| history_text(&store, c, &event)).unwrap_or_default();
                            view! {
                                <p class="error" data-testid="reason">{format!("{}: {said}", store.t(Phrase::Reason))}</p>
                            }
                        })}
                    <CancelControl id=id.clone() state=state/>
                    <crate::components::reorder::ReorderButton lines=order.lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect()/>
                    {confirmation.as_ref().map(|c| shipments_view(&store, c))}
                    {confirmation.as_ref().map(|c| edits_view(&store, c))}
                    {confirmation.clone().map(|c| view! { <ReturnsSection order=c/> })}
                    {(!backordered.is_empty()).then(|| view! {
                        <div class="changes" data-testid="backordered">
                            <h3>{store.t(Phrase::AwaitingStock)}</h3>
                            <ul>
                                {backordered.iter().map(|(sku, quantity)| view! {
                                    <li>{format!("{} × {quantity}", named(sku))}</li>
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
                                        <li data-testid="change">{format!("{}: {now} ({} {was})", named(sku), store.t(Phrase::PriceChangedFrom))}</li>
                                    }.into_any(),
                                    LineChange::Removed { sku, reason: why } => view! {
                                        <li data-testid="change">{format!("{}: {} ({})", named(sku), store.t(Phrase::RemovedFromOrder), reason(why))}</li>
                                    }.into_any(),
                                    LineChange::Added { sku, quantity } => view! {
                                        <li data-testid="change">{format!("{}: +{quantity}", named(sku))}</li>
                                    }.into_any(),
                                }).collect_view()}
                            </ul>
                        </div>
                    })}
                    {confirmation.as_ref().map(|c| history_view(&store, c))}
                }.into_any()
            }}
        </section>
    }
}

/// An order read from the server's history (needs the network): its number, state, lines,
/// total and every step it went through.
#[component]
fn ServerOrder(id: RequestId) -> impl IntoView {
    let store = expect_context::<Store>();
    let order = RwSignal::new(None::<Result<OrderConfirmation, CallError>>);
    leptos::task::spawn_local(async move {
        let url = format!("/api/orders/{id}");
        order.set(Some(store.call::<OrderConfirmation>("GET", &url).await));
    });
    move || match order.get() {
        None => view! { <p>{store.t(Phrase::Loading)}</p> }.into_any(),
        Some(Err(CallError::Offline)) => {
            view! { <p>{store.t(Phrase::NeedsNetwork)}</p> }.into_any()
        }
        Some(Err(_)) => view! { <p>{store.t(Phrase::NotFound)}</p> }.into_any(),
        Some(Ok(order)) => {
            let lang = store.lang.get();
            let total = order.quote.as_ref().map_or(order.priced.total, |q| q.total);
            view! {
                <h2>
                    <span data-testid="order-number">{order.number.clone()}</span>
                    " "
                    <span class="state" data-testid="order-state">{state_label(&store, Some(order.state))}</span>
                </h2>
                <p class="meta">{store.t(Phrase::PlacedAt)} " " {format_time(order.placed_at_ms)}</p>
                {lines_view(lang, &order.priced)}
                <p class="total">{store.t(Phrase::Total)} " " <strong data-testid="order-total">{total.to_string()}</strong></p>
                <crate::components::reorder::ReorderButton lines=order.priced.lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect()/>
                {shipments_view(&store, &order)}
                {history_view(&store, &order)}
            }.into_any()
        }
    }
}

/// An order's priced lines: name, unit price × quantity, line total.
fn lines_view(lang: crate::i18n::Lang, order: &domain::pricing::PricedOrder) -> impl IntoView {
    view! {
        <ul class="lines">
            {order.lines.iter().map(|line| view! {
                <li class="line">
                    <span class="name">{lang.pick(&line.name)}</span>
                    <span class="meta">{format!("{} × {}", line.unit_price, line.quantity)}</span>
                    <span class="line-total">{line.line_total.to_string()}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// Each shipment of the order: when, from where, with whom, the tracking number, what.
fn shipments_view(store: &Store, order: &OrderConfirmation) -> impl IntoView + use<> {
    let lang = store.lang.get_untracked();
    let name = |sku: &domain::sku::Sku| name_on(order, lang, sku);
    let shipments: &[ShipmentRecord] = &order.shipments;
    (!shipments.is_empty()).then(|| {
        view! {
            <h3>{store.t(Phrase::Shipments)}</h3>
            <ul class="shipments" data-testid="shipments">
                {shipments.iter().map(|s| view! {
                    <li data-testid="shipment">
                        <span>{format!("{} · {}", s.number, s.carrier)}</span>
                        {(!s.tracking.is_empty()).then(|| view! {
                            <span class="meta" data-testid="tracking">{format!("{} {}", store.t(Phrase::TrackingNumber), s.tracking)}</span>
                        })}
                        <span class="meta">{s.lines.iter().map(|(sku, q)| format!("{} × {q}", name(sku))).collect::<Vec<_>>().join(", ")}</span>
                        {(!s.shipped_with.is_empty()).then(|| {
                            // The other orders in the box, by the number the shop knows.
                            let orders: Vec<&str> = s.shipped_with.iter().map(|n| domain::fulfilment::shipment_place(n).map_or(n.as_str(), |(order, _)| order)).collect();
                            view! { <span class="meta" data-testid="parcel-with">{format!("{}{}", store.t(Phrase::ParcelWith), orders.join(", "))}</span> }
                        })}
                        <span class="meta">{format!("{}{}", format_time(s.shipped_ms), s.delivered_ms.map(|d| format!(" · {} {}", store.t(Phrase::DeliveredOn), format_time(d))).unwrap_or_default())}</span>
                    </li>
                }).collect_view()}
            </ul>
        }
    })
}

/// What staff changed on the order and why: each line's quantity before and after, the
/// total before and after.
fn edits_view(store: &Store, order: &OrderConfirmation) -> impl IntoView + use<> {
    let lang = store.lang.get_untracked();
    let name = |sku: &domain::sku::Sku| name_on(order, lang, sku);
    let edits: Vec<_> = order
        .edits
        .iter()
        .map(|edit| {
            let lines: Vec<String> = edit
                .lines
                .iter()
                .map(|l| format!("{} {} → {}", name(&l.sku), l.was, l.now))
                .collect();
            (edit.clone(), lines)
        })
        .collect();
    (!edits.is_empty()).then(|| {
        view! {
            <div class="changes" data-testid="edits">
                <h3>{store.t(Phrase::OrderChanged)}</h3>
                <ul>
                    {edits.into_iter().map(|(edit, lines)| view! {
                        <li class="edit" data-testid="edit">
                            <span data-testid="edit-reason">{format!("{} · {} · {}", format_time(edit.at_ms), edit.by, edit.reason)}</span>
                            {lines.into_iter().map(|l| view! { <span class="meta">{l}</span> }).collect_view()}
                            <span class="meta">{format!("{} {} → {}", store.t(Phrase::Total), edit.total_was, edit.total_now)}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </div>
        }
    })
}

/// What happened to the order, step by step, in the reader's language.
fn history_view(store: &Store, order: &domain::order::OrderConfirmation) -> impl IntoView + use<> {
    let store = *store;
    view! {
        <h3>{store.t(Phrase::History)}</h3>
        <ul class="history" data-testid="history">
            {order.history.iter().map(|event| view! {
                <li>
                    <span>{state_label(&store, Some(event.state))}</span>
                    <span class="meta">{format!("{} · {}", format_time(event.at_ms), event.actor)}</span>
                    {(!event.reason.is_empty()).then(|| view! { <span class="meta">{history_text(&store, order, event)}</span> })}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// An order the server held for the shop's OK: what it costs now against what the phone
/// showed, the lines it could not take, until when the shop may answer; accepting it (one
/// tap, offline too) or cancelling it below.
#[component]
fn AwaitingOk(order: domain::order::OrderConfirmation) -> impl IntoView {
    let store = expect_context::<Store>();
    let Some(waiting) = order.awaiting_shop() else {
        return ().into_any();
    };
    let (expected, total, until_ms) = (waiting.expected, waiting.total, waiting.until_ms);
    let dropped_names = (!waiting.dropped.is_empty()).then(|| {
        waiting
            .dropped
            .iter()
            .map(|sku| store.product_name(sku))
            .collect::<Vec<_>>()
            .join("、")
    });
    let id = order.request_id.clone();
    let accepted = {
        let id = id.clone();
        move || store.accepts.with(|a| a.contains_key(&id))
    };
    let more = total
        .checked_sub(expected)
        .ok()
        .filter(|d| d.amount() > rust_decimal::Decimal::ZERO);
    view! {
        <div class="awaiting-ok" role="alert" data-testid="awaiting-ok">
            <h3>{store.t(Phrase::OrderChangedConfirm)}</h3>
            <p data-testid="awaiting-amounts">
                {format!("{} {expected} → {} {total}", store.t(Phrase::DeviceShowed), store.t(Phrase::NowCosts))}
                {more.map(|d| format!(" (+{d})"))}
            </p>
            {dropped_names.map(|names| view! {
                <p data-testid="awaiting-dropped">{format!("{}{names}", store.t(Phrase::CannotSupply))}</p>
            })}
            <p class="meta" data-testid="awaiting-until">
                {format!("{} {} {}", store.t(Phrase::AnswerBefore), super::orders::format_time(until_ms), store.t(Phrase::OrCancelledItself))}
            </p>
            {move || if accepted() {
                view! { <p class="changes" data-testid="accept-pending">{store.t(Phrase::AcceptPending)}</p> }.into_any()
            } else {
                let id = id.clone();
                view! {
                    <button class="primary" data-testid="accept-order" on:click=move |_| { store.accept_order(&id); }>
                        {store.t(Phrase::AcceptOrder)}
                    </button>
                }.into_any()
            }}
        </div>
    }
    .into_any()
}

/// The shop cancels its order (offline too) until picking starts; after that its request
/// goes to customer service. Says where a request it made stands.
#[component]
fn CancelControl(id: RequestId, state: Option<OrderState>) -> impl IntoView {
    let store = expect_context::<Store>();
    let asking = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let order = id.clone();
    let open = state.is_none_or(OrderState::shop_may_cancel);
    move || {
        let asked = store.cancels.with(|c| c.contains_key(&order));
        match (asked, state) {
            (_, Some(OrderState::Cancelled)) => ().into_any(),
            (true, _) if open => view! { <p class="changes" data-testid="cancel-pending">{store.t(Phrase::CancelPending)}</p> }.into_any(),
            (true, _) => view! { <p class="changes" data-testid="cancel-asked">{store.t(Phrase::CancelAsked)}</p> }.into_any(),
            (false, _) if !open => ().into_any(),
            (false, _) if asking.get() => {
                let target = order.clone();
                view! {
                    <div class="cancel-form">
                        <input data-testid="cancel-reason" placeholder=store.t(Phrase::CancelReason)
                            prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                        <button class="danger" data-testid="confirm-cancel" on:click=move |_| {
                            if store.cancel_order(&target, reason.get_untracked()) {
                                asking.set(false);
                            }
                        }>{store.t(Phrase::ConfirmCancel)}</button>
                        <button data-testid="keep-order" on:click=move |_| asking.set(false)>{store.t(Phrase::KeepOrder)}</button>
                    </div>
                }.into_any()
            }
            (false, _) => view! {
                <button class="link danger" data-testid="cancel-order" on:click=move |_| asking.set(true)>{store.t(Phrase::CancelOrder)}</button>
            }.into_any(),
        }
    }
}
