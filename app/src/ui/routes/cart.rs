//! The cart, priced offline by the same engine the server confirms with, and "place order".

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::domain::pricing::LineRefusal;
use crate::ui::components::quantity_stepper::QuantityStepper;
use crate::ui::i18n::Phrase;
use crate::ui::store::Store;

#[component]
pub fn CartPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let priced = Memo::new(move |_| store.priced_cart());
    let navigate = use_navigate();
    let place = move |_| {
        if let Some(id) = store.place_order() {
            navigate(&format!("/orders/{id}"), Default::default());
        }
    };
    view! {
        <section class="cart">
            <Show when=move || !store.cart.get().is_empty() fallback=move || view! { <p data-testid="empty-cart">{move || store.t(Phrase::EmptyCart)}</p> }>
                <ul class="lines">
                    {move || priced.get().map(|order| order.lines.into_iter().map(|line| {
                        let product = store.catalog.get().products.get(&line.sku).cloned();
                        let sku = line.sku.clone();
                        view! {
                            <li class="line" data-testid="cart-line" data-sku=line.sku.to_string()>
                                <span class="name">{store.lang.get().pick(&line.name)}</span>
                                <span class="meta">{format!("{} × {}", line.unit_price, line.quantity)}</span>
                                <span class="line-total" data-testid="line-total">{line.line_total.to_string()}</span>
                                {product.map(|product| view! { <QuantityStepper product=product/> })}
                                <button class="link remove" data-testid="remove" on:click=move |_| store.set_cart_quantity(&sku, 0)>
                                    {store.t(Phrase::Remove)}
                                </button>
                            </li>
                        }
                    }).collect_view())}
                    {move || priced.get().map(|order| order.refused.into_iter().map(|refused| {
                        let sku = refused.sku.clone();
                        let reason = match refused.reason {
                            LineRefusal::UnknownSku => store.t(Phrase::UnknownProduct),
                            LineRefusal::Discontinued => store.t(Phrase::Discontinued),
                            LineRefusal::Quantity { .. } => store.t(Phrase::QuantityRule),
                        };
                        view! {
                            <li class="line refused" data-testid="refused-line">
                                <span class="name">{refused.sku.to_string()}</span>
                                <span class="error">{reason}</span>
                                <button on:click=move |_| store.set_cart_quantity(&sku, 0)>{store.t(Phrase::Remove)}</button>
                            </li>
                        }
                    }).collect_view())}
                </ul>
                <p class="total">{move || store.t(Phrase::Total)} " "
                    <strong data-testid="cart-total">{move || priced.get().map(|o| o.total.to_string()).unwrap_or_default()}</strong>
                </p>
                <button class="primary" data-testid="place-order" on:click=place.clone()
                    disabled=move || priced.get().is_none_or(|o| o.lines.is_empty())>
                    {move || store.t(Phrase::PlaceOrder)}
                </button>
            </Show>
        </section>
    }
}
