//! An order's returns on the phone: each one with where it stands, what came back and
//! what the shop got, and a form to ask for one (offline too) with a quantity and a
//! reason per product and what the shop would like back.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::i18n::{Lang, Phrase};
use crate::routes::orders::format_time;
use crate::store::Store;
use domain::order::{OrderConfirmation, StatusEvent};
use domain::returns::{Remedy, ReturnLine, ReturnReason, ReturnRecord, ReturnState, returnable};
use domain::sku::Sku;

pub fn state_phrase(state: ReturnState) -> Phrase {
    match state {
        ReturnState::Requested => Phrase::ReturnRequested,
        ReturnState::Approved => Phrase::ReturnApproved,
        ReturnState::Declined => Phrase::ReturnDeclined,
        ReturnState::Received => Phrase::ReturnReceived,
        ReturnState::Refunded => Phrase::ReturnRefunded,
        ReturnState::Credited => Phrase::ReturnCredited,
        ReturnState::Replaced => Phrase::ReturnReplaced,
    }
}

fn reason_phrase(reason: ReturnReason) -> Phrase {
    match reason {
        ReturnReason::Damaged => Phrase::ReasonDamaged,
        ReturnReason::WrongItem => Phrase::ReasonWrongItem,
        ReturnReason::Quality => Phrase::ReasonQuality,
        ReturnReason::NearExpiry => Phrase::ReasonNearExpiry,
        ReturnReason::Unwanted => Phrase::ReasonUnwanted,
        ReturnReason::Other => Phrase::ReasonOther,
    }
}

fn remedy_phrase(remedy: Remedy) -> Phrase {
    match remedy {
        Remedy::Refund => Phrase::RemedyRefund,
        Remedy::Credit => Phrase::RemedyCredit,
        Remedy::Replace => Phrase::RemedyReplace,
    }
}

/// A line of the order's history in the shop's language (products by name).
pub fn history_text(store: &Store, order: &OrderConfirmation, event: &StatusEvent) -> String {
    let lang = store.lang.get_untracked();
    ui_kit::history::Words {
        lang,
        product: &|sku| name_on(order, lang, sku),
        return_state: &|state| store.t(state_phrase(state)).to_owned(),
    }
    .event(event)
}

/// The product's name on the order (a line or a gift), or its SKU.
pub fn name_on(order: &OrderConfirmation, lang: Lang, sku: &Sku) -> String {
    order
        .priced
        .lines
        .iter()
        .find(|l| &l.sku == sku)
        .map(|l| lang.pick(&l.name))
        .or_else(|| {
            order
                .quote
                .iter()
                .flat_map(|q| &q.gifts)
                .find(|g| &g.sku == sku)
                .map(|g| lang.pick(&g.name))
        })
        .unwrap_or_else(|| sku.to_string())
}

/// The order's returns and the way to ask for one.
#[component]
pub fn ReturnsSection(order: OrderConfirmation) -> impl IntoView {
    let store = expect_context::<Store>();
    let lang = store.lang.get_untracked();
    let left = returnable(&order);
    let answered: Vec<String> = order.returns.iter().map(|r| r.id.to_string()).collect();
    let id = order.request_id.clone();
    // Asked on this device (or another of the shop's) and not answered yet.
    let pending = move || {
        store.returns.with(|held| {
            held.iter()
                .filter(|r| r.returns == id && !answered.contains(&r.id.to_string()))
                .count()
        })
    };
    let records: Vec<ReturnRecord> = order.returns.clone();
    let asking = RwSignal::new(false);
    view! {
        {(!records.is_empty()).then(|| view! {
            <h3>{store.t(Phrase::Returns)}</h3>
            <ul class="returns" data-testid="returns">
                {records.iter().map(|r| record_view(&store, &order, lang, r)).collect_view()}
            </ul>
        })}
        {move || (pending() > 0).then(|| view! {
            <p class="changes" data-testid="return-pending">{store.t(Phrase::ReturnPending)}</p>
        })}
        {(!left.is_empty()).then(|| {
            let order = order.clone();
            let left = left.clone();
            move || if asking.get() {
                view! { <ReturnForm order=order.clone() left=left.clone() asking=asking/> }.into_any()
            } else {
                view! {
                    <button class="link" data-testid="ask-return" on:click=move |_| asking.set(true)>{store.t(Phrase::AskReturn)}</button>
                }.into_any()
            }
        })}
    }
}

