//! The catalog document: categories and products with list prices, written by the server
//! for admins, read by every device. Written in many small changes (≤ 10 products each):
//! Automerge 0.12 resends the whole document whenever the changes a peer lacks exceed a
//! third of its history, so a catalog built in one change would resend itself for every
//! small edit.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ReadDoc};
use serde::{Deserialize, Serialize};

use super::doc_read::{as_map, get_bool, get_i64, get_map, get_str, root};
use super::{SchemaError, container};
use domain::checkout::SalesTerms;
use domain::money::{Currency, Money};
use domain::product::{Category, LocalizedText, Product};
use domain::sku::{CategoryId, Sku};

pub(crate) const PRODUCTS: &str = "products";
pub(crate) const CATEGORIES: &str = "categories";

/// Products written per change.
pub const PRODUCTS_PER_CHANGE: usize = 10;

/// The catalog as the UI and the pricing engine read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CatalogView {
    pub categories: Vec<Category>,
    pub products: BTreeMap<Sku, Product>,
    /// Shipping, tax and points terms every order is quoted with.
    #[serde(default)]
    pub terms: SalesTerms,
}

const TERMS: &str = "terms";

/// Publishes the sales terms (one JSON string; unchanged terms write nothing).
pub fn write_terms(doc: &mut Automerge, terms: &SalesTerms) -> Result<(), SchemaError> {
    let json = serde_json::to_string(terms).map_err(|e| SchemaError::Encode(e.to_string()))?;
    use automerge::ReadDoc;
    if let Ok(Some((automerge::Value::Scalar(current), _))) = doc.get(automerge::ROOT, TERMS)
        && current.as_str() == Some(json.as_str())
    {
        return Ok(());
    }
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(automerge::ROOT, TERMS, json.as_str())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

fn put_localized(
    tx: &mut impl Transactable,
    obj: &automerge::ObjId,
    prefix: &str,
    text: &LocalizedText,
) -> Result<(), automerge::AutomergeError> {
    tx.put(obj, format!("{prefix}_en"), text.en.as_str())?;
    tx.put(obj, format!("{prefix}_hans"), text.zh_hans.as_str())?;
    tx.put(obj, format!("{prefix}_hant"), text.zh_hant.as_str())?;
    Ok(())
}

fn read_localized(map: &automerge::hydrate::Map, prefix: &str) -> LocalizedText {
    let field = |suffix: &str| {
        get_str(map, &format!("{prefix}_{suffix}"))
            .unwrap_or_default()
            .to_owned()
    };
    LocalizedText {
        en: field("en"),
        zh_hans: field("hans"),
        zh_hant: field("hant"),
    }
}

/// Writes (adds or replaces) categories in one change.
pub fn write_categories(doc: &mut Automerge, categories: &[Category]) -> Result<(), SchemaError> {
    let parent = container(doc, CATEGORIES)?;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        for category in categories {
            let obj = match tx.get(&parent, category.id.as_str())? {
                Some((automerge::Value::Object(ObjType::Map), id)) => id,
                _ => tx.put_object(&parent, category.id.as_str(), ObjType::Map)?,
            };
            put_localized(tx, &obj, "name", &category.name)?;
            tx.put(&obj, "position", i64::from(category.position))?;
        }
        Ok(())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

/// Writes (adds or replaces) products, [`PRODUCTS_PER_CHANGE`] per change.
pub fn write_products(doc: &mut Automerge, products: &[Product]) -> Result<(), SchemaError> {
    let parent = container(doc, PRODUCTS)?;
    for chunk in products.chunks(PRODUCTS_PER_CHANGE) {
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            for product in chunk {
                let obj = match tx.get(&parent, product.sku.as_str())? {
                    Some((automerge::Value::Object(ObjType::Map), id)) => id,
                    _ => tx.put_object(&parent, product.sku.as_str(), ObjType::Map)?,
                };
                put_localized(tx, &obj, "name", &product.name)?;
                put_localized(tx, &obj, "desc", &product.description)?;
                put_localized(tx, &obj, "unit", &product.unit)?;
                tx.put(&obj, "category", product.category.as_str())?;
                tx.put(&obj, "pack", i64::from(product.pack_size))?;
                tx.put(&obj, "min", i64::from(product.min_quantity))?;
                match product.max_quantity {
                    Some(max) => tx.put(&obj, "max", i64::from(max))?,
                    None => tx.put(&obj, "max", automerge::ScalarValue::Null)?,
                }
                tx.put(&obj, "price", product.list_price.amount().to_string())?;
                tx.put(&obj, "active", product.active)?;
                tx.put(&obj, "weight", i64::from(product.weight_grams))?;
                // Written whole by the server alone, so a JSON string is enough.
                let volume = serde_json::to_string(&product.volume_prices).unwrap_or_default();
                tx.put(&obj, "volume", volume)?;
                let promo = serde_json::to_string(&product.promo_price).unwrap_or_default();
                tx.put(&obj, "promo", promo)?;
                let limited = serde_json::to_string(&product.limited_to).unwrap_or_default();
                tx.put(&obj, "limited", limited)?;
                let changes = serde_json::to_string(&product.price_changes).unwrap_or_default();
                tx.put(&obj, "changes", changes)?;
                let image = serde_json::to_string(&product.image).unwrap_or_default();
                tx.put(&obj, "image", image)?;
                let aliases = serde_json::to_string(&product.aliases).unwrap_or_default();
                tx.put(&obj, "aliases", aliases)?;
                let pinyin = serde_json::to_string(&product.pinyin).unwrap_or_default();
                tx.put(&obj, "pinyin", pinyin)?;
            }
            Ok(())
        })
        .map_err(|failure| failure.error)?;
    }
    Ok(())
}

