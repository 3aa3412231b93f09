//! Contacts: TikTok users an operator may message, unique by handle and by numeric user id,
//! searchable (FTS5 over handle, name, tags and notes) and listed in keyset pages.

use clipdesk_protocol::Handle;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock;
use crate::error::{CoreError, CoreResult};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Contact {
    pub id: i64,
    pub handle: String,
    pub user_id: Option<String>,
    pub display_name: Option<String>,
    pub tags: Vec<String>,
    pub notes: String,
    pub source: Option<String>,
}

/// A field that broke a rule, named as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub reason: String,
}

impl From<FieldError> for CoreError {
    fn from(err: FieldError) -> Self {
        CoreError::invalid(err.field, err.reason)
    }
}

/// A contact's fields after the rules: what import and manual entry both store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInput {
    pub handle: Handle,
    pub user_id: Option<String>,
    pub display_name: Option<String>,
    pub tags: Vec<String>,
    pub notes: String,
}

pub const MAX_USER_ID_DIGITS: usize = 24;
const MAX_NAME: usize = 100;
const MAX_NOTES: usize = 5000;

impl ContactInput {
    /// Checks raw text fields; empty optional fields become `None`.
    pub fn parse(
        handle: &str,
        user_id: &str,
        display_name: &str,
        tags: &str,
        notes: &str,
    ) -> Result<Self, FieldError> {
        let handle = Handle::parse(handle).map_err(|err| FieldError {
            field: "handle",
            reason: err.to_string(),
        })?;
        let user_id = user_id.trim();
        let user_id = if user_id.is_empty() {
            None
        } else if user_id.len() <= MAX_USER_ID_DIGITS && user_id.bytes().all(|b| b.is_ascii_digit())
        {
            Some(user_id.to_owned())
        } else {
            return Err(FieldError {
                field: "user_id",
                reason: format!("user id {user_id:?} is not digits only"),
            });
        };
        let display_name = display_name.trim();
        if display_name.chars().count() > MAX_NAME {
            return Err(FieldError {
                field: "display_name",
                reason: format!("display name is longer than {MAX_NAME} characters"),
            });
        }
        let notes = notes.trim();
        if notes.chars().count() > MAX_NOTES {
            return Err(FieldError {
                field: "notes",
                reason: format!("notes are longer than {MAX_NOTES} characters"),
            });
        }
        Ok(Self {
            handle,
            user_id,
            display_name: (!display_name.is_empty()).then(|| display_name.to_owned()),
            tags: parse_tags(tags),
            notes: notes.to_owned(),
        })
    }
}

/// `"Baker, vegan;  Baker"` → `["baker", "vegan"]`: split on commas, semicolons and `|`,
/// trimmed, lower case, without repeats, in first-seen order.
pub fn parse_tags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in text.split([',', ';', '|']) {
        let tag = tag.trim().trim_start_matches('#').to_lowercase();
        if !tag.is_empty() && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags
}

const COLUMNS: &str = "id, handle, user_id, display_name, tags, notes, source";

fn read(row: &Row<'_>) -> rusqlite::Result<Contact> {
    let tags: String = row.get(4)?;
    Ok(Contact {
        id: row.get(0)?,
        handle: row.get(1)?,
        user_id: row.get(2)?,
        display_name: row.get(3)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        notes: row.get(5)?,
        source: row.get(6)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> CoreResult<Contact> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM contacts WHERE id = ?1"),
        [id],
        read,
    )
    .optional()?
    .ok_or_else(|| CoreError::NotFound(format!("no contact #{id}")))
}

/// Whether any contact is stored.
pub fn any(conn: &Connection) -> CoreResult<bool> {
    let any = conn.query_row("SELECT EXISTS (SELECT 1 FROM contacts)", [], |row| {
        row.get(0)
    })?;
    Ok(any)
}

pub fn find_by_handle(conn: &Connection, handle: &str) -> CoreResult<Option<Contact>> {
    // Cached: an import looks up every row of a file by handle and by user id.
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM contacts WHERE handle = ?1"))?;
    Ok(stmt.query_row([handle], read).optional()?)
}

pub fn find_by_user_id(conn: &Connection, user_id: &str) -> CoreResult<Option<Contact>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM contacts WHERE user_id = ?1"
    ))?;
    Ok(stmt.query_row([user_id], read).optional()?)
}

