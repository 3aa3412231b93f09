//! clipdesk-server as a library: the binary is a thin `main` over [`startup`], and the desktop
//! app embeds the same server through [`startup::Server`].

pub mod auth;
pub mod backup;
pub mod campaigns;
mod claims;
mod clock;
pub mod configuration;
pub mod db;
pub mod doctor;
pub mod domain;
pub mod error;
mod events;
mod history;
pub mod instance;
mod links;
pub mod media;
pub mod objects;
mod rate_limit;
pub mod releases;
mod routes;
mod signing;
pub mod startup;
mod state;
pub mod storage_migrate;
pub mod telemetry;
pub mod tokens;
mod uploads;
pub mod webhooks;

pub use configuration::Config;
pub use startup::{RunningServer, Server};
