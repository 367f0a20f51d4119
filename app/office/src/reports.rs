//! Reports: sales by product, category, shop, tier, account manager, month or day over a
//! period, as a chart (SVG drawn here, no chart library) and a table with a CSV export;
//! best and slow sellers; cost and margin for admins and finance. And a product's cost
//! prices with their history (on its page).

use ::api::{CostEdit, CostEntry, SalesReport, SalesRow};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::Office;
use crate::api::{Failure, encode};
use crate::audit::format_time;
use crate::finance::{day, download, quote};
use crate::i18n::{Lang, Phrase};

const DIMENSIONS: [(&str, Phrase); 7] = [
    ("product", Phrase::ByProduct),
    ("category", Phrase::ByCategory),
    ("shop", Phrase::ByShop),
    ("tier", Phrase::ByTier),
    ("manager", Phrase::ByManager),
    ("month", Phrase::ByMonth),
    ("day", Phrase::ByDay),
];

/// How many groups the chart draws.
const CHART_ROWS: usize = 15;
/// How many groups the table shows (the CSV has them all).
const SHOWN_ROWS: usize = 100;

/// A group's key and its name in the user's language ("shop-lotus 莲花便利店").
pub(crate) fn key_label(lang: Lang, key: &str, label: &domain::product::LocalizedText) -> String {
    let name = lang.pick(label);
    if name.is_empty() || name == key {
        key.to_owned()
    } else {
        format!("{key} {name}")
    }
}

fn label(lang: Lang, row: &SalesRow) -> String {
    key_label(lang, &row.key, &row.label)
}

/// A percentage text as shown ("87.5%", "—" when there is none).
pub(crate) fn rate(text: &Option<String>) -> String {
    text.as_ref()
        .map_or_else(|| "—".to_owned(), |r| format!("{r}%"))
}

/// Per mille of a percentage text ("87.5" → 875), within 0 and `most`.
pub(crate) fn per_mille(text: &Option<String>, most: i64) -> i64 {
    text.as_ref()
        .and_then(|t| t.parse::<rust_decimal::Decimal>().ok())
        .and_then(|d| {
            use rust_decimal::prelude::ToPrimitive;
            (d * rust_decimal::Decimal::TEN).round().to_i64()
        })
        .unwrap_or(0)
        .clamp(0, most)
}

/// Horizontal bars as SVG: each `(name, per mille of the scale's end, value shown)`.
pub(crate) fn bars(
    test_id: &'static str,
    items: Vec<(String, i64, String)>,
    full: i64,
) -> impl IntoView + use<> {
    let bar = 22_i64;
    let count = i64::try_from(items.len().max(1)).unwrap_or(1);
    view! {
        <svg class="chart" data-testid=test_id viewBox=format!("0 0 760 {}", bar * count) role="img">
            {items.into_iter().zip(0_i64..).map(|((name, value, text), i)| {
                let y = i * bar;
                let w = value * 440 / full.max(1);
                view! {
                    <g>
                        <text x=0 y=y + 15 class="name">{name.chars().take(24).collect::<String>()}</text>
                        <rect x=200 y=y + 3 width=440 height=bar - 6 class="track"/>
                        <rect x=200 y=y + 3 width=w.max(1) height=bar - 6 class="bar"/>
                        <text x=648 y=y + 15 class="value">{text}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

/// The first and last day of a report's period (`{prefix}-from`, `{prefix}-to`).
pub(crate) fn period_inputs(
    office: Office,
    prefix: &'static str,
    from: RwSignal<String>,
    to: RwSignal<String>,
) -> impl IntoView + use<> {
    view! {
        <label>{move || office.t(Phrase::From)}<input type="date" data-testid=format!("{prefix}-from") prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev))/></label>
        <label>{move || office.t(Phrase::Until)}<input type="date" data-testid=format!("{prefix}-to") prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev))/></label>
    }
}

/// The tabs choosing what a report groups by (`{prefix}-by-{name}`); `picked` runs
/// before the choice is made.
pub(crate) fn dimension_tabs<F: Fn() + Copy + 'static>(
    office: Office,
    prefix: &'static str,
    dimensions: &'static [(&'static str, Phrase)],
    by: RwSignal<String>,
    picked: F,
) -> impl IntoView + use<F> {
    view! {
        <div class="tabs">
            {dimensions.iter().map(|&(name, phrase)| view! {
                <button data-testid=format!("{prefix}-by-{name}") class=move || if by.get() == name { "tab active" } else { "tab" }
                    on:click=move |_| { picked(); by.set(name.to_owned()); }>{move || office.t(phrase)}</button>
            }).collect_view()}
        </div>
    }
}

