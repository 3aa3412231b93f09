//! Random identifiers: link tokens (128 bits, the capability a recipient holds), operator
//! API tokens (stored only as their SHA-256), and upload ids.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// `N` random bytes as base64url without padding: ids and unique names.
pub fn random_b64<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    // The OS random source failing is not something a request can recover from.
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A link's token: 128 random bits, base64url without padding (22 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkToken(String);

impl LinkToken {
    pub fn generate() -> Self {
        LinkToken(random_b64::<16>())
    }

    /// Shape check only (22 base64url characters); whether it exists is the database's call.
    pub fn parse(input: &str) -> Option<Self> {
        let ok = input.len() == 22
            && input
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| LinkToken(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An operator's API token, shown once at creation: `cdk_` and 256 random bits.
pub struct ApiToken(String);

impl ApiToken {
    pub fn generate() -> Self {
        ApiToken(format!("cdk_{}", random_b64::<32>()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Tokens are long random strings, so one unsalted SHA-256 is enough to make a stolen
/// database useless for calling the API.
pub fn hash_api_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// An upload's id (what resumes it), and the same shape for a video's id (what media URLs
/// name); the two are never the same value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadId(String);

impl UploadId {
    pub fn generate() -> Self {
        UploadId(random_b64::<16>())
    }

    /// Ids name files, so anything but base64url is refused before it reaches a path.
    pub fn parse(input: &str) -> Option<Self> {
        LinkToken::parse(input).map(|t| UploadId(t.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_are_22_base64url_characters_and_differ() {
        let a = LinkToken::generate();
        let b = LinkToken::generate();
        assert_eq!(a.as_str().len(), 22);
        assert_ne!(a, b);
        assert!(LinkToken::parse(a.as_str()).is_some());
        assert!(LinkToken::parse("../../etc/passwd......").is_none());
        assert!(LinkToken::parse("short").is_none());
    }

    #[test]
    fn api_tokens_hash_to_hex_sha256() {
        let token = ApiToken::generate();
        assert!(token.as_str().starts_with("cdk_"));
        let hash = hash_api_token(token.as_str());
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, hash_api_token(token.as_str()));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn any_text_parses_as_a_token_only_when_it_is_22_base64url_characters(input in "\\PC{0,40}|[A-Za-z0-9_-]{20,24}") {
            let shaped = input.len() == 22
                && input.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            proptest::prop_assert_eq!(LinkToken::parse(&input).is_some(), shaped);
            // Upload ids name files: nothing that could leave the folder gets through.
            if let Some(id) = UploadId::parse(&input) {
                proptest::prop_assert!(!id.as_str().contains('/') && !id.as_str().contains('.'));
            }
        }
    }

    #[test]
    fn generated_ids_always_parse() {
        for _ in 0..100 {
            assert!(LinkToken::parse(LinkToken::generate().as_str()).is_some());
            assert!(UploadId::parse(UploadId::generate().as_str()).is_some());
        }
    }
}
