//! Prices: a product's price in every list (list, each tier, each shop with its own) in a
//! grid under the product's form; one tier's or shop's prices over the whole catalog on
//! `/office/prices`. Each cell changes now or at a time given (devices receive the change
//! ahead and switch then, offline too), and lists the changes waiting, which can be
//! cancelled.

use api::{PriceCell, PriceListPage, ProductPrices};
use domain::price_book::ScheduledPrice;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{Value, json};

use crate::api::{Failure, encode};
use crate::i18n::Phrase;
use crate::products::{local_time, parse_local_time};
use crate::{Office, text_input};

fn list_label(office: &Office, list: &str) -> String {
    match list.split_once('/') {
        None => office.t(Phrase::ListPrice).to_owned(),
        Some(("tier", tier)) => format!("{} {tier}", office.t(Phrase::Tier)),
        Some((_, shop)) => shop.to_owned(),
    }
}

/// One price in one list: now, and the changes scheduled; change it now or at a time.
#[component]
pub fn PriceCellEditor(sku: String, cell: PriceCell, reload: RwSignal<u32>) -> impl IntoView {
    let office = expect_context::<Office>();
    let price = RwSignal::new(cell.price.clone().unwrap_or_default());
    let at = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let list = StoredValue::new(cell.list.clone());
    let sku = StoredValue::new(sku);
    let done = move |result: Result<Value, Failure>| match result {
        Ok(_) => {
            message.set(Some((true, office.t(Phrase::Saved).to_owned())));
            reload.update(|n| *n += 1);
        }
        Err(failure) => message.set(Some((false, office.explain(&failure)))),
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (list, sku) = (list.get_value(), sku.get_value());
        let text = price.get_untracked().trim().to_owned();
        let when = at.get_untracked();
        let price = (!text.is_empty()).then_some(text);
        spawn_local(async move {
            let result = if !when.trim().is_empty() {
                let Some(from_ms) = parse_local_time(&when) else {
                    message.set(Some((false, office.field_problem("from_ms", "invalid"))));
                    return;
                };
                let body = json!({ "list": list, "sku": sku, "from_ms": from_ms, "price": price });
                office
                    .call::<Value>("POST", "/api/admin/price-changes", Some(body))
                    .await
            } else if list == "list" {
                let body = json!({ "list_price": price.unwrap_or_default() });
                let url = format!("/api/admin/products/{}", encode(&sku));
                office.call::<Value>("PUT", &url, Some(body)).await
            } else {
                let url = match list.split_once('/') {
                    Some(("tier", tier)) => {
                        format!("/api/admin/tiers/{}/prices/{}", encode(tier), encode(&sku))
                    }
                    Some((_, shop)) => {
                        format!("/api/admin/shops/{}/prices/{}", encode(shop), encode(&sku))
                    }
                    None => return,
                };
                office
                    .call::<Value>("PUT", &url, Some(json!({ "price": price })))
                    .await
            };
            done(result);
        });
    };
    let cancel = move |change: ScheduledPrice| {
        let body =
            json!({ "list": list.get_value(), "sku": sku.get_value(), "from_ms": change.from_ms });
        spawn_local(async move {
            done(
                office
                    .call::<Value>("DELETE", "/api/admin/price-changes", Some(body))
                    .await,
            )
        });
    };
    let changes = cell.changes.clone();
    view! {
        <form class="price-cell" data-testid="price-cell" data-list=cell.list.clone() on:submit=save>
            <input name="price" class="price" placeholder="—" prop:value=move || price.get()
                on:input=move |ev| price.set(event_target_value(&ev))/>
            <input type="datetime-local" step="1" name="at" title=move || office.t(Phrase::ChangeAt) prop:value=move || at.get()
                on:input=move |ev| at.set(event_target_value(&ev))/>
            <Show when=move || office.is_admin()>
                <button type="submit" data-testid="save-price">{move || if at.get().is_empty() { office.t(Phrase::Save) } else { office.t(Phrase::Schedule) }}</button>
            </Show>
            <ul class="changes">
                {changes.into_iter().map(|change| view! {
                    <li data-testid="scheduled-change">
                        {format!("{} → {}", local_time(change.from_ms).replace('T', " "),
                            change.price.map(|p| format!("¥{}", p.amount())).unwrap_or_else(|| office.t(Phrase::NoPrice).to_owned()))}
                        <Show when=move || office.is_admin()>
                            <button type="button" class="link" data-testid="cancel-change" on:click=move |_| cancel(change)>"×"</button>
                        </Show>
                    </li>
                }).collect_view()}
            </ul>
            {move || message.get().map(|(ok, text)| view! { <span class=if ok { "saved" } else { "error" } data-testid="price-message">{text}</span> })}
        </form>
    }
}

