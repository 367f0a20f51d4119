//! "Order again" (再来一单): a past order's lines put into the cart in one tap, each
//! adjusted to today's rules; what could not be added is said, product by product.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::i18n::Phrase;
use crate::store::Store;
use domain::sku::Sku;

#[component]
pub fn ReorderButton(lines: Vec<(Sku, u32)>) -> impl IntoView {
    let store = expect_context::<Store>();
    let navigate = use_navigate();
    let lines = StoredValue::new(lines);
    let again = move |_| {
        store.reorder(&lines.get_value());
        navigate("/cart", Default::default());
    };
    view! {
        // Only once this device's copy is loaded (its catalog and cart).
        <button class="reorder" data-testid="reorder" disabled=move || !store.ready.get() on:click=again>{move || store.t(Phrase::OrderAgain)}</button>
    }
}

/// On the cart page after "order again": what was added and what was not, and why.
#[component]
pub fn ReorderReport() -> impl IntoView {
    let store = expect_context::<Store>();
    move || {
        store.reorder_report.get().map(|notes| {
            let added = notes.iter().filter(|n| n.added > 0).count();
            view! {
                <div class="banner ok reorder-report" role="status" data-testid="reorder-report">
                    <p>{format!("{} {added}", store.t(Phrase::ReorderAdded))}</p>
                    <ul>
                        {notes.into_iter().filter_map(|note| {
                            let why = match (note.added, note.why) {
                                (_, None) => return None,
                                (0, Some(why)) => format!("{}：{}", store.t(Phrase::NotAdded), store.t(why)),
                                (added, Some(why)) => format!("{} {added}：{}", store.t(Phrase::AddedOnly), store.t(why)),
                            };
                            Some(view! { <li data-testid="reorder-note" data-sku=note.sku.to_string()>{format!("{} — {why}", store.product_name(&note.sku))}</li> })
                        }).collect_view()}
                    </ul>
                    <button class="link" on:click=move |_| store.reorder_report.set(None)>{store.t(Phrase::Dismiss)}</button>
                </div>
            }
        })
    }
}
