//! A shop's money as one ledger: every movement (an invoice raised, a payment received, a
//! credit note from a return, a prepaid top-up, spend or refund) is an entry, and every
//! balance is a sum of entries, never a figure overwritten. Payments are allocated to open
//! invoices (the ones named first, then the oldest due); what is left is credit on the
//! account. Open invoices age in buckets after their due date.
//!
//! Two balances per shop: what it owes (`receivable`: invoices less payments and credit
//! notes; negative when it is in credit) and what it holds in advance (`prepaid`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::money::{Currency, Money, MoneyError};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// One movement of a shop's money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Movement {
    /// An invoice raised: the shop owes its total, due at `due_ms` (none: not yet due,
    /// such as cash on delivery before the delivery).
    Invoice {
        number: String,
        total: Money,
        #[serde(default)]
        due_ms: Option<i64>,
    },
    /// A payment received, allocated to invoices by number; what is not allocated is
    /// credit on the account.
    Payment {
        reference: String,
        amount: Money,
        #[serde(default)]
        allocations: Vec<(String, Money)>,
    },
    /// The shop owes less (a return credited), against the invoice named if any.
    CreditNote {
        number: String,
        amount: Money,
        #[serde(default)]
        invoice: Option<String>,
    },
    /// Money paid into the shop's prepaid balance.
    TopUp { reference: String, amount: Money },
    /// An order paid from the prepaid balance.
    PrepaidSpend { order: String, amount: Money },
    /// Money given back into the prepaid balance (a cancelled order, a return refunded).
    PrepaidRefund { reference: String, amount: Money },
}

/// What a movement does to the two balances: (receivable, prepaid).
impl Movement {
    pub fn effect(&self) -> Result<(Money, Money), MoneyError> {
        let zero = Money::zero(self.currency());
        let negative = |m: Money| zero.checked_sub(m);
        Ok(match self {
            Movement::Invoice { total, .. } => (*total, zero),
            Movement::Payment { amount, .. } => (negative(*amount)?, zero),
            Movement::CreditNote { amount, .. } => (negative(*amount)?, zero),
            Movement::TopUp { amount, .. } | Movement::PrepaidRefund { amount, .. } => {
                (zero, *amount)
            }
            Movement::PrepaidSpend { amount, .. } => (zero, negative(*amount)?),
        })
    }

    fn currency(&self) -> Currency {
        match self {
            Movement::Invoice { total: amount, .. }
            | Movement::Payment { amount, .. }
            | Movement::CreditNote { amount, .. }
            | Movement::TopUp { amount, .. }
            | Movement::PrepaidSpend { amount, .. }
            | Movement::PrepaidRefund { amount, .. } => amount.currency(),
        }
    }
}

/// Why a movement is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum LedgerError {
    #[error("an amount must be above zero")]
    NotPositive,
    #[error("no open invoice {number}")]
    UnknownInvoice { number: String },
    #[error("{number} has {open} open, {allocated} allocated")]
    OverAllocated {
        number: String,
        open: Money,
        allocated: Money,
    },
    #[error("the allocations add up to more than the payment")]
    AllocationsExceedPayment,
    #[error("the prepaid balance of {balance} does not cover {needed}")]
    PrepaidShort { balance: Money, needed: Money },
    #[error("invoice {number} exists already")]
    DuplicateInvoice { number: String },
    #[error("the amounts could not be added up")]
    Arithmetic,
}

impl From<MoneyError> for LedgerError {
    fn from(_: MoneyError) -> LedgerError {
        LedgerError::Arithmetic
    }
}

/// An invoice as it stands: its total, what is still open, when it falls due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceState {
    pub number: String,
    pub total: Money,
    pub open: Money,
    pub due_ms: Option<i64>,
}

/// A shop's ledger folded: both balances, the invoices and the credit not yet applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ledger {
    /// What the shop owes (negative: in credit).
    pub receivable: Money,
    pub prepaid: Money,
    /// Every invoice by number, with what is still open.
    pub invoices: BTreeMap<String, InvoiceState>,
    /// Paid or credited but not applied to an invoice.
    pub on_account: Money,
}

