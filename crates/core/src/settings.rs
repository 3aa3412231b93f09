//! This desktop's settings, kept in its database: which server to use (none means the
//! embedded one), the operator's name, and the embedded server's port and token.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{CoreError, CoreResult};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    /// A clipdesk-server to use; `None` runs one inside the app.
    pub server_url: Option<String>,
    /// The operator API token for `server_url`.
    #[ts(skip)]
    #[serde(skip_serializing)]
    pub server_token: Option<String>,
    /// Who this desktop's operator is (the audit log's actor, pacing's owner).
    pub operator: String,
    /// The embedded server's port, kept so issued links stay valid across restarts.
    pub embedded_port: Option<u16>,
    #[ts(skip)]
    #[serde(skip_serializing)]
    pub embedded_token: Option<String>,
}

fn get(conn: &Connection, key: &str) -> CoreResult<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

fn put(conn: &Connection, key: &str, value: Option<&str>) -> CoreResult<()> {
    match value {
        Some(value) => conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?,
        None => conn.execute("DELETE FROM settings WHERE key = ?1", [key])?,
    };
    Ok(())
}

pub fn load(conn: &Connection) -> CoreResult<Settings> {
    Ok(Settings {
        server_url: get(conn, "server_url")?,
        server_token: get(conn, "server_token")?,
        operator: get(conn, "operator")?.unwrap_or_else(|| "operator".to_owned()),
        embedded_port: get(conn, "embedded_port")?.and_then(|p| p.parse().ok()),
        embedded_token: get(conn, "embedded_token")?,
    })
}

/// Saves every field in one transaction, after checking them.
pub fn save(conn: &mut Connection, settings: &Settings) -> CoreResult<()> {
    let operator = settings.operator.trim();
    if operator.is_empty() || operator.chars().count() > 64 {
        return Err(CoreError::invalid("operator", "must be 1 to 64 characters"));
    }
    if let Some(url) = &settings.server_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(CoreError::invalid(
            "server_url",
            "must start with http:// or https://",
        ));
    }
    if settings.server_url.is_some() && settings.server_token.as_deref().is_none_or(str::is_empty) {
        return Err(CoreError::invalid(
            "server_token",
            "a server needs its operator API token",
        ));
    }
    let tx = conn.transaction()?;
    put(&tx, "server_url", settings.server_url.as_deref())?;
    put(&tx, "server_token", settings.server_token.as_deref())?;
    put(&tx, "operator", Some(operator))?;
    put(
        &tx,
        "embedded_port",
        settings.embedded_port.map(|p| p.to_string()).as_deref(),
    )?;
    put(&tx, "embedded_token", settings.embedded_token.as_deref())?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::open_in_memory;

    #[test]
    fn settings_round_trip_and_bad_ones_are_named() {
        let mut conn = open_in_memory().unwrap();
        assert_eq!(load(&conn).unwrap().operator, "operator");
        let mut s = Settings {
            operator: "ana".into(),
            embedded_port: Some(8750),
            ..Settings::default()
        };
        save(&mut conn, &s).unwrap();
        assert_eq!(load(&conn).unwrap(), s);
        s.server_url = Some("ftp://x".into());
        let err = save(&mut conn, &s).unwrap_err();
        assert!(err.to_string().contains("server_url"), "{err}");
        s.server_url = Some("https://clips.example.com".into());
        let err = save(&mut conn, &s).unwrap_err();
        assert!(err.to_string().contains("server_token"), "{err}");
        assert_eq!(
            load(&conn).unwrap().server_url,
            None,
            "a refused save changes nothing"
        );
    }
}
