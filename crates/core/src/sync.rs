//! Sync with clipdesk-server: long-poll the event feed and apply each page together with the
//! new cursor in one transaction (a crash never loses or doubles an event), register links
//! that are still missing, and send review decisions from the outbox.

use std::sync::Arc;
use std::time::Duration;

use clipdesk_protocol::api::{
    CampaignUpsert, CreateLinks, Event, EventKind, EventsPage, LinkRecipient,
};
use clipdesk_protocol::media::{ReviewDecision, ReviewUpdate};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use tokio::sync::{Notify, watch};
use ts_rs::TS;

use crate::campaigns;
use crate::client::{ReviewOutcome, ServerClient};
use crate::clock;
use crate::error::{CoreError, CoreResult};
use crate::settings;
use crate::store::StoreHandle;

/// Events asked for per page.
pub const PAGE: u32 = 500;
/// Seconds a long-poll waits on the server.
pub const WAIT_S: u32 = 25;
/// Links registered per request (the server takes at most 1,000).
pub const LINK_BATCH: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Not started, or no server configured.
    Idle,
    Connected,
    /// Connected, with more events waiting than the last page held.
    Behind,
    Offline,
}

/// What Settings and the status bar show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SyncStatus {
    pub state: SyncState,
    pub cursor: i64,
    pub last_error: Option<String>,
    /// RFC 3339 time of the last successful exchange.
    pub last_sync_at: Option<String>,
    pub pending_reviews: u32,
    pub review_conflicts: u32,
    /// Team mode: outcomes marked here that the server has not got yet.
    pub outbox_pending: u32,
    /// Team mode: outcomes the server refused for good (kept with its reason).
    pub outbox_conflicts: u32,
}

impl Default for SyncStatus {
    fn default() -> Self {
        Self {
            state: SyncState::Idle,
            cursor: 0,
            last_error: None,
            last_sync_at: None,
            pending_reviews: 0,
            review_conflicts: 0,
            outbox_pending: 0,
            outbox_conflicts: 0,
        }
    }
}

pub fn cursor(conn: &Connection) -> CoreResult<i64> {
    Ok(
        conn.query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| {
            r.get(0)
        })?,
    )
}

/// What applying a page changed, for notifications (and the UI's `sync-applied` event).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Applied {
    #[ts(type = "number")]
    pub events: usize,
    /// Videos that arrived (`video_received`) in this page.
    pub new_videos: Vec<String>,
}

/// Applies a page and moves the cursor, all or nothing. Events at or below the stored cursor
/// are skipped, so a page fetched twice (a restart between fetch and apply) applies once.
pub fn apply_page(conn: &mut Connection, page: &EventsPage) -> CoreResult<Applied> {
    let tx = conn.transaction()?;
    let current = cursor(&tx)?;
    let mut applied = Applied::default();
    let mut last = current;
    for event in page.events.iter().filter(|e| e.seq > current) {
        apply_event(&tx, event, &mut applied)?;
        applied.events += 1;
        last = last.max(event.seq);
    }
    tx.execute("UPDATE sync_state SET cursor = ?1 WHERE id = 1", [last])?;
    tx.commit()?;
    Ok(applied)
}

