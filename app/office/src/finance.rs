//! Finance (`finance`): receivables by age per shop and per account manager with the
//! reminders to follow up; a shop's account — its statement for a period (printable),
//! open invoices, and the form that records a payment and allocates it; and a printable
//! invoice.

use ::api::{InvoiceDetail, PAYMENT_METHODS, PaymentRecorded, Receivables, Statement};
use domain::credit::PaymentTerms;
use domain::ledger::{Aging, EntryKind, InvoiceSummary};
use domain::money::Money;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::{Failure, encode};
use crate::audit::format_time;
use crate::i18n::{Lang, Phrase};
use crate::{Office, print_page};

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A day as `YYYY-MM-DD` in China time.
pub fn day(ms: i64) -> String {
    domain::quota::local_date(ms, domain::checkout::UTC_OFFSET_MINUTES)
}

pub fn terms_label(office: &Office, terms: Option<PaymentTerms>) -> String {
    match terms {
        None => "—".to_owned(),
        Some(PaymentTerms::Prepaid) => office.t(Phrase::TermsPrepaid).to_owned(),
        Some(PaymentTerms::CashOnDelivery) => office.t(Phrase::TermsCod).to_owned(),
        Some(PaymentTerms::Net { days }) => format!("{} {days}", office.t(Phrase::TermsNet)),
    }
}

pub fn entry_label(lang: Lang, kind: EntryKind) -> &'static str {
    crate::i18n::tr(
        lang,
        match kind {
            EntryKind::Invoice => Phrase::InvoiceEntry,
            EntryKind::Payment => Phrase::PaymentEntry,
            EntryKind::Credit => Phrase::CreditEntry,
            EntryKind::Prepaid => Phrase::Prepaid,
            EntryKind::Points => Phrase::Points,
        },
    )
}

fn method_label(lang: Lang, method: &str) -> &'static str {
    crate::i18n::tr(
        lang,
        match method {
            "bank" => Phrase::MethodBank,
            "cash" => Phrase::MethodCash,
            "wechat" => Phrase::MethodWechat,
            "alipay" => Phrase::MethodAlipay,
            _ => Phrase::MethodOther,
        },
    )
}

fn buckets(aging: &Aging) -> [Money; 5] {
    [
        aging.current,
        aging.days_1_30,
        aging.days_31_60,
        aging.days_61_90,
        aging.over_90,
    ]
}

const BUCKETS: [Phrase; 5] = [
    Phrase::NotDue,
    Phrase::Days1To30,
    Phrase::Days31To60,
    Phrase::Days61To90,
    Phrase::Over90,
];

fn aging_cells(aging: &Aging) -> impl IntoView + use<> {
    buckets(aging)
        .into_iter()
        .map(|m| view! { <td class="number">{if m.is_zero() { String::new() } else { m.to_string() }}</td> })
        .collect_view()
}

/// The aging table as CSV (shop, name, managers, the buckets, total).
fn receivables_csv(office: &Office, data: &Receivables) -> String {
    let mut lines = vec![
        [
            office.t(Phrase::ShopCol),
            office.t(Phrase::Name),
            office.t(Phrase::Managers),
        ]
        .into_iter()
        .chain(BUCKETS.iter().map(|b| office.t(*b)))
        .chain([office.t(Phrase::Total)])
        .map(quote)
        .collect::<Vec<_>>()
        .join(","),
    ];
    for row in &data.shops {
        let mut cells = vec![
            quote(&row.shop),
            quote(&row.name),
            quote(&row.managers.join(" ")),
        ];
        cells.extend(
            buckets(&row.aging)
                .iter()
                .map(|m| m.amount().round_dp(2).to_string()),
        );
        cells.push(row.total.amount().round_dp(2).to_string());
        lines.push(cells.join(","));
    }
    lines.join("\r\n") + "\r\n"
}

/// `text` as one CSV field: quoted, its quotes doubled.
pub fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Saves `text` as a file the browser downloads.
pub fn download(name: &str, text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let href = format!("data:text/csv;charset=utf-8,%EF%BB%BF{}", encode(text));
    if let Ok(link) = document.create_element("a") {
        let _ = link.set_attribute("href", &href);
        let _ = link.set_attribute("download", name);
        if let Some(body) = document.body() {
            let _ = body.append_child(&link);
            if let Some(html) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&link) {
                html.click();
            }
            let _ = body.remove_child(&link);
        }
    }
}

