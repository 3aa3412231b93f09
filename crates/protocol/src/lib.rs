//! The wire: every JSON body, event and error code that crosses between the desktop app,
//! clipdesk-server and the web pages. The TypeScript the UIs use is generated from here.

pub mod api;
pub mod bindings;
pub mod clock;
mod error;
mod handle;
pub mod media;
pub mod name;
pub mod reach;
pub mod team;
pub mod webhooks;

pub use error::{ErrorBody, ErrorCode, ErrorResponse};
pub use handle::{Handle, HandleError};

/// What `GET /healthz` answers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct Health {
    pub status: String,
    pub version: String,
    /// Made once per data folder (a restored backup gets its own): tells whether a URL
    /// reaches *this* server or another one.
    pub instance_id: String,
}
