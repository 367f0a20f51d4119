//! A product's unit price for this shop (at the quantity in the cart, or the first
//! quantity), with the rule that gave it, priced by the shared engine.

use leptos::prelude::*;

use crate::i18n::Phrase;
use crate::store::Store;
use domain::price_book::PriceSource;
use domain::pricing::unit_price;
use domain::product::Product;

#[component]
pub fn PriceTag(product: Product) -> impl IntoView {
    let store = expect_context::<Store>();
    let list_price = product.list_price;
    let first = product.first_quantity();
    let pack = product.pack_size.max(1);
    let unit = product.unit.clone();
    let product = StoredValue::new(product);
    let priced = Memo::new(move |_| {
        let product = product.get_value();
        // Priced again when a scheduled price starts.
        store.clock.track();
        let quantity = match store.cart_quantity(&product.sku) {
            0 => first,
            quantity => quantity,
        };
        unit_price(
            &product,
            &store.book.get(),
            quantity,
            js_sys::Date::now() as i64,
        )
    });
    view! {
        <span class="price" data-testid="price">
            <span class="amount">{move || priced.get().0.to_string()}</span>
            <span class="per">{move || format!("/{}", store.lang.get().pick(&unit))}</span>
            // Sold by the case: what a case costs at this price.
            {(pack > 1).then(|| view! {
                <span class="case-price" data-testid="case-price">{move || {
                    let case = priced.get().0.amount() * rust_decimal::Decimal::from(pack);
                    format!("{}/{}", domain::money::Money::new(case, priced.get().0.currency()), store.t(Phrase::PerCase))
                }}</span>
            })}
            <span class="price-source">{move || match priced.get().1 {
                PriceSource::Customer => store.t(Phrase::YourPrice).to_owned(),
                PriceSource::Tier { .. } => store.t(Phrase::TierPrice).to_owned(),
                PriceSource::List => store.t(Phrase::ListPrice).to_owned(),
                PriceSource::Volume { min_quantity } => format!("{} {min_quantity}+", store.t(Phrase::VolumePrice)),
                PriceSource::Promotional => store.t(Phrase::PromotionalPrice).to_owned(),
                PriceSource::Replacement => store.t(Phrase::ReplacementPrice).to_owned(),
            }}</span>
            {move || (priced.get().0 != list_price).then(|| view! { <s class="list">{list_price.to_string()}</s> })}
        </span>
    }
}
