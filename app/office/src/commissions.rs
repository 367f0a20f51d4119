//! Commissions (分销) in the back office: the rules (admins set the share and the return
//! window), every shop that brought others in with what is pending and paid (per period,
//! CSV), and on a customer's page its invite code, who brought it in (admins correct it)
//! and the shops it brought in.

use ::api::{Commissions, Referral, ReferralRulesBody};
use domain::commission::ReferralRules;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use rust_decimal::Decimal;

use crate::Office;
use crate::api::{Failure, encode};
use crate::finance::{day, download, quote};
use crate::i18n::Phrase;

/// What a refusal means, in the user's words.
fn explain(office: &Office, failure: &Failure) -> String {
    if let Failure::Refused { body, .. } = failure {
        let phrase = match body.error.as_str() {
            "invite_loop" => Some(Phrase::InviteLoop),
            "invalid_referral_rules" => Some(Phrase::RulesOutOfRange),
            "unknown_shop" => Some(Phrase::UnknownShop),
            _ => None,
        };
        if let Some(phrase) = phrase {
            return office.t(phrase).to_owned();
        }
    }
    office.explain(failure)
}

fn csv(office: &Office, data: &Commissions) -> String {
    let mut lines = vec![
        [
            Phrase::ShopCol,
            Phrase::Name,
            Phrase::Invitees,
            Phrase::GoodsShipped,
            Phrase::CommissionPending,
            Phrase::CommissionPaid,
            Phrase::PaidInPeriod,
        ]
        .into_iter()
        .map(|p| quote(office.t(p)))
        .collect::<Vec<_>>()
        .join(","),
    ];
    for row in &data.inviters {
        lines.push(
            [
                quote(&row.shop),
                quote(&row.name),
                row.invitees.to_string(),
                row.goods.amount().round_dp(2).to_string(),
                row.pending.amount().round_dp(2).to_string(),
                row.paid.amount().round_dp(2).to_string(),
                row.paid_in_period.amount().round_dp(2).to_string(),
            ]
            .join(","),
        );
    }
    lines.join("\r\n") + "\r\n"
}

