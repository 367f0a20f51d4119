//! Quick entry: many products typed or pasted at once, one per line, as a shop owner
//! writes them in a message ("BEV-0001 3", "绿茶500ml×2", "lc500 2件"), read into
//! products and quantities with the one search every screen uses.

use crate::product::{Product, search_matches, search_text};

/// The most lines one entry reads.
pub const MAX_LINES: usize = 200;

/// A line split into what names the product and the number after it: the last group of
/// digits, after a space, "×", "x", "*", ",", "，" or "：", with an optional unit word
/// after it (箱, 件, 瓶…). `None` for a blank line; a quantity of `None` when the line has
/// no number.
pub fn split_line(line: &str) -> Option<(String, Option<u32>)> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    // Drop a trailing unit word (non-digit, non-separator letters after the number).
    let without_unit = line
        .trim_end_matches(|c: char| !c.is_ascii_digit() && !c.is_whitespace() && !is_separator(c));
    let body = if without_unit.ends_with(|c: char| c.is_ascii_digit()) {
        without_unit
    } else {
        line
    };
    let digits_start = body
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map(|(i, _)| i);
    if let Some(start) = digits_start {
        let before = &body[..start];
        let separated = before.ends_with(|c: char| c.is_whitespace() || is_separator(c));
        if separated && !before.trim().is_empty() {
            let name = before.trim_end_matches(|c: char| c.is_whitespace() || is_separator(c));
            return Some((name.trim().to_owned(), body[start..].parse().ok()));
        }
    }
    Some((line.to_owned(), None))
}

fn is_separator(c: char) -> bool {
    matches!(c, '×' | 'x' | 'X' | '*' | ',' | '，' | ':' | '：' | '\t')
}

/// What a line's name found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<'a> {
    One(&'a Product),
    /// Several match: the first few, to say which.
    Several(Vec<&'a Product>),
    None,
}

/// The product `name` names among `products`: its SKU or one of its names exactly (any
/// case), else the only product the search finds.
pub fn find<'a>(products: &'a [Product], name: &str) -> Found<'a> {
    let wanted = name.trim().to_lowercase();
    if wanted.is_empty() {
        return Found::None;
    }
    let exact = products.iter().find(|p| {
        p.sku.as_str().to_lowercase() == wanted
            || [&p.name.zh_hans, &p.name.zh_hant, &p.name.en]
                .iter()
                .any(|n| n.to_lowercase() == wanted)
            || p.aliases.iter().any(|a| a.to_lowercase() == wanted)
    });
    if let Some(product) = exact {
        return Found::One(product);
    }
    let matching: Vec<&Product> = products
        .iter()
        .filter(|p| search_matches(&search_text(p), &wanted))
        .take(4)
        .collect();
    match matching.len() {
        0 => Found::None,
        1 => Found::One(matching[0]),
        _ => Found::Several(matching.into_iter().take(3).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_at_their_last_number() {
        let split = |l: &str| split_line(l).unwrap();
        assert_eq!(split("BEV-0001 3"), ("BEV-0001".into(), Some(3)));
        assert_eq!(split("绿茶500ml×2"), ("绿茶500ml".into(), Some(2)));
        assert_eq!(split("lc500 2件"), ("lc500".into(), Some(2)));
        assert_eq!(split("可乐330ml，10箱"), ("可乐330ml".into(), Some(10)));
        assert_eq!(split("  SNK-0003\t4 "), ("SNK-0003".into(), Some(4)));
        // A number that belongs to the name is not a quantity.
        assert_eq!(split("绿茶500ml"), ("绿茶500ml".into(), None));
        assert_eq!(split("BEV-0001"), ("BEV-0001".into(), None));
        assert_eq!(split_line("   "), None);
        // Too large to be a quantity: no quantity, not a panic.
        assert_eq!(split("BEV-0001 99999999999"), ("BEV-0001".into(), None));
    }

    fn product(sku: &str, zh: &str, pinyin: &[&str]) -> Product {
        let json = serde_json::json!({
            "sku": sku,
            "name": { "en": "", "zh_hans": zh, "zh_hant": zh },
            "description": { "en": "", "zh_hans": "", "zh_hant": "" },
            "category": "tea",
            "unit": { "en": "bottle", "zh_hans": "瓶", "zh_hant": "瓶" },
            "pack_size": 12, "min_quantity": 12, "max_quantity": null,
            "list_price": { "amount": "3.00", "currency": "CNY" },
            "active": true,
            "pinyin": pinyin,
        });
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_name_finds_its_product_by_sku_name_or_the_only_match() {
        let products = vec![
            product("BEV-0001", "绿茶330ml", &["lvcha330ml", "lc330ml"]),
            product("BEV-0002", "绿茶500ml", &["lvcha500ml", "lc500ml"]),
            product("BEV-0006", "可乐330ml", &["kele330ml", "kl330ml"]),
        ];
        let sku = |found: Found<'_>| match found {
            Found::One(p) => p.sku.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(sku(find(&products, "bev-0002")), "BEV-0002");
        assert_eq!(sku(find(&products, "绿茶500ml")), "BEV-0002");
        assert_eq!(sku(find(&products, "lc500")), "BEV-0002");
        assert_eq!(sku(find(&products, "kele")), "BEV-0006");
        assert!(matches!(find(&products, "绿茶"), Found::Several(list) if list.len() == 2));
        assert_eq!(find(&products, "咖啡"), Found::None);
        assert_eq!(find(&products, " "), Found::None);
    }
}
