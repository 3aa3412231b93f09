//! clipdesk-server as a library: the binary is a thin `main` over [`startup`], and the desktop
//! app embeds the same server through [`startup::Server`].

pub mod configuration;
pub mod error;
pub mod routes;
pub mod startup;
pub mod telemetry;

pub use configuration::Config;
pub use startup::{RunningServer, Server};
