//! Carriers (admins): each with the regions it serves, the heaviest shipment it takes and
//! its fees; the shipment form chooses the cheapest that serves the shop and takes the
//! weight, and staff may choose another.

use domain::carrier::CarrierRule;
use domain::money::{Currency, Money};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{Failure, encode};
use crate::i18n::Phrase;
use crate::{Office, typed_list};

#[component]
pub fn CarriersPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let rules = RwSignal::new(None::<Result<Vec<CarrierRule>, Failure>>);
    let version = RwSignal::new(0u32);
    Effect::new(move |_| {
        version.track();
        spawn_local(async move {
            let result = office
                .call::<::api::FulfilmentOptions>("GET", "/api/admin/fulfilment-options", None)
                .await
                .map(|o| o.carrier_rules);
            rules.set(Some(result));
        });
    });
    let saved = Callback::new(move |_| version.update(|v| *v += 1));
    view! {
        <section class="carriers">
            <h1>{move || office.t(Phrase::Carriers)}</h1>
            {move || match rules.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(rules)) => rules.into_iter().map(|rule| view! { <CarrierForm rule=Some(rule) saved=saved/> }).collect_view().into_any(),
            }}
            <h2>{move || office.t(Phrase::NewCarrier)}</h2>
            <CarrierForm rule=None saved=saved/>
        </section>
    }
}

fn yuan(text: &str) -> Option<Money> {
    Money::parse_price(text.trim(), Currency::Cny).ok()
}

#[component]
fn CarrierForm(rule: Option<CarrierRule>, saved: Callback<()>) -> impl IntoView {
    let office = expect_context::<Office>();
    let existing = rule.is_some();
    let rule = rule.unwrap_or(CarrierRule {
        id: String::new(),
        name: String::new(),
        regions: Vec::new(),
        max_weight_grams: None,
        base_fee: Money::zero(Currency::Cny),
        per_kg: Money::zero(Currency::Cny),
        active: true,
    });
    let id = RwSignal::new(rule.id.clone());
    let name = RwSignal::new(rule.name.clone());
    let regions = RwSignal::new(rule.regions.join(", "));
    let max_kg = RwSignal::new(
        rule.max_weight_grams
            .map(|g| (g / 1000).to_string())
            .unwrap_or_default(),
    );
    let base = RwSignal::new(rule.base_fee.amount().to_string());
    let per_kg = RwSignal::new(rule.per_kg.amount().to_string());
    let active = RwSignal::new(rule.active);
    let message = RwSignal::new(None::<Result<(), String>>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(base_fee), Some(per_kg)) =
            (yuan(&base.get_untracked()), yuan(&per_kg.get_untracked()))
        else {
            message.set(Some(Err(office.field_problem("base_fee", "out_of_range"))));
            return;
        };
        let max_weight_grams = match max_kg.get_untracked().trim() {
            "" => None,
            text => match text.parse::<u64>() {
                Ok(kg) => Some(kg * 1000),
                Err(_) => {
                    message.set(Some(Err(
                        office.field_problem("max_weight_grams", "out_of_range")
                    )));
                    return;
                }
            },
        };
        let rule = CarrierRule {
            id: id.get_untracked().trim().to_owned(),
            name: name.get_untracked(),
            regions: typed_list(&regions.get_untracked()),
            max_weight_grams,
            base_fee,
            per_kg,
            active: active.get_untracked(),
        };
        spawn_local(async move {
            let url = format!("/api/admin/carriers/{}", encode(&rule.id));
            match office
                .call::<CarrierRule>("PUT", &url, serde_json::to_value(&rule).ok())
                .await
            {
                Ok(_) => {
                    message.set(Some(Ok(())));
                    saved.run(());
                }
                Err(failure) => message.set(Some(Err(office.explain(&failure)))),
            }
        });
    };
    let remove = move |_| {
        let url = format!("/api/admin/carriers/{}", encode(&id.get_untracked()));
        spawn_local(async move {
            // A removal answers 204 with no body; either way the list is read again.
            let _ = office.call::<serde_json::Value>("DELETE", &url, None).await;
            saved.run(());
        });
    };
    view! {
        <form class="carrier row" data-testid="carrier-form" on:submit=submit>
            <label>{move || office.t(Phrase::Id)}<input name="id" prop:value=move || id.get() readonly=existing on:input=move |ev| id.set(event_target_value(&ev))/></label>
            <label>{move || office.t(Phrase::Name)}<input name="name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
            <label class="wide">{move || office.t(Phrase::Regions)}<input name="regions" prop:value=move || regions.get() on:input=move |ev| regions.set(event_target_value(&ev))/></label>
            <label>{move || office.t(Phrase::MaxKg)}<input name="max_kg" prop:value=move || max_kg.get() on:input=move |ev| max_kg.set(event_target_value(&ev))/></label>
            <label>{move || office.t(Phrase::BaseFee)}<input name="base_fee" prop:value=move || base.get() on:input=move |ev| base.set(event_target_value(&ev))/></label>
            <label>{move || office.t(Phrase::PerKg)}<input name="per_kg" prop:value=move || per_kg.get() on:input=move |ev| per_kg.set(event_target_value(&ev))/></label>
            <label class="check"><input type="checkbox" name="active" prop:checked=move || active.get() on:change=move |ev| active.set(event_target_checked(&ev))/>{move || office.t(Phrase::Active)}</label>
            <button type="submit" data-testid="save-carrier">{move || office.t(Phrase::Save)}</button>
            {existing.then(|| view! { <button type="button" class="link" on:click=remove>{move || office.t(Phrase::Remove)}</button> })}
            {move || message.get().map(|m| match m {
                Ok(()) => view! { <span class="saved">{office.t(Phrase::Saved)}</span> }.into_any(),
                Err(e) => view! { <span class="error">{e}</span> }.into_any(),
            })}
        </form>
    }
}
