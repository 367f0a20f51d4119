//! Stock per warehouse and product: on hand, reserved, safety stock, available to promise,
//! the orders waiting, thresholds with alerts and the bin location; goods received and
//! stock counts (a count below what orders reserved is refused, naming the orders), each
//! reserving what arrived for the orders that wait; and the movements of one level.

use ::api::{Receipt, StockChanged, StockCount, StockItem, StockMove, StockPage, StockSettings};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::Office;
use crate::api::{Failure, encode};
use crate::audit::format_time;
use crate::i18n::Phrase;
use crate::orders::load_options;

fn stock_refusal(office: &Office, failure: &Failure) -> String {
    if let Failure::Refused { body, .. } = failure
        && body.error == "stock_refused"
        && let Some(detail) = &body.detail
        && detail.get("reason").and_then(|r| r.as_str()) == Some("below_reserved")
    {
        let orders: Vec<(String, u32)> = detail
            .get("orders")
            .and_then(|o| serde_json::from_value(o.clone()).ok())
            .unwrap_or_default();
        let reserved = detail.get("reserved").and_then(|r| r.as_u64()).unwrap_or(0);
        return format!(
            "{} ({reserved}). {} {}",
            office.t(Phrase::CountBelowReserved),
            office.t(Phrase::WayForward),
            orders
                .iter()
                .map(|(number, q)| format!("{number} × {q}"))
                .collect::<Vec<_>>()
                .join("、")
        );
    }
    office.explain(failure)
}

fn move_phrase(kind: &str) -> Phrase {
    match kind {
        "receive" => Phrase::Receive,
        "count" => Phrase::CountStock,
        _ => Phrase::ShipNow,
    }
}

#[component]
pub fn StockPageView() -> impl IntoView {
    let office = expect_context::<Office>();
    let options = load_options(office);
    let warehouse = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let alerts = RwSignal::new(
        use_query_map()
            .get_untracked()
            .get("alerts")
            .is_some_and(|a| a == "true"),
    );
    let cursors = RwSignal::new(Vec::<Option<String>>::from([None]));
    let page = RwSignal::new(None::<Result<StockPage, Failure>>);
    let version = RwSignal::new(0u32);
    let url = move || {
        let mut url = String::from("/api/admin/stock?limit=100");
        if !warehouse.get().is_empty() {
            url.push_str(&format!("&warehouse={}", encode(&warehouse.get())));
        }
        if !query.get().trim().is_empty() {
            url.push_str(&format!("&q={}", encode(query.get().trim())));
        }
        if alerts.get() {
            url.push_str("&alerts=true");
        }
        if let Some(Some(after)) = cursors.get().last() {
            url.push_str(&format!("&after={}", encode(after)));
        }
        url
    };
    Effect::new(move |_| {
        let wanted = url();
        version.track();
        spawn_local(async move {
            let result = office.call::<StockPage>("GET", &wanted, None).await;
            if url() == wanted {
                page.set(Some(result));
            }
        });
    });
    let reset = move || cursors.set(vec![None]);
    let chosen = RwSignal::new(None::<StockItem>);
    view! {
        <section class="stock">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::Stock)}</h1>
                <select data-testid="stock-warehouse" on:change=move |ev| { warehouse.set(event_target_value(&ev)); reset(); }>
                    <option value="">{move || office.t(Phrase::AnyWarehouse)}</option>
                    {move || options.get().map(|o| o.warehouses.into_iter().map(|w| view! { <option value=w.clone()>{w.clone()}</option> }).collect_view())}
                </select>
                <input type="search" data-testid="stock-search" placeholder=move || office.t(Phrase::StockSearch)
                    prop:value=move || query.get() on:input=move |ev| { query.set(event_target_value(&ev)); reset(); }/>
                <label class="inline">
                    <input type="checkbox" data-testid="stock-alerts" prop:checked=move || alerts.get()
                        on:change=move |ev| { alerts.set(event_target_checked(&ev)); reset(); }/>
                    {move || format!("{} ({})", office.t(Phrase::AlertsOnly), options.get().map(|o| o.alerts).unwrap_or(0))}
                </label>
            </div>
            {move || match page.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(page)) => {
                    let next = page.next_after.clone();
                    view! {
                        <table class="grid">
                            <thead><tr>
                                <th>{office.t(Phrase::Warehouse)}</th><th>{office.t(Phrase::Sku)}</th><th>{office.t(Phrase::Name)}</th>
                                <th>{office.t(Phrase::Location)}</th>
                                <th class="number">{office.t(Phrase::OnHand)}</th><th class="number">{office.t(Phrase::Reserved)}</th>
                                <th class="number">{office.t(Phrase::Safety)}</th><th class="number">{office.t(Phrase::Atp)}</th>
                                <th class="number">{office.t(Phrase::Waiting)}</th><th></th>
                            </tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|item: StockItem| {
                                    let alert = item.alert.clone();
                                    let class = alert.clone().map(|a| format!("alert-{a}")).unwrap_or_default();
                                    let row = item.clone();
                                    view! {
                                        <tr data-testid="stock-row" data-key=format!("{}/{}", item.warehouse, item.sku)
                                            class=class>
                                            <td>{item.warehouse.clone()}</td><td>{item.sku.clone()}</td><td>{item.name.clone()}</td>
                                            <td>{item.location.clone()}</td>
                                            <td class="number" data-testid="stock-on-hand">{item.on_hand}</td>
                                            <td class="number" data-testid="stock-reserved">{item.reserved}</td>
                                            <td class="number">{item.safety}</td>
                                            <td class="number" data-testid="stock-atp">{item.available_to_promise}</td>
                                            <td class="number">{item.waiting}</td>
                                            <td>
                                                {alert.map(|a| view! { <span class="badge">{office.t(if a == "low" { Phrase::AlertLow } else { Phrase::AlertOver })}</span> })}
                                                <button class="link" data-testid="stock-open" on:click=move |_| chosen.set(Some(row.clone()))>{office.t(Phrase::Open)}</button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <div class="pager">
                            <button disabled=move || cursors.get().len() <= 1 on:click=move |_| cursors.update(|c| { c.pop(); })>{office.t(Phrase::Previous)}</button>
                            <button disabled=next.is_none() on:click=move |_| { let n = next.clone(); cursors.update(|c| c.push(n)) }>{office.t(Phrase::Next)}</button>
                        </div>
                    }.into_any()
                }
            }}
            {move || chosen.get().map(|item| view! {
                <StockLevelPanel item=item done=Callback::new(move |_| version.update(|v| *v += 1))/>
            })}
        </section>
    }
}

