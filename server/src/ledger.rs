//! Money as transactions: an invoice raised per shipment by the shop's terms, the due
//! date a delivery sets, a return credited, a payment allocated to invoices, and the
//! shop's account as its devices hold it. Every movement is an entry on the shop's
//! account (`account_entries`), and what the shop owes is its open invoices less what it
//! has on account: figures added up from entries, never typed over. The rules are
//! `domain::invoice`'s and `domain::ledger`'s.

use docs::schema::doc_id::DocId;
use docs::schema::price_doc::{write_account, write_profile};
use domain::checkout::ShopProfile;
use domain::credit::PaymentTerms;
use domain::invoice::{self, Invoice};
use domain::ledger::{
    AccountSummary, EntryKind, InvoiceState, Ledger, LedgerError, Movement, RECENT_ENTRIES,
};
use domain::money::Money;
use domain::order::OrderConfirmation;
use domain::sku::ShopId;

use crate::app_error::AppError;
use crate::fulfilment::Docs;
use crate::store::{Tx, commerce, documents, money};

/// The invoice number of shipment `shipment` (`DH-000042-1` → `INV-000042-1`).
pub fn invoice_number(shipment: &str) -> String {
    format!("INV-{}", shipment.strip_prefix("DH-").unwrap_or(shipment))
}

fn smaller(a: Money, b: Money) -> Money {
    if a.amount() <= b.amount() { a } else { b }
}

/// `-money`, as an entry that takes from a balance carries it.
fn negated(money: Money) -> Result<Money, AppError> {
    Ok(Money::zero(money.currency())
        .checked_sub(money)
        .map_err(anyhow::Error::from)?)
}

/// The ledger of a shop's open invoices and what it has on account: enough to allocate a
/// payment and to age what is open.
pub fn open_ledger(open: &[domain::ledger::InvoiceSummary], on_account: Money) -> Ledger {
    let mut ledger = Ledger::new(on_account.currency());
    ledger.on_account = on_account;
    for invoice in open {
        ledger.invoices.insert(
            invoice.number.clone(),
            InvoiceState {
                number: invoice.number.clone(),
                total: invoice.total,
                open: invoice.open,
                due_ms: invoice.due_ms,
            },
        );
    }
    ledger
}

/// 409 when the shop recorded a payment with this reference already.
fn refuse_duplicate(tx: &mut Tx<'_>, payment: &PaymentIn<'_>) -> Result<(), AppError> {
    if money::payment_exists(tx, payment.shop, payment.reference)? {
        return Err(AppError::client(
            axum::http::StatusCode::CONFLICT,
            "duplicate_payment",
            "a payment with this reference was recorded for the shop already",
        ));
    }
    Ok(())
}

/// Stores `payment` with how it was allocated.
fn store_payment(
    tx: &mut Tx<'_>,
    by: &str,
    payment: &PaymentIn<'_>,
    allocations: &[(String, Money)],
) -> Result<(), AppError> {
    money::insert_payment(
        tx,
        &money::NewPayment {
            shop: payment.shop,
            reference: payment.reference,
            method: payment.method,
            received_ms: payment.received_ms,
            actor: by,
            amount: payment.amount,
            allocations,
            note: payment.note,
        },
    )?;
    Ok(())
}

/// Raises the invoice of `order`'s newest shipment under the shop's terms: its total less
/// what the shop paid in advance for the order (points, prepaid balance), less what the
/// shop had on account, is left open. Records the entries. None when the shipment bills
/// nothing (gifts alone, or an order without a quote).
pub fn invoice_shipment(
    tx: &mut Tx<'_>,
    (shop, terms): (&ShopId, PaymentTerms),
    order: &OrderConfirmation,
    by: &str,
) -> Result<Option<Invoice>, AppError> {
    let index = order.shipments.len();
    // An order kept from before quotes existed has nothing to bill from.
    let (Some(shipment), Some(_)) = (order.shipments.last(), &order.quote) else {
        return Ok(None);
    };
    let number = invoice_number(&shipment.number);
    let bill = invoice::for_shipment(order, index, number, terms)
        .map_err(|e| anyhow::anyhow!("invoicing {}: {e}", shipment.number))?;
    if bill.total.is_zero() {
        return Ok(None);
    }
    let totals = invoice::invoiced(order, terms).map_err(|e| anyhow::anyhow!("{e}"))?;
    let before = Money::sum(
        totals.iter().take(index - 1).copied(),
        bill.total.currency(),
    )
    .map_err(anyhow::Error::from)?;
    let advance = invoice::paid_in_advance(order, terms);
    let paid = invoice::advance_share(advance, before, bill.total).map_err(anyhow::Error::from)?;
    let mut open = bill.total.checked_sub(paid).map_err(anyhow::Error::from)?;
    // What the shop has on account pays the new invoice as far as it goes.
    let credit = money::on_account(tx, shop)?;
    let applied = if credit.amount().is_sign_positive() {
        smaller(credit, open)
    } else {
        Money::zero(credit.currency())
    };
    open = open.checked_sub(applied).map_err(anyhow::Error::from)?;
    money::insert_invoice(tx, shop, order.request_id.as_str(), &bill, open)?;
    if !applied.is_zero() {
        money::add_on_account(tx, shop, negated(applied)?)?;
    }
    let owed = money::receivable(tx, shop)?;
    let owed_before_paid = owed.checked_add(paid).map_err(anyhow::Error::from)?;
    let reason = format!("发货 {} shipped", shipment.number);
    money::add_entry(
        tx,
        shop,
        by,
        EntryKind::Invoice,
        (&bill.number, &reason),
        (bill.total, owed_before_paid),
    )?;
    if !paid.is_zero() {
        money::add_entry(
            tx,
            shop,
            by,
            EntryKind::Payment,
            (&bill.number, "下单时已付 paid when ordered"),
            (negated(paid)?, owed),
        )?;
    }
    Ok(Some(bill))
}

