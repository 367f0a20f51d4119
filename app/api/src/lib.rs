//! The JSON bodies of the back office's API, shared by the server (which reads requests
//! and writes answers) and the office bundle (which does the reverse), so the two cannot
//! drift. Every error body is [`ErrorBody`].

pub mod backups;
pub mod erp;
pub mod finance;
pub mod forecasts;
pub mod keys;
pub mod orders;
pub mod webhooks;
pub use finance::*;
pub use forecasts::*;
pub use orders::*;

/// Schemas the OpenAPI document gives fields that Rust keeps as plain strings: the
/// document names the values or the form the server accepts, from the same constants
/// the server checks against, so a client is told (and the fuzzer generates) only what
/// would be taken.
#[cfg(feature = "openapi")]
pub mod schemas {
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    use utoipa::openapi::{RefOr, schema::SchemaFormat};

    fn one_of(values: &[&str], description: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied()))
            .description(Some(description))
            .into()
    }

    fn matching(pattern: &str, description: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
            .description(Some(description))
            .into()
    }

    macro_rules! documented {
        ($name:ident, $schema:expr) => {
            pub struct $name;
            impl utoipa::PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    $schema
                }
            }
            impl utoipa::ToSchema for $name {}
        };
    }

    documented!(
        ScopeName,
        one_of(&crate::keys::SCOPES, "What an API key may do")
    );
    documented!(
        EventName,
        one_of(
            &crate::webhooks::EVENTS,
            "An event a webhook endpoint subscribes to"
        )
    );
    documented!(StaffEvent, {
        let names: Vec<&str> = domain::order_state::OrderEvent::ALL
            .into_iter()
            .filter(|e| crate::orders::staff_may_record(*e))
            .map(domain::order_state::OrderEvent::name)
            .collect();
        one_of(
            &names,
            "A move staff (or a key) records; intake decides the rest",
        )
    });
    /// `a,b`: one or more of `names`, comma-separated, or empty (no filter).
    fn comma_list(names: &[&str], description: &str) -> RefOr<Schema> {
        let one = format!("({})", names.join("|"));
        matching(&format!("^$|^{one}(,{one})*$"), description)
    }

    documented!(ReturnStates, {
        let names: Vec<&str> = domain::returns::ReturnState::ALL
            .into_iter()
            .map(domain::returns::ReturnState::name)
            .collect();
        comma_list(
            &names,
            "Return states, comma-separated (empty: every state)",
        )
    });
    documented!(OrderStates, {
        let names: Vec<&str> = domain::order_state::OrderState::ALL
            .into_iter()
            .map(domain::order_state::OrderState::name)
            .collect();
        comma_list(&names, "Order states, comma-separated (empty: every state)")
    });
    documented!(
        PaymentAmount,
        matching(
            r"^(?=.*[1-9])(100000000(\.0{1,2})?|\d{1,8}(\.\d{1,2})?)$",
            "Yuan as a decimal string in cents, above zero, at most 100,000,000 (`120.50`)"
        )
    );
    documented!(ShopFilter, {
        // A shop's id, or empty (no filter).
        let mut schema = <domain::sku::ShopId as utoipa::PartialSchema>::schema();
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            object.min_length = None;
            object.pattern = object.pattern.take().map(|p| format!("^$|{p}"));
            object.description = Some("A shop's id, or empty for every shop".into());
        }
        schema
    });
    documented!(
        PaymentMethod,
        one_of(&crate::finance::PAYMENT_METHODS, "How a payment arrived")
    );
    documented!(
        Price,
        matching(
            r"^\d{1,15}(\.\d{1,4})?$",
            "Yuan as a decimal string (`12.50`): up to 15 digits and 4 decimals, not negative"
        )
    );
    documented!(
        Text,
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .pattern(Some(r"^[^\u0000]*[^\s\u0000][^\u0000]*$"))
            .description(Some("Not empty, nor only spaces"))
            .into()
    );
    documented!(
        Day,
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Date
            )))
            .pattern(Some(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"))
            .description(Some("A day in China time, `2026-11-30`"))
            .into()
    );
}

