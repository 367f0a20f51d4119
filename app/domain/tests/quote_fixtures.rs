//! Worked examples as data. `fixtures/quote/world.toml` is the catalog, tiers, shops,
//! promotions, shipping, tax and points every case is priced in; each other file there
//! holds cases: a shop, a cart, the promotions running → the priced order expected.
//! A case states only the figures it is about.

use std::collections::BTreeMap;
use std::path::Path;

use domain::money::{Currency, Money};
use domain::price_book::{PriceBook, PriceSource};
use domain::pricing::{LineRefusal, RequestedLine};
use domain::product::{DatedPrice, LocalizedText, Product, VolumePrice};
use domain::promotion::{Customer, Promotion, PromotionKind, PromotionUsage, Scope, Stacking};
use domain::quote::{
    Delivery, Payment, PointsRules, Quote, QuoteInput, RegionRate, ShippingRules, TaxMode,
    TaxRules, quote,
};
use domain::sku::{CategoryId, ShopId, Sku, TierId};
use rust_decimal::Decimal;
use serde::Deserialize;

type ProductRow = (String, String, u32, u32, u32, u32, bool);

#[derive(Deserialize)]
struct World {
    now: String,
    products: BTreeMap<String, ProductRow>,
    /// SKU → [[minimum quantity, unit price], ...]
    #[serde(default)]
    volume: BTreeMap<String, Vec<(u32, String)>>,
    /// SKU → [price, from date, until date]
    #[serde(default)]
    promo_prices: BTreeMap<String, (String, String, String)>,
    tiers: BTreeMap<String, BTreeMap<String, String>>,
    shops: BTreeMap<String, ShopSpec>,
    promotions: BTreeMap<String, PromotionSpec>,
    shipping: ShippingSpec,
    tax: TaxSpec,
    points: PointsSpec,
}

#[derive(Deserialize)]
struct ShopSpec {
    tier: Option<String>,
    #[serde(default)]
    prices: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PromotionSpec {
    kind: String,
    amount: Option<String>,
    percent: Option<String>,
    max_off: Option<String>,
    every: Option<String>,
    off: Option<String>,
    max_steps: Option<u32>,
    threshold: Option<String>,
    buy: Option<String>,
    buy_quantity: Option<u32>,
    get: Option<String>,
    get_quantity: Option<u32>,
    gift: Option<String>,
    quantity: Option<u32>,
    min_spend: Option<String>,
    coupon: Option<String>,
    limit_per_customer: Option<u32>,
    limit_total: Option<u32>,
    #[serde(default)]
    exclusive: bool,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    skus: Vec<String>,
    #[serde(default)]
    tiers: Vec<String>,
    #[serde(default)]
    shops: Vec<String>,
    from: Option<String>,
    until: Option<String>,
}

#[derive(Deserialize)]
struct RateSpec {
    base: String,
    per_kg: String,
    included_kg: u32,
}

#[derive(Deserialize)]
struct ShippingSpec {
    free_above: Option<String>,
    default: RateSpec,
    #[serde(default)]
    regions: BTreeMap<String, RateSpec>,
}

#[derive(Deserialize)]
struct TaxSpec {
    mode: String,
    default_rate: String,
    shipping_rate: String,
    #[serde(default)]
    by_category: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct PointsSpec {
    earn_per_yuan: String,
    points_per_yuan: u32,
    max_redeem_percent: String,
}

#[derive(Deserialize)]
struct CaseFile {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default = "default_shop")]
    shop: String,
    cart: Vec<String>,
    #[serde(default)]
    promotions: Vec<String>,
    #[serde(default)]
    coupons: Vec<String>,
    #[serde(default = "default_delivery")]
    delivery: String,
    now: Option<String>,
    tax_mode: Option<String>,
    #[serde(default)]
    used: BTreeMap<String, u32>,
    #[serde(default)]
    used_total: BTreeMap<String, u32>,
    #[serde(default)]
    points_balance: u32,
    #[serde(default)]
    redeem_points: u32,
    prepaid: Option<String>,
    #[serde(default)]
    use_prepaid: bool,
    expect: Expect,
}

fn default_shop() -> String {
    "shop-a".into()
}

