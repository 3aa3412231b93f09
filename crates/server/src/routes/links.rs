//! Issuing and revoking links: `POST /api/v1/campaigns/{slug}/links`, `DELETE /api/v1/links/{token}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use clipdesk_protocol::Handle;
use clipdesk_protocol::api::{CreateLinks, CreatedLinks, EventKind, IssuedLink, LinkRecipient};
use rusqlite::{OptionalExtension, params};

use crate::auth::Operator;
use crate::clock;
use crate::domain::{LinkToken, Slug};
use crate::error::{ApiError, ApiJson, ApiQuery};
use crate::events::{NewEvent, Tx};
use crate::state::AppState;
use crate::uploads::storage::{delete_video_files, part_path, remove_quietly_async};

pub const MAX_RECIPIENTS: usize = 1000;
/// Tags one recipient may carry, and the characters of each.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 32;

/// A recipient after its fields passed the rules.
struct Recipient {
    handle: Handle,
    user_id: Option<String>,
    display_name: Option<String>,
    /// Trimmed, unique ignoring case, kept as typed.
    tags: Vec<String>,
}

pub async fn create(
    State(state): State<AppState>,
    operator: Operator,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<CreateLinks>,
) -> Result<ApiJson<CreatedLinks>, ApiError> {
    let slug = Slug::parse(&slug)?;
    if body.recipients.is_empty() {
        return Err(ApiError::invalid(
            "recipients",
            "must name at least one recipient",
        ));
    }
    if body.recipients.len() > MAX_RECIPIENTS {
        return Err(ApiError::invalid(
            "recipients",
            format!(
                "{} recipients in one request; at most {MAX_RECIPIENTS}",
                body.recipients.len()
            ),
        ));
    }
    // Every recipient is checked before anything is written: one bad one fails them all.
    let recipients = body
        .recipients
        .iter()
        .enumerate()
        .map(|(index, r)| check_recipient(index, r))
        .collect::<Result<Vec<_>, _>>()?;
    let public_url = state.public_url.clone();
    let links = state
        .feed
        .transact(move |tx| {
            let exists: bool = tx
                .query_row(
                    "SELECT 1 FROM campaigns WHERE slug = ?1",
                    [slug.as_str()],
                    |_| Ok(true),
                )
                .optional()?
                .unwrap_or(false);
            if !exists {
                return Err(ApiError::NotFound(format!(
                    "no campaign {:?}; create it with PUT /api/v1/campaigns/{}",
                    slug.as_str(),
                    slug.as_str()
                )));
            }
            recipients
                .iter()
                .map(|r| issue(tx, slug.as_str(), r, &operator.name, &public_url))
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(ApiJson(CreatedLinks { links }))
}

fn check_recipient(index: usize, r: &LinkRecipient) -> Result<Recipient, ApiError> {
    let field = |name: &str| format!("recipients[{index}].{name}");
    let handle = Handle::parse(&r.handle)
        .map_err(|err| ApiError::invalid(field("handle"), format!("{:?}: {err}", r.handle)))?;
    let user_id = match r
        .user_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(id) if id.len() <= 24 && id.bytes().all(|b| b.is_ascii_digit()) => Some(id.to_owned()),
        Some(id) => {
            return Err(ApiError::invalid(
                field("user_id"),
                format!("{id:?} is not a numeric TikTok user id (digits only)"),
            ));
        }
    };
    let display_name = r
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if display_name
        .as_ref()
        .is_some_and(|n| n.chars().count() > 100)
    {
        return Err(ApiError::invalid(
            field("display_name"),
            "at most 100 characters",
        ));
    }
    let tags = check_tags(&r.tags).map_err(|reason| ApiError::invalid(field("tags"), reason))?;
    Ok(Recipient {
        handle,
        user_id,
        display_name,
        tags,
    })
}

/// At most [`MAX_TAGS`], each 1 to [`MAX_TAG_CHARS`] characters once trimmed, no two the same
/// ignoring case; the reason names the tag that broke a rule.
fn check_tags(tags: &[String]) -> Result<Vec<String>, String> {
    if tags.len() > MAX_TAGS {
        return Err(format!("{} tags; at most {MAX_TAGS}", tags.len()));
    }
    let mut checked: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let trimmed = tag.trim();
        let chars = trimmed.chars().count();
        if chars == 0 || chars > MAX_TAG_CHARS {
            return Err(format!(
                "{tag:?} must be 1 to {MAX_TAG_CHARS} characters once trimmed"
            ));
        }
        if checked.iter().any(|seen| same_tag(seen, trimmed)) {
            return Err(format!("{trimmed:?} is named twice (tags ignore case)"));
        }
        checked.push(trimmed.to_owned());
    }
    Ok(checked)
}