impl Ledger {
    pub fn new(currency: Currency) -> Ledger {
        Ledger {
            receivable: Money::zero(currency),
            prepaid: Money::zero(currency),
            invoices: BTreeMap::new(),
            on_account: Money::zero(currency),
        }
    }

    /// The ledger after `movements`, in order.
    pub fn of<'a>(
        currency: Currency,
        movements: impl IntoIterator<Item = &'a Movement>,
    ) -> Result<Ledger, LedgerError> {
        let mut ledger = Ledger::new(currency);
        for movement in movements {
            ledger.apply(movement)?;
        }
        Ok(ledger)
    }

    /// Checks `movement` against the ledger and books it. A refused movement changes
    /// nothing.
    pub fn apply(&mut self, movement: &Movement) -> Result<(), LedgerError> {
        let mut next = self.clone();
        next.book(movement)?;
        *self = next;
        Ok(())
    }

    fn book(&mut self, movement: &Movement) -> Result<(), LedgerError> {
        let positive = |m: &Money| {
            if m.amount().is_sign_positive() && !m.is_zero() {
                Ok(())
            } else {
                Err(LedgerError::NotPositive)
            }
        };
        match movement {
            Movement::Invoice {
                number,
                total,
                due_ms,
            } => {
                positive(total)?;
                if self.invoices.contains_key(number) {
                    return Err(LedgerError::DuplicateInvoice {
                        number: number.clone(),
                    });
                }
                self.invoices.insert(
                    number.clone(),
                    InvoiceState {
                        number: number.clone(),
                        total: *total,
                        open: *total,
                        due_ms: *due_ms,
                    },
                );
            }
            Movement::Payment {
                amount,
                allocations,
                ..
            } => {
                positive(amount)?;
                let allocated = Money::sum(allocations.iter().map(|(_, m)| *m), amount.currency())?;
                if allocated.amount() > amount.amount() {
                    return Err(LedgerError::AllocationsExceedPayment);
                }
                for (number, part) in allocations {
                    positive(part)?;
                    self.settle(number, *part)?;
                }
                self.on_account = self
                    .on_account
                    .checked_add(amount.checked_sub(allocated)?)?;
            }
            Movement::CreditNote {
                amount, invoice, ..
            } => {
                positive(amount)?;
                match invoice {
                    Some(number) => {
                        let open = self.invoices.get(number).map(|i| i.open).ok_or_else(|| {
                            LedgerError::UnknownInvoice {
                                number: number.clone(),
                            }
                        })?;
                        // Against the invoice as far as it is open; the rest on account.
                        let applied = if open.amount() < amount.amount() {
                            open
                        } else {
                            *amount
                        };
                        if !applied.is_zero() {
                            self.settle(number, applied)?;
                        }
                        self.on_account =
                            self.on_account.checked_add(amount.checked_sub(applied)?)?;
                    }
                    None => self.on_account = self.on_account.checked_add(*amount)?,
                }
            }
            Movement::TopUp { amount, .. } | Movement::PrepaidRefund { amount, .. } => {
                positive(amount)?;
            }
            Movement::PrepaidSpend { amount, .. } => {
                positive(amount)?;
                if self.prepaid.amount() < amount.amount() {
                    return Err(LedgerError::PrepaidShort {
                        balance: self.prepaid,
                        needed: *amount,
                    });
                }
            }
        }
        let (receivable, prepaid) = movement.effect()?;
        self.receivable = self.receivable.checked_add(receivable)?;
        self.prepaid = self.prepaid.checked_add(prepaid)?;
        Ok(())
    }

    fn settle(&mut self, number: &str, part: Money) -> Result<(), LedgerError> {
        let invoice = self
            .invoices
            .get_mut(number)
            .ok_or_else(|| LedgerError::UnknownInvoice {
                number: number.to_owned(),
            })?;
        if part.amount() > invoice.open.amount() {
            return Err(LedgerError::OverAllocated {
                number: number.to_owned(),
                open: invoice.open,
                allocated: part,
            });
        }
        invoice.open = invoice.open.checked_sub(part)?;
        Ok(())
    }

    /// The invoices with something still open, oldest due first (not yet due last).
    pub fn open_invoices(&self) -> Vec<&InvoiceState> {
        let mut open: Vec<&InvoiceState> = self
            .invoices
            .values()
            .filter(|i| !i.open.is_zero())
            .collect();
        open.sort_by_key(|i| (i.due_ms.is_none(), i.due_ms, i.number.clone()));
        open
    }

    /// How a payment of `amount` is allocated: to the invoices `named` first (in that
    /// order), then to the oldest due, each up to what is open; the rest stays on account.
    pub fn allocate(
        &self,
        amount: Money,
        named: &[String],
    ) -> Result<Vec<(String, Money)>, LedgerError> {
        for number in named {
            if !self.invoices.contains_key(number) {
                return Err(LedgerError::UnknownInvoice {
                    number: number.clone(),
                });
            }
        }
        let mut left = amount;
        let mut parts = Vec::new();
        let named_first = named.iter().filter_map(|n| self.invoices.get(n)).chain(
            self.open_invoices()
                .into_iter()
                .filter(|i| !named.contains(&i.number)),
        );
        for invoice in named_first {
            if left.is_zero() {
                break;
            }
            if invoice.open.is_zero() || parts.iter().any(|(n, _)| n == &invoice.number) {
                continue;
            }
            let part = if invoice.open.amount() < left.amount() {
                invoice.open
            } else {
                left
            };
            parts.push((invoice.number.clone(), part));
            left = left.checked_sub(part)?;
        }
        Ok(parts)
    }

    /// What is open, by how long past due at `now_ms`.
    pub fn aging(&self, now_ms: i64) -> Result<Aging, LedgerError> {
        let currency = self.receivable.currency();
        let mut aging = Aging::zero(currency);
        for invoice in self.open_invoices() {
            let days = invoice
                .due_ms
                .map(|due| (now_ms - due).div_euclid(DAY_MS))
                .unwrap_or(i64::MIN);
            let bucket = match days {
                i64::MIN..=0 => &mut aging.current,
                1..=30 => &mut aging.days_1_30,
                31..=60 => &mut aging.days_31_60,
                61..=90 => &mut aging.days_61_90,
                _ => &mut aging.over_90,
            };
            *bucket = bucket.checked_add(invoice.open)?;
        }
        Ok(aging)
    }
}

