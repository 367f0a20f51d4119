//! Invoices, payments, what is on account, reminders and the entries of a shop's account
//! (its one ledger: `account_entries`). Money in the invoice and payment tables is whole
//! cents, so receivables add up in SQL.

use anyhow::Context;
use domain::invoice::Invoice;
use domain::ledger::{Aging, EntryKind, InvoiceSummary, Reminder, StatementEntry};
use domain::money::{Currency, Money};
use domain::sku::ShopId;
use rust_decimal::Decimal;

use super::sql::{Row, StoreError, Tx};
use crate::params;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// `money` in whole cents (amounts are kept to the cent everywhere).
pub fn cents(money: Money) -> i64 {
    let scaled = (money.amount() * Decimal::ONE_HUNDRED).round();
    i64::try_from(scaled).unwrap_or(i64::MAX)
}

/// Whole `cents` as yuan.
pub fn from_cents(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::Cny)
}

/// Stores a new invoice of `shop` for the order `request_id`, with `open` still to pay.
pub fn insert_invoice(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    request_id: &str,
    invoice: &Invoice,
    open: Money,
) -> anyhow::Result<()> {
    let changed = tx.next_of("invoice_change")?;
    tx.execute(
        "INSERT INTO invoices (number, shop, request_id, order_number, shipment, issued_ms,
                               due_ms, total_cents, open_cents, json, changed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            invoice.number.as_str(),
            shop.as_str(),
            request_id,
            invoice.order.as_str(),
            invoice.shipment.as_str(),
            invoice.issued_ms,
            invoice.due_ms,
            cents(invoice.total),
            cents(open),
            serde_json::to_string(invoice)?,
            changed,
        ],
    )?;
    if super::webhooks::wanted(tx, "invoice.")? {
        let data = serde_json::json!({
            "shop": shop.as_str(),
            "request_id": request_id,
            "open": open,
            "invoice": invoice,
        });
        super::webhooks::emit(tx, "invoice.raised", data)?;
    }
    Ok(())
}

/// Makes the invoice of shipment `shipment` due at `due_ms` if nothing was due yet (cash
/// on delivery, at the delivery). True if it changed.
pub fn set_due(tx: &mut Tx<'_>, shipment: &str, due_ms: i64) -> Result<bool, StoreError> {
    let changed = tx.next_of("invoice_change")?;
    Ok(tx.execute(
        "UPDATE invoices SET due_ms = ?2, changed = ?3 WHERE shipment = ?1 AND due_ms IS NULL",
        params![shipment, due_ms, changed],
    )? > 0)
}

fn summary(row: &Row) -> Result<InvoiceSummary, StoreError> {
    Ok(InvoiceSummary {
        number: row.get(0)?,
        order: row.get(1)?,
        shipment: row.get(2)?,
        issued_ms: row.get(3)?,
        due_ms: row.get(4)?,
        total: from_cents(row.get(5)?),
        open: from_cents(row.get(6)?),
    })
}

const SUMMARY: &str = "SELECT number, order_number, shipment, issued_ms, due_ms, total_cents, open_cents FROM invoices";

/// The shop's invoices with something open, oldest due first (not yet due last), locked
/// for the transaction on PostgreSQL.
pub fn open_invoices(tx: &mut Tx<'_>, shop: &ShopId) -> Result<Vec<InvoiceSummary>, StoreError> {
    let sql = format!(
        "{SUMMARY} WHERE shop = ?1 AND open_cents > 0
         ORDER BY due_ms IS NULL, due_ms, number{}",
        tx.for_update()
    );
    tx.rows(&sql, params![shop.as_str()])?
        .iter()
        .map(summary)
        .collect()
}

