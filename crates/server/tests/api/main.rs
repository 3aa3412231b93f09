//! The server's HTTP API, exercised against the real server on a random port.

mod cli;
mod health;
mod helpers;
mod recorder;
