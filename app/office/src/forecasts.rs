//! Forecasts in the back office: `/office/forecast-accuracy` (how far what account
//! managers proposed was from what shops ordered — WAPE and bias by shop, manager or
//! month, paused weeks apart) and `/office/holidays` (the calendar suggested orders adjust
//! for; admins edit it, the team reads it).

use ::api::{AccuracyReport, AccuracyRow, HolidayCalendar};
use domain::forecast::Holiday;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::Office;
use crate::api::{Failure, encode};
use crate::finance::{day, download, quote};
use crate::i18n::{Lang, Phrase};
use crate::reports::{bars, dimension_tabs, key_label, per_mille, period_inputs, rate};

const DIMENSIONS: [(&str, Phrase); 3] = [
    ("shop", Phrase::ByShop),
    ("manager", Phrase::ByManager),
    ("month", Phrase::ByMonth),
];

fn label(lang: Lang, row: &AccuracyRow) -> String {
    key_label(lang, &row.key, &row.label)
}

/// WAPE of each judged group as a bar (the scale ends at 200 %), the worst first.
fn chart(lang: Lang, rows: &[AccuracyRow]) -> impl IntoView + use<> {
    let mut shown: Vec<&AccuracyRow> = rows.iter().filter(|r| r.wape.is_some()).collect();
    shown.sort_by_key(|r| std::cmp::Reverse(per_mille(&r.wape, 2000)));
    let items = shown
        .into_iter()
        .take(20)
        .map(|r| {
            (
                label(lang, r),
                per_mille(&r.wape, 2000),
                format!("WAPE {}", rate(&r.wape)),
            )
        })
        .collect();
    bars("accuracy-chart", items, 2000)
}

fn csv(office: &Office, report: &AccuracyReport) -> String {
    let lang = office.lang.get_untracked();
    let head = [
        Phrase::Key,
        Phrase::Name,
        Phrase::Proposals,
        Phrase::ProposalsOrdered,
        Phrase::ProposalsDeclined,
        Phrase::ProposalsOpen,
        Phrase::Paused,
        Phrase::Judged,
        Phrase::UnitsProposed,
        Phrase::UnitsOrdered,
        Phrase::Wape,
        Phrase::Bias,
    ];
    let mut lines = vec![
        head.into_iter()
            .map(|p| quote(office.t(p)))
            .collect::<Vec<_>>()
            .join(","),
    ];
    for row in report.rows.iter().chain([&report.total]) {
        lines.push(
            [
                quote(&row.key),
                quote(&lang.pick(&row.label)),
                row.proposals.to_string(),
                row.ordered.to_string(),
                row.declined.to_string(),
                row.open.to_string(),
                row.paused.to_string(),
                row.judged.to_string(),
                row.proposed_units.to_string(),
                row.ordered_units.to_string(),
                row.wape.clone().unwrap_or_default(),
                row.bias.clone().unwrap_or_default(),
            ]
            .join(","),
        );
    }
    lines.join("\r\n") + "\r\n"
}

fn cells(row: &AccuracyRow) -> impl IntoView + use<> {
    view! {
        <td class="number">{row.proposals}</td>
        <td class="number">{row.ordered}</td>
        <td class="number">{row.declined}</td>
        <td class="number">{row.open}</td>
        <td class="number" data-testid="accuracy-paused">{row.paused}</td>
        <td class="number">{row.judged}</td>
        <td class="number">{format!("{} / {}", row.proposed_units, row.ordered_units)}</td>
        <td class="number" data-testid="accuracy-wape">{rate(&row.wape)}</td>
        <td class="number" data-testid="accuracy-bias">{rate(&row.bias)}</td>
    }
}

