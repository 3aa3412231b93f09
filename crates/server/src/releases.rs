//! Desktop releases an admin published from the server host (`clipdesk-server release add`):
//! their files under `releases/`, their rows, and which one a desktop is offered.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rusqlite::{Connection, OptionalExtension, params};
use semver::Version;

use crate::clock;
use crate::configuration::Config;

/// The package formats tauri-plugin-updater installs on Linux.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageFormat {
    Deb,
    Rpm,
}

impl PackageFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "deb" => Some(Self::Deb),
            "rpm" => Some(Self::Rpm),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deb => "deb",
            Self::Rpm => "rpm",
        }
    }
}

impl fmt::Display for PackageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One published package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub version: Version,
    pub format: PackageFormat,
    /// As the updater names it (`x86_64`, `aarch64`, `i686`, `armv7`).
    pub arch: String,
    pub file_name: String,
    pub size: u64,
    /// The `.sig` file's content, as the updater expects it in the manifest.
    pub signature: String,
    pub notes: Option<String>,
    pub published_at_ms: i64,
}

impl Release {
    pub fn path(&self, config: &Config) -> PathBuf {
        release_path(config, &self.version, &self.file_name)
    }
}

fn release_path(config: &Config, version: &Version, file_name: &str) -> PathBuf {
    config
        .releases_dir()
        .join(version.to_string())
        .join(file_name)
}

/// What `release add` was given.
pub struct NewRelease<'a> {
    pub version: &'a str,
    pub file: &'a Path,
    pub signature: &'a Path,
    pub notes: Option<&'a str>,
}

/// Checks everything first, then copies the file under a temporary name, renames it into place
/// and records it: an error leaves neither a file nor a row behind.
pub fn add(
    config: &Config,
    conn: &mut Connection,
    new: &NewRelease<'_>,
) -> anyhow::Result<Release> {
    let version = Version::parse(new.version.trim_start_matches('v')).map_err(|err| {
        anyhow::anyhow!(
            "--version {:?} is not a semantic version such as 0.2.0: {err}",
            new.version
        )
    })?;
    let file_name = new
        .file
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| anyhow::anyhow!("--file {} has no file name", new.file.display()))?
        .to_owned();
    let (format, arch) = check_file_name(&file_name)?;
    let metadata = std::fs::metadata(new.file)
        .map_err(|err| anyhow::anyhow!("--file {}: {err}", new.file.display()))?;
    if !metadata.is_file() {
        anyhow::bail!("--file {} is not a file", new.file.display());
    }
    let signature_text = std::fs::read_to_string(new.signature)
        .map_err(|err| anyhow::anyhow!("--signature {}: {err}", new.signature.display()))?;
    let signature = check_signature(signature_text.trim(), &version).map_err(|reason| {
        anyhow::anyhow!(
            "--signature {} is not a minisign signature in Tauri's form (the .sig file `tauri \
             signer sign` writes): {reason}",
            new.signature.display()
        )
    })?;
    let version_text = version.to_string();
    let exists: Option<String> = conn
        .query_row(
            "SELECT file_name FROM releases WHERE version = ?1 AND format = ?2 AND arch = ?3",
            params![version_text, format.as_str(), arch],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(existing) = exists {
        anyhow::bail!(
            "version {version} already has a {format} package for {arch} ({existing}); remove it \
             first with `clipdesk-server release remove --version {version}`"
        );
    }

    let folder = config.releases_dir().join(&version_text);
    std::fs::create_dir_all(&folder)
        .map_err(|err| anyhow::anyhow!("cannot create {}: {err}", folder.display()))?;
    let final_path = folder.join(&file_name);
    let temporary = folder.join(format!(".{file_name}.partial"));
    let copied = (|| -> anyhow::Result<u64> {
        let size = std::fs::copy(new.file, &temporary)?;
        std::fs::File::open(&temporary)?.sync_all()?;
        Ok(size)
    })();
    let size = match copied {
        Ok(size) => size,
        Err(err) => {
            let _ = std::fs::remove_file(&temporary);
            return Err(err.context(format!(
                "cannot copy {} into {}",
                new.file.display(),
                folder.display()
            )));
        }
    };
    let release = Release {
        version,
        format,
        arch,
        file_name,
        size,
        signature,
        notes: new
            .notes
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
        published_at_ms: clock::now_ms(),
    };
    let recorded = (|| -> anyhow::Result<()> {
        std::fs::rename(&temporary, &final_path)?;
        conn.execute(
            "INSERT INTO releases (version, format, arch, file_name, size, signature, notes, \
             published_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                version_text,
                release.format.as_str(),
                release.arch,
                release.file_name,
                i64::try_from(release.size)?,
                release.signature,
                release.notes,
                release.published_at_ms
            ],
        )?;
        Ok(())
    })();
    if let Err(err) = recorded {
        let _ = std::fs::remove_file(&temporary);
        let _ = std::fs::remove_file(&final_path);
        let _ = std::fs::remove_dir(&folder);
        return Err(err);
    }
    Ok(release)
}

