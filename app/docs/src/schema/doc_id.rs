//! Document ids, such as `shop/shop-lotus/cart`, and the document kinds they name.

use std::fmt;

use serde::{Deserialize, Serialize};

use domain::sku::{ShopId, TierId};

/// One synced document. The split follows who may write: the catalog and price lists are
/// written by the server for admins; a shop's cart and order requests by that shop's
/// devices and its account manager; order statuses by the server alone.
///
/// A shop's orders come in volumes, so no document grows without bound: requests of
/// volume `v` go to `OrderRequests(shop, v)` and are answered in `OrderStatus(shop, v)`.
/// When a volume is full the server opens the next one and devices write there; a device
/// keeps the volumes its session lists (the newest two and any holding an open order), and
/// older orders are read from the server's order history. Volume 0 keeps the names from
/// before volumes existed (`shop/S/orders`, `shop/S/status`); volume `v` > 0 is
/// `shop/S/orders/v` and `shop/S/status/v`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DocId {
    Catalog,
    TierPrices(TierId),
    ShopPrices(ShopId),
    Cart(ShopId),
    /// Proposed orders from the shop's account manager and the shop's answers.
    Proposal(ShopId),
    OrderRequests(ShopId, u32),
    OrderStatus(ShopId, u32),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown document id {0:?}")]
pub struct DocIdError(String);

impl DocId {
    pub fn parse(text: &str) -> Result<DocId, DocIdError> {
        let error = || DocIdError(text.chars().take(80).collect());
        let parts: Vec<&str> = text.split('/').collect();
        let shop = |id: &str| ShopId::parse(id).map_err(|_| error());
        // Canonical numbers only (1, 2, …; no sign, no leading zero), so one document has
        // one name.
        let volume = |n: &str| match n.parse::<u32>() {
            Ok(v) if v > 0 && !n.starts_with(['0', '+']) => Ok(v),
            _ => Err(error()),
        };
        match parts.as_slice() {
            ["catalog"] => Ok(DocId::Catalog),
            ["tier", tier, "prices"] => {
                Ok(DocId::TierPrices(TierId::parse(tier).map_err(|_| error())?))
            }
            ["shop", id, "prices"] => Ok(DocId::ShopPrices(shop(id)?)),
            ["shop", id, "cart"] => Ok(DocId::Cart(shop(id)?)),
            ["shop", id, "proposal"] => Ok(DocId::Proposal(shop(id)?)),
            ["shop", id, "orders"] => Ok(DocId::OrderRequests(shop(id)?, 0)),
            ["shop", id, "status"] => Ok(DocId::OrderStatus(shop(id)?, 0)),
            ["shop", id, "orders", n] => Ok(DocId::OrderRequests(shop(id)?, volume(n)?)),
            ["shop", id, "status", n] => Ok(DocId::OrderStatus(shop(id)?, volume(n)?)),
            _ => Err(error()),
        }
    }

    /// The shop a shop-scoped document belongs to.
    pub fn shop(&self) -> Option<&ShopId> {
        match self {
            DocId::Catalog | DocId::TierPrices(_) => None,
            DocId::ShopPrices(shop)
            | DocId::Cart(shop)
            | DocId::Proposal(shop)
            | DocId::OrderRequests(shop, _)
            | DocId::OrderStatus(shop, _) => Some(shop),
        }
    }

    /// The volume of an order document.
    pub fn volume(&self) -> Option<u32> {
        match self {
            DocId::OrderRequests(_, volume) | DocId::OrderStatus(_, volume) => Some(*volume),
            _ => None,
        }
    }

    /// True for the documents shop devices write (cart and order requests).
    pub fn is_shop_writable(&self) -> bool {
        matches!(
            self,
            DocId::Cart(_) | DocId::Proposal(_) | DocId::OrderRequests(..)
        )
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            DocId::Catalog => "catalog",
            DocId::TierPrices(_) => "tier_prices",
            DocId::ShopPrices(_) => "shop_prices",
            DocId::Cart(_) => "cart",
            DocId::Proposal(_) => "proposal",
            DocId::OrderRequests(..) => "order_requests",
            DocId::OrderStatus(..) => "order_status",
        }
    }

    /// The documents a device of `shop` (priced at `tier`) keeps, with the order volumes
    /// `volumes`.
    pub fn for_shop(shop: &ShopId, tier: &TierId, volumes: &[u32]) -> Vec<DocId> {
        let mut docs = vec![
            DocId::Catalog,
            DocId::TierPrices(tier.clone()),
            DocId::ShopPrices(shop.clone()),
            DocId::Cart(shop.clone()),
            DocId::Proposal(shop.clone()),
        ];
        for volume in volumes {
            docs.push(DocId::OrderRequests(shop.clone(), *volume));
            docs.push(DocId::OrderStatus(shop.clone(), *volume));
        }
        docs
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocId::Catalog => write!(f, "catalog"),
            DocId::TierPrices(tier) => write!(f, "tier/{tier}/prices"),
            DocId::ShopPrices(shop) => write!(f, "shop/{shop}/prices"),
            DocId::Cart(shop) => write!(f, "shop/{shop}/cart"),
            DocId::Proposal(shop) => write!(f, "shop/{shop}/proposal"),
            DocId::OrderRequests(shop, 0) => write!(f, "shop/{shop}/orders"),
            DocId::OrderStatus(shop, 0) => write!(f, "shop/{shop}/status"),
            DocId::OrderRequests(shop, volume) => write!(f, "shop/{shop}/orders/{volume}"),
            DocId::OrderStatus(shop, volume) => write!(f, "shop/{shop}/status/{volume}"),
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
            "shop/a-1/proposal",
            "shop/a-1/orders",
            "shop/a-1/status",
            "shop/a-1/orders/1",
            "shop/a-1/status/4294967295",
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
            "shop/a/orders/0",
            "shop/a/orders/01",
            "shop/a/orders/+1",
            "shop/a/orders/-1",
            "shop/a/status/4294967296",
            "shop/a/cart/1",
        ] {
            assert!(DocId::parse(bad).is_err(), "{bad}");
        }
    }
}
