//! A shop's proposed orders (`shop/S/proposal`), written by its account manager's device
//! and its own devices, often offline at the same time.
//!
//! Layout: `proposals: { <proposal id>: <Proposal JSON> }` (what the manager sent, with
//! each line's reasons; set once), `answers: { <proposal id>: <ProposalAnswer JSON> }`
//! (ordered or declined; set once), and `lines`, laid out as the cart's
//! ([`super::cart_doc`]): the proposal's lines as both sides edit them, each line id
//! starting with its proposal's id. Quantity edits are counter increments, so the shop's
//! and the manager's concurrent edits both count, as in the cart.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ScalarValue};

use super::cart_doc::{CartLine, raw_lines, set_quantity_among, summed};
use super::doc_read::{get_map, get_str, root};
use super::{SchemaError, container};
use domain::proposal::{Proposal, ProposalAnswer};
use domain::sku::Sku;

pub const PROPOSALS: &str = "proposals";
pub const ANSWERS: &str = "answers";

/// A proposal as the document holds it: what was sent, the lines as edited since, and
/// the answer if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldProposal {
    pub proposal: Proposal,
    pub lines: Vec<CartLine>,
    pub answer: Option<ProposalAnswer>,
}

fn line_prefix(proposal: &str) -> String {
    format!("{proposal}-")
}

/// Every proposal, newest first.
pub fn read_proposals(doc: &Automerge) -> Vec<HeldProposal> {
    let root = root(doc);
    let answers = get_map(&root, ANSWERS);
    let raw = raw_lines(doc);
    let mut held: Vec<HeldProposal> = get_map(&root, PROPOSALS)
        .map(|proposals| {
            proposals
                .iter()
                .filter_map(|(key, _)| {
                    let proposal: Proposal = serde_json::from_str(get_str(proposals, key)?).ok()?;
                    let answer = answers
                        .and_then(|a| get_str(a, key))
                        .and_then(|json| serde_json::from_str(json).ok());
                    Some((key.clone(), proposal, answer))
                })
                .collect::<Vec<(String, Proposal, Option<ProposalAnswer>)>>()
        })
        .unwrap_or_default()
        .into_iter()
        .map(|(key, proposal, answer)| {
            let prefix = line_prefix(&key);
            let lines = summed(
                raw.iter()
                    .filter(|l| l.id.starts_with(&prefix))
                    .cloned()
                    .collect(),
            );
            HeldProposal {
                proposal,
                lines,
                answer,
            }
        })
        .collect();
    held.sort_by(|a, b| {
        (b.proposal.sent_ms, b.proposal.id.as_str())
            .cmp(&(a.proposal.sent_ms, a.proposal.id.as_str()))
    });
    held
}

/// The newest proposal without an answer: the one waiting for the shop.
pub fn open_proposal(doc: &Automerge) -> Option<HeldProposal> {
    read_proposals(doc).into_iter().find(|p| p.answer.is_none())
}