use domain::checkout::ShopProfile;
use domain::product::{Category, LocalizedText, Product};
use serde::{Deserialize, Serialize};

/// Every error the API answers: a code a program can act on, a message for people, and
/// for a refused field its name and the rule it broke (`pack_size`, `out_of_range`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The facts behind a refusal, for a screen to explain it (such as the moves possible
    /// from an order's state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

/// `GET /api/admin/products?q=&category=&active=&offset=&limit=`: products whose SKU or
/// any of its three names contains `q` (case-insensitive), in `category`, active or not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ProductQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// The cursor: products after this SKU (the `next` of the previous page); pages stay
    /// whole while products are added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// A page of the product list, in SKU order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductPage {
    /// How many products match, on every page.
    pub total: usize,
    pub offset: usize,
    pub products: Vec<Product>,
    /// Pass as `after` for the next page; `None` on the last.
    #[serde(default)]
    pub next: Option<String>,
}

/// A unit price from a quantity on (prices are decimal strings in yuan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VolumePriceEdit {
    pub min_quantity: u32,
    pub price: String,
}

/// A promotional unit price for `[from_ms, until_ms)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DatedPriceEdit {
    pub price: String,
    pub from_ms: i64,
    pub until_ms: i64,
}

/// `POST /api/admin/products` (a new product: `sku`, `name`, `category`, `unit`,
/// `list_price` required) and `PUT /api/admin/products/{sku}` (what is given changes; the
/// SKU never does). `max_quantity` and `promo_price` take `null` to remove them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductEdit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<domain::sku::Sku>))]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<LocalizedText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<LocalizedText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<LocalizedText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack_size: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_quantity: Option<u32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub max_quantity: Option<Option<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schemas::Price>))]
    pub list_price: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_grams: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_prices: Option<Vec<VolumePriceEdit>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub promo_price: Option<Option<DatedPriceEdit>>,
    /// Who may buy it: `null`, every shop; a list of tiers (maybe empty), shops of those
    /// tiers and the `allowed_shops`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub limited_to: Option<Option<Vec<String>>>,
    /// Shops given the product by name (when it is limited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_shops: Option<Vec<String>>,
    /// Other names shops may search it by (助记码); replaces the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliases: Option<Vec<String>>,
}

/// A product as the back office edits it: the product and the shops given it by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductDetail {
    #[serde(flatten)]
    pub product: Product,
    #[serde(default)]
    pub allowed_shops: Vec<String>,
}

/// `POST /api/admin/categories` (`id` and `name` required) and
/// `PUT /api/admin/categories/{id}` (rename, move).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryEdit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<domain::sku::CategoryId>))]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<LocalizedText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
}

/// `GET /api/admin/categories`: every category in display order, with how many products
/// each holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryRow {
    #[serde(flatten)]
    pub category: Category,
    pub products: usize,
}

/// `GET /api/admin/shops?q=&offset=&limit=`: shops whose id, name, owner or manager
/// contains `q`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct CustomerQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// The cursor: shops after this id (the `next` of the previous page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// A shop (customer) as the back office lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerRow {
    pub id: String,
    pub name: String,
    pub tier: String,
    pub active: bool,
    /// The usernames that sign in as the shop.
    pub owners: Vec<String>,
    /// Its account managers' usernames.
    pub managers: Vec<String>,
    /// Region, points, account (terms, credit, balances), quotas, ordering days.
    pub profile: ShopProfile,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerPage {
    pub total: usize,
    pub offset: usize,
    pub customers: Vec<CustomerRow>,
    /// Pass as `after` for the next page; `None` on the last.
    #[serde(default)]
    pub next: Option<String>,
}

