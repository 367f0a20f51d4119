//! Returns in the back office: the list by where they stand (to decide, to receive, to
//! settle), and on an order's page each of its returns with the step the person signed in
//! may take now — customer service approves (all or part) or declines, the warehouse
//! receives good and damaged units into a warehouse, customer service settles (refund,
//! credit or replacement) — and a form to record a return for a shop that called.

use std::collections::BTreeMap;

use ::api::{NewReturn, ReturnDone, ReturnReceipt, ReturnRow, Settlement};
use domain::order::OrderConfirmation;
use domain::returns::{
    Decision, Received, Remedy, ReturnEvent, ReturnLine, ReturnReason, ReturnRecord, ReturnState,
    returnable,
};
use domain::sku::Sku;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::Office;
use crate::api::{Failure, encode};
use crate::audit::format_time;
use crate::i18n::{
    Phrase, remedy_label, return_event_label, return_reason_label, return_state_label,
};

/// A refused return step in the user's words: what is possible now, or which line and why.
fn refusal(office: &Office, failure: &Failure) -> String {
    let Failure::Refused { body, .. } = failure else {
        return office.explain(failure);
    };
    let Some(detail) = &body.detail else {
        return office.explain(failure);
    };
    let reason = detail.get("reason").and_then(|r| r.as_str()).unwrap_or("");
    let sku = detail.get("sku").and_then(|s| s.as_str()).unwrap_or("");
    let lang = office.lang.get_untracked();
    match reason {
        "not_now" => {
            let possible: Vec<ReturnEvent> = detail
                .get("possible")
                .and_then(|p| serde_json::from_value(p.clone()).ok())
                .unwrap_or_default();
            let names: Vec<&str> = possible
                .iter()
                .map(|e| return_event_label(lang, *e))
                .collect();
            format!("{} {}", office.t(Phrase::ReturnNotNow), names.join("、"))
        }
        "more_than_shipped" => format!("{sku}: {}", office.t(Phrase::MoreThanShipped)),
        "more_than_asked" => format!("{sku}: {}", office.t(Phrase::MoreThanAsked)),
        "more_than_approved" => format!("{sku}: {}", office.t(Phrase::MoreThanApproved)),
        "not_in_order" => format!("{sku}: {}", office.t(Phrase::NotInOrder)),
        "nothing_to_return" => office.t(Phrase::NothingToReturn).to_owned(),
        "no_account" => office.t(Phrase::NoAccountForMoney).to_owned(),
        "not_shipped" => office.t(Phrase::NotShippedYet).to_owned(),
        _ => office.explain(failure),
    }
}