/// The shop's invoices issued in `[from_ms, to_ms)`, oldest first.
pub fn invoices_between(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<InvoiceSummary>, StoreError> {
    tx.rows(
        &format!(
            "{SUMMARY} WHERE shop = ?1 AND issued_ms >= ?2 AND issued_ms < ?3
             ORDER BY issued_ms, number"
        ),
        params![shop.as_str(), from_ms, to_ms],
    )?
    .iter()
    .map(summary)
    .collect()
}

/// The invoices of one order, by shipment.
pub fn invoices_of_order(
    tx: &mut Tx<'_>,
    request_id: &str,
) -> Result<Vec<InvoiceSummary>, StoreError> {
    tx.rows(
        &format!("{SUMMARY} WHERE request_id = ?1 ORDER BY issued_ms, number"),
        params![request_id],
    )?
    .iter()
    .map(summary)
    .collect()
}

/// One invoice in full, with its shop and what is open.
pub fn invoice(tx: &mut Tx<'_>, number: &str) -> anyhow::Result<Option<(ShopId, Invoice, Money)>> {
    let Some(row) = tx.row(
        "SELECT shop, json, open_cents FROM invoices WHERE number = ?1",
        params![number],
    )?
    else {
        return Ok(None);
    };
    let shop: String = row.get(0)?;
    let json: String = row.get(1)?;
    Ok(Some((
        ShopId::parse(&shop).context("an invoice's shop")?,
        serde_json::from_str(&json).context("a stored invoice")?,
        from_cents(row.get(2)?),
    )))
}

/// Takes `part` off what is open on invoice `number`. False if less than that was open.
pub fn settle(tx: &mut Tx<'_>, number: &str, part: Money) -> Result<bool, StoreError> {
    let part = cents(part);
    let changed = tx.next_of("invoice_change")?;
    Ok(tx.execute(
        "UPDATE invoices SET open_cents = open_cents - ?2, changed = ?3
         WHERE number = ?1 AND open_cents >= ?2",
        params![number, part, changed],
    )? > 0)
}

/// What `shop` has on account (paid or credited, not applied to an invoice). Call after
/// [`super::commerce::unbilled`], which creates the shop's balance row.
pub fn on_account(tx: &mut Tx<'_>, shop: &ShopId) -> Result<Money, StoreError> {
    let sql = format!(
        "SELECT on_account_cents FROM shop_balances WHERE shop = ?1{}",
        tx.for_update()
    );
    Ok(from_cents(
        tx.value::<i64>(&sql, params![shop.as_str()])?.unwrap_or(0),
    ))
}

/// Moves what `shop` has on account by `delta`.
pub fn add_on_account(tx: &mut Tx<'_>, shop: &ShopId, delta: Money) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE shop_balances SET on_account_cents = on_account_cents + ?2 WHERE shop = ?1",
        params![shop.as_str(), cents(delta)],
    )?;
    Ok(())
}

/// What `shop` owes: its open invoices less what it has on account.
pub fn receivable(tx: &mut Tx<'_>, shop: &ShopId) -> Result<Money, StoreError> {
    let open: i64 = tx
        .value(
            "SELECT CAST(COALESCE(SUM(open_cents), 0) AS BIGINT) FROM invoices
             WHERE shop = ?1 AND open_cents > 0",
            params![shop.as_str()],
        )?
        .unwrap_or(0);
    let credit = cents(on_account(tx, shop)?);
    Ok(from_cents(open - credit))
}

/// A payment as it is recorded.
pub struct NewPayment<'a> {
    pub shop: &'a ShopId,
    pub reference: &'a str,
    pub method: &'a str,
    pub received_ms: i64,
    pub actor: &'a str,
    pub amount: Money,
    pub allocations: &'a [(String, Money)],
    pub note: &'a str,
}

/// Whether `shop` already recorded a payment with `reference`.
pub fn payment_exists(tx: &mut Tx<'_>, shop: &ShopId, reference: &str) -> Result<bool, StoreError> {
    Ok(tx
        .value::<i64>(
            "SELECT id FROM payments WHERE shop = ?1 AND reference = ?2",
            params![shop.as_str(), reference],
        )?
        .is_some())
}