/// Open amounts by days past due: not yet due (or due today), 1–30, 31–60, 61–90, 90+.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Aging {
    pub current: Money,
    pub days_1_30: Money,
    pub days_31_60: Money,
    pub days_61_90: Money,
    pub over_90: Money,
}

impl Aging {
    pub fn zero(currency: Currency) -> Aging {
        let zero = Money::zero(currency);
        Aging {
            current: zero,
            days_1_30: zero,
            days_31_60: zero,
            days_61_90: zero,
            over_90: zero,
        }
    }

    pub fn total(&self) -> Result<Money, MoneyError> {
        Money::sum(
            [
                self.current,
                self.days_1_30,
                self.days_31_60,
                self.days_61_90,
                self.over_90,
            ],
            self.current.currency(),
        )
    }
}

/// What an entry on a shop's account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// An invoice raised (the shop owes more).
    Invoice,
    /// A payment received (the shop owes less).
    Payment,
    /// A credit note, from a return (the shop owes less).
    Credit,
    /// The prepaid balance moved (a top-up, a spend, a refund).
    Prepaid,
    /// Points moved (an adjustment).
    Points,
}

impl EntryKind {
    pub fn parse(text: &str) -> Option<EntryKind> {
        Some(match text {
            "invoice" => EntryKind::Invoice,
            "payment" => EntryKind::Payment,
            "credit" => EntryKind::Credit,
            "prepaid" => EntryKind::Prepaid,
            "points" => EntryKind::Points,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Invoice => "invoice",
            EntryKind::Payment => "payment",
            EntryKind::Credit => "credit",
            EntryKind::Prepaid => "prepaid",
            EntryKind::Points => "points",
        }
    }

    /// Whether it moves what the shop owes (rather than its prepaid balance or points).
    pub fn is_receivable(self) -> bool {
        matches!(
            self,
            EntryKind::Invoice | EntryKind::Payment | EntryKind::Credit
        )
    }
}

/// One line of a statement: an entry on the shop's account as the shop reads it. The
/// amount is signed as it moves its balance: an invoice adds to what is owed, a payment
/// or credit takes from it; a prepaid entry adds to or takes from the prepaid balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatementEntry {
    /// Its place among all entries (newer ones have larger ids).
    #[serde(default)]
    pub id: i64,
    pub at_ms: i64,
    pub kind: EntryKind,
    /// The invoice, payment reference or order it is about.
    pub document: String,
    pub amount: Money,
    /// The balance it moved, after it (what is owed, or the prepaid balance).
    pub balance: Money,
    pub reason: String,
}

