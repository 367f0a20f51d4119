//! Orders from every channel in one list (filters by state, shop, account manager,
//! warehouse, channel and date; search by number; paging that costs the same at any
//! depth), and one order's page: its lines with what shipped, is reserved and waits, the
//! quote, shipments with carrier and tracking number, the full history, the moves possible
//! now, a shipment form per warehouse, and a printable packing list per shipment.

use std::collections::BTreeMap;

use ::api::{
    CHANNELS, EventBody, MergeCandidate, OrderDetail, OrderPage, OrderRow, ParcelOrder,
    ParcelRequest, ParcelShipped, Shipped,
};
use domain::carrier::choose;
use domain::fulfilment::{self, ShipRequest, ShipmentRecord};
use domain::money::{Currency, Money};
use domain::order_state::{OrderEvent, OrderState};
use domain::sku::{Sku, WarehouseId};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::Office;
use crate::api::{Failure, encode};
use crate::audit::format_time;
use crate::i18n::{Phrase, channel_phrase, event_label, state_label};

const PAGE: usize = 50;

fn state_of(name: &str) -> Option<OrderState> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

pub(crate) fn state_text(office: &Office, name: &str) -> String {
    state_of(name).map_or_else(
        || name.to_owned(),
        |state| state_label(office.lang.get(), state).to_owned(),
    )
}

/// `YYYY-MM-DD` (a date input's value) as local midnight in milliseconds.
fn day_start(text: &str) -> Option<i64> {
    if text.trim().is_empty() {
        return None;
    }
    crate::products::parse_local_time(&format!("{}T00:00", text.trim()))
}

