//! `/office/fill-rate`: how well orders were served — shipped on time and in full (OTIF)
//! against a promise of so many hours, the share of units shipped — by shop, account
//! manager, product, month or day, worst first, as bars (SVG) and a table with a CSV.

use ::api::{FillRateReport, FillRateRow};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::Office;
use crate::api::{Failure, encode};
use crate::finance::{day, download, quote};
use crate::i18n::{Lang, Phrase};
use crate::reports::{bars, dimension_tabs, key_label, per_mille, period_inputs, rate};

const DIMENSIONS: [(&str, Phrase); 5] = [
    ("shop", Phrase::ByShop),
    ("manager", Phrase::ByManager),
    ("product", Phrase::ByProduct),
    ("month", Phrase::ByMonth),
    ("day", Phrase::ByDay),
];
/// How many groups the chart and the table show (the CSV has them all).
const SHOWN_ROWS: usize = 100;
const CHART_ROWS: usize = 20;

fn label(lang: Lang, row: &FillRateRow) -> String {
    key_label(lang, &row.key, &row.label)
}

/// OTIF of each group as a bar out of 100 %.
fn chart(lang: Lang, rows: &[FillRateRow]) -> impl IntoView + use<> {
    let items = rows
        .iter()
        .filter(|r| r.judged > 0)
        .take(CHART_ROWS)
        .map(|r| {
            (
                label(lang, r),
                per_mille(&r.otif_rate, 1000),
                rate(&r.otif_rate),
            )
        })
        .collect();
    bars("fill-chart", items, 1000)
}

fn csv(office: &Office, report: &FillRateReport) -> String {
    let lang = office.lang.get_untracked();
    let head = [
        Phrase::Key,
        Phrase::Name,
        Phrase::OrderCount,
        Phrase::OpenOrders,
        Phrase::Otif,
        Phrase::OnTime,
        Phrase::InFull,
        Phrase::FillRate,
        Phrase::UnitsOrdered,
        Phrase::UnitsShipped,
    ];
    let mut lines = vec![
        head.into_iter()
            .map(|p| quote(office.t(p)))
            .collect::<Vec<_>>()
            .join(","),
    ];
    for row in &report.rows {
        let plain = |t: &Option<String>| t.clone().unwrap_or_default();
        lines.push(
            [
                quote(&row.key),
                quote(&lang.pick(&row.label)),
                row.orders.to_string(),
                row.open.to_string(),
                plain(&row.otif_rate),
                plain(&row.on_time_rate),
                plain(&row.in_full_rate),
                plain(&row.fill_rate),
                row.ordered_units.to_string(),
                row.shipped_units.to_string(),
            ]
            .join(","),
        );
    }
    lines.join("\r\n") + "\r\n"
}

fn cells(row: &FillRateRow) -> impl IntoView + use<> {
    view! {
        <td class="number">{row.orders}</td>
        <td class="number">{row.open}</td>
        <td class="number" data-testid="fill-otif">{rate(&row.otif_rate)}</td>
        <td class="number">{rate(&row.on_time_rate)}</td>
        <td class="number">{rate(&row.in_full_rate)}</td>
        <td class="number" data-testid="fill-units">{rate(&row.fill_rate)}</td>
        <td class="number">{format!("{} / {}", row.shipped_units, row.ordered_units)}</td>
    }
}

#[component]
pub fn FillRatePage() -> impl IntoView {
    let office = expect_context::<Office>();
    let by = RwSignal::new("shop".to_owned());
    let today = js_sys::Date::now() as i64;
    let from = RwSignal::new(format!("{}-01", &day(today)[..7]));
    let to = RwSignal::new(day(today));
    let within = RwSignal::new("48".to_owned());
    let report = RwSignal::new(None::<Result<FillRateReport, Failure>>);
    Effect::new(move |_| {
        let url = format!(
            "/api/reports/fill-rate?by={}&from={}&to={}&within_hours={}",
            encode(&by.get()),
            encode(&from.get()),
            encode(&to.get()),
            encode(&within.get())
        );
        spawn_local(async move {
            report.set(Some(office.call::<FillRateReport>("GET", &url, None).await));
        });
    });
    view! {
        <section class="reports">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::FillRateReport)}</h1>
                {period_inputs(office, "fill", from, to)}
                <label>{move || office.t(Phrase::PromiseHours)}<input data-testid="fill-within" inputmode="numeric" size="4" prop:value=move || within.get() on:change=move |ev| within.set(event_target_value(&ev))/></label>
                <button data-testid="fill-csv" on:click=move |_| {
                    if let Some(Ok(r)) = report.get_untracked() {
                        download(&format!("fill-rate-{}-{}-{}.csv", r.by, r.from, r.to), &csv(&office, &r));
                    }
                }>{move || office.t(Phrase::ExportCsv)}</button>
            </div>
            {dimension_tabs(office, "fill", &DIMENSIONS, by, || ())}
            {move || match report.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error" role="alert">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(r)) => {
                    let lang = office.lang.get();
                    let more = r.rows.len().saturating_sub(SHOWN_ROWS);
                    view! {
                        <p class="meta">{format!("{} {} · {} {}h · {} ms", office.t(Phrase::OrderCount), r.total.orders, office.t(Phrase::PromiseHours), r.within_hours, r.took_ms)}</p>
                        {chart(lang, &r.rows)}
                        <table class="grid" data-testid="fill-rows">
                            <thead><tr>
                                <th>{office.t(Phrase::Key)}</th>
                                <th class="number">{office.t(Phrase::OrderCount)}</th>
                                <th class="number">{office.t(Phrase::OpenOrders)}</th>
                                <th class="number">{office.t(Phrase::Otif)}</th>
                                <th class="number">{office.t(Phrase::OnTime)}</th>
                                <th class="number">{office.t(Phrase::InFull)}</th>
                                <th class="number">{office.t(Phrase::FillRate)}</th>
                                <th class="number">{office.t(Phrase::UnitsShippedOfOrdered)}</th>
                            </tr></thead>
                            <tbody>
                                {r.rows.iter().take(SHOWN_ROWS).map(|row| view! {
                                    <tr data-testid="fill-row" data-key=row.key.clone()>
                                        <td>{label(lang, row)}</td>
                                        {cells(row)}
                                    </tr>
                                }).collect_view()}
                            </tbody>
                            <tfoot><tr data-testid="fill-total"><th>{office.t(Phrase::Total)}</th>{cells(&r.total)}</tr></tfoot>
                        </table>
                        {(more > 0).then(|| view! { <p class="meta">{format!("{} {SHOWN_ROWS}", office.t(Phrase::FirstRows))}</p> })}
                        <p class="meta">{office.t(Phrase::FillRateExplained)}</p>
                    }.into_any()
                }
            }}
        </section>
    }
}
