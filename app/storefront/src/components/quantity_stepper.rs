//! Add to cart, then − / + in steps of the pack size (the product's quantity rules).

use leptos::prelude::*;

use crate::i18n::Phrase;
use crate::store::Store;
use domain::product::Product;

#[component]
pub fn QuantityStepper(product: Product) -> impl IntoView {
    let store = expect_context::<Store>();
    let sku = StoredValue::new(product.sku.clone());
    let quantity = Memo::new(move |_| store.cart_quantity(&sku.get_value()));
    let step = product.quantity_step();
    let first = product.first_quantity();
    let minimum = product.min_quantity;
    let maximum = product.max_quantity;
    let active = product.active;
    let set = move |q: u32| store.set_cart_quantity(&sku.get_value(), q);
    let less = move |_| {
        let q = quantity.get_untracked();
        set(if q.saturating_sub(step) < minimum {
            0
        } else {
            q - step
        });
    };
    let more = move |_| {
        let next = quantity.get_untracked() + step;
        if maximum.is_none_or(|max| next <= max) {
            set(next);
        }
    };
    view! {
        <Show
            when=move || active
            fallback=move || view! { <span class="discontinued">{move || store.t(Phrase::Discontinued)}</span> }
        >
            <Show
                when=move || { quantity.get() > 0 }
                fallback=move || view! { <button class="add" data-testid="add" on:click=move |_| set(first)>{move || store.t(Phrase::Add)}</button> }
            >
                <span class="stepper">
                    <button data-testid="less" on:click=less>"−"</button>
                    <span class="qty" data-testid="qty">{move || quantity.get()}</span>
                    <button data-testid="more" on:click=more>"+"</button>
                </span>
            </Show>
        </Show>
    }
}