/// Bars of `rows`' revenue: across for groups, upwards over time. Geometry in whole
/// units (a bar's length is its share of the largest, in thousandths).
fn chart(lang: Lang, rows: &[SalesRow], over_time: bool) -> impl IntoView + use<> {
    use rust_decimal::prelude::ToPrimitive;
    let shown: Vec<&SalesRow> = if over_time {
        let skip = rows.len().saturating_sub(62);
        rows.iter().skip(skip).collect()
    } else {
        rows.iter().take(CHART_ROWS).collect()
    };
    let top = shown
        .iter()
        .map(|r| r.revenue.amount())
        .max()
        .filter(|m| m.is_sign_positive() && !m.is_zero())
        .unwrap_or(rust_decimal::Decimal::ONE);
    // Thousandths of the largest.
    let share = |r: &SalesRow| -> i64 {
        (r.revenue.amount() * rust_decimal::Decimal::from(1000) / top)
            .round()
            .to_i64()
            .unwrap_or(0)
            .clamp(0, 1000)
    };
    let count = i64::try_from(shown.len().max(1)).unwrap_or(1);
    if over_time {
        let (width, height) = (720_i64, 220_i64);
        let step = (width / count).clamp(2, 48);
        let every = (count / 8).max(1);
        view! {
            <svg class="chart" data-testid="chart" viewBox=format!("0 0 {} {}", step * count, height + 24) role="img">
                {shown.iter().zip(0_i64..).map(|(r, i)| {
                    let h = share(r) * height / 1000;
                    let x = i * step;
                    view! {
                        <g>
                            <title>{format!("{} {}", r.key, r.revenue)}</title>
                            <rect x=x + 1 y=height - h width=(step - 2).max(1) height=h class="bar"/>
                            {(i % every == 0).then(|| view! {
                                <text x=x y=height + 16 class="tick">{r.key.clone()}</text>
                            })}
                        </g>
                    }
                }).collect_view()}
            </svg>
        }
        .into_any()
    } else {
        let bar = 22_i64;
        view! {
            <svg class="chart" data-testid="chart" viewBox=format!("0 0 760 {}", bar * count) role="img">
                {shown.iter().zip(0_i64..).map(|(r, i)| {
                    let y = i * bar;
                    let w = share(r) * 440 / 1000;
                    view! {
                        <g>
                            <text x=0 y=y + 15 class="name">{label(lang, r).chars().take(24).collect::<String>()}</text>
                            <rect x=200 y=y + 3 width=w.max(1) height=bar - 6 class="bar"/>
                            <text x=206 + w y=y + 15 class="value">{r.revenue.to_string()}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
        }
        .into_any()
    }
}

fn csv(office: &Office, report: &SalesReport) -> String {
    let lang = office.lang.get_untracked();
    let mut head = vec![
        office.t(Phrase::Key),
        office.t(Phrase::Name),
        office.t(Phrase::OrderCount),
        office.t(Phrase::Units),
        office.t(Phrase::Revenue),
    ];
    if report.with_cost {
        head.extend([
            office.t(Phrase::Cost),
            office.t(Phrase::Margin),
            office.t(Phrase::MarginPercent),
        ]);
    }
    let mut lines = vec![head.into_iter().map(quote).collect::<Vec<_>>().join(",")];
    for row in &report.rows {
        let mut cells = vec![
            quote(&row.key),
            quote(&lang.pick(&row.label)),
            row.orders.to_string(),
            row.units.to_string(),
            row.revenue.amount().round_dp(2).to_string(),
        ];
        if report.with_cost {
            let amount = |m: Option<domain::money::Money>| {
                m.map(|m| m.amount().round_dp(2).to_string())
                    .unwrap_or_default()
            };
            cells.extend([
                amount(row.cost),
                amount(row.margin),
                row.margin_percent.clone().unwrap_or_default(),
            ]);
        }
        lines.push(cells.join(","));
    }
    lines.join("\r\n") + "\r\n"
}

/// `/office/reports`.
#[component]
pub fn ReportsPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let by = RwSignal::new("product".to_owned());
    let today = js_sys::Date::now() as i64;
    let from = RwSignal::new(format!("{}-01", &day(today)[..7]));
    let to = RwSignal::new(day(today));
    let slow = RwSignal::new(false);
    let report = RwSignal::new(None::<Result<SalesReport, Failure>>);
    Effect::new(move |_| {
        let order = if slow.get() {
            "&sort=units&order=asc"
        } else {
            ""
        };
        let url = format!(
            "/api/reports/sales?by={}&from={}&to={}{order}",
            encode(&by.get()),
            encode(&from.get()),
            encode(&to.get())
        );
        spawn_local(async move {
            report.set(Some(office.call::<SalesReport>("GET", &url, None).await));
        });
    });
    view! {
        <section class="reports">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::Reports)}</h1>
                {period_inputs(office, "report", from, to)}
                <Show when=move || by.get() == "product">
                    <label class="check"><input type="checkbox" data-testid="slow-sellers" prop:checked=move || slow.get() on:change=move |ev| slow.set(event_target_checked(&ev))/>{move || office.t(Phrase::SlowSellers)}</label>
                </Show>
                <button data-testid="report-csv" on:click=move |_| {
                    if let Some(Ok(r)) = report.get_untracked() {
                        download(&format!("sales-{}-{}-{}.csv", r.by, r.from, r.to), &csv(&office, &r));
                    }
                }>{move || office.t(Phrase::ExportCsv)}</button>
            </div>
            {dimension_tabs(office, "report", &DIMENSIONS, by, move || slow.set(false))}
            {move || match report.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(r)) => {
                    let lang = office.lang.get();
                    let over_time = matches!(r.by.as_str(), "month" | "day");
                    let with_cost = r.with_cost;
                    let total = r.total.clone();
                    view! {
                        <p class="meta" data-testid="report-meta">{format!("{} — {} · {} {} · {} {} · {} ms", r.from, r.to, office.t(Phrase::OrderCount), total.orders, office.t(Phrase::Revenue), total.revenue, r.took_ms)}</p>
                        {chart(lang, &r.rows, over_time)}
                        <table class="grid" data-testid="report-table">
                            <thead><tr>
                                <th>{office.t(Phrase::Key)}</th><th class="number">{office.t(Phrase::OrderCount)}</th><th class="number">{office.t(Phrase::Units)}</th>
                                <th class="number">{office.t(Phrase::Revenue)}</th>
                                {with_cost.then(|| view! { <th class="number">{office.t(Phrase::Cost)}</th><th class="number">{office.t(Phrase::Margin)}</th><th class="number">{office.t(Phrase::MarginPercent)}</th> })}
                            </tr></thead>
                            <tbody>
                                {r.rows.iter().take(SHOWN_ROWS).map(|row| view! {
                                    <tr data-testid="report-row" data-key=row.key.clone()>
                                        <td>{label(lang, row)}</td>
                                        <td class="number">{row.orders}</td>
                                        <td class="number" data-testid="report-units">{row.units}</td>
                                        <td class="number" data-testid="report-revenue">{row.revenue.to_string()}</td>
                                        {with_cost.then(|| view! {
                                            <td class="number">{row.cost.map(|c| c.to_string())}{(row.uncosted_lines > 0).then(|| view! { <span class="muted" title=office.t(Phrase::UncostedLines)>" *"</span> })}</td>
                                            <td class="number" data-testid="report-margin">{row.margin.map(|m| m.to_string())}</td>
                                            <td class="number">{row.margin_percent.clone().map(|p| format!("{p}%"))}</td>
                                        })}
                                    </tr>
                                }).collect_view()}
                            </tbody>
                            <tfoot><tr>
                                <th>{office.t(Phrase::Total)}</th><th class="number">{total.orders}</th><th class="number">{total.units}</th>
                                <th class="number" data-testid="report-total">{total.revenue.to_string()}</th>
                                {with_cost.then(|| view! { <th class="number">{total.cost.map(|c| c.to_string())}</th><th class="number">{total.margin.map(|m| m.to_string())}</th><th class="number">{total.margin_percent.clone().map(|p| format!("{p}%"))}</th> })}
                            </tr></tfoot>
                        </table>
                        {(r.rows.len() > SHOWN_ROWS).then(|| view! { <p class="meta" data-testid="report-more">{format!("{} {SHOWN_ROWS} / {} · CSV", office.t(Phrase::FirstRows), r.rows.len())}</p> })}
                        {(with_cost && total.uncosted_lines > 0).then(|| view! { <p class="meta">{format!("* {} {}", office.t(Phrase::UncostedLines), total.uncosted_lines)}</p> })}
                    }.into_any()
                }
            }}
        </section>
    }
}

