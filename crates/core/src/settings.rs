//! This desktop's settings, kept in its database: which server to use (none means the
//! embedded one), the operator's name, and the embedded server's port and token.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use clipdesk_protocol::reach::{LinkReach, link_reach};

use crate::error::{CoreError, CoreResult};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    /// A clipdesk-server to use; `None` runs one inside the app.
    pub server_url: Option<String>,
    /// The operator API token for `server_url`.
    #[ts(skip)]
    #[serde(skip_serializing)]
    pub server_token: Option<String>,
    /// Who this desktop's operator is (the audit log's actor); pacing counts every name's sends.
    pub operator: String,
    /// Whether a person gave that name (the first run, or Settings). Until then `operator` is
    /// a placeholder and the app asks for the name before anything is attributed to it.
    #[serde(default)]
    pub operator_named: bool,
    /// The embedded server's port, kept so issued links stay valid across restarts.
    pub embedded_port: Option<u16>,
    #[ts(skip)]
    #[serde(skip_serializing)]
    pub embedded_token: Option<String>,
    /// The address phones reach the embedded server at (a tunnel or a port forward the
    /// operator set up); links are built on it. `None`: its own loopback address.
    #[serde(default)]
    pub embedded_public_url: Option<String>,
    /// The embedded server listens on every interface (0.0.0.0), not only 127.0.0.1.
    #[serde(default)]
    pub embedded_listen_all: bool,
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
        operator_named: get(conn, "operator_named")?.is_some(),
        embedded_port: get(conn, "embedded_port")?.and_then(|p| p.parse().ok()),
        embedded_token: get(conn, "embedded_token")?,
        embedded_public_url: get(conn, "embedded_public_url")?,
        embedded_listen_all: get(conn, "embedded_listen_all")?.is_some(),
    })
}

/// Saves every field in one transaction, after checking them.
pub fn save(conn: &mut Connection, settings: &Settings) -> CoreResult<()> {
    validate(settings)?;
    let tx = conn.transaction()?;
    put_all(&tx, settings)?;
    tx.commit()?;
    Ok(())
}

/// Every rule a saved setting must follow; the first broken one, named by its field.
pub fn validate(settings: &Settings) -> CoreResult<()> {
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
    if let Some(url) = &settings.embedded_public_url {
        let bad = |reason: &str| Err(CoreError::invalid("embedded_public_url", reason));
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return bad("must start with http:// or https://");
        }
        if link_reach(url) == LinkReach::NotAUrl {
            return bad(
                "must be an http(s) address with a host name, like https://clips.example.com",
            );
        }
        if url
            .trim_end_matches('/')
            .split("://")
            .nth(1)
            .is_some_and(|rest| rest.contains(['/', '?', '#']))
        {
            return bad("must be only the address (links add /r/…), without a path");
        }
    }
    if settings.server_url.is_some() && settings.server_token.as_deref().is_none_or(str::is_empty) {
        return Err(CoreError::invalid(
            "server_token",
            "a server needs its operator API token",
        ));
    }
    Ok(())
}

fn put_all(conn: &Connection, settings: &Settings) -> CoreResult<()> {
    put(conn, "server_url", settings.server_url.as_deref())?;
    put(conn, "server_token", settings.server_token.as_deref())?;
    put(conn, "operator", Some(settings.operator.trim()))?;
    put(
        conn,
        "operator_named",
        settings.operator_named.then_some("1"),
    )?;
    put(
        conn,
        "embedded_port",
        settings.embedded_port.map(|p| p.to_string()).as_deref(),
    )?;
    put(conn, "embedded_token", settings.embedded_token.as_deref())?;
    put(
        conn,
        "embedded_public_url",
        settings.embedded_public_url.as_deref(),
    )?;
    put(
        conn,
        "embedded_listen_all",
        settings.embedded_listen_all.then_some("1"),
    )
}

