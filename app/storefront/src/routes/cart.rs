//! The cart, quoted offline by the same engine the server confirms with (prices,
//! promotions and gifts, shipping, tax, points, prepaid balance), the checkout choices,
//! and "place order".

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::components::quantity_stepper::QuantityStepper;
use crate::i18n::Phrase;
use crate::store::Store;
use domain::checkout::Blocked;
use domain::credit::OrderBlock;
use domain::pricing::LineRefusal;
use domain::promotion::PromotionSkipped;

#[component]
pub fn CartPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let priced = Memo::new(move |_| store.priced_cart());
    let quoted = Memo::new(move |_| store.quote_cart());
    let quote = move || quoted.get().and_then(|(quote, _)| quote.ok());
    let blocked = move || quoted.get().and_then(|(_, blocked)| blocked);
    let coupon_input = RwSignal::new(String::new());
    let add_coupon = move || {
        let code = coupon_input.get_untracked().trim().to_uppercase();
        if !code.is_empty() && code.len() <= 40 {
            store.choices.update(|c| {
                if !c.coupon_codes.contains(&code) {
                    c.coupon_codes.push(code);
                }
            });
        }
        coupon_input.set(String::new());
    };
    let money = |m: domain::money::Money| m.to_string();
    let toggle_points = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        let balance = store.profile.get_untracked().points_balance;
        store
            .choices
            .update(|c| c.redeem_points = if on { balance } else { 0 });
    };
    let navigate = use_navigate();
    // Until the order is kept on the device (a second tap would place it twice).
    let placing = RwSignal::new(false);
    let place = move |_| {
        if placing.get_untracked() {
            return;
        }
        placing.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            if let Some(id) = store.place_order().await {
                navigate(&format!("/orders/{id}"), Default::default());
            }
            // The cart may be gone by now (the order's page shows).
            let _ = placing.try_set(false);
        });
    };
    view! {
        <section class="cart">
            <crate::components::reorder::ReorderReport/>
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
                                {product.map(|product| view! { <QuantityStepper product=std::sync::Arc::new(product)/> })}
                                <button class="link remove" data-testid="remove" on:click=move |_| store.remove_from_cart(&sku)>
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
                            LineRefusal::NotOffered => store.t(Phrase::NotOffered),
                            LineRefusal::Quantity { .. } => store.t(Phrase::QuantityRule),
                        };
                        view! {
                            <li class="line refused" data-testid="refused-line">
                                <span class="name">{store.product_name(&refused.sku)}</span>
                                <span class="error">{reason}</span>
                                <button on:click=move |_| store.set_cart_quantity(&sku, 0)>{store.t(Phrase::Remove)}</button>
                            </li>
                        }
                    }).collect_view())}
                </ul>
                {move || quote().map(|q| {
                    let nudges = crate::components::offers::cart_nudges(&store, &q);
                    (!nudges.is_empty()).then(|| view! {
                        <ul class="nudges" data-testid="nudges">
                            {nudges.into_iter().take(3).map(|(text, _)| view! { <li data-testid="nudge">{text}</li> }).collect_view()}
                            <li><A href="/offers">{store.t(Phrase::Offers)} " ›"</A></li>
                        </ul>
                    })
                })}
                {move || quote().map(|q| view! {
                    <ul class="quote" data-testid="quote">
                        {q.promotions.iter().map(|p| view! {
                            <li data-testid="promotion">
                                <span>{store.lang.get().pick(&p.name)}</span>
                                <span class="discount">{format!("−{}", money(p.discount))}</span>
                            </li>
                        }).collect_view()}
                        {q.gifts.iter().map(|g| view! {
                            <li data-testid="gift">
                                <span>{format!("{} {} × {}", store.t(Phrase::Gift), store.lang.get().pick(&g.name), g.quantity)}</span>
                                <span>"¥0.00"</span>
                            </li>
                        }).collect_view()}
                        // Only the codes the shop typed: one no promotion has, or one
                        // that does not apply now, and why, in words.
                        {store.choices.get().coupon_codes.into_iter().filter_map(|code| {
                            let promotions = store.promotions.get();
                            let theirs: Vec<&str> = promotions.iter()
                                .filter(|p| p.is_coupon() && p.code_matches(&code))
                                .map(|p| p.id.as_str())
                                .collect();
                            let why = if theirs.is_empty() {
                                store.t(Phrase::UnknownCoupon).to_owned()
                            } else {
                                let skipped = q.skipped_promotions.iter().find(|(id, _)| theirs.contains(&id.as_str()))?;
                                skipped_text(&store, &skipped.1)
                            };
                            Some(view! {
                                <li class="error" data-testid="coupon-refused">{format!("{} {code}：{why}", store.t(Phrase::CouponNotApplied))}</li>
                            })
                        }).collect_view()}
                        <li><span>{store.t(Phrase::Merchandise)}</span><span>{money(q.merchandise)}</span></li>
                        <li><span>{store.t(Phrase::Shipping)}</span><span data-testid="shipping">{money(q.shipping)}</span></li>
                        <li class="meta"><span>{store.t(Phrase::TaxIncluded)}</span><span>{money(q.tax)}</span></li>
                        {(q.points_redeemed > 0).then(|| view! {
                            <li><span>{format!("{} ({})", store.t(Phrase::PointsPaid), q.points_redeemed)}</span><span>{format!("−{}", money(q.points_value))}</span></li>
                        })}
                        {(!q.prepaid_used.is_zero()).then(|| view! {
                            <li><span>{store.t(Phrase::PrepaidPaid)}</span><span>{format!("−{}", money(q.prepaid_used))}</span></li>
                        })}
                    </ul>
                })}
                <div class="choices">
                    <label>
                        {move || store.t(Phrase::Coupon)}
                        <input name="coupon" data-testid="coupon" prop:value=move || coupon_input.get()
                            on:input=move |ev| coupon_input.set(event_target_value(&ev))/>
                        <button data-testid="apply-coupon" on:click=move |_| add_coupon()>{move || store.t(Phrase::Apply)}</button>
                    </label>
                    {move || store.choices.get().coupon_codes.into_iter().map(|code| {
                        let remove = code.clone();
                        view! {
                            <span class="tag">{code}
                                <button class="link" on:click=move |_| store.choices.update(|c| c.coupon_codes.retain(|x| x != &remove))>"×"</button>
                            </span>
                        }
                    }).collect_view()}
                    {move || (store.profile.get().points_balance > 0).then(|| view! {
                        <label>
                            <input type="checkbox" data-testid="use-points"
                                prop:checked=move || store.choices.get().redeem_points != 0
                                on:change=toggle_points />
                            {format!("{} ({})", store.t(Phrase::UsePoints), store.profile.get().points_balance)}
                        </label>
                    })}
                    {move || store.profile.get().account.as_ref().filter(|a| !a.prepaid_balance.is_zero()).map(|account| {
                        let balance = account.prepaid_balance;
                        view! {
                            <label>
                                <input type="checkbox" data-testid="use-prepaid"
                                    prop:checked=move || store.choices.get().use_prepaid
                                    on:change=move |ev| store.choices.update(|c| c.use_prepaid = event_target_checked(&ev))/>
                                {format!("{} ({})", store.t(Phrase::UsePrepaid), balance)}
                            </label>
                        }
                    })}
                    <label>
                        <input type="checkbox" data-testid="pickup"
                            prop:checked=move || store.choices.get().pickup
                            on:change=move |ev| store.choices.update(|c| c.pickup = event_target_checked(&ev))/>
                        {move || store.t(Phrase::Pickup)}
                    </label>
                </div>
                <p class="total">{move || store.t(Phrase::Total)} " "
                    <strong data-testid="cart-total">{move || quote().map(|q| money(q.total)).unwrap_or_default()}</strong>
                </p>
                {move || quote().filter(|q| q.amount_due != q.total).map(|q| view! {
                    <p class="total">{store.t(Phrase::AmountDue)} " " <strong data-testid="amount-due">{money(q.amount_due)}</strong></p>
                })}
                {move || quote().filter(|q| q.points_earned > 0).map(|q| view! {
                    <p class="meta">{format!("{} {}", store.t(Phrase::PointsEarned), q.points_earned)}</p>
                })}
                {move || blocked().map(|blocked| view! {
                    <p class="error" data-testid="blocked">{format!("{}: {}", store.t(Phrase::CannotOrder), blocked_text(&store, &blocked))}</p>
                })}
                // What the prices shown are as of, and what happens if the server's differ.
                {move || store.last_synced_ms.get().map(|ms| {
                    let approval = store.catalog.with(|c| c.terms.approval.clone());
                    let hold = approval.as_ref().map_or(0, |a| a.price_hold_hours);
                    view! {
                        <p class="meta" data-testid="prices-as-of">
                            {format!("{} {}", store.t(Phrase::PricesAsOf), super::orders::format_time(ms))}
                            {(hold > 0).then(|| format!(
                                "{}{}",
                                store.t(Phrase::Semicolon),
                                store.t(Phrase::HoldFor).replace("{}", &hold.to_string())
                            ))}
                            {approval.is_some().then(|| format!("{}{}", store.t(Phrase::Semicolon), store.t(Phrase::AskedIfDearer)))}
                        </p>
                    }
                })}
                <button class="primary" data-testid="place-order" on:click=place.clone()
                    disabled=move || placing.get() || priced.get().is_none_or(|o| o.lines.is_empty()) || blocked().is_some()>
                    {move || store.t(Phrase::PlaceOrder)}
                </button>
            </Show>
        </section>
    }
}

