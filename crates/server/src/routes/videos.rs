//! Videos for the desktop (`GET /api/v1/videos`, `GET /api/v1/videos/{id}`) and their one
//! review (`PUT /api/v1/videos/{id}/review`), kept here as the single source of truth.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use clipdesk_protocol::api::EventKind;
use clipdesk_protocol::media::{
    MediaUrls, PosterFrame, Review, ReviewConflict, ReviewDecision, ReviewUpdate, Video,
    VideoProbe, VideoState, VideosPage, check_rating, check_tags,
};
use clipdesk_protocol::{ErrorBody, ErrorCode};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Deserialize;

use crate::auth::Reviewer;
use crate::clock;
use crate::error::{ApiError, ApiJson, ApiQuery};
use crate::events::NewEvent;
use crate::state::AppState;

const MAX_LIMIT: u32 = 200;
const MAX_NOTE: usize = 2000;
/// The longest reviewer name taken, as long as a desktop's operator name may be.
const MAX_REVIEWER: usize = 64;

const SELECT: &str = "SELECT v.rowid, v.id, v.link, v.campaign, v.handle, l.display_name,
        l.self_reported, v.filename, v.filetype, v.consent, v.size, v.rendition_size, v.state,
        v.duration_ms, v.width, v.height, v.rotation, v.video_codec, v.audio_codec, v.container,
        v.failure, v.created_at, v.ready_at,
        r.decision, r.note, r.reviewer, r.version, r.updated_at,
        v.sha256 AS sha256, l.user_id AS user_id,
        (SELECT min(u.created_at) FROM uploads u WHERE u.video_id = v.id) AS consent_at,
        r.tags AS review_tags, r.rating AS review_rating, v.poster_version AS poster_version
    FROM videos v JOIN links l ON l.token = v.link LEFT JOIN reviews r ON r.video_id = v.id";

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    after: i64,
    limit: Option<u32>,
    /// Only videos with this tag (ignoring case).
    tag: Option<String>,
    /// Only videos rated at least this (1 to 5).
    rating_min: Option<u8>,
}

pub async fn list(
    State(state): State<AppState>,
    _reviewer: Reviewer,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<ApiJson<VideosPage>, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1 to {MAX_LIMIT}"),
        ));
    }
    if let Some(min) = query.rating_min {
        check_rating(Some(min)).map_err(|reason| ApiError::invalid("rating_min", reason))?;
    }
    let urls = state.clone();
    let page = state
        .db()
        .call(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{SELECT} WHERE v.rowid > ?1
                   AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(r.tags)
                                              WHERE lower(json_each.value) = lower(?3)))
                   AND (?4 IS NULL OR r.rating >= ?4)
                 ORDER BY v.rowid LIMIT ?2"
            ))?;
            let rows = stmt.query_map(
                params![
                    query.after,
                    i64::from(limit) + 1,
                    query.tag.as_deref().map(str::trim),
                    query.rating_min
                ],
                read_row,
            )?;
            let mut videos = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            let more = videos.len() > limit as usize;
            videos.truncate(limit as usize);
            Ok((videos, more))
        })
        .await?;
    let (rows, more) = page;
    let next_after = rows.last().map_or(query.after, |r| r.seq);
    let videos = rows.into_iter().map(|row| row.into_video(&urls)).collect();
    Ok(ApiJson(VideosPage {
        videos,
        next_after,
        more,
    }))
}

pub async fn get(
    State(state): State<AppState>,
    _reviewer: Reviewer,
    Path(id): Path<String>,
) -> Result<ApiJson<Video>, ApiError> {
    let row = state
        .db()
        .call(move |conn| Ok(load(conn, &id)?))
        .await?
        .ok_or_else(|| ApiError::NotFound("no such video".into()))?;
    Ok(ApiJson(row.into_video(&state)))
}

pub fn load(conn: &Connection, id: &str) -> rusqlite::Result<Option<VideoRow>> {
    conn.query_row(&format!("{SELECT} WHERE v.id = ?1"), [id], read_row)
        .optional()
}

