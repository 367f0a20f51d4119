//! 邀请有礼 (分销) on the account page: the shop's invite code and link, what the
//! distributor pays for a shop brought in, the shops it brought in with what they earned
//! it, who brought it in, and a box for the code of the shop that brought it in (a link
//! `/account?invite=CODE` fills it). Online: the server keeps these figures.

use domain::commission::ReferralRules;
use domain::money::Money;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;

use super::account::day;
use crate::api::CallError;
use crate::i18n::Phrase;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Inviter {
    name: String,
    since_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Invitee {
    name: String,
    since_ms: i64,
    goods: Money,
    pending: Money,
    paid: Money,
}

/// The part of `GET /api/shop/referral` this section shows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Referral {
    code: String,
    rules: Option<ReferralRules>,
    inviter: Option<Inviter>,
    invitees: Vec<Invitee>,
    pending: Money,
    paid: Money,
    may_take_code: bool,
}

/// The invite code a link carried (`?invite=CODE`), if any.
fn code_in_link() -> String {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("invite="))
        .map(|code| {
            code.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(32)
                .collect()
        })
        .unwrap_or_default()
}

fn link_for(code: &str) -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}/account?invite={code}")
}

fn refusal(store: &Store, error: &CallError) -> &'static str {
    store.t(match error {
        CallError::Refused { code, .. } => match code.as_str() {
            "unknown_invite_code" => Phrase::UnknownInviteCode,
            "already_invited" => Phrase::AlreadyInvited,
            "not_new" => Phrase::InviteNotNew,
            "invite_loop" => Phrase::InviteLoop,
            "invalid" => Phrase::EnterInviteCode,
            _ => Phrase::NeedsNetwork,
        },
        _ => Phrase::NeedsNetwork,
    })
}

fn shop_query(store: &Store) -> String {
    store
        .shop
        .get_untracked()
        .map(|s| format!("?shop={}", js_sys::encode_uri_component(s.id.as_str())))
        .unwrap_or_default()
}

#[component]
pub fn ReferralSection() -> impl IntoView {
    let store = expect_context::<Store>();
    let referral = RwSignal::new(None::<Result<Referral, String>>);
    let typed = RwSignal::new(code_in_link());
    let message = RwSignal::new(None::<(bool, String)>);
    let load = move || {
        spawn_local(async move {
            let url = format!("/api/shop/referral{}", shop_query(&store));
            let result = store.call::<Referral>("GET", &url).await;
            referral.set(Some(
                result.map_err(|_| store.t(Phrase::NeedsNetwork).to_owned()),
            ));
        });
    };
    // Again whenever the shop acted for changes (an account manager switching shops).
    Effect::new(move |_| {
        store.shop.track();
        load();
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let code = typed.get_untracked().trim().to_owned();
        if code.is_empty() {
            message.set(Some((false, store.t(Phrase::EnterInviteCode).to_owned())));
            return;
        }
        let shop = store.shop.get_untracked().map(|s| s.id.to_string());
        spawn_local(async move {
            let body = serde_json::json!({ "shop": shop, "code": code });
            match store
                .call_with::<Referral>("POST", "/api/shop/referral", Some(&body))
                .await
            {
                Ok(answer) => {
                    message.set(Some((true, store.t(Phrase::InviteCodeTaken).to_owned())));
                    referral.set(Some(Ok(answer)));
                }
                Err(error) => message.set(Some((false, refusal(&store, &error).to_owned()))),
            }
        });
    };
    view! {
        <section class="referral" data-testid="referral">
            <h3>{move || store.t(Phrase::InviteTitle)}</h3>
            {move || match referral.get() {
                None => view! { <p class="muted">{store.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(text)) => view! { <p class="muted" data-testid="referral-offline">{text}</p> }.into_any(),
                Some(Ok(r)) => {
                    let rules = match r.rules {
                        Some(rules) => store
                            .t(Phrase::InviteShare)
                            .replace("{p}", &rules.percent.normalize().to_string())
                            .replace("{d}", &rules.window_days.to_string()),
                        None => store.t(Phrase::CommissionsOff).to_owned(),
                    };
                    let link = link_for(&r.code);
                    view! {
                        <p class="meta" data-testid="referral-rules">{rules}</p>
                        <dl class="facts">
                            <dt>{store.t(Phrase::InviteCodeLabel)}</dt>
                            <dd><strong class="invite-code" data-testid="invite-code">{r.code.clone()}</strong></dd>
                            <dt>{store.t(Phrase::InviteLink)}</dt>
                            <dd class="invite-link" data-testid="invite-link">{link}</dd>
                            {r.inviter.map(|i| view! {
                                <dt>{store.t(Phrase::InvitedBy)}</dt>
                                <dd data-testid="invited-by">{format!("{} · {}", i.name, day(i.since_ms))}</dd>
                            })}
                            <dt>{store.t(Phrase::CommissionPending)}</dt>
                            <dd data-testid="commission-pending">{r.pending.to_string()}</dd>
                            <dt>{store.t(Phrase::CommissionPaid)}</dt>
                            <dd data-testid="commission-paid">{r.paid.to_string()}</dd>
                        </dl>
                        {if r.invitees.is_empty() {
                            view! { <p class="muted">{store.t(Phrase::NoInvitees)}</p> }.into_any()
                        } else {
                            view! {
                                <table class="entries" data-testid="invitees">
                                    <thead><tr>
                                        <th>{store.t(Phrase::InviteesCol)}</th>
                                        <th class="number">{store.t(Phrase::GoodsShipped)}</th>
                                        <th class="number">{store.t(Phrase::CommissionPending)}</th>
                                        <th class="number">{store.t(Phrase::CommissionPaid)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {r.invitees.into_iter().map(|i| view! {
                                            <tr data-testid="invitee">
                                                <td>{i.name}<br/><small>{day(i.since_ms)}</small></td>
                                                <td class="number">{i.goods.to_string()}</td>
                                                <td class="number">{i.pending.to_string()}</td>
                                                <td class="number">{i.paid.to_string()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                        {r.may_take_code.then(|| view! {
                            <form class="take-code no-print" on:submit=submit>
                                <label>{store.t(Phrase::EnterInviteCode)}
                                    <input data-testid="take-code" autocomplete="off" autocapitalize="characters"
                                        prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev))/>
                                </label>
                                <button type="submit" data-testid="take-code-submit">{store.t(Phrase::SubmitCode)}</button>
                            </form>
                        })}
                    }.into_any()
                }
            }}
            {move || message.get().map(|(ok, text)| {
                let class = if ok { "banner ok" } else { "error" };
                view! { <p class=class role="status" data-testid="referral-message">{text}</p> }
            })}
        </section>
    }
}
