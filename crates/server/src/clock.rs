//! Time as the server stores it (Unix milliseconds) and shows it (RFC 3339, HTTP dates).

pub use clipdesk_protocol::clock::{now_ms, parse_rfc3339, to_rfc3339};

/// `Upload-Expires` wants an HTTP date (RFC 9110).
pub fn to_http_date(ms: i64) -> String {
    let secs = u64::try_from(ms / 1000).unwrap_or(0);
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_are_gmt() {
        assert_eq!(to_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
