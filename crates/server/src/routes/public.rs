//! What the recorder page reads without credentials: a link (counting its first open) and,
//! for campaigns with a public page, the campaign and self-reported links.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use clipdesk_protocol::Handle;
use clipdesk_protocol::api::{EventKind, PublicCampaign, PublicLink, SelfReportedHandle};
use rusqlite::{Connection, OptionalExtension, params};

use crate::clock;
use crate::domain::{LinkToken, Slug};
use crate::error::{ApiError, ApiJson};
use crate::events::{NewEvent, Tx};
use crate::links::{self, LinkRecord};
use crate::routes::campaigns::parse_strings;
use crate::state::AppState;

/// `GET /api/v1/public/links/{token}`. The page calls it when its script runs, so the first
/// call is the open (preview bots fetch HTML without running scripts).
pub async fn link(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<ApiJson<PublicLink>, ApiError> {
    let token = LinkToken::parse(&token)
        .ok_or_else(|| ApiError::NotFound("this link does not exist".into()))?;
    let per_link = state.config.uploads_per_link;
    let link = state
        .feed
        .transact(move |tx| {
            let link = links::usable(tx, token.as_str())?;
            mark_opened(tx, &link)?;
            public_view(tx, link, per_link)
        })
        .await?;
    Ok(ApiJson(link))
}

fn mark_opened(tx: &mut Tx<'_>, link: &LinkRecord) -> Result<(), ApiError> {
    if link.opened_at.is_some() {
        return Ok(());
    }
    tx.execute(
        "UPDATE links SET opened_at = ?2 WHERE token = ?1 AND opened_at IS NULL",
        params![link.token, clock::now_ms()],
    )?;
    tx.append(
        EventKind::LinkOpened,
        NewEvent {
            campaign: Some(&link.campaign),
            handle: Some(&link.handle),
            link: Some(&link.token),
            ..NewEvent::default()
        },
    )?;
    Ok(())
}

fn public_view(conn: &Connection, link: LinkRecord, per_link: u32) -> Result<PublicLink, ApiError> {
    let uploads_left = links::uploads_left(conn, &link.token, per_link)?;
    Ok(PublicLink {
        uploads_left,
        strings: parse_strings(&link.strings),
        token: link.token,
        handle: link.handle,
        display_name: link.display_name,
        campaign_title: link.campaign_title,
        prompt: link.prompt,
        max_duration_s: link.max_duration_s,
        self_reported: link.self_reported,
        language: link.language,
    })
}

/// A campaign whose public page is on and that has not expired.
pub fn public_campaign(conn: &Connection, slug: &str) -> Result<PublicCampaign, ApiError> {
    let found = conn
        .query_row(
            "SELECT slug, title, prompt, max_duration_s, language, strings, expires_at
             FROM campaigns WHERE slug = ?1 AND public_page = 1",
            [slug],
            |row| {
                let strings: String = row.get(5)?;
                Ok((
                    PublicCampaign {
                        slug: row.get(0)?,
                        title: row.get(1)?,
                        prompt: row.get(2)?,
                        max_duration_s: row.get(3)?,
                        language: row.get(4)?,
                        strings: parse_strings(&strings),
                    },
                    row.get::<_, Option<i64>>(6)?,
                ))
            },
        )
        .optional()?;
    match found {
        None => Err(ApiError::NotFound(
            "this campaign has no public page".into(),
        )),
        Some((_, Some(expires))) if expires <= clock::now_ms() => Err(ApiError::LinkExpired),
        Some((campaign, _)) => Ok(campaign),
    }
}

/// `GET /api/v1/public/campaigns/{slug}`.
pub async fn campaign(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ApiJson<PublicCampaign>, ApiError> {
    let slug = Slug::parse(&slug)
        .map_err(|_| ApiError::NotFound("this campaign has no public page".into()))?;
    let campaign = state
        .db()
        .call(move |conn| public_campaign(conn, slug.as_str()))
        .await?;
    Ok(ApiJson(campaign))
}

/// `POST /api/v1/public/campaigns/{slug}/links`: a visitor's own handle, marked self-reported.
/// Never hands out an operator-issued link: that token is the invited person's capability.
pub async fn self_reported_link(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<SelfReportedHandle>,
) -> Result<(StatusCode, ApiJson<PublicLink>), ApiError> {
    let slug = Slug::parse(&slug)
        .map_err(|_| ApiError::NotFound("this campaign has no public page".into()))?;
    let handle =
        Handle::parse(&body.handle).map_err(|err| ApiError::invalid("handle", err.to_string()))?;
    let per_link = state.config.uploads_per_link;
    let (created, link) = state
        .feed
        .transact(move |tx| {
            public_campaign(tx, slug.as_str())?;
            let existing: Option<String> = tx
                .query_row(
                    "SELECT token FROM links WHERE campaign = ?1 AND handle = ?2 AND self_reported = 1",
                    params![slug.as_str(), handle.as_str()],
                    |row| row.get(0),
                )
                .optional()?;
            let created = existing.is_none();
            let token = match existing {
                Some(token) => token,
                None => {
                    let token = LinkToken::generate();
                    tx.execute(
                        "INSERT INTO links (token, campaign, handle, self_reported, created_at)
                         VALUES (?1, ?2, ?3, 1, ?4)",
                        params![token.as_str(), slug.as_str(), handle.as_str(), clock::now_ms()],
                    )?;
                    tx.append(
                        EventKind::LinkCreated,
                        NewEvent {
                            campaign: Some(slug.as_str()),
                            handle: Some(handle.as_str()),
                            link: Some(token.as_str()),
                            detail: Some(serde_json::json!({ "self_reported": true })),
                            ..NewEvent::default()
                        },
                    )?;
                    token.as_str().to_owned()
                }
            };
            let link = links::usable(tx, &token)?;
            // The visitor is on the page with a running script: that is the open.
            mark_opened(tx, &link)?;
            Ok((created, public_view(tx, link, per_link)?))
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ApiJson(link)))
}
