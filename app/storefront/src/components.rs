//! Widgets shared by the pages.

pub mod header;
pub mod price_tag;
pub mod quantity_stepper;
pub mod sync_indicator;
