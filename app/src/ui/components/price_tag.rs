//! A product's price for this shop, with the rule that gave it.

use leptos::prelude::*;

use crate::domain::price_book::PriceSource;
use crate::domain::product::Product;
use crate::ui::i18n::Phrase;
use crate::ui::store::Store;

#[component]
pub fn PriceTag(product: Product) -> impl IntoView {
    let store = expect_context::<Store>();
    let sku = product.sku.clone();
    let list_price = product.list_price;
    let priced = Memo::new(move |_| store.book.get().unit_price(&sku, list_price));
    view! {
        <span class="price" data-testid="price">
            <span class="amount">{move || priced.get().0.to_string()}</span>
            <span class="price-source">{move || match priced.get().1 {
                PriceSource::Customer => store.t(Phrase::YourPrice),
                PriceSource::Tier { .. } => store.t(Phrase::TierPrice),
                PriceSource::List => store.t(Phrase::ListPrice),
            }}</span>
            {move || (priced.get().0 != list_price).then(|| view! { <s class="list">{list_price.to_string()}</s> })}
        </span>
    }
}