fn read_product(sku: &str, map: &automerge::hydrate::Map) -> Option<Product> {
    let quantity = |key: &str| get_i64(map, key).and_then(|n| u32::try_from(n).ok());
    Some(Product {
        sku: Sku::parse(sku).ok()?,
        name: read_localized(map, "name"),
        description: read_localized(map, "desc"),
        unit: read_localized(map, "unit"),
        category: CategoryId::parse(get_str(map, "category")?).ok()?,
        pack_size: quantity("pack").unwrap_or(1).max(1),
        min_quantity: quantity("min").unwrap_or(1),
        max_quantity: quantity("max"),
        list_price: Money::parse_price(get_str(map, "price")?, Currency::Cny).ok()?,
        active: get_bool(map, "active").unwrap_or(false),
        weight_grams: quantity("weight").unwrap_or(0),
        volume_prices: get_str(map, "volume")
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default(),
        promo_price: get_str(map, "promo")
            .and_then(|json| serde_json::from_str(json).ok())
            .flatten(),
        limited_to: get_str(map, "limited")
            .and_then(|json| serde_json::from_str(json).ok())
            .flatten(),
        price_changes: get_str(map, "changes")
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default(),
        image: get_str(map, "image")
            .and_then(|json| serde_json::from_str(json).ok())
            .flatten(),
        aliases: get_str(map, "aliases")
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default(),
        pinyin: get_str(map, "pinyin")
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default(),
    })
}

/// Reads the whole catalog with one bulk hydrate. Entries that do not parse are skipped.
pub fn read_catalog(doc: &Automerge) -> CatalogView {
    let root = root(doc);
    let mut categories: Vec<Category> = get_map(&root, CATEGORIES)
        .map(|map| {
            map.iter()
                .filter_map(|(id, value)| {
                    let entry = as_map(&value.value)?;
                    Some(Category {
                        id: CategoryId::parse(id).ok()?,
                        name: read_localized(entry, "name"),
                        position: get_i64(entry, "position")
                            .and_then(|n| u32::try_from(n).ok())
                            .unwrap_or(0),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    categories.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
    let products = get_map(&root, PRODUCTS)
        .map(|map| {
            map.iter()
                .filter_map(|(sku, value)| read_product(sku, as_map(&value.value)?))
                .map(|product| (product.sku.clone(), product))
                .collect()
        })
        .unwrap_or_default();
    let terms = get_str(&root, TERMS)
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    CatalogView {
        categories,
        products,
        terms,
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use domain::product::{DatedPrice, VolumePrice};

    use super::*;
    use crate::schema::create_document;
    use crate::schema::doc_id::DocId;

    pub(crate) fn sample_product(n: u32) -> Product {
        Product {
            sku: Sku::parse(&format!("P-{n:04}")).unwrap(),
            name: LocalizedText {
                en: format!("Tea {n}"),
                zh_hans: format!("茶 {n}"),
                zh_hant: format!("茶 {n}"),
            },
            description: LocalizedText::default(),
            category: CategoryId::parse("tea").unwrap(),
            unit: LocalizedText::same("box"),
            pack_size: 6,
            min_quantity: 6,
            max_quantity: if n.is_multiple_of(2) { Some(120) } else { None },
            list_price: Money::cny(Decimal::new(1250 + i64::from(n), 2)),
            active: !n.is_multiple_of(7),
            weight_grams: 350 + n,
            volume_prices: if n == 3 {
                vec![VolumePrice {
                    min_quantity: 24,
                    price: Money::cny(Decimal::new(1100, 2)),
                }]
            } else {
                vec![]
            },
            promo_price: (n == 4).then(|| DatedPrice {
                price: Money::cny(Decimal::new(999, 2)),
                from_ms: 10,
                until_ms: 20,
            }),
            limited_to: (n == 5).then(|| vec![domain::sku::TierId::parse("gold").unwrap()]),
            image: (n == 8).then(|| domain::product::ProductImage {
                small: "ab".repeat(32),
                large: "cd".repeat(32),
                width: 400,
                height: 300,
            }),
            price_changes: if n == 6 {
                vec![domain::price_book::ScheduledPrice {
                    from_ms: 30,
                    price: Some(Money::cny(Decimal::new(1399, 2))),
                }]
            } else {
                Vec::new()
            },
            aliases: if n == 9 {
                vec!["绿茶王".to_owned(), "ql 9".to_owned()]
            } else {
                Vec::new()
            },
            pinyin: if n == 9 {
                vec!["cha9".to_owned(), "c9".to_owned()]
            } else {
                Vec::new()
            },
        }
    }

    #[test]
    fn products_round_trip_and_are_written_in_small_changes() {
        let mut doc = create_document(&DocId::Catalog, automerge::ActorId::random()).unwrap();
        let products: Vec<_> = (1..=35).map(sample_product).collect();
        write_products(&mut doc, &products).unwrap();
        write_categories(
            &mut doc,
            &[Category {
                id: CategoryId::parse("tea").unwrap(),
                name: LocalizedText::same("Tea"),
                position: 1,
            }],
        )
        .unwrap();
        let view = read_catalog(&doc);
        assert_eq!(view.products.len(), 35);
        assert_eq!(
            view.products.values().cloned().collect::<Vec<_>>(),
            products
        );
        assert_eq!(view.categories.len(), 1);
        // 1 creation + 4 product chunks + 1 categories change
        assert_eq!(doc.get_changes(&[]).len(), 6);
    }
}
