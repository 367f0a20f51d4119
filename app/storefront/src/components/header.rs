//! The top bar, kept short: shop, language, sign-out and the sync line (navigation is
//! the bottom tab bar's).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::sync_indicator::SyncIndicator;
use crate::i18n::{Lang, Phrase};
use crate::store::Store;

#[component]
pub fn Header() -> impl IntoView {
    let store = expect_context::<Store>();
    let shops = move || store.session.get().map(|s| s.shops).unwrap_or_default();
    view! {
        <header class="top">
            <div class="top-row">
                <strong class="brand">{move || store.t(Phrase::AppName)}</strong>
                <Show
                    when=move || { shops().len() > 1 }
                    fallback=move || view! { <span class="shop-name" data-testid="shop-name">{move || store.shop.get().map(|s| s.name).unwrap_or_default()}</span> }
                >
                    <select
                        class="shop-select"
                        aria-label=move || store.t(Phrase::Shop)
                        data-testid="shop-select"
                        on:change=move |ev| {
                            let id = event_target_value(&ev);
                            if let Some(shop) = shops().into_iter().find(|s| s.id.as_str() == id) {
                                store.select_shop(shop);
                            }
                        }
                    >
                        {move || shops().into_iter().map(|shop| {
                            let selected = store.shop.get().map(|s| s.id == shop.id).unwrap_or(false);
                            view! { <option value=shop.id.to_string() selected=selected>{shop.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </Show>
                <select class="lang" data-testid="lang" aria-label=move || store.t(Phrase::Language) on:change=move |ev| store.set_lang(Lang::from_code(&event_target_value(&ev)))>
                    {Lang::ALL.into_iter().map(|lang| view! {
                        <option value=lang.code() selected=move || store.lang.get() == lang>{lang.label()}</option>
                    }).collect_view()}
                </select>
                <button class="link" data-testid="sign-out" on:click=move |_| spawn_local(store.sign_out())>{move || store.t(Phrase::SignOut)}</button>
            </div>
            <SyncIndicator/>
            {move || store.server_ahead_ms.get().filter(|ahead| ahead.abs() > crate::store::CLOCK_OFF_MS).map(|ahead| {
                // Whole days from two days off, else hours to the tenth.
                let tenths_of_hours = ahead.unsigned_abs().div_ceil(360_000);
                let (amount, unit) = if tenths_of_hours >= 480 {
                    ((tenths_of_hours.saturating_add(120) / 240).to_string(), store.t(Phrase::Days))
                } else {
                    (format!("{}.{}", tenths_of_hours / 10, tenths_of_hours % 10), store.t(Phrase::Hours))
                };
                let way = store.t(if ahead < 0 { Phrase::ClockAhead } else { Phrase::ClockBehind });
                view! {
                    <p class="banner warn" role="alert" data-testid="clock-off">
                        {format!("{way} {amount} {unit}{}", store.t(Phrase::ClockFix))}
                    </p>
                }
            })}
            {move || store.notice.get().map(|notice| view! {
                <p class="notice" data-testid="header-notice" role="alert" on:click=move |_| store.notice.set(None)>{notice}</p>
            })}
        </header>
    }
}
