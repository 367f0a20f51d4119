//! Webhooks (admins): subscribe a receiver's URL to events and copy its signing secret
//! (shown this once); see each endpoint's health, turn it off and on, send a test event;
//! open its deliveries to see every attempt and what the receiver answered, and resend one.

use ::api::webhooks::{
    Delivery, DeliveryPage, EVENTS, Endpoint, EndpointCreated, EndpointList, NewEndpoint,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::Office;
use crate::api::Failure;
use crate::audit::format_time;
use crate::i18n::Phrase;

/// What an event type is called on screen.
fn event_label(office: &Office, kind: &str) -> &'static str {
    office.t(match kind {
        "order.placed" => Phrase::EvPlaced,
        "order.confirmed" => Phrase::EvConfirmed,
        "order.held" => Phrase::EvHeld,
        "order.changed" => Phrase::EvChanged,
        "order.cancelled" => Phrase::EvCancelled,
        "order.rejected" => Phrase::EvRejected,
        "order.shipped" => Phrase::EvShipped,
        "order.delivered" => Phrase::EvDelivered,
        "order.returned" => Phrase::EvReturned,
        "invoice.raised" => Phrase::EvInvoice,
        "payment.received" => Phrase::EvPayment,
        "stock.low" => Phrase::EvStockLow,
        _ => Phrase::EvPing,
    })
}

/// An endpoint's health in words.
fn health(office: &Office, endpoint: &Endpoint) -> (String, &'static str) {
    match (endpoint.enabled, endpoint.disabled_reason.as_deref()) {
        (false, Some("failing_for_a_day")) => (office.t(Phrase::OffFailing).to_owned(), "error"),
        (false, _) => (office.t(Phrase::OffByAdmin).to_owned(), "muted"),
        (true, _) => match endpoint.failing_since_ms {
            Some(since) => (
                office
                    .t(Phrase::FailingSince)
                    .replace("{}", &format_time(since)),
                "error",
            ),
            None => (office.t(Phrase::Healthy).to_owned(), "ok"),
        },
    }
}

