//! One module per page.

pub mod account;
pub mod cart;
pub mod catalog;
pub mod devices;
pub mod handover;
pub mod login;
pub mod my_shops;
pub mod order_detail;
pub mod orders;
pub mod product;
pub mod proposal;
pub mod quick;
pub mod referral;
