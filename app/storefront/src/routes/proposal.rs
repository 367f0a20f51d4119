//! `/proposal`: the suggested order (建议订单). An account manager, offline too, works out a
//! shop's suggestion from its order history, the holiday calendar, its paused weeks,
//! quotas and stock (`domain::forecast::suggest_order`, fetched once online and kept on
//! the phone), adjusts it and sends it. The shop sees it with each line's reason, edits it
//! (both sides' edits are kept), and orders it or declines; the manager may order it for
//! the shop with its agreement (代客下单). Either way it is one order, under the
//! proposal's id.

use domain::forecast::{MAX_COVER_WEEKS, ShopDemand, SuggestedLine, Why, suggest_order_counted};
use domain::proposal::ProposedLine;
use domain::sku::Sku;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use rust_decimal::Decimal;

use super::account::day;
use super::cart::blocked_text;
use crate::i18n::Phrase;
use crate::store::Store;

/// A line's reason in the user's words: "每周约 24，×1.5（春节前备货），受限额 48 限制".
pub(crate) fn why_text(store: &Store, why: Option<&Why>) -> String {
    let Some(why) = why else {
        return store.t(Phrase::WhyAddedLater).to_owned();
    };
    let mut parts = Vec::new();
    if why.new_product {
        parts.push(store.t(Phrase::WhyNew).to_owned());
    } else {
        parts.push(
            store
                .t(Phrase::WhyWeekly)
                .replace("{n}", &why.weekly.normalize().to_string()),
        );
    }
    // The factor is said when a holiday explains it or it moves demand by a tenth or more
    // (factors estimated from every shop's orders are rarely exactly 1).
    if why.weeks > 1 {
        parts.push(
            store
                .t(Phrase::WhyWeeks)
                .replace("{n}", &why.weeks.to_string()),
        );
    }
    let notable = (why.factor - Decimal::ONE).abs() >= Decimal::new(1, 1);
    if why.factor != Decimal::ONE
        && why.factor > Decimal::ZERO
        && (notable || !why.holidays.is_empty())
    {
        let names = if why.holidays.is_empty() {
            String::new()
        } else {
            format!(" ({})", why.holidays.join("、"))
        };
        parts.push(format!("×{}{names}", why.factor.normalize()));
    }
    if why.counted || why.on_hand > 0 {
        let phrase = match (why.counted, why.counted_ms) {
            (true, Some(_)) => Phrase::WhyCountedOn,
            (true, None) => Phrase::WhyCounted,
            (false, _) => Phrase::WhyOnHand,
        };
        parts.push(
            store
                .t(phrase)
                .replace("{n}", &why.on_hand.to_string())
                .replace("{d}", &why.counted_ms.map(day).unwrap_or_default()),
        );
    }
    if let Some(cap) = why.quota_cap {
        parts.push(store.t(Phrase::WhyQuota).replace("{n}", &cap.to_string()));
    }
    if let Some(cap) = why.stock_cap {
        parts.push(store.t(Phrase::WhyStock).replace("{n}", &cap.to_string()));
    }
    if let Some(suggested) = why.suggested {
        parts.push(
            store
                .t(Phrase::WhySuggested)
                .replace("{n}", &suggested.to_string()),
        );
    }
    parts.join(store.t(Phrase::ListSeparator))
}

/// The step and name of `sku` from the catalog the device holds.
fn product_of(store: &Store, sku: &Sku) -> (u32, String) {
    let catalog = store.catalog.get();
    catalog.products.get(sku).map_or((1, sku.to_string()), |p| {
        (p.quantity_step(), store.lang.get().pick(&p.name).to_owned())
    })
}