/// The rules, and for admins a form to change them.
#[component]
fn RulesForm(rules: Option<ReferralRules>, saved: RwSignal<u32>) -> impl IntoView {
    let office = expect_context::<Office>();
    let percent = RwSignal::new(
        rules
            .map(|r| r.percent.normalize().to_string())
            .unwrap_or_default(),
    );
    let window = RwSignal::new(rules.map_or_else(|| "7".to_owned(), |r| r.window_days.to_string()));
    let problem = RwSignal::new(None::<String>);
    let save = move |rules: Option<ReferralRules>| {
        spawn_local(async move {
            let body = serde_json::to_value(ReferralRulesBody { rules }).unwrap_or_default();
            match office
                .call::<ReferralRulesBody>("PUT", "/api/admin/referral-rules", Some(body))
                .await
            {
                Ok(_) => {
                    problem.set(None);
                    saved.update(|n| *n += 1);
                }
                Err(failure) => problem.set(Some(explain(&office, &failure))),
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed = percent.get_untracked().trim().parse::<Decimal>();
        let days = window.get_untracked().trim().parse::<u32>();
        match (parsed, days) {
            (Ok(percent), Ok(window_days)) => save(Some(ReferralRules {
                percent,
                window_days,
            })),
            _ => problem.set(Some(office.t(Phrase::RulesOutOfRange).to_owned())),
        }
    };
    let summary = match rules {
        Some(r) => format!(
            "{} {}% · {} {}",
            office.t(Phrase::SharePercent),
            r.percent.normalize(),
            office.t(Phrase::WindowDays),
            r.window_days
        ),
        None => office.t(Phrase::CommissionsOff).to_owned(),
    };
    view! {
        <p class="meta" data-testid="commission-rules">{summary}</p>
        <Show when=move || office.is_admin()>
            <form class="inline-form" on:submit=submit>
                <label>{office.t(Phrase::SharePercent)}
                    <input data-testid="rules-percent" inputmode="decimal" prop:value=move || percent.get() on:input=move |ev| percent.set(event_target_value(&ev))/></label>
                <label>{office.t(Phrase::WindowDays)}
                    <input data-testid="rules-window" inputmode="numeric" prop:value=move || window.get() on:input=move |ev| window.set(event_target_value(&ev))/></label>
                <button type="submit" data-testid="save-rules">{office.t(Phrase::Save)}</button>
                <button type="button" data-testid="rules-off" on:click=move |_| save(None)>{office.t(Phrase::TurnOff)}</button>
            </form>
        </Show>
        {move || problem.get().map(|text| view! { <p class="error" role="alert" data-testid="rules-problem">{text}</p> })}
    }
}

/// `/office/commissions`.
#[component]
pub fn CommissionsPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let today = js_sys::Date::now() as i64;
    let from = RwSignal::new(format!("{}-01", &day(today)[..7]));
    let to = RwSignal::new(day(today));
    let saved = RwSignal::new(0u32);
    let data = RwSignal::new(None::<Result<Commissions, Failure>>);
    Effect::new(move |_| {
        saved.track();
        let url = format!(
            "/api/finance/commissions?from={}&to={}",
            encode(&from.get()),
            encode(&to.get())
        );
        spawn_local(async move {
            data.set(Some(office.call::<Commissions>("GET", &url, None).await));
        });
    });
    view! {
        <section class="commissions">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::Commissions)}</h1>
                {crate::reports::period_inputs(office, "commissions", from, to)}
                <button data-testid="commissions-csv" on:click=move |_| {
                    if let Some(Ok(d)) = data.get_untracked() {
                        download(&format!("commissions-{}-{}.csv", d.from, d.to), &csv(&office, &d));
                    }
                }>{move || office.t(Phrase::ExportCsv)}</button>
            </div>
            {move || match data.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{explain(&office, &failure)}</p> }.into_any(),
                Some(Ok(d)) => view! {
                    <RulesForm rules=d.rules saved/>
                    {if d.inviters.is_empty() {
                        view! { <p class="muted" data-testid="no-inviters">{office.t(Phrase::NoInviters)}</p> }.into_any()
                    } else {
                        view! {
                            <table class="grid" data-testid="inviters">
                                <thead><tr>
                                    <th>{office.t(Phrase::ShopCol)}</th>
                                    <th class="number">{office.t(Phrase::Invitees)}</th>
                                    <th class="number">{office.t(Phrase::GoodsShipped)}</th>
                                    <th class="number">{office.t(Phrase::CommissionPending)}</th>
                                    <th class="number">{office.t(Phrase::CommissionPaid)}</th>
                                    <th class="number">{office.t(Phrase::PaidInPeriod)}</th>
                                </tr></thead>
                                <tbody>
                                    {d.inviters.iter().map(|row| view! {
                                        <tr data-testid="inviter" data-shop=row.shop.clone()>
                                            <td><A href=format!("/office/customers/{}", row.shop)>{format!("{} · {}", row.name, row.shop)}</A></td>
                                            <td class="number">{row.invitees}</td>
                                            <td class="number">{row.goods.to_string()}</td>
                                            <td class="number" data-testid="inviter-pending">{row.pending.to_string()}</td>
                                            <td class="number" data-testid="inviter-paid">{row.paid.to_string()}</td>
                                            <td class="number">{row.paid_in_period.to_string()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                                <tfoot><tr>
                                    <th>{office.t(Phrase::Total)}</th><th></th><th></th>
                                    <th class="number">{d.pending.to_string()}</th><th></th>
                                    <th class="number">{d.paid_in_period.to_string()}</th>
                                </tr></tfoot>
                            </table>
                        }.into_any()
                    }}
                }.into_any(),
            }}
        </section>
    }
}

/// On a customer's page: its invite code, who brought it in (admins correct it), the
/// shops it brought in and what they earned it.
#[component]
pub fn ReferralPanel(shop: String) -> impl IntoView {
    let office = expect_context::<Office>();
    let data = RwSignal::new(None::<Result<Referral, Failure>>);
    let inviter = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let url = format!("/api/shop/referral?shop={}", encode(&shop));
    spawn_local(async move {
        let answer = office.call::<Referral>("GET", &url, None).await;
        if let Ok(r) = &answer {
            inviter.set(
                r.inviter
                    .as_ref()
                    .map(|i| i.shop.clone())
                    .unwrap_or_default(),
            );
        }
        data.set(Some(answer));
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let shop = shop.clone();
        spawn_local(async move {
            let typed = inviter.get_untracked().trim().to_owned();
            let body =
                serde_json::json!({ "inviter": if typed.is_empty() { None } else { Some(typed) } });
            let url = format!("/api/admin/shops/{}/inviter", encode(&shop));
            match office.call::<Referral>("PUT", &url, Some(body)).await {
                Ok(r) => {
                    problem.set(None);
                    data.set(Some(Ok(r)));
                }
                Err(failure) => problem.set(Some(explain(&office, &failure))),
            }
        });
    };
    view! {
        <h2>{move || office.t(Phrase::Commissions)}</h2>
        {move || match data.get() {
            None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
            Some(Err(failure)) => view! { <p class="error">{explain(&office, &failure)}</p> }.into_any(),
            Some(Ok(r)) => view! {
                <dl class="facts" data-testid="referral">
                    <dt>{office.t(Phrase::InviteCode)}</dt><dd data-testid="referral-code">{r.code.clone()}</dd>
                    <dt>{office.t(Phrase::Inviter)}</dt>
                    <dd data-testid="referral-inviter">{r.inviter.as_ref().map_or_else(|| "—".to_owned(), |i| format!("{} · {} · {}", i.name, i.shop, day(i.since_ms)))}</dd>
                    <dt>{office.t(Phrase::Invitees)}</dt>
                    <dd>{if r.invitees.is_empty() { "—".to_owned() } else {
                        r.invitees.iter().map(|i| format!("{} ({} / {})", i.name, i.pending, i.paid)).collect::<Vec<_>>().join("，")
                    }}</dd>
                    <dt>{office.t(Phrase::CommissionPending)}</dt><dd>{r.pending.to_string()}</dd>
                    <dt>{office.t(Phrase::CommissionPaid)}</dt><dd>{r.paid.to_string()}</dd>
                </dl>
            }.into_any(),
        }}
        <Show when=move || office.is_admin()>
            <form class="inline-form" on:submit=save.clone()>
                <label>{office.t(Phrase::SetInviter)}
                    <input data-testid="set-inviter" placeholder="shop-…" prop:value=move || inviter.get() on:input=move |ev| inviter.set(event_target_value(&ev))/></label>
                <button type="submit" data-testid="save-inviter">{office.t(Phrase::Save)}</button>
            </form>
        </Show>
        {move || problem.get().map(|text| view! { <p class="error" role="alert" data-testid="inviter-problem">{text}</p> })}
    }
}
