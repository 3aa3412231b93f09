//! Time as the desktop database stores it (Unix milliseconds) and shows it (RFC 3339).

pub use clipdesk_protocol::clock::{now_ms, parse_rfc3339, to_rfc3339};
