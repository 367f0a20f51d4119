//! The bottom tab bar, where a thumb reaches on a phone: catalog, cart (with its count),
//! orders (with unread notices), the manager's shops, account (with a reminder mark).
//! Each tab is at least 48 px tall; on a wide screen the bar stays under the content.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::Phrase;
use crate::store::Store;

/// A 24 px line icon (paths in a 24×24 box), drawn in the tab's colour.
fn icon(path: &'static str) -> impl IntoView {
    view! {
        <svg class="tab-icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
            <path d=path fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/>
        </svg>
    }
}

const GRID: &str = "M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z";
const CART: &str = "M3 4h2l2.4 11h10.6l2-8H6.2M9 20h.01M17 20h.01";
const LIST: &str = "M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01";
const SHOPS: &str = "M3 10l2-6h14l2 6M4 10v10h16V10M3 10h18M9 20v-5h6v5";
const PERSON: &str = "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21c0-4 4-6 8-6s8 2 8 6";

#[component]
pub fn TabBar() -> impl IntoView {
    let store = expect_context::<Store>();
    let cart_count = move || store.cart.get().len();
    view! {
        <nav class="tabs" aria-label=move || store.t(Phrase::AppName)>
            <A href="/" exact=true>{icon(GRID)}<span>{move || store.t(Phrase::Catalog)}</span></A>
            <A href="/cart">{icon(CART)}<span>{move || store.t(Phrase::Cart)}</span>
                <span class="badge count" data-testid="cart-count" class:empty=move || cart_count() == 0>{cart_count}</span>
            </A>
            <A href="/orders">{icon(LIST)}<span>{move || store.t(Phrase::Orders)}</span>
                {move || {
                    let unread = store.notices.with(Vec::len);
                    (unread > 0).then(|| view! { <span class="badge" data-testid="notice-count">{unread}</span> })
                }}
            </A>
            <Show when=move || store.session.get().is_some_and(|s| s.role == "manager")>
                <A href="/my-shops">{icon(SHOPS)}<span>{move || store.t(Phrase::MyShops)}</span></A>
            </Show>
            <A href="/account">{icon(PERSON)}<span>{move || store.t(Phrase::Account)}</span>
                {move || {
                    let reminders = store.account.with(|a| a.as_ref().map_or(0, |a| a.reminders.len()));
                    (reminders > 0).then(|| view! { <span class="badge warn" data-testid="account-badge">"!"</span> })
                }}
            </A>
        </nav>
    }
}
