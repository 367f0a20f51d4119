//! Pure business rules: money, products, prices, order lifecycle. No IO, no clock, no UI,
//! no Automerge: everything here compiles for the browser and the server alike, so an
//! offline total equals the server's total.

pub mod carrier;
pub mod channel;
pub mod check;
pub mod checkout;
pub mod commission;
pub mod credit;
pub mod forecast;
pub mod fulfilment;
pub mod inventory;
pub mod invoice;
pub mod lang;
pub mod ledger;
pub mod money;
pub mod order;
pub mod order_state;
pub mod price_book;
pub mod price_hold;
pub mod pricing;
pub mod product;
pub mod promotion;
pub mod proposal;
pub mod quick_entry;
pub mod quota;
pub mod quote;
pub mod returns;
pub mod seasonality;
pub mod sku;
