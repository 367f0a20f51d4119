//! Promotions: the list (kind, scope, who, when, coupon, limits, how often used, how many
//! shops it reaches), and the form that creates, edits, schedules and ends every kind the
//! engine has (满减, 满折, amount and percent off, coupons, buy X get Y, gifts), with a preview
//! of the shops that will see it. Staff with `promotions.read` look; admins change.

use api::{PromotionReach, PromotionRow};
use domain::money::{Currency, Money};
use domain::promotion::{Promotion, PromotionKind, Scope, Stacking};
use domain::sku::{CategoryId, ShopId, Sku, TierId};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::api::{Failure, encode};
use crate::audit::History;
use crate::i18n::Phrase;
use crate::products::{Texts, TextsInput, local_time, parse_local_time};
use crate::{Office, text_input};

fn yuan(money: &Money) -> String {
    format!("¥{}", money.amount())
}

/// One line saying what the promotion gives.
fn kind_text(office: &Office, kind: &PromotionKind) -> String {
    match kind {
        PromotionKind::AmountOff { amount } => {
            format!("{} {}", office.t(Phrase::KindAmountOff), yuan(amount))
        }
        PromotionKind::PercentOff { percent, max_off } => format!(
            "{} {percent}%{}",
            office.t(Phrase::KindPercentOff),
            max_off
                .map(|m| format!(" ≤ {}", yuan(&m)))
                .unwrap_or_default()
        ),
        PromotionKind::SpendStep { every, off, .. } => {
            format!(
                "{} {} − {}",
                office.t(Phrase::KindSpendStep),
                yuan(every),
                yuan(off)
            )
        }
        PromotionKind::SpendPercent { threshold, percent } => format!(
            "{} {} → {percent}%",
            office.t(Phrase::KindSpendPercent),
            yuan(threshold)
        ),
        PromotionKind::BuyXGetY {
            buy,
            buy_quantity,
            get,
            get_quantity,
        } => format!(
            "{} {buy}×{buy_quantity} → {get}×{get_quantity}",
            office.t(Phrase::KindBuyXGetY)
        ),
        PromotionKind::GiftWithSpend {
            threshold,
            gift,
            quantity,
        } => format!(
            "{} {} → {gift}×{quantity}",
            office.t(Phrase::KindGift),
            yuan(threshold)
        ),
    }
}