pub fn insert(conn: &Connection, input: &ContactInput, source: Option<&str>) -> CoreResult<i64> {
    let now = clock::now_ms();
    conn.execute(
        "INSERT INTO contacts (handle, user_id, display_name, tags, notes, source, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![
            input.handle.as_str(),
            input.user_id,
            input.display_name,
            tags_json(&input.tags)?,
            input.notes,
            source,
            now
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Inserts many contacts in one INSERT … SELECT over a JSON array, all created at `now`:
/// with the FTS triggers, 100,000 single-row INSERTs took twice as long as this. Callers
/// pass batches of some thousands, so the JSON stays a few megabytes.
pub fn insert_many(
    conn: &Connection,
    inputs: &[ContactInput],
    source: Option<&str>,
    now: i64,
) -> CoreResult<()> {
    if inputs.is_empty() {
        return Ok(());
    }
    // handle, user id, display name, tags (JSON), notes: an array per contact, read back by
    // index.
    let rows = inputs
        .iter()
        .map(|input| {
            Ok((
                input.handle.as_str(),
                &input.user_id,
                &input.display_name,
                tags_json(&input.tags)?,
                &input.notes,
            ))
        })
        .collect::<CoreResult<Vec<_>>>()?;
    let rows = serde_json::to_string(&rows).map_err(anyhow::Error::from)?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO contacts (handle, user_id, display_name, tags, notes, source,
                               created_at, updated_at)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, ?2, ?3, ?3
         FROM json_each(?1) ORDER BY key",
    )?;
    stmt.execute(params![rows, source, now])?;
    Ok(())
}

/// Replaces the fields of contact `id` (its source stays), marked as updated at `now`.
pub fn update(conn: &Connection, id: i64, input: &ContactInput, now: i64) -> CoreResult<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE contacts SET handle = ?2, user_id = ?3, display_name = ?4, tags = ?5,
                notes = ?6, updated_at = ?7
         WHERE id = ?1",
    )?;
    stmt.execute(params![
        id,
        input.handle.as_str(),
        input.user_id,
        input.display_name,
        tags_json(&input.tags)?,
        input.notes,
        now
    ])?;
    Ok(())
}

fn tags_json(tags: &[String]) -> CoreResult<String> {
    Ok(serde_json::to_string(tags).map_err(anyhow::Error::from)?)
}

/// One page of contacts and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ContactsPage {
    pub contacts: Vec<Contact>,
    /// Pass as `after` for the next page; `None` when this was the last.
    pub next_after: Option<i64>,
    pub total: i64,
}

pub const MAX_PAGE: u32 = 500;

/// Contacts by id after `after`, optionally only those matching `query` (FTS5 prefix search
/// over handle, name, tags and notes). Never reads the whole table.
pub fn page(conn: &Connection, query: &str, after: i64, limit: u32) -> CoreResult<ContactsPage> {
    let limit = limit.clamp(1, MAX_PAGE);
    let fts = fts_query(query);
    let (contacts, total) = match &fts {
        None => {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM contacts WHERE id > ?1 ORDER BY id LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![after, i64::from(limit) + 1], read)?;
            let total: i64 = conn.query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))?;
            (rows.collect::<rusqlite::Result<Vec<_>>>()?, total)
        }
        Some(fts) => {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM contacts WHERE id IN
                    (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?1)
                 AND id > ?2 ORDER BY id LIMIT ?3"
            ))?;
            let rows = stmt.query_map(params![fts, after, i64::from(limit) + 1], read)?;
            let total: i64 = conn.query_row(
                "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH ?1",
                [fts],
                |r| r.get(0),
            )?;
            (rows.collect::<rusqlite::Result<Vec<_>>>()?, total)
        }
    };
    let mut contacts = contacts;
    let more = contacts.len() > limit as usize;
    contacts.truncate(limit as usize);
    let next_after = more.then(|| contacts.last().map(|c| c.id)).flatten();
    Ok(ContactsPage {
        contacts,
        next_after,
        total,
    })
}

