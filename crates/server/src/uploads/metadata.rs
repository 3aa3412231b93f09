//! tus `Upload-Metadata`: `key base64value,key2 base64value2,flag`.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Decoded pairs; a key without a value maps to an empty string.
pub fn parse(header: &str) -> Result<BTreeMap<String, String>, String> {
    let mut pairs = BTreeMap::new();
    for part in header.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.splitn(2, ' ');
        let key = words.next().unwrap_or_default();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!("metadata key {key:?} is not plain ASCII"));
        }
        let value = match words.next().map(str::trim) {
            None | Some("") => String::new(),
            Some(encoded) => {
                let bytes = STANDARD
                    .decode(encoded)
                    .map_err(|_| format!("metadata value of {key:?} is not base64"))?;
                String::from_utf8(bytes)
                    .map_err(|_| format!("metadata value of {key:?} is not UTF-8"))?
            }
        };
        if pairs.insert(key.to_owned(), value).is_some() {
            return Err(format!("metadata key {key:?} appears twice"));
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_decoded_and_bare_keys_allowed() {
        let parsed = parse("token dG9r,filename bXkgY2xpcC53ZWJt,is_confidential").unwrap();
        assert_eq!(parsed["token"], "tok");
        assert_eq!(parsed["filename"], "my clip.webm");
        assert_eq!(parsed["is_confidential"], "");
    }

    #[test]
    fn bad_base64_and_repeated_keys_are_named() {
        assert!(parse("token !!!").unwrap_err().contains("token"));
        assert!(parse("a YQ==,a YQ==").unwrap_err().contains("twice"));
    }
}
