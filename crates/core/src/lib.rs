//! clipdesk's operator domain as a plain library: the desktop app is a thin shell over it.

pub mod app;
pub mod bindings;
pub mod campaigns;
pub mod client;
pub mod clock;
pub mod contacts;
pub mod dashboard;
pub mod diagnostics;
pub mod error;
pub mod export;
pub mod followups;
pub mod import;
pub mod pacing;
pub mod people;
pub mod queue;
pub mod reach;
pub mod reviews;
pub mod settings;
pub mod status;
pub mod store;
pub mod sync;
pub mod team;
pub mod templates;
pub mod updates;
pub mod upgrade;
pub mod video_export;
pub mod webhooks;

pub use app::AppInfo;
pub use error::{CoreError, CoreResult, UserError};