pub fn list(conn: &Connection) -> anyhow::Result<Vec<Release>> {
    let mut statement = conn.prepare(
        "SELECT version, format, arch, file_name, size, signature, notes, published_at \
         FROM releases",
    )?;
    let mut releases = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, i64>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, Option<String>>(6)?,
                row.get::<_, i64>(7)?,
            ))
        })?
        .map(|row| {
            let (version, format, arch, file_name, size, signature, notes, published_at_ms) = row?;
            Ok(Release {
                version: Version::parse(&version)?,
                format: PackageFormat::parse(&format)
                    .ok_or_else(|| anyhow::anyhow!("unknown package format {format:?}"))?,
                arch,
                file_name,
                size: u64::try_from(size)?,
                signature,
                notes,
                published_at_ms,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    releases.sort_by(|a, b| {
        b.version
            .cmp(&a.version)
            .then(a.format.as_str().cmp(b.format.as_str()))
    });
    Ok(releases)
}

/// Removes every package of `version`: rows first (desktops stop being offered it), then files.
pub fn remove(
    config: &Config,
    conn: &mut Connection,
    version: &str,
) -> anyhow::Result<Vec<Release>> {
    let version = Version::parse(version.trim_start_matches('v'))
        .map_err(|err| anyhow::anyhow!("--version {version:?} is not a semantic version: {err}"))?;
    let removed: Vec<Release> = list(conn)?
        .into_iter()
        .filter(|r| r.version == version)
        .collect();
    if removed.is_empty() {
        anyhow::bail!("no release {version} is published (`clipdesk-server release list`)");
    }
    conn.execute(
        "DELETE FROM releases WHERE version = ?1",
        [version.to_string()],
    )?;
    let folder = config.releases_dir().join(version.to_string());
    if let Err(err) = std::fs::remove_dir_all(&folder)
        && err.kind() != std::io::ErrorKind::NotFound
    {
        anyhow::bail!(
            "release {version} is no longer offered, but {} could not be removed: {err}",
            folder.display()
        );
    }
    Ok(removed)
}

/// The newest release for this format and architecture that is newer than `current`.
pub fn newer_than(
    conn: &Connection,
    format: PackageFormat,
    arch: &str,
    current: &Version,
) -> anyhow::Result<Option<Release>> {
    Ok(list(conn)?
        .into_iter()
        .filter(|r| r.format == format && r.arch == arch && r.version > *current)
        .max_by(|a, b| a.version.cmp(&b.version)))
}

/// The release of this version whose file has this name.
pub fn find(
    conn: &Connection,
    version: &Version,
    file_name: &str,
) -> anyhow::Result<Option<Release>> {
    Ok(list(conn)?
        .into_iter()
        .find(|r| r.version == *version && r.file_name == file_name))
}

/// Whether `releases/<version>/<file_name>` is a file `release add` could have made: the
/// version in the form it writes, and a file name it accepts (so neither can leave the folder).
pub fn is_release_file(version: &str, file_name: &str) -> bool {
    Version::parse(version).is_ok_and(|v| v.to_string() == version)
        && check_file_name(file_name).is_ok()
}

/// A package file name as the bundler makes it, and the format and architecture it tells.
fn check_file_name(file_name: &str) -> anyhow::Result<(PackageFormat, String)> {
    if !file_name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._+~-".contains(c))
    {
        anyhow::bail!(
            "--file {file_name}: keep the bundler's file name (letters, digits and . _ + ~ -)"
        );
    }
    Ok((format_of(file_name)?, arch_of(file_name)?))
}

fn format_of(file_name: &str) -> anyhow::Result<PackageFormat> {
    let extension = Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    PackageFormat::parse(extension).ok_or_else(|| {
        anyhow::anyhow!(
            "--file {file_name}: the updater installs .deb and .rpm packages, not {:?}",
            if extension.is_empty() {
                "a file without an extension".to_owned()
            } else {
                format!(".{extension}")
            }
        )
    })
}

/// The architecture, from the bundler's file names (`clipdesk_0.2.0_amd64.deb`,
/// `clipdesk-0.2.0-1.x86_64.rpm`), named as the updater asks for it.
fn arch_of(file_name: &str) -> anyhow::Result<String> {
    const NAMES: &[(&str, &str)] = &[
        ("amd64", "x86_64"),
        ("x86_64", "x86_64"),
        ("arm64", "aarch64"),
        ("aarch64", "aarch64"),
        ("i386", "i686"),
        ("i686", "i686"),
        ("armhf", "armv7"),
        ("armv7hl", "armv7"),
    ];
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem);
    let separated = |at: Option<char>| at.is_none_or(|c| "_.-".contains(c));
    NAMES
        .iter()
        .find(|(name, _)| {
            stem.match_indices(name).any(|(start, _)| {
                separated(stem[..start].chars().next_back())
                    && separated(stem[start + name.len()..].chars().next())
            })
        })
        .map(|(_, arch)| (*arch).to_owned())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--file {file_name}: cannot tell its architecture from the name; keep the \
                 bundler's name (…_amd64.deb, ….x86_64.rpm)"
            )
        })
}