/// A product's cost prices (admins and finance): the history and the form that sets one.
#[component]
pub fn CostPanel(sku: String) -> impl IntoView {
    let office = expect_context::<Office>();
    let history = RwSignal::new(None::<Result<Vec<CostEntry>, Failure>>);
    let cost = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let url = format!("/api/admin/products/{}/costs", encode(&sku));
    let load_url = url.clone();
    spawn_local(async move {
        history.set(Some(
            office.call::<Vec<CostEntry>>("GET", &load_url, None).await,
        ));
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CostEdit {
            cost: cost.get_untracked(),
            from: Some(from.get_untracked()).filter(|f| !f.trim().is_empty()),
            note: note.get_untracked(),
        };
        let url = url.clone();
        spawn_local(async move {
            match office
                .call::<Vec<CostEntry>>("POST", &url, serde_json::to_value(&body).ok())
                .await
            {
                Ok(entries) => {
                    message.set(Some(office.t(Phrase::Saved).to_owned()));
                    cost.set(String::new());
                    note.set(String::new());
                    history.set(Some(Ok(entries)));
                }
                Err(failure) => message.set(Some(office.explain(&failure))),
            }
        });
    };
    view! {
        <aside class="panel" data-testid="cost-panel">
            <h2>{move || office.t(Phrase::CostPrice)}</h2>
            <form class="inline" on:submit=submit>
                <label>{move || office.t(Phrase::CostYuan)}<input name="cost" inputmode="decimal" prop:value=move || cost.get() on:input=move |ev| cost.set(event_target_value(&ev))/></label>
                <label>{move || office.t(Phrase::FromDay)}<input name="cost_from" type="date" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/></label>
                <label>{move || office.t(Phrase::Note)}<input name="cost_note" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/></label>
                <button type="submit" data-testid="save-cost">{move || office.t(Phrase::Save)}</button>
            </form>
            {move || message.get().map(|text| view! { <p class="meta" role="status" data-testid="cost-message">{text}</p> })}
            {move || match history.get() {
                Some(Ok(entries)) if !entries.is_empty() => view! {
                    <table class="grid" data-testid="cost-history">
                        <thead><tr><th>{office.t(Phrase::FromDay)}</th><th class="number">{office.t(Phrase::CostPrice)}</th><th>{office.t(Phrase::Note)}</th><th>{office.t(Phrase::Who)}</th><th>{office.t(Phrase::When)}</th></tr></thead>
                        <tbody>
                            {entries.into_iter().map(|e| view! {
                                <tr data-testid="cost-row"><td>{day(e.from_ms)}</td><td class="number">{e.cost.to_string()}</td><td>{e.note}</td><td>{e.actor}</td><td>{format_time(e.set_ms)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Some(Ok(_)) => view! { <p class="muted">{office.t(Phrase::NoCostYet)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
            }}
        </aside>
    }
}
