//! The demo data a first run starts with: 200 products in 8 categories, 3 tiers with tier
//! prices, 3 shops (one with per-customer prices), an account manager of two shops and an
//! admin. Written to the tables and projected into the documents devices sync.

use docs::schema::catalog_doc::{PRODUCTS_PER_CHANGE, write_categories, write_products};
use docs::schema::create_document;
use docs::schema::doc_id::DocId;
use docs::schema::price_doc::write_prices;
use domain::checkout::{SalesTerms, ShopProfile};
use domain::commission::ReferralRules;
use domain::credit::{CustomerAccount, PaymentTerms};
use domain::money::{Currency, Money};
use domain::product::{Category, LocalizedText, Product};
use domain::promotion::{Promotion, PromotionKind, Scope, Stacking};
use domain::quota::{Period, Quota};
use domain::quote::{PointsRules, RegionRate, ShippingRules, TaxMode, TaxRules};
use domain::sku::{CategoryId, ShopId, Sku, TierId, WarehouseId};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::auth::hash_password;
use crate::store::catalog::PriceList;
use crate::store::documents as store_docs;
use crate::store::{Store, Tx, accounts, catalog, commerce, stock};

fn text(en: &str, zh_hans: &str, zh_hant: &str) -> LocalizedText {
    LocalizedText {
        en: en.into(),
        zh_hans: zh_hans.into(),
        zh_hant: zh_hant.into(),
    }
}

