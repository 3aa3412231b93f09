//! What the recorder page reads without credentials: a link (counting its first open) and,
//! for campaigns with a public page, the campaign and self-reported links.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use clipdesk_protocol::Handle;
use clipdesk_protocol::api::{
    DeclineLink, EventKind, PublicCampaign, PublicLink, SelfReportedHandle,
};
use clipdesk_protocol::name::first_name;
use rusqlite::{Connection, params};

use crate::campaigns::{self, parse_strings};
use crate::clock;
use crate::domain::{LinkToken, Slug};
use crate::error::{ApiError, ApiJson};
use crate::events::{NewEvent, Tx};
use crate::links::{self, LinkRecord};
use crate::rate_limit::ClientIp;
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
    let fallback = state.config.organisation.clone();
    let link = state
        .feed
        .transact(move |tx| {
            let link = links::usable(tx, token.as_str())?;
            mark_opened(tx, &link)?;
            public_view(tx, link, per_link, fallback.as_deref())
        })
        .await?;
    Ok(ApiJson(link))
}

/// The longest reason a person may give for declining.
pub const MAX_DECLINE_REASON: usize = 500;

/// `POST /api/v1/public/links/{token}/decline`: the person said "no thanks". The link takes no
/// more uploads (one still arriving is refused when it finishes), `link_declined` is appended
/// once, and a second call answers the same without a second event. Only the link's holder
/// can call it: the token is the capability, as for uploads.
pub async fn decline(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(body): ApiJson<DeclineLink>,
) -> Result<StatusCode, ApiError> {
    let token = LinkToken::parse(&token)
        .ok_or_else(|| ApiError::NotFound("this link does not exist".into()))?;
    let reason = body
        .reason
        .map(|reason| reason.trim().to_owned())
        .filter(|reason| !reason.is_empty());
    if reason
        .as_deref()
        .is_some_and(|reason| reason.chars().count() > MAX_DECLINE_REASON)
    {
        return Err(ApiError::invalid(
            "reason",
            format!("at most {MAX_DECLINE_REASON} characters"),
        ));
    }
    state
        .feed
        .transact(move |tx| {
            let link = match links::usable(tx, token.as_str()) {
                Ok(link) => link,
                Err(ApiError::LinkDeclined) => return Ok(()),
                Err(err) => return Err(err),
            };
            tx.execute(
                "UPDATE links SET declined_at = ?2, decline_reason = ?3
                 WHERE token = ?1 AND declined_at IS NULL",
                params![link.token, clock::now_ms(), reason],
            )?;
            tx.append(
                EventKind::LinkDeclined,
                NewEvent {
                    campaign: Some(&link.campaign),
                    handle: Some(&link.handle),
                    link: Some(&link.token),
                    detail: Some(serde_json::json!({ "reason": reason })),
                    ..NewEvent::default()
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
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

fn public_view(
    conn: &Connection,
    link: LinkRecord,
    per_link: u32,
    fallback_organisation: Option<&str>,
) -> Result<PublicLink, ApiError> {
    let uploads_left = links::uploads_left(conn, &link.token, per_link)?;
    let videos_received = videos_received(conn, &link.token)?;
    let organisation = campaigns::organisation(conn, &link.campaign, fallback_organisation)?;
    let first_name = link
        .display_name
        .as_deref()
        .and_then(first_name)
        .map(str::to_owned);
    Ok(PublicLink {
        organisation,
        uploads_left,
        videos_received,
        first_name,
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

/// Videos that arrived on this link: its rows in `videos`, made only when an upload completed
/// and its bytes were a video. Uploads still receiving or refused as no video (`rejected`) are
/// not videos, and a forgotten person's rows are deleted; a video whose conversion failed, or
/// that a reviewer rejected, still arrived, so it counts: the page thanks for what was sent.
fn videos_received(conn: &Connection, token: &str) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT count(*) FROM videos WHERE link = ?1",
        [token],
        |row| row.get(0),
    )
}

/// `GET /api/v1/public/campaigns/{slug}`.
pub async fn campaign(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ApiJson<PublicCampaign>, ApiError> {
    let slug = Slug::parse(&slug)
        .map_err(|_| ApiError::NotFound("this campaign has no public page".into()))?;
    let mut campaign = state
        .db()
        .call(move |conn| campaigns::public_campaign(conn, slug.as_str()))
        .await?;
    campaign.organisation = campaigns::organisation_named(
        campaign.organisation.take(),
        state.config.organisation.as_deref(),
    );
    Ok(ApiJson(campaign))
}

/// `POST /api/v1/public/campaigns/{slug}/links`: a visitor's own handle, marked self-reported.
/// Every call makes a new link (201), so a handle typed twice never reveals the first visitor's
/// token, nor an invited person's; how many one client may make is limited per hour.
pub async fn self_reported_link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<SelfReportedHandle>,
) -> Result<(StatusCode, ApiJson<PublicLink>), ApiError> {
    let slug = Slug::parse(&slug)
        .map_err(|_| ApiError::NotFound("this campaign has no public page".into()))?;
    let handle =
        Handle::parse(&body.handle).map_err(|err| ApiError::invalid("handle", err.to_string()))?;
    let per_link = state.config.uploads_per_link;
    let limiter = state.limiter.clone();
    let fallback = state.config.organisation.clone();
    let link = state
        .feed
        .transact(move |tx| {
            let campaign = campaigns::public_campaign(tx, slug.as_str())?;
            // Counted once the page is known open: a closed or mistyped campaign stays a 404.
            limiter.claim_self_reported(ip)?;
            let token = campaigns::add_self_reported_link(tx, &campaign, &handle)?;
            let link = links::usable(tx, token.as_str())?;
            // The visitor is on the page with a running script: that is the open.
            mark_opened(tx, &link)?;
            public_view(tx, link, per_link, fallback.as_deref())
        })
        .await?;
    Ok((StatusCode::CREATED, ApiJson(link)))
}