/// `GET /api/admin/shops/{id}`: everything a shop's account holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerDetail {
    #[serde(flatten)]
    pub customer: CustomerRow,
    /// Its own prices: SKU and price (yuan).
    pub own_prices: Vec<(String, String)>,
    pub orders: i64,
    /// Orders not completed, cancelled or rejected.
    pub open_orders: i64,
    /// Its account entries, newest first (the latest 100).
    #[serde(default)]
    pub entries: Vec<AccountEntry>,
}

/// `POST /api/admin/shops`: a new shop (customer) and its owner's sign-in. The shop starts
/// active, with no account (pay on the terms set later), delivered from every warehouse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    /// `shop-…`: lowercase letters, digits and `-`; fixed once created.
    #[cfg_attr(feature = "openapi", schema(value_type = domain::sku::ShopId))]
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::Text))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = domain::sku::TierId))]
    pub tier: String,
    #[serde(default)]
    pub region: String,
    /// Account managers' usernames.
    #[serde(default)]
    pub managers: Vec<String>,
    /// 1 to 64 letters, digits, `.`, `_`, `-`.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[A-Za-z0-9._-]{1,64}$"))]
    pub owner_username: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::Text))]
    pub owner_display_name: String,
    /// 8 to 256 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 256))]
    pub owner_password: String,
}

/// A shop's payment terms and credit, as an admin sets them (the balances it holds move by
/// entries and orders, never from this form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccountSettings {
    pub terms: domain::credit::PaymentTerms,
    /// The most it may owe, in yuan (`null`: no limit).
    pub credit_limit: Option<String>,
    /// Days past due before an invoice blocks new orders.
    pub grace_days: u32,
    /// Set to suspend ordering, with the reason the shop is shown.
    pub suspended: Option<String>,
}

/// `PUT /api/admin/shops/{id}`: everything about a shop an admin decides, all fields
/// required (what is sent replaces what was there). `active: false` stops new orders on
/// its devices and at the server, with `account.suspended` (or a general notice) as the
/// reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerEdit {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::Text))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = domain::sku::TierId))]
    pub tier: String,
    pub active: bool,
    pub region: String,
    pub managers: Vec<String>,
    /// `null`: no account (no credit check, no prepaid balance).
    pub account: Option<AccountSettings>,
    pub quotas: Vec<domain::quota::Quota>,
    pub window: Option<domain::quota::OrderingWindow>,
}

/// `GET /api/admin/customer-options`: what the customer forms offer to choose from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerOptions {
    pub tiers: Vec<String>,
    /// Account managers: username and display name.
    pub managers: Vec<(String, String)>,
}

/// What an account entry moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// The prepaid (stored-value) balance, in yuan.
    Prepaid,
    /// Loyalty points, whole numbers.
    Points,
    /// A credit on the account (a settled return): the shop owes that much less. Its
    /// balance is what the shop owes after it.
    Credit,
    /// An invoice raised for a shipment: the shop owes more.
    Invoice,
    /// A payment received (or what was paid when ordering): the shop owes less.
    Payment,
}

/// `POST /api/admin/shops/{id}/entries`: a prepaid top-up (or correction) or a points
/// adjustment, signed (`"-20"` takes away), with the reason people will read later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    pub kind: EntryKind,
    pub amount: String,
    pub reason: String,
}

/// One entry on a shop's account, with the balance it left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountEntry {
    pub id: i64,
    pub at_ms: i64,
    pub actor: String,
    pub kind: EntryKind,
    pub amount: String,
    pub balance: String,
    pub reason: String,
}

/// Every permission an admin can give a staff member, in the order the back office shows
/// them (the server refuses any other name).
pub const PERMISSIONS: [&str; 8] = [
    "orders.read",
    "orders.fulfil",
    "orders.hold",
    "stock.read",
    "stock.write",
    "promotions.read",
    "inbox.resolve",
    "finance",
];

/// A member of the distributor's team (`GET /api/admin/staff`): staff, who work in the
/// back office with the permissions given, and account managers, who order for the shops
/// they look after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffMember {
    pub username: String,
    pub display_name: String,
    /// `staff` or `manager`.
    pub role: String,
    pub permissions: Vec<String>,
    /// A manager's shops, by id.
    #[serde(default)]
    pub shops: Vec<String>,
    /// Devices signed in now.
    #[serde(default)]
    pub devices: i64,
}