/// An invoice as a statement lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceSummary {
    pub number: String,
    pub order: String,
    pub shipment: String,
    pub issued_ms: i64,
    /// None while nothing is due yet (cash on delivery before the delivery).
    pub due_ms: Option<i64>,
    pub total: Money,
    pub open: Money,
}

impl InvoiceSummary {
    /// Whole days past due at `now_ms` (0 or less: not overdue).
    pub fn days_overdue(&self, now_ms: i64) -> i64 {
        self.due_ms
            .map_or(0, |due| (now_ms - due).div_euclid(DAY_MS))
            .max(0)
    }
}

/// A reminder (dunning notice) sent for an overdue invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reminder {
    pub invoice: String,
    /// 1, 2, 3: the levels after the due date.
    pub level: u32,
    pub days_overdue: u32,
    pub open: Money,
    pub sent_ms: i64,
}

/// The days past due at which an overdue invoice's reminders are sent, by level.
pub const REMINDER_DAYS: [u32; 3] = [3, 15, 30];

/// The reminder levels an invoice due at `due_ms` has reached at `now_ms` (1-based).
pub fn reminder_levels(due_ms: i64, now_ms: i64) -> Vec<(u32, u32)> {
    let days = (now_ms - due_ms).div_euclid(DAY_MS);
    REMINDER_DAYS
        .iter()
        .enumerate()
        .filter(|(_, after)| days >= i64::from(**after))
        .map(|(at, after)| (u32::try_from(at + 1).unwrap_or(u32::MAX), *after))
        .collect()
}

/// A shop's account as its devices hold it (in its prices document): what it owes, the
/// open invoices, the recent entries and the reminders, as of `as_of_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountSummary {
    pub as_of_ms: i64,
    /// What the shop owes: open invoices less what is on account.
    pub receivable: Money,
    pub on_account: Money,
    pub open_invoices: Vec<InvoiceSummary>,
    /// The newest entries, newest first.
    pub recent: Vec<StatementEntry>,
    pub reminders: Vec<Reminder>,
}

