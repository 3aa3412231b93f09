//! Operator API tokens: created, listed and revoked from the command line.

use rusqlite::{Connection, OptionalExtension, params};

use crate::auth::Role;
use crate::clock;
use crate::domain::{ApiToken, hash_api_token};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub roles: Vec<Role>,
}

/// Makes a token for `name` with every role and returns it: the only time it is ever seen in
/// clear.
pub fn create(conn: &Connection, name: &str) -> anyhow::Result<ApiToken> {
    create_with_roles(conn, name, &Role::ALL)
}

/// Makes a token for `name` carrying `roles` (at least one).
pub fn create_with_roles(
    conn: &Connection,
    name: &str,
    roles: &[Role],
) -> anyhow::Result<ApiToken> {
    if roles.is_empty() {
        anyhow::bail!("--role must name at least one of admin, operator, reviewer");
    }
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        anyhow::bail!("--name must be 1 to 64 characters");
    }
    let exists: Option<Option<i64>> = conn
        .query_row(
            "SELECT revoked_at FROM api_tokens WHERE name = ?1",
            [name],
            |row| row.get(0),
        )
        .optional()?;
    match exists {
        Some(None) => anyhow::bail!(
            "a token named {name:?} already exists; revoke it first (token revoke {name})"
        ),
        Some(Some(_)) => {
            // A revoked name may be reused: the old row gives way to the new token.
            conn.execute("DELETE FROM api_tokens WHERE name = ?1", [name])?;
        }
        None => {}
    }
    let token = ApiToken::generate();
    conn.execute(
        "INSERT INTO api_tokens (name, token_hash, created_at, roles) VALUES (?1, ?2, ?3, ?4)",
        params![
            name,
            hash_api_token(token.as_str()),
            clock::now_ms(),
            Role::join(&roles)
        ],
    )?;
    Ok(token)
}

pub fn list(conn: &Connection) -> anyhow::Result<Vec<TokenInfo>> {
    let mut stmt =
        conn.prepare("SELECT name, created_at, revoked_at, roles FROM api_tokens ORDER BY name")?;
    let rows = stmt.query_map([], |row| {
        Ok(TokenInfo {
            name: row.get(0)?,
            created_at: clock::to_rfc3339(row.get(1)?),
            revoked_at: row.get::<_, Option<i64>>(2)?.map(clock::to_rfc3339),
            roles: row
                .get::<_, String>(3)?
                .split(',')
                .filter_map(Role::parse)
                .collect(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn revoke(conn: &Connection, name: &str) -> anyhow::Result<()> {
    let changed = conn.execute(
        "UPDATE api_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        params![name, clock::now_ms()],
    )?;
    if changed == 0 {
        anyhow::bail!("no active token named {name:?}");
    }
    Ok(())
}