/// `/office/receivables`: what every shop owes by age, per shop or per account manager,
/// and the reminders to follow up.
#[component]
pub fn ReceivablesPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let data = RwSignal::new(None::<Result<Receivables, Failure>>);
    let by_manager = RwSignal::new(false);
    let reload = move || {
        spawn_local(async move {
            data.set(Some(
                office
                    .call::<Receivables>("GET", "/api/finance/receivables", None)
                    .await,
            ));
        });
    };
    reload();
    let handled = move |invoice: String| {
        spawn_local(async move {
            let url = format!("/api/finance/reminders/{}/handled", encode(&invoice));
            let _ = office.call::<()>("POST", &url, None).await;
            reload();
        });
    };
    view! {
        <section class="receivables">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::Receivables)}</h1>
                <div class="tabs">
                    <button data-testid="by-shop" class=move || if by_manager.get() { "tab" } else { "tab active" }
                        on:click=move |_| by_manager.set(false)>{move || office.t(Phrase::ByShop)}</button>
                    <button data-testid="by-manager" class=move || if by_manager.get() { "tab active" } else { "tab" }
                        on:click=move |_| by_manager.set(true)>{move || office.t(Phrase::ByManager)}</button>
                </div>
                <button data-testid="receivables-csv" on:click=move |_| {
                    if let Some(Ok(d)) = data.get_untracked() {
                        download(&format!("receivables-{}.csv", day(d.as_of_ms)), &receivables_csv(&office, &d));
                    }
                }>{move || office.t(Phrase::ExportCsv)}</button>
            </div>
            {move || match data.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(d)) => {
                    let lang = office.lang.get();
                    let head = view! {
                        {BUCKETS.into_iter().map(|b| view! { <th class="number">{office.t(b)}</th> }).collect_view()}
                        <th class="number">{office.t(Phrase::Total)}</th>
                    };
                    let total = d.total.total().ok();
                    let table = if by_manager.get() {
                        view! {
                            <table class="grid" data-testid="aging-managers">
                                <thead><tr><th>{office.t(Phrase::Managers)}</th><th class="number">{office.t(Phrase::ShopCount)}</th>{head}</tr></thead>
                                <tbody>
                                    {d.managers.iter().map(|m| view! {
                                        <tr data-testid="aging-manager">
                                            <td>{format!("{} · {}", m.name, m.manager)}</td>
                                            <td class="number">{m.shops}</td>
                                            {aging_cells(&m.aging)}
                                            <td class="number">{m.total.to_string()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    } else {
                        view! {
                            <table class="grid" data-testid="aging-shops">
                                <thead><tr><th>{office.t(Phrase::ShopCol)}</th><th>{office.t(Phrase::Managers)}</th>{head}<th class="number">{office.t(Phrase::OverdueInvoices)}</th></tr></thead>
                                <tbody>
                                    {d.shops.iter().map(|row| view! {
                                        <tr data-testid="aging-shop" data-shop=row.shop.clone()>
                                            <td><A href=format!("/office/receivables/{}", row.shop)>{format!("{} · {}", row.name, row.shop)}</A>
                                                {row.blocked.then(|| view! { <span class="badge warn" data-testid="aging-blocked">{office.t(Phrase::OrdersBlocked)}</span> })}</td>
                                            <td>{row.managers.join(", ")}</td>
                                            {aging_cells(&row.aging)}
                                            <td class="number" data-testid="aging-total">{row.total.to_string()}</td>
                                            <td class="number">{row.overdue_invoices}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                                <tfoot><tr><th>{office.t(Phrase::Total)}</th><th></th>{aging_cells(&d.total)}<th class="number">{total.map(|t| t.to_string())}</th><th></th></tr></tfoot>
                            </table>
                        }.into_any()
                    };
                    let reminders = d.reminders.clone();
                    view! {
                        <p class="meta">{format!("{} {} · {} ms", office.t(Phrase::AsOf), format_time(d.as_of_ms), d.took_ms)}</p>
                        {table}
                        <h2>{office.t(Phrase::RemindersToFollow)}</h2>
                        {if reminders.is_empty() {
                            view! { <p class="muted" data-testid="no-reminders">{office.t(Phrase::NoReminders)}</p> }.into_any()
                        } else {
                            view! {
                                <table class="grid" data-testid="reminders">
                                    <thead><tr><th>{office.t(Phrase::ShopCol)}</th><th>{office.t(Phrase::Invoice)}</th><th>{office.t(Phrase::ReminderLevel)}</th>
                                        <th class="number">{office.t(Phrase::DaysOverdue)}</th><th class="number">{office.t(Phrase::Open)}</th><th>{office.t(Phrase::When)}</th><th></th></tr></thead>
                                    <tbody>
                                        {reminders.into_iter().map(|task| {
                                            let invoice = task.reminder.invoice.clone();
                                            view! {
                                                <tr data-testid="reminder">
                                                    <td><A href=format!("/office/receivables/{}", task.shop)>{format!("{} · {}", task.name, task.shop)}</A></td>
                                                    <td><A href=format!("/office/invoices/{}", task.reminder.invoice)>{task.reminder.invoice.clone()}</A></td>
                                                    <td>{format!("{} {}", crate::i18n::tr(lang, Phrase::Level), task.reminder.level)}</td>
                                                    <td class="number">{task.reminder.days_overdue}</td>
                                                    <td class="number">{task.reminder.open.to_string()}</td>
                                                    <td>{format_time(task.reminder.sent_ms)}</td>
                                                    <td><button data-testid="reminder-handled" on:click=move |_| handled(invoice.clone())>{office.t(Phrase::FollowedUp)}</button></td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    }.into_any()
                }
            }}
        </section>
    }
}

fn invoice_rows(
    office: Office,
    invoices: Vec<InvoiceSummary>,
    chosen: RwSignal<Vec<String>>,
    now: i64,
) -> impl IntoView {
    view! {
        <table class="grid" data-testid="open-invoices">
            <thead><tr><th class="no-print"></th><th>{office.t(Phrase::Invoice)}</th><th>{office.t(Phrase::OrderNumber)}</th><th>{office.t(Phrase::Issued)}</th>
                <th>{office.t(Phrase::Due)}</th><th class="number">{office.t(Phrase::DaysOverdue)}</th><th class="number">{office.t(Phrase::Total)}</th><th class="number">{office.t(Phrase::Open)}</th></tr></thead>
            <tbody>
                {invoices.into_iter().map(|invoice| {
                    let number = invoice.number.clone();
                    let overdue = invoice.days_overdue(now);
                    let class = if overdue > 0 { "overdue" } else { "" };
                    view! {
                        <tr data-testid="open-invoice" class=class>
                            <td class="no-print"><input type="checkbox" data-testid="pay-invoice" value=number.clone()
                                prop:checked={let n = number.clone(); move || chosen.get().contains(&n)}
                                on:change={let n = number.clone(); move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| { c.retain(|x| x != &n); if on { c.push(n.clone()); } });
                                }}/></td>
                            <td><A href=format!("/office/invoices/{}", invoice.number)>{invoice.number.clone()}</A></td>
                            <td><A href=format!("/office/orders/{}", invoice.order)>{invoice.order.clone()}</A></td>
                            <td>{day(invoice.issued_ms)}</td>
                            <td>{invoice.due_ms.map_or_else(|| office.t(Phrase::DueOnDelivery).to_owned(), day)}</td>
                            <td class="number">{(overdue > 0).then_some(overdue)}</td>
                            <td class="number">{invoice.total.to_string()}</td>
                            <td class="number" data-testid="invoice-open">{invoice.open.to_string()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The form that records a payment from `shop`: the invoices ticked above are paid
/// first, then the oldest due; what is left stays on account.
#[component]
fn PaymentForm(
    shop: String,
    chosen: RwSignal<Vec<String>>,
    done: Callback<PaymentRecorded>,
) -> impl IntoView {
    let office = expect_context::<Office>();
    let amount = RwSignal::new(String::new());
    let reference = RwSignal::new(String::new());
    let method = RwSignal::new("bank".to_owned());
    let received = RwSignal::new(day(now_ms()));
    let note = RwSignal::new(String::new());
    let to_prepaid = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let body = ::api::PaymentRequest {
            shop: shop.clone(),
            amount: amount.get_untracked().trim().to_owned(),
            reference: reference.get_untracked(),
            method: method.get_untracked(),
            received_on: Some(received.get_untracked()),
            invoices: if to_prepaid.get_untracked() {
                Vec::new()
            } else {
                chosen.get_untracked()
            },
            note: note.get_untracked(),
            to_prepaid: to_prepaid.get_untracked(),
        };
        spawn_local(async move {
            let result = office
                .call::<PaymentRecorded>(
                    "POST",
                    "/api/finance/payments",
                    serde_json::to_value(&body).ok(),
                )
                .await;
            busy.set(false);
            match result {
                Ok(recorded) => {
                    amount.set(String::new());
                    reference.set(String::new());
                    note.set(String::new());
                    chosen.set(Vec::new());
                    done.run(recorded);
                }
                Err(Failure::Refused { body, .. }) if body.error == "duplicate_payment" => {
                    error.set(Some(office.t(Phrase::DuplicatePayment).to_owned()))
                }
                Err(Failure::Refused { body, .. }) if body.error == "no_account" => {
                    error.set(Some(office.t(Phrase::NoAccountForMoney).to_owned()))
                }
                Err(Failure::Refused { body, .. }) if body.error == "unknown_invoice" => {
                    error.set(Some(office.t(Phrase::InvoiceNotOpen).to_owned()))
                }
                Err(failure) => error.set(Some(office.explain(&failure))),
            }
        });
    };
    view! {
        <form class="payment no-print" data-testid="payment-form" on:submit=submit>
            <h2>{move || office.t(Phrase::RecordPayment)}</h2>
            <p class="meta">{move || {
                let c = chosen.get();
                if to_prepaid.get() {
                    office.t(Phrase::IntoPrepaid).to_owned()
                } else if c.is_empty() { office.t(Phrase::PaysOldestFirst).to_owned() } else { format!("{}：{}", office.t(Phrase::PaysFirst), c.join(", ")) }
            }}</p>
            <label>{move || office.t(Phrase::AmountYuan)}<input name="amount" inputmode="decimal" required prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/></label>
            <label>{move || office.t(Phrase::PaymentReference)}<input name="reference" required prop:value=move || reference.get() on:input=move |ev| reference.set(event_target_value(&ev))/></label>
            <label>{move || office.t(Phrase::PaymentMethod)}
                <select name="method" on:change=move |ev| method.set(event_target_value(&ev))>
                    {PAYMENT_METHODS.into_iter().map(|m| view! { <option value=m selected=move || method.get() == m>{move || method_label(office.lang.get(), m)}</option> }).collect_view()}
                </select>
            </label>
            <label>{move || office.t(Phrase::ReceivedOn)}<input name="received_on" type="date" prop:value=move || received.get() on:input=move |ev| received.set(event_target_value(&ev))/></label>
            <label>{move || office.t(Phrase::Note)}<input name="note" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/></label>
            <label class="check"><input type="checkbox" name="to_prepaid" prop:checked=move || to_prepaid.get() on:change=move |ev| to_prepaid.set(event_target_checked(&ev))/>{move || office.t(Phrase::TopUp)}</label>
            <button type="submit" data-testid="record-payment" disabled=move || busy.get()>{move || office.t(Phrase::RecordPayment)}</button>
            {move || error.get().map(|text| view! { <p class="error" role="alert" data-testid="payment-error">{text}</p> })}
        </form>
    }
}

/// `/office/receivables/:shop`: the shop's account and statement for a period.
#[component]
pub fn ShopAccountPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let shop = use_params_map()
        .get_untracked()
        .get("shop")
        .unwrap_or_default();
    let today = now_ms();
    let from = RwSignal::new(format!("{}-01", &day(today)[..7]));
    let to = RwSignal::new(day(today));
    let statement = RwSignal::new(None::<Result<Statement, Failure>>);
    let chosen = RwSignal::new(Vec::<String>::new());
    let notice = RwSignal::new(None::<String>);
    let version = RwSignal::new(0u32);
    let shop_for_load = shop.clone();
    Effect::new(move |_| {
        version.get();
        let url = format!(
            "/api/finance/shops/{}/statement?from={}&to={}",
            encode(&shop_for_load),
            encode(&from.get()),
            encode(&to.get())
        );
        spawn_local(async move {
            statement.set(Some(office.call::<Statement>("GET", &url, None).await));
        });
    });
    let done = Callback::new(move |recorded: PaymentRecorded| {
        let paid: Vec<String> = recorded
            .allocations
            .iter()
            .map(|(n, m)| format!("{n} {m}"))
            .collect();
        notice.set(Some(format!(
            "{} {} · {} {}",
            office.t(Phrase::PaymentRecorded),
            paid.join(", "),
            office.t(Phrase::OwesNow),
            recorded.receivable
        )));
        version.update(|v| *v += 1);
    });
    view! {
        <section class="account">
            <div class="toolbar no-print">
                <A href="/office/receivables">{move || office.t(Phrase::Receivables)}</A>
                {crate::reports::period_inputs(office, "statement", from, to)}
                <button on:click=print_page data-testid="print-statement">{move || office.t(Phrase::Print)}</button>
            </div>
            {move || notice.get().map(|text| view! { <p class="saved" role="status" data-testid="payment-notice">{text}</p> })}
            {move || match statement.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(s)) => {
                    let lang = office.lang.get();
                    let now = s.as_of_ms;
                    view! {
                        <h1>{format!("{} · {}", office.t(Phrase::Statement), s.name)}</h1>
                        <p class="meta">{format!("{} · {} {} — {} · {} {}", s.shop, office.t(Phrase::Period), s.from, s.to, office.t(Phrase::AsOf), format_time(s.as_of_ms))}</p>
                        <dl class="facts">
                            <dt>{office.t(Phrase::PaymentTerms)}</dt><dd>{terms_label(&office, s.terms)}</dd>
                            <dt>{office.t(Phrase::CreditLimit)}</dt><dd>{s.credit_limit.map_or_else(|| "—".to_owned(), |m| m.to_string())}</dd>
                            <dt>{office.t(Phrase::OwesNow)}</dt><dd data-testid="account-receivable">{s.receivable.to_string()}</dd>
                            <dt>{office.t(Phrase::OnAccount)}</dt><dd data-testid="account-on-account">{s.on_account.to_string()}</dd>
                            <dt>{office.t(Phrase::Unbilled)}</dt><dd>{s.unbilled.to_string()}</dd>
                            <dt>{office.t(Phrase::Prepaid)}</dt><dd>{s.prepaid.to_string()}</dd>
                            <dt>{office.t(Phrase::Points)}</dt><dd>{s.points}</dd>
                        </dl>
                        <table class="grid aging"><thead><tr>{BUCKETS.into_iter().map(|b| view! { <th class="number">{office.t(b)}</th> }).collect_view()}</tr></thead>
                            <tbody><tr>{aging_cells(&s.aging)}</tr></tbody></table>
                        <h2>{office.t(Phrase::OpenInvoices)}</h2>
                        {if s.open_invoices.is_empty() {
                            view! { <p class="muted" data-testid="no-open-invoices">{office.t(Phrase::NoOpenInvoices)}</p> }.into_any()
                        } else {
                            invoice_rows(office, s.open_invoices.clone(), chosen, now).into_any()
                        }}
                        {office.may("finance").then(|| view! { <PaymentForm shop=s.shop.clone() chosen done/> })}
                        <h2>{office.t(Phrase::Entries)}</h2>
                        <table class="grid" data-testid="statement-entries">
                            <thead><tr><th>{office.t(Phrase::When)}</th><th>{office.t(Phrase::EntryKind)}</th><th>{office.t(Phrase::Document)}</th>
                                <th>{office.t(Phrase::Reason)}</th><th class="number">{office.t(Phrase::Amount)}</th><th class="number">{office.t(Phrase::Balance)}</th></tr></thead>
                            <tbody>
                                <tr class="opening"><td>{s.from.clone()}</td><td colspan="4">{office.t(Phrase::OpeningBalance)}</td><td class="number" data-testid="statement-opening">{s.opening.to_string()}</td></tr>
                                {s.entries.iter().map(|e| view! {
                                    <tr data-testid="statement-entry">
                                        <td>{format_time(e.at_ms)}</td>
                                        <td>{entry_label(lang, e.kind)}</td>
                                        <td>{e.document.clone()}</td>
                                        <td>{e.reason.clone()}</td>
                                        <td class="number">{if e.kind == EntryKind::Points { e.amount.amount().to_string() } else { e.amount.to_string() }}</td>
                                        <td class="number">{if e.kind == EntryKind::Points { e.balance.amount().to_string() } else { e.balance.to_string() }}</td>
                                    </tr>
                                }).collect_view()}
                                <tr class="closing"><td>{s.to.clone()}</td><td colspan="4">{office.t(Phrase::ClosingBalance)}</td><td class="number" data-testid="statement-closing">{s.closing.to_string()}</td></tr>
                            </tbody>
                        </table>
                        <p class="meta">{format!("{} {} → {}", office.t(Phrase::Prepaid), s.prepaid_opening, s.prepaid_closing)}</p>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// `/office/invoices/:number`: one invoice, printable.
#[component]
pub fn InvoicePage() -> impl IntoView {
    let office = expect_context::<Office>();
    let number = use_params_map()
        .get_untracked()
        .get("number")
        .unwrap_or_default();
    let detail = RwSignal::new(None::<Result<InvoiceDetail, Failure>>);
    let url = format!("/api/finance/invoices/{}", encode(&number));
    spawn_local(async move {
        detail.set(Some(office.call::<InvoiceDetail>("GET", &url, None).await));
    });
    view! {
        <section class="invoice">
            {move || match detail.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(d)) => {
                    let lang = office.lang.get();
                    let i = d.invoice.clone();
                    view! {
                        <div class="toolbar no-print">
                            <A href=format!("/office/receivables/{}", d.shop)>{office.t(Phrase::Statement)}</A>
                            <button on:click=print_page>{office.t(Phrase::Print)}</button>
                        </div>
                        <h1 data-testid="invoice-number">{format!("{} {}", office.t(Phrase::Invoice), i.number)}</h1>
                        <dl class="facts">
                            <dt>{office.t(Phrase::ShopCol)}</dt><dd>{format!("{} · {}", d.name, d.shop)}</dd>
                            <dt>{office.t(Phrase::OrderNumber)}</dt><dd><A href=format!("/office/orders/{}", i.order)>{i.order.clone()}</A></dd>
                            <dt>{office.t(Phrase::Shipment)}</dt><dd>{i.shipment.clone()}</dd>
                            <dt>{office.t(Phrase::Issued)}</dt><dd>{day(i.issued_ms)}</dd>
                            <dt>{office.t(Phrase::Due)}</dt><dd>{i.due_ms.map_or_else(|| office.t(Phrase::DueOnDelivery).to_owned(), day)}</dd>
                            <dt>{office.t(Phrase::PaymentTerms)}</dt><dd>{terms_label(&office, Some(i.terms))}</dd>
                        </dl>
                        <table class="grid">
                            <thead><tr><th>{office.t(Phrase::Sku)}</th><th>{office.t(Phrase::Name)}</th><th class="number">{office.t(Phrase::Units)}</th>
                                <th class="number">{office.t(Phrase::Net)}</th><th class="number">{office.t(Phrase::Tax)}</th></tr></thead>
                            <tbody>
                                {i.lines.iter().map(|l| view! {
                                    <tr data-testid="invoice-line"><td>{l.sku.to_string()}</td><td>{lang.pick(&l.name)}</td><td class="number">{l.quantity}</td>
                                        <td class="number">{l.net.to_string()}</td><td class="number">{l.tax.to_string()}</td></tr>
                                }).collect_view()}
                            </tbody>
                            <tfoot>
                                <tr><th colspan="3">{office.t(Phrase::Shipping)}</th><td class="number">{i.shipping.to_string()}</td><td></td></tr>
                                <tr><th colspan="4">{office.t(Phrase::Tax)}</th><td class="number">{i.tax.to_string()}</td></tr>
                                <tr><th colspan="4">{office.t(Phrase::Total)}</th><td class="number" data-testid="invoice-total">{i.total.to_string()}</td></tr>
                                <tr><th colspan="4">{office.t(Phrase::Open)}</th><td class="number" data-testid="invoice-open-amount">{d.open.to_string()}</td></tr>
                            </tfoot>
                        </table>
                    }.into_any()
                }
            }}
        </section>
    }
}