/// A cash-on-delivery invoice falls due when its shipment arrives. True if one did.
pub fn due_on_delivery(
    tx: &mut Tx<'_>,
    order: &OrderConfirmation,
    index: usize,
) -> Result<bool, AppError> {
    let Some(shipment) = index.checked_sub(1).and_then(|at| order.shipments.get(at)) else {
        return Ok(false);
    };
    let Some(delivered) = shipment.delivered_ms else {
        return Ok(false);
    };
    Ok(money::set_due(tx, &shipment.number, delivered)?)
}

/// Credits `value` of a settled return (`document`) to the shop: against the order's
/// open invoices, newest first, the rest on account. Records the entry.
pub fn credit_return(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    request_id: &str,
    (value, document): (Money, &str),
    by: &str,
) -> Result<(), AppError> {
    commerce::unbilled(tx, shop)?;
    let mut left = value;
    let mut invoices = money::invoices_of_order(tx, request_id)?;
    invoices.reverse();
    for invoice in invoices {
        if left.is_zero() {
            break;
        }
        let part = smaller(invoice.open, left);
        if part.is_zero() {
            continue;
        }
        money::settle(tx, &invoice.number, part)?;
        left = left.checked_sub(part).map_err(anyhow::Error::from)?;
    }
    if !left.is_zero() {
        money::add_on_account(tx, shop, left)?;
    }
    let owed = money::receivable(tx, shop)?;
    money::add_entry(
        tx,
        shop,
        by,
        EntryKind::Credit,
        (document, &format!("退货 {document} return")),
        (negated(value)?, owed),
    )?;
    Ok(())
}

/// A payment to record.
pub struct PaymentIn<'a> {
    pub shop: &'a ShopId,
    pub amount: Money,
    pub reference: &'a str,
    pub method: &'a str,
    pub received_ms: i64,
    /// The invoices it pays, first (then the oldest due).
    pub invoices: &'a [String],
    pub note: &'a str,
}

/// What a recorded payment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentDone {
    pub allocations: Vec<(String, Money)>,
    pub on_account: Money,
    pub receivable: Money,
}

fn refused(error: LedgerError) -> AppError {
    let code = match &error {
        LedgerError::UnknownInvoice { .. } => "unknown_invoice",
        LedgerError::NotPositive => "not_positive",
        _ => "payment_refused",
    };
    AppError::detailed(
        axum::http::StatusCode::CONFLICT,
        code,
        error.to_string(),
        &error,
    )
}

