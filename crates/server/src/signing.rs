//! Signed media URLs: `/media/{video}/{kind}?exp=…&sig=…`, HMAC-SHA256 with a secret made at
//! first start and kept in the data folder, so a `<video src>` needs no headers and a leaked
//! URL stops working when it expires.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

pub struct Signer {
    secret: [u8; 32],
}

impl Signer {
    /// Reads `secret.key` from the data folder, making it (mode 0600) on first start.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("secret.key");
        if let Ok(bytes) = std::fs::read(&path) {
            let secret: [u8; 32] = bytes.try_into().map_err(|_| {
                anyhow::anyhow!(
                    "{} is not 32 bytes; delete it to make a new one (old media URLs stop working)",
                    path.display()
                )
            })?;
            return Ok(Self { secret });
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no OS randomness: {e}"))?;
        let tmp = data_dir.join("secret.key.tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        file.write_all(&secret)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(Self { secret })
    }

    fn mac(&self, video: &str, kind: &str, exp: i64) -> HmacSha256 {
        // A 32-byte key is always a valid HMAC key.
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(format!("{video}/{kind}/{exp}").as_bytes());
        mac
    }

    /// The query string for a URL valid until `exp` (Unix seconds).
    pub fn sign(&self, video: &str, kind: &str, exp: i64) -> String {
        let tag = self.mac(video, kind, exp).finalize().into_bytes();
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        format!("exp={exp}&sig={hex}")
    }

    /// Constant-time check of `sig` (hex) for this video, kind and expiry.
    pub fn verify(&self, video: &str, kind: &str, exp: i64, sig: &str) -> bool {
        let Some(bytes) = decode_hex(sig) else {
            return false;
        };
        self.mac(video, kind, exp).verify_slice(&bytes).is_ok()
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_checks_only_for_its_own_video_kind_and_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let signer = Signer::load_or_create(dir.path()).unwrap();
        let query = signer.sign("vid", "rendition", 100);
        let sig = query.split("sig=").nth(1).unwrap();
        assert!(signer.verify("vid", "rendition", 100, sig));
        assert!(!signer.verify("vid", "original", 100, sig));
        assert!(!signer.verify("other", "rendition", 100, sig));
        assert!(!signer.verify("vid", "rendition", 101, sig));
        assert!(!signer.verify("vid", "rendition", 100, "zz"));
    }

    #[test]
    fn the_secret_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let first = Signer::load_or_create(dir.path())
            .unwrap()
            .sign("v", "poster", 5);
        let again = Signer::load_or_create(dir.path())
            .unwrap()
            .sign("v", "poster", 5);
        assert_eq!(first, again);
    }
}
