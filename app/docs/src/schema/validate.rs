//! What a device may change in a document it may write. The server applies a device's
//! changes to a fork, then checks every operation of every new change against the
//! allow-list of that document kind; one bad operation refuses the whole batch for that
//! document (the server's heads do not move) with a reason code.
//!
//! Operations are checked one by one, not by comparing the documents before and after, so
//! a value that loses a conflict (and could resurface later) is checked like any other.
//!
//! | document             | a device may                                               |
//! |----------------------|------------------------------------------------------------|
//! | `shop/S/cart`        | add a line under `lines` (a map with a valid `sku` and a `qty` counter of 1..=100 000); increment or decrement an existing line's `qty` by at most 100 000 |
//! | `shop/S/orders`      | add a request under `requests`: a new request id whose value is the request's JSON, for shop S, with 1..=500 lines of whole quantities 1..=100 000; or a cancel request (its JSON names the order it `cancels`) for shop S; or a return request (its JSON names the order it `returns`) for shop S, 1..=500 lines of 1..=100 000 |
//! | `shop/S/proposal`    | what it may in a cart, under `lines`; add a proposal under `proposals`: a new id whose value is the proposal's JSON, for shop S, 1..=200 lines of 1..=100 000; add an answer under `answers` to a proposal the document holds, once |
//! | everything else      | nothing (the server writes it)                             |

use std::collections::{BTreeMap, HashSet};

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::{Automerge, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use super::cart_doc::LINES;
use super::doc_id::DocId;
use super::order_requests_doc::{EntryKind, REQUESTS};
use domain::order::{OrderRequest, RequestId};
use domain::sku::{ShopId, Sku};

/// The largest quantity one line or one quantity edit may carry.
pub const MAX_QUANTITY: i64 = 100_000;
/// The most lines one order request may carry.
pub const MAX_REQUEST_LINES: usize = 500;
const MAX_LINE_ID: usize = 64;
const MAX_TEXT: usize = 1_000;

/// Why a device's changes to a document were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct Violation {
    /// A stable reason code, such as `negative_quantity` or `wrong_shop`.
    pub code: &'static str,
    pub detail: String,
}

fn violation(code: &'static str, detail: impl Into<String>) -> Violation {
    Violation {
        code,
        detail: detail.into(),
    }
}

/// Checks the changes `after` holds beyond `before` (a fork of it with the device's changes
/// applied) against what a device may do in document `id`.
pub fn validate_device_changes(
    id: &DocId,
    before: &Automerge,
    after: &Automerge,
) -> Result<(), Violation> {
    validate_changes_since(id, after, &before.get_heads())
}

/// Checks the changes `after` holds beyond the heads `before` against what a device may do
/// in document `id`, reading the document as it was at `before` where that matters; no copy
/// of the document is made.
pub fn validate_changes_since(
    id: &DocId,
    after: &Automerge,
    before: &[automerge::ChangeHash],
) -> Result<(), Violation> {
    let changes = after.get_changes(before);
    if changes.is_empty() {
        return Ok(());
    }
    let ops: Vec<IncomingOp> = changes
        .iter()
        .flat_map(|change| {
            let expanded = change.decode();
            let actor = expanded.actor_id.to_string();
            let start = expanded.start_op.get();
            expanded
                .operations
                .into_iter()
                .zip(start..)
                .map(move |(op, counter)| IncomingOp {
                    id: format!("{counter}@{actor}"),
                    op,
                })
        })
        .collect();
    match id {
        DocId::Cart(_) => validate_cart(after, &ops),
        DocId::Proposal(shop) => validate_proposal(shop, after, before, ops),
        DocId::OrderRequests(shop, _) => validate_requests(shop, after, before, &ops),
        _ => Err(violation(
            "read_only_document",
            format!("devices do not write {id}"),
        )),
    }
}

struct IncomingOp {
    /// The operation's id, `counter@actor`, which is also the id of an object it makes.
    id: String,
    op: automerge::legacy::Op,
}