pub fn insert_payment(tx: &mut Tx<'_>, payment: &NewPayment<'_>) -> anyhow::Result<()> {
    let allocations: Vec<(&str, i64)> = payment
        .allocations
        .iter()
        .map(|(number, part)| (number.as_str(), cents(*part)))
        .collect();
    let changed = tx.next_of("payment_change")?;
    tx.execute(
        "INSERT INTO payments (shop, reference, method, received_ms, recorded_ms, actor,
                               amount_cents, allocations, note, changed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            payment.shop.as_str(),
            payment.reference,
            payment.method,
            payment.received_ms,
            tx.now_ms,
            payment.actor,
            cents(payment.amount),
            serde_json::to_string(&allocations)?,
            payment.note,
            changed,
        ],
    )?;
    if super::webhooks::wanted(tx, "payment.")? {
        let data = serde_json::json!({
            "shop": payment.shop.as_str(),
            "reference": payment.reference,
            "method": payment.method,
            "received_ms": payment.received_ms,
            "amount": payment.amount,
            "allocations": payment.allocations,
            "note": payment.note,
            "recorded_by": payment.actor,
        });
        super::webhooks::emit(tx, "payment.received", data)?;
    }
    Ok(())
}

/// Records an entry on the shop's account: `amount` signed as it moves the balance of its
/// kind, `balance` that balance after it.
pub fn add_entry(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    actor: &str,
    kind: EntryKind,
    (document, reason): (&str, &str),
    (amount, balance): (Money, Money),
) -> Result<(), StoreError> {
    tx.write(
        "INSERT INTO account_entries (shop, at_ms, actor, kind, amount, balance, reason, document)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            shop.as_str(),
            tx.now_ms,
            actor,
            kind.as_str(),
            amount.amount().to_string(),
            balance.amount().to_string(),
            reason,
            document,
        ],
    )?;
    Ok(())
}

/// Records the move of a shop's points from `before` to `after`, if they moved.
pub fn add_points_entry(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    actor: &str,
    (document, reason): (&str, &str),
    (before, after): (u32, u32),
) -> Result<(), StoreError> {
    if before == after {
        return Ok(());
    }
    let moved = i64::from(after) - i64::from(before);
    tx.write(
        "INSERT INTO account_entries (shop, at_ms, actor, kind, amount, balance, reason, document)
         VALUES (?1, ?2, ?3, 'points', ?4, ?5, ?6, ?7)",
        params![
            shop.as_str(),
            tx.now_ms,
            actor,
            moved.to_string(),
            after.to_string(),
            reason,
            document,
        ],
    )?;
    Ok(())
}

fn entry(row: &Row) -> anyhow::Result<Option<StatementEntry>> {
    let kind: String = row.get(1)?;
    let Some(kind) = EntryKind::parse(&kind) else {
        return Ok(None);
    };
    let amount: String = row.get(3)?;
    let balance: String = row.get(4)?;
    let id: i64 = row.get(6)?;
    let points = kind == EntryKind::Points;
    let parse = |text: &str| -> anyhow::Result<Money> {
        if points {
            // Points are whole numbers; kept in the same columns.
            Ok(Money::new(text.parse::<Decimal>()?, Currency::Cny))
        } else {
            Ok(Money::parse(text, Currency::Cny)?)
        }
    };
    Ok(Some(StatementEntry {
        id,
        at_ms: row.get(0)?,
        kind,
        document: row.get(2)?,
        amount: parse(&amount)?,
        balance: parse(&balance)?,
        reason: row.get(5)?,
    }))
}

const ENTRY: &str =
    "SELECT at_ms, kind, document, amount, balance, reason, id FROM account_entries";

/// The shop's newest `limit` entries, newest first.
pub fn recent_entries(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    limit: usize,
) -> anyhow::Result<Vec<StatementEntry>> {
    let rows = tx.rows(
        &format!("{ENTRY} WHERE shop = ?1 ORDER BY id DESC LIMIT ?2"),
        params![shop.as_str(), limit],
    )?;
    entries(&rows)
}