/// The warehouses and carriers the forms offer.
pub(crate) fn load_options(office: Office) -> RwSignal<Option<::api::FulfilmentOptions>> {
    let options = RwSignal::new(None);
    spawn_local(async move {
        if let Ok(found) = office
            .call::<::api::FulfilmentOptions>("GET", "/api/admin/fulfilment-options", None)
            .await
        {
            options.set(Some(found));
        }
    });
    options
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let options = load_options(office);
    // The home page links here with `?state=` or `?waiting=true`.
    let query = use_query_map().get_untracked();
    let state = RwSignal::new(query.get("state").unwrap_or_default());
    let waiting = RwSignal::new(query.get("waiting").is_some_and(|w| w == "true"));
    let shop = RwSignal::new(String::new());
    let manager = RwSignal::new(String::new());
    let warehouse = RwSignal::new(String::new());
    let channel = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let number = RwSignal::new(String::new());
    // The `before` of each page shown so far: going back pops one.
    let cursors = RwSignal::new(Vec::<Option<i64>>::from([None]));
    let page = RwSignal::new(None::<Result<OrderPage, Failure>>);
    let took_ms = RwSignal::new(None::<i64>);
    let url = move || {
        let mut url = format!("/api/orders?limit={PAGE}");
        let mut add = |key: &str, value: String| {
            if !value.trim().is_empty() {
                url.push_str(&format!("&{key}={}", encode(value.trim())));
            }
        };
        add("state", state.get());
        add("shop", shop.get());
        add("manager", manager.get());
        add("warehouse", warehouse.get());
        add("channel", channel.get());
        add("number", number.get());
        if waiting.get() {
            url.push_str("&waiting=true");
        }
        if let Some(ms) = day_start(&from.get()) {
            url.push_str(&format!("&from={ms}"));
        }
        if let Some(ms) = day_start(&to.get()) {
            url.push_str(&format!("&to={}", ms + 24 * 60 * 60 * 1000));
        }
        if let Some(Some(before)) = cursors.get().last() {
            url.push_str(&format!("&before={before}"));
        }
        url
    };
    Effect::new(move |_| {
        let wanted = url();
        spawn_local(async move {
            let started = js_sys::Date::now() as i64;
            let result = office.call::<OrderPage>("GET", &wanted, None).await;
            if url() == wanted {
                took_ms.set(Some(js_sys::Date::now() as i64 - started));
                page.set(Some(result));
            }
        });
    });
    let reset = move || cursors.set(vec![None]);
    let filter_select = move |signal: RwSignal<String>,
                              test: &'static str,
                              any: Phrase,
                              choices: Signal<Vec<(String, String)>>| {
        view! {
            <select data-testid=test on:change=move |ev| { signal.set(event_target_value(&ev)); reset(); }>
                <option value="" selected=move || signal.get().is_empty()>{move || office.t(any)}</option>
                {move || choices.get().into_iter().map(|(value, label)| {
                    let chosen = value.clone();
                    view! { <option value=value selected=move || signal.get() == chosen>{label}</option> }
                }).collect_view()}
            </select>
        }
    };
    let states = Signal::derive(move || {
        let mut choices: Vec<(String, String)> = OrderState::ALL
            .into_iter()
            .filter(|s| *s != OrderState::Submitted)
            .map(|s| (state_name(s), state_label(office.lang.get(), s).to_owned()))
            .collect();
        // Several states at once (a link from the home page) are one more choice.
        let current = state.get();
        if current.contains(',') {
            let label = current
                .split(',')
                .map(|name| state_text(&office, name.trim()))
                .collect::<Vec<_>>()
                .join(" / ");
            choices.push((current, label));
        }
        choices
    });
    let warehouses = Signal::derive(move || {
        options
            .get()
            .map(|o| o.warehouses.into_iter().map(|w| (w.clone(), w)).collect())
            .unwrap_or_default()
    });
    let channels = Signal::derive(move || {
        CHANNELS
            .iter()
            .map(|c| ((*c).to_owned(), office.t(channel_phrase(c)).to_owned()))
            .collect()
    });
    let text_filter = move |signal: RwSignal<String>, test: &'static str, placeholder: Phrase| {
        view! {
            <input data-testid=test placeholder=move || office.t(placeholder) prop:value=move || signal.get()
                on:change=move |ev| { signal.set(event_target_value(&ev)); reset(); }/>
        }
    };
    let date_filter = move |signal: RwSignal<String>, test: &'static str, label: Phrase| {
        view! {
            <label class="inline">{move || office.t(label)}
                <input type="date" data-testid=test prop:value=move || signal.get()
                    on:change=move |ev| { signal.set(event_target_value(&ev)); reset(); }/>
            </label>
        }
    };
    view! {
        <section class="orders">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::Orders)}</h1>
                <input type="search" data-testid="order-number" placeholder=move || office.t(Phrase::SearchNumber)
                    prop:value=move || number.get()
                    on:change=move |ev| { number.set(event_target_value(&ev)); reset(); }/>
                <Show when=move || office.may("orders.hold")>
                    <A href="/office/orders/new" attr:data-testid="new-order">{move || office.t(Phrase::NewOrder)}</A>
                </Show>
            </div>
            <crate::approval::ApprovalRulesLine/>
            <div class="filters">
                {filter_select(state, "order-state", Phrase::AnyOrderState, states)}
                {filter_select(warehouse, "order-warehouse", Phrase::AnyWarehouse, warehouses)}
                {filter_select(channel, "order-channel", Phrase::AnyChannel, channels)}
                {text_filter(shop, "order-shop", Phrase::ShopIdFilter)}
                {text_filter(manager, "order-manager", Phrase::AccountManager)}
                {date_filter(from, "order-from", Phrase::DateFrom)}
                {date_filter(to, "order-to", Phrase::DateTo)}
                <label class="inline">
                    <input type="checkbox" data-testid="order-waiting" prop:checked=move || waiting.get()
                        on:change=move |ev| { waiting.set(event_target_checked(&ev)); reset(); }/>
                    {move || office.t(Phrase::WaitingForStock)}
                </label>
            </div>
            {move || match page.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(page)) if page.orders.is_empty() => view! { <p data-testid="no-orders">{office.t(Phrase::NoOrders)}</p> }.into_any(),
                Some(Ok(page)) => {
                    let next = page.next_before;
                    view! {
                        <table class="grid">
                            <thead><tr>
                                <th>{office.t(Phrase::OrderNumber)}</th>
                                <th>{office.t(Phrase::ShopCol)}</th>
                                <th>{office.t(Phrase::State)}</th>
                                <th class="number">{office.t(Phrase::Amount)}</th>
                                <th>{office.t(Phrase::Channel)}</th>
                                <th>{office.t(Phrase::PlacedBy)}</th>
                                <th>{office.t(Phrase::ReceivedAt)}</th>
                            </tr></thead>
                            <tbody>
                                {page.orders.into_iter().map(|o: OrderRow| {
                                    let href = format!("/office/orders/{}", o.number);
                                    let label = o.number.clone();
                                    view! {
                                        <tr data-testid="order-row" data-number=o.number.clone()>
                                            <td><A href=href>{label}</A></td>
                                            <td>{format!("{} {}", o.shop, o.shop_name)}</td>
                                            <td data-testid="order-row-state">{state_text(&office, &o.state)}</td>
                                            <td class="number">{format!("¥{}", o.total)}</td>
                                            <td>{office.t(channel_phrase(&o.channel))}</td>
                                            <td>{o.placed_by.clone()}</td>
                                            <td>{format_time(o.received_ms)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <div class="pager">
                            <button disabled=move || cursors.get().len() <= 1 on:click=move |_| cursors.update(|c| { c.pop(); })>{office.t(Phrase::Previous)}</button>
                            <span class="muted" data-testid="order-list-time">{move || took_ms.get().map(|ms| format!("{ms} ms")).unwrap_or_default()}</span>
                            <button disabled=next.is_none() on:click=move |_| cursors.update(|c| c.push(next))>{office.t(Phrase::Next)}</button>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// The state's name as the API spells it (`partially_shipped`).
pub(crate) fn state_name(state: OrderState) -> String {
    state.name().to_owned()
}

/// Whether staff cause `event` (the intake confirms, rejects and backorders; a shipment
/// is partial or whole by what it takes).
fn staff_cause(event: OrderEvent) -> bool {
    !matches!(
        event,
        OrderEvent::Confirm | OrderEvent::Reject | OrderEvent::Backorder | OrderEvent::ShipPart
    )
}

/// A refusal in the user's words: an illegal move names what is possible now; a shipment
/// says which line and why (and which order, in a parcel).
fn refusal(office: &Office, failure: &Failure) -> String {
    let Failure::Refused { body, .. } = failure else {
        return office.explain(failure);
    };
    let Some(detail) = &body.detail else {
        return office.explain(failure);
    };
    let reason = detail.get("reason").and_then(|r| r.as_str()).unwrap_or("");
    let sku = detail.get("sku").and_then(|s| s.as_str()).unwrap_or("");
    let said = match reason {
        "not_now" => {
            let possible: Vec<OrderEvent> = detail
                .get("possible")
                .and_then(|p| serde_json::from_value(p.clone()).ok())
                .unwrap_or_default();
            let names: Vec<&str> = possible
                .iter()
                .filter(|e| staff_cause(**e))
                .map(|e| event_label(office.lang.get(), *e))
                .collect();
            format!(
                "{} {}",
                office.t(Phrase::NotNow),
                if names.is_empty() {
                    office.t(Phrase::NothingPossible).to_owned()
                } else {
                    names.join("、")
                }
            )
        }
        "not_reserved" => format!("{sku}: {}", office.t(Phrase::NotReservedHere)),
        "more_than_ordered" => format!("{sku}: {}", office.t(Phrase::MoreThanOrdered)),
        "no_carrier" => office.t(Phrase::NeedCarrier).to_owned(),
        "nothing_to_ship" => office.t(Phrase::NothingToShip).to_owned(),
        "nothing_reserved" => office.t(Phrase::NothingReserved).to_owned(),
        _ => return office.explain(failure),
    };
    // One of a parcel's orders: say which.
    match detail.get("order").and_then(|n| n.as_str()) {
        Some(number) => format!("{number}：{said}"),
        None => said,
    }
}

#[component]
pub fn OrderPageView() -> impl IntoView {
    let office = expect_context::<Office>();
    let params = use_params_map();
    let number = move || params.with(|p| p.get("id").unwrap_or_default());
    let detail = RwSignal::new(None::<Result<OrderDetail, Failure>>);
    let reload = move || {
        let wanted = number();
        spawn_local(async move {
            let url = format!("/api/admin/orders/{}", encode(&wanted));
            let result = office.call::<OrderDetail>("GET", &url, None).await;
            if number() == wanted {
                detail.set(Some(result));
            }
        });
    };
    Effect::new(move |_| reload());
    view! {
        <section class="order">
            <A href="/office/orders">{move || office.t(Phrase::Back)}</A>
            {move || match detail.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(detail)) => view! { <OrderView detail=detail reload=Callback::new(move |_| reload())/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn OrderView(detail: OrderDetail, reload: Callback<()>) -> impl IntoView {
    let office = expect_context::<Office>();
    let order = detail.order.clone();
    let number = order.number.clone();
    let ordered = fulfilment::ordered_quantities(&order);
    let shipped = fulfilment::shipped_quantities(&order);
    let mut reserved: BTreeMap<Sku, u32> = BTreeMap::new();
    for allocation in &order.allocations {
        *reserved.entry(allocation.sku.clone()).or_default() += allocation.quantity;
    }
    let names: BTreeMap<Sku, String> = order
        .priced
        .lines
        .iter()
        .map(|l| {
            (
                l.sku.clone(),
                office.lang.get_untracked().pick(&l.name).to_owned(),
            )
        })
        .chain(order.quote.iter().flat_map(|q| &q.gifts).map(|g| {
            (
                g.sku.clone(),
                format!(
                    "{} ({})",
                    office.lang.get_untracked().pick(&g.name),
                    office.t(Phrase::Gift)
                ),
            )
        }))
        .collect();
    let lines = ordered
        .iter()
        .map(|(sku, quantity)| {
            let name = names.get(sku).cloned().unwrap_or_default();
            let unit = order
                .priced
                .lines
                .iter()
                .find(|l| &l.sku == sku)
                .map(|l| l.unit_price.to_string())
                .unwrap_or_default();
            let sent = shipped.get(sku).copied().unwrap_or(0);
            let held = reserved.get(sku).copied().unwrap_or(0);
            let waits = order.backordered.get(sku).copied().unwrap_or(0);
            view! {
                <tr data-testid="order-line" data-sku=sku.to_string()>
                    <td>{sku.to_string()}</td>
                    <td>{name}</td>
                    <td class="number">{unit}</td>
                    <td class="number">{*quantity}</td>
                    <td class="number" data-testid="line-shipped">{sent}</td>
                    <td class="number" data-testid="line-reserved">{held}</td>
                    <td class="number" data-testid="line-backordered">{waits}</td>
                </tr>
            }
        })
        .collect_view();
    let quote = order.quote.clone().map(|q| {
        let row = |label: Phrase, value: String| view! { <tr><th>{office.t(label)}</th><td class="number">{value}</td></tr> };
        view! {
            <table class="quote">
                {row(Phrase::Merchandise, q.merchandise.to_string())}
                {(!q.discount.is_zero()).then(|| row(Phrase::DiscountLabel, format!("−{}", q.discount)))}
                {q.promotions.iter().map(|p| view! { <tr><td colspan="2" class="muted">{office.lang.get_untracked().pick(&p.name).to_owned()}</td></tr> }).collect_view()}
                {row(Phrase::ShippingFee, q.shipping.to_string())}
                {row(Phrase::TaxLabel, q.tax.to_string())}
                {row(Phrase::OrderTotal, q.total.to_string())}
                {(q.points_redeemed > 0).then(|| row(Phrase::PointsUsed, format!("{} (−{})", q.points_redeemed, q.points_value)))}
                {(!q.prepaid_used.is_zero()).then(|| row(Phrase::PrepaidUsed, format!("−{}", q.prepaid_used)))}
                {row(Phrase::AmountDue, q.amount_due.to_string())}
            </table>
        }
    });
    let shipments = order.shipments.clone();
    let history = order.history.clone();
    let options = load_options(office);
    let returned = order.clone();
    let return_names = names.clone();
    let history_names = names.clone();
    view! {
        <h1 data-testid="order-title">{format!("{} · {}", number, detail.shop_name)}</h1>
        <p class="meta">
            <span data-testid="order-state" class="state">{state_label(office.lang.get_untracked(), order.state)}</span>
            {format!(" · {} {} · {} · {} {} · {}", office.t(Phrase::ShopCol), detail.shop, office.t(channel_phrase(&detail.channel)), office.t(Phrase::PlacedBy), detail.placed_by, format_time(detail.received_ms))}
            {order.pickup.then(|| view! { " · " <span class="badge" data-testid="order-pickup">{office.t(Phrase::Pickup)}</span> })}
        </p>
        <LargeOrderBanner detail=detail.clone() reload=reload/>
        <Actions number=number.clone() possible=detail.possible.clone() reload=reload/>
        <h2>{office.t(Phrase::Lines)}</h2>
        <table class="grid">
            <thead><tr>
                <th>{office.t(Phrase::Sku)}</th><th>{office.t(Phrase::Name)}</th>
                <th class="number">{office.t(Phrase::UnitPrice)}</th>
                <th class="number">{office.t(Phrase::Ordered)}</th>
                <th class="number">{office.t(Phrase::ShippedQty)}</th>
                <th class="number">{office.t(Phrase::Reserved)}</th>
                <th class="number">{office.t(Phrase::Backordered)}</th>
            </tr></thead>
            <tbody>{lines}</tbody>
        </table>
        {quote}
        {money_section(office, &detail)}
        <crate::edits::OrderEdits order=order.clone() reload=reload/>
        <ShipForms number=number.clone() shippable=detail.shippable.clone() names=names.clone()
            region=detail.region.clone() weights=detail.weights.clone() pickup=order.pickup
            mergeable=detail.mergeable.clone() reload=reload/>
        <h2>{office.t(Phrase::Shipments)}</h2>
        {if shipments.is_empty() {
            view! { <p class="muted">{office.t(Phrase::NoShipments)}</p> }.into_any()
        } else {
            view! {
                <table class="grid">
                    <thead><tr>
                        <th>{office.t(Phrase::OrderNumber)}</th><th>{office.t(Phrase::Warehouse)}</th>
                        <th>{office.t(Phrase::Carrier)}</th><th>{office.t(Phrase::Tracking)}</th>
                        <th>{office.t(Phrase::Lines)}</th><th>{office.t(Phrase::ShippedAt)}</th><th></th>
                    </tr></thead>
                    <tbody>
                        {shipments.into_iter().enumerate().map(|(index, s): (usize, ShipmentRecord)| {
                            let href = format!("/office/orders/{}/packing/{}", number, index + 1);
                            view! {
                                <tr data-testid="shipment-row">
                                    <td>{s.number.clone()}</td>
                                    <td>{s.warehouse.to_string()}</td>
                                    <td>{format!("{}{}", s.carrier, s.fee.map(|f| format!(" · {f}")).unwrap_or_default())}</td>
                                    <td data-testid="shipment-tracking">{s.tracking.clone()}
                                        {(!s.shipped_with.is_empty()).then(|| view! {
                                            <span class="muted" data-testid="shipment-parcel">{format!(" · {}：{}", office.t(Phrase::SameParcel), s.shipped_with.join(", "))}</span>
                                        })}
                                    </td>
                                    <td>{s.lines.iter().map(|(sku, q)| format!("{sku} × {q}")).collect::<Vec<_>>().join(", ")}</td>
                                    <td>{format!("{}{}", format_time(s.shipped_ms), s.delivered_ms.map(|d| format!(" · {} {}", office.t(Phrase::DeliveredAt), format_time(d))).unwrap_or_default())}</td>
                                    <td>
                                        <A href=href>{office.t(Phrase::PackingList)}</A>
                                        {(s.delivered_ms.is_none() && office.may("orders.fulfil")).then(|| {
                                            let url = format!("/api/orders/{}/shipments/{}/deliver", encode(&number), index + 1);
                                            view! {
                                                <button class="link" data-testid="deliver-shipment" on:click=move |_| {
                                                    let url = url.clone();
                                                    spawn_local(async move {
                                                        if office.call::<domain::order::OrderConfirmation>("POST", &url, None).await.is_ok() {
                                                            reload.run(());
                                                        }
                                                    });
                                                }>{office.t(Phrase::MarkDelivered)}</button>
                                            }
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        {move || options.get().map(|o| view! {
            <crate::returns::OrderReturns order=returned.clone() names=return_names.clone() warehouses=o.warehouses.clone() reload=reload/>
        })}
        <h2>{office.t(Phrase::History)}</h2>
        <table class="grid" data-testid="order-history">
            <thead><tr><th>{office.t(Phrase::When)}</th><th>{office.t(Phrase::State)}</th><th>{office.t(Phrase::Who)}</th><th>{office.t(Phrase::Reason)}</th></tr></thead>
            <tbody>
                {history.into_iter().map(|e| view! {
                    <tr><td>{format_time(e.at_ms)}</td><td>{state_label(office.lang.get_untracked(), e.state)}</td><td>{e.actor.clone()}</td><td data-testid="history-text">{history_text(&office, &history_names, &e)}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A line of an order's history in the user's language (products as `SKU name`).
pub(crate) fn history_text(
    office: &Office,
    names: &BTreeMap<Sku, String>,
    event: &domain::order::StatusEvent,
) -> String {
    let lang = office.lang.get_untracked();
    ui_kit::history::Words {
        lang,
        product: &|sku| match names.get(sku) {
            Some(name) if !name.is_empty() => format!("{sku} {name}"),
            _ => sku.to_string(),
        },
        return_state: &|state| crate::i18n::return_state_label(lang, state).to_owned(),
    }
    .event(event)
}

/// The moves possible now, each with the reason typed beside them.
#[component]
fn Actions(number: String, possible: Vec<OrderEvent>, reload: Callback<()>) -> impl IntoView {
    let office = expect_context::<Office>();
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let offered: Vec<OrderEvent> = possible
        .into_iter()
        // Shipping has its own form.
        .filter(|e| staff_cause(*e) && *e != OrderEvent::Ship)
        .filter(|e| match e {
            OrderEvent::Hold | OrderEvent::Release | OrderEvent::Cancel => {
                office.may("orders.hold")
            }
            _ => office.may("orders.fulfil"),
        })
        .collect();
    if offered.is_empty() {
        return ().into_any();
    }
    let number = StoredValue::new(number);
    let send = move |event: OrderEvent| {
        busy.set(true);
        error.set(None);
        let body = EventBody {
            event,
            reason: reason.get_untracked(),
        };
        spawn_local(async move {
            let url = format!("/api/orders/{}/events", encode(&number.get_value()));
            let result = office
                .call::<domain::order::OrderConfirmation>(
                    "POST",
                    &url,
                    serde_json::to_value(&body).ok(),
                )
                .await;
            busy.set(false);
            match result {
                Ok(_) => {
                    reason.set(String::new());
                    reload.run(());
                }
                Err(failure) => error.set(Some(refusal(&office, &failure))),
            }
        });
    };
    view! {
        <div class="actions" data-testid="order-actions">
            <input data-testid="event-reason" placeholder=move || office.t(Phrase::Reason) prop:value=move || reason.get()
                on:input=move |ev| reason.set(event_target_value(&ev))/>
            {offered.into_iter().map(|event| {
                let name = event.name().to_owned();
                view! {
                    <button data-testid=format!("event-{name}") class=if event == OrderEvent::Cancel { "danger" } else { "" }
                        disabled=move || busy.get() on:click=move |_| send(event)>
                        {move || event_label(office.lang.get(), event)}
                    </button>
                }
            }).collect_view()}
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="event-error">{e}</p> })}
        </div>
    }
    .into_any()
}

/// One shipment form per warehouse that can ship something now: quantities start at what
/// is reserved there, carrier and tracking number.
#[component]
fn ShipForms(
    number: String,
    shippable: BTreeMap<String, BTreeMap<Sku, u32>>,
    names: BTreeMap<Sku, String>,
    region: String,
    weights: BTreeMap<Sku, u32>,
    /// The shop collects it: handed over at the warehouse, no carrier to choose.
    pickup: bool,
    /// The shop's other orders that may go in the same parcel.
    mergeable: Vec<MergeCandidate>,
    reload: Callback<()>,
) -> impl IntoView {
    let office = expect_context::<Office>();
    if shippable.is_empty() || !office.may("orders.fulfil") {
        return ().into_any();
    }
    let region = StoredValue::new(region);
    let weights = StoredValue::new(weights);
    let options = load_options(office);
    let number = StoredValue::new(number);
    view! {
        <datalist id="carriers">
            {move || options.get().map(|o| o.carriers.into_iter().map(|c| view! { <option value=c/> }).collect_view())}
        </datalist>
        {shippable.into_iter().map(|(warehouse, lines)| {
            let carrier = RwSignal::new(if pickup { office.t(Phrase::PickupCarrier).to_owned() } else { String::new() });
            let tracking = RwSignal::new(String::new());
            let quantities: Vec<(Sku, RwSignal<String>)> = lines
                .iter()
                .map(|(sku, q)| (sku.clone(), RwSignal::new(q.to_string())))
                .collect();
            let fee = RwSignal::new(String::new());
            let error = RwSignal::new(None::<String>);
            let busy = RwSignal::new(false);
            let fields = quantities.clone();
            // The shop's other orders with something reserved here, each with a box to
            // put all of it in this parcel.
            let others: Vec<(MergeCandidate, BTreeMap<Sku, u32>, RwSignal<bool>)> = mergeable
                .iter()
                .filter_map(|m| {
                    let lines = m.shippable.get(&warehouse)?.clone();
                    Some((m.clone(), lines, RwSignal::new(false)))
                })
                .collect();
            let others = StoredValue::new(others);
            // The cheapest carrier serving the shop's region that takes this weight.
            let sizing = quantities.clone();
            let grams = move || {
                let own: u64 = sizing
                    .iter()
                    .map(|(sku, quantity)| {
                        let each = weights.with_value(|w| w.get(sku).copied().unwrap_or(0));
                        u64::from(each) * quantity.get().trim().parse::<u64>().unwrap_or(0)
                    })
                    .sum();
                let added: u64 = others.with_value(|others| {
                    others
                        .iter()
                        .filter(|(_, _, chosen)| chosen.get())
                        .flat_map(|(m, lines, _)| {
                            lines.iter().map(|(sku, q)| {
                                u64::from(m.weights.get(sku).copied().unwrap_or(0)) * u64::from(*q)
                            })
                        })
                        .sum()
                });
                own + added
            };
            let weighing = grams.clone();
            let suggestion = move || {
                let grams = weighing();
                let rules = options.get().map(|o| o.carrier_rules).unwrap_or_default();
                region.with_value(|region| {
                    choose(&rules, region, grams).map(|(rule, fee)| (rule.name.clone(), fee))
                })
            };
            let first = suggestion.clone();
            // The carrier is suggested once (pickups have none). Until staff type a fee of
            // their own, the fee is what the chosen carrier's rule charges for the parcel's
            // weight (none without a rule: the server applies the rule, if one comes).
            let typed_fee = RwSignal::new(false);
            Effect::new(move |suggested: Option<bool>| {
                if pickup {
                    return true;
                }
                let suggested = suggested.unwrap_or(false);
                if !suggested && carrier.get_untracked().is_empty() {
                    if let Some((name, _)) = first() {
                        carrier.set(name);
                        return true;
                    }
                    return false;
                }
                suggested
            });
            Effect::new(move |_| {
                if pickup {
                    return;
                }
                let name = carrier.get();
                let grams = grams();
                let rules = options.get().map(|o| o.carrier_rules).unwrap_or_default();
                if typed_fee.get_untracked() {
                    return;
                }
                let charge = rules
                    .iter()
                    .find(|rule| rule.name == name.trim())
                    .and_then(|rule| rule.fee(grams).ok());
                fee.set(charge.map(|c| c.amount().to_string()).unwrap_or_default());
            });
            let from = warehouse.clone();
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let Ok(warehouse) = WarehouseId::parse(&from) else { return };
                let mut lines = BTreeMap::new();
                for (sku, quantity) in &fields {
                    match quantity.get_untracked().trim().parse::<u32>() {
                        Ok(0) => {}
                        Ok(q) => { lines.insert(sku.clone(), q); }
                        Err(_) => {
                            error.set(Some(format!("{sku}: {}", office.t(Phrase::OutOfRange))));
                            return;
                        }
                    }
                }
                let fee = match fee.get_untracked().trim() {
                    "" => None,
                    text => match Money::parse_price(text, Currency::Cny) {
                        Ok(money) => Some(money),
                        Err(_) => {
                            error.set(Some(office.field_problem("fee", "out_of_range")));
                            return;
                        }
                    },
                };
                let with: Vec<ParcelOrder> = others.with_value(|others| {
                    others
                        .iter()
                        .filter(|(_, _, chosen)| chosen.get_untracked())
                        .map(|(m, lines, _)| ParcelOrder { order: m.number.clone(), lines: lines.clone() })
                        .collect()
                });
                busy.set(true);
                error.set(None);
                spawn_local(async move {
                    let result = if with.is_empty() {
                        let request = ShipRequest { warehouse, carrier: carrier.get_untracked(), tracking: tracking.get_untracked(), lines, fee };
                        let url = format!("/api/orders/{}/shipments", encode(&number.get_value()));
                        office.call::<Shipped>("POST", &url, serde_json::to_value(&request).ok()).await.map(|_| ())
                    } else {
                        let mut orders = vec![ParcelOrder { order: number.get_value(), lines }];
                        orders.extend(with);
                        let parcel = ParcelRequest { warehouse, carrier: carrier.get_untracked(), tracking: tracking.get_untracked(), fee, orders };
                        office.call::<ParcelShipped>("POST", "/api/admin/parcels", serde_json::to_value(&parcel).ok()).await.map(|_| ())
                    };
                    busy.set(false);
                    match result {
                        Ok(()) => reload.run(()),
                        Err(failure) => error.set(Some(refusal(&office, &failure))),
                    }
                });
            };
            let together = others.with_value(|others| {
                (!others.is_empty()).then(|| view! {
                    <fieldset class="together" data-testid="ship-together">
                        <legend>{move || office.t(Phrase::ShipTogether)}</legend>
                        {others.iter().map(|(m, lines, chosen)| {
                            let chosen = *chosen;
                            let what = lines.iter().map(|(sku, q)| format!("{sku} × {q}")).collect::<Vec<_>>().join(", ");
                            view! {
                                <label class="check">
                                    <input type="checkbox" data-testid="ship-with" data-number=m.number.clone()
                                        prop:checked=move || chosen.get() on:change=move |ev| chosen.set(event_target_checked(&ev))/>
                                    {format!("{} · {} · {what}", m.number, state_label(office.lang.get_untracked(), m.state))}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                })
            });
            view! {
                <form class="ship" data-testid="ship-form" data-warehouse=warehouse.clone() on:submit=submit>
                    <h2>{format!("{} · {}", office.t(Phrase::ShipFrom), warehouse)}</h2>
                    <table class="grid">
                        <tbody>
                            {quantities.into_iter().map(|(sku, quantity)| {
                                let name = names.get(&sku).cloned().unwrap_or_default();
                                view! {
                                    <tr>
                                        <td>{sku.to_string()}</td><td>{name}</td>
                                        <td><input class="qty" type="number" min="0" data-testid=format!("ship-qty-{sku}")
                                            prop:value=move || quantity.get() on:input=move |ev| quantity.set(event_target_value(&ev))/></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    {together}
                    <label>{move || office.t(Phrase::Carrier)}
                        <input list="carriers" data-testid="ship-carrier" prop:value=move || carrier.get() on:input=move |ev| carrier.set(event_target_value(&ev))/>
                    </label>
                    <label>{move || office.t(Phrase::Tracking)}
                        <input data-testid="ship-tracking" prop:value=move || tracking.get() on:input=move |ev| tracking.set(event_target_value(&ev))/>
                    </label>
                    <label>{move || office.t(Phrase::CarrierFee)}
                        <input class="qty" data-testid="ship-fee" prop:value=move || fee.get() on:input=move |ev| { typed_fee.set(true); fee.set(event_target_value(&ev)) }/>
                    </label>
                    <span class="muted" data-testid="ship-suggestion">{move || suggestion().map(|(name, charge)| format!("{}：{name} {charge}", office.t(Phrase::Suggested))).unwrap_or_default()}</span>
                    <button type="submit" data-testid="ship-submit" disabled=move || busy.get()>{move || office.t(Phrase::ShipNow)}</button>
                    {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="ship-error">{e}</p> })}
                </form>
            }
        }).collect_view()}
    }
    .into_any()
}

/// A shipment's packing list, for printing (A4): the shop, the order, what is in the box.
/// A parcel shared by several orders lists each order's part of it.
#[component]
pub fn PackingListPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let params = use_params_map();
    // The shipment asked for, then the other orders' shipments in its parcel.
    let parts = RwSignal::new(None::<Result<Vec<(OrderDetail, ShipmentRecord)>, Failure>>);
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let index = move || {
        params.with(|p| {
            p.get("n")
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(1)
        })
    };
    Effect::new(move |_| {
        let (wanted, at) = (id(), index());
        spawn_local(async move {
            let load = |number: String| async move {
                let url = format!("/api/admin/orders/{}", encode(&number));
                office.call::<OrderDetail>("GET", &url, None).await
            };
            let mut found = Vec::new();
            match load(wanted).await {
                Err(failure) => {
                    parts.set(Some(Err(failure)));
                    return;
                }
                Ok(detail) => {
                    if let Some(shipment) =
                        detail.order.shipments.get(at.saturating_sub(1)).cloned()
                    {
                        found.push((detail, shipment));
                    }
                }
            }
            let partners = found
                .first()
                .map(|(_, s)| s.shipped_with.clone())
                .unwrap_or_default();
            for partner in partners {
                let Some((number, n)) = fulfilment::shipment_place(&partner) else {
                    continue;
                };
                if let Ok(detail) = load(number.to_owned()).await
                    && let Some(shipment) = detail.order.shipments.get(n.saturating_sub(1)).cloned()
                {
                    found.push((detail, shipment));
                }
            }
            parts.set(Some(Ok(found)));
        });
    });
    view! {
        <section class="printable">
            <div class="no-print toolbar">
                <A href=move || format!("/office/orders/{}", id())>{move || office.t(Phrase::Back)}</A>
                <button data-testid="print" on:click=crate::print_page>{move || office.t(Phrase::Print)}</button>
            </div>
            {move || match parts.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(parts)) => match parts.first().cloned() {
                    None => view! { <p class="error">{office.t(Phrase::NoMatch)}</p> }.into_any(),
                    Some((detail, shipment)) => {
                        let numbers: Vec<String> = parts.iter().map(|(d, _)| d.order.number.clone()).collect();
                        view! {
                            <h1>{format!("{} {}", office.t(Phrase::PackingList), shipment.number)}</h1>
                            <table class="meta">
                                <tr><th>{office.t(Phrase::ShopCol)}</th><td>{format!("{} {}", detail.shop, detail.shop_name)}</td></tr>
                                <tr><th>{office.t(Phrase::OrderNumber)}</th><td data-testid="packing-orders">{numbers.join(", ")}</td></tr>
                                <tr><th>{office.t(Phrase::Warehouse)}</th><td>{shipment.warehouse.to_string()}</td></tr>
                                <tr><th>{office.t(Phrase::Carrier)}</th><td>{format!("{} {}", shipment.carrier, shipment.tracking)}</td></tr>
                                <tr><th>{office.t(Phrase::ShippedAt)}</th><td>{format_time(shipment.shipped_ms)}</td></tr>
                            </table>
                            {parts.iter().map(|(detail, shipment)| {
                                let lang = office.lang.get_untracked();
                                let names: BTreeMap<Sku, String> = detail.order.priced.lines.iter()
                                    .map(|l| (l.sku.clone(), lang.pick(&l.name).to_owned()))
                                    .chain(detail.order.quote.iter().flat_map(|q| &q.gifts).map(|g| (g.sku.clone(), lang.pick(&g.name).to_owned())))
                                    .collect();
                                let many = numbers.len() > 1;
                                view! {
                                    {many.then(|| view! { <h2>{format!("{} {}", office.t(Phrase::OrderNumber), detail.order.number)}</h2> })}
                                    <table class="grid" data-testid="packing-lines" data-order=detail.order.number.clone()>
                                        <thead><tr><th>{office.t(Phrase::Sku)}</th><th>{office.t(Phrase::Name)}</th><th class="number">{office.t(Phrase::Quantity)}</th><th class="number">"✓"</th></tr></thead>
                                        <tbody>
                                            {shipment.lines.iter().map(|(sku, q)| view! {
                                                <tr><td>{sku.to_string()}</td><td>{names.get(sku).cloned().unwrap_or_default()}</td><td class="number">{*q}</td><td class="check"></td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }
                            }).collect_view()}
                        }.into_any()
                    }
                },
            }}
        </section>
    }
}

/// The order's invoices and (admins and finance) each line's margin as it was taken in.
fn money_section(office: Office, detail: &OrderDetail) -> impl IntoView + use<> {
    let invoices = detail.invoices.clone();
    let margins = detail.margins.clone();
    let channel = detail.channel_prices.clone();
    let finance = office.may("finance");
    view! {
        {(!channel.is_empty()).then(|| view! {
            <h2>{office.t(Phrase::ChannelPrices)}</h2>
            <table class="grid" data-testid="order-channel-prices">
                <thead><tr><th>{office.t(Phrase::Sku)}</th><th class="number">{office.t(Phrase::Units)}</th>
                    <th class="number">{office.t(Phrase::TheirPrice)}</th><th class="number">{office.t(Phrase::OurPrice)}</th>
                    <th class="number">{office.t(Phrase::Difference)}</th></tr></thead>
                <tbody>
                    {channel.into_iter().map(|l| view! {
                        <tr data-testid="order-channel-price" data-sku=l.sku.clone()>
                            <td>{l.sku.clone()}</td><td class="number">{l.quantity}</td>
                            <td class="number">{l.theirs.clone()}</td>
                            <td class="number">{l.ours.clone().unwrap_or_else(|| "—".to_owned())}</td>
                            <td class="number" data-testid="channel-difference">{l.difference.clone().unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        {(!invoices.is_empty()).then(|| view! {
            <h2>{office.t(Phrase::Invoice)}</h2>
            <table class="grid" data-testid="order-invoices">
                <thead><tr><th>{office.t(Phrase::Invoice)}</th><th>{office.t(Phrase::Due)}</th>
                    <th class="number">{office.t(Phrase::Total)}</th><th class="number">{office.t(Phrase::Open)}</th></tr></thead>
                <tbody>
                    {invoices.into_iter().map(|i| view! {
                        <tr data-testid="order-invoice">
                            <td>{if finance {
                                view! { <leptos_router::components::A href=format!("/office/invoices/{}", i.number)>{i.number.clone()}</leptos_router::components::A> }.into_any()
                            } else {
                                view! { <span>{i.number.clone()}</span> }.into_any()
                            }}</td>
                            <td>{i.due_ms.map_or_else(|| office.t(Phrase::DueOnDelivery).to_owned(), crate::finance::day)}</td>
                            <td class="number">{i.total.to_string()}</td>
                            <td class="number">{i.open.to_string()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        {margins.map(|lines| {
            let zero = domain::money::Money::zero(domain::money::Currency::Cny);
            let net = domain::money::Money::sum(lines.iter().filter_map(|l| l.net), zero.currency()).unwrap_or(zero);
            let known: Vec<&::api::LineMargin> = lines.iter().filter(|l| l.cost.is_some()).collect();
            let cost = domain::money::Money::sum(known.iter().filter_map(|l| l.cost), zero.currency()).unwrap_or(zero);
            let costed = domain::money::Money::sum(known.iter().filter_map(|l| l.net), zero.currency()).unwrap_or(zero);
            let margin = costed.checked_sub(cost).unwrap_or(zero);
            view! {
                <h2>{office.t(Phrase::Margin)}</h2>
                <table class="grid" data-testid="order-margins">
                    <thead><tr><th>{office.t(Phrase::Sku)}</th><th class="number">{office.t(Phrase::Units)}</th>
                        <th class="number">{office.t(Phrase::Revenue)}</th><th class="number">{office.t(Phrase::Cost)}</th><th class="number">{office.t(Phrase::Margin)}</th></tr></thead>
                    <tbody>
                        {lines.iter().map(|l| {
                            let margin = match (l.net, l.cost) {
                                (Some(n), Some(c)) => n.checked_sub(c).ok().map(|m| m.to_string()),
                                _ => None,
                            };
                            view! {
                                <tr data-testid="order-margin">
                                    <td>{l.sku.to_string()}</td><td class="number">{l.quantity}</td>
                                    <td class="number">{l.net.map(|n| n.to_string())}</td>
                                    <td class="number">{l.cost.map_or_else(|| "—".to_owned(), |c| c.to_string())}</td>
                                    <td class="number">{margin}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                    <tfoot><tr><th>{office.t(Phrase::Total)}</th><th></th><th class="number">{net.to_string()}</th><th class="number">{cost.to_string()}</th><th class="number" data-testid="order-margin-total">{margin.to_string()}</th></tr></tfoot>
                </table>
            }
        })}
    }
}

/// The bullwhip guard's flags on an order: what it holds against the shop's usual weekly
/// demand, and for staff who hold orders a button to mark them looked at.
#[component]
fn LargeOrderBanner(detail: OrderDetail, reload: Callback<()>) -> impl IntoView {
    let office = expect_context::<Office>();
    let open = detail.large.iter().any(|f| f.handled_ms.is_none());
    let number = detail.order.number.clone();
    let handled = move |_| {
        let number = number.clone();
        spawn_local(async move {
            let url = format!("/api/admin/orders/{}/large/handled", encode(&number));
            if office
                .call::<serde_json::Value>("POST", &url, None)
                .await
                .is_ok()
            {
                reload.run(());
            }
        });
    };
    (!detail.large.is_empty()).then(|| {
        view! {
            <div class=if open { "banner warn" } else { "banner" } role="alert" data-testid="large-order">
                {detail.large.iter().map(|f| view! {
                    <p>{large_order_text(&office, f)}
                        {f.handled_ms.map(|at| format!(" · {} {}", office.t(Phrase::LookedAt), format_time(at)))}</p>
                }).collect_view()}
                {(open && office.may("orders.hold")).then(|| view! {
                    <button data-testid="large-order-handled" on:click=handled.clone()>{office.t(Phrase::LookedAt)}</button>
                })}
            </div>
        }
    })
}

/// "BEV-0002: 240 ordered, about 8.4 a week usually; 240 wait for stock".
pub fn large_order_text(office: &Office, flag: &api::LargeOrder) -> String {
    office
        .t(Phrase::LargeOrderText)
        .replace("{sku}", &flag.sku)
        .replace("{ordered}", &flag.ordered.to_string())
        .replace("{weekly}", &flag.weekly)
        .replace("{waiting}", &flag.backordered.to_string())
}