impl IncomingOp {
    fn object(&self) -> String {
        match &self.op.obj {
            ObjectId::Root => "_root".to_owned(),
            ObjectId::Id(id) => id.to_string(),
        }
    }

    fn key(&self) -> Option<&str> {
        match &self.op.key {
            Key::Map(key) => Some(key.as_str()),
            Key::Seq(_) => None,
        }
    }

    fn describe(&self) -> String {
        format!("{:?} at {:?}", self.op.action, self.op.key)
    }
}

fn root_container(doc: &Automerge, name: &str) -> Result<ObjId, Violation> {
    match doc.get(ROOT, name) {
        Ok(Some((Value::Object(ObjType::Map), id))) => Ok(id),
        _ => Err(violation(
            "schema_missing",
            format!("the document has no {name} map"),
        )),
    }
}

fn is_line_id(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_LINE_ID
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn check_quantity(amount: i64, what: &str) -> Result<(), Violation> {
    if amount.abs() > MAX_QUANTITY {
        return Err(violation(
            "quantity_too_large",
            format!("{what} {amount} exceeds {MAX_QUANTITY}"),
        ));
    }
    Ok(())
}

/// The map `name` at the root of `doc` as it was at `before`.
fn root_map_at(
    doc: &Automerge,
    name: &str,
    before: &[automerge::ChangeHash],
) -> Result<ObjId, Violation> {
    match doc.get_at(ROOT, name, before) {
        Ok(Some((Value::Object(ObjType::Map), id))) => Ok(id),
        _ => Err(violation(
            "schema_missing",
            format!("the document has no {name} map"),
        )),
    }
}

fn validate_proposal(
    shop: &ShopId,
    doc: &Automerge,
    before: &[automerge::ChangeHash],
    ops: Vec<IncomingOp>,
) -> Result<(), Violation> {
    use super::proposal_doc::{ANSWERS, PROPOSALS};
    let proposals_obj = root_map_at(doc, PROPOSALS, before)?;
    let answers_obj = root_map_at(doc, ANSWERS, before)?;
    let (proposals, answers) = (proposals_obj.to_string(), answers_obj.to_string());
    let mut line_ops = Vec::new();
    for incoming in ops {
        let object = incoming.object();
        if object != proposals && object != answers {
            line_ops.push(incoming);
            continue;
        }
        let key = incoming.key().unwrap_or_default().to_owned();
        let json = match &incoming.op.action {
            OpType::Put(ScalarValue::Str(json)) if !incoming.op.insert => json.to_string(),
            _ => return Err(violation("unexpected_change", incoming.describe())),
        };
        let id = RequestId::parse(&key).map_err(|e| violation("bad_proposal_id", e.to_string()))?;
        let map = if object == proposals {
            &proposals_obj
        } else {
            &answers_obj
        };
        // An answer written by the shop and its manager, neither having seen the other's,
        // is kept (the document shows one); rewriting a seen one is refused.
        let concurrent_answer = object == answers && incoming.op.pred.is_empty();
        if !concurrent_answer && doc.get_at(map, &key, before).ok().flatten().is_some() {
            return Err(violation(
                "proposal_rewritten",
                format!("{key} was already written and cannot change"),
            ));
        }
        if object == proposals {
            let proposal: domain::proposal::Proposal = serde_json::from_str(&json)
                .map_err(|e| violation("bad_proposal", e.to_string()))?;
            check_stored_as((&id, shop), (&proposal.id, &proposal.shop), "proposal")?;
            proposal.check().map_err(|e| violation("bad_proposal", e))?;
        } else {
            let answer: domain::proposal::ProposalAnswer = serde_json::from_str(&json)
                .map_err(|e| violation("bad_proposal", e.to_string()))?;
            if answer.proposal != id || answer.by.chars().count() > 100 {
                return Err(violation(
                    "bad_proposal",
                    "an answer names its own proposal",
                ));
            }
            if doc.get(&proposals_obj, &key).ok().flatten().is_none() {
                return Err(violation(
                    "unknown_proposal",
                    format!("an answer to {key}, which is not in the document"),
                ));
            }
        }
    }
    validate_cart(doc, &line_ops)
}

fn validate_cart(after: &Automerge, ops: &[IncomingOp]) -> Result<(), Violation> {
    let lines_obj = root_container(after, LINES)?;
    let lines = lines_obj.to_string();
    // Lines made by these changes: their sku and qty are set once, here.
    let new_lines: HashSet<&str> = ops
        .iter()
        .filter(|o| o.object() == lines && matches!(o.op.action, OpType::Make(_)))
        .map(|o| o.id.as_str())
        .collect();
    let all_lines = line_objects(after, &lines_obj);
    for incoming in ops {
        if incoming.op.insert || incoming.key().is_none() {
            return Err(violation("unexpected_change", incoming.describe()));
        }
        let object = incoming.object();
        let key = incoming.key().unwrap_or_default();
        if object == "_root" {
            return Err(violation(
                "root_changed",
                format!("the cart's root key {key:?} is fixed"),
            ));
        }
        if object == lines {
            match &incoming.op.action {
                OpType::Make(ObjType::Map) if is_line_id(key) => continue,
                OpType::Make(ObjType::Map) => {
                    return Err(violation("bad_line_id", format!("{key:?}")));
                }
                OpType::Delete => {
                    return Err(violation(
                        "line_deleted",
                        format!("line {key:?} cannot be deleted; set its quantity to 0"),
                    ));
                }
                _ => return Err(violation("bad_line", incoming.describe())),
            }
        }
        if !all_lines.contains_key(&object) {
            return Err(violation(
                "unexpected_change",
                format!(
                    "{} in an object that is not a cart line",
                    incoming.describe()
                ),
            ));
        }
        let is_new = new_lines.contains(object.as_str());
        match (key, &incoming.op.action) {
            ("qty", OpType::Increment(by)) => check_quantity(*by, "a quantity change of")?,
            ("qty", OpType::Put(ScalarValue::Counter(start))) if is_new => {
                let start = i64::from(start);
                if start < 1 {
                    return Err(violation(
                        "negative_quantity",
                        format!("a new line starts at {start}"),
                    ));
                }
                check_quantity(start, "a new line of")?;
            }
            ("qty", OpType::Put(ScalarValue::Counter(_)) | OpType::Delete) => {
                return Err(violation(
                    "quantity_overwritten",
                    "an existing line's quantity changes only by increments",
                ));
            }
            ("qty", OpType::Put(ScalarValue::F64(value))) => {
                return Err(violation(
                    "fractional_quantity",
                    format!("quantity {value}"),
                ));
            }
            ("qty", OpType::Put(ScalarValue::Int(value))) if *value < 0 => {
                return Err(violation("negative_quantity", format!("quantity {value}")));
            }
            ("qty", _) => {
                return Err(violation("quantity_not_counter", incoming.describe()));
            }
            ("sku", OpType::Put(ScalarValue::Str(sku))) if is_new => {
                Sku::parse(sku).map_err(|e| violation("bad_sku", e.to_string()))?;
            }
            ("sku", _) => {
                return Err(violation(
                    "sku_changed",
                    "a line's SKU is set once, when the line is added",
                ));
            }
            _ => {
                return Err(violation(
                    "unexpected_field",
                    format!("cart lines hold only sku and qty, not {key:?}"),
                ));
            }
        }
    }
    // Every new line is complete: a SKU and a counter.
    for line in all_lines
        .values()
        .filter(|line| new_lines.contains(line.to_string().as_str()))
    {
        let sku = after.get(line, "sku").ok().flatten();
        let qty = after.get(line, "qty").ok().flatten();
        let complete = matches!(sku, Some((Value::Scalar(ref s), _)) if matches!(s.as_ref(), ScalarValue::Str(_)))
            && matches!(qty, Some((Value::Scalar(ref q), _)) if matches!(q.as_ref(), ScalarValue::Counter(_)));
        if !complete {
            return Err(violation(
                "incomplete_line",
                "a new line needs a sku and a qty counter",
            ));
        }
    }
    Ok(())
}

/// Every object under `lines`, conflicting values included.
fn line_objects(doc: &Automerge, lines: &ObjId) -> BTreeMap<String, ObjId> {
    doc.keys(lines)
        .flat_map(|key| doc.get_all(lines, key).unwrap_or_default())
        .filter(|(value, _)| value.is_object())
        .map(|(_, id)| (id.to_string(), id))
        .collect()
}

fn validate_requests(
    shop: &ShopId,
    doc: &Automerge,
    before: &[automerge::ChangeHash],
    ops: &[IncomingOp],
) -> Result<(), Violation> {
    let requests_obj = match doc.get_at(ROOT, REQUESTS, before) {
        Ok(Some((Value::Object(ObjType::Map), id))) => id,
        _ => {
            return Err(violation(
                "schema_missing",
                format!("the document has no {REQUESTS} map"),
            ));
        }
    };
    let requests = requests_obj.to_string();
    for incoming in ops {
        let object = incoming.object();
        let key = incoming.key().unwrap_or_default();
        if object == "_root" {
            return Err(violation(
                "root_changed",
                format!("the requests document's root key {key:?} is fixed"),
            ));
        }
        if object != requests || incoming.op.insert || incoming.key().is_none() {
            return Err(violation("unexpected_change", incoming.describe()));
        }
        let json = match &incoming.op.action {
            OpType::Put(ScalarValue::Str(json)) => json,
            OpType::Delete => {
                return Err(violation(
                    "request_deleted",
                    format!("order request {key} cannot be withdrawn by deleting it"),
                ));
            }
            _ => return Err(violation("malformed_request", incoming.describe())),
        };
        let id = RequestId::parse(key).map_err(|e| violation("bad_request_id", e.to_string()))?;
        // The same order written by two devices that had not seen each other's (a shop and
        // its manager placing one proposal, a hand-over): both are kept by Automerge and the
        // server applies the id once. Overwriting a request the device had seen is refused.
        let concurrent = incoming.op.pred.is_empty()
            && super::order_requests_doc::entry_kind(json) == EntryKind::Order;
        if !concurrent
            && doc
                .get_at(&requests_obj, key, before)
                .ok()
                .flatten()
                .is_some()
        {
            return Err(violation(
                "request_rewritten",
                format!("order request {id} was already placed and cannot change"),
            ));
        }
        match super::order_requests_doc::entry_kind(json) {
            EntryKind::Cancel => check_cancel_json(shop, &id, json)?,
            EntryKind::Return => check_return_json(shop, &id, json)?,
            EntryKind::Accept => check_accept_json(shop, &id, json)?,
            EntryKind::Order => check_request_json(shop, &id, json)?,
        }
    }
    Ok(())
}

/// An entry is stored under its own id, in the orders of its own shop.
fn check_stored_as(
    (key, shop): (&RequestId, &ShopId),
    (id, for_shop): (&RequestId, &ShopId),
    what: &str,
) -> Result<(), Violation> {
    if id != key {
        return Err(violation(
            "request_id_mismatch",
            format!("stored under {key} but its id is {id}"),
        ));
    }
    if for_shop != shop {
        return Err(violation(
            "wrong_shop",
            format!("a {what} for {for_shop} in the orders of {shop}"),
        ));
    }
    Ok(())
}

/// Checks a cancel request's JSON: readable, about this shop, naming an order id.
pub fn check_cancel_json(shop: &ShopId, id: &RequestId, json: &str) -> Result<(), Violation> {
    let cancel: domain::order::CancelRequest =
        serde_json::from_str(json).map_err(|e| violation("malformed_request", e.to_string()))?;
    check_stored_as((id, shop), (&cancel.id, &cancel.shop), "cancel")?;
    if cancel.placed_by.chars().count() > MAX_TEXT || cancel.reason.chars().count() > MAX_TEXT {
        return Err(violation(
            "text_too_long",
            "placed_by and reason hold at most 1 000 characters",
        ));
    }
    Ok(())
}

/// Checks a shop's OK: readable, about this shop, naming an order id.
pub fn check_accept_json(shop: &ShopId, id: &RequestId, json: &str) -> Result<(), Violation> {
    let accept: domain::order::AcceptRequest =
        serde_json::from_str(json).map_err(|e| violation("malformed_request", e.to_string()))?;
    check_stored_as((id, shop), (&accept.id, &accept.shop), "accept")?;
    if accept.placed_by.chars().count() > MAX_TEXT {
        return Err(violation(
            "text_too_long",
            "placed_by holds at most 1 000 characters",
        ));
    }
    Ok(())
}

/// Checks a return request's JSON: readable, about this shop, 1..=500 lines of whole
/// quantities 1..=100 000, texts of at most 1 000 characters.
pub fn check_return_json(shop: &ShopId, id: &RequestId, json: &str) -> Result<(), Violation> {
    let request: domain::returns::ReturnRequest =
        serde_json::from_str(json).map_err(|e| violation("malformed_request", e.to_string()))?;
    check_stored_as((id, shop), (&request.id, &request.shop), "return")?;
    if request.lines.is_empty() || request.lines.len() > 500 {
        return Err(violation(
            "bad_line_count",
            format!("a return has 1 to 500 lines, not {}", request.lines.len()),
        ));
    }
    if let Some(line) = request
        .lines
        .iter()
        .find(|line| line.quantity == 0 || line.quantity > 100_000)
    {
        return Err(violation(
            "bad_quantity",
            format!(
                "{}: a quantity of 1 to 100 000, not {}",
                line.sku, line.quantity
            ),
        ));
    }
    if request.placed_by.chars().count() > MAX_TEXT || request.note.chars().count() > MAX_TEXT {
        return Err(violation(
            "text_too_long",
            "placed_by and note hold at most 1 000 characters",
        ));
    }
    Ok(())
}

/// Checks one order request's JSON: readable, about this shop, whole positive quantities.
pub fn check_request_json(shop: &ShopId, id: &RequestId, json: &str) -> Result<(), Violation> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| violation("malformed_request", e.to_string()))?;
    if let Some(lines) = value.get("lines").and_then(|l| l.as_array()) {
        for line in lines {
            match line.get("quantity") {
                Some(q) if q.as_u64().is_some() => {}
                Some(q) if q.as_i64().is_some() => {
                    return Err(violation("negative_quantity", format!("quantity {q}")));
                }
                Some(q) if q.is_f64() => {
                    return Err(violation("fractional_quantity", format!("quantity {q}")));
                }
                _ => {
                    return Err(violation(
                        "malformed_request",
                        "a line has no whole quantity",
                    ));
                }
            }
        }
    }
    let request: OrderRequest =
        serde_json::from_value(value).map_err(|e| violation("malformed_request", e.to_string()))?;
    if request.id != *id {
        return Err(violation(
            "request_id_mismatch",
            format!("stored under {id} but its id is {}", request.id),
        ));
    }
    if request.shop != *shop {
        return Err(violation(
            "wrong_shop",
            format!("an order for {} in the orders of {shop}", request.shop),
        ));
    }
    if request.lines.is_empty() || request.lines.len() > MAX_REQUEST_LINES {
        return Err(violation(
            "bad_line_count",
            format!("{} lines (1..={MAX_REQUEST_LINES})", request.lines.len()),
        ));
    }
    for line in &request.lines {
        if line.quantity == 0 {
            return Err(violation("zero_quantity", format!("{} × 0", line.sku)));
        }
        check_quantity(i64::from(line.quantity), "a quantity of")?;
    }
    if request.coupon_codes.len() > 5 || request.coupon_codes.iter().any(|c| c.len() > 40) {
        return Err(violation(
            "bad_coupon",
            "at most 5 coupon codes of 40 characters",
        ));
    }
    if request.placed_by.chars().count() > MAX_TEXT || request.note.chars().count() > MAX_TEXT {
        return Err(violation(
            "text_too_long",
            "placed_by and note hold at most 1 000 characters",
        ));
    }
    Ok(())
}
