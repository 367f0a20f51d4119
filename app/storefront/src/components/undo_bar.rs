//! Says which cart line was just removed, with a way to put it back, for a few seconds.

use leptos::prelude::*;

use crate::i18n::Phrase;
use crate::store::Store;

/// How long the bar stays.
const SHOWN_MS: i32 = 6_000;

#[component]
pub fn UndoBar() -> impl IntoView {
    let store = expect_context::<Store>();
    // Hidden once its time is up (the removal itself stays).
    Effect::new(move |_| {
        if let Some(removed) = store.removed.get() {
            leptos::task::spawn_local(async move {
                ui_kit::sleep_ms(SHOWN_MS).await;
                if store.removed.get_untracked().as_ref() == Some(&removed) {
                    store.removed.set(None);
                }
            });
        }
    });
    move || {
        store.removed.get().map(|removed| {
            let name = store.product_name(&removed.sku);
            view! {
                <div class="undo-bar" role="status" data-testid="undo-bar">
                    <span>{store.t(Phrase::RemovedFromCart)} {name}</span>
                    <button data-testid="undo" on:click=move |_| store.undo_remove()>{store.t(Phrase::Undo)}</button>
                </div>
            }
        })
    }
}