/// Why the shop cannot order now, in the user's language.
pub(crate) fn blocked_text(store: &Store, blocked: &Blocked) -> String {
    match blocked {
        Blocked::Window(outside) => format!(
            "{} {}",
            store.t(Phrase::OutsideWindow),
            super::orders::format_time(outside.next_open_ms)
        ),
        Blocked::Quota(over) => {
            // The product by name, and what is left in its units.
            let (name, unit) = store
                .catalog
                .with_untracked(|c| {
                    c.products.get(&over.sku).map(|p| {
                        let lang = store.lang.get_untracked();
                        (lang.pick(&p.name).to_owned(), lang.pick(&p.unit).to_owned())
                    })
                })
                .unwrap_or_else(|| (over.sku.to_string(), String::new()));
            format!(
                "{} {name} ({} {} {unit})",
                store.t(Phrase::OverQuota),
                store.t(Phrase::Remaining),
                over.remaining
            )
        }
        Blocked::Credit(OrderBlock::Suspended { reason }) => {
            if reason.is_empty() {
                store.t(Phrase::AccountSuspended).to_owned()
            } else {
                format!("{} ({reason})", store.t(Phrase::AccountSuspended))
            }
        }
        Blocked::Credit(OrderBlock::Overdue { invoices, amount }) => {
            format!("{} {invoices} / {amount}", store.t(Phrase::InvoicesOverdue))
        }
        Blocked::Credit(OrderBlock::OverCreditLimit { limit, .. }) => {
            format!("{} {limit}", store.t(Phrase::OverCreditLimit))
        }
        Blocked::Credit(OrderBlock::PrepaidShort { needed, balance }) => {
            format!("{} {balance} < {needed}", store.t(Phrase::PrepaidShort))
        }
        Blocked::Credit(OrderBlock::Arithmetic) => store.t(Phrase::CannotOrder).to_owned(),
    }
}

/// Why a coupon the shop typed does not apply now, in its words.
fn skipped_text(store: &Store, why: &PromotionSkipped) -> String {
    let phrase = match why {
        PromotionSkipped::NotYetValid => Phrase::CouponNotYet,
        PromotionSkipped::Expired => Phrase::CouponExpired,
        PromotionSkipped::NotForThisCustomer => Phrase::CouponNotForShop,
        PromotionSkipped::CouponNotEntered => Phrase::UnknownCoupon,
        PromotionSkipped::UsedUp => Phrase::CouponUsedUp,
        PromotionSkipped::BelowMinimumSpend { minimum } => {
            return format!("{}{minimum}", store.t(Phrase::CouponMinimum));
        }
        PromotionSkipped::NothingInScope => Phrase::CouponNothingInScope,
        PromotionSkipped::GiftUnavailable => Phrase::CouponGiftUnavailable,
        PromotionSkipped::NotTheBest => Phrase::CouponNotBest,
    };
    store.t(phrase).to_owned()
}
