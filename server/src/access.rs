//! Who may read and write which document. The access table (also in ARCHITECTURE.md):
//!
//! | document             | shop user of S | manager of S | admin | anyone else |
//! |----------------------|----------------|--------------|-------|-------------|
//! | catalog              | read           | read         | read  | —           |
//! | tier/T/prices        | read if S is T | read if a managed shop is T | read | — |
//! | shop/S/prices        | read           | read         | read  | —           |
//! | shop/S/cart          | read, write    | read, write  | read  | —           |
//! | shop/S/proposal      | read, write    | read, write  | read  | —           |
//! | shop/S/orders        | read, write    | read, write  | read  | —           |
//! | shop/S/status        | read           | read         | read  | —           |
//!
//! Catalog and price documents are written by the server from its tables on admins'
//! behalf, so no device writes them through sync.

use docs::schema::doc_id::DocId;
use domain::sku::{ShopId, TierId};

use crate::auth::{Principal, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    None,
    Read,
    ReadWrite,
}

/// The access `principal` has to `doc`; `tier_of` gives a shop's tier.
pub fn access(
    principal: &Principal,
    doc: &DocId,
    tier_of: impl Fn(&ShopId) -> Option<TierId>,
) -> Access {
    if principal.role == Role::Admin {
        return Access::Read;
    }
    match doc {
        DocId::Catalog => Access::Read,
        DocId::TierPrices(tier) => {
            if principal
                .shops
                .iter()
                .any(|shop| tier_of(shop).as_ref() == Some(tier))
            {
                Access::Read
            } else {
                Access::None
            }
        }
        DocId::ShopPrices(shop) | DocId::OrderStatus(shop, _) if principal.acts_for(shop) => {
            Access::Read
        }
        DocId::Cart(shop) | DocId::Proposal(shop) | DocId::OrderRequests(shop, _)
            if principal.acts_for(shop) =>
        {
            Access::ReadWrite
        }
        _ => Access::None,
    }
}