/// One warehouse's level of one product: receive, count, thresholds and bin, movements.
#[component]
fn StockLevelPanel(item: StockItem, done: Callback<()>) -> impl IntoView {
    let office = expect_context::<Office>();
    let base = format!(
        "/api/admin/stock/{}/{}",
        encode(&item.warehouse),
        encode(&item.sku)
    );
    let base = StoredValue::new(base);
    let received = RwSignal::new(String::new());
    let reference = RwSignal::new(String::new());
    let counted = RwSignal::new(item.on_hand.to_string());
    let low = RwSignal::new(item.low.map(|l| l.to_string()).unwrap_or_default());
    let over = RwSignal::new(item.over.map(|o| o.to_string()).unwrap_or_default());
    let location = RwSignal::new(item.location.clone());
    let message = RwSignal::new(None::<Result<String, String>>);
    let moves = RwSignal::new(Vec::<StockMove>::new());
    let load_moves = move || {
        spawn_local(async move {
            let url = format!("{}/moves", base.get_value());
            if let Ok(found) = office.call::<Vec<StockMove>>("GET", &url, None).await {
                moves.set(found);
            }
        });
    };
    load_moves();
    let answered = move |result: Result<StockChanged, Failure>| match result {
        Ok(changed) => {
            let text = if changed.allocated.is_empty() {
                office.t(Phrase::Saved).to_owned()
            } else {
                format!(
                    "{} {}",
                    office.t(Phrase::AllocatedTo),
                    changed.allocated.join("、")
                )
            };
            message.set(Some(Ok(text)));
            done.run(());
            load_moves();
        }
        Err(failure) => message.set(Some(Err(stock_refusal(&office, &failure)))),
    };
    let receive = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(quantity) = received.get_untracked().trim().parse::<u32>() else {
            message.set(Some(Err(office.field_problem("quantity", "out_of_range"))));
            return;
        };
        let body = Receipt {
            quantity,
            reference: reference.get_untracked(),
            note: String::new(),
        };
        spawn_local(async move {
            let url = format!("{}/receive", base.get_value());
            let result = office
                .call::<StockChanged>("POST", &url, serde_json::to_value(&body).ok())
                .await;
            if result.is_ok() {
                received.set(String::new());
            }
            answered(result);
        });
    };
    let count = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(on_hand) = counted.get_untracked().trim().parse::<u32>() else {
            message.set(Some(Err(office.field_problem("on_hand", "out_of_range"))));
            return;
        };
        let body = StockCount {
            on_hand,
            safety: None,
            note: String::new(),
        };
        spawn_local(async move {
            let result = office
                .call::<StockChanged>("PUT", &base.get_value(), serde_json::to_value(&body).ok())
                .await;
            answered(result);
        });
    };
    let save_settings = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let number = |text: String| -> Result<Option<u32>, ()> {
            let text = text.trim().to_owned();
            if text.is_empty() {
                Ok(None)
            } else {
                text.parse().map(Some).map_err(|_| ())
            }
        };
        let (Ok(low), Ok(over)) = (number(low.get_untracked()), number(over.get_untracked()))
        else {
            message.set(Some(Err(office.field_problem("low", "out_of_range"))));
            return;
        };
        let body = StockSettings {
            low,
            over,
            location: location.get_untracked(),
        };
        spawn_local(async move {
            let url = format!("{}/settings", base.get_value());
            match office
                .call::<serde_json::Value>("PUT", &url, serde_json::to_value(&body).ok())
                .await
            {
                Ok(_) => {
                    message.set(Some(Ok(office.t(Phrase::Saved).to_owned())));
                    done.run(());
                }
                Err(failure) => message.set(Some(Err(office.explain(&failure)))),
            }
        });
    };
    let writable = office.may("stock.write");
    view! {
        <aside class="panel" data-testid="stock-panel">
            <h2>{format!("{} · {} {}", item.warehouse, item.sku, item.name)}</h2>
            <Show when=move || writable>
                <form class="inline" on:submit=receive>
                    <label>{move || office.t(Phrase::Receive)}
                        <input type="number" min="1" data-testid="receive-quantity" prop:value=move || received.get() on:input=move |ev| received.set(event_target_value(&ev))/>
                    </label>
                    <label>{move || office.t(Phrase::Reference)}
                        <input data-testid="receive-reference" prop:value=move || reference.get() on:input=move |ev| reference.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" data-testid="receive-submit">{move || office.t(Phrase::Receive)}</button>
                </form>
                <form class="inline" on:submit=count>
                    <label>{move || office.t(Phrase::CountStock)}
                        <input type="number" min="0" data-testid="count-on-hand" prop:value=move || counted.get() on:input=move |ev| counted.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" data-testid="count-submit">{move || office.t(Phrase::CountStock)}</button>
                </form>
                <form class="inline" on:submit=save_settings>
                    <label>{move || office.t(Phrase::LowAt)}
                        <input type="number" min="0" data-testid="stock-low" prop:value=move || low.get() on:input=move |ev| low.set(event_target_value(&ev))/>
                    </label>
                    <label>{move || office.t(Phrase::OverAt)}
                        <input type="number" min="0" data-testid="stock-over" prop:value=move || over.get() on:input=move |ev| over.set(event_target_value(&ev))/>
                    </label>
                    <label>{move || office.t(Phrase::Location)}
                        <input data-testid="stock-location" prop:value=move || location.get() on:input=move |ev| location.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" data-testid="settings-submit">{move || office.t(Phrase::Save)}</button>
                </form>
            </Show>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="ok" data-testid="stock-message">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error" role="alert" data-testid="stock-error">{text}</p> }.into_any(),
            })}
            <h3>{move || office.t(Phrase::Moves)}</h3>
            <table class="grid">
                <tbody>
                    {move || moves.get().into_iter().map(|m| view! {
                        <tr><td>{format_time(m.at_ms)}</td><td>{office.t(move_phrase(&m.kind))}</td><td class="number">{format!("{:+}", m.delta)}</td>
                            <td class="number">{m.on_hand}</td><td>{m.reference}</td><td>{m.actor}</td><td>{m.note}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </aside>
    }
}

/// A warehouse's pick list over all the orders waiting there, by bin, printable.
#[component]
pub fn PickListPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let options = load_options(office);
    let warehouse = RwSignal::new(
        use_query_map()
            .get_untracked()
            .get("warehouse")
            .unwrap_or_default(),
    );
    let list = RwSignal::new(None::<Result<::api::PickList, Failure>>);
    Effect::new(move |_| {
        if warehouse.get().is_empty()
            && let Some(first) = options.get().and_then(|o| o.warehouses.first().cloned())
        {
            warehouse.set(first);
        }
    });
    Effect::new(move |_| {
        let wanted = warehouse.get();
        if wanted.is_empty() {
            return;
        }
        spawn_local(async move {
            let url = format!("/api/admin/pick-list?warehouse={}", encode(&wanted));
            let result = office.call::<::api::PickList>("GET", &url, None).await;
            if warehouse.get_untracked() == wanted {
                list.set(Some(result));
            }
        });
    });
    view! {
        <section class="printable pick-list">
            <div class="toolbar no-print">
                <h1>{move || office.t(Phrase::PickList)}</h1>
                <select data-testid="pick-warehouse" on:change=move |ev| warehouse.set(event_target_value(&ev))>
                    {move || options.get().map(|o| o.warehouses.into_iter().map(|w| {
                        let value = w.clone();
                        view! { <option value=w.clone() selected=move || warehouse.get() == value>{w.clone()}</option> }
                    }).collect_view())}
                </select>
                <button data-testid="print" on:click=crate::print_page>{move || office.t(Phrase::Print)}</button>
            </div>
            {move || match list.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <h1 class="print-only">{format!("{} · {}", office.t(Phrase::PickList), list.warehouse)}</h1>
                    <p class="meta" data-testid="pick-summary">{format!("{} · {} {} · {} {}", list.warehouse, list.orders.len(), office.t(Phrase::OrdersOnList), office.t(Phrase::Generated), format_time(list.generated_ms))}</p>
                    <table class="grid" data-testid="pick-products">
                        <thead><tr>
                            <th>{office.t(Phrase::Location)}</th><th>{office.t(Phrase::Sku)}</th><th>{office.t(Phrase::Name)}</th>
                            <th class="number">{office.t(Phrase::Ordered)}</th><th>{office.t(Phrase::ForOrders)}</th><th class="number">"✓"</th>
                        </tr></thead>
                        <tbody>
                            {list.products.into_iter().map(|p| view! {
                                <tr data-testid="pick-row" data-sku=p.sku.to_string()>
                                    <td>{p.location.clone()}</td><td>{p.sku.to_string()}</td><td>{office.lang.get_untracked().pick(&p.name)}</td>
                                    <td class="number" data-testid="pick-total">{p.total}</td>
                                    <td>{p.orders.iter().map(|(n, q)| format!("{n} × {q}")).collect::<Vec<_>>().join(", ")}</td>
                                    <td class="check"></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <h2>{office.t(Phrase::PickupList)}</h2>
                    {
                        let pickups: Vec<::api::PickOrder> = list.orders.iter().filter(|o| o.pickup).cloned().collect();
                        if pickups.is_empty() {
                            view! { <p class="muted" data-testid="no-pickups">{office.t(Phrase::NoPickups)}</p> }.into_any()
                        } else {
                            view! {
                                <table class="grid" data-testid="pickup-list">
                                    <thead><tr>
                                        <th>{office.t(Phrase::OrderNumber)}</th><th>{office.t(Phrase::ShopCol)}</th>
                                        <th>{office.t(Phrase::Lines)}</th><th class="number">"✓"</th>
                                    </tr></thead>
                                    <tbody>
                                        {pickups.into_iter().map(|o| view! {
                                            <tr data-testid="pickup-row">
                                                <td><A href=format!("/office/orders/{}", o.number)>{o.number.clone()}</A></td>
                                                <td>{o.shop.clone()}</td>
                                                <td>{o.lines.iter().map(|(sku, q)| format!("{sku} × {q}")).collect::<Vec<_>>().join(", ")}</td>
                                                <td class="check"></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }
                    }
                }.into_any(),
            }}
        </section>
    }
}
