//! The pinyin a product is found by: made here, on the server, whenever a product is
//! published, and shipped in the catalog as plain ASCII (`"lvcha"`, `"lc"` for 绿茶), so a
//! phone matches what a shop owner types with no dictionary of its own (the `pinyin` crate's
//! table would add about 69 KB to the phone's download).
//!
//! A character with several readings (绿 lǜ/lù, 长 cháng/zhǎng) gives each combination, the
//! most common readings first, up to [`MAX_READINGS`] per name; a reading the table gets wrong
//! for a phrase is corrected by an admin's alias (助记码).

use docs::schema::catalog_doc::write_products;
use docs::schema::doc_id::DocId;
use domain::product::{LocalizedText, Product};
use pinyin::ToPinyinMulti;

use crate::store::{Store, catalog, documents};

/// The most readings kept for one name (each gives a full key and an initials key).
pub const MAX_READINGS: usize = 4;

/// Fills `product.pinyin` from its names.
pub fn fill(product: &mut Product) {
    product.pinyin = of_names(&product.name);
}

/// Gives the products stored before search keys existed (or before the table changed)
/// their keys, in the database and the catalog document, in one transaction; nothing is
/// written when every product has its keys already. Run when the server starts.
pub async fn backfill(store: &Store, actor: &automerge::ActorId) -> anyhow::Result<usize> {
    let actor = actor.clone();
    let cache = store.clone();
    store
        .write(move |tx| {
            let products = catalog::products(tx, &catalog::CatalogCache::default())?;
            let mut changed = Vec::new();
            for product in products.values() {
                let keys = of_names(&product.name);
                if keys != product.pinyin {
                    let mut product = product.clone();
                    product.pinyin = keys;
                    catalog::put_product(tx, &product)?;
                    changed.push(product);
                }
            }
            if !changed.is_empty() {
                documents::edit(tx, cache.docs(), &DocId::Catalog, &actor, |doc| {
                    write_products(doc, &changed)
                })?;
            }
            Ok(changed.len())
        })
        .await
}

/// The keys of a product's Chinese names (simplified and traditional), without repeats.
pub fn of_names(name: &LocalizedText) -> Vec<String> {
    let mut keys = Vec::new();
    for text in [&name.zh_hans, &name.zh_hant] {
        for key in of_text(text) {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// The full and initials keys of one text: Han characters by their readings (ü as v, as
/// typed on a phone's keyboard), letters and digits as they are (lower-cased), the rest
/// left out. Empty when the text has no Han character (its own letters match already).
pub fn of_text(text: &str) -> Vec<String> {
    // Each reading so far: (full, initials).
    let mut readings = vec![(String::new(), String::new())];
    let mut any_han = false;
    for (ch, multi) in text.chars().zip(text.to_pinyin_multi()) {
        match multi {
            Some(multi) => {
                any_han = true;
                let mut syllables: Vec<String> = Vec::new();
                for reading in multi {
                    let plain = reading.plain().replace('ü', "v");
                    if !syllables.contains(&plain) {
                        syllables.push(plain);
                    }
                }
                let mut next = Vec::new();
                for (full, initials) in &readings {
                    for syllable in &syllables {
                        if next.len() == MAX_READINGS {
                            break;
                        }
                        let first = syllable.chars().next().unwrap_or_default();
                        next.push((format!("{full}{syllable}"), format!("{initials}{first}")));
                    }
                }
                readings = next;
            }
            None if ch.is_ascii_alphanumeric() => {
                let ch = ch.to_ascii_lowercase();
                for (full, initials) in &mut readings {
                    full.push(ch);
                    initials.push(ch);
                }
            }
            None => {}
        }
    }
    if !any_han {
        return Vec::new();
    }
    let mut keys = Vec::new();
    for (full, initials) in readings {
        for key in [full, initials] {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_pinyin_and_initials_with_v_for_u_umlaut() {
        let keys = of_text("绿茶");
        assert_eq!(keys[0], "lvcha");
        assert_eq!(keys[1], "lc");
        // 绿 also reads lù: kept as a second reading.
        assert!(keys.contains(&"lucha".to_owned()), "{keys:?}");
    }

    #[test]
    fn letters_and_digits_are_kept_and_punctuation_dropped() {
        let keys = of_text("可口可乐 330ml（罐）");
        assert!(keys.contains(&"kekoukele330mlguan".to_owned()), "{keys:?}");
        assert!(keys.contains(&"kkkl330mlg".to_owned()), "{keys:?}");
    }

    #[test]
    fn readings_are_capped_and_text_without_han_has_none() {
        // Every character here has several readings.
        let keys = of_text("长行重还");
        assert!(keys.len() <= 2 * MAX_READINGS, "{keys:?}");
        assert!(of_text("Green tea 500ml").is_empty());
        assert!(of_text("").is_empty());
    }

    #[test]
    fn both_scripts_without_repeats() {
        let keys = of_names(&LocalizedText {
            en: "Green tea".into(),
            zh_hans: "绿茶".into(),
            zh_hant: "綠茶".into(),
        });
        assert_eq!(keys.iter().filter(|k| *k == "lvcha").count(), 1);
        assert!(keys.contains(&"lc".to_owned()));
    }
}
