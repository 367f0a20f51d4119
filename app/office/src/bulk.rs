//! Bulk work: download products, prices and customers as CSV, and orders, invoices and
//! payments of a period for an ERP; import products, prices or
//! customers (changes, and new shops with their owner's sign-in) from a CSV file: a preview first (what would be created, changed, left alone, and every
//! refused row by line and column), then the import, all rows or none.

use ::api::ImportReport;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::Office;
use crate::api::Failure;
use crate::i18n::Phrase;

/// Fetches `url` with the session and saves the answer as `name`.
async fn download(office: Office, url: &str, name: &str) -> Result<(), Failure> {
    let text = office.get_text(url).await?;
    // Reading the answer as text dropped its byte-order mark; spreadsheet programs need
    // it to read the file as UTF-8.
    let text = format!("\u{feff}{}", text.trim_start_matches('\u{feff}'));
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| Failure::Offline)?;
    let href = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| Failure::Offline)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(Failure::Offline)?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| Failure::Offline)?
        .dyn_into()
        .map_err(|_| Failure::Offline)?;
    anchor.set_href(&href);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&href);
    Ok(())
}

#[component]
pub fn BulkPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let message = RwSignal::new(None::<String>);
    let kind = RwSignal::new("products".to_owned());
    let file = StoredValue::new_local(None::<web_sys::File>);
    let report = RwSignal::new(None::<ImportReport>);
    let busy = RwSignal::new(false);
    let export = move |name: &'static str| {
        spawn_local(async move {
            let url = format!("/api/admin/export/{name}");
            if let Err(failure) = download(office, &url, name).await {
                message.set(Some(office.explain(&failure)));
            }
        });
    };
    // Orders, invoices and payments of a period, in the layout an ERP imports.
    let (from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let erp = move |name: &'static str| {
        let (from, to) = (from.get_untracked(), to.get_untracked());
        spawn_local(async move {
            let url = format!("/api/export/{name}?from={from}&to={to}");
            let file = format!("{}-{from}-{to}.csv", name.trim_end_matches(".csv"));
            match download(office, &url, &file).await {
                Ok(()) => message.set(None),
                Err(failure) => message.set(Some(office.explain(&failure))),
            }
        });
    };
    let send = move |apply: bool| {
        let Some(picked) = file.get_value() else {
            message.set(Some(office.t(Phrase::ChooseFile).to_owned()));
            return;
        };
        busy.set(true);
        message.set(None);
        let url = format!("/api/admin/import/{}?apply={apply}", kind.get_untracked());
        spawn_local(async move {
            let result = office.import_file::<ImportReport>(&url, picked).await;
            busy.set(false);
            match result {
                Ok(found) => report.set(Some(found)),
                Err(problem) => message.set(Some(problem)),
            }
        });
    };
    let picked = move |ev: leptos::ev::Event| {
        let chosen = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        file.set_value(chosen);
        report.set(None);
        send(false);
    };
    view! {
        <section class="bulk">
            <div class="toolbar"><h1>{move || office.t(Phrase::Bulk)}</h1></div>
            <h2>{move || office.t(Phrase::Export)}</h2>
            <div class="row">
                <button type="button" data-testid="export-products" on:click=move |_| export("products.csv")>{move || office.t(Phrase::Products)}</button>
                <button type="button" data-testid="export-prices" on:click=move |_| export("prices.csv")>{move || office.t(Phrase::Prices)}</button>
                <button type="button" data-testid="export-customers" on:click=move |_| export("customers.csv")>{move || office.t(Phrase::Customers)}</button>
            </div>
            <Show when=move || office.may("orders.read") || office.may("finance")>
                <h2>{move || office.t(Phrase::ErpExport)}</h2>
                <p class="meta">{move || office.t(Phrase::ErpExportHelp)}</p>
                <div class="row">
                    <label>{move || office.t(Phrase::From)}
                        <input type="date" data-testid="erp-from" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/></label>
                    <label>{move || office.t(Phrase::Until)}
                        <input type="date" data-testid="erp-to" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))/></label>
                    <Show when=move || office.may("orders.read")>
                        <button type="button" data-testid="erp-orders" on:click=move |_| erp("orders.csv")>{move || office.t(Phrase::Orders)}</button>
                    </Show>
                    <Show when=move || office.may("finance")>
                        <button type="button" data-testid="erp-invoices" on:click=move |_| erp("invoices.csv")>{move || office.t(Phrase::Invoice)}</button>
                        <button type="button" data-testid="erp-payments" on:click=move |_| erp("payments.csv")>{move || office.t(Phrase::PaymentEntry)}</button>
                    </Show>
                </div>
            </Show>
            <Show when=move || office.is_admin()>
                <h2>{move || office.t(Phrase::Import)}</h2>
                <p class="meta">{move || office.t(Phrase::ImportHelp)}</p>
                <div class="row">
                    <label>{move || office.t(Phrase::ImportWhat)}
                        <select name="kind" on:change=move |ev| { kind.set(event_target_value(&ev)); report.set(None); if file.get_value().is_some() { send(false); } }>
                            <option value="products">{move || office.t(Phrase::Products)}</option>
                            <option value="prices">{move || office.t(Phrase::Prices)}</option>
                            <option value="customers">{move || office.t(Phrase::Customers)}</option>
                        </select>
                    </label>
                    <label>{move || office.t(Phrase::CsvFile)}
                        <input type="file" name="csv" accept=".csv,text/csv" on:change=picked/>
                    </label>
                </div>
            </Show>
            {move || message.get().map(|text| view! { <p class="error" role="alert" data-testid="bulk-message">{text}</p> })}
            {move || report.get().map(|r| {
                let clean = r.problems.is_empty();
                view! {
                    <div class="report" data-testid="import-report">
                        <p data-testid="import-summary">{format!(
                            "{} {} · {} {} · {} {} · {} {}",
                            office.t(Phrase::Rows), r.rows,
                            office.t(Phrase::WillCreate), r.created,
                            office.t(Phrase::WillUpdate), r.updated,
                            office.t(Phrase::Unchanged), r.unchanged,
                        )}</p>
                        {r.applied.then(|| view! { <p class="saved" data-testid="import-done">{office.t(Phrase::Imported)}</p> })}
                        {(!clean).then(|| view! {
                            <p class="error">{office.t(Phrase::FixAndRetry)}</p>
                            <table class="grid" data-testid="import-problems">
                                <thead><tr><th>{office.t(Phrase::Line)}</th><th>{office.t(Phrase::Field)}</th><th>{office.t(Phrase::Problem)}</th></tr></thead>
                                <tbody>
                                    {r.problems.iter().map(|p| view! {
                                        <tr data-testid="import-problem" data-line=p.line.to_string()>
                                            <td>{p.line}</td>
                                            <td>{p.field.clone()}</td>
                                            <td>{office.field_problem(&p.field, &p.rule)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        })}
                        {(clean && !r.applied).then(|| view! {
                            <button type="button" data-testid="apply-import" disabled=move || busy.get() on:click=move |_| send(true)>{office.t(Phrase::ApplyImport)}</button>
                        })}
                    </div>
                }
            })}
        </section>
    }
}
