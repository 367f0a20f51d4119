//! Customers: every shop with its owners, managers, tier, region and account (payment
//! terms, credit limit, what it owes, prepaid balance, points), searchable; and one shop's
//! whole account read back (quotas, ordering days, its own prices, its orders).

use api::{CustomerDetail, CustomerPage, CustomerRow, EntryKind};
use domain::checkout::ShopProfile;
use domain::credit::PaymentTerms;
use domain::quota::Period;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::Office;
use crate::api::{Failure, encode};
use crate::customer_form::{CustomerEditor, EntryForm, WEEKDAYS};
use crate::i18n::Phrase;
use crate::staff::UserActions;

fn terms_text(office: &Office, profile: &ShopProfile) -> String {
    match profile.account.as_ref().map(|a| a.terms) {
        None => "—".to_owned(),
        Some(PaymentTerms::Prepaid) => office.t(Phrase::TermsPrepaid).to_owned(),
        Some(PaymentTerms::CashOnDelivery) => office.t(Phrase::TermsCod).to_owned(),
        Some(PaymentTerms::Net { days }) => format!("{} {days}", office.t(Phrase::TermsNet)),
    }
}

/// Cells shared by the list and the detail: account figures.
fn money(value: Option<domain::money::Money>) -> String {
    value.map_or_else(|| "—".to_owned(), |m| m.to_string())
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let query = RwSignal::new(String::new());
    let offset = RwSignal::new(0usize);
    let page = RwSignal::new(None::<Result<CustomerPage, Failure>>);
    Effect::new(move |_| {
        let (q, o) = (query.get(), offset.get());
        let mut url = format!("/api/admin/shops?limit=50&offset={o}");
        if !q.trim().is_empty() {
            url.push_str(&format!("&q={}", encode(q.trim())));
        }
        spawn_local(async move {
            let result = office.call::<CustomerPage>("GET", &url, None).await;
            if (query.get_untracked(), offset.get_untracked()) == (q, o) {
                page.set(Some(result));
            }
        });
    });
    view! {
        <section class="customers">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::Customers)}</h1>
                <input type="search" data-testid="customer-search" placeholder=move || office.t(Phrase::SearchCustomers)
                    prop:value=move || query.get()
                    on:input=move |ev| { query.set(event_target_value(&ev)); offset.set(0); }/>
                <Show when=move || office.is_admin()>
                    <A href="/office/customers/new">{move || office.t(Phrase::NewCustomer)}</A>
                </Show>
            </div>
            {move || match page.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(page)) => {
                    let shown_to = page.offset + page.customers.len();
                    let total = page.total;
                    view! {
                        <table class="grid">
                            <thead><tr>
                                <th>{office.t(Phrase::Id)}</th>
                                <th>{office.t(Phrase::Name)}</th>
                                <th>{office.t(Phrase::Tier)}</th>
                                <th>{office.t(Phrase::Owners)}</th>
                                <th>{office.t(Phrase::Managers)}</th>
                                <th>{office.t(Phrase::Region)}</th>
                                <th>{office.t(Phrase::PaymentTerms)}</th>
                                <th class="number">{office.t(Phrase::CreditLimit)}</th>
                                <th class="number">{office.t(Phrase::Unbilled)}</th>
                                <th class="number">{office.t(Phrase::Prepaid)}</th>
                                <th class="number">{office.t(Phrase::Points)}</th>
                                <th>{office.t(Phrase::State)}</th>
                            </tr></thead>
                            <tbody>
                                {page.customers.into_iter().map(|c: CustomerRow| {
                                    let href = format!("/office/customers/{}", c.id);
                                    let account = c.profile.account.clone();
                                    let terms = terms_text(&office, &c.profile);
                                    let label = c.id.clone();
                                    view! {
                                        <tr data-testid="customer-row" data-id=c.id.clone()>
                                            <td><A href=href>{label}</A></td>
                                            <td>{c.name.clone()}</td>
                                            <td>{c.tier.clone()}</td>
                                            <td>{c.owners.join(", ")}</td>
                                            <td>{c.managers.join(", ")}</td>
                                            <td>{c.profile.region.clone()}</td>
                                            <td>{terms}</td>
                                            <td class="number">{money(account.as_ref().and_then(|a| a.credit_limit))}</td>
                                            <td class="number">{money(account.as_ref().map(|a| a.unbilled))}</td>
                                            <td class="number">{money(account.as_ref().map(|a| a.prepaid_balance))}</td>
                                            <td class="number">{c.profile.points_balance}</td>
                                            <td>{if c.active { office.t(Phrase::Active) } else { office.t(Phrase::Inactive) }}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <div class="pager">
                            <button disabled=move || offset.get() == 0 on:click=move |_| offset.update(|o| *o = o.saturating_sub(50))>{office.t(Phrase::Previous)}</button>
                            <span data-testid="customer-range">{format!("{} {}–{} {} {}", office.t(Phrase::Showing), if total == 0 { 0 } else { page.offset + 1 }, shown_to, office.t(Phrase::Of), total)}</span>
                            <button disabled={move || shown_to >= total} on:click=move |_| offset.update(|o| *o += 50)>{office.t(Phrase::Next)}</button>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
pub fn CustomerPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let params = use_params_map();
    let detail = RwSignal::new(None::<Result<CustomerDetail, Failure>>);
    // Bumped by every save below, so the page reads the account back.
    let saved = RwSignal::new(0u32);
    let editing = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let id = params.get().get("id").unwrap_or_default();
        saved.track();
        spawn_local(async move {
            let url = format!("/api/admin/shops/{}", encode(&id));
            detail.set(Some(office.call::<CustomerDetail>("GET", &url, None).await));
        });
    });
    move || match detail.get() {
        None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
        Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
        Some(Ok(detail)) => {
            let c = detail.customer;
            let shop_id = c.id.clone();
            let visits_of = c.id.clone();
            let account = c.profile.account.clone();
            let terms = terms_text(&office, &c.profile);

            let window = c
                .profile
                .window
                .as_ref()
                .map(|w| {
                    let days: Vec<&str> = w
                        .weekdays
                        .iter()
                        .filter_map(|d| WEEKDAYS.get(*d as usize).map(|p| office.t(*p)))
                        .collect();
                    let cutoff = w
                        .cutoff_minute
                        .map(|m| format!(" {:02}:{:02}", m / 60, m % 60))
                        .unwrap_or_default();
                    format!("{}{cutoff}", days.join(" "))
                })
                .unwrap_or_else(|| office.t(Phrase::EveryDay).to_owned());
            view! {
                <section class="customer" data-testid="customer">
                    <div class="toolbar">
                        <A href="/office/customers">{office.t(Phrase::Back)}</A>
                        <h1>{format!("{} · {}", c.name, c.id)}</h1>
                        <Show when=move || office.is_admin()>
                            <button type="button" data-testid="edit-customer" on:click=move |_| { notice.set(None); editing.update(|e| *e = !*e) }>
                                {move || if editing.get() { office.t(Phrase::Cancel) } else { office.t(Phrase::Edit) }}
                            </button>
                        </Show>
                    </div>
                    {
                        let customer = c.clone();
                        move || editing.get().then(|| view! { <CustomerEditor customer=customer.clone() saved editing notice/> })
                    }
                    {move || notice.get().map(|text| view! { <p class="saved" role="status" data-testid="customer-notice">{text}</p> })}
                    <dl class="facts">
                        <dt>{office.t(Phrase::Tier)}</dt><dd data-testid="customer-tier">{c.tier.clone()}</dd>
                        <dt>{office.t(Phrase::Owners)}</dt><dd>{c.owners.clone().into_iter().map(|owner| view! {
                            <div class="owner">{owner.clone()} <Show when=move || office.is_admin()><UserActions username=owner.clone()/></Show></div>
                        }).collect_view()}</dd>
                        <dt>{office.t(Phrase::Managers)}</dt><dd>{c.managers.join(", ")}</dd>
                        <dt>{office.t(Phrase::Region)}</dt><dd>{c.profile.region.clone()}</dd>
                        <dt>{office.t(Phrase::PaymentTerms)}</dt><dd data-testid="customer-terms">{terms}</dd>
                        <dt>{office.t(Phrase::CreditLimit)}</dt><dd>{money(account.as_ref().and_then(|a| a.credit_limit))}</dd>
                        <dt>{office.t(Phrase::Unbilled)}</dt><dd>{money(account.as_ref().map(|a| a.unbilled))}</dd>
                        <dt>{office.t(Phrase::Prepaid)}</dt><dd>{money(account.as_ref().map(|a| a.prepaid_balance))}</dd>
                        <dt>{office.t(Phrase::Points)}</dt><dd>{c.profile.points_balance}</dd>
                        <dt>{office.t(Phrase::OrderingDays)}</dt><dd>{window}</dd>
                        <dt>{office.t(Phrase::Orders)}</dt><dd data-testid="customer-orders">{format!("{} / {} {}", detail.orders, detail.open_orders, office.t(Phrase::OpenOrders))}</dd>
                        <dt>{office.t(Phrase::State)}</dt><dd>{account.as_ref().and_then(|a| a.suspended.clone()).map_or_else(|| if c.active { office.t(Phrase::Active).to_owned() } else { office.t(Phrase::Inactive).to_owned() }, |reason| format!("{}：{reason}", office.t(Phrase::Suspended)))}</dd>
                    </dl>
                    <h2>{office.t(Phrase::Quotas)}</h2>
                    {if c.profile.quotas.is_empty() {
                        view! { <p class="meta">"—"</p> }.into_any()
                    } else {
                        view! {
                            <table class="grid"><tbody>
                                {c.profile.quotas.iter().map(|q| view! {
                                    <tr><td>{q.sku.to_string()}</td><td class="number">{q.max_quantity}</td><td>{office.t(match q.period { Period::Day => Phrase::PerDay, Period::Week => Phrase::PerWeek, Period::Month => Phrase::PerMonth })}</td></tr>
                                }).collect_view()}
                            </tbody></table>
                        }.into_any()
                    }}
                    <Show when=move || office.may("finance")>
                        <crate::commissions::ReferralPanel shop=c.id.clone()/>
                    </Show>
                    <Show when=move || office.may("orders.read") || office.may("finance")>
                        <Visits shop=visits_of.clone()/>
                    </Show>
                    <h2>{office.t(Phrase::Entries)}</h2>
                    <Show when=move || office.is_admin()>
                        <EntryForm shop=shop_id.clone() saved/>
                    </Show>
                    <table class="grid" data-testid="entries">
                        <thead><tr>
                            <th>{office.t(Phrase::When)}</th>
                            <th>{office.t(Phrase::EntryKind)}</th>
                            <th class="number">{office.t(Phrase::Amount)}</th>
                            <th class="number">{office.t(Phrase::Balance)}</th>
                            <th>{office.t(Phrase::Reason)}</th>
                            <th>{office.t(Phrase::Who)}</th>
                        </tr></thead>
                        <tbody>
                            {detail.entries.into_iter().map(|e| view! {
                                <tr data-testid="entry">
                                    <td>{crate::audit::format_time(e.at_ms)}</td>
                                    <td>{office.t(match e.kind { EntryKind::Prepaid => Phrase::Prepaid, EntryKind::Points => Phrase::Points, EntryKind::Credit => Phrase::CreditEntry, EntryKind::Invoice => Phrase::InvoiceEntry, EntryKind::Payment => Phrase::PaymentEntry })}</td>
                                    <td class="number">{e.amount}</td>
                                    <td class="number">{e.balance}</td>
                                    <td>{e.reason}</td>
                                    <td>{e.actor}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <h2>{office.t(Phrase::OwnPrices)}</h2>
                    <table class="grid" data-testid="own-prices"><tbody>
                        {detail.own_prices.into_iter().map(|(sku, price)| view! {
                            <tr><td>{sku}</td><td class="number">{format!("¥{price}")}</td></tr>
                        }).collect_view()}
                    </tbody></table>
                </section>
            }.into_any()
        }
    }
}

/// The shop's account manager visits, newest first (`GET /api/visits?shop=`): when, who,
/// the note and the next visit planned.
#[component]
fn Visits(shop: String) -> impl IntoView {
    let office = expect_context::<Office>();
    let visits = RwSignal::new(None::<Result<Vec<api::Visit>, Failure>>);
    spawn_local(async move {
        let url = format!("/api/visits?shop={}", encode(&shop));
        visits.set(Some(
            office.call::<Vec<api::Visit>>("GET", &url, None).await,
        ));
    });
    view! {
        <h2>{office.t(Phrase::Visits)}</h2>
        {move || match visits.get() {
            None => view! { <p class="meta">{office.t(Phrase::Loading)}</p> }.into_any(),
            Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="meta" data-testid="no-visits">{office.t(Phrase::NoVisits)}</p> }.into_any(),
            // A list rather than a table: a note of any length wraps, at any width.
            Some(Ok(list)) => view! {
                <ul class="visits" data-testid="visits">
                    {list.into_iter().map(|v| view! {
                        <li data-testid="visit">
                            <span class="meta">{format!("{} · {}", crate::audit::format_time(v.visited_ms), if v.manager_name.is_empty() { &v.manager } else { &v.manager_name })}</span>
                            <span>{v.note}</span>
                            <span class="meta">{v.next_visit.map(|next| format!("{} {next}", office.t(Phrase::NextVisitOn))).unwrap_or_default()}</span>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any(),
        }}
    }
}