fn record_view(
    store: &Store,
    order: &OrderConfirmation,
    lang: Lang,
    r: &ReturnRecord,
) -> impl IntoView + use<> {
    let lines = r
        .lines
        .iter()
        .map(|l| {
            let mut text = format!(
                "{} × {} · {}",
                name_on(order, lang, &l.sku),
                l.quantity,
                store.t(reason_phrase(l.reason))
            );
            if l.approved > 0 && l.approved != l.quantity {
                text.push_str(&format!(
                    " ({} {})",
                    store.t(Phrase::ReturnApproved),
                    l.approved
                ));
            }
            if l.received() > 0 {
                text.push_str(&format!(
                    " · {} {} / {} {}",
                    store.t(Phrase::Restocked),
                    l.restocked,
                    store.t(Phrase::WrittenOff),
                    l.written_off
                ));
            }
            text
        })
        .collect::<Vec<_>>();
    let store = *store;
    view! {
        <li data-testid="return">
            <span>
                <span>{r.number.clone()}</span>
                " "
                <strong class="state" data-testid="return-state">{store.t(state_phrase(r.state))}</strong>
            </span>
            {lines.into_iter().map(|l| view! { <span class="meta">{l}</span> }).collect_view()}
            <span class="meta">{format!("{} {}", store.t(Phrase::ReturnRemedy), store.t(remedy_phrase(r.remedy)))}</span>
            {r.amount.filter(|a| !a.is_zero() && r.state.is_final() && r.state != ReturnState::Replaced).map(|a| view! {
                <span data-testid="return-amount">{format!("{} {a}", store.t(Phrase::ReturnAmount))}</span>
            })}
            {r.replacement.clone().map(|n| view! {
                <span data-testid="replacement">{format!("{} {n}", store.t(Phrase::ReplacementOrder))}</span>
            })}
            <ul class="history">
                {r.history.iter().map(|step| view! {
                    <li>
                        <span>{store.t(state_phrase(step.state))}</span>
                        <span class="meta">{format!("{} · {}", format_time(step.at_ms), step.actor)}</span>
                        {(!step.note.is_empty()).then(|| view! { <span class="meta" data-testid="return-note">{step.note.clone()}</span> })}
                    </li>
                }).collect_view()}
            </ul>
        </li>
    }
}

/// Asks for a return: per product shipped and not returned yet, how many and why.
#[component]
fn ReturnForm(
    order: OrderConfirmation,
    left: BTreeMap<Sku, u32>,
    asking: RwSignal<bool>,
) -> impl IntoView {
    let store = expect_context::<Store>();
    let lang = store.lang.get_untracked();
    let quantities: Vec<(Sku, u32, RwSignal<u32>, RwSignal<ReturnReason>)> = left
        .iter()
        .map(|(sku, most)| {
            (
                sku.clone(),
                *most,
                RwSignal::new(0),
                RwSignal::new(ReturnReason::Damaged),
            )
        })
        .collect();
    let remedy = RwSignal::new(Remedy::Refund);
    let note = RwSignal::new(String::new());
    let rows = quantities
        .iter()
        .map(|(sku, most, quantity, reason)| {
            let (quantity, reason, most) = (*quantity, *reason, *most);
            view! {
                <li class="return-line" data-testid="return-line" data-sku=sku.to_string()>
                    <span class="name">{name_on(&order, lang, sku)}</span>
                    <label>
                        {store.t(Phrase::ReturnWhat)}
                        <input type="number" min="0" max=most.to_string() inputmode="numeric" data-testid="return-quantity"
                            prop:value=move || quantity.get().to_string()
                            on:input=move |ev| quantity.set(event_target_value(&ev).trim().parse::<u32>().unwrap_or(0).min(most))/>
                        <span class="meta">{format!("/ {most}")}</span>
                    </label>
                    <select data-testid="return-reason" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some(r) = ReturnReason::ALL.into_iter().find(|r| r.name() == value) {
                            reason.set(r);
                        }
                    }>
                        {ReturnReason::ALL.into_iter().map(|r| view! {
                            <option value=r.name() selected=move || reason.get() == r>{store.t(reason_phrase(r))}</option>
                        }).collect_view()}
                    </select>
                </li>
            }
        })
        .collect_view();
    let target = order.request_id.clone();
    let nothing = {
        let quantities = quantities.clone();
        move || quantities.iter().all(|(_, _, q, _)| q.get() == 0)
    };
    view! {
        <div class="return-form" data-testid="return-form">
            <ul class="return-lines">{rows}</ul>
            <label>
                {store.t(Phrase::ReturnRemedy)}
                <select data-testid="return-remedy" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    if let Some(r) = Remedy::ALL.into_iter().find(|r| r.name() == value) {
                        remedy.set(r);
                    }
                }>
                    {Remedy::ALL.into_iter().map(|r| view! {
                        <option value=r.name() selected=move || remedy.get() == r>{store.t(remedy_phrase(r))}</option>
                    }).collect_view()}
                </select>
            </label>
            <input data-testid="return-note" placeholder=store.t(Phrase::ReturnNote)
                prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
            <div class="actions">
                <button class="primary" data-testid="send-return" disabled=nothing on:click=move |_| {
                    let lines = quantities
                        .iter()
                        .map(|(sku, _, q, r)| ReturnLine { sku: sku.clone(), quantity: q.get_untracked(), reason: r.get_untracked() })
                        .collect();
                    if store.return_goods(&target, lines, remedy.get_untracked(), note.get_untracked()) {
                        asking.set(false);
                    }
                }>{store.t(Phrase::SendReturn)}</button>
                <button data-testid="keep-goods" on:click=move |_| asking.set(false)>{store.t(Phrase::Back)}</button>
            </div>
        </div>
    }
}
