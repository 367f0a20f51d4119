//! An invoice per shipment: what left the warehouse, at what the order's quote charged for
//! it (each line's net after its share of the discounts, and its tax), with the shipping
//! on the first invoice. Shares are taken cumulatively (what was shipped up to and with
//! this shipment, less what earlier invoices took), so an order's invoices add up to its
//! quote exactly, whatever the rounding. When it falls due follows the shop's terms.

use serde::{Deserialize, Serialize};

use super::credit::PaymentTerms;
use super::money::{Money, MoneyError};
use super::order::OrderConfirmation;
use super::product::LocalizedText;
use super::quote::TaxMode;
use super::sku::Sku;

/// One product on an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLine {
    pub sku: Sku,
    pub name: LocalizedText,
    pub quantity: u32,
    /// After its share of the order's discounts.
    pub net: Money,
    pub tax: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invoice {
    pub number: String,
    pub order: String,
    /// The shipment it bills (`DH-000042-1`).
    pub shipment: String,
    pub issued_ms: i64,
    /// None while nothing is due yet (cash on delivery before the delivery).
    pub due_ms: Option<i64>,
    pub terms: PaymentTerms,
    pub lines: Vec<InvoiceLine>,
    pub shipping: Money,
    pub tax_mode: TaxMode,
    /// All tax in it (lines and shipping).
    pub tax: Money,
    pub total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum InvoiceError {
    #[error("the order has no shipment {index}")]
    UnknownShipment { index: usize },
    #[error("the order has no quote to bill from")]
    NoQuote,
    #[error("the amounts could not be added up")]
    Arithmetic,
}

impl From<MoneyError> for InvoiceError {
    fn from(_: MoneyError) -> InvoiceError {
        InvoiceError::Arithmetic
    }
}

/// `part` of `whole` units' worth of `amount`, in cents (half-even).
fn share(amount: Money, part: u32, whole: u32) -> Money {
    if whole == 0 || part >= whole {
        return amount;
    }
    Money::new(
        amount.amount() * rust_decimal::Decimal::from(part) / rust_decimal::Decimal::from(whole),
        amount.currency(),
    )
    .round_to_cents()
}

/// Units of `sku` in the order's shipments before shipment `index` (1 for the first) and
/// up to and with it.
fn shipped_around(order: &OrderConfirmation, sku: &Sku, index: usize) -> (u32, u32) {
    let count = |n: usize| -> u32 {
        order
            .shipments
            .iter()
            .take(n)
            .map(|s| s.lines.get(sku).copied().unwrap_or(0))
            .sum()
    };
    (count(index - 1), count(index))
}

/// When an invoice issued at `issued_ms` falls due under `terms`: prepaid at once (it was
/// paid from the balance at confirmation), cash on delivery at the delivery (`None`
/// until then), net N days after the shipment.
pub fn due_under(terms: PaymentTerms, issued_ms: i64, delivered_ms: Option<i64>) -> Option<i64> {
    match terms {
        PaymentTerms::Prepaid => Some(issued_ms),
        PaymentTerms::CashOnDelivery => delivered_ms,
        PaymentTerms::Net { .. } => terms.due_ms(issued_ms),
    }
}

/// The invoice `number` for shipment `index` (1 for the first) of `order`.
pub fn for_shipment(
    order: &OrderConfirmation,
    index: usize,
    number: String,
    terms: PaymentTerms,
) -> Result<Invoice, InvoiceError> {
    let shipment = index
        .checked_sub(1)
        .and_then(|at| order.shipments.get(at))
        .ok_or(InvoiceError::UnknownShipment { index })?;
    let quote = order.quote.as_ref().ok_or(InvoiceError::NoQuote)?;
    let currency = quote.total.currency();
    let zero = Money::zero(currency);
    let mut lines = Vec::new();
    // Shipped units go to a SKU's paid line first, then to its gifts (free).
    for quoted in &quote.lines {
        let line = &quoted.line;
        let (before, upto) = shipped_around(order, &line.sku, index);
        let (before, upto) = (before.min(line.quantity), upto.min(line.quantity));
        if upto == before {
            continue;
        }
        let net = share(quoted.net, upto, line.quantity).checked_sub(share(
            quoted.net,
            before,
            line.quantity,
        ))?;
        let tax = share(quoted.tax, upto, line.quantity).checked_sub(share(
            quoted.tax,
            before,
            line.quantity,
        ))?;
        lines.push(InvoiceLine {
            sku: line.sku.clone(),
            name: line.name.clone(),
            quantity: upto - before,
            net,
            tax,
        });
    }
    for gift in &quote.gifts {
        let paid = quote
            .lines
            .iter()
            .filter(|l| l.line.sku == gift.sku)
            .map(|l| l.line.quantity)
            .sum::<u32>();
        let (before, upto) = shipped_around(order, &gift.sku, index);
        let free = |n: u32| n.saturating_sub(paid).min(gift.quantity);
        if free(upto) > free(before) {
            lines.push(InvoiceLine {
                sku: gift.sku.clone(),
                name: gift.name.clone(),
                quantity: free(upto) - free(before),
                net: zero,
                tax: zero,
            });
        }
    }
    let lines_tax = Money::sum(quote.lines.iter().map(|l| l.tax), currency)?;
    let (shipping, shipping_tax) = if index == 1 {
        (quote.shipping, quote.tax.checked_sub(lines_tax)?)
    } else {
        (zero, zero)
    };
    let tax = Money::sum(lines.iter().map(|l| l.tax), currency)?.checked_add(shipping_tax)?;
    let net = Money::sum(lines.iter().map(|l| l.net), currency)?.checked_add(shipping)?;
    let total = match quote.tax_mode {
        TaxMode::Exclusive => net.checked_add(tax)?,
        TaxMode::Inclusive => net,
    };
    Ok(Invoice {
        number,
        order: order.number.clone(),
        shipment: shipment.number.clone(),
        issued_ms: shipment.shipped_ms,
        due_ms: due_under(terms, shipment.shipped_ms, shipment.delivered_ms),
        terms,
        lines,
        shipping,
        tax_mode: quote.tax_mode,
        tax,
        total,
    })
}

fn larger(a: Money, b: Money) -> Money {
    if a.amount() >= b.amount() { a } else { b }
}

fn smaller(a: Money, b: Money) -> Money {
    if a.amount() <= b.amount() { a } else { b }
}

/// What the shop paid for `order` when it was confirmed: the points redeemed, the prepaid
/// balance used, and under prepaid terms the rest of it from the balance as well.
pub fn paid_in_advance(order: &OrderConfirmation, terms: PaymentTerms) -> Money {
    let Some(quote) = &order.quote else {
        return Money::zero(super::money::Currency::Cny);
    };
    let advance = quote
        .points_value
        .checked_add(quote.prepaid_used)
        .unwrap_or(quote.total);
    match terms {
        PaymentTerms::Prepaid => advance.checked_add(quote.amount_due).unwrap_or(quote.total),
        PaymentTerms::CashOnDelivery | PaymentTerms::Net { .. } => advance,
    }
}

/// The part of an invoice of `total` already paid in advance, when the order's earlier
/// invoices came to `before`: the advance pays the first invoices first, so the parts add
/// up to the advance exactly.
pub fn advance_share(advance: Money, before: Money, total: Money) -> Result<Money, MoneyError> {
    let zero = Money::zero(total.currency());
    let left = larger(zero, advance.checked_sub(before)?);
    Ok(smaller(left, total))
}

/// The totals of the invoices of `order`'s shipments, in shipment order.
pub fn invoiced(
    order: &OrderConfirmation,
    terms: PaymentTerms,
) -> Result<Vec<Money>, InvoiceError> {
    (1..=order.shipments.len())
        .map(|index| for_shipment(order, index, String::new(), terms).map(|i| i.total))
        .collect()
}

/// What `order` adds to its shop's exposure beyond its invoices: what is neither invoiced
/// yet nor paid in advance, while the order is open (a cancelled, rejected or completed
/// order will ship nothing more). The one reading of "unbilled" for the device's credit
/// check, the server's intake and the reports.
pub fn unbilled(order: &OrderConfirmation, terms: PaymentTerms) -> Result<Money, InvoiceError> {
    use super::order_state::OrderState;
    let Some(quote) = &order.quote else {
        return Ok(Money::zero(super::money::Currency::Cny));
    };
    let zero = Money::zero(quote.total.currency());
    if matches!(
        order.state,
        OrderState::Rejected | OrderState::Cancelled | OrderState::Completed
    ) {
        return Ok(zero);
    }
    let billed = Money::sum(invoiced(order, terms)?, quote.total.currency())?;
    let covered = larger(paid_in_advance(order, terms), billed);
    Ok(larger(zero, quote.total.checked_sub(covered)?))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::*;
    use crate::fulfilment::ShipmentRecord;
    use crate::order::RequestId;
    use crate::order_state::OrderState;
    use crate::price_book::PriceSource;
    use crate::pricing::{PricedLine, PricedOrder};
    use crate::quote::{Quote, QuotedLine};
    use crate::sku::WarehouseId;

    fn cents(c: i64) -> Money {
        Money::cny(Decimal::new(c, 2))
    }

    /// An order of `lines` (quantity, net cents, tax cents), its quote as the engine
    /// would total it, shipped in `shipments` (units per line, in line order).
    pub(crate) fn shipped(
        lines: &[(u32, i64, i64)],
        shipping: i64,
        shipping_tax: i64,
        mode: TaxMode,
        shipments: &[Vec<u32>],
    ) -> OrderConfirmation {
        let sku = |i: usize| Sku::parse(&format!("SKU-{i:04}")).unwrap();
        let quoted: Vec<QuotedLine> = lines
            .iter()
            .enumerate()
            .map(|(i, (quantity, net, tax))| QuotedLine {
                line: PricedLine {
                    sku: sku(i),
                    name: LocalizedText::default(),
                    quantity: *quantity,
                    unit_price: cents(*net),
                    line_total: cents(*net),
                    price_source: PriceSource::List,
                },
                discount: cents(0),
                net: cents(*net),
                tax_rate: Decimal::ZERO,
                tax: cents(*tax),
            })
            .collect();
        let net: i64 = lines.iter().map(|l| l.1).sum::<i64>() + shipping;
        let tax: i64 = lines.iter().map(|l| l.2).sum::<i64>() + shipping_tax;
        let total = match mode {
            TaxMode::Exclusive => net + tax,
            TaxMode::Inclusive => net,
        };
        OrderConfirmation {
            request_id: RequestId::from_random_bytes([1; 16]),
            number: "DH-000001".into(),
            state: OrderState::Shipped,
            priced: PricedOrder {
                lines: quoted.iter().map(|q| q.line.clone()).collect(),
                refused: vec![],
                total: cents(total),
            },
            changes: vec![],
            placed_at_ms: 0,
            history: vec![],
            quote: Some(Quote {
                lines: quoted,
                gifts: vec![],
                refused: vec![],
                promotions: vec![],
                skipped_promotions: vec![],
                merchandise: cents(net - shipping),
                discount: cents(0),
                shipping: cents(shipping),
                tax_mode: mode,
                tax: cents(tax),
                total: cents(total),
                points_redeemed: 0,
                points_value: cents(0),
                prepaid_used: cents(0),
                amount_due: cents(total),
                points_earned: 0,
                weight_grams: 0,
            }),
            allocations: vec![],
            backordered: BTreeMap::new(),
            shipments: shipments
                .iter()
                .enumerate()
                .map(|(n, units)| ShipmentRecord {
                    number: format!("DH-000001-{}", n + 1),
                    warehouse: WarehouseId::parse("wh-east").unwrap(),
                    carrier: "SF".into(),
                    tracking: String::new(),
                    lines: units
                        .iter()
                        .enumerate()
                        .filter(|(_, q)| **q > 0)
                        .map(|(i, q)| (sku(i), *q))
                        .collect(),
                    shipped_ms: 1_000 * (n as i64 + 1),
                    by: "cang".into(),
                    delivered_ms: None,
                    fee: None,
                    shipped_with: vec![],
                })
                .collect(),
            returns: vec![],
            edits: vec![],
            pickup: false,
        }
    }

    #[test]
    fn net_terms_fall_due_after_the_shipment_and_cash_on_delivery_at_delivery() {
        let order = shipped(
            &[(3, 999, 130)],
            1000,
            90,
            TaxMode::Exclusive,
            &[vec![1], vec![2]],
        );
        let first =
            for_shipment(&order, 1, "INV-1".into(), PaymentTerms::Net { days: 30 }).unwrap();
        assert_eq!(first.due_ms, Some(1_000 + 30 * 24 * 60 * 60 * 1000));
        // A third of 9.99 is 3.33; the shipping and its tax are on the first invoice.
        assert_eq!(first.lines[0].net, cents(333));
        assert_eq!(first.shipping, cents(1000));
        assert_eq!(first.tax, cents(43 + 90));
        assert_eq!(first.total, cents(333 + 1000 + 43 + 90));
        let second = for_shipment(&order, 2, "INV-2".into(), PaymentTerms::CashOnDelivery).unwrap();
        assert_eq!(second.due_ms, None);
        assert_eq!(second.lines[0].net, cents(666));
        assert!(for_shipment(&order, 3, "INV-3".into(), PaymentTerms::Prepaid).is_err());
    }

    #[test]
    fn what_is_unbilled_shrinks_as_shipments_are_invoiced_and_an_advance_pays_the_first() {
        // 3 × 10.00, no shipping or tax: 30.00; 12.00 of it paid from the prepaid balance.
        let mut order = shipped(&[(3, 3000, 0)], 0, 0, TaxMode::Inclusive, &[]);
        order.state = OrderState::Confirmed;
        let quote = order.quote.as_mut().unwrap();
        quote.prepaid_used = cents(1200);
        quote.amount_due = cents(1800);
        let net = PaymentTerms::Net { days: 30 };
        assert_eq!(paid_in_advance(&order, net), cents(1200));
        assert_eq!(unbilled(&order, net).unwrap(), cents(1800));
        // Prepaid terms: the balance paid all of it.
        assert_eq!(paid_in_advance(&order, PaymentTerms::Prepaid), cents(3000));
        assert_eq!(unbilled(&order, PaymentTerms::Prepaid).unwrap(), cents(0));
        // One unit shipped (10.00): covered by the advance, nothing more billed yet.
        order.shipments = shipped(&[(3, 3000, 0)], 0, 0, TaxMode::Inclusive, &[vec![1]]).shipments;
        order.state = OrderState::PartiallyShipped;
        assert_eq!(unbilled(&order, net).unwrap(), cents(1800));
        assert_eq!(
            advance_share(cents(1200), cents(0), cents(1000)).unwrap(),
            cents(1000)
        );
        // The second unit: the invoice of 10.00 had 2.00 paid in advance; 8.00 left open,
        // 10.00 not invoiced yet.
        order.shipments = shipped(
            &[(3, 3000, 0)],
            0,
            0,
            TaxMode::Inclusive,
            &[vec![1], vec![1]],
        )
        .shipments;
        assert_eq!(
            advance_share(cents(1200), cents(1000), cents(1000)).unwrap(),
            cents(200)
        );
        assert_eq!(unbilled(&order, net).unwrap(), cents(1000));
        assert_eq!(
            advance_share(cents(1200), cents(2000), cents(1000)).unwrap(),
            cents(0)
        );
        // Cancelled with a unit never shipped: it will not be billed.
        order.state = OrderState::Cancelled;
        assert_eq!(unbilled(&order, net).unwrap(), cents(0));
    }

    /// Lines (quantity, net cents, tax cents) and the units each shipment takes of each.
    type Shipped = (Vec<(u32, i64, i64)>, Vec<Vec<u32>>);

    fn order_and_shipments() -> impl Strategy<Value = Shipped> {
        proptest::collection::vec((1u32..50, 0i64..1_000_000, 0i64..100_000), 1..6).prop_flat_map(
            |lines| {
                let count = lines.len();
                let splits =
                    proptest::collection::vec(proptest::collection::vec(0u32..50, count), 1..5);
                (Just(lines), splits)
            },
        )
    }

    proptest! {
        /// However an order ships, its invoices bill exactly what each shipment took, and
        /// once all has shipped they add up to the quote to the cent.
        #[test]
        fn invoices_add_up_to_the_quote(
            (lines, splits) in order_and_shipments(),
            shipping in 0i64..5_000,
            shipping_tax in 0i64..500,
            exclusive in any::<bool>(),
        ) {
            // Each line ships its whole quantity over the shipments: the split's weights
            // decide how much goes in each, the last takes the rest.
            let mut shipments: Vec<Vec<u32>> = vec![vec![0; lines.len()]; splits.len()];
            for (i, (quantity, ..)) in lines.iter().enumerate() {
                let mut left = *quantity;
                for (n, split) in splits.iter().enumerate() {
                    let take = if n + 1 == splits.len() { left } else { split[i].min(left) };
                    shipments[n][i] = take;
                    left -= take;
                }
            }
            let mode = if exclusive { TaxMode::Exclusive } else { TaxMode::Inclusive };
            let order = shipped(&lines, shipping, shipping_tax, mode, &shipments);
            let invoices: Vec<Invoice> = (1..=shipments.len())
                .map(|n| for_shipment(&order, n, format!("INV-{n}"), PaymentTerms::Net { days: 7 }).unwrap())
                .collect();
            let quote = order.quote.as_ref().unwrap();
            let total = Money::sum(invoices.iter().map(|i| i.total), quote.total.currency()).unwrap();
            prop_assert_eq!(total, quote.total);
            let tax = Money::sum(invoices.iter().map(|i| i.tax), quote.total.currency()).unwrap();
            prop_assert_eq!(tax, quote.tax);
            for (n, invoice) in invoices.iter().enumerate() {
                prop_assert!(!invoice.total.amount().is_sign_negative());
                let units: u32 = invoice.lines.iter().map(|l| l.quantity).sum();
                prop_assert_eq!(units, shipments[n].iter().sum::<u32>());
            }
        }
    }
}
