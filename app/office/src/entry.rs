//! Orders entered in the back office (代客下单) for a shop that phoned or wrote: pick the
//! shop, add lines by SKU or name, see the order as the engine prices it (the shop's
//! prices, promotions, shipping, tax, stock) before placing it; and orders imported from
//! a CSV file of other channels, previewed with every problem by line, then placed all at
//! once.

use ::api::{CustomerPage, OfficeOrder, OrderImportReport, ProductPage};
use domain::order::OrderConfirmation;
use domain::order_state::OrderState;
use domain::pricing::{LineRefusal, RequestedLine};
use domain::sku::Sku;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::Office;
use crate::api::{Failure, encode};
use crate::i18n::{Phrase, state_label};

/// `/office/orders/new`.
#[component]
pub fn NewOrderPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let shop = RwSignal::new(String::new());
    let shops = RwSignal::new(Vec::<(String, String)>::new());
    let lines = RwSignal::new(Vec::<RequestedLine>::new());
    let sku = RwSignal::new(String::new());
    let quantity = RwSignal::new(String::from("1"));
    let found = RwSignal::new(Vec::<(String, String)>::new());
    let note = RwSignal::new(String::new());
    let pickup = RwSignal::new(false);
    let use_prepaid = RwSignal::new(false);
    let preview = RwSignal::new(None::<Result<OrderConfirmation, Failure>>);
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let lang = move || office.lang.get();
    // Shops matching what is typed (id or name).
    Effect::new(move |_| {
        let q = shop.get();
        spawn_local(async move {
            let url = format!("/api/admin/shops?limit=20&q={}", encode(q.trim()));
            if let Ok(page) = office.call::<CustomerPage>("GET", &url, None).await {
                shops.set(page.customers.into_iter().map(|c| (c.id, c.name)).collect());
            }
        });
    });
    // Products matching what is typed (SKU or any name).
    Effect::new(move |_| {
        let q = sku.get();
        if q.trim().chars().count() < 2 {
            found.set(Vec::new());
            return;
        }
        spawn_local(async move {
            let url = format!(
                "/api/admin/products?limit=20&active=true&q={}",
                encode(q.trim())
            );
            if let Ok(page) = office.call::<ProductPage>("GET", &url, None).await {
                let lang = office.lang.get_untracked();
                found.set(
                    page.products
                        .into_iter()
                        .map(|p| (p.sku.to_string(), lang.pick(&p.name)))
                        .collect(),
                );
            }
        });
    });
    let order = move || OfficeOrder {
        shop: shop.get().trim().to_owned(),
        lines: lines.get(),
        note: note.get(),
        pickup: pickup.get(),
        use_prepaid: use_prepaid.get(),
        coupon_codes: Vec::new(),
        unit_prices: Default::default(),
    };
    // The engine's answer to the order as it stands.
    Effect::new(move |_| {
        let body = order();
        if body.shop.is_empty() || body.lines.is_empty() {
            preview.set(None);
            return;
        }
        spawn_local(async move {
            let result = office
                .call::<OrderConfirmation>(
                    "POST",
                    "/api/admin/orders/preview",
                    serde_json::to_value(&body).ok(),
                )
                .await;
            preview.set(Some(result));
        });
    });
    let add = move || {
        let code = sku.get_untracked().trim().to_uppercase();
        let Ok(code) = Sku::parse(&code) else {
            error.set(Some(office.t(Phrase::UnknownSku).to_owned()));
            return;
        };
        let Ok(count) = quantity.get_untracked().trim().parse::<u32>() else {
            error.set(Some(office.t(Phrase::QuantityWhole).to_owned()));
            return;
        };
        error.set(None);
        lines.update(|lines| match lines.iter_mut().find(|l| l.sku == code) {
            Some(line) => line.quantity = count,
            None => lines.push(RequestedLine {
                sku: code,
                quantity: count,
            }),
        });
        sku.set(String::new());
        quantity.set("1".into());
    };
    let place = move |_| {
        let body = order();
        let navigate = navigate.clone();
        spawn_local(async move {
            match office
                .call::<OrderConfirmation>(
                    "POST",
                    "/api/admin/orders",
                    serde_json::to_value(&body).ok(),
                )
                .await
            {
                Ok(placed) => navigate(
                    &format!("/office/orders/{}", placed.number),
                    Default::default(),
                ),
                Err(failure) => error.set(Some(office.explain(&failure))),
            }
        });
    };
    view! {
        <section class="new-order">
            <A href="/office/orders">{move || office.t(Phrase::Back)}</A>
            <h1>{move || office.t(Phrase::NewOrder)}</h1>
            <div class="form-grid">
                <label>{move || office.t(Phrase::ShopCol)}
                    <input list="entry-shops" data-testid="entry-shop" prop:value=move || shop.get()
                        on:input=move |ev| shop.set(event_target_value(&ev))/>
                    <datalist id="entry-shops">
                        {move || shops.get().into_iter().map(|(id, name)| view! { <option value=id.clone()>{name}</option> }).collect_view()}
                    </datalist>
                </label>
                <label>{move || office.t(Phrase::Sku)}
                    <input list="entry-products" data-testid="entry-sku" prop:value=move || sku.get()
                        on:input=move |ev| sku.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { add() }/>
                    <datalist id="entry-products">
                        {move || found.get().into_iter().map(|(code, name)| view! { <option value=code.clone()>{name}</option> }).collect_view()}
                    </datalist>
                </label>
                <label>{move || office.t(Phrase::Quantity)}
                    <input type="number" min="1" data-testid="entry-quantity" prop:value=move || quantity.get()
                        on:input=move |ev| quantity.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { add() }/>
                </label>
                <button data-testid="entry-add" on:click=move |_| add()>{move || office.t(Phrase::AddLine)}</button>
            </div>
            <table class="grid" data-testid="entry-lines">
                <thead><tr>
                    <th>{move || office.t(Phrase::Sku)}</th><th>{move || office.t(Phrase::Name)}</th>
                    <th class="number">{move || office.t(Phrase::Quantity)}</th><th class="number">{move || office.t(Phrase::UnitPrice)}</th>
                    <th class="number">{move || office.t(Phrase::LineTotal)}</th><th></th>
                </tr></thead>
                <tbody>
                    {move || {
                        let answer = preview.get().and_then(Result::ok);
                        lines.get().into_iter().map(|line| {
                            let priced = answer.as_ref().and_then(|a| a.priced.lines.iter().find(|l| l.sku == line.sku).cloned());
                            let refused = answer.as_ref().and_then(|a| a.priced.refused.iter().find(|r| r.sku == line.sku).cloned());
                            let code = line.sku.clone();
                            view! {
                                <tr data-testid="entry-line" data-sku=line.sku.to_string()>
                                    <td>{line.sku.to_string()}</td>
                                    <td>{priced.as_ref().map(|p| lang().pick(&p.name)).unwrap_or_default()}
                                        {refused.map(|r| view! { <span class="error" data-testid="entry-refused">{format!(" {}", refused_line(&office, &r.reason))}</span> })}
                                    </td>
                                    <td class="number">{line.quantity}</td>
                                    <td class="number">{priced.as_ref().map(|p| p.unit_price.to_string()).unwrap_or_default()}</td>
                                    <td class="number">{priced.as_ref().map(|p| p.line_total.to_string()).unwrap_or_default()}</td>
                                    <td><button class="link" on:click=move |_| lines.update(|l| l.retain(|x| x.sku != code))>{office.t(Phrase::Remove)}</button></td>
                                </tr>
                            }
                        }).collect_view()
                    }}
                </tbody>
            </table>
            {move || match preview.get() {
                None => ().into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(answer)) => {
                    let rejected = answer.state == OrderState::Rejected;
                    view! {
                        <div class="entry-quote" data-testid="entry-quote">
                            {answer.quote.clone().map(|q| view! {
                                <table class="quote">
                                    {q.promotions.iter().map(|p| view! { <tr><td>{lang().pick(&p.name)}</td><td class="number">{format!("−{}", p.discount)}</td></tr> }).collect_view()}
                                    {q.gifts.iter().map(|g| view! { <tr><td>{format!("{} {} × {}", office.t(Phrase::Gift), lang().pick(&g.name), g.quantity)}</td><td></td></tr> }).collect_view()}
                                    <tr><th>{office.t(Phrase::ShippingFee)}</th><td class="number">{q.shipping.to_string()}</td></tr>
                                    <tr><th>{office.t(Phrase::TaxLabel)}</th><td class="number">{q.tax.to_string()}</td></tr>
                                    <tr><th>{office.t(Phrase::OrderTotal)}</th><td class="number" data-testid="entry-total">{q.total.to_string()}</td></tr>
                                    <tr><th>{office.t(Phrase::AmountDue)}</th><td class="number">{q.amount_due.to_string()}</td></tr>
                                </table>
                            })}
                            {(!answer.backordered.is_empty()).then(|| view! {
                                <p class="muted">{format!("{}: {}", office.t(Phrase::Backordered),
                                    answer.backordered.iter().map(|(s, q)| format!("{s} × {q}")).collect::<Vec<_>>().join(", "))}</p>
                            })}
                            {rejected.then(|| view! {
                                <p class="error" data-testid="entry-rejected">{format!("{}: {}", state_label(lang(), OrderState::Rejected),
                                    answer.history.last().map(|e| crate::orders::history_text(&office, &Default::default(), e)).unwrap_or_default())}</p>
                            })}
                        </div>
                    }.into_any()
                }
            }}
            <div class="actions">
                <input data-testid="entry-note" placeholder=move || office.t(Phrase::Note) prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev))/>
                <label class="inline"><input type="checkbox" prop:checked=move || pickup.get() on:change=move |ev| pickup.set(event_target_checked(&ev))/>{move || office.t(Phrase::Pickup)}</label>
                <label class="inline"><input type="checkbox" prop:checked=move || use_prepaid.get() on:change=move |ev| use_prepaid.set(event_target_checked(&ev))/>{move || office.t(Phrase::UsePrepaid)}</label>
                <button class="primary" data-testid="entry-place"
                    disabled=move || !matches!(preview.get(), Some(Ok(ref a)) if a.state != OrderState::Rejected)
                    on:click=place>{move || office.t(Phrase::PlaceOrder)}</button>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="entry-error">{e}</p> })}
            <OrderImport/>
        </section>
    }
}

