//! Changing customers: a new shop with its owner's sign-in; a shop's settings (name, tier,
//! managers, region, payment terms and credit, quotas, ordering days, active or not) as
//! one edit; and entries that move its prepaid balance or points, each with a reason.

use api::{
    AccountEntry, AccountSettings, CustomerEdit, CustomerOptions, CustomerRow, EntryKind,
    NewCustomer, NewEntry,
};
use domain::credit::PaymentTerms;
use domain::quota::{OrderingWindow, Period, Quota};
use domain::sku::Sku;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::i18n::Phrase;
use crate::{Office, text_input};

/// The weekdays of an ordering window, Monday (0) first.
pub const WEEKDAYS: [Phrase; 7] = [
    Phrase::Mon,
    Phrase::Tue,
    Phrase::Wed,
    Phrase::Thu,
    Phrase::Fri,
    Phrase::Sat,
    Phrase::Sun,
];

/// Tiers and account managers to choose from, loaded once per form.
pub fn load_options(office: Office) -> RwSignal<CustomerOptions> {
    let options = RwSignal::new(CustomerOptions::default());
    spawn_local(async move {
        if let Ok(loaded) = office
            .call::<CustomerOptions>("GET", "/api/admin/customer-options", None)
            .await
        {
            options.set(loaded);
        }
    });
    options
}

