//! Whether a customer may order now, as far as money goes: suspension, overdue invoices,
//! credit limit, prepaid balance. The first blocking reason is given, in that order, so a
//! shop owner is told the one thing to fix first.

use serde::{Deserialize, Serialize};

use super::money::{Money, MoneyError};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PaymentTerms {
    /// Paid before the order is confirmed, from the prepaid balance.
    Prepaid,
    CashOnDelivery,
    /// Invoiced, due `days` after the invoice.
    Net {
        days: u32,
    },
}

impl PaymentTerms {
    /// When an invoice issued at `invoiced_ms` falls due (`None`: nothing is invoiced).
    pub fn due_ms(self, invoiced_ms: i64) -> Option<i64> {
        match self {
            PaymentTerms::Net { days } => Some(invoiced_ms + i64::from(days) * DAY_MS),
            PaymentTerms::Prepaid | PaymentTerms::CashOnDelivery => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenInvoice {
    pub number: String,
    /// What is still unpaid.
    pub open: Money,
    /// None while nothing is due yet (cash on delivery before the delivery).
    pub due_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerAccount {
    pub terms: PaymentTerms,
    /// Set when the account is suspended, with the reason shown to the shop.
    pub suspended: Option<String>,
    /// The most the customer may owe (open invoices + confirmed, not yet invoiced orders).
    pub credit_limit: Option<Money>,
    pub open_invoices: Vec<OpenInvoice>,
    /// Confirmed orders not invoiced yet.
    pub unbilled: Money,
    pub prepaid_balance: Money,
    /// Days past due before an invoice blocks new orders.
    pub grace_days: u32,
    /// Paid or credited and not applied to an invoice yet: it lowers what is owed.
    #[serde(default)]
    pub on_account: Option<Money>,
}

/// Why a customer cannot order now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "block", rename_all = "snake_case")]
pub enum OrderBlock {
    #[error("the account is suspended: {reason}")]
    Suspended { reason: String },
    #[error("{invoices} invoice(s) overdue, {amount} in all")]
    Overdue { invoices: usize, amount: Money },
    #[error("this order would bring what is owed to {exposure}, above the credit limit of {limit}")]
    OverCreditLimit { limit: Money, exposure: Money },
    #[error("the prepaid balance of {balance} does not cover {needed}")]
    PrepaidShort { needed: Money, balance: Money },
    #[error("the amounts could not be added up")]
    Arithmetic,
}

impl From<MoneyError> for OrderBlock {
    fn from(_: MoneyError) -> OrderBlock {
        OrderBlock::Arithmetic
    }
}

/// Whether invoices overdue past the grace days block `account`'s orders at `now_ms`,
/// whatever the order (the badge on receivables and on the manager's and shop's pages).
pub fn overdue_blocks(account: &CustomerAccount, now_ms: i64) -> bool {
    let nothing = Money::zero(account.prepaid_balance.currency());
    matches!(
        check_credit(account, nothing, now_ms),
        Err(OrderBlock::Overdue { .. })
    )
}

/// Checks whether `account` may place an order of `order_total` at `now_ms`.
pub fn check_credit(
    account: &CustomerAccount,
    order_total: Money,
    now_ms: i64,
) -> Result<(), OrderBlock> {
    if let Some(reason) = &account.suspended {
        return Err(OrderBlock::Suspended {
            reason: reason.clone(),
        });
    }
    let grace = i64::from(account.grace_days) * DAY_MS;
    let overdue: Vec<&OpenInvoice> = account
        .open_invoices
        .iter()
        .filter(|i| {
            i.open.amount().is_sign_positive()
                && !i.open.is_zero()
                && i.due_ms.is_some_and(|due| now_ms > due + grace)
        })
        .collect();
    if !overdue.is_empty() {
        let amount = Money::sum(overdue.iter().map(|i| i.open), order_total.currency())?;
        return Err(OrderBlock::Overdue {
            invoices: overdue.len(),
            amount,
        });
    }
    match account.terms {
        PaymentTerms::Prepaid => {
            if account.prepaid_balance.amount() < order_total.amount() {
                return Err(OrderBlock::PrepaidShort {
                    needed: order_total,
                    balance: account.prepaid_balance,
                });
            }
        }
        PaymentTerms::CashOnDelivery | PaymentTerms::Net { .. } => {
            if let Some(limit) = account.credit_limit {
                let owed = Money::sum(
                    account.open_invoices.iter().map(|i| i.open),
                    order_total.currency(),
                )?;
                let mut exposure = owed
                    .checked_add(account.unbilled)?
                    .checked_add(order_total)?;
                if let Some(credit) = account.on_account {
                    exposure = exposure.checked_sub(credit)?;
                }
                if exposure.amount() > limit.amount() {
                    return Err(OrderBlock::OverCreditLimit { limit, exposure });
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn cny(text: &str) -> Money {
        Money::parse(text, Currency::Cny).unwrap()
    }

    fn account(terms: PaymentTerms) -> CustomerAccount {
        CustomerAccount {
            terms,
            suspended: None,
            credit_limit: Some(cny("1000")),
            open_invoices: vec![OpenInvoice {
                number: "INV-1".into(),
                open: cny("300"),
                due_ms: Some(10 * DAY_MS),
            }],
            unbilled: cny("200"),
            prepaid_balance: cny("150"),
            grace_days: 3,
            on_account: None,
        }
    }

    fn check(account: &CustomerAccount, total: &str, day: i64, expect: Result<(), OrderBlock>) {
        assert_eq!(
            check_credit(account, cny(total), day * DAY_MS),
            expect,
            "{account:?} {total} day {day}"
        );
    }

    #[test]
    fn credit_rules() {
        let net = account(PaymentTerms::Net { days: 30 });
        check(&net, "500", 5, Ok(()));
        check(
            &net,
            "500.01",
            5,
            Err(OrderBlock::OverCreditLimit {
                limit: cny("1000"),
                exposure: cny("1000.01"),
            }),
        );
        // Overdue only after the grace days.
        check(&net, "10", 13, Ok(()));
        check(
            &net,
            "10",
            14,
            Err(OrderBlock::Overdue {
                invoices: 1,
                amount: cny("300"),
            }),
        );
        let mut paid = net.clone();
        paid.open_invoices[0].open = cny("0");
        check(&paid, "10", 40, Ok(()));
        let mut suspended = net.clone();
        suspended.suspended = Some("closing down".into());
        check(
            &suspended,
            "1",
            1,
            Err(OrderBlock::Suspended {
                reason: "closing down".into(),
            }),
        );
        let prepaid = account(PaymentTerms::Prepaid);
        check(&prepaid, "150", 1, Ok(()));
        check(
            &prepaid,
            "150.01",
            1,
            Err(OrderBlock::PrepaidShort {
                needed: cny("150.01"),
                balance: cny("150"),
            }),
        );
        let mut unlimited = account(PaymentTerms::CashOnDelivery);
        unlimited.credit_limit = None;
        check(&unlimited, "99999", 1, Ok(()));
    }

    #[test]
    fn net_terms_set_the_due_date() {
        assert_eq!(PaymentTerms::Net { days: 30 }.due_ms(0), Some(30 * DAY_MS));
        assert_eq!(PaymentTerms::CashOnDelivery.due_ms(0), None);
    }
}
