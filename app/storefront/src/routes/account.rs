//! The shop's account (对账): what it owes and holds, its open invoices with their due
//! dates, reminders of overdue ones, and the recent entries — all offline, as of the last
//! sync. A statement for any period comes from the server (online) and prints.

use domain::credit::{PaymentTerms, overdue_blocks};
use domain::ledger::{EntryKind, StatementEntry};
use domain::money::{Currency, Money};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use serde::Deserialize;

use super::orders::format_time;
use crate::i18n::Phrase;
use crate::store::Store;

/// A day as the distributor's calendar has it (`2026-12-02`).
pub(crate) fn day(ms: i64) -> String {
    domain::quota::local_date(ms, domain::checkout::UTC_OFFSET_MINUTES)
}

/// The part of the server's statement this page shows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Statement {
    from: String,
    to: String,
    opening: Money,
    closing: Money,
    entries: Vec<StatementEntry>,
}

fn entry_label(store: &Store, kind: EntryKind) -> &'static str {
    store.t(match kind {
        EntryKind::Invoice => Phrase::InvoiceEntry,
        EntryKind::Payment => Phrase::PaymentEntry,
        EntryKind::Credit => Phrase::CreditEntry,
        EntryKind::Prepaid => Phrase::PrepaidBalance,
        EntryKind::Points => Phrase::Points,
    })
}

fn amount_text(entry: &StatementEntry, of: Money) -> String {
    if entry.kind == EntryKind::Points {
        of.amount().to_string()
    } else {
        of.to_string()
    }
}