/// Records a payment received from a shop and allocates it: to the invoices named, then
/// to the oldest due, each as far as it is open; what is left stays on account. Refused
/// (and nothing changes) for a reference the shop used already, an invoice that is not
/// the shop's or not open, or an amount not above zero.
pub fn record_payment(
    tx: &mut Tx<'_>,
    by: &str,
    payment: &PaymentIn<'_>,
) -> Result<PaymentDone, AppError> {
    refuse_duplicate(tx, payment)?;
    // The shop's profile row first, then its balances and invoices: the order every
    // transaction takes them in (the intake, an order's step), so none waits in a circle.
    commerce::stored_profile(tx, payment.shop)?;
    commerce::unbilled(tx, payment.shop)?;
    let open = money::open_invoices(tx, payment.shop)?;
    let on_account = money::on_account(tx, payment.shop)?;
    let mut ledger = open_ledger(&open, on_account);
    let allocations = ledger
        .allocate(payment.amount, payment.invoices)
        .map_err(refused)?;
    ledger
        .apply(&Movement::Payment {
            reference: payment.reference.to_owned(),
            amount: payment.amount,
            allocations: allocations.clone(),
        })
        .map_err(refused)?;
    for (number, part) in &allocations {
        if !money::settle(tx, number, *part)? {
            return Err(anyhow::anyhow!("invoice {number} changed while it was being paid").into());
        }
    }
    let added = ledger
        .on_account
        .checked_sub(on_account)
        .map_err(anyhow::Error::from)?;
    if !added.is_zero() {
        money::add_on_account(tx, payment.shop, added)?;
    }
    store_payment(tx, by, payment, &allocations)?;
    let receivable = money::receivable(tx, payment.shop)?;
    let paid: Vec<&str> = allocations.iter().map(|(n, _)| n.as_str()).collect();
    let what = if payment.method == crate::referrals::METHOD {
        "分销佣金 commission"
    } else {
        "收款 payment"
    };
    let mut reason = if paid.is_empty() {
        what.to_owned()
    } else {
        format!("{what} → {}", paid.join(", "))
    };
    if !payment.note.is_empty() {
        reason = format!("{reason} · {}", payment.note);
    }
    money::add_entry(
        tx,
        payment.shop,
        by,
        EntryKind::Payment,
        (payment.reference, &reason),
        (negated(payment.amount)?, receivable),
    )?;
    Ok(PaymentDone {
        allocations,
        on_account: ledger.on_account,
        receivable,
    })
}

/// Records money a shop paid into its prepaid balance (a top-up): the payment, the
/// balance, the entry. Refused for a reference the shop used already, or a shop without
/// an account.
pub fn top_up(tx: &mut Tx<'_>, by: &str, payment: &PaymentIn<'_>) -> Result<PaymentDone, AppError> {
    refuse_duplicate(tx, payment)?;
    let mut profile = commerce::stored_profile(tx, payment.shop)?;
    let Some(account) = profile.account.as_mut() else {
        return Err(AppError::client(
            axum::http::StatusCode::CONFLICT,
            "no_account",
            "the shop has no account to hold a prepaid balance",
        ));
    };
    account.prepaid_balance = account
        .prepaid_balance
        .checked_add(payment.amount)
        .map_err(anyhow::Error::from)?;
    let balance = account.prepaid_balance;
    commerce::set_profile(tx, payment.shop, &profile)?;
    store_payment(tx, by, payment, &[])?;
    let what = if payment.method == crate::referrals::METHOD {
        "分销佣金 commission → 预付款 prepaid"
    } else {
        "预付款充值 top-up"
    };
    let reason = if payment.note.is_empty() {
        what.to_owned()
    } else {
        format!("{what} · {}", payment.note)
    };
    money::add_entry(
        tx,
        payment.shop,
        by,
        EntryKind::Prepaid,
        (payment.reference, &reason),
        (payment.amount, balance),
    )?;
    commerce::unbilled(tx, payment.shop)?;
    Ok(PaymentDone {
        allocations: Vec::new(),
        on_account: money::on_account(tx, payment.shop)?,
        receivable: money::receivable(tx, payment.shop)?,
    })
}

/// The shop's account as its devices hold it, as of now.
pub fn account_summary(tx: &mut Tx<'_>, shop: &ShopId) -> Result<AccountSummary, AppError> {
    commerce::unbilled(tx, shop)?;
    Ok(AccountSummary {
        as_of_ms: tx.now_ms,
        receivable: money::receivable(tx, shop)?,
        on_account: money::on_account(tx, shop)?,
        open_invoices: money::open_invoices(tx, shop)?,
        recent: money::recent_entries(tx, shop, RECENT_ENTRIES)?,
        reminders: money::reminders_of(tx, shop)?,
    })
}

/// Writes the shop's profile (as orders are checked: open invoices, what is owed) and its
/// account into its prices document.
pub fn publish_account(
    tx: &mut Tx<'_>,
    docs: Docs<'_>,
    shop: &ShopId,
) -> Result<ShopProfile, AppError> {
    let profile = commerce::ordering_profile(tx, shop)?;
    let account = account_summary(tx, shop)?;
    documents::edit(
        tx,
        docs.cache,
        &DocId::ShopPrices(shop.clone()),
        docs.actor,
        |doc| {
            write_profile(doc, &profile)?;
            write_account(doc, &account)
        },
    )?;
    Ok(profile)
}