#[component]
pub fn AccuracyPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let by = RwSignal::new("manager".to_owned());
    let today = js_sys::Date::now() as i64;
    let from = RwSignal::new(day(today - 90 * 24 * 60 * 60 * 1000));
    let to = RwSignal::new(day(today));
    let report = RwSignal::new(None::<Result<AccuracyReport, Failure>>);
    Effect::new(move |_| {
        let url = format!(
            "/api/reports/forecast-accuracy?by={}&from={}&to={}",
            encode(&by.get()),
            encode(&from.get()),
            encode(&to.get()),
        );
        spawn_local(async move {
            report.set(Some(office.call::<AccuracyReport>("GET", &url, None).await));
        });
    });
    view! {
        <section class="reports">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::ForecastAccuracy)}</h1>
                {period_inputs(office, "accuracy", from, to)}
                <button data-testid="accuracy-csv" on:click=move |_| {
                    if let Some(Ok(r)) = report.get_untracked() {
                        download(&format!("forecast-accuracy-{}-{}-{}.csv", r.by, r.from, r.to), &csv(&office, &r));
                    }
                }>{move || office.t(Phrase::ExportCsv)}</button>
            </div>
            {dimension_tabs(office, "accuracy", &DIMENSIONS, by, || ())}
            {move || match report.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error" role="alert">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(r)) => {
                    let lang = office.lang.get();
                    view! {
                        {chart(lang, &r.rows)}
                        <table class="grid" data-testid="accuracy-rows">
                            <thead><tr>
                                <th>{office.t(Phrase::Key)}</th>
                                <th class="number">{office.t(Phrase::Proposals)}</th>
                                <th class="number">{office.t(Phrase::ProposalsOrdered)}</th>
                                <th class="number">{office.t(Phrase::ProposalsDeclined)}</th>
                                <th class="number">{office.t(Phrase::ProposalsOpen)}</th>
                                <th class="number">{office.t(Phrase::Paused)}</th>
                                <th class="number">{office.t(Phrase::Judged)}</th>
                                <th class="number">{office.t(Phrase::UnitsProposedOfOrdered)}</th>
                                <th class="number">{office.t(Phrase::Wape)}</th>
                                <th class="number">{office.t(Phrase::Bias)}</th>
                            </tr></thead>
                            <tbody>
                                {r.rows.iter().map(|row| view! {
                                    <tr data-testid="accuracy-row" data-key=row.key.clone()>
                                        <td>{label(lang, row)}</td>
                                        {cells(row)}
                                    </tr>
                                }).collect_view()}
                            </tbody>
                            <tfoot><tr data-testid="accuracy-total"><th>{office.t(Phrase::Total)}</th>{cells(&r.total)}</tr></tfoot>
                        </table>
                        <p class="meta">{office.t(Phrase::AccuracyExplained)}</p>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
pub fn HolidaysPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let rows = RwSignal::new(None::<Result<Vec<Holiday>, Failure>>);
    let message = RwSignal::new(None::<Result<(), String>>);
    let admin = office.is_admin();
    Effect::new(move |_| {
        spawn_local(async move {
            let got = office
                .call::<HolidayCalendar>("GET", "/api/holidays", None)
                .await;
            rows.set(Some(got.map(|c| c.holidays)));
        });
    });
    let edit = move |index: usize, change: Box<dyn FnOnce(&mut Holiday)>| {
        rows.update(|rows| {
            if let Some(Ok(rows)) = rows
                && let Some(row) = rows.get_mut(index)
            {
                change(row);
            }
        });
        message.set(None);
    };
    let save = move |_| {
        let Some(Ok(holidays)) = rows.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let body = serde_json::to_value(HolidayCalendar { holidays }).ok();
            match office
                .call::<HolidayCalendar>("PUT", "/api/admin/holidays", body)
                .await
            {
                Ok(saved) => {
                    rows.set(Some(Ok(saved.holidays)));
                    message.set(Some(Ok(())));
                }
                Err(failure) => message.set(Some(Err(office.explain(&failure)))),
            }
        });
    };
    view! {
        <section class="holidays">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::Holidays)}</h1>
            </div>
            <p class="meta">{move || office.t(Phrase::HolidaysExplained)}</p>
            {move || match rows.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error" role="alert">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="grid" data-testid="holidays">
                        <thead><tr>
                            <th>{office.t(Phrase::Name)}</th>
                            <th>{office.t(Phrase::From)}</th>
                            <th>{office.t(Phrase::Until)}</th>
                            <th class="number">{office.t(Phrase::Factor)}</th>
                            <th></th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().enumerate().map(|(index, h)| view! {
                                <tr data-testid="holiday" data-name=h.name.clone()>
                                    <td><input data-testid="holiday-name" disabled=!admin prop:value=h.name.clone()
                                        on:change=move |ev| { let v = event_target_value(&ev); edit(index, Box::new(move |r| r.name = v)); }/></td>
                                    <td><input type="date" data-testid="holiday-from" disabled=!admin prop:value=h.from.clone()
                                        on:change=move |ev| { let v = event_target_value(&ev); edit(index, Box::new(move |r| r.from = v)); }/></td>
                                    <td><input type="date" data-testid="holiday-until" disabled=!admin prop:value=h.until.clone()
                                        on:change=move |ev| { let v = event_target_value(&ev); edit(index, Box::new(move |r| r.until = v)); }/></td>
                                    <td class="number"><input data-testid="holiday-factor" size="5" inputmode="decimal" disabled=!admin prop:value=h.factor.normalize().to_string()
                                        on:change=move |ev| {
                                            let v = event_target_value(&ev);
                                            // Not a number: kept as 0, which the server refuses by name.
                                            let factor = v.trim().parse().unwrap_or_default();
                                            edit(index, Box::new(move |r| r.factor = factor));
                                        }/></td>
                                    <td>{admin.then(|| view! {
                                        <button data-testid="holiday-remove" on:click=move |_| {
                                            rows.update(|rows| if let Some(Ok(rows)) = rows { rows.remove(index); });
                                        }>{office.t(Phrase::Remove)}</button>
                                    })}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            {admin.then(|| view! {
                <div class="actions">
                    <button data-testid="holiday-add" on:click=move |_| rows.update(|rows| if let Some(Ok(rows)) = rows {
                        let today = day(js_sys::Date::now() as i64);
                        rows.push(Holiday { name: String::new(), from: today.clone(), until: today, factor: rust_decimal::Decimal::ONE });
                    })>{office.t(Phrase::Add)}</button>
                    <button class="primary" data-testid="holiday-save" on:click=save>{office.t(Phrase::Save)}</button>
                </div>
            })}
            {move || message.get().map(|m| match m {
                Ok(()) => view! { <p class="ok" data-testid="holiday-saved">{office.t(Phrase::Saved)}</p> }.into_any(),
                Err(text) => view! { <p class="error" role="alert" data-testid="holiday-error">{text}</p> }.into_any(),
            })}
        </section>
    }
}