/// `/office/returns?state=requested`: returns newest first, by where they stand.
#[component]
pub fn ReturnsPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let state = RwSignal::new(
        use_query_map()
            .get_untracked()
            .get("state")
            .unwrap_or_default(),
    );
    let rows = RwSignal::new(None::<Result<Vec<ReturnRow>, Failure>>);
    Effect::new(move |_| {
        let url = format!("/api/admin/returns?state={}", encode(&state.get()));
        spawn_local(async move {
            let result = office.call::<Vec<ReturnRow>>("GET", &url, None).await;
            rows.set(Some(result));
        });
    });
    let tabs = [
        ("requested", Phrase::ReturnsToDecide),
        ("approved", Phrase::ReturnsToReceive),
        ("received", Phrase::ReturnsToSettle),
        ("", Phrase::AllReturns),
    ];
    view! {
        <section class="returns">
            <h1>{move || office.t(Phrase::Returns)}</h1>
            <div class="tabs">
                {tabs.into_iter().map(|(name, label)| view! {
                    <button data-testid=format!("returns-tab-{}", if name.is_empty() { "all" } else { name })
                        class=move || if state.get() == name { "tab active" } else { "tab" }
                        on:click=move |_| state.set(name.to_owned())>{move || office.t(label)}</button>
                }).collect_view()}
            </div>
            {move || match rows.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(rows)) if rows.is_empty() => view! { <p class="muted" data-testid="no-returns">{office.t(Phrase::NoReturns)}</p> }.into_any(),
                Some(Ok(rows)) => {
                    let lang = office.lang.get();
                    view! {
                        <table class="grid">
                            <thead><tr>
                                <th>{office.t(Phrase::ReturnNumber)}</th><th>{office.t(Phrase::OrderNumber)}</th>
                                <th>{office.t(Phrase::ShopCol)}</th><th>{office.t(Phrase::State)}</th>
                                <th class="number">{office.t(Phrase::Units)}</th><th>{office.t(Phrase::Remedy)}</th>
                                <th class="number">{office.t(Phrase::Amount)}</th><th>{office.t(Phrase::ReceivedAt)}</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|row| view! {
                                    <tr data-testid="return-row">
                                        <td><A href=format!("/office/orders/{}#returns", row.order)>{row.number.clone()}</A></td>
                                        <td><A href=format!("/office/orders/{}", row.order)>{row.order.clone()}</A></td>
                                        <td>{format!("{} · {}", row.shop_name, row.shop)}</td>
                                        <td data-testid="return-row-state">{return_state_label(lang, row.state)}</td>
                                        <td class="number">{row.units}</td>
                                        <td>{remedy_label(lang, row.remedy)}</td>
                                        <td class="number">{row.amount.clone()}</td>
                                        <td>{format_time(row.placed_ms)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// An order's returns, with the step each allows the person signed in, and the form to
/// record a new one.
#[component]
pub fn OrderReturns(
    order: OrderConfirmation,
    names: BTreeMap<Sku, String>,
    warehouses: Vec<String>,
    reload: Callback<()>,
) -> impl IntoView {
    let office = expect_context::<Office>();
    let left = returnable(&order);
    let number = order.number.clone();
    let records = order.returns.clone();
    let may_record = office.may("orders.hold") && !left.is_empty();
    (may_record || !records.is_empty()).then(|| {
        view! {
            <h2 id="returns">{office.t(Phrase::Returns)}</h2>
            {records.into_iter().map(|record| view! {
                <ReturnCard record=record names=names.clone() warehouses=warehouses.clone() reload=reload/>
            }).collect_view()}
            {may_record.then(|| view! { <NewReturnForm number=number.clone() left=left.clone() names=names.clone() reload=reload/> })}
        }
    })
}

/// A return line's inputs: its SKU, the quantity to approve, good and damaged received.
type LineInputs = (Sku, RwSignal<u32>, RwSignal<u32>, RwSignal<u32>);

#[component]
fn ReturnCard(
    record: ReturnRecord,
    names: BTreeMap<Sku, String>,
    warehouses: Vec<String>,
    reload: Callback<()>,
) -> impl IntoView {
    let office = expect_context::<Office>();
    let lang = office.lang.get_untracked();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let note = RwSignal::new(String::new());
    let number = StoredValue::new(record.number.clone());
    let post = move |step: &'static str, body: serde_json::Value| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let url = format!("/api/returns/{}/{step}", encode(&number.get_value()));
            let result = office.call::<ReturnDone>("POST", &url, Some(body)).await;
            busy.set(false);
            match result {
                Ok(_) => reload.run(()),
                Err(failure) => error.set(Some(refusal(&office, &failure))),
            }
        });
    };
    let name = move |sku: &Sku| names.get(sku).cloned().unwrap_or_default();
    // Per line: approved quantity (starts at what was asked), good and damaged received
    // (start at what was approved, all good).
    let lines: Vec<LineInputs> = record
        .lines
        .iter()
        .map(|l| {
            (
                l.sku.clone(),
                RwSignal::new(l.quantity),
                RwSignal::new(l.approved),
                RwSignal::new(0),
            )
        })
        .collect();
    let remedy = RwSignal::new(record.remedy);
    let warehouse = RwSignal::new(
        record
            .warehouse
            .as_ref()
            .map(|w| w.to_string())
            .or_else(|| warehouses.first().cloned())
            .unwrap_or_default(),
    );
    let state = record.state;
    let editing = state == ReturnState::Requested && office.may("orders.hold");
    let receiving = state == ReturnState::Approved && office.may("orders.fulfil");
    let settling = state == ReturnState::Received && office.may("orders.hold");
    let rows = record
        .lines
        .iter()
        .zip(lines.clone())
        .map(|(l, (sku, approve, good, damaged))| {
            let asked = l.quantity;
            let approved = l.approved;
            view! {
                <tr data-testid="return-line" data-sku=sku.to_string()>
                    <td>{sku.to_string()}</td>
                    <td>{name(&sku)}</td>
                    <td>{return_reason_label(lang, l.reason)}</td>
                    <td class="number">{asked}</td>
                    <td class="number">{if editing {
                        view! { <input type="number" min="0" max=asked.to_string() data-testid="approve-quantity"
                            prop:value=move || approve.get().to_string()
                            on:input=move |ev| approve.set(event_target_value(&ev).trim().parse().unwrap_or(0))/> }.into_any()
                    } else { view! { <span>{approved}</span> }.into_any() }}</td>
                    <td class="number">{if receiving {
                        view! { <input type="number" min="0" data-testid="receive-good"
                            prop:value=move || good.get().to_string()
                            on:input=move |ev| good.set(event_target_value(&ev).trim().parse().unwrap_or(0))/> }.into_any()
                    } else { view! { <span>{l.restocked}</span> }.into_any() }}</td>
                    <td class="number">{if receiving {
                        view! { <input type="number" min="0" data-testid="receive-damaged"
                            prop:value=move || damaged.get().to_string()
                            on:input=move |ev| damaged.set(event_target_value(&ev).trim().parse().unwrap_or(0))/> }.into_any()
                    } else { view! { <span>{l.written_off}</span> }.into_any() }}</td>
                    <td class="number">{l.unit_value.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    let remedy_select = move || {
        view! {
            <select data-testid="return-remedy" on:change=move |ev| {
                let value = event_target_value(&ev);
                if let Some(r) = Remedy::ALL.into_iter().find(|r| r.name() == value) {
                    remedy.set(r);
                }
            }>
                {Remedy::ALL.into_iter().map(|r| view! {
                    <option value=r.name() selected=move || remedy.get() == r>{remedy_label(lang, r)}</option>
                }).collect_view()}
            </select>
        }
    };
    let decide_lines = lines.clone();
    let receive_lines = lines.clone();
    view! {
        <div class="return-card" data-testid="return-card" data-number=record.number.clone()>
            <h3>
                {record.number.clone()} " "
                <span class="state" data-testid="return-state">{return_state_label(lang, state)}</span>
            </h3>
            <p class="meta">
                {format!("{} · {} {} · {}", record.placed_by, office.t(Phrase::Remedy), remedy_label(lang, record.remedy),
                    record.history.first().map(|s| format_time(s.at_ms)).unwrap_or_default())}
                {record.amount.filter(|a| !a.is_zero()).map(|a| format!(" · {} {a}", office.t(Phrase::Amount)))}
                {record.replacement.clone().map(|n| view! {
                    " · " {office.t(Phrase::ReplacementOrder)} " " <A href=format!("/office/orders/{n}")>{n.clone()}</A>
                })}
            </p>
            {(!record.note.is_empty()).then(|| view! { <p class="muted">{record.note.clone()}</p> })}
            <table class="grid">
                <thead><tr>
                    <th>{office.t(Phrase::Sku)}</th><th>{office.t(Phrase::Name)}</th><th>{office.t(Phrase::ReturnReasonCol)}</th>
                    <th class="number">{office.t(Phrase::Asked)}</th><th class="number">{office.t(Phrase::Approved)}</th>
                    <th class="number">{office.t(Phrase::Good)}</th><th class="number">{office.t(Phrase::Damaged)}</th>
                    <th class="number">{office.t(Phrase::UnitPrice)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {(editing || receiving || settling).then(|| view! {
                <div class="actions" data-testid="return-actions">
                    {receiving.then(|| view! {
                        <select data-testid="return-warehouse" on:change=move |ev| warehouse.set(event_target_value(&ev))>
                            {warehouses.iter().map(|w| {
                                let w = w.clone();
                                let selected = { let w = w.clone(); move || warehouse.get() == w };
                                view! { <option value=w.clone() selected=selected>{w.clone()}</option> }
                            }).collect_view()}
                        </select>
                    })}
                    {(editing || settling).then(remedy_select)}
                    <input data-testid="return-step-note" placeholder=move || office.t(Phrase::Note)
                        prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                    {editing.then(|| {
                        let approve_lines = decide_lines.clone();
                        view! {
                            <button data-testid="approve-return" disabled=move || busy.get() on:click=move |_| {
                                let quantities: BTreeMap<Sku, u32> = approve_lines.iter().map(|(sku, q, _, _)| (sku.clone(), q.get_untracked())).collect();
                                let decision = Decision { approve: true, quantities: Some(quantities), remedy: Some(remedy.get_untracked()), note: note.get_untracked() };
                                post("decision", serde_json::to_value(&decision).unwrap_or_default());
                            }>{office.t(Phrase::Approve)}</button>
                            <button class="danger" data-testid="decline-return" disabled=move || busy.get() on:click=move |_| {
                                let decision = Decision { approve: false, quantities: None, remedy: None, note: note.get_untracked() };
                                post("decision", serde_json::to_value(&decision).unwrap_or_default());
                            }>{office.t(Phrase::Decline)}</button>
                        }
                    })}
                    {receiving.then(|| {
                        let receive_lines = receive_lines.clone();
                        view! {
                            <button data-testid="receive-return" disabled=move || busy.get() on:click=move |_| {
                                let lines: BTreeMap<Sku, Received> = receive_lines.iter()
                                    .map(|(sku, _, good, damaged)| (sku.clone(), Received { good: good.get_untracked(), damaged: damaged.get_untracked() }))
                                    .filter(|(_, r)| r.good > 0 || r.damaged > 0)
                                    .collect();
                                let receipt = ReturnReceipt { warehouse: warehouse.get_untracked(), lines, note: note.get_untracked() };
                                post("receipt", serde_json::to_value(&receipt).unwrap_or_default());
                            }>{office.t(Phrase::ReceiveReturn)}</button>
                        }
                    })}
                    {settling.then(|| view! {
                        <button data-testid="settle-return" disabled=move || busy.get() on:click=move |_| {
                            let settlement = Settlement { remedy: Some(remedy.get_untracked()), note: note.get_untracked() };
                            post("settlement", serde_json::to_value(&settlement).unwrap_or_default());
                        }>{office.t(Phrase::Settle)}</button>
                    })}
                    {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="return-error">{e}</p> })}
                </div>
            })}
            <ul class="history">
                {record.history.iter().map(|step| view! {
                    <li>
                        {format!("{} · {} · {}", format_time(step.at_ms), return_state_label(lang, step.state), step.actor)}
                        {(!step.note.is_empty()).then(|| format!(" · {}", step.note))}
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}

/// Customer service records a return for the shop: per product shipped and not returned
/// yet, how many and why, and what the shop gets.
#[component]
fn NewReturnForm(
    number: String,
    left: BTreeMap<Sku, u32>,
    names: BTreeMap<Sku, String>,
    reload: Callback<()>,
) -> impl IntoView {
    let office = expect_context::<Office>();
    let lang = office.lang.get_untracked();
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let note = RwSignal::new(String::new());
    let remedy = RwSignal::new(Remedy::Refund);
    let lines: Vec<(Sku, u32, RwSignal<u32>, RwSignal<ReturnReason>)> = left
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
    let number = StoredValue::new(number);
    let send = {
        let lines = lines.clone();
        move |_| {
            let body = NewReturn {
                lines: lines
                    .iter()
                    .filter(|(_, _, q, _)| q.get_untracked() > 0)
                    .map(|(sku, _, q, r)| ReturnLine {
                        sku: sku.clone(),
                        quantity: q.get_untracked(),
                        reason: r.get_untracked(),
                    })
                    .collect(),
                remedy: remedy.get_untracked(),
                note: note.get_untracked(),
            };
            if body.lines.is_empty() {
                error.set(Some(office.t(Phrase::NothingToReturn).to_owned()));
                return;
            }
            error.set(None);
            spawn_local(async move {
                let url = format!("/api/orders/{}/returns", encode(&number.get_value()));
                match office
                    .call::<ReturnDone>("POST", &url, serde_json::to_value(&body).ok())
                    .await
                {
                    Ok(_) => {
                        open.set(false);
                        reload.run(());
                    }
                    Err(failure) => error.set(Some(refusal(&office, &failure))),
                }
            });
        }
    };
    let rows = lines
        .iter()
        .map(|(sku, most, quantity, reason)| {
            let (quantity, reason, most) = (*quantity, *reason, *most);
            view! {
                <tr data-testid="new-return-line" data-sku=sku.to_string()>
                    <td>{sku.to_string()}</td>
                    <td>{names.get(sku).cloned().unwrap_or_default()}</td>
                    <td class="number">{most}</td>
                    <td><input type="number" min="0" max=most.to_string() data-testid="new-return-quantity"
                        prop:value=move || quantity.get().to_string()
                        on:input=move |ev| quantity.set(event_target_value(&ev).trim().parse().unwrap_or(0))/></td>
                    <td><select data-testid="new-return-reason" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some(r) = ReturnReason::ALL.into_iter().find(|r| r.name() == value) {
                            reason.set(r);
                        }
                    }>
                        {ReturnReason::ALL.into_iter().map(|r| view! {
                            <option value=r.name() selected=move || reason.get() == r>{return_reason_label(lang, r)}</option>
                        }).collect_view()}
                    </select></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <button class="link" data-testid="new-return" on:click=move |_| open.update(|o| *o = !*o)>{office.t(Phrase::NewReturn)}</button>
        <div class="return-card" style:display=move || if open.get() { "block" } else { "none" }>
            <table class="grid">
                <thead><tr>
                    <th>{office.t(Phrase::Sku)}</th><th>{office.t(Phrase::Name)}</th>
                    <th class="number">{office.t(Phrase::ShippedQty)}</th><th>{office.t(Phrase::Units)}</th><th>{office.t(Phrase::ReturnReasonCol)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <div class="actions">
                <select on:change=move |ev| {
                    let value = event_target_value(&ev);
                    if let Some(r) = Remedy::ALL.into_iter().find(|r| r.name() == value) {
                        remedy.set(r);
                    }
                }>
                    {Remedy::ALL.into_iter().map(|r| view! {
                        <option value=r.name() selected=move || remedy.get() == r>{remedy_label(lang, r)}</option>
                    }).collect_view()}
                </select>
                <input placeholder=move || office.t(Phrase::Note) prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                <button data-testid="record-return" on:click=send>{office.t(Phrase::RecordReturn)}</button>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </div>
        </div>
    }
}
