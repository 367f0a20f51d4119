//! A definition an admin wrote (a product, a promotion) that cannot be used as it is, and
//! the field at fault, so a form can point at it.

/// `field` (such as `pack_size` or `kind.percent`) broke `rule` (such as `out_of_range`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct FieldProblem {
    pub field: &'static str,
    /// `required`, `too_long`, `malformed`, `out_of_range`, `below_minimum`, `negative`,
    /// `not_ascending`, `above_list_price`, `ends_before_start`, `wrong_currency`.
    pub rule: &'static str,
}

/// `Err` naming `field` and `rule`.
pub fn problem<T>(field: &'static str, rule: &'static str) -> Result<T, FieldProblem> {
    Err(FieldProblem { field, rule })
}