/// `PUT /api/v1/videos/{id}/review`: compare-and-set on `version`. The review is recorded as
/// the reviewer the desktop names (its operator), else as the API token's name; the event also
/// keeps the token's name, the identity the server checked.
pub async fn review(
    State(state): State<AppState>,
    caller: Reviewer,
    Path(id): Path<String>,
    ApiJson(update): ApiJson<ReviewUpdate>,
) -> Result<Response, ApiError> {
    if update.note.chars().count() > MAX_NOTE {
        return Err(ApiError::invalid(
            "note",
            format!("at most {MAX_NOTE} characters"),
        ));
    }
    let reviewer = match update.reviewer.as_deref().map(str::trim) {
        None => caller.name.clone(),
        Some(name) if name.is_empty() || name.chars().count() > MAX_REVIEWER => {
            return Err(ApiError::invalid(
                "reviewer",
                format!("must be 1 to {MAX_REVIEWER} characters"),
            ));
        }
        Some(name) => name.to_owned(),
    };
    let tags = match &update.tags {
        Some(tags) => Some(check_tags(tags).map_err(|reason| ApiError::invalid("tags", reason))?),
        None => None,
    };
    if let Some(rating) = update.rating {
        check_rating(rating).map_err(|reason| ApiError::invalid("rating", reason))?;
    }
    let outcome = state
        .feed
        .transact(move |tx| {
            let current = current_review(tx, &id)?
                .ok_or_else(|| ApiError::NotFound("no such video".into()))?;
            if current.version != update.version {
                return Ok(Err(current));
            }
            let now = clock::now_ms();
            let version = current.version + 1;
            // Absent tags or rating stay as they are.
            let tags = tags.unwrap_or(current.tags);
            let rating = update.rating.unwrap_or(current.rating);
            tx.execute(
                "UPDATE reviews SET decision = ?2, note = ?3, reviewer = ?4, version = ?5, updated_at = ?6,
                                    tags = ?7, rating = ?8
                 WHERE video_id = ?1",
                params![
                    id,
                    update.decision.as_str(),
                    update.note,
                    reviewer,
                    version,
                    now,
                    tags_json(&tags),
                    rating
                ],
            )?;
            let (campaign, handle, link): (String, String, String) = tx.query_row(
                "SELECT campaign, handle, link FROM videos WHERE id = ?1",
                [&id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )?;
            tx.append(
                EventKind::ReviewSet,
                NewEvent {
                    campaign: Some(&campaign),
                    handle: Some(&handle),
                    link: Some(&link),
                    video_id: Some(&id),
                    detail: Some(serde_json::json!({
                        "decision": update.decision,
                        "note": update.note,
                        "reviewer": reviewer,
                        "token": caller.name,
                        "version": version,
                        "tags": tags,
                        "rating": rating,
                    })),
                    ..NewEvent::default()
                },
            )?;
            Ok(Ok(Review {
                decision: update.decision,
                note: update.note,
                reviewer: Some(reviewer),
                version,
                updated_at: Some(clock::to_rfc3339(now)),
                tags,
                rating,
            }))
        })
        .await?;
    Ok(match outcome {
        Ok(review) => Json(review).into_response(),
        Err(current) => {
            let who = current.reviewer.clone().unwrap_or_else(|| "someone".into());
            (
                StatusCode::CONFLICT,
                Json(ReviewConflict {
                    error: ErrorBody {
                        code: ErrorCode::Conflict,
                        message: format!(
                            "{who} changed this review first (now version {}); look at their decision before deciding again",
                            current.version
                        ),
                    },
                    current,
                }),
            )
                .into_response()
        }
    })
}

/// `PUT /api/v1/videos/{id}/poster`: the frame at `at_ms` becomes the poster; the answer is
/// the video with its new poster URL.
pub async fn poster(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(id): Path<String>,
    ApiJson(frame): ApiJson<PosterFrame>,
) -> Result<ApiJson<Video>, ApiError> {
    crate::media::poster_frame::set_from_frame(&state, &reviewer.name, &id, frame.at_ms).await?;
    get(State(state), reviewer, Path(id)).await
}

fn current_review(conn: &Connection, id: &str) -> rusqlite::Result<Option<Review>> {
    conn.query_row(
        "SELECT decision, note, reviewer, version, updated_at, tags, rating
         FROM reviews WHERE video_id = ?1",
        [id],
        |row| {
            Ok(Review {
                decision: ReviewDecision::from_stored(&row.get::<_, String>(0)?),
                note: row.get(1)?,
                reviewer: row.get(2)?,
                version: row.get(3)?,
                updated_at: Some(clock::to_rfc3339(row.get(4)?)),
                tags: read_tags(row.get(5)?),
                rating: row.get(6)?,
            })
        },
    )
    .optional()
}

/// A row before its URLs are signed (signing needs the state, not the connection).
pub struct VideoRow {
    seq: i64,
    /// Grows each time a reviewer picks a poster frame; in the poster URL so caches miss.
    poster_version: i64,
    video: Video,
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

/// Stored tags; a row written before tags existed (or unreadable) has none.
fn read_tags(text: Option<String>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<VideoRow> {
    let state = match row.get::<_, String>(12)?.as_str() {
        "ready" => VideoState::Ready,
        "failed" => VideoState::Failed,
        _ => VideoState::Received,
    };
    let container: String = row.get(19)?;
    let probe = match (
        row.get::<_, Option<u64>>(13)?,
        row.get::<_, Option<String>>(17)?,
    ) {
        (Some(duration_ms), Some(video_codec)) => Some(VideoProbe {
            duration_ms,
            width: row.get(14)?,
            height: row.get(15)?,
            rotation: row.get(16)?,
            video_codec,
            audio_codec: row.get(18)?,
            container: container.clone(),
        }),
        _ => None,
    };
    let seq: i64 = row.get(0)?;
    Ok(VideoRow {
        seq,
        poster_version: row.get("poster_version")?,
        video: Video {
            id: row.get(1)?,
            seq,
            link: row.get(2)?,
            campaign: row.get(3)?,
            handle: row.get(4)?,
            display_name: row.get(5)?,
            self_reported: row.get(6)?,
            filename: row.get(7)?,
            filetype: row.get(8)?,
            consent: row.get(9)?,
            consent_at: row
                .get::<_, Option<i64>>("consent_at")?
                .map(clock::to_rfc3339),
            sha256: row.get("sha256")?,
            user_id: row.get("user_id")?,
            size: row.get(10)?,
            rendition_size: row.get(11)?,
            state,
            probe,
            failure: row.get(20)?,
            received_at: clock::to_rfc3339(row.get(21)?),
            ready_at: row.get::<_, Option<i64>>(22)?.map(clock::to_rfc3339),
            review: Review {
                decision: ReviewDecision::from_stored(
                    &row.get::<_, Option<String>>(23)?.unwrap_or_default(),
                ),
                note: row.get::<_, Option<String>>(24)?.unwrap_or_default(),
                reviewer: row.get(25)?,
                version: row.get::<_, Option<i64>>(26)?.unwrap_or(0),
                updated_at: row.get::<_, Option<i64>>(27)?.map(clock::to_rfc3339),
                tags: read_tags(row.get("review_tags")?),
                rating: row.get("review_rating")?,
            },
            urls: MediaUrls {
                original: String::new(),
                rendition: None,
                poster: None,
                download: String::new(),
                expires_at: String::new(),
            },
        },
    })
}

impl VideoRow {
    fn into_video(self, state: &AppState) -> Video {
        let mut video = self.video;
        let exp = clock::now_ms() / 1000
            + i64::try_from(state.config.media_url_ttl.as_secs()).unwrap_or(3600);
        let url = |kind: &str| {
            format!(
                "{}/media/{}/{kind}?{}",
                state.public_url,
                video.id,
                state.signer.sign(&video.id, kind, exp)
            )
        };
        let ready = video.state == VideoState::Ready;
        video.urls = MediaUrls {
            original: url("original"),
            rendition: ready.then(|| url("rendition")),
            poster: ready.then(|| match self.poster_version {
                0 => url("poster"),
                v => format!("{}&v={v}", url("poster")),
            }),
            download: url("download"),
            expires_at: clock::to_rfc3339(exp * 1000),
        };
        video
    }
}
