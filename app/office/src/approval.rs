//! What protects a shop from surprises (issue 13, point 9): how long prices a phone
//! received hold, and when an order waits for its shop's OK (the tolerance, a share and an
//! amount, and the time to answer), said on the orders page; an admin changes them or
//! turns them off.

use ::api::finance::ApprovalRulesBody;
use domain::checkout::ApprovalRules;
use domain::money::Money;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rust_decimal::Decimal;

use crate::Office;
use crate::i18n::Phrase;

/// The rules in words (a line for everyone) and, for admins, a form to change them.
#[component]
pub fn ApprovalRulesLine() -> impl IntoView {
    let office = expect_context::<Office>();
    let rules = RwSignal::new(None::<Option<ApprovalRules>>);
    let load = move || {
        spawn_local(async move {
            if let Ok(body) = office
                .call::<ApprovalRulesBody>("GET", "/api/admin/approval-rules", None)
                .await
            {
                rules.set(Some(body.rules));
            }
        });
    };
    load();
    let editing = RwSignal::new(false);
    let percent = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let hours = RwSignal::new(String::new());
    let hold = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let save = move |body: Option<ApprovalRules>| {
        spawn_local(async move {
            let json = serde_json::to_value(ApprovalRulesBody { rules: body }).unwrap_or_default();
            match office
                .call::<ApprovalRulesBody>("PUT", "/api/admin/approval-rules", Some(json))
                .await
            {
                Ok(saved) => {
                    problem.set(None);
                    editing.set(false);
                    rules.set(Some(saved.rules));
                }
                Err(failure) => problem.set(Some(office.explain(&failure))),
            }
        });
    };
    let open = move |_| {
        let current = rules.get_untracked().flatten();
        percent.set(current.as_ref().map_or_else(
            || "2".to_owned(),
            |r| {
                (Decimal::from(r.tolerance_bp) / Decimal::from(100))
                    .normalize()
                    .to_string()
            },
        ));
        amount.set(current.as_ref().map_or_else(
            || "5".to_owned(),
            |r| r.tolerance.amount().normalize().to_string(),
        ));
        hours.set(
            current
                .as_ref()
                .map_or_else(|| "24".to_owned(), |r| r.answer_within_hours.to_string()),
        );
        hold.set(current.map_or_else(|| "24".to_owned(), |r| r.price_hold_hours.to_string()));
        editing.set(true);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let percent = percent.get_untracked().trim().parse::<Decimal>().ok();
        let amount = amount.get_untracked().trim().parse::<Decimal>().ok();
        let hours = hours.get_untracked().trim().parse::<u32>().ok();
        let hold = hold.get_untracked().trim().parse::<u32>().ok();
        let basis_points = percent
            .map(|p| p * Decimal::from(100))
            .filter(|bp| bp.fract().is_zero() && *bp >= Decimal::ZERO)
            // A whole number of basis points, read off the decimal's digits (smaller in the
            // bundle than rust_decimal's conversions).
            .and_then(|bp| u32::try_from(bp.mantissa() / 10_i128.pow(bp.scale())).ok());
        match (basis_points, amount, hours, hold) {
            (
                Some(tolerance_bp),
                Some(amount),
                Some(answer_within_hours),
                Some(price_hold_hours),
            ) => {
                let rules = ApprovalRules {
                    tolerance_bp,
                    tolerance: Money::cny(amount.round_dp(2)),
                    answer_within_hours,
                    price_hold_hours,
                };
                match rules.check() {
                    Ok(()) => save(Some(rules)),
                    Err(_) => problem.set(Some(office.t(Phrase::RulesOutOfRange).to_owned())),
                }
            }
            _ => problem.set(Some(office.t(Phrase::RulesOutOfRange).to_owned())),
        }
    };
    let summary = move || match rules.get() {
        None => String::new(),
        Some(None) => office.t(Phrase::ApprovalOff).to_owned(),
        Some(Some(r)) => format!(
            "{} {} {} {}% {} {} {} {} {}",
            if r.price_hold_hours == 0 {
                office.t(Phrase::NoPriceHold).to_owned()
            } else {
                format!(
                    "{} {} {}",
                    office.t(Phrase::PriceHoldSays),
                    r.price_hold_hours,
                    office.t(Phrase::ApprovalHours)
                )
            },
            "·",
            office.t(Phrase::ApprovalOver),
            (Decimal::from(r.tolerance_bp) / Decimal::from(100)).normalize(),
            office.t(Phrase::ApprovalAnd),
            r.tolerance,
            office.t(Phrase::ApprovalWaits),
            r.answer_within_hours,
            office.t(Phrase::ApprovalHours)
        ),
    };
    view! {
        <p class="meta" data-testid="approval-rules">
            {summary}
            <Show when=move || office.is_admin() && !editing.get()>
                " " <button type="button" class="link" data-testid="edit-approval" on:click=open>{move || office.t(Phrase::EditRules)}</button>
            </Show>
        </p>
        <Show when=move || editing.get()>
            <form class="inline-form" on:submit=submit>
                <label>{move || office.t(Phrase::TolerancePercent)}
                    <input data-testid="approval-percent" inputmode="decimal" prop:value=move || percent.get() on:input=move |ev| percent.set(event_target_value(&ev))/></label>
                <label>{move || office.t(Phrase::ToleranceAmount)}
                    <input data-testid="approval-amount" inputmode="decimal" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/></label>
                <label>{move || office.t(Phrase::AnswerHours)}
                    <input data-testid="approval-hours" inputmode="numeric" prop:value=move || hours.get() on:input=move |ev| hours.set(event_target_value(&ev))/></label>
                <label>{move || office.t(Phrase::PriceHoldHours)}
                    <input data-testid="approval-hold" inputmode="numeric" prop:value=move || hold.get() on:input=move |ev| hold.set(event_target_value(&ev))/></label>
                <button type="submit" data-testid="save-approval">{move || office.t(Phrase::Save)}</button>
                <button type="button" data-testid="approval-off" on:click=move |_| save(None)>{move || office.t(Phrase::TurnOff)}</button>
            </form>
        </Show>
        {move || problem.get().map(|text| view! { <p class="error" role="alert" data-testid="approval-problem">{text}</p> })}
    }
}
