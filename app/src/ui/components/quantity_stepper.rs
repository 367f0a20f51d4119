//! Add to cart, then − / + in steps of the pack size (the product's quantity rules).

use leptos::prelude::*;

use crate::domain::product::Product;
use crate::ui::i18n::Phrase;
use crate::ui::store::Store;

#[component]
pub fn QuantityStepper(product: Product) -> impl IntoView {
    let store = expect_context::<Store>();
    let sku = product.sku.clone();
    let quantity = {
        let sku = sku.clone();
        move || store.cart_quantity(&sku)
    };
    let step = product.quantity_step();
    let first = product.first_quantity();
    let minimum = product.min_quantity;
    let maximum = product.max_quantity;
    let active = product.active;
    let set = move |q: u32| store.set_cart_quantity(&sku, q);
    let set_down = set.clone();
    let set_add = set.clone();
    view! {
        <Show
            when=move || active
            fallback=move || view! { <span class="discontinued">{move || store.t(Phrase::Discontinued)}</span> }
        >
            <Show
                when=move || { quantity() > 0 }
                fallback={
                    let set_add = set_add.clone();
                    move || {
                        let set_add = set_add.clone();
                        view! { <button class="add" data-testid="add" on:click=move |_| set_add(first)>{move || store.t(Phrase::Add)}</button> }
                    }
                }
            >
                {
                    let set_down = set_down.clone();
                    let set_up = set.clone();
                    let quantity = quantity.clone();
                    let quantity_up = quantity.clone();
                    let quantity_label = quantity.clone();
                    view! {
                        <span class="stepper">
                            <button data-testid="less" on:click=move |_| {
                                let q = quantity();
                                set_down(if q.saturating_sub(step) < minimum { 0 } else { q - step });
                            }>"−"</button>
                            <span class="qty" data-testid="qty">{move || quantity_label()}</span>
                            <button data-testid="more" on:click=move |_| {
                                let next = quantity_up() + step;
                                if maximum.is_none_or(|max| next <= max) {
                                    set_up(next);
                                }
                            }>"+"</button>
                        </span>
                    }
                }
            </Show>
        </Show>
    }
}