/// The entries of `rows` (of kinds a statement shows).
fn entries(rows: &[Row]) -> anyhow::Result<Vec<StatementEntry>> {
    Ok(rows
        .iter()
        .map(entry)
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect())
}

/// The shop's entries since `from_ms`, oldest first.
pub fn entries_since(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    from_ms: i64,
) -> anyhow::Result<Vec<StatementEntry>> {
    let rows = tx.rows(
        &format!("{ENTRY} WHERE shop = ?1 AND at_ms >= ?2 ORDER BY id"),
        params![shop.as_str(), from_ms],
    )?;
    entries(&rows)
}

/// Each shop's open amounts by days past due at `now_ms`, for the shops that owe
/// anything, with how many invoices are past their due date.
pub fn aging_by_shop(
    tx: &mut Tx<'_>,
    now_ms: i64,
) -> Result<Vec<(String, Aging, u32)>, StoreError> {
    // Days past due d = floor((now - due) / day): current d <= 0, then 1–30, 31–60,
    // 61–90 and above.
    let bucket = |low: i64, high: Option<i64>| match high {
        Some(high) => format!(
            "CAST(SUM(CASE WHEN due_ms IS NOT NULL AND ?1 - due_ms >= {} AND ?1 - due_ms < {}
                  THEN open_cents ELSE 0 END) AS BIGINT)",
            low * DAY_MS,
            high * DAY_MS
        ),
        None => format!(
            "CAST(SUM(CASE WHEN due_ms IS NOT NULL AND ?1 - due_ms >= {}
                  THEN open_cents ELSE 0 END) AS BIGINT)",
            low * DAY_MS
        ),
    };
    let sql = format!(
        "SELECT shop,
                CAST(SUM(CASE WHEN due_ms IS NULL OR ?1 - due_ms < {day} THEN open_cents ELSE 0 END) AS BIGINT),
                {b1}, {b2}, {b3}, {b4},
                CAST(SUM(CASE WHEN due_ms IS NOT NULL AND due_ms < ?1 THEN 1 ELSE 0 END) AS BIGINT)
         FROM invoices WHERE open_cents > 0 GROUP BY shop ORDER BY shop",
        day = DAY_MS,
        b1 = bucket(1, Some(31)),
        b2 = bucket(31, Some(61)),
        b3 = bucket(61, Some(91)),
        b4 = bucket(91, None),
    );
    tx.rows(&sql, params![now_ms])?
        .iter()
        .map(|row| {
            Ok((
                row.get(0)?,
                Aging {
                    current: from_cents(row.get(1)?),
                    days_1_30: from_cents(row.get(2)?),
                    days_31_60: from_cents(row.get(3)?),
                    days_61_90: from_cents(row.get(4)?),
                    over_90: from_cents(row.get(5)?),
                },
                u32::try_from(row.get::<i64>(6)?).unwrap_or(u32::MAX),
            ))
        })
        .collect()
}

/// Invoices open and due before `due_before_ms` that have not had every reminder level
/// yet, with their shop and the highest level sent: the ones reminders are for.
pub fn overdue(
    tx: &mut Tx<'_>,
    due_before_ms: i64,
    levels: u32,
) -> Result<Vec<(String, InvoiceSummary, u32)>, StoreError> {
    tx.rows(
        "SELECT number, order_number, shipment, issued_ms, due_ms, total_cents, open_cents, shop,
                sent
         FROM (SELECT i.*, COALESCE((SELECT MAX(r.level) FROM reminders r
                                     WHERE r.invoice = i.number), 0) AS sent
               FROM invoices i
               WHERE i.open_cents > 0 AND i.due_ms IS NOT NULL AND i.due_ms < ?1) o
         WHERE sent < ?2
         ORDER BY due_ms, number",
        params![due_before_ms, levels],
    )?
    .iter()
    .map(|row| Ok((row.get(7)?, summary(row)?, row.get(8)?)))
    .collect()
}