fn same_tag(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// `stored` with each of `new` that it lacks (ignoring case) appended; `None` when nothing is
/// new.
fn merge_tags(stored: &[String], new: &[String]) -> Option<Vec<String>> {
    let mut merged = stored.to_vec();
    for tag in new {
        if !merged.iter().any(|seen| same_tag(seen, tag)) {
            merged.push(tag.clone());
        }
    }
    (merged.len() > stored.len()).then_some(merged)
}

/// Returns the operator-issued link for (campaign, handle), making it when there is none.
fn issue(
    tx: &mut Tx<'_>,
    campaign: &str,
    r: &Recipient,
    operator: &str,
    public_url: &str,
) -> Result<IssuedLink, ApiError> {
    let handle = r.handle.as_str();
    let existing: Option<(String, String)> = tx
        .query_row(
            "SELECT token, tags FROM links
             WHERE campaign = ?1 AND handle = ?2 AND self_reported = 0",
            params![campaign, handle],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (token, created) = match existing {
        Some((token, stored)) => {
            // Tags added later join the ones the link has; the link itself stays as it was.
            let stored: Vec<String> = serde_json::from_str(&stored).unwrap_or_default();
            if let Some(merged) = merge_tags(&stored, &r.tags) {
                let merged = serde_json::to_string(&merged).map_err(anyhow::Error::from)?;
                tx.execute(
                    "UPDATE links SET tags = ?2 WHERE token = ?1",
                    params![token, merged],
                )?;
            }
            (token, false)
        }
        None => {
            let token = LinkToken::generate();
            tx.execute(
                "INSERT INTO links (token, campaign, handle, user_id, display_name, issued_by,
                                    self_reported, created_at, tags)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)",
                params![
                    token.as_str(),
                    campaign,
                    handle,
                    r.user_id,
                    r.display_name,
                    operator,
                    clock::now_ms(),
                    serde_json::to_string(&r.tags).map_err(anyhow::Error::from)?
                ],
            )?;
            tx.append(
                EventKind::LinkCreated,
                NewEvent {
                    campaign: Some(campaign),
                    handle: Some(handle),
                    link: Some(token.as_str()),
                    detail: Some(serde_json::json!({
                        "user_id": r.user_id,
                        "display_name": r.display_name,
                        "issued_by": operator,
                        "self_reported": false,
                        "tags": r.tags,
                    })),
                    ..NewEvent::default()
                },
            )?;
            (token.as_str().to_owned(), true)
        }
    };
    Ok(IssuedLink {
        handle: handle.to_owned(),
        url: format!("{public_url}/r/{token}"),
        token,
        created,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct RevokeQuery {
    #[serde(default)]
    forget: bool,
}

/// `DELETE /api/v1/links/{token}`: revoke; with `?forget=true`, forget the person entirely.
pub async fn revoke(
    State(state): State<AppState>,
    operator: Operator,
    Path(token): Path<String>,
    ApiQuery(query): ApiQuery<RevokeQuery>,
) -> Result<StatusCode, ApiError> {
    if query.forget {
        return forget(state, operator, token).await;
    }
    state
        .feed
        .transact(move |tx| {
            let found: Option<(String, String, Option<i64>)> = tx
                .query_row(
                    "SELECT campaign, handle, revoked_at FROM links WHERE token = ?1",
                    [&token],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let Some((campaign, handle, revoked_at)) = found else {
                return Err(ApiError::NotFound("no such link".into()));
            };
            if revoked_at.is_none() {
                tx.execute(
                    "UPDATE links SET revoked_at = ?2 WHERE token = ?1",
                    params![token, clock::now_ms()],
                )?;
                tx.append(
                    EventKind::LinkRevoked,
                    NewEvent {
                        campaign: Some(&campaign),
                        handle: Some(&handle),
                        link: Some(&token),
                        detail: Some(serde_json::json!({ "revoked_by": operator.name })),
                        ..NewEvent::default()
                    },
                )?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a person's videos (files and rows), unfinished uploads and link, scrubs what
/// earlier events said about them, and appends `link_forgotten` (which names nobody: only the
/// link token every desktop matches on) so every desktop deletes its copy too. Rows go in one
/// transaction; files after it commits (start-up removes any a crash left behind).
async fn forget(
    state: AppState,
    operator: Operator,
    token: String,
) -> Result<StatusCode, ApiError> {
    let (uploads, videos) = state
        .feed
        .transact(move |tx| {
            let campaign: Option<String> = tx
                .query_row(
                    "SELECT campaign FROM links WHERE token = ?1",
                    [&token],
                    |row| row.get(0),
                )
                .optional()?;
            let Some(campaign) = campaign else {
                return Err(ApiError::NotFound("no such link".into()));
            };
            let ids = |sql: &str| -> rusqlite::Result<Vec<String>> {
                let mut stmt = tx.prepare(sql)?;
                let rows = stmt.query_map([&token], |row| row.get(0))?;
                rows.collect()
            };
            let uploads = ids("SELECT id FROM uploads WHERE link = ?1")?;
            let videos = ids("SELECT id FROM videos WHERE link = ?1
                 UNION SELECT video_id FROM uploads WHERE link = ?1 AND video_id IS NOT NULL")?;
            let video_rows: i64 = tx.query_row(
                "SELECT count(*) FROM videos WHERE link = ?1",
                [&token],
                |row| row.get(0),
            )?;
            tx.execute("DELETE FROM videos WHERE link = ?1", [&token])?;
            tx.execute("DELETE FROM uploads WHERE link = ?1", [&token])?;
            // Their sends still count for the operator's pacing, but no longer name them.
            tx.execute(
                "UPDATE sends SET handle = NULL, link = NULL WHERE link = ?1",
                [&token],
            )?;
            tx.execute("DELETE FROM links WHERE token = ?1", [&token])?;
            tx.execute(
                "UPDATE events SET handle = NULL, detail = '{}' WHERE link = ?1",
                [&token],
            )?;
            tx.append(
                EventKind::LinkForgotten,
                NewEvent {
                    campaign: Some(&campaign),
                    link: Some(&token),
                    detail: Some(
                        serde_json::json!({ "forgotten_by": operator.name, "videos": video_rows }),
                    ),
                    ..NewEvent::default()
                },
            )?;
            Ok((uploads, videos))
        })
        .await?;
    const DOING: &str = "deleting a forgotten person's files";
    for id in uploads {
        remove_quietly_async(part_path(&state.config.uploads_dir(), &id), DOING).await?;
    }
    for id in videos {
        // The local folder and, with a bucket, the video's objects.
        delete_video_files(&state.config, state.objects.as_ref(), &id, DOING).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