/// `POST /api/admin/staff`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub password: String,
    /// `staff` (the default) or `manager`.
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub permissions: Vec<String>,
    /// A manager's shops.
    #[serde(default)]
    pub shops: Vec<String>,
}

/// `PUT /api/admin/staff/{username}`: display name, permissions (staff) and shops
/// (managers), replacing what was there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffEdit {
    pub display_name: String,
    pub permissions: Vec<String>,
    pub shops: Vec<String>,
}

/// `POST /api/admin/users/{username}/password`: a new password set by an admin; the user's
/// devices are signed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub password: String,
}

/// A promotion as the back office lists it (`GET /api/admin/promotions`): the promotion,
/// how often it was used, and how many shops it reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotionRow {
    #[serde(flatten)]
    pub promotion: domain::promotion::Promotion,
    /// Orders that used it, every shop together.
    pub uses: u32,
    /// Shops it is offered to (by its tiers and shops).
    pub reach: usize,
}

/// `POST /api/admin/promotion-preview`: which shops a promotion (as in the form, before it
/// is saved) would be offered to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotionReach {
    pub count: usize,
    /// The first 50 shops, by id.
    pub shops: Vec<String>,
}

/// One price of a product in one list, now and as scheduled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceCell {
    /// `list`, `tier/T` or `shop/S`.
    pub list: String,
    /// Yuan, or `None` when the list sets no price (the next rule applies).
    pub price: Option<String>,
    pub changes: Vec<domain::price_book::ScheduledPrice>,
}

/// `GET /api/admin/prices/{sku}`: a product's list price, every tier's price and every
/// shop's own price (shops that have one or have one scheduled), with scheduled changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductPrices {
    pub sku: String,
    pub list: PriceCell,
    pub tiers: Vec<PriceCell>,
    pub shops: Vec<PriceCell>,
}

/// `GET /api/admin/price-lists/{list}?q=&offset=&limit=` (`list`: `tier/T` or `shop/S`):
/// the products with their list price and this list's price, paged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceListPage {
    pub total: usize,
    pub offset: usize,
    pub rows: Vec<PriceListRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceListRow {
    pub sku: String,
    pub name: domain::product::LocalizedText,
    pub list_price: String,
    pub price: PriceCell,
}

/// `POST /api/admin/price-changes` (schedule; `price: null` removes the price then, not
/// allowed for the list price) and `DELETE /api/admin/price-changes` (cancel one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PriceChangeRequest {
    /// `list`, `tier/T` or `shop/S`.
    pub list: String,
    pub sku: String,
    pub from_ms: i64,
    #[serde(default)]
    pub price: Option<String>,
}

/// One refused row of an imported CSV file: its line in the file (the header is line 1),
/// the column and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportProblem {
    pub line: usize,
    pub field: String,
    pub rule: String,
}

/// What an import found (`POST /api/admin/import/{kind}?apply=false`, a preview) or did
/// (`apply=true`): nothing is changed unless every row is right.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub problems: Vec<ImportProblem>,
    pub applied: bool,
}

/// One change an admin made (`GET /api/admin/audit?kind=&object=&before=`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    /// Who made it (a username).
    pub actor: String,
    /// `product`, `category`, `promotion`, `terms`, `profile`, `price`, `stock`.
    pub kind: String,
    /// The object's id (a SKU, a category id, a promotion id, `shop/tier:sku`…).
    pub object: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// The object before the change (none for a creation).
    pub before: Option<serde_json::Value>,
    /// The object after it (none for a deletion).
    pub after: Option<serde_json::Value>,
}

/// A page of the audit log, newest first; `next_before` asks for the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_before: Option<i64>,
}

/// A field that may be absent (unchanged), `null` (removed) or a value.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}