/// Records reminder `level` for `invoice` unless it was sent already. True if recorded.
pub fn add_reminder(
    tx: &mut Tx<'_>,
    shop: &str,
    invoice: &InvoiceSummary,
    level: u32,
    days_overdue: u32,
) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "INSERT INTO reminders (invoice, level, shop, sent_ms, days_overdue, open_cents)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        params![
            invoice.number.as_str(),
            level,
            shop,
            tx.now_ms,
            days_overdue,
            cents(invoice.open)
        ],
    )? > 0)
}

/// The reminders of `shop`'s invoices still open, newest first.
pub fn reminders_of(tx: &mut Tx<'_>, shop: &ShopId) -> Result<Vec<Reminder>, StoreError> {
    tx.rows(
        "SELECT r.invoice, r.level, r.days_overdue, i.open_cents, r.sent_ms
         FROM reminders r JOIN invoices i ON i.number = r.invoice
         WHERE r.shop = ?1 AND i.open_cents > 0
         ORDER BY r.sent_ms DESC, r.level DESC",
        params![shop.as_str()],
    )?
    .iter()
    .map(reminder)
    .collect()
}

/// A reminder from a row of (invoice, level, days overdue, open cents, sent at).
fn reminder(row: &Row) -> Result<Reminder, StoreError> {
    Ok(Reminder {
        invoice: row.get(0)?,
        level: row.get(1)?,
        days_overdue: row.get(2)?,
        open: from_cents(row.get(3)?),
        sent_ms: row.get(4)?,
    })
}

/// Reminders for invoices still open that finance has not marked handled, newest first,
/// with their shop: finance's follow-up list.
pub fn reminders_to_follow(
    tx: &mut Tx<'_>,
    limit: usize,
) -> Result<Vec<(String, Reminder)>, StoreError> {
    tx.rows(
        "SELECT r.invoice, r.level, r.days_overdue, i.open_cents, r.sent_ms, r.shop
         FROM reminders r JOIN invoices i ON i.number = r.invoice
         WHERE r.handled_ms IS NULL AND i.open_cents > 0
         ORDER BY r.sent_ms DESC, r.level DESC LIMIT ?1",
        params![limit],
    )?
    .iter()
    .map(|row| Ok((row.get(5)?, reminder(row)?)))
    .collect()
}

/// Marks the reminders of `invoice` handled (finance called the shop). False if none.
pub fn handle_reminders(tx: &mut Tx<'_>, invoice: &str) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "UPDATE reminders SET handled_ms = ?2 WHERE invoice = ?1 AND handled_ms IS NULL",
        params![invoice, tx.now_ms],
    )? > 0)
}

/// A shop's name and its account managers (username, name).
pub type ShopAndManagers = (String, Vec<(String, String)>);

/// Every shop's name and its account managers, by shop.
pub fn shops_and_managers(
    tx: &mut Tx<'_>,
) -> Result<std::collections::BTreeMap<String, ShopAndManagers>, StoreError> {
    let mut shops: std::collections::BTreeMap<String, ShopAndManagers> =
        std::collections::BTreeMap::new();
    for row in tx.rows(
        "SELECT s.id, s.name, u.username, u.display_name FROM shops s
         LEFT JOIN manager_shops m ON m.shop = s.id
         LEFT JOIN users u ON u.id = m.manager
         ORDER BY s.id, u.username",
        params![],
    )? {
        let entry = shops
            .entry(row.get(0)?)
            .or_insert_with(|| (String::new(), Vec::new()));
        entry.0 = row.get(1)?;
        if let (Some(username), Some(name)) =
            (row.get::<Option<String>>(2)?, row.get::<Option<String>>(3)?)
        {
            entry.1.push((username, name));
        }
    }
    Ok(shops)
}
