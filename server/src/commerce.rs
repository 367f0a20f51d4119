//! Publishing checkout's inputs: sales terms, shop profiles and promotions, from the tables
//! into the documents devices read (terms in the catalog; a tier's promotions in its price
//! document; a shop's profile and its own promotions in its own prices document, so no
//! shop sees another's).

use docs::schema::catalog_doc::write_terms;
use docs::schema::doc_id::DocId;
use docs::schema::price_doc::{
    write_account, write_allowed, write_profile, write_promotions, write_tier,
};
use domain::promotion::Promotion;
use domain::sku::ShopId;

use crate::store::documents::{self, DocCache};
use crate::store::{Tx, catalog, commerce};

/// Which promotions a document carries: a tier's document those for every shop of that
/// tier (no shop list); a shop's document those naming it.
fn promotions_for(doc: &DocId, promotions: &[Promotion]) -> Vec<Promotion> {
    promotions
        .iter()
        .filter(|p| match doc {
            DocId::TierPrices(tier) => {
                p.shops.is_empty() && (p.tiers.is_empty() || p.tiers.contains(tier))
            }
            DocId::ShopPrices(shop) => p.shops.contains(shop),
            _ => false,
        })
        // A coupon's code stays on the server; devices check a typed code by its hash.
        .map(Promotion::for_devices)
        .collect()
}

/// Writes terms, promotions and profiles from the tables into every document that carries
/// them; unchanged ones are left alone.
pub fn publish(
    tx: &mut Tx<'_>,
    cache: &DocCache,
    actor: &automerge::ActorId,
) -> anyhow::Result<()> {
    let terms = commerce::terms(tx)?;
    let promotions = commerce::promotions(tx)?;
    let mut targets: Vec<DocId> = vec![DocId::Catalog];
    targets.extend(catalog::tiers(tx)?.into_iter().map(DocId::TierPrices));
    targets.extend(catalog::shops(tx)?.into_iter().map(DocId::ShopPrices));
    for id in targets {
        let Some(mut loaded) = documents::load(tx, cache, &id)? else {
            continue;
        };
        loaded.doc.set_actor(actor.clone());
        match &id {
            DocId::Catalog => write_terms(&mut loaded.doc, &terms)?,
            DocId::ShopPrices(shop) => write_shop(tx, &mut loaded.doc, shop, &id, &promotions)?,
            _ => write_promotions(&mut loaded.doc, &promotions_for(&id, &promotions))?,
        }
        documents::put_back(tx, id, loaded)?;
    }
    Ok(())
}

/// A shop's own prices document: its tier, its profile (as orders are checked) and the
/// promotions naming it.
fn write_shop(
    tx: &mut Tx<'_>,
    doc: &mut automerge::Automerge,
    shop: &ShopId,
    id: &DocId,
    promotions: &[Promotion],
) -> anyhow::Result<()> {
    if let Some(tier) = catalog::tier_of(tx, shop)? {
        write_tier(doc, &tier)?;
    }
    write_allowed(doc, &catalog::allowed_for(tx, shop)?)?;
    write_profile(doc, &commerce::ordering_profile(tx, shop)?)?;
    let account = crate::ledger::account_summary(tx, shop).map_err(|e| anyhow::anyhow!("{e}"))?;
    write_account(doc, &account)?;
    write_promotions(doc, &promotions_for(id, promotions))?;
    Ok(())
}

/// What a change to the commercial tables touches, so only those documents are rewritten
/// (with 10,000 shops, republishing every shop's document for one promotion would hold
/// the writer for seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touched {
    /// The sales terms: the catalog document.
    Terms,
    /// Promotions: every tier's prices document, and the own documents of these shops
    /// (those a promotion names, before or after the change).
    Promotions(std::collections::BTreeSet<ShopId>),
    /// One shop's profile: its own prices document.
    Shop(ShopId),
}

/// Edits a stored document (one not stored yet is left alone, as [`publish`] does).
fn edit_if_stored(
    tx: &mut Tx<'_>,
    (cache, actor): (&DocCache, &automerge::ActorId),
    id: DocId,
    edit: impl FnOnce(&mut automerge::Automerge) -> Result<(), docs::schema::SchemaError>,
) -> anyhow::Result<()> {
    let Some(mut loaded) = documents::load(tx, cache, &id)? else {
        return Ok(());
    };
    loaded.doc.set_actor(actor.clone());
    edit(&mut loaded.doc)?;
    documents::put_back(tx, id, loaded)
}

/// Republishes what `touched` names.
pub fn publish_touched(
    tx: &mut Tx<'_>,
    cache: &DocCache,
    actor: &automerge::ActorId,
    touched: &Touched,
) -> anyhow::Result<()> {
    match touched {
        Touched::Terms => {
            let terms = commerce::terms(tx)?;
            edit_if_stored(tx, (cache, actor), DocId::Catalog, |doc| {
                write_terms(doc, &terms)
            })
        }
        Touched::Promotions(shops) => {
            let promotions = commerce::promotions(tx)?;
            for tier in catalog::tiers(tx)? {
                let id = DocId::TierPrices(tier);
                let carried = promotions_for(&id, &promotions);
                edit_if_stored(tx, (cache, actor), id, |doc| {
                    write_promotions(doc, &carried)
                })?;
            }
            for shop in shops {
                publish_shop(tx, cache, actor, shop)?;
            }
            Ok(())
        }
        Touched::Shop(shop) => publish_shop(tx, cache, actor, shop),
    }
}

/// Republishes one shop's own prices document (after a change to that shop alone).
pub fn publish_shop(
    tx: &mut Tx<'_>,
    cache: &DocCache,
    actor: &automerge::ActorId,
    shop: &ShopId,
) -> anyhow::Result<()> {
    let id = DocId::ShopPrices(shop.clone());
    let Some(mut loaded) = documents::load(tx, cache, &id)? else {
        return Ok(());
    };
    loaded.doc.set_actor(actor.clone());
    let promotions = commerce::promotions(tx)?;
    write_shop(tx, &mut loaded.doc, shop, &id, &promotions)?;
    documents::put_back(tx, id, loaded)
}
