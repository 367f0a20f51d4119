//! Exact decimal money in one currency, with rounding that is named where it happens.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// The currencies Dinghuo prices in. Arithmetic across currencies is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Currency {
    #[default]
    #[serde(rename = "CNY")]
    Cny,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Cny => "CNY",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Currency::Cny => "¥",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(&'static str, &'static str),
    #[error("amount is out of range")]
    Overflow,
    #[error("not a decimal amount: {0:?}")]
    NotDecimal(String),
    #[error("amount must not be negative: {0}")]
    Negative(Decimal),
}

/// An amount of money. The amount keeps whatever scale arithmetic gave it; call
/// [`Money::round_to_cents`] where the business rule says a figure is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// A decimal string (`12.50`, `-3`): up to 15 digits and 4 decimals.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?\d{1,15}(\.\d{1,4})?$"))]
    amount: Decimal,
    currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    pub fn cny(amount: Decimal) -> Money {
        Money::new(amount, Currency::Cny)
    }

    pub fn zero(currency: Currency) -> Money {
        Money::new(Decimal::ZERO, currency)
    }

    /// Parses a plain decimal string such as `"12.50"` or `"-3"`: up to 15 integer digits
    /// and 4 decimals, no exponent, never through a float.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let not_decimal = || MoneyError::NotDecimal(text.chars().take(40).collect());
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits =
            |part: &str, max: usize| part.len() <= max && part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !digits(whole, 15)
            || !digits(fraction, 4)
            || (unsigned.contains('.') && fraction.is_empty())
        {
            return Err(not_decimal());
        }
        let amount: Decimal = text.parse().map_err(|_| not_decimal())?;
        Ok(Money::new(amount, currency))
    }

    /// Parses a price: a decimal that is not negative.
    pub fn parse_price(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let money = Money::parse(text, currency)?;
        if money.amount.is_sign_negative() && !money.amount.is_zero() {
            return Err(MoneyError::Negative(money.amount));
        }
        Ok(money)
    }

    pub fn amount(self) -> Decimal {
        self.amount
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    pub fn is_zero(self) -> bool {
        self.amount.is_zero()
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    pub fn times(self, quantity: u32) -> Result<Money, MoneyError> {
        let amount = self
            .amount
            .checked_mul(Decimal::from(quantity))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// The house rounding rule: half-even ("banker's") to 0.01, applied per order line.
    pub fn round_to_cents(self) -> Money {
        Money::new(
            self.amount
                .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven),
            self.currency,
        )
    }

    /// Sums amounts of one currency; an empty sum is zero in `currency`.
    pub fn sum(
        amounts: impl IntoIterator<Item = Money>,
        currency: Currency,
    ) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    /// Splits this amount over `weights` in proportion, in cents, the remainder on the
    /// largest weight (the first among equals). The parts always sum to this amount; a zero
    /// weight gets nothing, and all zero weights get nothing at all.
    pub fn split(self, weights: &[Decimal]) -> Result<Vec<Money>, MoneyError> {
        let sum: Decimal = weights.iter().copied().sum();
        if weights.is_empty() || sum.is_zero() {
            return Ok(vec![Money::zero(self.currency); weights.len()]);
        }
        let mut parts: Vec<Money> = weights
            .iter()
            .map(|w| {
                let share = self.amount * *w / sum;
                Money::new(
                    share.round_dp_with_strategy(2, RoundingStrategy::ToZero),
                    self.currency,
                )
            })
            .collect();
        let given = Money::sum(parts.iter().copied(), self.currency)?;
        let remainder = self.checked_sub(given)?;
        let largest = weights
            .iter()
            .enumerate()
            .max_by(|(i, a), (j, b)| a.cmp(b).then(j.cmp(i)))
            .map(|(i, _)| i)
            .unwrap_or(0);
        parts[largest] = parts[largest].checked_add(remainder)?;
        Ok(parts)
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(
                self.currency.code(),
                other.currency.code(),
            ))
        }
    }
}

impl fmt::Display for Money {
    /// Shows two decimals, as on an invoice: `¥12.50`, `-¥3.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cents = self.round_to_cents().amount;
        if cents.is_sign_negative() && !cents.is_zero() {
            // `-¥59.75`, as a statement shows a payment.
            write!(f, "-{}{:.2}", self.currency.symbol(), -cents)
        } else {
            write!(f, "{}{:.2}", self.currency.symbol(), cents.abs())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny(text: &str) -> Money {
        Money::parse(text, Currency::Cny).unwrap()
    }

    #[test]
    fn rounding_is_half_even_to_cents() {
        let check = |input: &str, expect: &str| {
            assert_eq!(
                cny(input).round_to_cents().amount().to_string(),
                expect,
                "{input}"
            );
        };
        check("0.125", "0.12");
        check("0.135", "0.14");
        check("2.345", "2.34");
        check("2.3451", "2.35");
        check("-0.125", "-0.12");
        check("10", "10");
    }

    #[test]
    fn display_always_shows_two_decimals() {
        assert_eq!(cny("12.5").to_string(), "¥12.50");
        assert_eq!(cny("3").to_string(), "¥3.00");
        assert_eq!(cny("-59.75").to_string(), "-¥59.75");
        assert_eq!(cny("-0.001").to_string(), "¥0.00");
    }

    #[test]
    fn parse_refuses_floats_in_disguise_and_negative_prices() {
        assert!(Money::parse("1e3", Currency::Cny).is_err());
        for bad in ["abc", "", "1.", ".5", "1.23456", " 1", "1,00", "NaN", "+1"] {
            assert!(Money::parse(bad, Currency::Cny).is_err(), "{bad:?}");
        }
        assert!(matches!(
            Money::parse_price("-1.00", Currency::Cny),
            Err(MoneyError::Negative(_))
        ));
        assert!(Money::parse_price("0", Currency::Cny).is_ok());
    }

    #[test]
    fn decimal_sums_are_exact() {
        let total = Money::sum((0..10).map(|_| cny("0.10")), Currency::Cny).unwrap();
        assert_eq!(total, cny("1.00"));
    }
}