fn apply_event(conn: &Connection, event: &Event, applied: &mut Applied) -> CoreResult<()> {
    let link = event.link.as_deref();
    let at = clock::parse_rfc3339(&event.at).unwrap_or_else(clock::now_ms);
    match event.kind {
        // Links another desktop made: their people join the campaign here (team mode).
        EventKind::LinkCreated => crate::team::apply_event(conn, event, at)?,
        EventKind::UploadStarted => {
            // The first bytes of their video arrived; a resumed upload keeps the first time.
            conn.execute(
                "UPDATE outreach SET upload_started_at = coalesce(upload_started_at, ?2),
                        updated_at = ?2
                 WHERE link_token = ?1",
                params![link, at],
            )?;
        }
        EventKind::LinkRevoked => {
            let by = event.detail["revoked_by"].as_str().unwrap_or("server");
            crate::people::revoked_on_server(conn, link, at, by)?;
        }
        EventKind::LinkDeclined => {
            conn.execute(
                "UPDATE outreach SET declined_at = coalesce(declined_at, ?2),
                        decline_reason = coalesce(decline_reason, ?3), updated_at = ?2
                 WHERE link_token = ?1",
                params![link, at, event.detail["reason"].as_str()],
            )?;
        }
        EventKind::LinkOpened => {
            conn.execute(
                "UPDATE outreach SET link_opened_at = coalesce(link_opened_at, ?2), updated_at = ?2
                 WHERE link_token = ?1",
                params![link, at],
            )?;
        }
        EventKind::VideoReceived => {
            let Some(video) = event.video_id.as_deref() else {
                return Ok(());
            };
            conn.execute(
                "INSERT INTO videos (id, link_token, campaign_slug, handle, state, detail, received_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'received', ?5, ?6, ?6)
                 ON CONFLICT (id) DO NOTHING",
                params![video, link, event.campaign, event.handle, event.detail.to_string(), at],
            )?;
            set_outreach_video(conn, link, video, "received", at)?;
            applied.new_videos.push(video.to_owned());
        }
        EventKind::VideoRejected => {
            conn.execute(
                "UPDATE outreach SET video_state = 'rejected', updated_at = ?2
                 WHERE link_token = ?1 AND video_id IS NULL",
                params![link, at],
            )?;
        }
        EventKind::VideoReady | EventKind::VideoFailed => {
            let Some(video) = event.video_id.as_deref() else {
                return Ok(());
            };
            let state = if event.kind == EventKind::VideoReady {
                "ready"
            } else {
                "failed"
            };
            conn.execute(
                "UPDATE videos SET state = ?2, detail = ?3, updated_at = ?4 WHERE id = ?1",
                params![video, state, event.detail.to_string(), at],
            )?;
            set_outreach_video(conn, link, video, state, at)?;
        }
        EventKind::ReviewSet => {
            let Some(video) = event.video_id.as_deref() else {
                return Ok(());
            };
            let decision = event.detail["decision"].as_str().unwrap_or("pending");
            let note = event.detail["note"].as_str().unwrap_or_default();
            let version = event.detail["version"].as_i64().unwrap_or(0);
            // Servers before tags send neither: what is stored stays.
            let tags = event.detail.get("tags").map(|t| t.to_string());
            let has_rating = event.detail.get("rating").is_some();
            // Only a newer version wins: our own saved review may already be here.
            conn.execute(
                "UPDATE videos SET review = ?2, review_note = ?3, reviewer = ?4, review_version = ?5,
                        updated_at = ?6, tags = coalesce(?7, tags),
                        rating = CASE WHEN ?8 THEN ?9 ELSE rating END
                 WHERE id = ?1 AND review_version < ?5",
                params![
                    video,
                    decision,
                    note,
                    event.detail["reviewer"].as_str(),
                    version,
                    at,
                    tags,
                    has_rating,
                    event.detail["rating"].as_u64()
                ],
            )?;
            conn.execute(
                "UPDATE outreach SET review = ?2, review_note = ?3, updated_at = ?4 WHERE video_id = ?1",
                params![video, decision, note, at],
            )?;
        }
        EventKind::PosterSet => {
            // A reviewer picked another poster: a new version asks for fresh addresses.
            let version = event.detail["poster_version"].as_i64().unwrap_or(0);
            conn.execute(
                "UPDATE videos SET poster_version = max(poster_version, ?2), updated_at = ?3
                 WHERE id = ?1",
                params![event.video_id, version, at],
            )?;
        }
        EventKind::LinkForgotten => {
            // The person asked to be forgotten: every local trace of them goes.
            // The event names nobody; the link token leads to the contact.
            let by = event.detail["forgotten_by"].as_str().unwrap_or("server");
            crate::people::forgotten_on_server(conn, link, by)?;
        }
        // Team mode (issue 13): campaign versions, who holds whom, who sent whom.
        EventKind::CampaignUpdated
        | EventKind::ClaimCreated
        | EventKind::ClaimReleased
        | EventKind::OutcomeSet
        | EventKind::OutcomeUndone
        | EventKind::CampaignDeleted => crate::team::apply_event(conn, event, at)?,
        EventKind::Unknown => {
            conn.execute(
                "INSERT INTO unknown_events (seq, kind, body) VALUES (?1, 'unknown', ?2)
                 ON CONFLICT (seq) DO NOTHING",
                params![
                    event.seq,
                    serde_json::to_string(event).map_err(anyhow::Error::from)?
                ],
            )?;
        }
    }
    Ok(())
}

