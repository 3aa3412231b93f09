//! clipdesk's operator domain as a plain library: the desktop app is a thin shell over it.

pub mod app;
pub mod bindings;

pub use app::AppInfo;