/// Under a product's form: its price in every list.
#[component]
pub fn ProductPriceGrid(sku: String) -> impl IntoView {
    let office = expect_context::<Office>();
    let reload = RwSignal::new(0u32);
    let grid = RwSignal::new(None::<Result<ProductPrices, Failure>>);
    let new_shop = RwSignal::new(String::new());
    let extra_shops = RwSignal::new(Vec::<String>::new());
    let url = format!("/api/admin/prices/{}", encode(&sku));
    Effect::new(move |_| {
        reload.track();
        let url = url.clone();
        spawn_local(async move {
            grid.set(Some(office.call::<ProductPrices>("GET", &url, None).await));
        });
    });
    let sku = StoredValue::new(sku);
    view! {
        <section class="price-grid" data-testid="price-grid">
            <h2>{move || office.t(Phrase::Prices)}</h2>
            {move || match grid.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(prices)) => {
                    let mut cells = vec![prices.list.clone()];
                    cells.extend(prices.tiers.clone());
                    cells.extend(prices.shops.clone());
                    for shop in extra_shops.get() {
                        let list = format!("shop/{shop}");
                        if !cells.iter().any(|c| c.list == list) {
                            cells.push(PriceCell { list, price: None, changes: Vec::new() });
                        }
                    }
                    view! {
                        <table class="grid">
                            <thead><tr>
                                <th>{office.t(Phrase::PriceList)}</th>
                                <th>{office.t(Phrase::PriceNowOrLater)}</th>
                            </tr></thead>
                            <tbody>
                                {cells.into_iter().map(|cell| view! {
                                    <tr>
                                        <td>{list_label(&office, &cell.list)}</td>
                                        <td><PriceCellEditor sku=sku.get_value() cell=cell reload/></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
            <Show when=move || office.is_admin()>
                <div class="row add-shop-price">
                    <label>{move || office.t(Phrase::AddShopPrice)} {text_input(new_shop, "new_shop_price")}</label>
                    <button type="button" data-testid="add-shop-price" on:click=move |_| {
                        let shop = new_shop.get_untracked().trim().to_owned();
                        if !shop.is_empty() {
                            extra_shops.update(|shops| shops.push(shop));
                            new_shop.set(String::new());
                        }
                    }>{move || office.t(Phrase::Add)}</button>
                </div>
            </Show>
        </section>
    }
}

/// `/office/prices`: one tier's or shop's prices over the catalog.
#[component]
pub fn PriceListPageView() -> impl IntoView {
    let office = expect_context::<Office>();
    let options = crate::customer_form::load_options(office);
    let list = RwSignal::new(String::new());
    let shop = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let priced_only = RwSignal::new(false);
    let offset = RwSignal::new(0usize);
    let reload = RwSignal::new(0u32);
    let page = RwSignal::new(None::<Result<PriceListPage, Failure>>);
    Effect::new(move |_| {
        reload.track();
        let chosen = list.get();
        let (q, o, priced) = (query.get(), offset.get(), priced_only.get());
        if chosen.is_empty() {
            page.set(None);
            return;
        }
        let mut url = format!("/api/admin/price-lists/{chosen}?limit=50&offset={o}");
        if !q.trim().is_empty() {
            url.push_str(&format!("&q={}", encode(q.trim())));
        }
        if priced {
            url.push_str("&priced=true");
        }
        spawn_local(async move {
            let result = office.call::<PriceListPage>("GET", &url, None).await;
            if list.get_untracked() == chosen && query.get_untracked() == q {
                page.set(Some(result));
            }
        });
    });
    view! {
        <section class="price-lists">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::Prices)}</h1>
                <select name="list" data-testid="price-list" on:change=move |ev| { offset.set(0); list.set(event_target_value(&ev)); }>
                    <option value="">{move || office.t(Phrase::ChooseList)}</option>
                    {move || options.get().tiers.into_iter().map(|tier| view! {
                        <option value=format!("tier/{tier}")>{format!("{} {tier}", office.t(Phrase::Tier))}</option>
                    }).collect_view()}
                </select>
                <input name="shop" placeholder=move || office.t(Phrase::OrShopId) prop:value=move || shop.get()
                    on:input=move |ev| shop.set(event_target_value(&ev))
                    on:change=move |_| { let id = shop.get_untracked(); if !id.trim().is_empty() { offset.set(0); list.set(format!("shop/{}", id.trim())); } }/>
                <input type="search" data-testid="price-search" placeholder=move || office.t(Phrase::Search)
                    prop:value=move || query.get() on:input=move |ev| { offset.set(0); query.set(event_target_value(&ev)); }/>
                <label class="check"><input type="checkbox" prop:checked=move || priced_only.get()
                    on:change=move |ev| { offset.set(0); priced_only.set(event_target_checked(&ev)); }/>{move || office.t(Phrase::PricedOnly)}</label>
            </div>
            {move || match page.get() {
                None => view! { <p class="meta">{office.t(Phrase::ChooseList)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(page)) => {
                    let shown_to = page.offset + page.rows.len();
                    let total = page.total;
                    view! {
                        <table class="grid">
                            <thead><tr>
                                <th>{office.t(Phrase::Sku)}</th>
                                <th>{office.t(Phrase::Name)}</th>
                                <th class="number">{office.t(Phrase::ListPrice)}</th>
                                <th>{office.t(Phrase::PriceNowOrLater)}</th>
                            </tr></thead>
                            <tbody>
                                {page.rows.into_iter().map(|row| view! {
                                    <tr data-testid="price-row" data-sku=row.sku.clone()>
                                        <td>{row.sku.clone()}</td>
                                        <td>{office.lang.get_untracked().pick(&row.name).to_owned()}</td>
                                        <td class="number">{format!("¥{}", row.list_price)}</td>
                                        <td><PriceCellEditor sku=row.sku.clone() cell=row.price reload/></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <div class="pager">
                            <button disabled=move || offset.get() == 0 on:click=move |_| offset.update(|o| *o = o.saturating_sub(50))>{office.t(Phrase::Previous)}</button>
                            <span>{format!("{} {}–{} {} {}", office.t(Phrase::Showing), if total == 0 { 0 } else { page.offset + 1 }, shown_to, office.t(Phrase::Of), total)}</span>
                            <button disabled={move || shown_to >= total} on:click=move |_| offset.update(|o| *o += 50)>{office.t(Phrase::Next)}</button>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}