#[component]
fn TierSelect(tier: RwSignal<String>, options: RwSignal<CustomerOptions>) -> impl IntoView {
    let office = expect_context::<Office>();
    view! {
        <label>{move || office.t(Phrase::Tier)}
            <select name="tier" on:change=move |ev| tier.set(event_target_value(&ev))>
                <option value="" selected=move || tier.get().is_empty()>"—"</option>
                {move || options.get().tiers.into_iter().map(|t| {
                    let chosen = t.clone();
                    view! { <option value=t.clone() selected=move || tier.get() == chosen>{t.clone()}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

/// A checkbox per tier (`name` for tests and forms), bound to the tiers chosen.
#[component]
pub fn TierChecks(
    chosen: RwSignal<Vec<String>>,
    options: RwSignal<CustomerOptions>,
    name: &'static str,
    legend: Phrase,
) -> impl IntoView {
    let office = expect_context::<Office>();
    view! {
        <fieldset class="checks">
            <legend>{move || office.t(legend)}</legend>
            {move || options.get().tiers.into_iter().map(|tier| {
                let (has, toggle) = (tier.clone(), tier.clone());
                view! {
                    <label class="check"><input type="checkbox" name=name value=tier.clone()
                        prop:checked=move || chosen.get().contains(&has)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|list| { list.retain(|t| *t != toggle); if on { list.push(toggle.clone()); } });
                        }/>{tier.clone()}</label>
                }
            }).collect_view()}
        </fieldset>
    }
}

#[component]
fn ManagerChecks(
    managers: RwSignal<Vec<String>>,
    options: RwSignal<CustomerOptions>,
) -> impl IntoView {
    let office = expect_context::<Office>();
    view! {
        <fieldset class="checks" data-testid="managers">
            <legend>{move || office.t(Phrase::Managers)}</legend>
            {move || options.get().managers.into_iter().map(|(username, display)| {
                let (has, toggle) = (username.clone(), username.clone());
                view! {
                    <label class="check">
                        <input type="checkbox" name="manager" value=username.clone()
                            prop:checked=move || managers.get().contains(&has)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                managers.update(|list| {
                                    list.retain(|m| *m != toggle);
                                    if on { list.push(toggle.clone()); }
                                });
                            }/>
                        {format!("{display} ({username})")}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

fn message_view(message: RwSignal<Option<(bool, String)>>) -> impl IntoView {
    move || {
        message.get().map(|(ok, text)| {
            view! { <p class=if ok { "saved" } else { "error" } role="alert" data-testid="form-message">{text}</p> }
        })
    }
}

/// `/office/customers/new`: a shop and its owner's sign-in.
#[component]
pub fn NewCustomerPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let navigate = use_navigate();
    let options = load_options(office);
    let id = RwSignal::new("shop-".to_owned());
    let name = RwSignal::new(String::new());
    let tier = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let managers = RwSignal::new(Vec::<String>::new());
    let owner = RwSignal::new(String::new());
    let owner_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewCustomer {
            id: id.get_untracked().trim().to_owned(),
            name: name.get_untracked(),
            tier: tier.get_untracked(),
            region: region.get_untracked(),
            managers: managers.get_untracked(),
            owner_username: owner.get_untracked().trim().to_owned(),
            owner_display_name: owner_name.get_untracked(),
            owner_password: password.get_untracked(),
        };
        if new.tier.is_empty() {
            message.set(Some((false, office.field_problem("tier", "required"))));
            return;
        }
        let Ok(body) = serde_json::to_value(&new) else {
            return;
        };
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = office
                .call::<CustomerRow>("POST", "/api/admin/shops", Some(body))
                .await;
            busy.set(false);
            match result {
                Ok(created) => navigate(
                    &format!("/office/customers/{}", created.id),
                    Default::default(),
                ),
                Err(failure) => message.set(Some((false, office.explain(&failure)))),
            }
        });
    };
    view! {
        <section class="customer-form">
            <div class="toolbar">
                <A href="/office/customers">{move || office.t(Phrase::Back)}</A>
                <h1>{move || office.t(Phrase::NewCustomer)}</h1>
            </div>
            <form on:submit=save>
                <div class="row">
                    <label>{move || office.t(Phrase::Id)} {text_input(id, "id")}</label>
                    <label>{move || office.t(Phrase::Name)} {text_input(name, "name")}</label>
                    <TierSelect tier options/>
                    <label>{move || office.t(Phrase::Region)} {text_input(region, "region")}</label>
                </div>
                <ManagerChecks managers options/>
                <h2>{move || office.t(Phrase::OwnerSignIn)}</h2>
                <div class="row">
                    <label>{move || office.t(Phrase::Username)} {text_input(owner, "owner_username")}</label>
                    <label>{move || office.t(Phrase::DisplayName)} {text_input(owner_name, "owner_display_name")}</label>
                    <label>{move || office.t(Phrase::InitialPassword)}
                        <input name="owner_password" type="password" autocomplete="new-password" prop:value=move || password.get()
                            on:input=move |ev| password.set(event_target_value(&ev))/>
                    </label>
                </div>
                {message_view(message)}
                <button type="submit" data-testid="save" disabled=move || busy.get()>{move || office.t(Phrase::Create)}</button>
            </form>
        </section>
    }
}

/// A shop's payment terms as the form edits them: kind and net days.
fn terms_kind(terms: PaymentTerms) -> (&'static str, String) {
    match terms {
        PaymentTerms::Prepaid => ("prepaid", String::new()),
        PaymentTerms::CashOnDelivery => ("cod", String::new()),
        PaymentTerms::Net { days } => ("net", days.to_string()),
    }
}

fn minutes_text(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn parse_minutes(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// A shop's settings, edited as one whole (the server keeps its balances).
#[component]
pub fn CustomerEditor(
    customer: CustomerRow,
    saved: RwSignal<u32>,
    editing: RwSignal<bool>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let office = expect_context::<Office>();
    let options = load_options(office);
    let profile = customer.profile.clone();
    let account = profile.account.clone();
    let name = RwSignal::new(customer.name.clone());
    let tier = RwSignal::new(customer.tier.clone());
    let active = RwSignal::new(customer.active);
    let region = RwSignal::new(profile.region.clone());
    let managers = RwSignal::new(customer.managers.clone());
    let has_account = RwSignal::new(account.is_some());
    let (kind, days) = terms_kind(
        account
            .as_ref()
            .map_or(PaymentTerms::CashOnDelivery, |a| a.terms),
    );
    let terms = RwSignal::new(kind.to_owned());
    let net_days = RwSignal::new(days);
    let credit_limit = RwSignal::new(
        account
            .as_ref()
            .and_then(|a| a.credit_limit)
            .map(|m| m.amount().to_string())
            .unwrap_or_default(),
    );
    let grace_days = RwSignal::new(account.as_ref().map_or(0, |a| a.grace_days).to_string());
    let suspended = RwSignal::new(account.as_ref().and_then(|a| a.suspended.clone()));
    let quotas = RwSignal::new(
        profile
            .quotas
            .iter()
            .map(|q| {
                (
                    q.sku.to_string(),
                    q.max_quantity.to_string(),
                    period_code(q.period).to_owned(),
                )
            })
            .collect::<Vec<_>>(),
    );
    let weekdays = RwSignal::new(
        profile
            .window
            .as_ref()
            .map(|w| w.weekdays.clone())
            .unwrap_or_default(),
    );
    let cutoff = RwSignal::new(
        profile
            .window
            .as_ref()
            .and_then(|w| w.cutoff_minute)
            .map(minutes_text)
            .unwrap_or_default(),
    );
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let id = customer.id.clone();

    let build = move || -> Result<CustomerEdit, String> {
        let whole = |text: String, field: &str| {
            text.trim()
                .parse::<u32>()
                .map_err(|_| office.field_problem(field, "not_a_number"))
        };
        let account = if has_account.get_untracked() {
            let terms = match terms.get_untracked().as_str() {
                "prepaid" => PaymentTerms::Prepaid,
                "net" => PaymentTerms::Net {
                    days: whole(net_days.get_untracked(), "account.terms")?,
                },
                _ => PaymentTerms::CashOnDelivery,
            };
            let limit = credit_limit.get_untracked().trim().to_owned();
            Some(AccountSettings {
                terms,
                credit_limit: (!limit.is_empty()).then_some(limit),
                grace_days: whole(grace_days.get_untracked(), "account.grace_days")?,
                suspended: suspended.get_untracked(),
            })
        } else {
            None
        };
        let quotas = quotas
            .get_untracked()
            .into_iter()
            .map(|(sku, max, period)| {
                Ok(Quota {
                    sku: Sku::parse(sku.trim())
                        .map_err(|_| office.field_problem("quotas.sku", "unknown"))?,
                    max_quantity: whole(max, "quotas.max_quantity")?,
                    period: match period.as_str() {
                        "day" => Period::Day,
                        "month" => Period::Month,
                        _ => Period::Week,
                    },
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut days = weekdays.get_untracked();
        days.sort_unstable();
        let cutoff_text = cutoff.get_untracked();
        let cutoff_minute = if cutoff_text.trim().is_empty() {
            None
        } else {
            Some(
                parse_minutes(&cutoff_text)
                    .ok_or_else(|| office.field_problem("window.cutoff_minute", "invalid"))?,
            )
        };
        let window = (!days.is_empty() || cutoff_minute.is_some()).then(|| OrderingWindow {
            weekdays: if days.is_empty() {
                (0..7).collect()
            } else {
                days
            },
            cutoff_minute,
        });
        Ok(CustomerEdit {
            name: name.get_untracked(),
            tier: tier.get_untracked(),
            active: active.get_untracked(),
            region: region.get_untracked(),
            managers: managers.get_untracked(),
            account,
            quotas,
            window,
        })
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = match build().map(|edit| serde_json::to_value(&edit)) {
            Ok(Ok(body)) => body,
            Ok(Err(_)) => return,
            Err(problem) => {
                message.set(Some((false, problem)));
                return;
            }
        };
        busy.set(true);
        let url = format!("/api/admin/shops/{}", crate::api::encode(&id));
        spawn_local(async move {
            let result = office.call::<CustomerRow>("PUT", &url, Some(body)).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    // The page reads the account back, with the form closed.
                    notice.set(Some(office.t(Phrase::Saved).to_owned()));
                    editing.set(false);
                    saved.update(|n| *n += 1);
                }
                Err(failure) => message.set(Some((false, office.explain(&failure)))),
            }
        });
    };
    view! {
        <form class="customer-edit" data-testid="customer-edit" on:submit=save>
            <div class="row">
                <label>{move || office.t(Phrase::Name)} {text_input(name, "name")}</label>
                <TierSelect tier options/>
                <label>{move || office.t(Phrase::Region)} {text_input(region, "region")}</label>
                <label class="check"><input type="checkbox" name="active" prop:checked=move || active.get()
                    on:change=move |ev| active.set(event_target_checked(&ev))/>{move || office.t(Phrase::MayOrder)}</label>
            </div>
            <ManagerChecks managers options/>
            <h2>{move || office.t(Phrase::Account)}</h2>
            <label class="check"><input type="checkbox" name="has_account" prop:checked=move || has_account.get()
                on:change=move |ev| has_account.set(event_target_checked(&ev))/>{move || office.t(Phrase::HasAccount)}</label>
            <Show when=move || has_account.get()>
                <div class="row">
                    <label>{move || office.t(Phrase::PaymentTerms)}
                        <select name="terms" on:change=move |ev| terms.set(event_target_value(&ev))>
                            <option value="prepaid" selected=move || terms.get() == "prepaid">{move || office.t(Phrase::TermsPrepaid)}</option>
                            <option value="cod" selected=move || terms.get() == "cod">{move || office.t(Phrase::TermsCod)}</option>
                            <option value="net" selected=move || terms.get() == "net">{move || office.t(Phrase::TermsNet)}</option>
                        </select>
                    </label>
                    <Show when=move || terms.get() == "net">
                        <label>{move || office.t(Phrase::NetDays)} {text_input(net_days, "net_days")}</label>
                    </Show>
                    <label>{move || office.t(Phrase::CreditLimitYuan)} {text_input(credit_limit, "credit_limit")}</label>
                    <label>{move || office.t(Phrase::GraceDays)} {text_input(grace_days, "grace_days")}</label>
                </div>
                <div class="row">
                    <label class="check"><input type="checkbox" name="suspended" prop:checked=move || suspended.get().is_some()
                        on:change=move |ev| suspended.set(event_target_checked(&ev).then(String::new))/>{move || office.t(Phrase::SuspendOrdering)}</label>
                    <Show when=move || suspended.get().is_some()>
                        <label>{move || office.t(Phrase::ReasonShown)}
                            <input name="suspended_reason" prop:value=move || suspended.get().unwrap_or_default()
                                on:input=move |ev| suspended.set(Some(event_target_value(&ev)))/>
                        </label>
                    </Show>
                </div>
            </Show>
            <h2>{move || office.t(Phrase::Quotas)}</h2>
            <table class="grid quotas">
                <thead><tr><th>{move || office.t(Phrase::Sku)}</th><th>{move || office.t(Phrase::MaxQuantityShort)}</th><th>{move || office.t(Phrase::Period)}</th><th></th></tr></thead>
                <tbody>
                    {move || (0..quotas.get().len()).map(|i| {
                        let (sku, max, period) = quotas.get_untracked()[i].clone();
                        let set = move |part: u8, value: String| quotas.update(|q| if let Some(row) = q.get_mut(i) {
                            match part { 0 => row.0 = value, 1 => row.1 = value, _ => row.2 = value }
                        });
                        view! {
                            <tr data-testid="quota">
                                <td><input name="quota-sku" prop:value=sku on:change=move |ev| set(0, event_target_value(&ev))/></td>
                                <td><input name="quota-max" prop:value=max on:change=move |ev| set(1, event_target_value(&ev))/></td>
                                <td><select name="quota-period" on:change=move |ev| set(2, event_target_value(&ev))>
                                    {[("day", Phrase::PerDay), ("week", Phrase::PerWeek), ("month", Phrase::PerMonth)].into_iter().map(|(code, phrase)| view! {
                                        <option value=code selected=period == code>{office.t(phrase)}</option>
                                    }).collect_view()}
                                </select></td>
                                <td><button type="button" class="link" on:click=move |_| quotas.update(|q| { if i < q.len() { q.remove(i); } })>{office.t(Phrase::Remove)}</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <button type="button" data-testid="add-quota" on:click=move |_| quotas.update(|q| q.push((String::new(), String::new(), "week".to_owned())))>{move || office.t(Phrase::AddQuota)}</button>
            <h2>{move || office.t(Phrase::OrderingDays)}</h2>
            <div class="row">
                {WEEKDAYS.into_iter().enumerate().map(|(day, phrase)| {
                    let day = day as u32;
                    view! {
                        <label class="check"><input type="checkbox" name="weekday" prop:checked=move || weekdays.get().contains(&day)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                weekdays.update(|days| { days.retain(|d| *d != day); if on { days.push(day); } });
                            }/>{move || office.t(phrase)}</label>
                    }
                }).collect_view()}
                <label>{move || office.t(Phrase::Cutoff)} {text_input(cutoff, "cutoff")}</label>
            </div>
            <p class="meta">{move || office.t(Phrase::NoDaysMeansEveryDay)}</p>
            {message_view(message)}
            <button type="submit" data-testid="save-customer" disabled=move || busy.get()>{move || office.t(Phrase::Save)}</button>
        </form>
    }
}

fn period_code(period: Period) -> &'static str {
    match period {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
    }
}

/// A prepaid top-up or correction, or a points adjustment, with its reason.
#[component]
pub fn EntryForm(shop: String, saved: RwSignal<u32>) -> impl IntoView {
    let office = expect_context::<Office>();
    let kind = RwSignal::new("prepaid".to_owned());
    let amount = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let entry = NewEntry {
            kind: if kind.get_untracked() == "points" {
                EntryKind::Points
            } else {
                EntryKind::Prepaid
            },
            amount: amount.get_untracked(),
            reason: reason.get_untracked(),
        };
        let Ok(body) = serde_json::to_value(&entry) else {
            return;
        };
        busy.set(true);
        let url = format!("/api/admin/shops/{}/entries", crate::api::encode(&shop));
        spawn_local(async move {
            let result = office.call::<AccountEntry>("POST", &url, Some(body)).await;
            busy.set(false);
            match result {
                Ok(entry) => {
                    message.set(Some((
                        true,
                        format!("{} {}", office.t(Phrase::BalanceNow), entry.balance),
                    )));
                    amount.set(String::new());
                    reason.set(String::new());
                    saved.update(|n| *n += 1);
                }
                Err(failure) => message.set(Some((false, office.explain(&failure)))),
            }
        });
    };
    view! {
        <form class="entry-form" data-testid="entry-form" on:submit=save>
            <div class="row">
                <label>{move || office.t(Phrase::EntryKind)}
                    <select name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="prepaid">{move || office.t(Phrase::Prepaid)}</option>
                        <option value="points">{move || office.t(Phrase::Points)}</option>
                    </select>
                </label>
                <label>{move || office.t(Phrase::AmountSigned)} {text_input(amount, "amount")}</label>
                <label class="wide">{move || office.t(Phrase::Reason)} {text_input(reason, "reason")}</label>
                <button type="submit" data-testid="add-entry" disabled=move || busy.get()>{move || office.t(Phrase::AddEntry)}</button>
            </div>
            {message_view(message)}
        </form>
    }
}