/// Sends `proposal`: its record and its editable lines.
pub fn send(doc: &mut Automerge, proposal: &Proposal) -> Result<(), SchemaError> {
    let json = serde_json::to_string(proposal).map_err(|e| SchemaError::Encode(e.to_string()))?;
    let proposals = container(doc, PROPOSALS)?;
    let lines = container(doc, super::cart_doc::LINES)?;
    let prefix = line_prefix(proposal.id.as_str());
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(&proposals, proposal.id.as_str(), json.as_str())?;
        for (n, line) in proposal.lines.iter().enumerate() {
            let object = tx.put_object(&lines, format!("{prefix}{n}"), ObjType::Map)?;
            tx.put(&object, "sku", line.sku.as_str())?;
            tx.put(
                &object,
                "qty",
                ScalarValue::counter(i64::from(line.quantity)),
            )?;
        }
        Ok(())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

/// Sets the quantity of `sku` in proposal `proposal` (0 takes it out); `new_line_id_tail`
/// is random per call and names the line made when the SKU has none yet.
pub fn set_quantity(
    doc: &mut Automerge,
    proposal: &str,
    sku: &Sku,
    quantity: u32,
    new_line_id_tail: &str,
) -> Result<(), SchemaError> {
    let prefix = line_prefix(proposal);
    set_quantity_among(
        doc,
        &prefix,
        sku,
        quantity,
        &format!("{prefix}{new_line_id_tail}"),
    )
}

/// Records what was done with a proposal.
pub fn answer(doc: &mut Automerge, answer: &ProposalAnswer) -> Result<(), SchemaError> {
    let json = serde_json::to_string(answer).map_err(|e| SchemaError::Encode(e.to_string()))?;
    let answers = container(doc, ANSWERS)?;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(&answers, answer.proposal.as_str(), json.as_str())
    })
    .map_err(|failure| failure.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::create_document;
    use crate::schema::doc_id::DocId;
    use crate::schema::validate::validate_device_changes;
    use domain::forecast::Why;
    use domain::order::RequestId;
    use domain::proposal::{Answer, ProposedLine};
    use domain::sku::ShopId;

    fn sku(text: &str) -> Sku {
        Sku::parse(text).unwrap()
    }

    fn proposal(id: u8, shop: &str, lines: &[(&str, u32)]) -> Proposal {
        Proposal {
            id: RequestId::from_random_bytes([id; 16]),
            shop: ShopId::parse(shop).unwrap(),
            by: "王经理".into(),
            sent_ms: i64::from(id),
            week_ms: 0,
            lines: lines
                .iter()
                .map(|(s, q)| ProposedLine {
                    sku: sku(s),
                    quantity: *q,
                    why: Why::default(),
                })
                .collect(),
        }
    }

    fn server_doc() -> Automerge {
        create_document(
            &DocId::Proposal(ShopId::parse("s").unwrap()),
            automerge::ActorId::random(),
        )
        .unwrap()
    }

    fn quantities(held: &HeldProposal) -> Vec<(String, u32)> {
        held.lines
            .iter()
            .map(|l| (l.sku.to_string(), l.quantity))
            .collect()
    }

    #[test]
    fn the_shop_and_the_manager_edit_offline_and_both_edits_count() {
        let id = DocId::Proposal(ShopId::parse("s").unwrap());
        let server = server_doc();
        let mut manager = server.fork();
        let sent = proposal(1, "s", &[("RICE", 48), ("OIL", 12)]);
        send(&mut manager, &sent).unwrap();
        validate_device_changes(&id, &server, &manager).unwrap();
        let mut shop = manager.fork();
        let pid = sent.id.as_str();
        // Offline on both sides: the shop lowers rice and adds tea; the manager raises oil.
        set_quantity(&mut shop, pid, &sku("RICE"), 36, "a1").unwrap();
        set_quantity(&mut shop, pid, &sku("TEA"), 6, "a2").unwrap();
        set_quantity(&mut manager, pid, &sku("OIL"), 18, "b1").unwrap();
        validate_device_changes(&id, &server, &shop).unwrap();
        shop.merge(&mut manager.clone()).unwrap();
        manager.merge(&mut shop.clone()).unwrap();
        let held = open_proposal(&shop).unwrap();
        let expected = vec![("OIL".into(), 18), ("RICE".into(), 36), ("TEA".into(), 6)];
        assert_eq!(quantities(&held), expected);
        assert_eq!(quantities(&open_proposal(&manager).unwrap()), expected);
        assert_eq!(held.proposal, sent);
        // Answered, it is no longer open; a newer one is.
        answer(
            &mut shop,
            &ProposalAnswer {
                proposal: sent.id.clone(),
                answer: Answer::Ordered,
                by: "店主".into(),
                at_ms: 5,
            },
        )
        .unwrap();
        assert!(open_proposal(&shop).is_none());
        let next = proposal(2, "s", &[("RICE", 12)]);
        send(&mut shop, &next).unwrap();
        assert_eq!(open_proposal(&shop).unwrap().proposal.id, next.id);
        assert_eq!(read_proposals(&shop).len(), 2);
        validate_device_changes(&id, &server, &shop).unwrap();
    }

    #[test]
    fn the_server_refuses_a_proposal_for_another_shop_a_rewrite_and_a_bad_answer() {
        let id = DocId::Proposal(ShopId::parse("s").unwrap());
        let server = server_doc();
        let mut other = server.fork();
        send(&mut other, &proposal(1, "t", &[("RICE", 1)])).unwrap();
        assert_eq!(
            validate_device_changes(&id, &server, &other)
                .unwrap_err()
                .code,
            "wrong_shop"
        );
        let mut empty = server.fork();
        send(&mut empty, &proposal(1, "s", &[])).unwrap();
        assert_eq!(
            validate_device_changes(&id, &server, &empty)
                .unwrap_err()
                .code,
            "bad_proposal"
        );
        let mut sent = server.fork();
        send(&mut sent, &proposal(1, "s", &[("RICE", 1)])).unwrap();
        let mut again = sent.fork();
        send(&mut again, &proposal(1, "s", &[("RICE", 9)])).unwrap();
        assert_eq!(
            validate_device_changes(&id, &sent, &again)
                .unwrap_err()
                .code,
            "proposal_rewritten"
        );
        let mut wrong = sent.fork();
        answer(
            &mut wrong,
            &ProposalAnswer {
                proposal: RequestId::from_random_bytes([9; 16]),
                answer: Answer::Declined,
                by: String::new(),
                at_ms: 0,
            },
        )
        .unwrap();
        assert_eq!(
            validate_device_changes(&id, &sent, &wrong)
                .unwrap_err()
                .code,
            "unknown_proposal"
        );
    }
}