#[component]
pub fn ProposalPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let is_manager = move || store.session.get().is_some_and(|s| s.role == "manager");
    // A suggestion (its demand, counts and changes) is one shop's: another shop chosen in
    // the header starts afresh.
    let shop_id = Memo::new(move |_| store.shop.get().map(|s| s.id));
    view! {
        <section class="proposal" data-testid="proposal-page">
            <h2>{move || store.t(Phrase::SuggestedOrder)}
                {move || store.shop.get().map(|s| format!(" · {}", s.name))}</h2>
            {move || match (store.proposal.get().is_some(), is_manager(), shop_id.get()) {
                (true, _, _) => view! { <OpenProposal/> }.into_any(),
                (false, true, _) => view! { <Suggest/> }.into_any(),
                (false, false, _) => view! { <p class="meta" data-testid="no-proposal">{store.t(Phrase::NoProposal)}</p> }.into_any(),
            }}
        </section>
    }
}

/// The proposal waiting for the shop: its lines with reasons, editable; order or decline.
#[component]
fn OpenProposal() -> impl IntoView {
    let store = expect_context::<Store>();
    let navigate = use_navigate();
    let quoted = Memo::new(move |_| store.quote_proposal());
    let blocked = move || quoted.get().and_then(|(_, blocked)| blocked);
    let total = move || {
        quoted
            .get()
            .and_then(|(quote, _)| quote.ok())
            .map(|q| q.total.to_string())
    };
    let is_manager = move || store.session.get().is_some_and(|s| s.role == "manager");
    let order = move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            if let Some(id) = store.order_proposal().await {
                navigate(&format!("/orders/{id}"), Default::default());
            }
        });
    };
    view! {
        {move || store.proposal.get().map(|held| {
            let sent = format!("{} {} · {}", store.t(Phrase::ProposalFrom), held.proposal.by, day(held.proposal.sent_ms));
            let reasons = held.proposal.lines.clone();
            view! {
                <p class="meta" data-testid="proposal-from">{sent}</p>
                <ul class="lines">
                    {held.lines.into_iter().map(|line| {
                        let (step, name) = product_of(&store, &line.sku);
                        let why = why_text(&store, reasons.iter().find(|r| r.sku == line.sku).map(|r| &r.why));
                        let sku = line.sku.clone();
                        let sku_less = line.sku.clone();
                        let quantity = line.quantity;
                        view! {
                            <li class="line" data-testid="proposal-line" data-sku=line.sku.to_string()>
                                <span class="name">{name}</span>
                                <span class="meta" data-testid="proposal-why">{why}</span>
                                <span class="stepper">
                                    <button data-testid="proposal-less" on:click=move |_| store.set_proposal_quantity(&sku_less, quantity.saturating_sub(step))>"−"</button>
                                    <span data-testid="proposal-qty">{quantity}</span>
                                    <button data-testid="proposal-more" on:click=move |_| store.set_proposal_quantity(&sku, quantity + step)>"+"</button>
                                </span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
        })}
        {move || total().map(|t| view! { <p class="total" data-testid="proposal-total">{format!("{} {t}", store.t(Phrase::Total))}</p> })}
        {move || blocked().map(|b| view! { <p class="error" data-testid="blocked">{format!("{}: {}", store.t(Phrase::CannotOrder), blocked_text(&store, &b))}</p> })}
        <div class="actions">
            <button class="primary" data-testid="proposal-order" on:click=order
                disabled=move || blocked().is_some() || total().is_none()>
                {move || store.t(if is_manager() { Phrase::OrderOnBehalfAgreed } else { Phrase::AcceptAndOrder })}
            </button>
            <button data-testid="proposal-decline" on:click=move |_| { store.decline_proposal(); }>{move || store.t(Phrase::DeclineProposal)}</button>
        </div>
    }
}

/// The manager's suggestion for the active shop, worked out on the phone; adjust, send.
#[component]
fn Suggest() -> impl IntoView {
    let store = expect_context::<Store>();
    // None: not worked out yet; Some(None): no data on this phone and no network.
    let demand = RwSignal::new(None::<Option<ShopDemand>>);
    let draft = RwSignal::new(Vec::<(SuggestedLine, u32)>::new());
    let busy = RwSignal::new(false);
    // The weeks the order covers: until the manager's next visit to the shop, or chosen.
    let weeks = RwSignal::new(1_u32);
    let next_visit = move || {
        let shop = store.shop.get_untracked()?;
        store
            .visits
            .get_untracked()
            .get(shop.id.as_str())
            .and_then(|visit| visit.next_visit.clone())
    };
    // Units counted on the shop's shelf, by product (the last count of each stands).
    let counts = RwSignal::new(Vec::<(Sku, u32)>::new());
    // Works the suggestion out again; a line the manager changed keeps his quantity.
    let work_out = move |found: Option<&ShopDemand>, cover: u32| {
        let changed: Vec<(Sku, u32)> = draft
            .get_untracked()
            .into_iter()
            .filter(|(line, quantity)| line.quantity != *quantity)
            .map(|(line, quantity)| (line.sku, quantity))
            .collect();
        let counted = counts.get_untracked();
        draft.set(
            found
                .map(|found| suggest_order_counted(found, cover, &counted))
                .unwrap_or_default()
                .into_iter()
                .map(|line| {
                    let quantity = changed
                        .iter()
                        .find(|(sku, _)| *sku == line.sku)
                        .map_or(line.quantity, |(_, quantity)| *quantity);
                    (line, quantity)
                })
                .collect(),
        );
    };
    let suggest = move |_| {
        busy.set(true);
        spawn_local(async move {
            let got = store.shop_demand().await;
            let visit_ms = next_visit().and_then(|day| {
                domain::quota::day_start(&day, domain::checkout::UTC_OFFSET_MINUTES)
            });
            // No more weeks than the demand kept on the phone has (one, from a server
            // before the weeks ahead).
            let cover = got.as_ref().map_or(1, |found| {
                domain::forecast::cover_weeks(found.week_ms, visit_ms)
                    .min(u32::try_from(found.ahead.len() + 1).unwrap_or(1))
            });
            weeks.set(cover);
            work_out(got.as_ref(), cover);
            demand.set(Some(got));
            busy.set(false);
        });
    };
    let cover = move |chosen: u32| {
        weeks.set(chosen);
        demand.with_untracked(|found| work_out(found.as_ref().and_then(Option::as_ref), chosen));
    };
    // Products whose count is not a whole number of 0 or more (they stay estimated).
    let unreadable = RwSignal::new(Vec::<Sku>::new());
    // A count typed in (blank: not counted) works the suggestion out again.
    let count = move |sku: Sku, text: String| {
        let text = text.trim();
        let units = text.parse::<u32>().ok();
        unreadable.update(|skus| {
            skus.retain(|s| *s != sku);
            if units.is_none() && !text.is_empty() {
                skus.push(sku.clone());
            }
        });
        counts.update(|counts| {
            counts.retain(|(counted, _)| *counted != sku);
            if let Some(units) = units {
                counts.push((sku, units));
            }
        });
        demand.with_untracked(|found| {
            work_out(
                found.as_ref().and_then(Option::as_ref),
                weeks.get_untracked(),
            );
        });
    };
    let change = move |index: usize, quantity: u32| {
        draft.update(|lines| {
            if let Some(line) = lines.get_mut(index) {
                line.1 = quantity;
            }
        });
    };
    let send = move |_| {
        let Some(Some(demand)) = demand.get_untracked() else {
            return;
        };
        let lines: Vec<ProposedLine> = draft
            .get_untracked()
            .into_iter()
            .map(|(line, quantity)| ProposedLine {
                sku: line.sku,
                quantity,
                why: Why {
                    suggested: (quantity != line.quantity).then_some(line.quantity),
                    ..line.why
                },
            })
            .collect();
        store.send_proposal(demand.week_ms, lines);
    };
    view! {
        <button class="primary" data-testid="suggest" on:click=suggest disabled=move || busy.get()>{move || store.t(Phrase::SuggestNow)}</button>
        {move || match demand.get() {
            None => ().into_any(),
            Some(None) => view! { <p class="error" data-testid="suggest-needs-network">{store.t(Phrase::DemandNeedsNetwork)}</p> }.into_any(),
            Some(Some(found)) => {
                view! {
                    <p class="meta" data-testid="suggest-as-of">{format!("{} {}", store.t(Phrase::DemandAsOf), super::orders::format_time(found.as_of_ms))}</p>
                    {found.next_paused.then(|| view! { <p class="warn" data-testid="suggest-paused">{store.t(Phrase::ShopPausedWeek)}</p> })}
                    <p class="meta" id="cover-label">
                        {store.t(Phrase::CoverWeeks)}
                        {next_visit().map(|day| view! { " · "<span data-testid="cover-visit">{store.t(Phrase::UntilNextVisit).replace("{n}", &day)}</span> })}
                    </p>
                    <div class="chips" role="group" aria-labelledby="cover-label" data-testid="cover">
                        {(1..=MAX_COVER_WEEKS.min(u32::try_from(found.ahead.len() + 1).unwrap_or(1))).map(|n| view! {
                            <button class="chip" data-testid="cover-weeks" data-weeks=n
                                class:active=move || weeks.get() == n
                                aria-pressed=move || (weeks.get() == n).to_string()
                                on:click=move |_| cover(n)>
                                {store.t(Phrase::WeeksUnit).replace("{n}", &n.to_string())}
                            </button>
                        }).collect_view()}
                    </div>
                    <ul class="lines">
                        {move || draft.get().into_iter().enumerate().map(|(index, (line, quantity))| {
                            let (step, name) = product_of(&store, &line.sku);
                            let why = why_text(&store, Some(&line.why));
                            view! {
                                <li class="line" data-testid="suggest-line" data-sku=line.sku.to_string()>
                                    <span class="name">{name}</span>
                                    <span class="meta" data-testid="suggest-why">{why}</span>
                                    <span class="stepper">
                                        <button data-testid="suggest-less" on:click=move |_| change(index, quantity.saturating_sub(step))>"−"</button>
                                        <span data-testid="suggest-qty">{quantity}</span>
                                        <button data-testid="suggest-more" on:click=move |_| change(index, quantity + step)>"+"</button>
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <details class="shelf-count" data-testid="shelf-count">
                        <summary>{store.t(Phrase::ShelfCount)}</summary>
                        <p class="meta">{store.t(Phrase::ShelfCountHint)}</p>
                        <ul class="lines">
                            {found.products.iter().map(|product| {
                                let sku = product.sku.clone();
                                let (_, name) = product_of(&store, &sku);
                                let label = format!("{} {name}", store.t(Phrase::ShelfCount));
                                let value = counts.get_untracked().iter().rev()
                                    .find(|(counted, _)| *counted == sku)
                                    .map(|(_, units)| units.to_string())
                                    .unwrap_or_default();
                                let data_sku = sku.to_string();
                                let bad_sku = sku.clone();
                                let bad = Memo::new(move |_| unreadable.with(|skus| skus.contains(&bad_sku)));
                                view! {
                                    <li class="line" data-testid="shelf-line" data-sku=data_sku>
                                        <span class="name">{name}</span>
                                        <input type="number" min="0" step="1" inputmode="numeric"
                                            data-testid="shelf-units" aria-label=label prop:value=value
                                            aria-invalid=move || bad.get().to_string()
                                            on:change=move |ev| count(sku.clone(), event_target_value(&ev))/>
                                        {move || bad.get().then(|| view! {
                                            <span class="error" data-testid="shelf-error">{store.t(Phrase::ShelfCountWhole)}</span>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </details>
                    <button class="primary" data-testid="send-proposal" on:click=send
                        disabled=move || draft.get().iter().all(|(_, q)| *q == 0)>{store.t(Phrase::SendToShop)}</button>
                }.into_any()
            }
        }}
    }
}
