//! The audit log: who changed what and when, with each field before and after; for
//! everything (filtered by kind and object) and on an object's own page.

use api::{AuditEntry, AuditPage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::Office;
use crate::api::{Failure, encode};
use crate::i18n::Phrase;

/// The top-level fields whose values differ, with their values before and after.
fn changed_fields(entry: &AuditEntry) -> Vec<(String, String, String)> {
    let show = |value: Option<&Value>| -> String {
        let text = match value {
            None | Some(Value::Null) => "—".to_owned(),
            Some(Value::String(text)) => text.clone(),
            // Money: the amount, in yuan.
            Some(Value::Object(money)) if money.contains_key("currency") => money
                .get("amount")
                .and_then(Value::as_str)
                .map(|amount| format!("¥{amount}"))
                .unwrap_or_default(),
            Some(other) => other.to_string(),
        };
        let mut short: String = text.chars().take(80).collect();
        if text.chars().count() > 80 {
            short.push('…');
        }
        short
    };
    match (&entry.before, &entry.after) {
        (Some(Value::Object(before)), Some(Value::Object(after))) => {
            let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .filter(|key| before.get(*key) != after.get(*key))
                .map(|key| (key.clone(), show(before.get(key)), show(after.get(key))))
                .collect()
        }
        (before, after) => vec![(String::new(), show(before.as_ref()), show(after.as_ref()))],
    }
}

/// A field's label in the user's language (the field name itself when unknown).
fn label(office: &Office, field: &str) -> String {
    let phrases = crate::i18n::field_phrase(field);
    if field.is_empty() || phrases.contains(&Phrase::Invalid) {
        return field.to_owned();
    }
    phrases
        .into_iter()
        .map(|p| office.t(p))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn action_phrase(action: &str) -> Phrase {
    match action {
        "create" => Phrase::Created,
        "delete" => Phrase::Deleted,
        _ => Phrase::Updated,
    }
}

pub fn format_time(ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}

/// A table of entries, each changed field on its own line.
#[component]
fn Entries(entries: Vec<AuditEntry>, show_object: bool) -> impl IntoView {
    let office = expect_context::<Office>();
    view! {
        <table class="grid audit">
            <thead><tr>
                <th>{move || office.t(Phrase::When)}</th>
                <th>{move || office.t(Phrase::Who)}</th>
                {show_object.then(|| view! { <th>{move || office.t(Phrase::Object)}</th> })}
                <th>{move || office.t(Phrase::Change)}</th>
                <th>{move || office.t(Phrase::Field)}</th>
                <th>{move || office.t(Phrase::BeforeValue)}</th>
                <th>{move || office.t(Phrase::AfterValue)}</th>
            </tr></thead>
            <tbody>
                {entries.into_iter().map(|entry| {
                    let fields = changed_fields(&entry);
                    let rows = fields.len().max(1);
                    let object = format!("{} {}", entry.kind, entry.object);
                    fields.into_iter().enumerate().map(|(i, (field, before, after))| {
                        let first = i == 0;
                        let (at, actor, action, object) = (entry.at_ms, entry.actor.clone(), entry.action.clone(), object.clone());
                        view! {
                            <tr data-testid="audit-entry" data-kind=entry.kind.clone() data-object=entry.object.clone()>
                                {first.then(|| view! {
                                    <td rowspan=rows>{format_time(at)}</td>
                                    <td rowspan=rows>{actor}</td>
                                })}
                                {(first && show_object).then(|| view! { <td rowspan=rows>{object}</td> })}
                                {first.then(|| view! { <td rowspan=rows>{move || office.t(action_phrase(&action))}</td> })}
                                <td data-testid="audit-field" data-field=field.clone()>{label(&office, &field)}</td>
                                <td class="before">{before}</td>
                                <td class="after" data-testid="audit-after">{after}</td>
                            </tr>
                        }
                    }).collect_view()
                }).collect_view()}
            </tbody>
        </table>
    }
}

async fn load(
    office: Office,
    kind: String,
    object: String,
    before: Option<i64>,
) -> Result<AuditPage, Failure> {
    let mut url = "/api/admin/audit?limit=50".to_owned();
    if !kind.is_empty() {
        url.push_str(&format!("&kind={}", encode(&kind)));
    }
    if !object.trim().is_empty() {
        url.push_str(&format!("&object={}", encode(object.trim())));
    }
    if let Some(before) = before {
        url.push_str(&format!("&before={before}"));
    }
    office.call::<AuditPage>("GET", &url, None).await
}

/// The changes made to one object, on its own page (admins only).
#[component]
pub fn History(kind: &'static str, object: String) -> impl IntoView {
    let office = expect_context::<Office>();
    let page = RwSignal::new(None::<Result<AuditPage, Failure>>);
    if office.is_admin() {
        spawn_local(async move {
            page.set(Some(load(office, kind.to_owned(), object, None).await));
        });
    }
    view! {
        <Show when=move || office.is_admin()>
            <section class="history" data-testid="history">
                <h2>{move || office.t(Phrase::Audit)}</h2>
                {move || match page.get() {
                    None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                    Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                    Some(Ok(page)) if page.entries.is_empty() => view! { <p class="meta">{office.t(Phrase::NoChanges)}</p> }.into_any(),
                    Some(Ok(page)) => view! { <Entries entries=page.entries show_object=false/> }.into_any(),
                }}
            </section>
        </Show>
    }
}

/// Every change, newest first, filtered by kind and object, a page at a time.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let kind = RwSignal::new(String::new());
    let object = RwSignal::new(String::new());
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<i64>);
    let failure = RwSignal::new(None::<Failure>);
    let fetch = move |more: bool| {
        let before = if more { next.get_untracked() } else { None };
        spawn_local(async move {
            match load(office, kind.get_untracked(), object.get_untracked(), before).await {
                Ok(page) => {
                    failure.set(None);
                    if more {
                        entries.update(|e| e.extend(page.entries));
                    } else {
                        entries.set(page.entries);
                    }
                    next.set(page.next_before);
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    Effect::new(move |_| {
        kind.track();
        object.track();
        fetch(false);
    });
    let kinds = [
        ("", Phrase::AllKinds),
        ("product", Phrase::Products),
        ("category", Phrase::Categories),
        ("price", Phrase::Prices),
        ("promotion", Phrase::Promotions),
        ("terms", Phrase::Terms),
        ("profile", Phrase::Profiles),
        ("stock", Phrase::Stock),
        ("api_key", Phrase::ApiKeys),
        ("backup", Phrase::Backups),
    ];
    view! {
        <section class="audit-log">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::Audit)}</h1>
                <select data-testid="audit-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    {kinds.into_iter().map(|(value, phrase)| view! { <option value=value>{move || office.t(phrase)}</option> }).collect_view()}
                </select>
                <input type="search" data-testid="audit-object" placeholder=move || office.t(Phrase::Object)
                    on:change=move |ev| object.set(event_target_value(&ev))/>
            </div>
            {move || failure.get().map(|f| view! { <p class="error">{office.explain(&f)}</p> })}
            {move || view! { <Entries entries=entries.get() show_object=true/> }}
            <Show when=move || next.get().is_some()>
                <button data-testid="audit-more" on:click=move |_| fetch(true)>{move || office.t(Phrase::More)}</button>
            </Show>
        </section>
    }
}
