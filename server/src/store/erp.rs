//! What an ERP reads: invoices and payments changed after a cursor, and orders, invoices
//! and payments of a period for the CSV exports.

use api::erp::{InvoiceChange, PaymentChange, PaymentPart};

use super::money::from_cents;
use super::sql::{Row, StoreError, Tx};
use crate::params;

fn yuan(cents: i64) -> String {
    from_cents(cents).amount().to_string()
}

const INVOICE_COLUMNS: &str = "i.changed, i.number, i.shop, i.order_number, i.request_id,
    i.shipment, i.issued_ms, i.due_ms, i.total_cents, i.open_cents";

fn invoice(row: &Row) -> Result<InvoiceChange, StoreError> {
    Ok(InvoiceChange {
        change: row.get(0)?,
        number: row.get(1)?,
        shop: row.get(2)?,
        order_number: row.get(3)?,
        request_id: row.get(4)?,
        shipment: row.get(5)?,
        issued_ms: row.get(6)?,
        due_ms: row.get(7)?,
        total: yuan(row.get(8)?),
        open: yuan(row.get(9)?),
    })
}

const PAYMENT_COLUMNS: &str = "p.changed, p.id, p.shop, p.reference, p.method, p.received_ms,
    p.recorded_ms, p.actor, p.amount_cents, p.allocations, p.note";

fn payment(row: &Row) -> anyhow::Result<PaymentChange> {
    let allocations: Vec<(String, i64)> = serde_json::from_str(&row.get::<String>(9)?)?;
    Ok(PaymentChange {
        change: row.get(0)?,
        id: row.get(1)?,
        shop: row.get(2)?,
        reference: row.get(3)?,
        method: row.get(4)?,
        received_ms: row.get(5)?,
        recorded_ms: row.get(6)?,
        recorded_by: row.get(7)?,
        amount: yuan(row.get(8)?),
        allocations: allocations
            .into_iter()
            .map(|(invoice, cents)| PaymentPart {
                invoice,
                amount: yuan(cents),
            })
            .collect(),
        note: row.get(10)?,
    })
}

/// Invoices changed after change `after`, oldest change first, at most `limit`.
pub fn invoice_changes(
    tx: &mut Tx<'_>,
    after: i64,
    limit: usize,
) -> Result<Vec<InvoiceChange>, StoreError> {
    tx.rows(
        &format!(
            "SELECT {INVOICE_COLUMNS} FROM invoices i WHERE i.changed > ?1
             ORDER BY i.changed LIMIT ?2"
        ),
        params![after, limit],
    )?
    .iter()
    .map(invoice)
    .collect()
}

/// Payments recorded after change `after`, oldest first, at most `limit`.
pub fn payment_changes(
    tx: &mut Tx<'_>,
    after: i64,
    limit: usize,
) -> anyhow::Result<Vec<PaymentChange>> {
    tx.rows(
        &format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments p WHERE p.changed > ?1
             ORDER BY p.changed LIMIT ?2"
        ),
        params![after, limit],
    )?
    .iter()
    .map(payment)
    .collect()
}

/// An invoice of a period, with its shop's name and what was paid of it (yuan).
pub type PeriodInvoice = (InvoiceChange, String, String);

/// Invoices issued in `[from_ms, to_ms)`, oldest first; at most `limit` (the caller asks one
/// more to tell a period too large).
pub fn invoices_in(
    tx: &mut Tx<'_>,
    (from_ms, to_ms): (i64, i64),
    limit: usize,
) -> Result<Vec<PeriodInvoice>, StoreError> {
    tx.rows(
        &format!(
            "SELECT {INVOICE_COLUMNS}, s.name FROM invoices i JOIN shops s ON s.id = i.shop
             WHERE i.issued_ms >= ?1 AND i.issued_ms < ?2 ORDER BY i.issued_ms, i.number LIMIT ?3"
        ),
        params![from_ms, to_ms, limit],
    )?
    .iter()
    .map(|row| {
        let paid = row.get::<i64>(8)? - row.get::<i64>(9)?;
        Ok((invoice(row)?, row.get(10)?, yuan(paid)))
    })
    .collect()
}

/// Payments received in `[from_ms, to_ms)` with their shop's name, oldest first.
pub fn payments_in(
    tx: &mut Tx<'_>,
    (from_ms, to_ms): (i64, i64),
    limit: usize,
) -> anyhow::Result<Vec<(PaymentChange, String)>> {
    tx.rows(
        &format!(
            "SELECT {PAYMENT_COLUMNS}, s.name FROM payments p JOIN shops s ON s.id = p.shop
             WHERE p.received_ms >= ?1 AND p.received_ms < ?2 ORDER BY p.received_ms, p.id LIMIT ?3"
        ),
        params![from_ms, to_ms, limit],
    )?
    .iter()
    .map(|row| Ok((payment(row)?, row.get(11)?)))
    .collect()
}

/// An order of a period, as the export writes it.
pub struct PeriodOrder {
    pub shop: String,
    pub shop_name: String,
    pub channel: String,
    pub placed_by: String,
    pub received_ms: i64,
    pub order: domain::order::OrderConfirmation,
}

/// Orders received in `[from_ms, to_ms)`, oldest first, at most `limit`.
pub fn orders_in(
    tx: &mut Tx<'_>,
    (from_ms, to_ms): (i64, i64),
    limit: usize,
) -> anyhow::Result<Vec<PeriodOrder>> {
    tx.rows(
        "SELECT o.shop, s.name, o.channel, o.placed_by, o.received_ms, o.confirmation
         FROM orders o JOIN shops s ON s.id = o.shop
         WHERE o.received_ms >= ?1 AND o.received_ms < ?2 ORDER BY o.received_ms, o.seq LIMIT ?3",
        params![from_ms, to_ms, limit],
    )?
    .iter()
    .map(|row| {
        Ok(PeriodOrder {
            shop: row.get(0)?,
            shop_name: row.get(1)?,
            channel: row.get(2)?,
            placed_by: row.get(3)?,
            received_ms: row.get(4)?,
            order: serde_json::from_str(&row.get::<String>(5)?)?,
        })
    })
    .collect()
}
