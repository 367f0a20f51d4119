//! Document ids, such as `shop/shop-lotus/cart`, and the document kinds they name.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::sku::{ShopId, TierId};

/// One synced document. The split follows who may write: the catalog and price lists are
/// written by the server for admins; a shop's cart and order requests by that shop's
/// devices and its account manager; order statuses by the server alone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DocId {
    Catalog,
    TierPrices(TierId),
    ShopPrices(ShopId),
    Cart(ShopId),
    OrderRequests(ShopId),
    OrderStatus(ShopId),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown document id {0:?}")]
pub struct DocIdError(String);

impl DocId {
    pub fn parse(text: &str) -> Result<DocId, DocIdError> {
        let error = || DocIdError(text.chars().take(80).collect());
        let parts: Vec<&str> = text.split('/').collect();
        let shop = |id: &str| ShopId::parse(id).map_err(|_| error());
        match parts.as_slice() {
            ["catalog"] => Ok(DocId::Catalog),
            ["tier", tier, "prices"] => {
                Ok(DocId::TierPrices(TierId::parse(tier).map_err(|_| error())?))
            }
            ["shop", id, "prices"] => Ok(DocId::ShopPrices(shop(id)?)),
            ["shop", id, "cart"] => Ok(DocId::Cart(shop(id)?)),
            ["shop", id, "orders"] => Ok(DocId::OrderRequests(shop(id)?)),
            ["shop", id, "status"] => Ok(DocId::OrderStatus(shop(id)?)),
            _ => Err(error()),
        }
    }

    /// The shop a shop-scoped document belongs to.
    pub fn shop(&self) -> Option<&ShopId> {
        match self {
            DocId::Catalog | DocId::TierPrices(_) => None,
            DocId::ShopPrices(shop)
            | DocId::Cart(shop)
            | DocId::OrderRequests(shop)
            | DocId::OrderStatus(shop) => Some(shop),
        }
    }

    /// True for the documents shop devices write (cart and order requests).
    pub fn is_shop_writable(&self) -> bool {
        matches!(self, DocId::Cart(_) | DocId::OrderRequests(_))
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            DocId::Catalog => "catalog",
            DocId::TierPrices(_) => "tier_prices",
            DocId::ShopPrices(_) => "shop_prices",
            DocId::Cart(_) => "cart",
            DocId::OrderRequests(_) => "order_requests",
            DocId::OrderStatus(_) => "order_status",
        }
    }

    /// The documents a device of `shop` (priced at `tier`) keeps.
    pub fn for_shop(shop: &ShopId, tier: &TierId) -> Vec<DocId> {
        vec![
            DocId::Catalog,
            DocId::TierPrices(tier.clone()),
            DocId::ShopPrices(shop.clone()),
            DocId::Cart(shop.clone()),
            DocId::OrderRequests(shop.clone()),
            DocId::OrderStatus(shop.clone()),
        ]
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocId::Catalog => write!(f, "catalog"),
            DocId::TierPrices(tier) => write!(f, "tier/{tier}/prices"),
            DocId::ShopPrices(shop) => write!(f, "shop/{shop}/prices"),
            DocId::Cart(shop) => write!(f, "shop/{shop}/cart"),
            DocId::OrderRequests(shop) => write!(f, "shop/{shop}/orders"),
            DocId::OrderStatus(shop) => write!(f, "shop/{shop}/status"),
        }
    }
}

impl TryFrom<String> for DocId {
    type Error = DocIdError;
    fn try_from(value: String) -> Result<DocId, DocIdError> {
        DocId::parse(&value)
    }
}

impl From<DocId> for String {
    fn from(value: DocId) -> String {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_garbage_is_refused() {
        for text in [
            "catalog",
            "tier/gold/prices",
            "shop/a-1/prices",
            "shop/a-1/cart",
            "shop/a-1/orders",
            "shop/a-1/status",
        ] {
            assert_eq!(DocId::parse(text).unwrap().to_string(), text);
        }
        for bad in [
            "",
            "catalog/x",
            "shop//cart",
            "shop/A/cart",
            "shop/a/other",
            "../etc/passwd",
        ] {
            assert!(DocId::parse(bad).is_err(), "{bad}");
        }
    }
}
