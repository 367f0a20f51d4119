//! A product's unit price for this shop (at the quantity in the cart, or the first
//! quantity), with the rule that gave it, priced by the shared engine.

use std::sync::Arc;

use leptos::prelude::*;

use crate::i18n::Phrase;
use crate::store::Store;
use domain::price_book::PriceSource;
use domain::pricing::unit_price;
use domain::product::Product;

#[component]
pub fn PriceTag(
    /// A list row reuses its price for the next product it shows (`Signal`).
    #[prop(into)]
    product: Signal<Arc<Product>>,
) -> impl IntoView {
    let store = expect_context::<Store>();
    // Words fixed when drawn: every page showing a price draws it again in a new language.
    let lang = store.lang.get_untracked();
    let t = move |phrase| crate::i18n::tr(lang, phrase);
    let pack = Memo::new(move |_| product.with(|p| p.pack_size.max(1)));
    let priced = Memo::new(move |_| {
        // Priced again when a scheduled price starts.
        store.clock.track();
        product.with(|product| {
            let quantity = match store.cart_quantity(&product.sku) {
                0 => product.first_quantity(),
                quantity => quantity,
            };
            unit_price(
                product,
                &store.book.get(),
                quantity,
                js_sys::Date::now() as i64,
            )
        })
    });
    let list_price = Memo::new(move |_| product.with(|p| p.list_price));
    view! {
        <span class="price" data-testid="price">
            <span class="amount">{move || priced.get().0.to_string()}</span>
            <span class="per">{move || product.with(|p| format!("/{}", lang.pick(&p.unit)))}</span>
            // Sold by the case: what a case costs at this price.
            {move || (pack.get() > 1).then(|| view! {
                <span class="case-price" data-testid="case-price">{move || {
                    let case = priced.get().0.amount() * rust_decimal::Decimal::from(pack.get());
                    format!("{}/{}", domain::money::Money::new(case, priced.get().0.currency()), t(Phrase::PerCase))
                }}</span>
            })}
            <span class="price-source">{move || match priced.get().1 {
                // A channel's own price is never a catalog price: only its orders have it.
                PriceSource::Customer | PriceSource::Channel => t(Phrase::YourPrice).to_owned(),
                PriceSource::Tier { .. } => t(Phrase::TierPrice).to_owned(),
                PriceSource::List => t(Phrase::ListPrice).to_owned(),
                PriceSource::Volume { min_quantity } => format!("{} {min_quantity}+", t(Phrase::VolumePrice)),
                PriceSource::Promotional => t(Phrase::PromotionalPrice).to_owned(),
                PriceSource::Replacement => t(Phrase::ReplacementPrice).to_owned(),
            }}</span>
            {move || (priced.get().0 != list_price.get()).then(|| view! { <s class="list">{list_price.get().to_string()}</s> })}
        </span>
    }
}
