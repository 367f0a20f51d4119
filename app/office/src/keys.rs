//! API keys for other systems (admins): make one for a named system with scopes and copy
//! it (shown this once), see each key's scopes and last use, revoke one.

use ::api::keys::{ApiKeyCreated, ApiKeyList, NewApiKey, SCOPES};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::Office;
use crate::audit::format_time;
use crate::i18n::Phrase;

/// `/office/api-keys`.
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let (keys, version) = office.reloading::<ApiKeyList>("/api/admin/api-keys");
    let name = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let review = RwSignal::new(false);
    let own_prices = RwSignal::new(false);
    let expires = RwSignal::new(String::new());
    let made = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = NewApiKey {
            name: name.get_untracked(),
            scopes: chosen.get_untracked(),
            review: review.get_untracked(),
            own_prices: own_prices.get_untracked(),
            expires_in_days: expires.get_untracked().trim().parse().ok(),
        };
        spawn_local(async move {
            match office
                .call::<ApiKeyCreated>(
                    "POST",
                    "/api/admin/api-keys",
                    serde_json::to_value(&body).ok(),
                )
                .await
            {
                Ok(created) => {
                    problem.set(None);
                    made.set(Some(created.key));
                    name.set(String::new());
                    chosen.set(Vec::new());
                    review.set(false);
                    own_prices.set(false);
                    expires.set(String::new());
                    version.update(|v| *v += 1);
                }
                Err(failure) => problem.set(Some(office.explain(&failure))),
            }
        });
    };
    // A channel's rules, changed after its key was made.
    let set_rule = move |id: i64, rule: &'static str, on: bool| {
        spawn_local(async move {
            let url = format!("/api/admin/api-keys/{id}");
            let body = serde_json::json!({ rule: on });
            if let Err(failure) = office
                .call::<serde_json::Value>("PATCH", &url, Some(body))
                .await
            {
                problem.set(Some(office.explain(&failure)));
            }
            version.update(|v| *v += 1);
        });
    };
    let revoke = move |id: i64| {
        spawn_local(async move {
            let url = format!("/api/admin/api-keys/{id}");
            if let Err(failure) = office.call::<serde_json::Value>("DELETE", &url, None).await {
                problem.set(Some(office.explain(&failure)));
            }
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section class="api-keys">
            <h1>{move || office.t(Phrase::ApiKeys)}</h1>
            <p class="muted">{move || office.t(Phrase::ApiKeysSay)}</p>
            <form class="inline-form" on:submit=submit>
                <label>{move || office.t(Phrase::SystemName)}
                    <input data-testid="key-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
                <fieldset class="scopes">
                    <legend>{move || office.t(Phrase::Scopes)}</legend>
                    {SCOPES.into_iter().map(|scope| view! {
                        <label class="check">
                            <input type="checkbox" data-testid="key-scope" data-scope=scope
                                prop:checked=move || chosen.with(|c| c.iter().any(|s| s == scope))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| {
                                        c.retain(|s| s != scope);
                                        if on {
                                            c.push(scope.to_owned());
                                        }
                                    });
                                }/>
                            {move || scope_label(scope).map(|phrase| office.t(phrase))}
                            " "<code>{scope}</code>
                        </label>
                    }).collect_view()}
                </fieldset>
                <label class="check">
                    <input type="checkbox" data-testid="key-review" prop:checked=move || review.get()
                        on:change=move |ev| review.set(event_target_checked(&ev))/>
                    {move || office.t(Phrase::ReviewOrders)}
                </label>
                <label class="check">
                    <input type="checkbox" data-testid="key-own-prices" prop:checked=move || own_prices.get()
                        on:change=move |ev| own_prices.set(event_target_checked(&ev))/>
                    {move || office.t(Phrase::ChannelOwnPrices)}
                </label>
                <label>{move || office.t(Phrase::ExpiresInDays)}
                    <input type="number" min="1" data-testid="key-expires" prop:value=move || expires.get()
                        on:input=move |ev| expires.set(event_target_value(&ev))/></label>
                <button type="submit" class="primary" data-testid="make-key">{move || office.t(Phrase::MakeKey)}</button>
            </form>
            {move || problem.get().map(|text| view! { <p class="error" role="alert" data-testid="key-problem">{text}</p> })}
            {move || made.get().map(|key| view! {
                <div class="saved" data-testid="new-key">
                    <p>{office.t(Phrase::KeyShownOnce)}</p>
                    <code data-testid="key-secret">{key}</code>
                </div>
            })}
            {move || match keys.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="grid">
                        <thead><tr>
                            <th>{office.t(Phrase::SystemName)}</th><th>{office.t(Phrase::KeyCol)}</th><th>{office.t(Phrase::Scopes)}</th>
                            <th>{office.t(Phrase::MadeBy)}</th><th>{office.t(Phrase::LastUsed)}</th><th></th>
                        </tr></thead>
                        <tbody>
                            {list.keys.into_iter().map(|key| {
                                let id = key.id;
                                view! {
                                    <tr data-testid="key-row" data-name=key.name.clone()>
                                        <td>{key.name.clone()}</td>
                                        <td><code>{format!("{}…", key.prefix)}</code></td>
                                        <td>{key.scopes.join(", ")}
                                            {key.review.then(|| view! { <span class="muted" data-testid="key-reviewed">{format!(" · {}", office.t(Phrase::ReviewOrders))}</span> })}
                                            {(key.revoked_ms.is_none() && key.scopes.iter().any(|s| s == "orders:write")).then(|| {
                                                let (review, own) = (key.review, key.own_prices);
                                                view! {
                                                    <div class="rules">
                                                        <label class="check"><input type="checkbox" data-testid="key-rule-review" prop:checked=review
                                                            on:change=move |ev| set_rule(id, "review", event_target_checked(&ev))/>{office.t(Phrase::ReviewOrders)}</label>
                                                        <label class="check"><input type="checkbox" data-testid="key-rule-own-prices" prop:checked=own
                                                            on:change=move |ev| set_rule(id, "own_prices", event_target_checked(&ev))/>{office.t(Phrase::ChannelOwnPrices)}</label>
                                                    </div>
                                                }
                                            })}</td>
                                        <td>{format!("{} · {}", format_time(key.created_ms), key.created_by)}
                                            {key.expires_ms.map(|at| view! { <div class="muted" data-testid="key-expiry">{format!("{} {}", office.t(Phrase::ExpiresOn), format_time(at))}</div> })}</td>
                                        <td data-testid="key-last-used">{key.last_used_ms.map(format_time).unwrap_or_else(|| office.t(Phrase::Never).to_owned())}</td>
                                        <td>{match key.revoked_ms {
                                            Some(at) => view! { <span data-testid="key-revoked">{format!("{} {}", office.t(Phrase::Revoked), format_time(at))}</span> }.into_any(),
                                            None => view! { <button type="button" data-testid="revoke-key" on:click=move |_| revoke(id)>{office.t(Phrase::Revoke)}</button> }.into_any(),
                                        }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}

/// What a scope lets a key do, in the admin's language (`None` for a scope this build does
/// not know, which then shows by its code alone).
fn scope_label(scope: &str) -> Option<Phrase> {
    Some(match scope {
        "orders:read" => Phrase::ScopeOrdersRead,
        "orders:write" => Phrase::ScopeOrdersWrite,
        "orders:fulfil" => Phrase::ScopeOrdersFulfil,
        "catalog:read" => Phrase::ScopeCatalogRead,
        "catalog:write" => Phrase::ScopeCatalogWrite,
        "stock:read" => Phrase::ScopeStockRead,
        "stock:write" => Phrase::ScopeStockWrite,
        "finance:read" => Phrase::ScopeFinanceRead,
        "finance:write" => Phrase::ScopeFinanceWrite,
        "customers:read" => Phrase::ScopeCustomersRead,
        _ => return None,
    })
}
