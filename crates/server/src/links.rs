//! Links: the per-recipient capability behind `/r/<token>`, resolved for the page and checked
//! before any upload.

use rusqlite::{Connection, OptionalExtension};

use crate::clock;
use crate::error::ApiError;

/// A link as the page and the upload path need it, after the campaign's rules were applied.
#[derive(Debug, Clone)]
pub struct LinkRecord {
    pub token: String,
    pub campaign: String,
    pub handle: String,
    pub display_name: Option<String>,
    pub self_reported: bool,
    pub opened_at: Option<i64>,
    pub campaign_title: String,
    pub prompt: String,
    pub max_duration_s: u32,
    pub language: Option<String>,
    pub strings: String,
}

/// Finds a link that can still be used: unknown, revoked, expired and declined ones are errors
/// a recipient can read.
pub fn usable(conn: &Connection, token: &str) -> Result<LinkRecord, ApiError> {
    let found = conn
        .query_row(
            "SELECT l.token, l.campaign, l.handle, l.display_name, l.self_reported,
                    l.opened_at, l.revoked_at, c.expires_at, c.title, c.prompt, c.max_duration_s,
                    c.language, c.strings, l.declined_at
             FROM links l JOIN campaigns c ON c.slug = l.campaign
             WHERE l.token = ?1",
            [token],
            |row| {
                Ok((
                    LinkRecord {
                        token: row.get(0)?,
                        campaign: row.get(1)?,
                        handle: row.get(2)?,
                        display_name: row.get(3)?,
                        self_reported: row.get(4)?,
                        opened_at: row.get(5)?,
                        campaign_title: row.get(8)?,
                        prompt: row.get(9)?,
                        max_duration_s: row.get(10)?,
                        language: row.get(11)?,
                        strings: row.get(12)?,
                    },
                    row.get::<_, Option<i64>>(6)?,
                    row.get::<_, Option<i64>>(7)?,
                    row.get::<_, Option<i64>>(13)?,
                ))
            },
        )
        .optional()?;
    let Some((link, revoked_at, expires_at, declined_at)) = found else {
        return Err(ApiError::NotFound("this link does not exist".into()));
    };
    if revoked_at.is_some() {
        return Err(ApiError::LinkRevoked);
    }
    if expires_at.is_some_and(|at| at <= clock::now_ms()) {
        return Err(ApiError::LinkExpired);
    }
    if declined_at.is_some() {
        return Err(ApiError::LinkDeclined);
    }
    Ok(link)
}

/// Uploads a link may still start (see [`crate::uploads::uploads_left`]).
pub fn uploads_left(conn: &Connection, token: &str, per_link: u32) -> rusqlite::Result<u32> {
    crate::uploads::uploads_left(conn, token, per_link, clock::now_ms())
}
