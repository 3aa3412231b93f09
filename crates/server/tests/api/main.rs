//! The server's HTTP API, exercised against the real server on a random port.

// Test helpers outside #[test] fns panic on failure by design, as the tests do.
#![allow(clippy::unwrap_used)]

mod backup;
mod campaigns;
mod claims;
mod cli;
mod connections;
mod consent;
mod decline;
mod doctor;
mod events;
mod export;
mod health;
mod helpers;
mod history;
mod links;
mod media;
mod page;
mod public;
mod recorder;
mod reviews;
mod roles;
mod s3;
mod storage;
mod storage_migrate;
mod tls;
mod updates;
mod upload_safety;
mod uploads;
mod webhooks;