fn set_outreach_video(
    conn: &Connection,
    link: Option<&str>,
    video: &str,
    state: &str,
    at: i64,
) -> CoreResult<()> {
    conn.execute(
        "UPDATE outreach SET video_id = ?2, video_state = ?3, updated_at = ?4
         WHERE link_token = ?1 AND (video_id IS NULL OR video_id = ?2)",
        params![link, video, state, at],
    )?;
    Ok(())
}

/// One campaign's outreach items that still need a link.
struct LinkBatch {
    slug: String,
    /// The campaign's revision `campaign` is of.
    revision: i64,
    campaign: CampaignUpsert,
    items: Vec<(i64, LinkRecipient)>,
}

/// Outreach items still waiting for a link, per campaign, at most `LINK_BATCH` of one campaign.
fn unlinked(conn: &Connection) -> CoreResult<Option<LinkBatch>> {
    let slug: Option<String> = conn
        .query_row(
            "SELECT c.slug FROM outreach o JOIN campaigns c ON c.id = o.campaign_id
             WHERE o.link_token IS NULL AND c.deleted_at IS NULL LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let Some(slug) = slug else {
        return Ok(None);
    };
    let (revision, campaign) = campaigns::upsert_of(conn, &slug)?;
    let mut stmt = conn.prepare_cached(
        "SELECT o.id, k.handle, k.user_id, k.display_name
         FROM outreach o JOIN campaigns c ON c.id = o.campaign_id JOIN contacts k ON k.id = o.contact_id
         WHERE c.slug = ?1 AND o.link_token IS NULL ORDER BY o.id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![slug, LINK_BATCH as i64], |row| {
        Ok((
            row.get(0)?,
            LinkRecipient {
                handle: row.get(1)?,
                user_id: row.get(2)?,
                display_name: row.get(3)?,
                tags: Vec::new(),
            },
        ))
    })?;
    let items = rows.collect::<rusqlite::Result<_>>()?;
    Ok(Some(LinkBatch {
        slug,
        revision,
        campaign,
        items,
    }))
}

/// Sends the server every campaign changed since it last got it (a saved edit: the page's
/// language, texts, public page…), links or not. Returns how many were sent.
pub async fn push_campaigns(store: &StoreHandle, client: &ServerClient) -> CoreResult<usize> {
    let slugs = store.call(|conn| campaigns::unpushed(conn)).await?;
    for slug in &slugs {
        let wanted = slug.clone();
        let (revision, campaign) = store
            .call(move |conn| campaigns::upsert_of(conn, &wanted))
            .await?;
        match crate::team::push_campaign(store, client, slug, revision, campaign).await {
            Ok(()) => {}
            // The server no longer has it (an admin deleted it): the round goes on to read the
            // feed, whose `campaign_deleted` stops this desktop pushing it.
            Err(CoreError::NotFound(message)) => {
                tracing::warn!(slug, %message, "the server has no such campaign; not pushed");
                continue;
            }
            Err(err) => return Err(err),
        }
        let pushed = slug.clone();
        store
            .call(move |conn| campaigns::mark_pushed(conn, &pushed, revision))
            .await?;
    }
    Ok(slugs.len())
}

/// Registers every missing link with the server, a batch at a time; stops at the first
/// failure (the next sync round retries). Returns how many links were stored.
pub async fn register_links(store: &StoreHandle, client: &ServerClient) -> CoreResult<usize> {
    let mut stored = 0;
    loop {
        let Some(batch) = store.call(|conn| unlinked(conn)).await? else {
            return Ok(stored);
        };
        // The server must know the campaign (and its current landing text) before its links.
        let pushed = crate::team::push_campaign(
            store,
            client,
            &batch.slug,
            batch.revision,
            batch.campaign.clone(),
        )
        .await;
        if let Err(CoreError::NotFound(message)) = &pushed {
            // Deleted on the server: the feed's `campaign_deleted` settles it this round.
            tracing::warn!(slug = batch.slug, %message, "the server has no such campaign");
            return Ok(stored);
        }
        pushed?;
        let (slug, revision) = (batch.slug.clone(), batch.revision);
        store
            .call(move |conn| campaigns::mark_pushed(conn, &slug, revision))
            .await?;
        let body = CreateLinks {
            recipients: batch.items.iter().map(|(_, r)| r.clone()).collect(),
        };
        let created = client.create_links(&batch.slug, &body).await?;
        let ids: Vec<i64> = batch.items.iter().map(|(id, _)| *id).collect();
        stored += store
            .call(move |conn| {
                let tx = conn.transaction()?;
                for (id, link) in ids.iter().zip(&created.links) {
                    tx.execute(
                        "UPDATE outreach SET link_token = ?2, link_url = ?3, updated_at = ?4 WHERE id = ?1",
                        params![id, link.token, link.url, clock::now_ms()],
                    )?;
                }
                tx.commit()?;
                Ok(ids.len())
            })
            .await?;
    }
}

/// Queues a review decision made on this desktop; `sync_outbox` sends it, in the name of the
/// operator Settings names now (a rename later does not change who made this one). Tags and
/// rating stay as the server has them.
pub fn queue_review(
    conn: &Connection,
    video: &str,
    decision: ReviewDecision,
    note: &str,
) -> CoreResult<()> {
    queue_review_with(conn, video, decision, note, None)
}

/// [`queue_review`] that also sends the video's tags and rating (all of them: `None` rating
/// clears it), when `labels` says.
pub fn queue_review_with(
    conn: &Connection,
    video: &str,
    decision: ReviewDecision,
    note: &str,
    labels: Option<(&[String], Option<u8>)>,
) -> CoreResult<()> {
    let reviewer = settings::load(conn)?.operator;
    let base: i64 = conn
        .query_row(
            "SELECT review_version FROM videos WHERE id = ?1",
            [video],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound(format!("no video {video}")))?;
    conn.execute(
        "INSERT INTO review_outbox (video_id, decision, note, reviewer, base_version, created_at,
                                    tags, rating)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            video,
            decision.as_str(),
            note,
            reviewer,
            base,
            clock::now_ms(),
            labels.map(|(tags, _)| serde_json::Value::from(tags).to_string()),
            labels.and_then(|(_, rating)| rating)
        ],
    )?;
    Ok(())
}

