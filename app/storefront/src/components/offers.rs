//! Offers in words: each promotion this shop can use now or soon, said as a shop owner
//! would ("每满 ¥300 减 ¥20", "买 10 瓶送 1 瓶"), and, in the cart, how close the cart is
//! to the next one ("再买 ¥35 免运费", "再买 2 瓶送 1 瓶").

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{Lang, Phrase};
use crate::routes::account::day;
use crate::store::Store;
use domain::money::Money;
use domain::promotion::{
    Closer, PromotableLine, Promotion, PromotionKind, PromotionSkipped, Scope,
};
use domain::quote::Quote;
use rust_decimal::Decimal;

/// A percentage off as it is said: "9折" / "8.5折" in Chinese, "10% off" in English.
fn percent_text(lang: Lang, percent: Decimal) -> String {
    match lang {
        Lang::En => format!("{}% off", percent.normalize()),
        _ => format!(
            "{}折",
            ((Decimal::from(100) - percent) / Decimal::from(10)).normalize()
        ),
    }
}

/// What a promotion gives, in words.
pub fn describe(store: &Store, promotion: &Promotion) -> String {
    let lang = store.lang.get();
    let t = |phrase| store.t(phrase);
    let mut text = match &promotion.kind {
        PromotionKind::AmountOff { amount } => format!("{} {amount}", t(Phrase::OfferAmountOff)),
        PromotionKind::PercentOff { percent, max_off } => {
            let mut said = percent_text(lang, *percent);
            if let Some(cap) = max_off {
                said.push_str(&format!("（{} {cap}）", t(Phrase::OfferAtMost)));
            }
            said
        }
        PromotionKind::SpendStep {
            every,
            off,
            max_steps,
        } => {
            let mut said = format!(
                "{} {every} {} {off}",
                t(Phrase::OfferEvery),
                t(Phrase::OfferLess)
            );
            if let Some(most) = max_steps {
                said.push_str(&format!("（{} {most}）", t(Phrase::OfferTimesAtMost)));
            }
            said
        }
        PromotionKind::SpendPercent { threshold, percent } => {
            format!(
                "{} {threshold} {}",
                t(Phrase::OfferFrom),
                percent_text(lang, *percent)
            )
        }
        PromotionKind::BuyXGetY {
            buy,
            buy_quantity,
            get,
            get_quantity,
        } => format!(
            "{} {} × {buy_quantity} {} {} × {get_quantity}",
            t(Phrase::OfferBuy),
            store.product_name(buy),
            t(Phrase::OfferGet),
            store.product_name(get)
        ),
        PromotionKind::GiftWithSpend {
            threshold,
            gift,
            quantity,
        } => format!(
            "{} {threshold} {} {} × {quantity}",
            t(Phrase::OfferFrom),
            t(Phrase::OfferGet),
            store.product_name(gift)
        ),
    };
    if let Some(minimum) = promotion.min_spend {
        text.push_str(&format!(
            "，{} {minimum} {}",
            t(Phrase::OfferFrom),
            t(Phrase::OfferUsable)
        ));
    }
    match &promotion.scope {
        Scope::All => {}
        Scope::Skus { skus } => {
            let names: Vec<String> = skus.iter().take(3).map(|s| store.product_name(s)).collect();
            text.push_str(&format!("，{} {}", t(Phrase::OfferOnly), names.join("、")));
        }
        Scope::Categories { categories } => {
            let names: Vec<String> = store.catalog.with(|c| {
                categories
                    .iter()
                    .map(|id| {
                        c.categories
                            .iter()
                            .find(|cat| &cat.id == id)
                            .map_or_else(|| id.to_string(), |cat| lang.pick(&cat.name).to_owned())
                    })
                    .collect()
            });
            text.push_str(&format!("，{} {}", t(Phrase::OfferOnly), names.join("、")));
        }
    }
    text
}

/// The promotions this shop sees (its price document holds only those for its tier and
/// itself) that are on now, and those that start later.
fn now_and_soon(store: &Store, now_ms: i64) -> (Vec<Promotion>, Vec<Promotion>) {
    let promotions = store.promotions.get();
    let shop = store.shop.get();
    // Only this shop's: of every tier or of its own, for every shop or for it.
    let ours = |p: &&Promotion| {
        shop.as_ref().is_some_and(|shop| {
            (p.tiers.is_empty() || p.tiers.contains(&shop.tier))
                && (p.shops.is_empty() || p.shops.contains(&shop.id))
        })
    };
    let on_now = |p: &&Promotion| {
        p.valid_from_ms.is_none_or(|from| from <= now_ms)
            && p.valid_until_ms.is_none_or(|until| now_ms < until)
    };
    let now: Vec<Promotion> = promotions
        .iter()
        .filter(ours)
        .filter(on_now)
        .cloned()
        .collect();
    let mut soon: Vec<Promotion> = promotions
        .iter()
        .filter(ours)
        .filter(|p| p.valid_from_ms.is_some_and(|from| from > now_ms))
        .cloned()
        .collect();
    soon.sort_by_key(|p| p.valid_from_ms);
    (now, soon)
}

