//! The console's views and popups.

pub mod form;