/// Sends pending review decisions in order. A 409 marks the decision as a conflict and
/// stores the other reviewer's review: shown, never overwritten.
pub async fn sync_outbox(store: &StoreHandle, client: &ServerClient) -> CoreResult<usize> {
    type Queued = (
        i64,
        String,
        String,
        String,
        Option<String>,
        i64,
        Option<String>,
        Option<u8>,
    );
    let pending: Vec<Queued> = store
        .call(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, video_id, decision, note, reviewer, base_version, tags, rating
                 FROM review_outbox WHERE state = 'pending' ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await?;
    let mut sent = 0;
    for (id, video, decision, note, reviewer, base, tags, rating) in pending {
        // Decisions queued before the outbox kept a name go as the token's; before it kept
        // tags, with neither tags nor rating (the server keeps its own).
        let tags: Option<Vec<String>> = tags.and_then(|t| serde_json::from_str(&t).ok());
        let update = ReviewUpdate {
            decision: ReviewDecision::from_stored(&decision),
            note,
            version: base,
            reviewer,
            rating: tags.is_some().then_some(rating),
            tags,
        };
        let outcome = match client.put_review(&video, &update).await {
            Ok(outcome) => outcome,
            Err(err @ CoreError::Unavailable(_)) => return Err(err),
            Err(err) => {
                let message = err.to_string();
                store
                    .call(move |conn| {
                        conn.execute(
                            "UPDATE review_outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                            params![id, message],
                        )?;
                        Ok(())
                    })
                    .await?;
                continue;
            }
        };
        store
            .call(move |conn| {
                let tx = conn.transaction()?;
                let (state, review) = match &outcome {
                    ReviewOutcome::Saved(review) => ("sent", review),
                    ReviewOutcome::Conflict(review) => ("conflict", review),
                };
                tx.execute(
                    "UPDATE review_outbox SET state = ?2, attempts = attempts + 1 WHERE id = ?1",
                    params![id, state],
                )?;
                tx.execute(
                    "UPDATE videos SET review = ?2, review_note = ?3, reviewer = ?4, review_version = ?5,
                                       tags = ?6, rating = ?7
                     WHERE id = ?1 AND review_version < ?5",
                    params![
                        video,
                        review.decision.as_str(),
                        review.note,
                        review.reviewer,
                        review.version,
                        serde_json::Value::from(review.tags.as_slice()).to_string(),
                        review.rating
                    ],
                )?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        sent += 1;
    }
    Ok(sent)
}

/// Counts for the status line: review decisions (pending, conflicts), then team-mode
/// outcomes (pending, refused).
fn outbox_counts(conn: &Connection) -> CoreResult<[u32; 4]> {
    let count = |table: &str| -> CoreResult<(u32, u32)> {
        Ok(conn.query_row(
            &format!(
                "SELECT count(*) FILTER (WHERE state = 'pending'),
                        count(*) FILTER (WHERE state = 'conflict')
                 FROM {table}"
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    };
    let (reviews, outcomes) = (count("review_outbox")?, count("team_outbox")?);
    Ok([reviews.0, reviews.1, outcomes.0, outcomes.1])
}

/// The sync loop: runs until the returned handle is aborted; reports through `status`.
/// `nudge` cuts a long-poll or a back-off short, so links for contacts just added and review
/// decisions just made go to the server at once rather than at the next round; `on_applied`
/// hears of every page that changed something.
pub fn spawn(
    store: StoreHandle,
    client: ServerClient,
    status: watch::Sender<SyncStatus>,
    nudge: Arc<Notify>,
    on_applied: impl Fn(Applied) + Send + Sync + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // This connection's server (maybe a new one) gets every campaign once.
        if let Err(err) = store.call(|conn| campaigns::forget_pushed(conn)).await {
            tracing::warn!(error = %err, "cannot mark the campaigns to send again");
        }
        let mut backoff = Duration::from_secs(1);
        // The first exchange (and the first after an outage) does not wait, so the status
        // says "connected" at once instead of after a whole long-poll.
        let mut wait = 0;
        loop {
            match round(&store, &client, &nudge, &on_applied, wait).await {
                Ok((page_more, cursor)) => {
                    backoff = Duration::from_secs(1);
                    wait = WAIT_S;
                    let counts = store
                        .call(|conn| outbox_counts(conn))
                        .await
                        .unwrap_or_default();
                    status.send_modify(|s| {
                        s.state = if page_more {
                            SyncState::Behind
                        } else {
                            SyncState::Connected
                        };
                        s.cursor = cursor;
                        s.last_error = None;
                        s.last_sync_at = Some(clock::to_rfc3339(clock::now_ms()));
                        s.pending_reviews = counts[0];
                        s.review_conflicts = counts[1];
                        s.outbox_pending = counts[2];
                        s.outbox_conflicts = counts[3];
                    });
                }
                Err(err) => {
                    let message = crate::error::UserError::from(&err).message;
                    tracing::warn!(error = %message, retry_in_s = backoff.as_secs(), "sync failed");
                    status.send_modify(|s| {
                        s.state = SyncState::Offline;
                        s.last_error = Some(message);
                    });
                    wait = 0;
                    // Something the operator just did (a campaign saved, contacts added) is
                    // tried at once rather than after a back-off of up to a minute.
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        () = nudge.notified() => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                }
            }
        }
    })
}

/// One exchange: links and reviews first (cheap when there is nothing), then one page of the
/// feed (long-polling when caught up, until a nudge).
async fn round(
    store: &StoreHandle,
    client: &ServerClient,
    nudge: &Notify,
    on_applied: &impl Fn(Applied),
    wait_s: u32,
) -> CoreResult<(bool, i64)> {
    push_campaigns(store, client).await?;
    register_links(store, client).await?;
    crate::upgrade::push_history_in_round(store, client).await;
    sync_outbox(store, client).await?;
    crate::team::flush_outbox(store, client).await?;
    let after = store.call(|conn| cursor(conn)).await?;
    let page = tokio::select! {
        page = client.events(after, PAGE, wait_s) => page?,
        () = nudge.notified() => return Ok((false, after)),
    };
    let more = page.more;
    let applied = store.call(move |conn| apply_page(conn, &page)).await?;
    if applied.events > 0 {
        on_applied(applied);
    }
    let cursor = store.call(|conn| cursor(conn)).await?;
    Ok((more, cursor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::open_in_memory;

    fn event(seq: i64, kind: EventKind, video: Option<&str>, detail: serde_json::Value) -> Event {
        Event {
            seq,
            kind,
            at: "2026-11-25T10:00:00Z".into(),
            campaign: Some("spring".into()),
            handle: Some("maya".into()),
            link: Some("tok".into()),
            upload_id: video.map(str::to_owned),
            video_id: video.map(str::to_owned),
            detail,
        }
    }

    fn page(events: Vec<Event>) -> EventsPage {
        let next_after = events.last().map_or(0, |e| e.seq);
        EventsPage {
            events,
            next_after,
            more: false,
        }
    }

    #[test]
    fn the_status_counts_outcomes_waiting_for_the_server_and_refused_ones() {
        let conn = open_in_memory().unwrap();
        conn.execute_batch(
            "INSERT INTO team_outbox (claim_id, body, created_at) VALUES ('c1', '{}', 0), ('c2', '{}', 0);
             INSERT INTO team_outbox (claim_id, body, state, created_at) VALUES ('c3', '{}', 'conflict', 0);",
        )
        .unwrap();
        assert_eq!(outbox_counts(&conn).unwrap(), [0, 0, 2, 1]);
    }

    #[test]
    fn a_page_applied_twice_applies_once_and_moves_the_cursor() {
        let mut conn = open_in_memory().unwrap();
        let p = page(vec![
            event(
                1,
                EventKind::VideoReceived,
                Some("v1"),
                serde_json::json!({"size": 10}),
            ),
            event(
                2,
                EventKind::VideoReady,
                Some("v1"),
                serde_json::json!({"duration_ms": 3000}),
            ),
        ]);
        let first = apply_page(&mut conn, &p).unwrap();
        assert_eq!(first.events, 2);
        assert_eq!(first.new_videos, ["v1"]);
        let again = apply_page(&mut conn, &p).unwrap();
        assert_eq!(again.events, 0, "a page fetched twice applies once");
        assert_eq!(cursor(&conn).unwrap(), 2);
        let state: String = conn
            .query_row("SELECT state FROM videos WHERE id = 'v1'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(state, "ready");
    }

    /// A store where maya was sent campaign "spring" with link `tok`.
    fn maya_sent_with_link_tok() -> Connection {
        let conn = open_in_memory().unwrap();
        conn.execute_batch(
            "INSERT INTO campaigns (id, slug, name, template, dm_url_with_id, dm_url_without_id, created_at, updated_at)
             VALUES (1, 'spring', 'Spring', '{}', 'a', 'b', 0, 0);
             INSERT INTO contacts (id, handle, created_at, updated_at) VALUES (1, 'maya', 0, 0);
             INSERT INTO outreach (campaign_id, contact_id, state, link_token, added_at, updated_at)
             VALUES (1, 1, 'sent', 'tok', 0, 0);",
        )
        .unwrap();
        conn
    }

    #[test]
    fn a_person_who_declined_is_marked_with_their_reason_once() {
        let mut conn = maya_sent_with_link_tok();
        let declined = |seq, reason: &str| {
            event(
                seq,
                EventKind::LinkDeclined,
                None,
                serde_json::json!({ "reason": reason }),
            )
        };
        apply_page(&mut conn, &page(vec![declined(1, "camera shy")])).unwrap();
        apply_page(&mut conn, &page(vec![declined(2, "second thoughts")])).unwrap();
        let (at, reason): (Option<i64>, Option<String>) = conn
            .query_row(
                "SELECT declined_at, decline_reason FROM outreach WHERE link_token = 'tok'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(at.is_some());
        assert_eq!(
            reason.as_deref(),
            Some("camera shy"),
            "the first answer stands"
        );
    }

    #[test]
    fn an_upload_that_started_is_marked_with_its_first_time() {
        let mut conn = maya_sent_with_link_tok();
        let mut first = event(1, EventKind::UploadStarted, None, serde_json::json!({}));
        first.at = "2026-11-25T10:00:00Z".into();
        let mut resumed = event(2, EventKind::UploadStarted, None, serde_json::json!({}));
        resumed.at = "2026-11-26T10:00:00Z".into();
        apply_page(&mut conn, &page(vec![first])).unwrap();
        apply_page(&mut conn, &page(vec![resumed])).unwrap();
        let at: Option<i64> = conn
            .query_row(
                "SELECT upload_started_at FROM outreach WHERE link_token = 'tok'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            at.map(clock::to_rfc3339).as_deref(),
            Some("2026-11-25T10:00:00Z"),
            "the first start stands"
        );
    }

    #[test]
    fn unknown_event_kinds_are_kept_and_skipped() {
        let mut conn = open_in_memory().unwrap();
        let p = page(vec![event(
            7,
            EventKind::Unknown,
            None,
            serde_json::json!({"x": 1}),
        )]);
        apply_page(&mut conn, &p).unwrap();
        let kept: i64 = conn
            .query_row("SELECT count(*) FROM unknown_events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 1);
        assert_eq!(cursor(&conn).unwrap(), 7);
    }

    #[test]
    fn an_older_review_never_overwrites_a_newer_one() {
        let mut conn = open_in_memory().unwrap();
        apply_page(
            &mut conn,
            &page(vec![event(
                1,
                EventKind::VideoReceived,
                Some("v1"),
                serde_json::json!({}),
            )]),
        )
        .unwrap();
        let review = |seq, version, decision: &str| {
            event(
                seq,
                EventKind::ReviewSet,
                Some("v1"),
                serde_json::json!({"decision": decision, "note": "", "reviewer": "ana", "version": version}),
            )
        };
        apply_page(
            &mut conn,
            &page(vec![review(3, 2, "rejected"), review(4, 1, "approved")]),
        )
        .unwrap();
        let (decision, version): (String, i64) = conn
            .query_row(
                "SELECT review, review_version FROM videos WHERE id = 'v1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((decision.as_str(), version), ("rejected", 2));
    }

    #[test]
    fn the_feed_brings_tags_ratings_and_a_new_poster_to_the_local_cache() {
        let mut conn = open_in_memory().unwrap();
        let received = event(
            1,
            EventKind::VideoReceived,
            Some("v1"),
            serde_json::json!({}),
        );
        let tagged = event(
            2,
            EventKind::ReviewSet,
            Some("v1"),
            serde_json::json!({"decision": "approved", "note": "", "reviewer": "ana", "version": 1,
                               "tags": ["Hook"], "rating": 4}),
        );
        let poster = event(
            3,
            EventKind::PosterSet,
            Some("v1"),
            serde_json::json!({"at_ms": 1200, "poster_version": 1}),
        );
        // From a server before tags: what the cache has stays.
        let untagged = event(
            4,
            EventKind::ReviewSet,
            Some("v1"),
            serde_json::json!({"decision": "rejected", "note": "", "reviewer": "bo", "version": 2}),
        );
        apply_page(&mut conn, &page(vec![received, tagged, poster])).unwrap();
        let read = |conn: &Connection| -> (String, Option<u8>, i64) {
            conn.query_row(
                "SELECT tags, rating, poster_version FROM videos WHERE id = 'v1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
        };
        assert_eq!(read(&conn), (r#"["Hook"]"#.into(), Some(4), 1));
        apply_page(&mut conn, &page(vec![untagged])).unwrap();
        assert_eq!(read(&conn), (r#"["Hook"]"#.into(), Some(4), 1));
    }
}