#[component]
pub fn OffersPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let item = move |p: Promotion, soon: bool| {
        let when = if soon {
            p.valid_from_ms
                .map(|from| format!("{} {}", day(from), store.t(Phrase::OfferStarts)))
        } else {
            p.valid_until_ms
                .map(|until| format!("{} {}", store.t(Phrase::OfferUntil), day(until - 1)))
        };
        view! {
            <li class="offer" data-testid="offer" data-id=p.id.clone()>
                <strong>{store.lang.get().pick(&p.name).to_owned()}</strong>
                <span data-testid="offer-text">{describe(&store, &p)}</span>
                <span class="meta">
                    {p.is_coupon().then(|| store.t(Phrase::OfferNeedsCoupon).to_owned()).into_iter().chain(when).collect::<Vec<_>>().join(" · ")}
                </span>
            </li>
        }
    };
    view! {
        <section class="offers">
            <h2>{move || store.t(Phrase::Offers)}</h2>
            {move || {
                store.clock.track();
                let (now, soon) = now_and_soon(&store, js_sys::Date::now() as i64);
                view! {
                    <h3>{store.t(Phrase::OffersNow)}</h3>
                    {now.is_empty().then(|| view! { <p class="meta">{store.t(Phrase::NoOffersNow)}</p> })}
                    <ul class="offer-list" data-testid="offers-now">{now.into_iter().map(|p| item(p, false)).collect_view()}</ul>
                    {(!soon.is_empty()).then(|| view! {
                        <h3>{store.t(Phrase::OffersSoon)}</h3>
                        <ul class="offer-list" data-testid="offers-soon">{soon.into_iter().map(|p| item(p, true)).collect_view()}</ul>
                    })}
                }
            }}
        </section>
    }
}

/// The catalog's line of offers on now, linking to the offers page.
#[component]
pub fn OffersLink() -> impl IntoView {
    let store = expect_context::<Store>();
    let count = move || {
        store.clock.track();
        now_and_soon(&store, js_sys::Date::now() as i64).0.len()
    };
    move || {
        (count() > 0).then(|| {
            view! {
                <A href="/offers" attr:class="offers-link" attr:data-testid="offers-link">
                    {format!("{} {} ›", count(), store.t(Phrase::OffersOnNow))}
                </A>
            }
        })
    }
}

/// In the cart: how close it is to free delivery and to each promotion it could get (more
/// of), the closest first.
pub fn cart_nudges(store: &Store, quote: &Quote) -> Vec<(String, Money)> {
    let mut nudges: Vec<(String, Money)> = Vec::new();
    let catalog = store.catalog.get();
    // Free delivery: what it is measured on is the goods after discounts.
    if let Some(free_above) = catalog.terms.shipping.as_ref().and_then(|s| s.free_above)
        && !quote.shipping.is_zero()
        && let Ok(net) = quote.merchandise.checked_sub(quote.discount)
        && net.amount() < free_above.amount()
        && let Ok(more) = free_above.checked_sub(net)
    {
        nudges.push((
            format!(
                "{} {more} {}",
                store.t(Phrase::AddMore),
                store.t(Phrase::ForFreeDelivery)
            ),
            more,
        ));
    }
    let lines: Vec<PromotableLine> = quote
        .lines
        .iter()
        .filter_map(|l| {
            Some(PromotableLine {
                sku: l.line.sku.clone(),
                category: catalog.products.get(&l.line.sku)?.category.clone(),
                quantity: l.line.quantity,
                line_total: l.line.line_total,
            })
        })
        .collect();
    for promotion in store.promotions.get().iter() {
        let skipped = quote
            .skipped_promotions
            .iter()
            .find(|(id, _)| id == &promotion.id)
            .map(|(_, why)| why);
        // Only what this cart could still get: not one of another time, shop or coupon.
        let may = match skipped {
            None => true,
            Some(PromotionSkipped::BelowMinimumSpend { .. }) => true,
            Some(_) => false,
        };
        if !may {
            continue;
        }
        let name = store.lang.get().pick(&promotion.name).to_owned();
        match promotion.closer(&lines) {
            Some(Closer::Spend { more }) => nudges.push((
                format!(
                    "{} {more} {}{name}",
                    store.t(Phrase::AddMore),
                    store.t(Phrase::ToGet)
                ),
                more,
            )),
            Some(Closer::Units { sku, more }) => {
                let unit = catalog
                    .products
                    .get(&sku)
                    .map(|p| store.lang.get().pick(&p.unit).to_owned())
                    .unwrap_or_default();
                let zero = Money::zero(quote.total.currency());
                nudges.push((
                    format!(
                        "{} {} {more} {unit} {}{name}",
                        store.t(Phrase::AddMore),
                        store.product_name(&sku),
                        store.t(Phrase::ToGet)
                    ),
                    zero,
                ));
            }
            None => {}
        }
    }
    nudges.sort_by_key(|nudge| nudge.1.amount());
    nudges
}