struct CategorySeed {
    id: &'static str,
    code: &'static str,
    name: [&'static str; 3],
    unit: [&'static str; 3],
    pack_size: u32,
    base_cents: i64,
    items: [[&'static str; 3]; 5],
    sizes: [&'static str; 5],
    /// Shipping weight of one unit of each size, in grams.
    weight_grams: [u32; 5],
}

const CATEGORIES: [CategorySeed; 8] = [
    CategorySeed {
        id: "beverages",
        code: "BEV",
        name: ["Beverages", "饮料", "飲料"],
        unit: ["bottle", "瓶", "瓶"],
        pack_size: 12,
        base_cents: 250,
        items: [
            ["Green Tea", "绿茶", "綠茶"],
            ["Cola", "可乐", "可樂"],
            ["Orange Juice", "橙汁", "橙汁"],
            ["Mineral Water", "矿泉水", "礦泉水"],
            ["Iced Lemon Tea", "冰红茶", "冰紅茶"],
        ],
        sizes: ["330ml", "500ml", "1L", "1.5L", "2L"],
        weight_grams: [360, 540, 1060, 1580, 2100],
    },
    CategorySeed {
        id: "snacks",
        code: "SNK",
        name: ["Snacks", "零食", "零食"],
        unit: ["bag", "袋", "袋"],
        pack_size: 10,
        base_cents: 380,
        items: [
            ["Potato Chips", "薯片", "薯片"],
            ["Seaweed", "海苔", "海苔"],
            ["Sunflower Seeds", "瓜子", "瓜子"],
            ["Rice Crackers", "米饼", "米餅"],
            ["Beef Jerky", "牛肉干", "牛肉乾"],
        ],
        sizes: ["30g", "60g", "100g", "150g", "250g"],
        weight_grams: [40, 75, 120, 175, 280],
    },
    CategorySeed {
        id: "grain-oil",
        code: "GRN",
        name: ["Grain & Oil", "粮油", "糧油"],
        unit: ["pack", "包", "包"],
        pack_size: 1,
        base_cents: 1590,
        items: [
            ["Jasmine Rice", "香米", "香米"],
            ["Peanut Oil", "花生油", "花生油"],
            ["Wheat Flour", "面粉", "麵粉"],
            ["Dried Noodles", "挂面", "掛麵"],
            ["Millet", "小米", "小米"],
        ],
        sizes: ["500g", "1kg", "2.5kg", "5kg", "10kg"],
        weight_grams: [520, 1030, 2560, 5080, 10120],
    },
    CategorySeed {
        id: "condiments",
        code: "CND",
        name: ["Condiments", "调味品", "調味品"],
        unit: ["bottle", "瓶", "瓶"],
        pack_size: 6,
        base_cents: 520,
        items: [
            ["Soy Sauce", "酱油", "醬油"],
            ["Rice Vinegar", "米醋", "米醋"],
            ["Chili Sauce", "辣椒酱", "辣椒醬"],
            ["Oyster Sauce", "蚝油", "蠔油"],
            ["Sesame Oil", "香油", "香油"],
        ],
        sizes: ["150ml", "250ml", "500ml", "800ml", "1.6L"],
        weight_grams: [220, 340, 620, 960, 1850],
    },
    CategorySeed {
        id: "dairy",
        code: "DRY",
        name: ["Dairy", "乳制品", "乳製品"],
        unit: ["carton", "盒", "盒"],
        pack_size: 6,
        base_cents: 350,
        items: [
            ["Whole Milk", "纯牛奶", "純牛奶"],
            ["Yogurt", "酸奶", "優酪乳"],
            ["Soy Milk", "豆奶", "豆奶"],
            ["Milk Tea", "奶茶", "奶茶"],
            ["Walnut Milk", "核桃奶", "核桃奶"],
        ],
        sizes: ["200ml", "250ml", "500ml", "1L", "1.5L"],
        weight_grams: [215, 265, 530, 1050, 1570],
    },
    CategorySeed {
        id: "household",
        code: "HSE",
        name: ["Household", "日化", "日化"],
        unit: ["piece", "件", "件"],
        pack_size: 1,
        base_cents: 890,
        items: [
            ["Dish Soap", "洗洁精", "洗潔精"],
            ["Laundry Powder", "洗衣粉", "洗衣粉"],
            ["Tissue", "纸巾", "紙巾"],
            ["Hand Soap", "洗手液", "洗手液"],
            ["Toothpaste", "牙膏", "牙膏"],
        ],
        sizes: ["small", "medium", "large", "family", "value"],
        weight_grams: [300, 550, 900, 1600, 2400],
    },
    CategorySeed {
        id: "liquor",
        code: "LIQ",
        name: ["Liquor", "酒类", "酒類"],
        unit: ["bottle", "瓶", "瓶"],
        pack_size: 6,
        base_cents: 1280,
        items: [
            ["Lager Beer", "啤酒", "啤酒"],
            ["Baijiu", "白酒", "白酒"],
            ["Rice Wine", "黄酒", "黃酒"],
            ["Red Wine", "红酒", "紅酒"],
            ["Plum Wine", "梅酒", "梅酒"],
        ],
        sizes: ["330ml", "500ml", "640ml", "750ml", "1L"],
        weight_grams: [380, 560, 900, 1250, 1500],
    },
    CategorySeed {
        id: "frozen",
        code: "FRZ",
        name: ["Frozen Food", "冷冻食品", "冷凍食品"],
        unit: ["bag", "袋", "袋"],
        pack_size: 4,
        base_cents: 1450,
        items: [
            ["Pork Dumplings", "猪肉水饺", "豬肉水餃"],
            ["Sweet Rice Balls", "汤圆", "湯圓"],
            ["Steamed Buns", "包子", "包子"],
            ["Spring Rolls", "春卷", "春捲"],
            ["Fish Balls", "鱼丸", "魚丸"],
        ],
        sizes: ["300g", "450g", "600g", "1kg", "1.5kg"],
        weight_grams: [320, 480, 640, 1060, 1580],
    },
];

fn cents(amount: i64) -> Money {
    Money::cny(Decimal::new(amount, 2))
}

/// The demo catalog: `total` products (at least 200) spread over the 8 categories. The
/// first 25 of each category are the named demo products; more (for load tests such as
/// `DINGHUO_DEMO_SKUS=10000`) repeat them as numbered batches.
pub fn demo_catalog(total: usize) -> (Vec<Category>, Vec<Product>) {
    let per_category = total.max(200).div_ceil(CATEGORIES.len());
    let mut categories = Vec::new();
    let mut products = Vec::new();
    for (position, seed) in CATEGORIES.iter().enumerate() {
        let id = CategoryId::parse(seed.id).unwrap_or_else(|_| unreachable!("demo ids are valid"));
        categories.push(Category {
            id: id.clone(),
            name: text(seed.name[0], seed.name[1], seed.name[2]),
            position: u32::try_from(position).unwrap_or_default(),
        });
        for n in 1..=per_category {
            let item_index = (n - 1) / 5 % 5;
            let size_index = (n - 1) % 5;
            let batch = (n - 1) / 25;
            let (item, size) = (seed.items[item_index], seed.sizes[size_index]);
            let suffix = if batch == 0 {
                String::new()
            } else {
                format!(" #{}", batch + 1)
            };
            let sku = Sku::parse(&format!("{}-{n:04}", seed.code))
                .unwrap_or_else(|_| unreachable!("demo skus are valid"));
            let steps = i64::try_from(size_index * 7 + item_index * 3).unwrap_or_default();
            products.push(Product {
                sku,
                name: text(
                    &format!("{} {size}{suffix}", item[0]),
                    &format!("{}{size}{suffix}", item[1]),
                    &format!("{}{size}{suffix}", item[2]),
                ),
                description: text(
                    &format!(
                        "{} in {} packs of {}.",
                        item[0], seed.unit[0], seed.pack_size
                    ),
                    &format!("{}，每箱{}{}。", item[1], seed.pack_size, seed.unit[1]),
                    &format!("{}，每箱{}{}。", item[2], seed.pack_size, seed.unit[2]),
                ),
                category: id.clone(),
                unit: text(seed.unit[0], seed.unit[1], seed.unit[2]),
                pack_size: seed.pack_size,
                min_quantity: seed.pack_size,
                max_quantity: Some(seed.pack_size * 50),
                list_price: cents(
                    seed.base_cents + steps * 45 + i64::try_from(n % 3).unwrap_or_default() * 9,
                ),
                // Every 25th product is discontinued, to show how the app handles it.
                active: n % 25 != 0,
                weight_grams: seed.weight_grams[size_index],
                volume_prices: vec![],
                promo_price: None,
                limited_to: None,
                price_changes: Vec::new(),
                image: None,
                aliases: Vec::new(),
                pinyin: Vec::new(),
            });
            if let Some(product) = products.last_mut() {
                crate::search_keys::fill(product);
            }
        }
    }
    (categories, products)
}

fn discounted(price: Money, percent: i64) -> Money {
    let amount = (price.amount() * Decimal::new(percent, 2))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
    Money::new(amount, Currency::Cny)
}

/// The demo users: username, display name, password, role, shop.
const DEMO_USERS: [(&str, &str, &str, &str, Option<&str>); 7] = [
    (
        "lotus",
        "李莲 Li Lian",
        "lotus123",
        "shop",
        Some("shop-lotus"),
    ),
    (
        "bamboo",
        "竹青 Zhu Qing",
        "bamboo123",
        "shop",
        Some("shop-bamboo"),
    ),
    (
        "peach",
        "陶园 Tao Yuan",
        "peach123",
        "shop",
        Some("shop-peach"),
    ),
    ("wang", "王经理 Manager Wang", "wang123", "manager", None),
    ("admin", "管理员 Admin", "admin123", "admin", None),
    ("cang", "仓管 Warehouse Cang", "cang123", "staff", None),
    ("cai", "财务 Finance Cai", "cai123", "staff", None),
];

/// Seeds the database and documents when it has no users yet, with `total_products`
/// products (at least 200). Returns true if it did. The passwords are hashed before the
/// write transaction starts.
pub async fn seed_if_empty(
    store: &Store,
    actor: &automerge::ActorId,
    total_products: usize,
    bench_shops: usize,
) -> anyhow::Result<bool> {
    if store.read(accounts::count_users).await? > 0 {
        return Ok(false);
    }
    let (hashes, bench_hash) = tokio::task::spawn_blocking(|| {
        let hashes = DEMO_USERS
            .iter()
            .map(|(_, _, password, _, _)| hash_password(password))
            .collect::<anyhow::Result<Vec<String>>>()?;
        anyhow::Ok((hashes, hash_password(BENCH_PASSWORD)?))
    })
    .await??;
    let actor = actor.clone();
    let cache = store.clone();
    store
        .write(move |tx| {
            let seeded = seed(tx, &actor, total_products, &hashes)?;
            if seeded {
                seed_bench_shops(tx, &actor, bench_shops, &bench_hash)?;
                crate::commerce::publish(tx, cache.docs(), &actor)?;
            }
            Ok(seeded)
        })
        .await
}

/// A SQLite store in a temporary directory (kept while the returned guard lives), seeded
/// with the demo data and `total_products` products: what a unit test of the store's
/// business code starts from.
#[cfg(test)]
pub async fn seeded_sqlite(total_products: usize) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("db.sqlite3")).unwrap();
    let actor = automerge::ActorId::random();
    seed_if_empty(&store, &actor, total_products, 0)
        .await
        .unwrap();
    (dir, store)
}

/// The password of every benchmark shop's user.
pub const BENCH_PASSWORD: &str = "bench123";

/// `count` more shops for benchmarks, `bench-00001`…, each with a user `bench00001`… (one
/// password, hashed once), its documents, and the demo tiers and warehouses in turn.
fn seed_bench_shops(
    tx: &mut Tx<'_>,
    actor: &automerge::ActorId,
    count: usize,
    hash: &str,
) -> anyhow::Result<()> {
    let tiers = ["bronze", "silver", "gold"];
    for n in 1..=count {
        let shop = format!("bench-{n:05}");
        let tier = tiers[n % tiers.len()];
        catalog::put_shop(tx, &shop, &format!("Bench shop {n}"), tier)?;
        let (near, far) = if n % 2 == 0 {
            ("wh-east", "wh-north")
        } else {
            ("wh-north", "wh-east")
        };
        catalog::add_shop_warehouse(tx, &shop, near, 0)?;
        catalog::add_shop_warehouse(tx, &shop, far, 1)?;
        accounts::create_user(
            tx,
            &format!("bench{n:05}"),
            &format!("Bench {n}"),
            hash,
            "shop",
            Some(&shop),
        )?;
        let shop_id = ShopId::parse(&shop)?;
        for id in [
            DocId::ShopPrices(shop_id.clone()),
            DocId::Cart(shop_id.clone()),
            DocId::Proposal(shop_id.clone()),
            DocId::OrderRequests(shop_id.clone(), 0),
            DocId::OrderStatus(shop_id, 0),
        ] {
            let doc = create_document(&id, actor.clone())?;
            store_docs::create(tx, &id, doc)?;
        }
    }
    Ok(())
}

fn seed(
    tx: &mut Tx<'_>,
    actor: &automerge::ActorId,
    total_products: usize,
    hashes: &[String],
) -> anyhow::Result<bool> {
    if accounts::count_users(tx)? > 0 {
        return Ok(false);
    }
    let (categories, products) = demo_catalog(total_products);
    for category in &categories {
        catalog::put_category(tx, category)?;
    }
    for product in &products {
        catalog::put_product(tx, product)?;
    }
    let mut catalog_doc = create_document(&DocId::Catalog, actor.clone())?;
    write_categories(&mut catalog_doc, &categories)?;
    write_products(&mut catalog_doc, &products)?;
    store_docs::create(tx, &DocId::Catalog, catalog_doc)?;

    let tiers = [
        ("bronze", "Bronze 普通", 100, 2),
        ("silver", "Silver 银牌", 95, 1),
        ("gold", "Gold 金牌", 90, 0),
    ];
    for (tier, name, percent, rank) in tiers {
        catalog::put_tier(tx, tier, name, rank)?;
        let tier_id = TierId::parse(tier)?;
        let mut doc = create_document(&DocId::TierPrices(tier_id.clone()), actor.clone())?;
        if percent < 100 {
            let prices: Vec<(Sku, Option<Money>)> = products
                .iter()
                .map(|p| (p.sku.clone(), Some(discounted(p.list_price, percent))))
                .collect();
            let list = PriceList::Tier(tier_id.clone());
            for (sku, price) in &prices {
                catalog::set_price(tx, &list, sku, *price)?;
            }
            for chunk in prices.chunks(PRODUCTS_PER_CHANGE) {
                write_prices(&mut doc, chunk)?;
            }
        }
        store_docs::create(tx, &DocId::TierPrices(tier_id), doc)?;
    }

    // Two warehouses; every product is stocked, some only in one of them.
    for (n, product) in products.iter().enumerate() {
        let east = 120 + (n * 37) % 400;
        let north = if n % 3 == 0 { 0 } else { 60 + (n * 53) % 300 };
        for (warehouse, on_hand) in [("wh-east", east), ("wh-north", north)] {
            let warehouse = WarehouseId::parse(warehouse)?;
            stock::count(
                tx,
                &warehouse,
                &product.sku,
                u32::try_from(on_hand)?,
                Some(6),
            )?;
            // Bins by category row (A, B, ...), then shelf and level; alerts at 20 left.
            let location = format!(
                "{}-{:02}-{}",
                char::from(b'A' + u8::try_from(n / 25 % 26)?),
                n % 25 / 5 + 1,
                n % 5 + 1
            );
            stock::set_settings(
                tx,
                &warehouse,
                &product.sku,
                Some(20),
                Some(1000),
                &location,
            )?;
        }
    }

    // Carriers: express everywhere, a van in the east for up to 200 kg, freight for bulk.
    for (id, name, regions, max_kg, base, per_kg_cents) in [
        ("sf", "顺丰速运", &[][..], None, 12, 200),
        (
            "east-van",
            "华东同城配送",
            &["east"][..],
            Some(200_000),
            6,
            50,
        ),
        ("freight", "德邦物流", &[][..], None, 40, 0),
    ] {
        crate::store::carriers::put(
            tx,
            &domain::carrier::CarrierRule {
                id: id.into(),
                name: name.into(),
                regions: regions.iter().map(|r: &&str| (*r).to_owned()).collect(),
                max_weight_grams: max_kg,
                base_fee: Money::cny(base.into()),
                per_kg: cents(per_kg_cents),
                active: true,
            },
        )?;
    }

    let shops = [
        (
            "shop-lotus",
            "莲花便利店 Lotus Mart",
            "gold",
            ["wh-east", "wh-north"],
        ),
        (
            "shop-bamboo",
            "竹林超市 Bamboo Grocery",
            "silver",
            ["wh-north", "wh-east"],
        ),
        (
            "shop-peach",
            "桃源小卖部 Peach Corner",
            "bronze",
            ["wh-east", "wh-north"],
        ),
    ];
    for (shop, name, tier, warehouses) in shops {
        catalog::put_shop(tx, shop, name, tier)?;
        for (rank, warehouse) in warehouses.iter().enumerate() {
            catalog::add_shop_warehouse(tx, shop, warehouse, rank)?;
        }
        let shop_id = ShopId::parse(shop)?;
        let mut prices_doc = create_document(&DocId::ShopPrices(shop_id.clone()), actor.clone())?;
        if shop == "shop-lotus" {
            // 一客一价: Lotus Mart has its own negotiated price on every beverage of the first item.
            let own: Vec<(Sku, Option<Money>)> = products
                .iter()
                .take(5)
                .map(|p| (p.sku.clone(), Some(discounted(p.list_price, 80))))
                .collect();
            let list = PriceList::Shop(shop_id.clone());
            for (sku, price) in &own {
                catalog::set_price(tx, &list, sku, *price)?;
            }
            write_prices(&mut prices_doc, &own)?;
        }
        store_docs::create(tx, &DocId::ShopPrices(shop_id.clone()), prices_doc)?;
        for id in [
            DocId::Cart(shop_id.clone()),
            DocId::Proposal(shop_id.clone()),
            DocId::OrderRequests(shop_id.clone(), 0),
            DocId::OrderStatus(shop_id.clone(), 0),
        ] {
            let doc = create_document(&id, actor.clone())?;
            store_docs::create(tx, &id, doc)?;
        }
    }

    // Lotus Mart brought Peach Corner in (分销): Peach's orders earn Lotus 3 %.
    let now = tx.now_ms;
    crate::store::referrals::set_inviter(
        tx,
        &ShopId::parse("shop-peach")?,
        Some(&ShopId::parse("shop-lotus")?),
        now,
    )?;

    let mut wang = None;
    for ((username, display_name, _, role, shop), hash) in DEMO_USERS.iter().zip(hashes) {
        let id = accounts::create_user(tx, username, display_name, hash, role, *shop)?;
        if *username == "wang" {
            wang = Some(id);
        }
    }
    if let Some(wang) = wang {
        accounts::assign_shop(tx, wang, "shop-lotus")?;
        accounts::assign_shop(tx, wang, "shop-bamboo")?;
    }
    seed_commerce(tx)?;
    // Staff permissions, as an admin would give them (see auth::Permission).
    for (username, permissions) in [
        ("cang", &["orders.read", "orders.fulfil", "stock.write"][..]),
        (
            "cai",
            &["orders.read", "orders.hold", "inbox.resolve", "finance"][..],
        ),
    ] {
        if let Some((id, _)) = accounts::user_by_name(tx, username, "staff")? {
            accounts::set_permissions(tx, id, permissions)?;
        }
    }
    Ok(true)
}

fn cny(cents: i64) -> Money {
    Money::cny(Decimal::new(cents, 2))
}

/// The demo distributor's terms: shipping free from ¥200 (else ¥8 within 10 kg, ¥12 to the
/// north), prices include VAT (13 %, 9 % on staples and shipping), 1 point per ¥1 and
/// 100 points worth ¥1 (at most 20 % of an order); a shop earns 3 % of what the shops
/// it brought in buy, a week after each delivery (分销); an order the server would charge
/// more than 2 % and ¥5 above what the phone showed, or without some of its lines, waits
/// a day for the shop's OK.
pub fn demo_terms() -> SalesTerms {
    let rate = |base, per_kg| RegionRate {
        base: cny(base),
        per_kg: cny(per_kg),
        included_kg: 10,
    };
    SalesTerms {
        shipping: Some(ShippingRules {
            free_above: Some(cny(20_000)),
            default_rate: rate(800, 100),
            regions: [("north".to_owned(), rate(1_200, 150))]
                .into_iter()
                .collect(),
        }),
        tax: TaxRules {
            mode: TaxMode::Inclusive,
            default_rate: Decimal::new(13, 0),
            by_category: ["grain-oil", "dairy", "frozen"]
                .into_iter()
                .filter_map(|c| CategoryId::parse(c).ok())
                .map(|c| (c, Decimal::new(9, 0)))
                .collect(),
            shipping_rate: Decimal::new(9, 0),
        },
        points: PointsRules {
            earn_per_yuan: Decimal::ONE,
            points_per_yuan: 100,
            max_redeem_percent: Decimal::new(20, 0),
        },
        referral: Some(ReferralRules {
            percent: Decimal::new(3, 0),
            window_days: 7,
        }),
        // Prices a phone received hold for a day; an order that still costs over 2 % (and
        // over ¥5) more than the phone showed, or lost a line, waits a day for the shop's OK.
        approval: Some(domain::checkout::ApprovalRules {
            tolerance_bp: 200,
            tolerance: cny(500),
            answer_within_hours: 24,
            price_hold_hours: 24,
        }),
    }
}

/// Lotus Mart pays net 30 days with a ¥50 000 limit; Bamboo Grocery pays on delivery with
/// ¥20 000; Peach Corner pays in advance from a ¥800 balance and may take at most 48
/// bottles of the first liquor a week (限量).
pub fn demo_profiles() -> anyhow::Result<Vec<(&'static str, ShopProfile)>> {
    let account = |terms, limit: Option<Money>, prepaid| CustomerAccount {
        terms,
        suspended: None,
        credit_limit: limit,
        open_invoices: Vec::new(),
        unbilled: cny(0),
        prepaid_balance: prepaid,
        grace_days: 7,
        on_account: None,
    };
    Ok(vec![
        (
            "shop-lotus",
            ShopProfile {
                region: "east".into(),
                points_balance: 1_500,
                account: Some(account(
                    PaymentTerms::Net { days: 30 },
                    Some(cny(5_000_000)),
                    cny(0),
                )),
                quotas: Vec::new(),
                window: None,
            },
        ),
        (
            "shop-bamboo",
            ShopProfile {
                region: "north".into(),
                points_balance: 0,
                account: Some(account(
                    PaymentTerms::CashOnDelivery,
                    Some(cny(2_000_000)),
                    cny(0),
                )),
                quotas: Vec::new(),
                window: None,
            },
        ),
        (
            "shop-peach",
            ShopProfile {
                region: "east".into(),
                points_balance: 300,
                account: Some(account(PaymentTerms::Prepaid, None, cny(80_000))),
                quotas: vec![Quota {
                    sku: Sku::parse("LIQ-0001")?,
                    max_quantity: 48,
                    period: Period::Week,
                }],
                window: None,
            },
        ),
    ])
}

/// 满减 on beverages (¥20 off every ¥300), 满折 for gold shops (5 % off from ¥1 000, not
/// with other offers), buy 10 cartons of milk get 1, and the coupon NEW20 (¥20 off from
/// ¥150, once per shop).
pub fn demo_promotions() -> anyhow::Result<Vec<Promotion>> {
    let base = |id: &str, name: LocalizedText, kind| Promotion {
        id: id.into(),
        name,
        kind,
        scope: Scope::All,
        stacking: Stacking::Combinable,
        min_spend: None,
        valid_from_ms: None,
        valid_until_ms: None,
        tiers: Vec::new(),
        shops: Vec::new(),
        coupon_code: None,
        coupon_check: None,
        limit_per_customer: None,
        limit_total: None,
    };
    let mut beverages = base(
        "bev-300-20",
        text(
            "Beverages: ¥20 off every ¥300",
            "饮料满300减20",
            "飲料滿300減20",
        ),
        PromotionKind::SpendStep {
            every: cny(30_000),
            off: cny(2_000),
            max_steps: None,
        },
    );
    beverages.scope = Scope::Categories {
        categories: vec![CategoryId::parse("beverages")?],
    };
    let mut gold = base(
        "gold-1000-5pct",
        text(
            "Gold: 5% off from ¥1000",
            "金牌满1000享95折",
            "金牌滿1000享95折",
        ),
        PromotionKind::SpendPercent {
            threshold: cny(100_000),
            percent: Decimal::new(5, 0),
        },
    );
    gold.tiers = vec![TierId::parse("gold")?];
    gold.stacking = Stacking::Exclusive;
    let milk = base(
        "milk-10-1",
        text("Milk: buy 10 get 1", "牛奶买10送1", "牛奶買10送1"),
        PromotionKind::BuyXGetY {
            buy: Sku::parse("DRY-0001")?,
            buy_quantity: 10,
            get: Sku::parse("DRY-0001")?,
            get_quantity: 1,
        },
    );
    let mut coupon = base(
        "coupon-new20",
        text("Coupon NEW20: ¥20 off", "新客券减20元", "新客券減20元"),
        PromotionKind::AmountOff { amount: cny(2_000) },
    );
    coupon.coupon_code = Some("NEW20".into());
    coupon.min_spend = Some(cny(15_000));
    coupon.limit_per_customer = Some(1);
    Ok(vec![beverages, gold, milk, coupon])
}

/// Stores the demo terms, profiles and promotions.
fn seed_commerce(tx: &mut Tx<'_>) -> anyhow::Result<()> {
    commerce::set_terms(tx, &demo_terms())?;
    for (shop, profile) in demo_profiles()? {
        commerce::set_profile(tx, &ShopId::parse(shop)?, &profile)?;
    }
    for promotion in demo_promotions()? {
        commerce::put_promotion(tx, &promotion)?;
    }
    Ok(())
}