fn default_delivery() -> String {
    "east".into()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Expect {
    lines: Option<Vec<String>>,
    line_discounts: Option<Vec<String>>,
    line_tax: Option<Vec<String>>,
    refused: Option<Vec<String>>,
    promotions: Option<Vec<String>>,
    gifts: Option<Vec<String>>,
    skipped: Option<Vec<String>>,
    merchandise: Option<String>,
    discount: Option<String>,
    shipping: Option<String>,
    tax: Option<String>,
    total: Option<String>,
    points_redeemed: Option<u32>,
    points_value: Option<String>,
    prepaid_used: Option<String>,
    amount_due: Option<String>,
    points_earned: Option<u32>,
    weight_grams: Option<u64>,
}

fn money(text: &str) -> Money {
    Money::parse(text, Currency::Cny).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Milliseconds at 00:00 UTC of a `YYYY-MM-DD` date (days-from-civil).
fn date_ms(text: &str) -> i64 {
    let parts: Vec<i64> = text.split('-').map(|p| p.parse().unwrap()).collect();
    let (y, m, d) = (parts[0], parts[1], parts[2]);
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400_000
}

fn sku(text: &str) -> Sku {
    Sku::parse(text).unwrap()
}

fn promotion(id: &str, spec: &PromotionSpec) -> Promotion {
    let m = |field: &Option<String>| {
        money(
            field
                .as_deref()
                .unwrap_or_else(|| panic!("{id}: missing amount")),
        )
    };
    let kind = match spec.kind.as_str() {
        "amount_off" => PromotionKind::AmountOff {
            amount: m(&spec.amount),
        },
        "percent_off" => PromotionKind::PercentOff {
            percent: decimal(spec.percent.as_deref().unwrap()),
            max_off: spec.max_off.as_deref().map(money),
        },
        "spend_step" => PromotionKind::SpendStep {
            every: m(&spec.every),
            off: m(&spec.off),
            max_steps: spec.max_steps,
        },
        "spend_percent" => PromotionKind::SpendPercent {
            threshold: m(&spec.threshold),
            percent: decimal(spec.percent.as_deref().unwrap()),
        },
        "buy_x_get_y" => PromotionKind::BuyXGetY {
            buy: sku(spec.buy.as_deref().unwrap()),
            buy_quantity: spec.buy_quantity.unwrap(),
            get: sku(spec.get.as_deref().unwrap()),
            get_quantity: spec.get_quantity.unwrap(),
        },
        "gift_with_spend" => PromotionKind::GiftWithSpend {
            threshold: m(&spec.threshold),
            gift: sku(spec.gift.as_deref().unwrap()),
            quantity: spec.quantity.unwrap(),
        },
        other => panic!("{id}: unknown kind {other}"),
    };
    let scope = if !spec.categories.is_empty() {
        Scope::Categories {
            categories: spec
                .categories
                .iter()
                .map(|c| CategoryId::parse(c).unwrap())
                .collect(),
        }
    } else if !spec.skus.is_empty() {
        Scope::Skus {
            skus: spec.skus.iter().map(|s| sku(s)).collect(),
        }
    } else {
        Scope::All
    };
    Promotion {
        id: id.to_owned(),
        name: LocalizedText::same(id),
        kind,
        scope,
        stacking: if spec.exclusive {
            Stacking::Exclusive
        } else {
            Stacking::Combinable
        },
        min_spend: spec.min_spend.as_deref().map(money),
        valid_from_ms: spec.from.as_deref().map(date_ms),
        valid_until_ms: spec.until.as_deref().map(date_ms),
        tiers: spec
            .tiers
            .iter()
            .map(|t| TierId::parse(t).unwrap())
            .collect(),
        shops: spec
            .shops
            .iter()
            .map(|s| ShopId::parse(s).unwrap())
            .collect(),
        coupon_code: spec.coupon.clone(),
        coupon_check: None,
        limit_per_customer: spec.limit_per_customer,
        limit_total: spec.limit_total,
    }
}

fn rate(spec: &RateSpec) -> RegionRate {
    RegionRate {
        base: money(&spec.base),
        per_kg: money(&spec.per_kg),
        included_kg: spec.included_kg,
    }
}

fn cents(money: Money) -> String {
    format!("{:.2}", money.amount())
}

fn render_lines(quote: &Quote) -> Vec<String> {
    quote
        .lines
        .iter()
        .map(|l| {
            let source = match &l.line.price_source {
                PriceSource::List => "list".to_owned(),
                PriceSource::Tier { tier } => format!("tier {tier}"),
                PriceSource::Customer => "customer".to_owned(),
                PriceSource::Volume { min_quantity } => format!("volume {min_quantity}+"),
                PriceSource::Promotional => "promotional".to_owned(),
                PriceSource::Replacement => "replacement".to_owned(),
                PriceSource::Channel => "channel".to_owned(),
            };
            format!(
                "{} {} × {} = {} {source}",
                l.line.sku,
                l.line.quantity,
                l.line.unit_price.amount(),
                cents(l.line.line_total)
            )
        })
        .collect()
}

fn render_refusal(reason: &LineRefusal) -> String {
    match reason {
        LineRefusal::UnknownSku => "unknown_sku".into(),
        LineRefusal::Discontinued => "discontinued".into(),
        LineRefusal::Quantity { rule } => format!("quantity: {rule}"),
        LineRefusal::NotOffered => "not_offered".into(),
    }
}

fn run_case(world: &World, case: &Case) -> Vec<String> {
    let catalog: BTreeMap<Sku, Product> = world
        .products
        .iter()
        .map(|(code, (category, list, pack, min, max, grams, active))| {
            let product = Product {
                sku: sku(code),
                name: LocalizedText::same(code),
                description: LocalizedText::default(),
                category: CategoryId::parse(category).unwrap(),
                unit: LocalizedText::same("unit"),
                pack_size: *pack,
                min_quantity: *min,
                max_quantity: (*max > 0).then_some(*max),
                list_price: money(list),
                active: *active,
                weight_grams: *grams,
                volume_prices: world
                    .volume
                    .get(code.as_str())
                    .map(|breaks| {
                        breaks
                            .iter()
                            .map(|(min, price)| VolumePrice {
                                min_quantity: *min,
                                price: money(price),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                promo_price: world
                    .promo_prices
                    .get(code.as_str())
                    .map(|(price, from, until)| DatedPrice {
                        price: money(price),
                        from_ms: date_ms(from),
                        until_ms: date_ms(until),
                    }),
                limited_to: None,
                price_changes: Vec::new(),
                image: None,
                aliases: Vec::new(),
                pinyin: Vec::new(),
            };
            (product.sku.clone(), product)
        })
        .collect();
    let shop_spec = world
        .shops
        .get(&case.shop)
        .unwrap_or_else(|| panic!("unknown shop {}", case.shop));
    let tier = shop_spec.tier.as_deref().map(|t| TierId::parse(t).unwrap());
    let prices =
        |map: &BTreeMap<String, String>| map.iter().map(|(s, p)| (sku(s), money(p))).collect();
    let book = PriceBook {
        tier: tier.clone(),
        tier_prices: tier
            .as_ref()
            .and_then(|t| world.tiers.get(t.as_str()))
            .map(prices)
            .unwrap_or_default(),
        customer_prices: prices(&shop_spec.prices),
        allowed: Default::default(),
        tier_schedule: Default::default(),
        customer_schedule: Default::default(),
    };
    let requested: Vec<RequestedLine> = case
        .cart
        .iter()
        .map(|line| {
            let (code, quantity) = line
                .split_once(" x ")
                .unwrap_or_else(|| panic!("cart line {line:?} is not `SKU x N`"));
            RequestedLine {
                sku: sku(code.trim()),
                quantity: quantity.trim().parse().unwrap(),
            }
        })
        .collect();
    let promotions: Vec<Promotion> = case
        .promotions
        .iter()
        .map(|id| {
            promotion(
                id,
                world
                    .promotions
                    .get(id)
                    .unwrap_or_else(|| panic!("unknown promotion {id}")),
            )
        })
        .collect();
    let shipping = ShippingRules {
        free_above: world.shipping.free_above.as_deref().map(money),
        default_rate: rate(&world.shipping.default),
        regions: world
            .shipping
            .regions
            .iter()
            .map(|(k, v)| (k.clone(), rate(v)))
            .collect(),
    };
    let mode = match case.tax_mode.as_deref().unwrap_or(&world.tax.mode) {
        "inclusive" => TaxMode::Inclusive,
        "exclusive" => TaxMode::Exclusive,
        other => panic!("unknown tax mode {other}"),
    };
    let tax = TaxRules {
        mode,
        default_rate: decimal(&world.tax.default_rate),
        shipping_rate: decimal(&world.tax.shipping_rate),
        by_category: world
            .tax
            .by_category
            .iter()
            .map(|(c, r)| (CategoryId::parse(c).unwrap(), decimal(r)))
            .collect(),
    };
    let points = PointsRules {
        earn_per_yuan: decimal(&world.points.earn_per_yuan),
        points_per_yuan: world.points.points_per_yuan,
        max_redeem_percent: decimal(&world.points.max_redeem_percent),
    };
    let delivery = match case.delivery.as_str() {
        "pickup" => Delivery::Pickup,
        region => Delivery::Ship {
            region: region.to_owned(),
        },
    };
    let usage = PromotionUsage {
        by_customer: case.used.clone(),
        total: case.used_total.clone(),
    };
    let payment = Payment {
        points_balance: case.points_balance,
        redeem_points: case.redeem_points,
        prepaid_balance: case.prepaid.as_deref().map(money),
        use_prepaid: case.use_prepaid,
    };
    let shop = ShopId::parse(&case.shop).unwrap();
    let input = QuoteInput {
        requested: &requested,
        catalog: &catalog,
        book: &book,
        customer: Customer {
            shop: &shop,
            tier: tier.as_ref(),
        },
        now_ms: date_ms(case.now.as_deref().unwrap_or(&world.now)),
        promotions: &promotions,
        usage: &usage,
        coupon_codes: &case.coupons,
        delivery: &delivery,
        shipping: &shipping,
        tax: &tax,
        points: &points,
        payment: &payment,
        currency: Currency::Cny,
    };
    let quote = quote(&input).unwrap_or_else(|e| panic!("{}: {e}", case.name));

    let mut failures = Vec::new();
    let mut check = |field: &str, expected: Option<String>, actual: String| {
        if let Some(expected) = expected
            && expected != actual
        {
            failures.push(format!(
                "{}: {field}: expected {expected}, got {actual}",
                case.name
            ));
        }
    };
    let list = |v: Vec<String>| format!("{v:?}");
    let e = &case.expect;
    check(
        "lines",
        e.lines.clone().map(list),
        list(render_lines(&quote)),
    );
    check(
        "line_discounts",
        e.line_discounts.clone().map(list),
        list(
            quote
                .lines
                .iter()
                .map(|l| format!("{} {}", l.line.sku, cents(l.discount)))
                .collect(),
        ),
    );
    check(
        "line_tax",
        e.line_tax.clone().map(list),
        list(
            quote
                .lines
                .iter()
                .map(|l| format!("{} {}", l.line.sku, cents(l.tax)))
                .collect(),
        ),
    );
    check(
        "refused",
        e.refused.clone().map(list),
        list(
            quote
                .refused
                .iter()
                .map(|r| format!("{} {}", r.sku, render_refusal(&r.reason)))
                .collect(),
        ),
    );
    check(
        "promotions",
        e.promotions.clone().map(list),
        list(
            quote
                .promotions
                .iter()
                .map(|p| format!("{} -{}", p.id, cents(p.discount)))
                .collect(),
        ),
    );
    check(
        "gifts",
        e.gifts.clone().map(list),
        list(
            quote
                .gifts
                .iter()
                .map(|g| format!("{} x{} {}", g.sku, g.quantity, g.promotion))
                .collect(),
        ),
    );
    check(
        "skipped",
        e.skipped.clone().map(list),
        list(
            quote
                .skipped_promotions
                .iter()
                .map(|(id, why)| {
                    let why = serde_json::to_value(why).unwrap();
                    format!("{id} {}", why["reason"].as_str().unwrap_or_default())
                })
                .collect(),
        ),
    );
    check(
        "merchandise",
        e.merchandise.clone(),
        cents(quote.merchandise),
    );
    check("discount", e.discount.clone(), cents(quote.discount));
    check("shipping", e.shipping.clone(), cents(quote.shipping));
    check("tax", e.tax.clone(), cents(quote.tax));
    check("total", e.total.clone(), cents(quote.total));
    check(
        "points_redeemed",
        e.points_redeemed.map(|p| p.to_string()),
        quote.points_redeemed.to_string(),
    );
    check(
        "points_value",
        e.points_value.clone(),
        cents(quote.points_value),
    );
    check(
        "prepaid_used",
        e.prepaid_used.clone(),
        cents(quote.prepaid_used),
    );
    check("amount_due", e.amount_due.clone(), cents(quote.amount_due));
    check(
        "points_earned",
        e.points_earned.map(|p| p.to_string()),
        quote.points_earned.to_string(),
    );
    check(
        "weight_grams",
        e.weight_grams.map(|w| w.to_string()),
        quote.weight_grams.to_string(),
    );

    // Whatever the case states, the books must balance and the total must not be negative.
    let lines: Decimal = quote.lines.iter().map(|l| l.line.line_total.amount()).sum();
    let added_tax = if quote.tax_mode == TaxMode::Exclusive {
        quote.tax.amount()
    } else {
        Decimal::ZERO
    };
    if lines - quote.discount.amount() + quote.shipping.amount() + added_tax != quote.total.amount()
    {
        failures.push(format!(
            "{}: lines − discount + shipping + tax ≠ total",
            case.name
        ));
    }
    if quote.total.amount().is_sign_negative() || quote.amount_due.amount().is_sign_negative() {
        failures.push(format!("{}: negative total", case.name));
    }
    failures
}

#[test]
fn worked_examples_price_as_written() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/quote");
    let world: World =
        toml::from_str(&std::fs::read_to_string(dir.join("world.toml")).unwrap()).unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("world.toml"))
        .collect();
    files.sort();
    let mut cases = 0;
    let mut failures = Vec::new();
    for file in files {
        let parsed: CaseFile = toml::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for case in &parsed.case {
            cases += 1;
            failures.extend(
                run_case(&world, case)
                    .into_iter()
                    .map(|f| format!("{}: {f}", file.file_name().unwrap().to_string_lossy())),
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cases >= 60, "only {cases} worked examples");
}
