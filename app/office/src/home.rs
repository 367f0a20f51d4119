//! The back office's home: what waits for the person signed in, by what they may do.
//! Customer service sees orders on hold, cancel requests to decide and rejected orders;
//! the warehouse sees orders to pick per warehouse, orders waiting for stock and stock
//! alerts; returns waiting for each; each links to the list it counts. And the inbox of rejected orders.

use ::api::{Dashboard, InboxRow};
use domain::order_state::OrderState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::Office;
use crate::api::{Failure, encode};
use crate::audit::format_time;
use crate::i18n::{Phrase, state_label};
use crate::orders::state_name;

#[component]
pub fn HomePage() -> impl IntoView {
    let office = expect_context::<Office>();
    let board = RwSignal::new(None::<Result<Dashboard, Failure>>);
    spawn_local(async move {
        board.set(Some(
            office
                .call::<Dashboard>("GET", "/api/admin/dashboard", None)
                .await,
        ));
    });
    let card = move |test: String, label: String, count: i64, href: String| {
        view! {
            <A href=href attr:class={if count > 0 { "card busy" } else { "card" }} attr:data-testid=test>
                <span class="count">{count}</span>
                <span class="label">{label}</span>
            </A>
        }
    };
    view! {
        <section class="home">
            <h1>{move || office.t(Phrase::Home)}</h1>
            {move || match board.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(Failure::Refused { status: 403, .. })) => view! {
                    <p><A href="/office/products">{office.t(Phrase::Products)}</A></p>
                }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(board)) => {
                    let lang = office.lang.get();
                    let by_state = board.by_state.clone();
                    let [on_hold, picking, packed] = [OrderState::OnHold, OrderState::Picking, OrderState::Packed]
                        .map(|state| by_state.get(&state_name(state)).copied().unwrap_or(0));
                    let asks = board.cancel_asks.clone();
                    let large = board.large_orders.clone();
                    let to_pick = board.to_pick.clone();
                    let (rejected, waiting, alerts) = (board.rejected, board.waiting_for_stock, board.stock_alerts);
                    let returns_in = |state: &str| board.returns.get(state).copied().unwrap_or(0);
                    let (to_decide, to_receive, to_settle) = (returns_in("requested"), returns_in("approved"), returns_in("received"));
                    let service = (office.may("orders.hold") || office.may("inbox.resolve")).then(move || view! {
                        <h2>{office.t(Phrase::CustomerService)}</h2>
                        <div class="cards">
                            {card("home-on-hold".into(), state_label(lang, OrderState::OnHold).into(), on_hold, "/office/orders?state=on_hold".into())}
                            {card("home-cancel-asks".into(), office.t(Phrase::CancelAsks).into(), i64::try_from(asks.len()).unwrap_or(0), "/office/orders?state=picking,packed".into())}
                            {card("home-rejected".into(), office.t(Phrase::Inbox).into(), rejected, "/office/inbox".into())}
                            {card("home-returns-decide".into(), office.t(Phrase::ReturnsToDecide).into(), to_decide, "/office/returns?state=requested".into())}
                            {card("home-returns-settle".into(), office.t(Phrase::ReturnsToSettle).into(), to_settle, "/office/returns?state=received".into())}
                        </div>
                        {(!large.is_empty()).then(move || view! {
                            <h3>{office.t(Phrase::LargeOrders)}</h3>
                            <ul class="large-orders" data-testid="home-large-orders">
                                {large.into_iter().map(|f| {
                                    let text = format!(" · {} · {}", f.shop_name, crate::orders::large_order_text(&office, &f));
                                    view! {
                                        <li><A href=format!("/office/orders/{}", f.number)>{f.number.clone()}</A>{text}</li>
                                    }
                                }).collect_view()}
                            </ul>
                        })}
                        {(!asks.is_empty()).then(|| view! {
                            <p class="muted">{format!("{} ", office.t(Phrase::CancelAsks))}
                                {asks.into_iter().map(|n| view! { <A href=format!("/office/orders/{n}")>{n.clone()}</A>" " }).collect_view()}
                            </p>
                        })}
                    });
                    let warehouse = (office.may("orders.fulfil") || office.may("stock.write") || office.may("stock.read")).then(move || view! {
                        <h2>{office.t(Phrase::WarehouseWork)}</h2>
                        <div class="cards">
                            {to_pick.iter().map(|(w, n)| card(format!("home-to-pick-{w}"), format!("{} · {w}", office.t(Phrase::PickList)), *n, format!("/office/pick?warehouse={}", encode(w)))).collect_view()}
                            {card("home-picking".into(), state_label(lang, OrderState::Picking).into(), picking, "/office/orders?state=picking".into())}
                            {card("home-packed".into(), state_label(lang, OrderState::Packed).into(), packed, "/office/orders?state=packed".into())}
                            {card("home-waiting".into(), office.t(Phrase::WaitingForStock).into(), waiting, "/office/orders?waiting=true".into())}
                            {card("home-alerts".into(), office.t(Phrase::StockAlerts).into(), alerts, "/office/stock?alerts=true".into())}
                            {card("home-returns-receive".into(), office.t(Phrase::ReturnsToReceive).into(), to_receive, "/office/returns?state=approved".into())}
                        </div>
                    });
                    let hooks_off = board.webhooks_failing.clone();
                    let hooks = (!hooks_off.is_empty()).then(move || view! {
                        <p class="error" role="alert" data-testid="home-webhooks-off">
                            {office.t(Phrase::WebhooksOff)}" "
                            <A href="/office/webhooks">{hooks_off.join("、")}</A>
                        </p>
                    });
                    view! { {hooks} {service} {warehouse} }.into_any()
                }
            }}
        </section>
    }
}