/// Saves the settings a person chose (the Settings screen, the first run), which may point
/// this desktop at another server; the operator's name counts as given from now on. The event
/// feed's cursor belongs to the old server, so it starts again from the new server's beginning
/// (applying is idempotent); links not yet sent to anyone are issued again by the new server,
/// while links already sent stay as they are (people hold them). Returns whether the server
/// changed.
pub fn save_switching(conn: &mut Connection, settings: &Settings) -> CoreResult<bool> {
    validate(settings)?;
    let tx = conn.transaction()?;
    let before = load(&tx)?;
    let changed = before.server_url != settings.server_url;
    // Links of the embedded server are built on its public address: unsent ones are asked
    // for again (same tokens, the new address); sent ones stay as people hold them.
    let new_base =
        settings.server_url.is_none() && before.embedded_public_url != settings.embedded_public_url;
    put_all(
        &tx,
        &Settings {
            operator_named: true,
            ..settings.clone()
        },
    )?;
    if changed {
        tx.execute("UPDATE sync_state SET cursor = 0 WHERE id = 1", [])?;
    }
    if changed || new_base {
        tx.execute(
            "UPDATE outreach SET link_token = NULL, link_url = NULL
             WHERE state IN ('queued', 'snoozed') AND sent_at IS NULL",
            [],
        )?;
    }
    tx.commit()?;
    Ok(changed)
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

    #[test]
    fn the_operator_counts_as_named_only_once_a_person_saved_a_name() {
        let mut conn = open_in_memory().unwrap();
        let first = load(&conn).unwrap();
        assert!(!first.operator_named, "a fresh desktop asks for the name");
        // The app's own start-up save (the embedded server's port and token) names nobody.
        let started = Settings {
            embedded_port: Some(8750),
            ..first
        };
        save(&mut conn, &started).unwrap();
        assert!(!load(&conn).unwrap().operator_named);

        let named = Settings {
            operator: "  Maria ".into(),
            ..started
        };
        save_switching(&mut conn, &named).unwrap();
        let saved = load(&conn).unwrap();
        assert_eq!(
            (saved.operator.as_str(), saved.operator_named),
            ("Maria", true)
        );
        // A later start-up save keeps it named.
        save(&mut conn, &saved).unwrap();
        assert!(load(&conn).unwrap().operator_named);
    }

    #[test]
    fn a_blank_first_run_name_is_refused_and_nothing_is_named() {
        let mut conn = open_in_memory().unwrap();
        let blank = Settings {
            operator: "   ".into(),
            ..load(&conn).unwrap()
        };
        let err = save_switching(&mut conn, &blank).unwrap_err();
        assert!(err.to_string().contains("operator"), "{err}");
        assert!(!load(&conn).unwrap().operator_named);
    }

    /// A feed cursor at 42 and one campaign with two links on `base`: t1 not sent, t2 sent.
    fn cursor_42_and_two_links(base: &str) -> Connection {
        let conn = open_in_memory().unwrap();
        conn.execute_batch(&format!(
            "UPDATE sync_state SET cursor = 42 WHERE id = 1;
             INSERT INTO campaigns (id, slug, name, template, landing_title, prompt, dm_url_with_id,
                                    dm_url_without_id, created_at, updated_at)
             VALUES (1, 's', 'S', '{{}}', 'S', '', 'u', 'h', 0, 0);
             INSERT INTO contacts (id, handle, created_at, updated_at) VALUES (1, 'a', 0, 0), (2, 'b', 0, 0);
             INSERT INTO outreach (campaign_id, contact_id, state, link_token, link_url, sent_at, added_at, updated_at)
             VALUES (1, 1, 'queued', 't1', '{base}/r/t1', NULL, 0, 0),
                    (1, 2, 'sent', 't2', '{base}/r/t2', 5, 0, 0);"
        ))
        .unwrap();
        conn
    }

    /// The feed cursor and each outreach row's `column` (`link_token` or `link_url`).
    fn cursor_and_links(conn: &Connection, column: &str) -> (i64, Vec<Option<String>>) {
        let cursor = conn
            .query_row("SELECT cursor FROM sync_state", [], |r| r.get(0))
            .unwrap();
        let links = conn
            .prepare(&format!("SELECT {column} FROM outreach ORDER BY id"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        (cursor, links)
    }

    #[test]
    fn switching_servers_restarts_the_feed_and_reissues_unsent_links() {
        let mut conn = cursor_42_and_two_links("http://old");
        let mut s = load(&conn).unwrap();
        assert!(!save_switching(&mut conn, &s).unwrap(), "nothing changed");
        s.server_url = Some("https://clips.example.com".into());
        s.server_token = Some("secret".into());
        assert!(save_switching(&mut conn, &s).unwrap());
        let (cursor, links) = cursor_and_links(&conn, "link_token");
        assert_eq!((cursor, links), (0, vec![None, Some("t2".into())]));
    }

    #[test]
    fn a_new_public_address_reissues_unsent_links_and_keeps_the_feed() {
        let mut conn = cursor_42_and_two_links("http://127.0.0.1:8750");
        let mut s = load(&conn).unwrap();
        s.embedded_public_url = Some("https://clips.example.com/".into());
        s.embedded_listen_all = true;
        assert!(
            !save_switching(&mut conn, &s).unwrap(),
            "still the embedded server"
        );
        let saved = load(&conn).unwrap();
        assert_eq!(saved.embedded_public_url, s.embedded_public_url);
        assert!(saved.embedded_listen_all);
        let (cursor, links) = cursor_and_links(&conn, "link_url");
        assert_eq!(
            (cursor, links),
            (42, vec![None, Some("http://127.0.0.1:8750/r/t2".into())]),
            "the unsent link is asked for again on the new address; the sent one stays"
        );
    }

    #[test]
    fn a_public_address_that_is_not_one_is_refused_by_name() {
        let mut conn = open_in_memory().unwrap();
        for bad in [
            "clips.example.com",
            "https://",
            "https://clips.example.com/r/x",
        ] {
            let s = Settings {
                embedded_public_url: Some(bad.into()),
                ..load(&conn).unwrap()
            };
            let err = save_switching(&mut conn, &s).unwrap_err();
            assert!(
                err.to_string().contains("embedded_public_url"),
                "{bad}: {err}"
            );
        }
        assert_eq!(load(&conn).unwrap().embedded_public_url, None);
    }
}
