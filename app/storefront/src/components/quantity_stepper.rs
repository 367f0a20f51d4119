//! A product's quantity as a shop owner thinks of it: in cases when it is sold by the case
//! (the number typed or stepped is cases, the units shown beside), in units otherwise.
//! The rule (minimum, whole cases, maximum, quota left) is said as the number is typed;
//! a line removed (− at the minimum, or 0 typed) can be put back from the undo bar.

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
pub fn QuantityStepper(product: Product) -> impl IntoView {
    let store = expect_context::<Store>();
    let sku = StoredValue::new(product.sku.clone());
    let rules = StoredValue::new(product.clone());
    let quantity = Memo::new(move |_| store.cart_quantity(&sku.get_value()));
    let pack = product.pack_size.max(1);
    let first = product.first_quantity();
    let active = product.active;
    let unit = StoredValue::new(product.unit.clone());
    // What is being typed (in cases when sold by the case), while it is.
    let typed = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let set = move |q: u32| store.set_cart_quantity(&sku.get_value(), q);
    // Sets `q` if it may be ordered; otherwise says why and leaves the cart as it is.
    let try_set = move |q: u32| match rule_text(&store, &rules.get_value(), q) {
        Some(why) => problem.set(Some(why)),
        None => {
            problem.set(None);
            set(q);
        }
    };
    let less = move |_| {
        typed.set(None);
        let q = quantity.get_untracked();
        let product = rules.get_value();
        if q.saturating_sub(pack) < product.first_quantity() {
            problem.set(None);
            store.remove_from_cart(&sku.get_value());
        } else {
            try_set(q - pack);
        }
    };
    let more = move |_| {
        typed.set(None);
        try_set(quantity.get_untracked() + pack);
    };
    let add = move |_| try_set(first);
    let on_input = move |ev| {
        let text = event_target_value(&ev);
        let trimmed = text.trim().to_owned();
        typed.set(Some(text));
        match trimmed.parse::<u32>() {
            // Empty, or 0 (removed when the field is left): nothing said yet.
            _ if trimmed.is_empty() => problem.set(None),
            Ok(0) => problem.set(None),
            Ok(n) => try_set(n.saturating_mul(pack)),
            Err(_) => problem.set(Some(store.t(Phrase::WholeNumber).to_owned())),
        }
    };
    let on_change = move |_| {
        if let Some(text) = typed.get_untracked()
            && text.trim().parse::<u32>() == Ok(0)
        {
            problem.set(None);
            store.remove_from_cart(&sku.get_value());
        }
        typed.set(None);
    };
    let shown = move || {
        typed
            .get()
            .unwrap_or_else(|| (quantity.get() / pack).to_string())
    };
    let unit_word = move || {
        if pack > 1 {
            store.t(Phrase::CaseWord).to_owned()
        } else {
            unit.with_value(|u| store.lang.get().pick(u).to_owned())
        }
    };
    // Whether it is sold never changes while the row is shown (a new catalog redraws it).
    if !active {
        return view! { <span class="discontinued">{move || store.t(Phrase::Discontinued)}</span> }
            .into_any();
    }
    view! {
            <Show
                when=move || { quantity.get() > 0 }
                fallback=move || view! {
                    // Not before this device's copy is loaded (a tap would be lost).
                    <button class="add" data-testid="add" disabled=move || !store.ready.get() on:click=add>{move || store.t(Phrase::Add)}</button>
                }
            >
                <span class="stepper">
                    <button data-testid="less" aria-label=move || store.t(Phrase::Less) on:click=less>"−"</button>
                    <input class="qty" data-testid="qty-input" type="text" inputmode="numeric" pattern="[0-9]*"
                        aria-label=move || format!("{} ({})", store.t(Phrase::QuantityLabel), unit_word())
                        prop:value=shown on:input=on_input on:change=on_change
                        on:blur=move |_| typed.set(None)/>
                    <span class="qty-unit">{unit_word}</span>
                    <button data-testid="more" aria-label=move || store.t(Phrase::More) on:click=more>"+"</button>
                </span>
                // The units the cases make (what the cart and the invoice count).
                <span class="qty-units" data-testid="qty" data-units=move || quantity.get().to_string()>
                    {move || (pack > 1).then(|| format!("= {} {}", quantity.get(), unit.with_value(|u| store.lang.get().pick(u).to_owned())))}
                </span>
            </Show>
            {move || problem.get().map(|why| view! {
                <span class="qty-problem" role="alert" data-testid="qty-problem">{why}</span>
            })}
    }
    .into_any()
}