/// Rejected orders with the reason, until someone marks them handled.
#[component]
pub fn InboxPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let show_all = RwSignal::new(false);
    let rows = RwSignal::new(None::<Result<Vec<InboxRow>, Failure>>);
    let version = RwSignal::new(0u32);
    Effect::new(move |_| {
        version.track();
        let url = format!("/api/admin/inbox?all={}", show_all.get());
        spawn_local(async move {
            rows.set(Some(office.call::<Vec<InboxRow>>("GET", &url, None).await));
        });
    });
    view! {
        <section class="inbox">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::Inbox)}</h1>
                <label class="inline">
                    <input type="checkbox" prop:checked=move || show_all.get() on:change=move |ev| show_all.set(event_target_checked(&ev))/>
                    {move || office.t(Phrase::ShowHandled)}
                </label>
            </div>
            {move || match rows.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(rows)) if rows.is_empty() => view! { <p data-testid="inbox-empty">{office.t(Phrase::NoOrders)}</p> }.into_any(),
                Some(Ok(rows)) => view! {
                    <table class="grid">
                        <thead><tr>
                            <th>{office.t(Phrase::OrderNumber)}</th><th>{office.t(Phrase::ShopCol)}</th><th>{office.t(Phrase::ReceivedAt)}</th>
                            <th>{office.t(Phrase::Reason)}</th><th></th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| {
                                let note = RwSignal::new(String::new());
                                let id = row.request_id.clone();
                                let resolve = move |_| {
                                    let id = id.clone();
                                    spawn_local(async move {
                                        let url = format!("/api/admin/inbox/{}/resolve", encode(&id));
                                        let body = serde_json::json!({ "note": note.get_untracked() });
                                        if office.call::<serde_json::Value>("POST", &url, Some(body)).await.is_ok() {
                                            version.update(|v| *v += 1);
                                        }
                                    });
                                };
                                view! {
                                    <tr data-testid="inbox-row">
                                        <td><A href=format!("/office/orders/{}", row.number)>{row.number.clone()}</A></td>
                                        <td>{row.shop.clone()}</td>
                                        <td>{format_time(row.received_ms)}</td>
                                        <td>{row.reason.clone()}</td>
                                        <td>{match row.resolved.clone() {
                                            Some(done) => view! { <span class="muted">{format!("{} · {} · {}", office.t(Phrase::Done), done.by, done.note)}</span> }.into_any(),
                                            None => view! {
                                                <span class="inline">
                                                    <input placeholder=office.t(Phrase::Note) prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                                                    <button on:click=resolve>{office.t(Phrase::MarkHandled)}</button>
                                                </span>
                                            }.into_any(),
                                        }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}
