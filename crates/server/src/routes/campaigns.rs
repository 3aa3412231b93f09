//! Campaigns as operators define them: `PUT /api/v1/campaigns/{slug}`.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use clipdesk_protocol::api::{Campaign, CampaignUpsert};
use rusqlite::{Connection, OptionalExtension, params};

use crate::auth::Operator;
use crate::clock;
use crate::domain::Slug;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;

const MAX_DURATION_S: u32 = 600;

pub async fn upsert(
    State(state): State<AppState>,
    _operator: Operator,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<CampaignUpsert>,
) -> Result<(StatusCode, ApiJson<Campaign>), ApiError> {
    let slug = Slug::parse(&slug)?;
    let expires_at = validate(&body)?;
    let (created, campaign) = state
        .db()
        .call(move |conn| {
            let now = clock::now_ms();
            let strings = serde_json::to_string(&body.strings).map_err(anyhow::Error::from)?;
            let tx = conn.transaction()?;
            let created = load(&tx, slug.as_str())?.is_none();
            // One upsert: a new slug is inserted, a known one keeps its created_at.
            tx.execute(
                "INSERT INTO campaigns (slug, title, prompt, max_duration_s, expires_at, public_page,
                                        language, strings, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
                 ON CONFLICT (slug) DO UPDATE SET
                    title = excluded.title, prompt = excluded.prompt,
                    max_duration_s = excluded.max_duration_s, expires_at = excluded.expires_at,
                    public_page = excluded.public_page, language = excluded.language,
                    strings = excluded.strings, updated_at = excluded.updated_at",
                params![
                    slug.as_str(),
                    body.title.trim(),
                    body.prompt.trim(),
                    body.max_duration_s,
                    expires_at,
                    body.public_page,
                    body.language,
                    strings,
                    now
                ],
            )?;
            let campaign = load(&tx, slug.as_str())?
                .ok_or_else(|| anyhow::anyhow!("campaign vanished inside its own transaction"))?;
            tx.commit()?;
            Ok((created, campaign))
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ApiJson(campaign)))
}

/// Checks every field and returns the expiry as Unix milliseconds.
fn validate(body: &CampaignUpsert) -> Result<Option<i64>, ApiError> {
    let title = body.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(ApiError::invalid("title", "must be 1 to 200 characters"));
    }
    if body.prompt.chars().count() > 2000 {
        return Err(ApiError::invalid(
            "prompt",
            "must be at most 2000 characters",
        ));
    }
    if body.max_duration_s == 0 || body.max_duration_s > MAX_DURATION_S {
        return Err(ApiError::invalid(
            "max_duration_s",
            format!("must be 1 to {MAX_DURATION_S} seconds"),
        ));
    }
    if let Some(language) = &body.language {
        let ok = (2..=16).contains(&language.len())
            && language
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !ok {
            return Err(ApiError::invalid(
                "language",
                "must be a language tag such as 'en' or 'es-MX'",
            ));
        }
    }
    if body.strings.len() > 200 {
        return Err(ApiError::invalid("strings", "at most 200 overrides"));
    }
    if let Some((key, _)) = body
        .strings
        .iter()
        .find(|(k, v)| k.len() > 64 || v.chars().count() > 1000)
    {
        return Err(ApiError::invalid(
            format!("strings.{key}"),
            "keys are at most 64 and texts at most 1000 characters",
        ));
    }
    body.expires_at
        .as_deref()
        .map(|text| {
            clock::parse_rfc3339(text).ok_or_else(|| {
                ApiError::invalid("expires_at", format!("{text:?} is not an RFC 3339 time"))
            })
        })
        .transpose()
}

pub fn load(conn: &Connection, slug: &str) -> rusqlite::Result<Option<Campaign>> {
    conn.query_row(
        "SELECT slug, title, prompt, max_duration_s, expires_at, public_page, language, strings,
                created_at, updated_at
         FROM campaigns WHERE slug = ?1",
        [slug],
        |row| {
            let strings: String = row.get(7)?;
            Ok(Campaign {
                slug: row.get(0)?,
                title: row.get(1)?,
                prompt: row.get(2)?,
                max_duration_s: row.get(3)?,
                expires_at: row.get::<_, Option<i64>>(4)?.map(clock::to_rfc3339),
                public_page: row.get(5)?,
                language: row.get(6)?,
                strings: parse_strings(&strings),
                created_at: clock::to_rfc3339(row.get(8)?),
                updated_at: clock::to_rfc3339(row.get(9)?),
            })
        },
    )
    .optional()
}

pub fn parse_strings(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}
