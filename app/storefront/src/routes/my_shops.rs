//! An account manager's shops (online): each shop's orders and sales this month, what it
//! owes and whether overdue invoices block it, the month's best sellers across his shops,
//! and a button to order for a shop. The figures come from the server's reports and
//! receivables, limited to his own shops.

use std::collections::BTreeMap;

use domain::money::Money;
use domain::product::LocalizedText;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use serde::Deserialize;

use crate::i18n::Phrase;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Owed {
    shop: String,
    total: Money,
    overdue_invoices: u32,
    blocked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Receivables {
    shops: Vec<Owed>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Sold {
    key: String,
    label: LocalizedText,
    orders: i64,
    units: i64,
    revenue: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Sales {
    from: String,
    to: String,
    rows: Vec<Sold>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Figures {
    owed: BTreeMap<String, Owed>,
    by_shop: BTreeMap<String, Sold>,
    products: Sales,
}

/// `/my-shops`.
#[component]
pub fn MyShopsPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let navigate = use_navigate();
    let figures = RwSignal::new(None::<Result<Figures, ()>>);
    spawn_local(async move {
        let owed = store
            .call::<Receivables>("GET", "/api/finance/receivables")
            .await;
        let by_shop = store
            .call::<Sales>("GET", "/api/reports/sales?by=shop")
            .await;
        let products = store
            .call::<Sales>("GET", "/api/reports/sales?by=product")
            .await;
        figures.set(Some(match (owed, by_shop, products) {
            (Ok(owed), Ok(by_shop), Ok(products)) => Ok(Figures {
                owed: owed
                    .shops
                    .into_iter()
                    .map(|o| (o.shop.clone(), o))
                    .collect(),
                by_shop: by_shop
                    .rows
                    .into_iter()
                    .map(|r| (r.key.clone(), r))
                    .collect(),
                products,
            }),
            _ => Err(()),
        }));
    });
    view! {
        <section class="my-shops" data-testid="my-shops">
            <h2>{move || store.t(Phrase::MyShops)}</h2>
            {move || match figures.get() {
                None => view! { <p>{store.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(())) => view! { <p class="error">{store.t(Phrase::NeedsNetwork)}</p> }.into_any(),
                Some(Ok(f)) => {
                    let lang = store.lang.get();
                    let shops = store.session.get().map(|s| s.shops).unwrap_or_default();
                    let navigate = navigate.clone();
                    view! {
                        <p class="meta">{format!("{} {} — {}", store.t(Phrase::ThisMonth), f.products.from, f.products.to)}</p>
                        <ul class="shops">
                            {shops.into_iter().map(|shop| {
                                let id = shop.id.to_string();
                                let sold = f.by_shop.get(&id).cloned();
                                let owed = f.owed.get(&id).cloned();
                                let navigate = navigate.clone();
                                let chosen = shop.clone();
                                view! {
                                    <li data-testid="my-shop" data-shop=id.clone()>
                                        <strong>{shop.name.clone()}</strong>
                                        {owed.as_ref().filter(|o| o.blocked).map(|_| view! { <span class="badge warn" data-testid="my-shop-blocked">{store.t(Phrase::OverdueBlocked)}</span> })}
                                        <span>{format!("{} {} · {} {}", store.t(Phrase::OrdersThisMonth), sold.as_ref().map_or(0, |s| s.orders), store.t(Phrase::SalesThisMonth), sold.as_ref().map_or_else(|| "¥0.00".to_owned(), |s| s.revenue.to_string()))}</span>
                                        <span data-testid="my-shop-owes">{format!("{} {}", store.t(Phrase::Owes), owed.as_ref().map_or_else(|| "¥0.00".to_owned(), |o| o.total.to_string()))}
                                            {owed.as_ref().filter(|o| o.overdue_invoices > 0).map(|o| format!(" · {} {}", store.t(Phrase::OverdueInvoiceCount), o.overdue_invoices))}</span>
                                        <button data-testid="order-for-shop" on:click=move |_| {
                                            store.select_shop(chosen.clone());
                                            navigate("/", Default::default());
                                        }>{store.t(Phrase::OrderForShop)}</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <h3>{store.t(Phrase::BestSellers)}</h3>
                        <table class="entries" data-testid="my-best-sellers">
                            <tbody>
                                {f.products.rows.iter().filter(|r| r.units > 0).take(10).map(|r| view! {
                                    <tr><td>{format!("{} {}", r.key, lang.pick(&r.label))}</td><td class="number">{r.units}</td><td class="number">{r.revenue.to_string()}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
        </section>
    }
}
