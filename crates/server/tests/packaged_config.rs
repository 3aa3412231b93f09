//! The config file the Debian package installs (`packaging/config.toml`) stays a complete,
//! loadable list of the settings as keys are added.

use std::path::Path;

use clipdesk_server::configuration::{Config, Flags};
use serde::Deserialize;
use serde::de::{self, Visitor};

const PACKAGED: &str = include_str!("../packaging/config.toml");

/// The keys `Config` accepts, as serde names them: asked of its `Deserialize` impl, so a new
/// field is listed without anyone updating this test.
fn settings_keys() -> Vec<&'static str> {
    struct Fields;
    #[derive(Debug)]
    struct Found(&'static [&'static str]);
    impl std::fmt::Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "fields {:?}", self.0)
        }
    }
    impl std::error::Error for Found {}
    impl de::Error for Found {
        fn custom<T: std::fmt::Display>(msg: T) -> Self {
            panic!("Config did not deserialize as a struct: {msg}")
        }
    }
    impl<'de> de::Deserializer<'de> for Fields {
        type Error = Found;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            panic!("Config did not deserialize as a struct")
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(fields))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    match Config::deserialize(Fields) {
        Err(Found(fields)) => fields.to_vec(),
        Ok(_) => unreachable!("the probe deserializer never yields a value"),
    }
}

/// Keys the file sets (`key = …`) or shows commented out (`#key = …`).
fn keys_in(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let line = line.strip_prefix('#').unwrap_or(line).trim_start();
            let (key, _) = line.split_once('=')?;
            let key = key.trim();
            (!key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .then(|| key.to_owned())
        })
        .collect()
}

fn load(text: &str) -> anyhow::Result<Config> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text)?;
    Config::load(Some(Path::new(&path)), &Flags::default())
}

#[test]
fn every_setting_is_explained_in_the_packaged_config() {
    let keys = settings_keys();
    assert!(
        keys.len() > 20,
        "the probe found too few settings: {keys:?}"
    );
    let listed = keys_in(PACKAGED);
    let missing: Vec<_> = keys
        .iter()
        .filter(|key| !listed.iter().any(|l| l == *key))
        .collect();
    assert!(
        missing.is_empty(),
        "packaging/config.toml lacks {missing:?}: add each with what it does and its default"
    );
    let lines: Vec<&str> = PACKAGED.lines().collect();
    for key in &keys {
        let at = lines
            .iter()
            .position(|line| keys_in(line).iter().any(|l| l == key))
            .unwrap_or_default();
        // The comment block right above the key (and above its neighbours, as for ffprobe).
        let explained = lines[..at]
            .iter()
            .rev()
            .take_while(|l| l.starts_with('#'))
            .any(|l| l.starts_with("# Default"));
        assert!(
            explained,
            "{key} in packaging/config.toml has no `# Default…` line above it"
        );
    }
}

#[test]
fn the_packaged_config_names_no_unknown_key() {
    let keys = settings_keys();
    let stale: Vec<_> = keys_in(PACKAGED)
        .into_iter()
        .filter(|key| !keys.contains(&key.as_str()))
        .collect();
    assert!(
        stale.is_empty(),
        "packaging/config.toml names {stale:?}, which are not settings"
    );
}

#[test]
fn the_packaged_config_loads_as_installed_and_with_every_example_uncommented() {
    let installed = load(PACKAGED).expect("the config as installed");
    assert_eq!(
        installed.data_dir,
        Path::new("/var/lib/clipdesk-server"),
        "the unit's StateDirectory= is the data folder"
    );
    assert_eq!(
        installed.listen.to_string(),
        "127.0.0.1:8750",
        "installed, it listens on this machine only until the admin says otherwise"
    );
    let uncommented: String = PACKAGED
        .lines()
        .map(|line| match line.strip_prefix('#') {
            Some(rest) if !keys_in(line).is_empty() => rest,
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let every = load(&uncommented).expect("every example value is a valid setting");
    assert_eq!(
        every.public_url.as_deref(),
        Some("https://clips.example.com")
    );
    assert!(every.tls_files().expect("cert and key together").is_some());
}
