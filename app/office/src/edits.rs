//! Changing an order's lines before picking (customer service): quantities to change or
//! zero to remove, new lines by SKU, and the reason the shop will read. The server prices
//! and reserves the order again; a change it refuses says why. And the order's changes
//! so far.

use std::collections::BTreeMap;

use ::api::LinesEdit;
use domain::fulfilment::check_editable;
use domain::order::OrderConfirmation;
use domain::pricing::RequestedLine;
use domain::sku::Sku;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::Office;
use crate::api::{Failure, encode};
use crate::audit::format_time;
use crate::i18n::Phrase;

/// The order's changes so far, and the form to change its lines while it may.
#[component]
pub fn OrderEdits(order: OrderConfirmation, reload: Callback<()>) -> impl IntoView {
    let office = expect_context::<Office>();
    let editable = office.may("orders.hold") && check_editable(&order).is_ok();
    let edits = order.edits.clone();
    let open = RwSignal::new(false);
    let quantities: Vec<(Sku, String, RwSignal<String>)> = order
        .priced
        .lines
        .iter()
        .map(|l| {
            (
                l.sku.clone(),
                office.lang.get_untracked().pick(&l.name),
                RwSignal::new(l.quantity.to_string()),
            )
        })
        .collect();
    let added_sku = RwSignal::new(String::new());
    let added_quantity = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let number = StoredValue::new(order.number.clone());
    let save = {
        let quantities = quantities.clone();
        move |_| {
            let mut lines: BTreeMap<Sku, u32> = BTreeMap::new();
            for (sku, _, quantity) in &quantities {
                let q: u32 = quantity.get_untracked().trim().parse().unwrap_or(0);
                if q > 0 {
                    lines.insert(sku.clone(), q);
                }
            }
            let code = added_sku.get_untracked().trim().to_uppercase();
            if !code.is_empty() {
                let (Ok(sku), Ok(q)) = (
                    Sku::parse(&code),
                    added_quantity.get_untracked().trim().parse::<u32>(),
                ) else {
                    error.set(Some(office.t(Phrase::UnknownSku).to_owned()));
                    return;
                };
                *lines.entry(sku).or_default() += q;
            }
            let body = LinesEdit {
                lines: lines
                    .into_iter()
                    .map(|(sku, quantity)| RequestedLine { sku, quantity })
                    .collect(),
                reason: reason.get_untracked(),
            };
            busy.set(true);
            error.set(None);
            spawn_local(async move {
                let url = format!("/api/orders/{}/lines", encode(&number.get_value()));
                let result = office
                    .call::<OrderConfirmation>("POST", &url, serde_json::to_value(&body).ok())
                    .await;
                busy.set(false);
                match result {
                    Ok(_) => reload.run(()),
                    Err(failure) => error.set(Some(explain(&office, &failure))),
                }
            });
        }
    };
    view! {
        {(!edits.is_empty()).then(|| view! {
            <h2>{office.t(Phrase::Edits)}</h2>
            <table class="grid" data-testid="order-edits">
                <thead><tr><th>{office.t(Phrase::When)}</th><th>{office.t(Phrase::Who)}</th><th>{office.t(Phrase::Reason)}</th>
                    <th>{office.t(Phrase::Lines)}</th><th class="number">{office.t(Phrase::OrderTotal)}</th></tr></thead>
                <tbody>
                    {edits.into_iter().map(|e| view! {
                        <tr data-testid="order-edit">
                            <td>{format_time(e.at_ms)}</td><td>{e.by.clone()}</td><td>{e.reason.clone()}</td>
                            <td>{e.lines.iter().map(|l| format!("{} {} → {}", l.sku, l.was, l.now)).collect::<Vec<_>>().join(", ")}</td>
                            <td class="number">{format!("{} → {}", e.total_was, e.total_now)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        {editable.then(|| view! {
            <button class="link" data-testid="edit-lines" on:click=move |_| open.update(|o| *o = !*o)>{office.t(Phrase::EditLines)}</button>
            <div class="return-card" data-testid="edit-form" style:display=move || if open.get() { "block" } else { "none" }>
                <table class="grid">
                    <thead><tr><th>{office.t(Phrase::Sku)}</th><th>{office.t(Phrase::Name)}</th><th>{office.t(Phrase::Quantity)}</th></tr></thead>
                    <tbody>
                        {quantities.iter().map(|(sku, name, quantity)| {
                            let quantity = *quantity;
                            view! {
                                <tr data-testid="edit-line" data-sku=sku.to_string()>
                                    <td>{sku.to_string()}</td><td>{name.clone()}</td>
                                    <td><input type="number" min="0" data-testid="edit-quantity" prop:value=move || quantity.get()
                                        on:input=move |ev| quantity.set(event_target_value(&ev))/></td>
                                </tr>
                            }
                        }).collect_view()}
                        <tr>
                            <td><input data-testid="edit-add-sku" placeholder=office.t(Phrase::Sku) prop:value=move || added_sku.get()
                                on:input=move |ev| added_sku.set(event_target_value(&ev))/></td>
                            <td></td>
                            <td><input type="number" min="1" data-testid="edit-add-quantity" prop:value=move || added_quantity.get()
                                on:input=move |ev| added_quantity.set(event_target_value(&ev))/></td>
                        </tr>
                    </tbody>
                </table>
                <div class="actions">
                    <input data-testid="edit-reason" placeholder=office.t(Phrase::EditReason) prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))/>
                    <button data-testid="save-lines" disabled=move || busy.get() on:click=save>{office.t(Phrase::SaveLines)}</button>
                </div>
                {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="edit-error">{e}</p> })}
            </div>
        })}
    }
}

/// A refused change in the user's words.
fn explain(office: &Office, failure: &Failure) -> String {
    let Failure::Refused { body, .. } = failure else {
        return office.explain(failure);
    };
    match (body.error.as_str(), &body.detail) {
        ("edit_refused", Some(detail)) => {
            let refused: Vec<domain::pricing::RefusedLine> = detail
                .get("priced")
                .and_then(|p| p.get("refused"))
                .and_then(|r| serde_json::from_value(r.clone()).ok())
                .unwrap_or_default();
            if refused.is_empty() {
                format!("{}: {}", office.t(Phrase::Problem), body.message)
            } else {
                refused
                    .iter()
                    .map(|r| {
                        format!(
                            "{}: {}",
                            r.sku,
                            crate::entry::refused_line(office, &r.reason)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        }
        (_, Some(detail))
            if detail.get("reason").and_then(|r| r.as_str()) == Some("not_editable") =>
        {
            office.t(Phrase::NotEditable).to_owned()
        }
        _ => office.explain(failure),
    }
}