/// The most recent entries a device holds; older ones are read from the server.
pub const RECENT_ENTRIES: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn cny(text: &str) -> Money {
        Money::cny(text.parse().unwrap())
    }

    fn invoice(number: &str, total: &str, due_day: i64) -> Movement {
        Movement::Invoice {
            number: number.into(),
            total: cny(total),
            due_ms: Some(due_day * DAY_MS),
        }
    }

    #[test]
    fn reminders_come_at_3_15_and_30_days_past_due() {
        let due = 100 * DAY_MS;
        assert_eq!(reminder_levels(due, due + 2 * DAY_MS + DAY_MS - 1), vec![]);
        assert_eq!(reminder_levels(due, due + 3 * DAY_MS), vec![(1, 3)]);
        assert_eq!(
            reminder_levels(due, due + 29 * DAY_MS),
            vec![(1, 3), (2, 15)]
        );
        assert_eq!(
            reminder_levels(due, due + 400 * DAY_MS),
            vec![(1, 3), (2, 15), (3, 30)]
        );
        let invoice = InvoiceSummary {
            number: "INV-1".into(),
            order: "DH-1".into(),
            shipment: "DH-1-1".into(),
            issued_ms: 0,
            due_ms: Some(due),
            total: Money::cny(rust_decimal::Decimal::ONE),
            open: Money::cny(rust_decimal::Decimal::ONE),
        };
        assert_eq!(invoice.days_overdue(due - DAY_MS), 0);
        assert_eq!(invoice.days_overdue(due + 16 * DAY_MS + 5), 16);
    }

    #[test]
    fn a_payment_goes_to_the_named_invoice_then_the_oldest_and_the_rest_is_credit() {
        let mut ledger = Ledger::of(
            Currency::Cny,
            &[
                invoice("INV-1", "100.00", 10),
                invoice("INV-2", "50.00", 5),
                invoice("INV-3", "30.00", 20),
            ],
        )
        .unwrap();
        let parts = ledger.allocate(cny("170.00"), &["INV-3".into()]).unwrap();
        assert_eq!(
            parts,
            vec![
                ("INV-3".into(), cny("30.00")),
                ("INV-2".into(), cny("50.00")),
                ("INV-1".into(), cny("90.00")),
            ]
        );
        ledger
            .apply(&Movement::Payment {
                reference: "bank 1".into(),
                amount: cny("200.00"),
                allocations: parts,
            })
            .unwrap();
        assert_eq!(ledger.receivable, cny("-20.00"));
        assert_eq!(ledger.on_account, cny("30.00"));
        assert_eq!(ledger.invoices["INV-1"].open, cny("10.00"));
        // Over-allocating, or naming an unknown invoice, changes nothing.
        let before = ledger.clone();
        let over = Movement::Payment {
            reference: "bank 2".into(),
            amount: cny("20.00"),
            allocations: vec![("INV-1".into(), cny("20.00"))],
        };
        assert!(matches!(
            ledger.apply(&over),
            Err(LedgerError::OverAllocated { .. })
        ));
        assert!(ledger.allocate(cny("1.00"), &["INV-9".into()]).is_err());
        assert_eq!(ledger, before);
    }

    #[test]
    fn open_invoices_age_in_buckets_after_their_due_date() {
        let ledger = Ledger::of(
            Currency::Cny,
            &[
                invoice("A", "1.00", 100),
                invoice("B", "2.00", 90),
                invoice("C", "4.00", 50),
                invoice("D", "8.00", 20),
                invoice("E", "16.00", 1),
                Movement::Invoice {
                    number: "F".into(),
                    total: cny("32.00"),
                    due_ms: None,
                },
            ],
        )
        .unwrap();
        let aging = ledger.aging(100 * DAY_MS + 1).unwrap();
        assert_eq!(aging.current, cny("33.00"));
        assert_eq!(aging.days_1_30, cny("2.00"));
        assert_eq!(aging.days_31_60, cny("4.00"));
        assert_eq!(aging.days_61_90, cny("8.00"));
        assert_eq!(aging.over_90, cny("16.00"));
        assert_eq!(aging.total().unwrap(), ledger.receivable);
    }

    #[test]
    fn the_prepaid_balance_never_goes_below_zero() {
        let mut ledger = Ledger::of(
            Currency::Cny,
            &[Movement::TopUp {
                reference: "充值".into(),
                amount: cny("100.00"),
            }],
        )
        .unwrap();
        let spend = |amount: &str| Movement::PrepaidSpend {
            order: "DH-1".into(),
            amount: cny(amount),
        };
        assert!(ledger.apply(&spend("100.01")).is_err());
        ledger.apply(&spend("60.00")).unwrap();
        assert_eq!(ledger.prepaid, cny("40.00"));
    }

    fn cents() -> impl Strategy<Value = Money> {
        (1u32..100_000).prop_map(|c| Money::cny(Decimal::new(i64::from(c), 2)))
    }

    #[derive(Debug, Clone)]
    enum Step {
        Invoice(Money, Option<i64>),
        Pay(Money, Vec<usize>),
        Credit(Money, Option<usize>),
        TopUp(Money),
        Spend(Money),
        Refund(Money),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (cents(), proptest::option::of(0i64..400))
                .prop_map(|(m, d)| Step::Invoice(m, d.map(|d| d * DAY_MS))),
            (cents(), proptest::collection::vec(0usize..20, 0..3))
                .prop_map(|(m, n)| Step::Pay(m, n)),
            (cents(), proptest::option::of(0usize..20)).prop_map(|(m, n)| Step::Credit(m, n)),
            cents().prop_map(Step::TopUp),
            cents().prop_map(Step::Spend),
            cents().prop_map(Step::Refund),
        ]
    }

    proptest! {
        /// Whatever happens: the balances are the sums of the entries booked, what is owed
        /// is what is open less what is on account, the aging adds up to what is open, and
        /// no cent is lost or made in allocation.
        #[test]
        fn balances_are_sums_of_entries(steps in proptest::collection::vec(step(), 1..60)) {
            let mut ledger = Ledger::new(Currency::Cny);
            let mut booked: Vec<Movement> = Vec::new();
            let mut numbers: Vec<String> = Vec::new();
            for (at, step) in steps.into_iter().enumerate() {
                let movement = match step {
                    Step::Invoice(total, due_ms) => {
                        numbers.push(format!("INV-{at}"));
                        Movement::Invoice { number: format!("INV-{at}"), total, due_ms }
                    }
                    Step::Pay(amount, named) => {
                        let named: Vec<String> = named.iter().filter_map(|i| numbers.get(*i).cloned()).collect();
                        let allocations = ledger.allocate(amount, &named).unwrap();
                        let allocated = Money::sum(allocations.iter().map(|(_, m)| *m), Currency::Cny).unwrap();
                        prop_assert!(allocated.amount() <= amount.amount());
                        Movement::Payment { reference: format!("P{at}"), amount, allocations }
                    }
                    Step::Credit(amount, invoice) => Movement::CreditNote {
                        number: format!("CN-{at}"),
                        amount,
                        invoice: invoice.and_then(|i| numbers.get(i).cloned()),
                    },
                    Step::TopUp(amount) => Movement::TopUp { reference: format!("T{at}"), amount },
                    Step::Spend(amount) => Movement::PrepaidSpend { order: format!("DH-{at}"), amount },
                    Step::Refund(amount) => Movement::PrepaidRefund { reference: format!("R{at}"), amount },
                };
                let before = ledger.clone();
                match ledger.apply(&movement) {
                    Ok(()) => booked.push(movement),
                    Err(_) => prop_assert_eq!(&ledger, &before),
                }
                let (mut receivable, mut prepaid) = (Money::zero(Currency::Cny), Money::zero(Currency::Cny));
                for entry in &booked {
                    let (r, p) = entry.effect().unwrap();
                    receivable = receivable.checked_add(r).unwrap();
                    prepaid = prepaid.checked_add(p).unwrap();
                }
                prop_assert_eq!(ledger.receivable, receivable);
                prop_assert_eq!(ledger.prepaid, prepaid);
                prop_assert!(!ledger.prepaid.amount().is_sign_negative());
                let open = Money::sum(ledger.invoices.values().map(|i| i.open), Currency::Cny).unwrap();
                prop_assert_eq!(open.checked_sub(ledger.on_account).unwrap(), ledger.receivable);
                prop_assert_eq!(ledger.aging(200 * DAY_MS).unwrap().total().unwrap(), open);
                prop_assert_eq!(Ledger::of(Currency::Cny, &booked).unwrap(), ledger.clone());
            }
        }
    }
}
