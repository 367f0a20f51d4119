//! One product: description, rules, this shop's price and why.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::price_tag::PriceTag;
use crate::components::quantity_stepper::QuantityStepper;
use crate::i18n::Phrase;
use crate::store::Store;
use domain::sku::Sku;

#[component]
pub fn ProductPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let params = use_params_map();
    let product = move || {
        let sku = Sku::parse(&params.get().get("sku").unwrap_or_default()).ok()?;
        store.catalog.get().products.get(&sku).cloned()
    };
    view! {
        <section class="product-detail">
            {move || match product() {
                None => view! { <p>{store.t(Phrase::NotFound)}</p> }.into_any(),
                Some(product) => {
                    let lang = store.lang.get();
                    let sku = product.sku.clone();
                    let toggle = product.sku.clone();
                    view! {
                        <p class="back-row">
                            <a href="/" data-testid="back" on:click=move |ev| {
                                // Back to where the list was, when there is a page to go back to.
                                if let Some(history) = web_sys::window().and_then(|w| w.history().ok())
                                    && history.length().unwrap_or(0) > 1
                                {
                                    ev.prevent_default();
                                    let _ = history.back();
                                }
                            }>{format!("← {}", store.t(Phrase::Catalog))}</a>
                            <button class="fav" data-testid="favourite" aria-label=store.t(Phrase::Favourites)
                                aria-pressed=move || store.is_favourite(&sku).to_string()
                                on:click=move |_| store.toggle_favourite(&toggle)>
                                {
                                    let sku = product.sku.clone();
                                    move || if store.is_favourite(&sku) { "★" } else { "☆" }
                                }
                            </button>
                        </p>
                        {product.image.clone().filter(|_| !store.data_saver.get()).map(|image| view! {
                            <img class="photo" data-testid="product-photo" src=image.large_url() alt=lang.pick(&product.name).to_owned()
                                decoding="async" width=(image.width * 2).to_string() height=(image.height * 2).to_string()/>
                        })}
                        <h2>{lang.pick(&product.name)}</h2>
                        <p class="meta">{product.sku.to_string()}</p>
                        <p>{lang.pick(&product.description)}</p>
                        <p class="meta">
                            {format!("{} {} {} · {} {}", store.t(Phrase::PackOf), product.pack_size, lang.pick(&product.unit),
                                store.t(Phrase::MinimumOrder), product.min_quantity)}
                        </p>
                        <PriceTag product=std::sync::Arc::new(product.clone())/>
                        <QuantityStepper product=std::sync::Arc::new(product.clone())/>
                    }.into_any()
                }
            }}
        </section>
    }
}