/// Why the engine refuses a line, in the user's words.
pub(crate) fn refused_line(office: &Office, reason: &LineRefusal) -> &'static str {
    office.t(match reason {
        LineRefusal::UnknownSku => Phrase::RefusedUnknown,
        LineRefusal::Discontinued => Phrase::RefusedDiscontinued,
        LineRefusal::NotOffered => Phrase::RefusedNotOffered,
        LineRefusal::Quantity { .. } => Phrase::RefusedQuantity,
    })
}

/// A CSV file of orders (`ref,shop,sku,quantity,note`): previewed, then placed at once.
#[component]
fn OrderImport() -> impl IntoView {
    let office = expect_context::<Office>();
    let file = StoredValue::new_local(None::<web_sys::File>);
    let report = RwSignal::new(None::<OrderImportReport>);
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let send = move |apply: bool| {
        let Some(picked) = file.get_value() else {
            failure.set(Some(office.t(Phrase::ChooseFile).to_owned()));
            return;
        };
        busy.set(true);
        failure.set(None);
        let url = format!("/api/admin/import/orders?apply={apply}");
        spawn_local(async move {
            let result = office.import_file::<OrderImportReport>(&url, picked).await;
            busy.set(false);
            match result {
                Ok(found) => report.set(Some(found)),
                Err(problem) => failure.set(Some(problem)),
            }
        });
    };
    view! {
        <h2>{move || office.t(Phrase::ImportOrders)}</h2>
        <p class="muted">"ref, shop, sku, quantity, note"</p>
        <input type="file" accept=".csv,text/csv" data-testid="import-orders-file" on:change=move |ev| {
            use wasm_bindgen::JsCast;
            let chosen = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            file.set_value(chosen);
            report.set(None);
            send(false);
        }/>
        {move || failure.get().map(|e| view! { <p class="error">{e}</p> })}
        {move || report.get().map(|r| {
            let ready = r.problems.is_empty() && !r.applied && r.orders.iter().any(|o| !o.already);
            view! {
                <div data-testid="import-orders-report">
                    {r.applied.then(|| view! { <p class="saved" data-testid="import-orders-done">{office.t(Phrase::Imported)}</p> })}
                    <table class="grid">
                        <thead><tr><th>"ref"</th><th>{office.t(Phrase::ShopCol)}</th><th class="number">{office.t(Phrase::Lines)}</th>
                            <th class="number">{office.t(Phrase::OrderTotal)}</th><th>{office.t(Phrase::OrderNumber)}</th></tr></thead>
                        <tbody>
                            {r.orders.iter().map(|o| view! {
                                <tr data-testid="import-order">
                                    <td>{o.reference.clone()}</td><td>{o.shop.clone()}</td><td class="number">{o.lines}</td>
                                    <td class="number">{o.total.clone()}</td>
                                    <td data-testid="import-order-number">{if o.number.is_empty() { String::new() } else if o.already {
                                        format!("{} ({})", o.number, office.t(Phrase::AlreadyImported))
                                    } else { o.number.clone() }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {(!r.problems.is_empty()).then(|| view! {
                        <p class="error">{office.t(Phrase::FixAndRetry)}</p>
                        <table class="grid" data-testid="import-problems">
                            <thead><tr><th>{office.t(Phrase::Line)}</th><th>{office.t(Phrase::Field)}</th><th>{office.t(Phrase::Problem)}</th></tr></thead>
                            <tbody>
                                {r.problems.iter().map(|p| view! {
                                    <tr data-testid="import-problem" data-line=p.line.to_string()>
                                        <td>{p.line}</td><td>{p.field.clone()}</td><td>{office.field_problem(&p.field, &p.rule)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                    {ready.then(|| view! {
                        <button class="primary" data-testid="import-orders-apply" disabled=move || busy.get() on:click=move |_| send(true)>{office.t(Phrase::ApplyImport)}</button>
                    })}
                </div>
            }
        })}
    }
}