fn scope_text(office: &Office, scope: &Scope) -> String {
    match scope {
        Scope::All => office.t(Phrase::WholeOrder).to_owned(),
        Scope::Skus { skus } => skus
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        Scope::Categories { categories } => format!(
            "{}: {}",
            office.t(Phrase::Categories),
            categories
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Scheduled, running or over, at `now_ms`.
fn status(office: &Office, promotion: &Promotion, now_ms: i64) -> &'static str {
    if promotion.valid_from_ms.is_some_and(|from| now_ms < from) {
        office.t(Phrase::Scheduled)
    } else if promotion
        .valid_until_ms
        .is_some_and(|until| now_ms >= until)
    {
        office.t(Phrase::Ended)
    } else {
        office.t(Phrase::Running)
    }
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

#[component]
pub fn PromotionsPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let rows = RwSignal::new(None::<Result<Vec<PromotionRow>, Failure>>);
    spawn_local(async move {
        rows.set(Some(
            office
                .call::<Vec<PromotionRow>>("GET", "/api/admin/promotions", None)
                .await,
        ));
    });
    view! {
        <section class="promotions">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::Promotions)}</h1>
                <Show when=move || office.is_admin()>
                    <A href="/office/promotions/new" attr:class="button" attr:data-testid="new-promotion">{move || office.t(Phrase::NewPromotion)}</A>
                </Show>
            </div>
            {move || match rows.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(rows)) => {
                    let now = now_ms();
                    view! {
                        <table class="grid">
                            <thead><tr>
                                <th>{office.t(Phrase::Name)}</th>
                                <th>{office.t(Phrase::Benefit)}</th>
                                <th>{office.t(Phrase::AppliesTo)}</th>
                                <th>{office.t(Phrase::Period)}</th>
                                <th>{office.t(Phrase::State)}</th>
                                <th>{office.t(Phrase::Coupon)}</th>
                                <th class="number">{office.t(Phrase::Uses)}</th>
                                <th class="number">{office.t(Phrase::Reach)}</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|row| {
                                    let p = row.promotion;
                                    let href = format!("/office/promotions/{}", encode(&p.id));
                                    let when = format!(
                                        "{} – {}",
                                        p.valid_from_ms.map(local_time).unwrap_or_default().replace('T', " "),
                                        p.valid_until_ms.map(local_time).unwrap_or_default().replace('T', " ")
                                    );
                                    let shown_name = office.lang.get_untracked().pick(&p.name).to_owned();
                                    let state = status(&office, &p, now);
                                    view! {
                                        <tr data-testid="promotion-row" data-id=p.id.clone()>
                                            <td><A href=href>{shown_name}</A></td>
                                            <td>{kind_text(&office, &p.kind)}</td>
                                            <td>{scope_text(&office, &p.scope)}</td>
                                            <td>{when}</td>
                                            <td data-testid="promotion-status">{state}</td>
                                            <td>{p.coupon_code.clone().unwrap_or_default()}</td>
                                            <td class="number" data-testid="promotion-uses">{row.uses}</td>
                                            <td class="number">{row.reach}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
pub fn NewPromotionPage() -> impl IntoView {
    view! { <PromotionForm promotion=None/> }
}

#[component]
pub fn EditPromotionPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let params = use_params_map();
    let loaded = RwSignal::new(None::<Result<Option<Promotion>, Failure>>);
    Effect::new(move |_| {
        let id = params.get().get("id").unwrap_or_default();
        spawn_local(async move {
            let result = office
                .call::<Vec<PromotionRow>>("GET", "/api/admin/promotions", None)
                .await
                .map(|rows| rows.into_iter().map(|r| r.promotion).find(|p| p.id == id));
            loaded.set(Some(result));
        });
    });
    move || match loaded.get() {
        None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
        Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
        Some(Ok(None)) => view! { <p class="error">{office.t(Phrase::Unknown)}</p> }.into_any(),
        Some(Ok(Some(promotion))) => {
            view! { <PromotionForm promotion=Some(promotion)/> }.into_any()
        }
    }
}

/// The form's fields as text, so a half-typed value is kept while it is wrong.
#[derive(Clone, Copy)]
struct Fields {
    kind: RwSignal<String>,
    amount: RwSignal<String>,
    percent: RwSignal<String>,
    threshold: RwSignal<String>,
    max_off: RwSignal<String>,
    max_steps: RwSignal<String>,
    sku_a: RwSignal<String>,
    quantity_a: RwSignal<String>,
    sku_b: RwSignal<String>,
    quantity_b: RwSignal<String>,
}

impl Fields {
    fn new(kind: Option<&PromotionKind>) -> Fields {
        let text = |value: String| RwSignal::new(value);
        let empty = || RwSignal::new(String::new());
        let fields = Fields {
            kind: text("spend_step".to_owned()),
            amount: empty(),
            percent: empty(),
            threshold: empty(),
            max_off: empty(),
            max_steps: empty(),
            sku_a: empty(),
            quantity_a: text("1".to_owned()),
            sku_b: empty(),
            quantity_b: text("1".to_owned()),
        };
        let money = |m: &Money| m.amount().to_string();
        match kind {
            None => {}
            Some(PromotionKind::AmountOff { amount }) => {
                fields.kind.set("amount_off".into());
                fields.amount.set(money(amount));
            }
            Some(PromotionKind::PercentOff { percent, max_off }) => {
                fields.kind.set("percent_off".into());
                fields.percent.set(percent.to_string());
                fields
                    .max_off
                    .set(max_off.as_ref().map(money).unwrap_or_default());
            }
            Some(PromotionKind::SpendStep {
                every,
                off,
                max_steps,
            }) => {
                fields.threshold.set(money(every));
                fields.amount.set(money(off));
                fields
                    .max_steps
                    .set(max_steps.map(|n| n.to_string()).unwrap_or_default());
            }
            Some(PromotionKind::SpendPercent { threshold, percent }) => {
                fields.kind.set("spend_percent".into());
                fields.threshold.set(money(threshold));
                fields.percent.set(percent.to_string());
            }
            Some(PromotionKind::BuyXGetY {
                buy,
                buy_quantity,
                get,
                get_quantity,
            }) => {
                fields.kind.set("buy_x_get_y".into());
                fields.sku_a.set(buy.to_string());
                fields.quantity_a.set(buy_quantity.to_string());
                fields.sku_b.set(get.to_string());
                fields.quantity_b.set(get_quantity.to_string());
            }
            Some(PromotionKind::GiftWithSpend {
                threshold,
                gift,
                quantity,
            }) => {
                fields.kind.set("gift_with_spend".into());
                fields.threshold.set(money(threshold));
                fields.sku_b.set(gift.to_string());
                fields.quantity_b.set(quantity.to_string());
            }
        }
        fields
    }

    fn build(&self, office: &Office) -> Result<PromotionKind, String> {
        let money = |signal: RwSignal<String>, field: &str| {
            Money::parse_price(signal.get_untracked().trim(), Currency::Cny)
                .map_err(|_| office.field_problem(field, "not_a_price"))
        };
        let optional_money = |signal: RwSignal<String>, field: &str| {
            if signal.get_untracked().trim().is_empty() {
                Ok(None)
            } else {
                money(signal, field).map(Some)
            }
        };
        let percent = || {
            self.percent
                .get_untracked()
                .trim()
                .parse::<Decimal>()
                .map_err(|_| office.field_problem("kind.percent", "not_a_number"))
        };
        let whole = |signal: RwSignal<String>, field: &str| {
            signal
                .get_untracked()
                .trim()
                .parse::<u32>()
                .map_err(|_| office.field_problem(field, "not_a_number"))
        };
        let sku = |signal: RwSignal<String>, field: &str| {
            Sku::parse(signal.get_untracked().trim())
                .map_err(|_| office.field_problem(field, "unknown"))
        };
        Ok(match self.kind.get_untracked().as_str() {
            "amount_off" => PromotionKind::AmountOff {
                amount: money(self.amount, "kind.amount")?,
            },
            "percent_off" => PromotionKind::PercentOff {
                percent: percent()?,
                max_off: optional_money(self.max_off, "kind.max_off")?,
            },
            "spend_percent" => PromotionKind::SpendPercent {
                threshold: money(self.threshold, "kind.threshold")?,
                percent: percent()?,
            },
            "buy_x_get_y" => PromotionKind::BuyXGetY {
                buy: sku(self.sku_a, "kind.buy")?,
                buy_quantity: whole(self.quantity_a, "kind.buy_quantity")?,
                get: sku(self.sku_b, "kind.get")?,
                get_quantity: whole(self.quantity_b, "kind.get_quantity")?,
            },
            "gift_with_spend" => PromotionKind::GiftWithSpend {
                threshold: money(self.threshold, "kind.threshold")?,
                gift: sku(self.sku_b, "kind.gift")?,
                quantity: whole(self.quantity_b, "kind.quantity")?,
            },
            _ => PromotionKind::SpendStep {
                every: money(self.threshold, "kind.every")?,
                off: money(self.amount, "kind.off")?,
                max_steps: if self.max_steps.get_untracked().trim().is_empty() {
                    None
                } else {
                    Some(whole(self.max_steps, "kind.max_steps")?)
                },
            },
        })
    }
}

#[component]
fn KindFields(fields: Fields) -> impl IntoView {
    let office = expect_context::<Office>();
    let is =
        move |kinds: &'static [&'static str]| move || kinds.contains(&fields.kind.get().as_str());
    view! {
        <div class="row" data-testid="kind-fields">
            <label>{move || office.t(Phrase::Benefit)}
                <select name="kind" on:change=move |ev| fields.kind.set(event_target_value(&ev))>
                    {[
                        ("spend_step", Phrase::KindSpendStep),
                        ("spend_percent", Phrase::KindSpendPercent),
                        ("amount_off", Phrase::KindAmountOff),
                        ("percent_off", Phrase::KindPercentOff),
                        ("buy_x_get_y", Phrase::KindBuyXGetY),
                        ("gift_with_spend", Phrase::KindGift),
                    ].into_iter().map(|(code, phrase)| view! {
                        <option value=code selected=move || fields.kind.get() == code>{move || office.t(phrase)}</option>
                    }).collect_view()}
                </select>
            </label>
            <Show when=is(&["spend_step", "spend_percent", "gift_with_spend"])>
                <label>{move || office.t(Phrase::ThresholdYuan)} {text_input(fields.threshold, "threshold")}</label>
            </Show>
            <Show when=is(&["spend_step", "amount_off"])>
                <label>{move || office.t(Phrase::AmountOffYuan)} {text_input(fields.amount, "amount")}</label>
            </Show>
            <Show when=is(&["spend_step"])>
                <label>{move || office.t(Phrase::MaxSteps)} {text_input(fields.max_steps, "max_steps")}</label>
            </Show>
            <Show when=is(&["percent_off", "spend_percent"])>
                <label>{move || office.t(Phrase::PercentOff)} {text_input(fields.percent, "percent")}</label>
            </Show>
            <Show when=is(&["percent_off"])>
                <label>{move || office.t(Phrase::MaxOffYuan)} {text_input(fields.max_off, "max_off")}</label>
            </Show>
            <Show when=is(&["buy_x_get_y"])>
                <label>{move || office.t(Phrase::BuySku)} {text_input(fields.sku_a, "buy")}</label>
                <label>{move || office.t(Phrase::BuyQuantity)} {text_input(fields.quantity_a, "buy_quantity")}</label>
            </Show>
            <Show when=is(&["buy_x_get_y", "gift_with_spend"])>
                <label>{move || office.t(Phrase::FreeSku)} {text_input(fields.sku_b, "get")}</label>
                <label>{move || office.t(Phrase::FreeQuantity)} {text_input(fields.quantity_b, "get_quantity")}</label>
            </Show>
        </div>
    }
}

#[component]
fn PromotionForm(promotion: Option<Promotion>) -> impl IntoView {
    let office = expect_context::<Office>();
    let navigate = use_navigate();
    let editing = promotion.is_some();
    let p = promotion.as_ref();
    let id = RwSignal::new(p.map(|p| p.id.clone()).unwrap_or_default());
    let name = Texts::new(p.map(|p| &p.name));
    let fields = Fields::new(p.map(|p| &p.kind));
    let (scope_kind, scope_items) = match p.map(|p| &p.scope) {
        None | Some(Scope::All) => ("all", String::new()),
        Some(Scope::Skus { skus }) => (
            "skus",
            skus.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Some(Scope::Categories { categories }) => (
            "categories",
            categories
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    };
    let scope_kind = RwSignal::new(scope_kind.to_owned());
    let scope_items = RwSignal::new(scope_items);
    let exclusive = RwSignal::new(p.is_some_and(|p| p.stacking == Stacking::Exclusive));
    let min_spend = RwSignal::new(
        p.and_then(|p| p.min_spend)
            .map(|m| m.amount().to_string())
            .unwrap_or_default(),
    );
    let from = RwSignal::new(
        p.and_then(|p| p.valid_from_ms)
            .map(local_time)
            .unwrap_or_default(),
    );
    let until = RwSignal::new(
        p.and_then(|p| p.valid_until_ms)
            .map(local_time)
            .unwrap_or_default(),
    );
    let tiers = RwSignal::new(
        p.map(|p| p.tiers.iter().map(|t| t.to_string()).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    let shops = RwSignal::new(
        p.map(|p| {
            p.shops
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default(),
    );
    let coupon = RwSignal::new(p.and_then(|p| p.coupon_code.clone()).unwrap_or_default());
    let number = |n: Option<u32>| RwSignal::new(n.map(|n| n.to_string()).unwrap_or_default());
    let per_customer = number(p.and_then(|p| p.limit_per_customer));
    let total = number(p.and_then(|p| p.limit_total));
    let options = crate::customer_form::load_options(office);
    let message = RwSignal::new(None::<(bool, String)>);
    let reach = RwSignal::new(None::<PromotionReach>);
    let saved_count = RwSignal::new(0u32);

    let build = move || -> Result<Promotion, String> {
        let optional_whole = |signal: RwSignal<String>, field: &str| {
            let text = signal.get_untracked();
            if text.trim().is_empty() {
                Ok(None)
            } else {
                text.trim()
                    .parse::<u32>()
                    .map(Some)
                    .map_err(|_| office.field_problem(field, "not_a_number"))
            }
        };
        let time = |signal: RwSignal<String>, field: &str| {
            let text = signal.get_untracked();
            if text.trim().is_empty() {
                Ok(None)
            } else {
                parse_local_time(&text)
                    .map(Some)
                    .ok_or_else(|| office.field_problem(field, "invalid"))
            }
        };
        let listed = crate::typed_list(&scope_items.get_untracked());
        let scope = match scope_kind.get_untracked().as_str() {
            "skus" => Scope::Skus {
                skus: listed
                    .iter()
                    .map(|s| {
                        Sku::parse(s).map_err(|_| office.field_problem("scope.skus", "unknown"))
                    })
                    .collect::<Result<_, _>>()?,
            },
            "categories" => Scope::Categories {
                categories: listed
                    .iter()
                    .map(|c| {
                        CategoryId::parse(c)
                            .map_err(|_| office.field_problem("scope.categories", "unknown"))
                    })
                    .collect::<Result<_, _>>()?,
            },
            _ => Scope::All,
        };
        let min = min_spend.get_untracked();
        Ok(Promotion {
            id: id.get_untracked().trim().to_owned(),
            name: name.value(),
            kind: fields.build(&office)?,
            scope,
            stacking: if exclusive.get_untracked() {
                Stacking::Exclusive
            } else {
                Stacking::Combinable
            },
            min_spend: if min.trim().is_empty() {
                None
            } else {
                Some(
                    Money::parse_price(min.trim(), Currency::Cny)
                        .map_err(|_| office.field_problem("min_spend", "not_a_price"))?,
                )
            },
            valid_from_ms: time(from, "valid_from_ms")?,
            valid_until_ms: time(until, "valid_until_ms")?,
            tiers: tiers
                .get_untracked()
                .iter()
                .filter_map(|t| TierId::parse(t).ok())
                .collect(),
            shops: crate::typed_list(&shops.get_untracked())
                .iter()
                .map(|s| ShopId::parse(s).map_err(|_| office.field_problem("shops", "unknown")))
                .collect::<Result<_, _>>()?,
            coupon_code: Some(coupon.get_untracked().trim().to_owned()).filter(|c| !c.is_empty()),
            coupon_check: None,
            limit_per_customer: optional_whole(per_customer, "limit_per_customer")?,
            limit_total: optional_whole(total, "limit_total")?,
        })
    };
    let preview = move || {
        let Ok(promotion) = build() else {
            return;
        };
        let Ok(body) = serde_json::to_value(&promotion) else {
            return;
        };
        spawn_local(async move {
            if let Ok(found) = office
                .call::<PromotionReach>("POST", "/api/admin/promotion-preview", Some(body))
                .await
            {
                reach.set(Some(found));
            }
        });
    };
    let put = move |promotion: Promotion, navigate: Box<dyn Fn(&str)>| {
        let Ok(body) = serde_json::to_value(&promotion) else {
            return;
        };
        let url = format!("/api/admin/promotions/{}", encode(&promotion.id));
        spawn_local(async move {
            match office.call::<Value>("PUT", &url, Some(body)).await {
                Ok(_) => {
                    message.set(Some((true, office.t(Phrase::Saved).to_owned())));
                    saved_count.update(|n| *n += 1);
                    if !editing {
                        navigate(&format!("/office/promotions/{}", encode(&promotion.id)));
                    }
                }
                Err(failure) => message.set(Some((false, office.explain(&failure)))),
            }
        });
    };
    let save = {
        let navigate = navigate.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            match build() {
                Ok(promotion) => {
                    let navigate = navigate.clone();
                    put(
                        promotion,
                        Box::new(move |to| navigate(to, Default::default())),
                    );
                }
                Err(problem) => message.set(Some((false, problem))),
            }
        }
    };
    // Ends it now: it stays in the list (and in the orders that used it).
    let end_now = move |_| {
        until.set(local_time(now_ms()));
        match build() {
            Ok(promotion) => put(promotion, Box::new(|_| {})),
            Err(problem) => message.set(Some((false, problem))),
        }
    };
    let navigate = StoredValue::new(navigate);
    let delete = move |_| {
        let url = format!("/api/admin/promotions/{}", encode(&id.get_untracked()));
        let navigate = navigate.get_value();
        spawn_local(async move {
            match office.call::<Value>("DELETE", &url, None).await {
                Ok(_) => navigate("/office/promotions", Default::default()),
                Err(failure) => message.set(Some((false, office.explain(&failure)))),
            }
        });
    };
    preview();
    view! {
        <section class="promotion-form">
            <div class="toolbar">
                <A href="/office/promotions">{move || office.t(Phrase::Back)}</A>
                <h1>{move || if editing { id.get() } else { office.t(Phrase::NewPromotion).to_owned() }}</h1>
            </div>
            <form on:submit=save on:change=move |_| preview()>
                <fieldset disabled=move || !office.is_admin()>
                    <label>{move || office.t(Phrase::Id)}
                        <input name="id" readonly=editing prop:value=move || id.get() on:input=move |ev| id.set(event_target_value(&ev))/>
                    </label>
                    <h2>{move || office.t(Phrase::Name)}</h2>
                    <TextsInput texts=name field="name"/>
                    <h2>{move || office.t(Phrase::Benefit)}</h2>
                    <KindFields fields/>
                    <div class="row">
                        <label>{move || office.t(Phrase::AppliesTo)}
                            <select name="scope" on:change=move |ev| scope_kind.set(event_target_value(&ev))>
                                <option value="all" selected=move || scope_kind.get() == "all">{move || office.t(Phrase::WholeOrder)}</option>
                                <option value="skus" selected=move || scope_kind.get() == "skus">{move || office.t(Phrase::TheseSkus)}</option>
                                <option value="categories" selected=move || scope_kind.get() == "categories">{move || office.t(Phrase::TheseCategories)}</option>
                            </select>
                        </label>
                        <Show when=move || scope_kind.get() != "all">
                            <label class="wide">{move || office.t(Phrase::ListedIds)} {text_input(scope_items, "scope_items")}</label>
                        </Show>
                        <label>{move || office.t(Phrase::MinSpendYuan)} {text_input(min_spend, "min_spend")}</label>
                        <label class="check"><input type="checkbox" name="exclusive" prop:checked=move || exclusive.get()
                            on:change=move |ev| exclusive.set(event_target_checked(&ev))/>{move || office.t(Phrase::Exclusive)}</label>
                    </div>
                    <h2>{move || office.t(Phrase::WhenAndWho)}</h2>
                    <div class="row">
                        <label>{move || office.t(Phrase::From)}
                            <input type="datetime-local" name="valid_from" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/>
                        </label>
                        <label>{move || office.t(Phrase::Until)}
                            <input type="datetime-local" name="valid_until" prop:value=move || until.get() on:input=move |ev| until.set(event_target_value(&ev))/>
                        </label>
                        <label>{move || office.t(Phrase::CouponCode)} {text_input(coupon, "coupon_code")}</label>
                        <label>{move || office.t(Phrase::LimitPerShop)} {text_input(per_customer, "limit_per_customer")}</label>
                        <label>{move || office.t(Phrase::LimitTotal)} {text_input(total, "limit_total")}</label>
                    </div>
                    <crate::customer_form::TierChecks chosen=tiers options name="tier" legend=Phrase::OnlyTiers/>
                    <label>{move || office.t(Phrase::OnlyShops)} {text_input(shops, "shops")}</label>
                </fieldset>
                <p class="meta" data-testid="reach">{move || reach.get().map(|r| format!(
                    "{}{}{}",
                    office.t(Phrase::ReachesShops),
                    r.count,
                    if r.shops.is_empty() { String::new() } else { format!("：{}{}", r.shops.join(", "), if r.count > r.shops.len() { " …" } else { "" }) }
                ))}</p>
                {move || message.get().map(|(ok, text)| view! {
                    <p class=if ok { "saved" } else { "error" } role="alert" data-testid="form-message">{text}</p>
                })}
                <Show when=move || office.is_admin()>
                    <div class="row">
                        <button type="submit" data-testid="save">{move || office.t(Phrase::Save)}</button>
                        <Show when=move || editing>
                            <button type="button" data-testid="end-now" on:click=end_now>{move || office.t(Phrase::EndNow)}</button>
                            <button type="button" class="link" data-testid="delete" on:click=delete>{move || office.t(Phrase::Delete)}</button>
                        </Show>
                    </div>
                </Show>
            </form>
            {move || (editing && saved_count.get() < u32::MAX).then(|| view! { <History kind="promotion" object=id.get_untracked()/> })}
        </section>
    }
}
