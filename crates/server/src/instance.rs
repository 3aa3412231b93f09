//! The instance id: 128 random bits made once per data folder and kept in it (`instance-id`),
//! answered by `/healthz` so a client (or `doctor`) can tell whether a URL reaches the server
//! that owns *this* data folder. A restore makes a new one: a restored copy is another
//! instance, even while the original still runs.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The file in the data folder that holds the id (one line).
pub const FILE: &str = "instance-id";

/// 22 base64url characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceId(String);

impl InstanceId {
    pub fn generate() -> anyhow::Result<Self> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no OS randomness: {e}"))?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    pub fn parse(input: &str) -> Option<Self> {
        let ok = input.len() == 22
            && input
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for InstanceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// The data folder's id, `None` when no server has started on it yet.
pub fn read(data_dir: &Path) -> anyhow::Result<Option<InstanceId>> {
    let path = path(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => InstanceId::parse(text.trim()).map(Some).with_context(|| {
            format!(
                "{} is damaged (not 22 base64url characters); delete it and a new id is made",
                path.display()
            )
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The data folder's id, made and stored on first use.
pub fn load_or_create(data_dir: &Path) -> anyhow::Result<InstanceId> {
    match read(data_dir)? {
        Some(id) => Ok(id),
        None => write_new(data_dir),
    }
}

/// Stores a fresh id (temporary name, renamed into place), replacing any earlier one.
pub fn write_new(data_dir: &Path) -> anyhow::Result<InstanceId> {
    let id = InstanceId::generate()?;
    let path = path(data_dir);
    let tmp = data_dir.join(format!("{FILE}.tmp"));
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        writeln!(file, "{id}")?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    written.with_context(|| format!("cannot write {}", path.display()))?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_made_once_and_read_back_after() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), None);
        let made = load_or_create(dir.path()).unwrap();
        assert_eq!(load_or_create(dir.path()).unwrap(), made);
        assert_eq!(read(dir.path()).unwrap(), Some(made.clone()));
        assert_ne!(write_new(dir.path()).unwrap(), made, "a new id replaces it");
    }

    #[test]
    fn a_damaged_file_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(path(dir.path()), "not an id\n").unwrap();
        let err = format!("{:#}", read(dir.path()).unwrap_err());
        assert!(err.contains(FILE) && err.contains("damaged"), "{err}");
    }
}
