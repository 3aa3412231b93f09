//! The tus request headers, parsed: each parser takes the raw header text (any bytes a client
//! sent) and returns the value or an error that names the header and what is wrong with it.

use crate::error::ApiError;

pub use super::metadata::parse as parse_metadata;
pub use super::receive::Checksum;

/// A non-negative byte count: plain ASCII digits, at most 19 of them (fits in a u64 and in
/// SQLite's signed integers).
fn byte_count(header: &'static str, value: Option<&[u8]>) -> Result<u64, ApiError> {
    let value = value.ok_or_else(|| ApiError::invalid(header, "is required"))?;
    let text = std::str::from_utf8(value)
        .map_err(|_| ApiError::invalid(header, "must be a non-negative integer"))?
        .trim();
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid(header, "must be a non-negative integer"));
    }
    text.parse()
        .map_err(|_| ApiError::invalid(header, "must be a non-negative integer"))
}

/// `Upload-Length`.
pub fn upload_length(value: Option<&[u8]>) -> Result<u64, ApiError> {
    byte_count("Upload-Length", value)
}

/// `Upload-Offset`.
pub fn upload_offset(value: Option<&[u8]>) -> Result<u64, ApiError> {
    byte_count("Upload-Offset", value)
}

/// `Upload-Checksum`, when present.
pub fn upload_checksum(value: Option<&[u8]>) -> Result<Option<Checksum>, ApiError> {
    value
        .map(|v| {
            let text = std::str::from_utf8(v).map_err(|_| {
                ApiError::invalid("Upload-Checksum", "must be '<algorithm> <base64 digest>'")
            })?;
            Checksum::parse(text)
        })
        .transpose()
}

/// The `Upload-Metadata` a HEAD may echo: what the client sent, less the link token (the
/// upload id alone must never reveal the capability of the person's link).
pub fn public_metadata(raw: &str) -> String {
    raw.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty() && pair.split(' ').next() != Some("token"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lengths_are_plain_digits() {
        assert_eq!(upload_length(Some(b"1024")).unwrap(), 1024);
        assert_eq!(upload_offset(Some(b" 0 ")).unwrap(), 0);
        for bad in [
            &b"-1"[..],
            b"+5",
            b"1e3",
            b"",
            b"0x10",
            b"99999999999999999999",
            b"\xff",
        ] {
            let err = upload_length(Some(bad)).unwrap_err().to_string();
            assert!(err.contains("Upload-Length"), "{err}");
        }
        let err = upload_offset(None).unwrap_err().to_string();
        assert!(
            err.contains("Upload-Offset") && err.contains("required"),
            "{err}"
        );
    }

    #[test]
    fn the_echoed_metadata_never_carries_the_token() {
        assert_eq!(
            public_metadata("token dG9r,filename YS53ZWJt,flag"),
            "filename YS53ZWJt,flag"
        );
        assert_eq!(public_metadata("token dG9r"), "");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn byte_counts_never_panic_and_name_the_header(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            match upload_length(Some(&bytes)) {
                Ok(n) => {
                    let text = std::str::from_utf8(&bytes).unwrap().trim();
                    prop_assert!(text.bytes().all(|b| b.is_ascii_digit()));
                    prop_assert_eq!(text.parse::<u64>().unwrap(), n);
                }
                Err(err) => prop_assert!(err.to_string().starts_with("Upload-Length:"), "{}", err),
            }
        }

        #[test]
        fn any_u64_round_trips(n in 0u64..=i64::MAX as u64) {
            prop_assert_eq!(upload_offset(Some(n.to_string().as_bytes())).unwrap(), n);
        }

        #[test]
        fn checksum_headers_never_panic_and_name_the_header(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Err(err) = upload_checksum(Some(&bytes)) {
                prop_assert!(err.to_string().starts_with("Upload-Checksum:"), "{}", err);
            }
        }

        #[test]
        fn metadata_never_panics_and_errors_name_the_key(text in "\\PC{0,60}", raw in proptest::collection::vec(any::<u8>(), 0..60)) {
            for input in [text.clone(), String::from_utf8_lossy(&raw).into_owned()] {
                match parse_metadata(&input) {
                    Ok(pairs) => {
                        // What parsed re-echoes without the token and parses again.
                        let echoed = public_metadata(&input);
                        let again = parse_metadata(&echoed).unwrap();
                        prop_assert!(!again.contains_key("token"));
                        prop_assert!(again.keys().all(|k| pairs.contains_key(k)));
                    }
                    Err(reason) => prop_assert!(reason.starts_with("metadata"), "{}", reason),
                }
            }
        }

        #[test]
        fn metadata_made_by_a_client_round_trips(pairs in proptest::collection::btree_map("[a-z_]{1,10}", "\\PC{0,20}", 0..5)) {
            use base64::Engine;
            let header = pairs
                .iter()
                .map(|(k, v)| format!("{k} {}", base64::engine::general_purpose::STANDARD.encode(v)))
                .collect::<Vec<_>>()
                .join(",");
            let parsed = parse_metadata(&header).unwrap();
            prop_assert_eq!(parsed, pairs);
        }
    }
}