fn entries_table(store: Store, entries: Vec<StatementEntry>) -> impl IntoView {
    view! {
        <table class="entries" data-testid="account-entries">
            <thead><tr><th>{store.t(Phrase::When)}</th><th>{store.t(Phrase::What)}</th>
                <th class="number">{store.t(Phrase::AmountCol)}</th><th class="number">{store.t(Phrase::BalanceCol)}</th></tr></thead>
            <tbody>
                {entries.into_iter().map(|e| view! {
                    <tr data-testid="account-entry">
                        <td>{format_time(e.at_ms)}</td>
                        <td>{format!("{} {}", entry_label(&store, e.kind), e.document)}<br/><small>{e.reason.clone()}</small></td>
                        <td class="number">{amount_text(&e, e.amount)}</td>
                        <td class="number">{amount_text(&e, e.balance)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The phone's page of the order numbered `number`, when this device holds it.
fn order_link(store: &Store, number: &str) -> Option<String> {
    store.confirmations.with_untracked(|held| {
        held.values()
            .find(|c| c.number == number)
            .map(|c| format!("/orders/{}", c.request_id))
    })
}

/// `/account`.
#[component]
pub fn AccountPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let today = js_sys::Date::now() as i64;
    let from = RwSignal::new(format!("{}-01", &day(today)[..7]));
    let to = RwSignal::new(day(today));
    let statement = RwSignal::new(None::<Result<Statement, String>>);
    let load_statement = move |_| {
        let shop = store
            .shop
            .get_untracked()
            .map(|s| s.id.to_string())
            .unwrap_or_default();
        let url = format!(
            "/api/shop/statement?shop={}&from={}&to={}",
            js_sys::encode_uri_component(&shop),
            js_sys::encode_uri_component(&from.get_untracked()),
            js_sys::encode_uri_component(&to.get_untracked())
        );
        statement.set(None);
        spawn_local(async move {
            let result = store.call::<Statement>("GET", &url).await;
            statement.set(Some(result.map_err(|error| match error {
                crate::api::CallError::Refused { status: 400, .. } => {
                    store.t(Phrase::BadPeriod).to_owned()
                }
                _ => store.t(Phrase::NeedsNetwork).to_owned(),
            })));
        });
    };
    let print = |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    };
    view! {
        <section class="account" data-testid="account">
            <h2>{move || store.t(Phrase::Account)}</h2>
            <p class="account-links"><A href="/devices">{move || store.t(Phrase::Devices)}</A></p>
            <div class="data-saver" data-testid="data-saver">
                <label class="check">
                    <input type="checkbox" data-testid="data-saver-toggle" prop:checked=move || store.data_saver.get()
                        on:change=move |ev| store.set_data_saver(event_target_checked(&ev))/>
                    {move || store.t(Phrase::DataSaver)}
                </label>
                <p class="meta">{move || store.t(Phrase::DataSaverHint)}</p>
                <p data-testid="data-used">{move || {
                    // Read again whenever the page draws (the count grows in the background).
                    store.last_synced_ms.track();
                    let bytes = store.data_used_this_month();
                    format!("{} {}.{} MB", store.t(Phrase::DataUsedThisMonth), bytes / 1_000_000, bytes % 1_000_000 / 100_000)
                }}</p>
            </div>
            {move || store.persistent.get().map(|kept| view! {
                <p class=if kept { "meta" } else { "banner warn" } data-testid="storage-persistent" data-persisted=kept.to_string()>
                    {store.t(if kept { Phrase::StorageKept } else { Phrase::StorageNotKept })}
                </p>
            })}
            {move || {
                let profile = store.profile.get();
                let account = store.account.get();
                let Some(credit) = profile.account.clone() else {
                    return view! { <p class="muted" data-testid="no-account">{store.t(Phrase::NoAccountYet)}</p> }.into_any();
                };
                let zero = Money::zero(Currency::Cny);
                let now = store.clock.get();
                let blocked = overdue_blocks(&credit, now);
                let terms = match credit.terms {
                    PaymentTerms::Prepaid => store.t(Phrase::TermsPrepaid).to_owned(),
                    PaymentTerms::CashOnDelivery => store.t(Phrase::TermsCod).to_owned(),
                    PaymentTerms::Net { days } => format!("{} {days}", store.t(Phrase::TermsNet)),
                };
                let (owes, on_account) = account.as_ref().map_or((zero, zero), |a| (a.receivable, a.on_account));
                let as_of = store.last_synced_ms.get();
                let reminders = account.as_ref().map(|a| a.reminders.clone()).unwrap_or_default();
                let invoices = account.as_ref().map(|a| a.open_invoices.clone()).unwrap_or_default();
                let recent = account.as_ref().map(|a| a.recent.clone()).unwrap_or_default();
                view! {
                    {as_of.map(|ms| view! { <p class="meta" data-testid="account-as-of">{format!("{} {}", store.t(Phrase::AsOfSync), format_time(ms))}</p> })}
                    {blocked.then(|| view! { <p class="banner warn" role="alert" data-testid="account-blocked">{store.t(Phrase::OverdueBlocksOrders)}</p> })}
                    {reminders.into_iter().map(|r| view! {
                        <p class="banner warn" data-testid="account-reminder">{format!("{} {} · {} {} · {}", store.t(Phrase::ReminderFor), r.invoice, store.t(Phrase::OverdueDays), r.days_overdue, r.open)}</p>
                    }).collect_view()}
                    <dl class="facts">
                        <dt>{store.t(Phrase::PaymentTermsLabel)}</dt><dd>{terms}</dd>
                        <dt>{store.t(Phrase::Owes)}</dt><dd data-testid="account-owes">{owes.to_string()}</dd>
                        {(!on_account.is_zero()).then(|| view! { <dt>{store.t(Phrase::OnAccount)}</dt><dd>{on_account.to_string()}</dd> })}
                        <dt>{store.t(Phrase::NotInvoicedYet)}</dt><dd>{credit.unbilled.to_string()}</dd>
                        {credit.credit_limit.map(|limit| view! { <dt>{store.t(Phrase::CreditLimitLabel)}</dt><dd>{limit.to_string()}</dd> })}
                        <dt>{store.t(Phrase::PrepaidBalance)}</dt><dd data-testid="account-prepaid">{credit.prepaid_balance.to_string()}</dd>
                        <dt>{store.t(Phrase::Points)}</dt><dd>{profile.points_balance}</dd>
                    </dl>
                    <h3>{store.t(Phrase::OpenInvoices)}</h3>
                    {if invoices.is_empty() {
                        view! { <p class="muted" data-testid="no-open-invoices">{store.t(Phrase::NoOpenInvoices)}</p> }.into_any()
                    } else {
                        view! {
                            <table class="entries" data-testid="account-invoices">
                                <thead><tr><th>{store.t(Phrase::InvoiceEntry)}</th><th>{store.t(Phrase::DueDate)}</th><th class="number">{store.t(Phrase::OpenAmount)}</th></tr></thead>
                                <tbody>
                                    {invoices.into_iter().map(|i| {
                                        let overdue = i.days_overdue(now);
                                        let due = i.due_ms.map_or_else(|| store.t(Phrase::DueOnDelivery).to_owned(), day);
                                        let class = if overdue > 0 { "overdue" } else { "" };
                                        view! {
                                            <tr data-testid="account-invoice" class=class>
                                                <td>{match order_link(&store, &i.order) {
                                                    Some(href) => view! { <A href=href>{i.number.clone()}</A> }.into_any(),
                                                    None => view! { <span>{i.number.clone()}</span> }.into_any(),
                                                }}<br/><small>{i.order.clone()}</small></td>
                                                <td>{due}{(overdue > 0).then(|| view! { <br/><small class="warn">{format!("{} {overdue}", store.t(Phrase::OverdueDays))}</small> })}</td>
                                                <td class="number">{i.open.to_string()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }}
                    <h3>{store.t(Phrase::RecentEntries)}</h3>
                    {entries_table(store, recent)}
                }.into_any()
            }}
            <super::referral::ReferralSection/>
            <h3>{move || store.t(Phrase::StatementForPeriod)}</h3>
            <div class="period no-print">
                <input type="date" data-testid="period-from" aria-label=move || store.t(Phrase::PeriodStart) prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev))/>
                " — "
                <input type="date" data-testid="period-to" aria-label=move || store.t(Phrase::PeriodEnd) prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev))/>
                <button data-testid="load-statement" on:click=load_statement>{move || store.t(Phrase::ShowStatement)}</button>
                <button on:click=print>{move || store.t(Phrase::Print)}</button>
            </div>
            {move || statement.get().map(|result| match result {
                Err(text) => view! { <p class="error" data-testid="statement-error">{text}</p> }.into_any(),
                Ok(s) => view! {
                    <p class="meta">{format!("{} — {}", s.from, s.to)}</p>
                    <p data-testid="statement-opening">{format!("{} {}", store.t(Phrase::OwedAtStart), s.opening)}</p>
                    {entries_table(store, s.entries)}
                    <p data-testid="statement-closing">{format!("{} {}", store.t(Phrase::OwedAtEnd), s.closing)}</p>
                }.into_any(),
            })}
        </section>
    }
}
