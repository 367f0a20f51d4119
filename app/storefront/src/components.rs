//! Widgets shared by the pages.

pub mod header;
pub mod offers;
pub mod price_tag;
pub mod quantity_stepper;
pub mod reorder;
pub mod returns;
pub mod sync_indicator;
pub mod tab_bar;
pub mod undo_bar;