/// A `.sig` file as Tauri writes it: base64 of a minisign signature file (an untrusted comment,
/// the signature, a trusted comment, the global signature). Returns it trimmed.
fn check_signature(text: &str, version: &Version) -> Result<String, String> {
    let decoded = STANDARD
        .decode(text)
        .map_err(|err| format!("not base64 ({err})"))?;
    let minisign = String::from_utf8(decoded).map_err(|_| "not text once decoded".to_owned())?;
    let lines: Vec<&str> = minisign.lines().collect();
    let [untrusted, signature, trusted, global] = lines.as_slice() else {
        return Err(format!("{} lines where minisign has 4", lines.len()));
    };
    if !untrusted.starts_with("untrusted comment:") {
        return Err("its first line is not an `untrusted comment:`".into());
    }
    match STANDARD.decode(signature) {
        Ok(bytes) if bytes.len() == 74 && bytes.starts_with(b"E") => {}
        _ => return Err("its second line is not an Ed25519 minisign signature".into()),
    }
    let Some(comment) = trusted.strip_prefix("trusted comment:") else {
        return Err("its third line is not a `trusted comment:`".into());
    };
    // The app requires the signed version (`requireSignedVersion`): refuse here what every
    // desktop would refuse.
    let signed = comment
        .trim()
        .split('\t')
        .find_map(|field| field.strip_prefix("version:"));
    match signed {
        Some(signed) if signed == version.to_string() => {}
        Some(signed) => {
            return Err(format!("it was signed for version {signed}, not {version}"));
        }
        None => {
            return Err(format!(
                "it names no version; sign with `tauri signer sign --app-version {version}`"
            ));
        }
    }
    match STANDARD.decode(global) {
        Ok(bytes) if bytes.len() == 64 => {}
        _ => return Err("its fourth line is not a global signature".into()),
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundlers_file_names_tell_format_and_architecture() {
        assert_eq!(
            format_of("clipdesk_0.2.0_amd64.deb").ok(),
            Some(PackageFormat::Deb)
        );
        assert_eq!(
            format_of("clipdesk-0.2.0-1.x86_64.rpm").ok(),
            Some(PackageFormat::Rpm)
        );
        assert!(format_of("clipdesk_0.2.0_amd64.AppImage").is_err());
        assert_eq!(
            arch_of("clipdesk_0.2.0_amd64.deb").ok().as_deref(),
            Some("x86_64")
        );
        assert_eq!(
            arch_of("clipdesk-0.2.0-1.x86_64.rpm").ok().as_deref(),
            Some("x86_64")
        );
        assert_eq!(
            arch_of("clipdesk_0.2.0_arm64.deb").ok().as_deref(),
            Some("aarch64")
        );
        assert!(arch_of("clipdesk.deb").is_err());
    }
}