/// `/office/webhooks`.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let (list, version) = office.reloading::<EndpointList>("/api/admin/webhooks");
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let secret = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let open = RwSignal::new(None::<i64>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = NewEndpoint {
            url: url.get_untracked(),
            events: chosen.get_untracked(),
            description: description.get_untracked(),
        };
        spawn_local(async move {
            match office
                .call::<EndpointCreated>(
                    "POST",
                    "/api/admin/webhooks",
                    serde_json::to_value(&body).ok(),
                )
                .await
            {
                Ok(created) => {
                    problem.set(None);
                    secret.set(Some(created.secret));
                    url.set(String::new());
                    description.set(String::new());
                    chosen.set(Vec::new());
                    version.update(|v| *v += 1);
                }
                Err(failure) => problem.set(Some(office.explain(&failure))),
            }
        });
    };
    // PATCH/POST/DELETE on an endpoint, then reload the list.
    let act = move |method: &'static str, path: String, body: Option<serde_json::Value>| {
        spawn_local(async move {
            match office.call::<serde_json::Value>(method, &path, body).await {
                Ok(_) => problem.set(None),
                Err(failure) => problem.set(Some(office.explain(&failure))),
            }
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section class="webhooks">
            <h1>{move || office.t(Phrase::Webhooks)}</h1>
            <p class="muted">{move || office.t(Phrase::WebhooksSay)}</p>
            <form class="inline-form" on:submit=submit>
                <label>{move || office.t(Phrase::ReceiverUrl)}
                    <input data-testid="hook-url" type="url" placeholder="https://erp.example.com/dinghuo" prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/></label>
                <label>{move || office.t(Phrase::Description)}
                    <input data-testid="hook-description" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/></label>
                <fieldset>
                    <legend>{move || office.t(Phrase::EventTypes)}</legend>
                    {EVENTS.into_iter().filter(|e| *e != "ping").map(|kind| view! {
                        <label class="check">
                            <input type="checkbox" data-testid="hook-event" data-event=kind
                                prop:checked=move || chosen.with(|c| c.iter().any(|s| s == kind))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| {
                                        c.retain(|s| s != kind);
                                        if on {
                                            c.push(kind.to_owned());
                                        }
                                    });
                                }/>
                            {move || event_label(&office, kind)}" "<code>{kind}</code>
                        </label>
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="primary" data-testid="add-hook">{move || office.t(Phrase::AddEndpoint)}</button>
            </form>
            {move || problem.get().map(|text| view! { <p class="error" role="alert" data-testid="hook-problem">{text}</p> })}
            {move || secret.get().map(|secret| view! {
                <div class="saved" data-testid="new-hook">
                    <p>{office.t(Phrase::SecretShownOnce)}</p>
                    <code data-testid="hook-secret">{secret}</code>
                </div>
            })}
            {move || match list.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="grid">
                        <thead><tr>
                            <th>{office.t(Phrase::ReceiverUrl)}</th><th>{office.t(Phrase::EventTypes)}</th>
                            <th>{office.t(Phrase::State)}</th><th>{office.t(Phrase::Deliveries)}</th><th></th>
                        </tr></thead>
                        <tbody>
                            {list.endpoints.into_iter().map(|endpoint| {
                                let id = endpoint.id;
                                let (said, class) = health(&office, &endpoint);
                                let events = EVENTS.iter().filter(|e| endpoint.events.iter().any(|s| s == *e)).map(|e| event_label(&office, e)).collect::<Vec<_>>().join("、");
                                let enabled = endpoint.enabled;
                                let base = format!("/api/admin/webhooks/{id}");
                                let (toggle, ping, remove) = (base.clone(), format!("{base}/ping"), base);
                                view! {
                                    <tr data-testid="hook-row" data-url=endpoint.url.clone()>
                                        <td><code>{endpoint.url.clone()}</code>
                                            <div class="muted">{format!("{} · {} · {}", endpoint.description, format_time(endpoint.created_ms), endpoint.created_by)}</div></td>
                                        <td>{events}</td>
                                        <td class=class data-testid="hook-health">{said}</td>
                                        <td data-testid="hook-counts">{office.t(Phrase::DeliveredPending)
                                            .replacen("{}", &endpoint.delivered.to_string(), 1)
                                            .replacen("{}", &endpoint.pending.to_string(), 1)}</td>
                                        <td class="actions">
                                            <button type="button" data-testid="hook-deliveries" on:click=move |_| open.set(Some(id))>{office.t(Phrase::Deliveries)}</button>
                                            <button type="button" data-testid="hook-ping" on:click=move |_| act("POST", ping.clone(), None)>{office.t(Phrase::SendTest)}</button>
                                            <button type="button" data-testid="hook-toggle"
                                                on:click=move |_| act("PATCH", toggle.clone(), Some(serde_json::json!({ "enabled": !enabled })))>
                                                {office.t(if enabled { Phrase::TurnOff } else { Phrase::TurnOn })}</button>
                                            <button type="button" data-testid="hook-delete" on:click=move |_| act("DELETE", remove.clone(), None)>{office.t(Phrase::Remove)}</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            {move || open.get().map(|id| view! { <DeliveriesOf id=id version=version/> })}
        </section>
    }
}

/// The deliveries of endpoint `id`, newest first, each with its attempts; reloaded when
/// `version` moves.
#[component]
fn DeliveriesOf(id: i64, version: RwSignal<u32>) -> impl IntoView {
    let office = expect_context::<Office>();
    let page = RwSignal::new(None::<Result<DeliveryPage, Failure>>);
    let before = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        version.track();
        let path = match before.get() {
            Some(before) => format!("/api/admin/webhooks/{id}/deliveries?limit=50&before={before}"),
            None => format!("/api/admin/webhooks/{id}/deliveries?limit=50"),
        };
        spawn_local(async move {
            page.set(Some(office.call::<DeliveryPage>("GET", &path, None).await));
        });
    });
    let resend = move |delivery: i64| {
        spawn_local(async move {
            let path = format!("/api/admin/webhooks/{id}/deliveries/{delivery}/resend");
            let _ = office.call::<serde_json::Value>("POST", &path, None).await;
            version.update(|v| *v += 1);
        });
    };
    let row = move |delivery: Delivery| {
        let state = match delivery.state.as_str() {
            "delivered" => office.t(Phrase::DeliveredOn).replace(
                "{}",
                &delivery.delivered_ms.map(format_time).unwrap_or_default(),
            ),
            "failed" => office.t(Phrase::GaveUp).to_owned(),
            _ => office
                .t(Phrase::NextTry)
                .replace("{}", &delivery.next_ms.map(format_time).unwrap_or_default()),
        };
        let attempts = delivery.attempts.clone();
        let did = delivery.id;
        view! {
            <tr data-testid="delivery-row" data-state=delivery.state.clone()>
                <td>{format_time(delivery.created_ms)}</td>
                <td>{event_label(&office, &delivery.event_type)}<div class="muted"><code>{delivery.event_id.clone()}</code></div></td>
                <td>{state}</td>
                <td><ol class="attempts">
                    {attempts.into_iter().map(|a| {
                        let answer = a.status.map_or_else(|| office.t(Phrase::NoAnswer).to_owned(), |s| s.to_string());
                        view! {
                            <li data-testid="attempt" data-status=a.status.map(|s| s.to_string()).unwrap_or_default()>
                                {format!("{} · {} · {} ms", format_time(a.at_ms), answer, a.took_ms)}
                                {(!a.response.is_empty()).then(|| view! { <div class="muted"><code>{a.response.clone()}</code></div> })}
                            </li>
                        }
                    }).collect_view()}
                </ol></td>
                <td><button type="button" data-testid="resend" on:click=move |_| resend(did)>{office.t(Phrase::Resend)}</button></td>
            </tr>
        }
    };
    view! {
        <section class="deliveries" data-testid="deliveries">
            <h2>{move || office.t(Phrase::Deliveries)}</h2>
            {move || match page.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(page)) if page.deliveries.is_empty() => view! { <p class="muted">{office.t(Phrase::NoDeliveries)}</p> }.into_any(),
                Some(Ok(page)) => {
                    let next = page.next;
                    view! {
                        <table class="grid">
                            <thead><tr>
                                <th>{office.t(Phrase::When)}</th><th>{office.t(Phrase::EventTypes)}</th><th>{office.t(Phrase::State)}</th>
                                <th>{office.t(Phrase::Attempts)}</th><th></th>
                            </tr></thead>
                            <tbody>{page.deliveries.into_iter().map(row).collect_view()}</tbody>
                        </table>
                        {next.map(|n| view! { <button type="button" on:click=move |_| before.set(Some(n))>{office.t(Phrase::Older)}</button> })}
                    }.into_any()
                }
            }}
        </section>
    }
}
