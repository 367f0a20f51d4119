//! An account manager's shops. Offline, from the documents his phone holds: each shop's
//! last order and days since, its open orders, what it owes and whether overdue invoices
//! block it. Online besides: each shop's orders, sales and share of orders
//! shipped on time and in full over a period (this month, last month, the last 90 days),
//! what it owes and whether overdue invoices block it, the period's best sellers across
//! his shops, and a button to order for a shop. The figures come from the server's
//! reports and receivables, limited to his own shops.

use std::collections::BTreeMap;

use domain::money::Money;
use domain::product::LocalizedText;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use serde::Deserialize;

use super::account::day;
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

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Served {
    key: String,
    otif_rate: Option<String>,
    open: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct FillRate {
    rows: Vec<Served>,
}

/// An order far above the shop's usual demand in a shortage (the bullwhip guard).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Large {
    shop: String,
    number: String,
    sku: String,
    ordered: u32,
    backordered: u32,
    weekly: String,
}

/// How far proposals to a shop were from what it ordered.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Judged {
    key: String,
    proposals: u64,
    judged: u64,
    wape: Option<String>,
    bias: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Accuracy {
    rows: Vec<Judged>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Figures {
    large: Vec<Large>,
    accuracy: BTreeMap<String, Judged>,
    owed: BTreeMap<String, Owed>,
    by_shop: BTreeMap<String, Sold>,
    served: BTreeMap<String, Served>,
    products: Sales,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// How old a shop's kept demand may be before the page fetches it again.
const DEMAND_FRESH_MS: i64 = 6 * 60 * 60 * 1000;

/// The first and last day of the period chosen: 0 this month, 1 last month, 2 the last 90
/// days.
fn period(choice: u8, now_ms: i64) -> (String, String) {
    use domain::checkout::UTC_OFFSET_MINUTES as OFFSET;
    use domain::quota::{day_start, local_date};
    let today = local_date(now_ms, OFFSET);
    let first = format!("{}-01", &today[..7]);
    match choice {
        1 => {
            let this_month = day_start(&first, OFFSET).unwrap_or(now_ms);
            let last_day = local_date(this_month - DAY_MS, OFFSET);
            (format!("{}-01", &last_day[..7]), last_day)
        }
        2 => (local_date(now_ms - 89 * DAY_MS, OFFSET), today),
        _ => (first, today),
    }
}

/// `/my-shops`.
#[component]
pub fn MyShopsPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let navigate = use_navigate();
    let figures = RwSignal::new(None::<Result<Figures, ()>>);
    let choice = RwSignal::new(0u8);
    Effect::new(move |_| {
        let (from, to) = period(choice.get(), js_sys::Date::now() as i64);
        let range = format!("from={from}&to={to}");
        figures.set(None);
        spawn_local(async move {
            let owed = store
                .call::<Receivables>("GET", "/api/finance/receivables")
                .await;
            let by_shop = store
                .call::<Sales>("GET", &format!("/api/reports/sales?by=shop&{range}"))
                .await;
            let products = store
                .call::<Sales>("GET", &format!("/api/reports/sales?by=product&{range}"))
                .await;
            let served = store
                .call::<FillRate>("GET", &format!("/api/reports/fill-rate?by=shop&{range}"))
                .await;
            let large = store
                .call::<Vec<Large>>("GET", "/api/reports/large-orders")
                .await;
            let accuracy = store
                .call::<Accuracy>(
                    "GET",
                    &format!("/api/reports/forecast-accuracy?by=shop&{range}"),
                )
                .await
                .map(|a| a.rows.into_iter().map(|r| (r.key.clone(), r)).collect())
                .unwrap_or_default();
            let online = owed.is_ok();
            figures.set(Some(match (owed, by_shop, products, served, large) {
                (Ok(owed), Ok(by_shop), Ok(products), Ok(served), Ok(large)) => Ok(Figures {
                    large,
                    accuracy,
                    served: served
                        .rows
                        .into_iter()
                        .map(|r| (r.key.clone(), r))
                        .collect(),
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
            // What each shop's suggested order is worked out from, kept on the phone for
            // the visits ahead (offline); fetched again when older than six hours. The
            // next visits first, so a signal lost halfway leaves those ready; in the data
            // saver only the shops due within two days (the others when their suggestion
            // is opened).
            if online {
                let mut shops = store
                    .session
                    .get_untracked()
                    .map(|s| s.shops)
                    .unwrap_or_default();
                let visits = store.visits.get_untracked();
                let next = |shop: &domain::sku::ShopId| {
                    visits.get(shop.as_str()).and_then(|v| v.next_visit.clone())
                };
                shops.sort_by_key(|shop| next(&shop.id).map_or((1, String::new()), |n| (0, n)));
                let due = store.visits_due();
                let saver = store.data_saver.get_untracked();
                for shop in shops {
                    if saver && !due.contains(shop.id.as_str()) {
                        continue;
                    }
                    store.keep_demand(&shop.id, DEMAND_FRESH_MS).await;
                }
            }
        });
    });
    let chip = move |value: u8, phrase: Phrase| {
        view! {
            <button class=move || if choice.get() == value { "chip active" } else { "chip" }
                data-testid=format!("my-period-{value}") on:click=move |_| choice.set(value)>{move || store.t(phrase)}</button>
        }
    };
    view! {
        <section class="my-shops" data-testid="my-shops">
            <h2>{move || store.t(Phrase::MyShops)}</h2>
            <A href="/scan" attr:data-testid="scan-handover">{move || store.t(Phrase::ScanHandover)}</A>
            <div class="chips">
                {chip(0, Phrase::ThisMonth)}
                {chip(1, Phrase::LastMonth)}
                {chip(2, Phrase::Last90Days)}
            </div>
            {move || {
                let lang = store.lang.get();
                let mut shops = store.session.get().map(|s| s.shops).unwrap_or_default();
                // The next visit due first; shops without one after, as listed.
                let visits = store.visits.get();
                shops.sort_by_key(|shop| {
                    visits
                        .get(shop.id.as_str())
                        .and_then(|v| v.next_visit.clone())
                        .map_or((1, String::new()), |next| (0, next))
                });
                let navigate = navigate.clone();
                let state = figures.get();
                let online = state.clone().and_then(Result::ok);
                let note = match &state {
                    None => Some(view! { <p class="meta">{store.t(Phrase::Loading)}</p> }.into_any()),
                    Some(Err(())) => Some(view! { <p class="meta" data-testid="my-shops-offline">{store.t(Phrase::OfflineFiguresOnly)}</p> }.into_any()),
                    Some(Ok(f)) => Some(view! { <p class="meta" data-testid="my-period">{format!("{} — {}", f.products.from, f.products.to)}</p> }.into_any()),
                };
                let today = store.clock.get();
                view! {
                    {note}
                    <ul class="shops">
                        {shops.into_iter().map(|shop| {
                            let id = shop.id.to_string();
                            let glance = store.glance(&shop.id);
                            let sold = online.as_ref().and_then(|f| f.by_shop.get(&id).cloned());
                            let owed = online.as_ref().and_then(|f| f.owed.get(&id).cloned());
                            let served = online.as_ref().and_then(|f| f.served.get(&id).cloned());
                            let judged = online.as_ref().and_then(|f| f.accuracy.get(&id).cloned());
                            let large: Vec<Large> = online.as_ref().map(|f| f.large.iter().filter(|l| l.shop == id).cloned().collect()).unwrap_or_default();
                            let navigate = navigate.clone();
                            let chosen = shop.clone();
                            let proposing = shop.clone();
                            let visit = visits.get(&id).cloned();
                            let kept = store.kept_demand(&shop.id);
                            let paused = kept.as_ref().is_some_and(|d| d.next_paused);
                            let quotas: Vec<String> = kept
                                .iter()
                                .flat_map(|d| d.quotas.iter())
                                .map(|(sku, left)| format!("{sku} {left}"))
                                .take(3)
                                .collect();
                            let visit_shop = shop.id.clone();
                            let navigate_proposal = navigate.clone();
                            let blocked = owed.as_ref().map_or(glance.blocked, |o| o.blocked);
                            let owes = owed.as_ref().map(|o| o.total).or(glance.owes);
                            let last = glance.last_order_ms.map_or_else(
                                || store.t(Phrase::NoOrderYet).to_owned(),
                                |at| format!("{} {} · {} {}", store.t(Phrase::LastOrder), day(at), (today - at).max(0) / DAY_MS, store.t(Phrase::DaysAgo)),
                            );
                            view! {
                                <li data-testid="my-shop" data-shop=id.clone()>
                                    <strong>{shop.name.clone()}</strong>
                                    {blocked.then(|| view! { <span class="badge warn" data-testid="my-shop-blocked">{store.t(Phrase::OverdueBlocked)}</span> })}
                                    {glance.proposal_waiting.then(|| view! { <span class="badge" data-testid="my-shop-proposal">{store.t(Phrase::ProposalPending)}</span> })}
                                    {paused.then(|| view! { <span class="badge" data-testid="my-shop-paused">{store.t(Phrase::PausedOrdering)}</span> })}
                                    <span data-testid="my-shop-visit">{visit.as_ref().map_or_else(
                                        || store.t(Phrase::NotVisitedYet).to_owned(),
                                        |v| format!("{} {}{}", store.t(Phrase::LastVisit), day(v.visited_ms),
                                            v.next_visit.as_ref().map(|n| format!(" · {} {n}", store.t(Phrase::NextVisit))).unwrap_or_default()),
                                    )}</span>
                                    {(!quotas.is_empty()).then(|| view! { <span data-testid="my-shop-quota">{format!("{} {}", store.t(Phrase::QuotaLeft), quotas.join(", "))}</span> })}
                                    <span data-testid="my-shop-last">{format!("{last} · {} {}", store.t(Phrase::OpenOrdersHeld), glance.open_orders)}</span>
                                    {sold.map(|s| view! {
                                        <span>{format!("{} {} · {} {}", store.t(Phrase::OrdersThisMonth), s.orders, store.t(Phrase::SalesThisMonth), s.revenue)}</span>
                                    })}
                                    {served.map(|s| view! {
                                        <span data-testid="my-shop-otif">{format!("{} {}{}", store.t(Phrase::OnTimeInFull), s.otif_rate.map_or_else(|| "—".to_owned(), |r| format!("{r}%")), if s.open > 0 { format!(" · {} {}", store.t(Phrase::OpenOrdersCount), s.open) } else { String::new() })}</span>
                                    })}
                                    {judged.map(|j| view! {
                                        <span data-testid="my-shop-accuracy">{format!("{} {} · WAPE {} · {} {}", store.t(Phrase::ProposalsSent), j.proposals,
                                            j.wape.map_or_else(|| "—".to_owned(), |w| format!("{w}%")), store.t(Phrase::Bias),
                                            j.bias.map_or_else(|| "—".to_owned(), |b| format!("{b}%")))}
                                            {(j.judged < j.proposals).then(|| format!(" ({} {})", store.t(Phrase::NotJudgedYet), j.proposals - j.judged))}</span>
                                    })}
                                    {large.into_iter().map(|l| view! {
                                        <span class="warn" data-testid="my-shop-large">{format!("{} · {}", l.number, store.t(Phrase::LargeOrderText)
                                            .replace("{sku}", &l.sku)
                                            .replace("{ordered}", &l.ordered.to_string())
                                            .replace("{weekly}", &l.weekly)
                                            .replace("{waiting}", &l.backordered.to_string()))}</span>
                                    }).collect_view()}
                                    <span data-testid="my-shop-owes">{format!("{} {}", store.t(Phrase::Owes), owes.map_or_else(|| "¥0.00".to_owned(), |o| o.to_string()))}
                                        {owed.as_ref().filter(|o| o.overdue_invoices > 0).map(|o| format!(" · {} {}", store.t(Phrase::OverdueInvoiceCount), o.overdue_invoices))}</span>
                                    <button data-testid="order-for-shop" on:click=move |_| {
                                        store.select_shop(chosen.clone());
                                        navigate("/", Default::default());
                                    }>{store.t(Phrase::OrderForShop)}</button>
                                    <button data-testid="propose-for-shop" on:click=move |_| {
                                        store.select_shop(proposing.clone());
                                        navigate_proposal("/proposal", Default::default());
                                    }>{store.t(Phrase::SuggestedOrder)}</button>
                                    <VisitForm shop=visit_shop/>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {online.map(|f| view! {
                        <h3>{store.t(Phrase::BestSellers)}</h3>
                        <table class="entries" data-testid="my-best-sellers">
                            <tbody>
                                {f.products.rows.iter().filter(|r| r.units > 0).take(10).map(|r| view! {
                                    <tr><td>{format!("{} {}", r.key, lang.pick(&r.label))}</td><td class="number">{r.units}</td><td class="number">{r.revenue.to_string()}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                }
            }}
        </section>
    }
}

/// Records a visit to `shop`: a note and the next visit's date (offline too).
#[component]
fn VisitForm(shop: domain::sku::ShopId) -> impl IntoView {
    let store = expect_context::<Store>();
    let open = RwSignal::new(false);
    let note = RwSignal::new(String::new());
    let next = RwSignal::new(String::new());
    let shop = StoredValue::new(shop);
    view! {
        <Show when=move || open.get() fallback=move || view! {
            <button data-testid="record-visit" on:click=move |_| open.set(true)>{move || store.t(Phrase::RecordVisit)}</button>
        }>
            <div class="visit-form">
                <textarea data-testid="visit-note" placeholder=move || store.t(Phrase::VisitNote)
                    prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                <label>{move || store.t(Phrase::NextVisit)}
                    <input type="date" data-testid="visit-next" prop:value=move || next.get() on:change=move |ev| next.set(event_target_value(&ev))/></label>
                <button class="primary" data-testid="visit-save" on:click=move |_| {
                    store.record_visit(&shop.get_value(), note.get_untracked(), Some(next.get_untracked()));
                    note.set(String::new());
                    next.set(String::new());
                    open.set(false);
                }>{move || store.t(Phrase::SaveVisit)}</button>
            </div>
        </Show>
    }
}
