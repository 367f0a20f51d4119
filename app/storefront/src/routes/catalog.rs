//! The catalog: categories, search, and each product with this shop's price.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::price_tag::PriceTag;
use crate::components::quantity_stepper::QuantityStepper;
use crate::i18n::Phrase;
use crate::store::Store;
use domain::sku::CategoryId;

/// Rows rendered at once; the search narrows the rest.
const PAGE: usize = 60;

#[component]
pub fn CatalogPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let query = RwSignal::new(String::new());
    let category = RwSignal::new(None::<CategoryId>);
    let products = Memo::new(move |_| {
        let catalog = store.catalog.get();
        let book = store.book.get();
        let needle = query.get().trim().to_lowercase();
        let chosen = category.get();
        catalog
            .products
            .values()
            // Only what this shop may buy (limited products of other tiers or shops not).
            .filter(|p| book.may_buy(p))
            .filter(|p| chosen.as_ref().is_none_or(|c| &p.category == c))
            .filter(|p| {
                needle.is_empty()
                    || p.sku.as_str().to_lowercase().contains(&needle)
                    || p.name.contains_lowercase(&needle)
            })
            .take(PAGE)
            .cloned()
            .collect::<Vec<_>>()
    });
    view! {
        <section class="catalog">
            {move || store.proposal.get().map(|_| view! {
                <p class="banner" data-testid="proposal-banner">{store.t(Phrase::ProposalWaiting)} " "
                    <A href="/proposal">{store.t(Phrase::View)}</A></p>
            })}
            <input class="search" type="search" data-testid="search" placeholder=move || store.t(Phrase::Search)
                prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
            <div class="chips">
                <button class="chip" class:active=move || category.get().is_none() on:click=move |_| category.set(None)>
                    {move || store.t(Phrase::AllCategories)}
                </button>
                {move || store.catalog.get().categories.iter().cloned().map(|c| {
                    let id = c.id.clone();
                    let id_active = c.id.clone();
                    view! {
                        <button class="chip" data-testid="category" class:active=move || category.get().as_ref() == Some(&id_active)
                            on:click=move |_| category.set(Some(id.clone()))>
                            {move || store.lang.get().pick(&c.name)}
                        </button>
                    }
                }).collect_view()}
            </div>
            <Show when=move || !store.catalog.get().products.is_empty() fallback=move || view! { <p>{move || store.t(Phrase::Loading)}</p> }>
                <ul class="products">
                    <For each=move || products.get() key=|p| p.sku.clone() children=move |product| {
                        let name = product.name.clone();
                        let unit = product.unit.clone();
                        let pack = product.pack_size;
                        let sku = product.sku.to_string();
                        let photo = product.image.clone();
                        let has_photo = photo.is_some();
                        view! {
                            <li class="product" class:with-photo=has_photo data-testid="product" data-sku=sku.clone()>
                                {photo.map(|image| view! {
                                    <img class="thumb" data-testid="photo" src=image.small_url() alt="" loading="lazy" decoding="async"
                                        width=image.width.to_string() height=image.height.to_string()/>
                                })}
                                <A href=format!("/product/{sku}")>
                                    <span class="name">{move || store.lang.get().pick(&name)}</span>
                                </A>
                                <span class="meta">{sku.clone()} " · " {
                                    move || format!("{} {} {}", store.t(Phrase::PackOf), pack, store.lang.get().pick(&unit))
                                }</span>
                                <PriceTag product=product.clone()/>
                                <QuantityStepper product=product/>
                            </li>
                        }
                    }/>
                </ul>
            </Show>
        </section>
    }
}