/// Turns what an operator types into an FTS5 query: every word must match as a prefix.
/// Quotes keep FTS5 syntax characters in the input from being read as operators.
fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split_whitespace()
        .map(|w| w.trim_start_matches('@').replace('"', ""))
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::open_in_memory;

    fn add(conn: &Connection, handle: &str, name: &str, tags: &str, notes: &str) -> i64 {
        let input = ContactInput::parse(handle, "", name, tags, notes).unwrap();
        insert(conn, &input, Some("test")).unwrap()
    }

    #[test]
    fn fields_are_normalised_and_bad_ones_named() {
        let input =
            ContactInput::parse("@Maya.Bakes", "72a7", "  Maya ", "Baker, vegan;baker", "").err();
        assert_eq!(input.unwrap().field, "user_id");
        let input =
            ContactInput::parse("@Maya.Bakes", "7277", "  Maya ", "Baker, #vegan;baker", "")
                .unwrap();
        assert_eq!(input.handle.as_str(), "maya.bakes");
        assert_eq!(input.display_name.as_deref(), Some("Maya"));
        assert_eq!(input.tags, ["baker", "vegan"]);
        let err = ContactInput::parse("maya.", "", "", "", "").unwrap_err();
        assert_eq!(err.field, "handle");
        assert!(err.reason.contains("dot"), "{}", err.reason);
    }

    #[test]
    fn handles_and_user_ids_are_unique() {
        let conn = open_in_memory().unwrap();
        let a = ContactInput::parse("maya", "123", "", "", "").unwrap();
        insert(&conn, &a, None).unwrap();
        let same_handle = ContactInput::parse("maya", "", "", "", "").unwrap();
        assert!(insert(&conn, &same_handle, None).is_err());
        let same_id = ContactInput::parse("other", "123", "", "", "").unwrap();
        assert!(insert(&conn, &same_id, None).is_err());
    }

    #[test]
    fn search_matches_prefixes_of_handle_name_tags_and_notes() {
        let conn = open_in_memory().unwrap();
        let maya = add(
            &conn,
            "maya.bakes",
            "Maya Lopez",
            "baker, vegan",
            "met at the fair",
        );
        let jo = add(&conn, "jo_runs", "Jo", "runner", "prefers mornings");
        add(&conn, "zed", "Zed", "", "");
        let ids = |q: &str| -> Vec<i64> {
            page(&conn, q, 0, 50)
                .unwrap()
                .contacts
                .iter()
                .map(|c| c.id)
                .collect()
        };
        assert_eq!(ids("maya"), [maya]);
        assert_eq!(
            ids("@maya.ba"),
            [maya],
            "handles with dots and a typed @ match"
        );
        assert_eq!(ids("lop"), [maya]);
        assert_eq!(ids("vegan"), [maya]);
        assert_eq!(ids("morn"), [jo]);
        assert_eq!(ids("run morn"), [jo], "every word must match");
        assert!(
            ids("\"unbalanced").is_empty(),
            "FTS syntax in the input is not an error"
        );
        assert_eq!(page(&conn, "", 0, 50).unwrap().total, 3);
    }

    #[test]
    fn pages_follow_on_from_each_other_without_overlap() {
        let conn = open_in_memory().unwrap();
        for i in 0..25 {
            add(&conn, &format!("user_{i}"), "", "", "");
        }
        let first = page(&conn, "", 0, 10).unwrap();
        assert_eq!(first.contacts.len(), 10);
        let second = page(&conn, "", first.next_after.unwrap(), 10).unwrap();
        let third = page(&conn, "", second.next_after.unwrap(), 10).unwrap();
        assert_eq!(third.contacts.len(), 5);
        assert_eq!(third.next_after, None);
        assert_eq!(first.total, 25);
        assert!(first.contacts.last().unwrap().id < second.contacts[0].id);
    }
}
