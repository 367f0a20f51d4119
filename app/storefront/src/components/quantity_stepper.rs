//! A product's quantity as a shop owner thinks of it: in cases when it is sold by the case
//! (the number typed or stepped is cases, the units shown beside), in units otherwise.
//! The rule (minimum, whole cases, maximum, quota left) is said as the number is typed;
//! a line removed (− at the minimum, or 0 typed) can be put back from the undo bar.

use std::sync::Arc;

use leptos::prelude::*;

use crate::i18n::Phrase;
use crate::store::Store;
use domain::product::{Product, QuantityError};
use domain::quota::Period;

/// Why `quantity` cannot be ordered, in the user's words; `None` when it can.
pub(crate) fn rule_text(store: &Store, product: &Product, quantity: u32) -> Option<String> {
    let pack = product.pack_size.max(1);
    let unit = store.lang.get_untracked().pick(&product.unit).to_owned();
    // A quantity in cases when sold by the case, in units otherwise.
    let amount = |units: u32| {
        if pack > 1 {
            format!("{} {}", units / pack, store.t(Phrase::CaseWord))
        } else {
            format!("{units} {unit}")
        }
    };
    let problem = match product.check_quantity(quantity) {
        Ok(()) => None,
        Err(QuantityError::NotPositive) => None,
        Err(QuantityError::BelowMinimum { minimum }) => Some(format!(
            "{} {}",
            store.t(Phrase::AtLeast),
            amount(minimum.div_ceil(pack) * pack)
        )),
        Err(QuantityError::NotPackMultiple { pack_size }) => Some(format!(
            "{} {pack_size} {unit}",
            store.t(Phrase::WholeCasesOf)
        )),
        Err(QuantityError::AboveMaximum { maximum }) => Some(format!(
            "{} {}",
            store.t(Phrase::AtMost),
            amount(maximum / pack * pack)
        )),
    };
    problem.or_else(|| {
        let (left, period) = store.quota_left(&product.sku)?;
        (quantity > left).then(|| {
            let period = store.t(match period {
                Period::Day => Phrase::Today,
                Period::Week => Phrase::ThisWeek,
                Period::Month => Phrase::ThisMonth,
            });
            format!("{period}{} {left} {unit}", store.t(Phrase::QuotaLeftIs))
        })
    })
}

#[component]
pub fn QuantityStepper(
    /// A list row reuses its stepper for the next product it shows (`Signal`).
    #[prop(into)]
    product: Signal<Arc<Product>>,
) -> impl IntoView {
    let store = expect_context::<Store>();
    // Words fixed when drawn: every page with a stepper draws it again in a new language.
    let lang = store.lang.get_untracked();
    let t = move |phrase| crate::i18n::tr(lang, phrase);
    let sku = Memo::new(move |_| product.with(|p| p.sku.clone()));
    let quantity = Memo::new(move |_| store.cart_quantity(&sku.get()));
    let pack = Memo::new(move |_| product.with(|p| p.pack_size.max(1)));
    let active = Memo::new(move |_| product.with(|p| p.active));
    let unit_name = Memo::new(move |_| product.with(|p| lang.pick(&p.unit).to_owned()));
    let unit_word = move || {
        if pack.get() > 1 {
            t(Phrase::CaseWord).to_owned()
        } else {
            unit_name.get()
        }
    };
    // What is being typed (in cases when sold by the case), while it is.
    let typed = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    // Another product in the same place (a list row reused): nothing typed or said yet.
    Effect::new(move |previous: Option<()>| {
        sku.track();
        if previous.is_some() {
            typed.set(None);
            problem.set(None);
        }
    });
    let set = move |q: u32| store.set_cart_quantity(&sku.get_untracked(), q);
    // Sets `q` if it may be ordered; otherwise says why and leaves the cart as it is.
    let try_set = move |q: u32| match product.with_untracked(|p| rule_text(&store, p, q)) {
        Some(why) => problem.set(Some(why)),
        None => {
            problem.set(None);
            set(q);
        }
    };
    let less = move |_| {
        typed.set(None);
        let q = quantity.get_untracked();
        let pack = pack.get_untracked();
        if q.saturating_sub(pack) < product.with_untracked(|p| p.first_quantity()) {
            problem.set(None);
            store.remove_from_cart(&sku.get_untracked());
        } else {
            try_set(q - pack);
        }
    };
    let more = move |_| {
        typed.set(None);
        try_set(quantity.get_untracked() + pack.get_untracked());
    };
    let add = move |_| try_set(product.with_untracked(|p| p.first_quantity()));
    let on_input = move |ev| {
        let text = event_target_value(&ev);
        let trimmed = text.trim().to_owned();
        typed.set(Some(text));
        match trimmed.parse::<u32>() {
            // Empty, or 0 (removed when the field is left): nothing said yet.
            _ if trimmed.is_empty() => problem.set(None),
            Ok(0) => problem.set(None),
            Ok(n) => try_set(n.saturating_mul(pack.get_untracked())),
            Err(_) => problem.set(Some(store.t(Phrase::WholeNumber).to_owned())),
        }
    };
    let on_change = move |_| {
        if let Some(text) = typed.get_untracked()
            && text.trim().parse::<u32>() == Ok(0)
        {
            problem.set(None);
            store.remove_from_cart(&sku.get_untracked());
        }
        typed.set(None);
    };
    let shown = move || {
        typed
            .get()
            .unwrap_or_else(|| (quantity.get() / pack.get()).to_string())
    };
    view! {
        <Show when=move || active.get() fallback=move || view! { <span class="discontinued">{t(Phrase::Discontinued)}</span> }>
            <Show
                when=move || { quantity.get() > 0 }
                fallback=move || view! {
                    // Not before this device's copy is loaded (a tap would be lost).
                    <button class="add" data-testid="add" disabled=move || !store.ready.get() on:click=add>{t(Phrase::Add)}</button>
                }
            >
                <span class="stepper">
                    <button data-testid="less" aria-label=t(Phrase::Less) on:click=less>"−"</button>
                    <input class="qty" data-testid="qty-input" type="text" inputmode="numeric" pattern="[0-9]*"
                        aria-label=move || format!("{} ({})", t(Phrase::QuantityLabel), unit_word())
                        prop:value=shown on:input=on_input on:change=on_change
                        on:blur=move |_| typed.set(None)/>
                    <span class="qty-unit">{unit_word}</span>
                    <button data-testid="more" aria-label=t(Phrase::More) on:click=more>"+"</button>
                </span>
                // The units the cases make (what the cart and the invoice count).
                <span class="qty-units" data-testid="qty" data-units=move || quantity.get().to_string()>
                    {move || (pack.get() > 1).then(|| format!("= {} {}", quantity.get(), unit_name.get()))}
                </span>
            </Show>
            {move || problem.get().map(|why| view! {
                <span class="qty-problem" role="alert" data-testid="qty-problem">{why}</span>
            })}
        </Show>
    }
}
