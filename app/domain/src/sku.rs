//! Identifiers with rules: stock-keeping units, shops, customer tiers and categories.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} must be 1 to {max} characters of {allowed}, got {value:?}")]
pub struct IdError {
    kind: &'static str,
    max: usize,
    allowed: &'static str,
    value: String,
}

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $max:literal, $allowed:literal, $pattern:literal, $ok:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        /// A string of 1 to `$max` of the allowed characters, as the API's document says.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .min_length(Some(1))
                    .max_length(Some($max))
                    .pattern(Some($pattern))
                    .description(Some(concat!($kind, ": 1 to ", $max, " characters of ", $allowed)))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl $name {
            pub fn parse(value: &str) -> Result<$name, IdError> {
                let ok: fn(char) -> bool = $ok;
                if value.is_empty() || value.len() > $max || !value.chars().all(ok) {
                    return Err(IdError {
                        kind: $kind,
                        max: $max,
                        allowed: $allowed,
                        value: value.chars().take(64).collect(),
                    });
                }
                Ok($name(value.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<$name, IdError> {
                $name::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

identifier!(
    /// A stock-keeping unit code such as `BEV-0012`.
    Sku, "a SKU", 32, "A-Z, 0-9 and -", "^[A-Z0-9-]+$", |c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'
);
identifier!(
    /// A shop (customer) identifier such as `shop-lotus`.
    ShopId, "a shop id", 40, "a-z, 0-9 and -", "^[a-z0-9-]+$", |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
);
identifier!(
    /// A customer level (tier) such as `gold`.
    TierId, "a tier id", 40, "a-z, 0-9 and -", "^[a-z0-9-]+$", |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
);
identifier!(
    /// A warehouse such as `wh-east`.
    WarehouseId, "a warehouse id", 40, "a-z, 0-9 and -", "^[a-z0-9-]+$", |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
);
identifier!(
    /// A product category such as `beverages`.
    CategoryId, "a category id", 40, "a-z, 0-9 and -", "^[a-z0-9-]+$", |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sku_accepts_codes_and_refuses_everything_else() {
        assert!(Sku::parse("BEV-0012").is_ok());
        for bad in ["", "bev-1", "BEV 1", "BEV/1", &"A".repeat(33)] {
            assert!(Sku::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn serde_goes_through_the_constructor() {
        assert!(serde_json::from_str::<ShopId>("\"Shop A\"").is_err());
        let id: ShopId = serde_json::from_str("\"shop-a\"").unwrap();
        assert_eq!(id.as_str(), "shop-a");
    }
}
