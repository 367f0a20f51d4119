//! The Automerge documents Dinghuo syncs: their ids, who writes them, their layout, and
//! typed reads and writes. Containers that several devices write into are created once,
//! by the server, when the document is created; devices never create them.

pub mod cart_doc;
pub mod catalog_doc;
pub mod doc_id;
pub mod doc_read;
pub mod order_requests_doc;
pub mod order_status_doc;
pub mod price_doc;
pub mod proposal_doc;
pub mod validate;

use automerge::{Automerge, ROOT, transaction::Transactable};

use self::doc_id::DocId;

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("the document has no {0:?} container")]
    MissingContainer(&'static str),
    #[error(transparent)]
    Automerge(#[from] automerge::AutomergeError),
    #[error("cannot encode a record: {0}")]
    Encode(String),
}

/// The root container every document of this kind holds.
fn root_container(doc_id: &DocId) -> &'static str {
    match doc_id {
        DocId::Catalog => catalog_doc::PRODUCTS,
        DocId::TierPrices(_) | DocId::ShopPrices(_) => price_doc::PRICES,
        DocId::Cart(_) | DocId::Proposal(_) => cart_doc::LINES,
        DocId::OrderRequests(..) => order_requests_doc::REQUESTS,
        DocId::OrderStatus(..) => order_status_doc::ORDERS,
    }
}

/// Creates a document with its shared containers in one first change. Only the server
/// calls this; devices start from the server's copy.
pub fn create_document(
    doc_id: &DocId,
    actor: automerge::ActorId,
) -> Result<Automerge, SchemaError> {
    let mut doc = Automerge::new().with_actor(actor);
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "kind", doc_id.kind_name())?;
        tx.put_object(ROOT, root_container(doc_id), automerge::ObjType::Map)?;
        if matches!(doc_id, DocId::Catalog) {
            tx.put_object(ROOT, catalog_doc::CATEGORIES, automerge::ObjType::Map)?;
        }
        if matches!(doc_id, DocId::Proposal(_)) {
            tx.put_object(ROOT, proposal_doc::PROPOSALS, automerge::ObjType::Map)?;
            tx.put_object(ROOT, proposal_doc::ANSWERS, automerge::ObjType::Map)?;
        }
        if matches!(doc_id, DocId::TierPrices(_) | DocId::ShopPrices(_)) {
            tx.put_object(ROOT, price_doc::PROMOTIONS, automerge::ObjType::Map)?;
        }
        Ok(())
    })
    .map_err(|failure| failure.error)?;
    Ok(doc)
}

/// The id of a root container, which [`create_document`] made.
fn container(doc: &Automerge, name: &'static str) -> Result<automerge::ObjId, SchemaError> {
    use automerge::ReadDoc;
    match doc.get(ROOT, name)? {
        Some((automerge::Value::Object(_), id)) => Ok(id),
        _ => Err(SchemaError::MissingContainer(name)),
    }
}
