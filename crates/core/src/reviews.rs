//! The reviewer's side: videos as the feed brought them (with who sent them and how long they
//! are), the decision this desktop made and has not yet sent, and another reviewer's decision
//! when it won.

use clipdesk_protocol::media::ReviewDecision;
use rusqlite::{Connection, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock;
use crate::error::{CoreError, CoreResult};
use crate::sync;

/// Notes longer than this are refused.
pub const MAX_NOTE_CHARS: usize = 2000;
/// Videos listed at once.
pub const LIST_LIMIT: u32 = 500;

/// Where a video is on the server, as far as this desktop knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LocalVideoState {
    /// Uploaded; being converted.
    Received,
    /// Converted: poster and rendition exist.
    Ready,
    /// Conversion failed; `failure` says why.
    Failed,
}

/// Which videos the Review screen lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReviewFilter {
    /// Not yet decided (by anyone), oldest first: the reviewer's work.
    ToReview,
    Approved,
    Rejected,
    /// Everything, newest first.
    All,
}

/// A decision this desktop made that the server has not confirmed yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PendingDecision {
    pub decision: ReviewDecision,
    pub note: String,
}

/// Another reviewer decided first; their decision stands and is shown beside ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReviewClash {
    pub mine: ReviewDecision,
    pub my_note: String,
    pub theirs: ReviewDecision,
    pub their_note: String,
    pub reviewer: Option<String>,
}

/// One row of the Review screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReviewItem {
    pub video_id: String,
    pub campaign_slug: Option<String>,
    pub campaign_name: Option<String>,
    pub handle: Option<String>,
    pub display_name: Option<String>,
    pub state: LocalVideoState,
    pub failure: Option<String>,
    #[ts(type = "number | null")]
    pub duration_ms: Option<u64>,
    /// RFC 3339.
    pub received_at: String,
    /// The review as the server last told us.
    pub review: ReviewDecision,
    pub review_note: String,
    pub reviewer: Option<String>,
    pub pending: Option<PendingDecision>,
    pub conflict: Option<ReviewClash>,
}

fn parse_state(text: &str) -> LocalVideoState {
    match text {
        "ready" => LocalVideoState::Ready,
        "failed" => LocalVideoState::Failed,
        _ => LocalVideoState::Received,
    }
}

/// The columns `item` reads; `latest` is this desktop's newest outbox row for the video.
const SELECT: &str = "
    SELECT v.id, v.campaign_slug, c.name, v.handle, ct.display_name, v.state, v.detail,
           v.received_at, v.review, v.review_note, v.reviewer,
           o.decision, o.note, o.state
    FROM videos v
    LEFT JOIN campaigns c ON c.slug = v.campaign_slug
    LEFT JOIN outreach r ON r.link_token = v.link_token
    LEFT JOIN contacts ct ON ct.id = r.contact_id
    LEFT JOIN review_outbox o ON o.id = (
        SELECT max(id) FROM review_outbox WHERE video_id = v.id
    )";

fn item(row: &Row<'_>) -> rusqlite::Result<ReviewItem> {
    let detail: String = row.get(6)?;
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
    let review = ReviewDecision::from_stored(&row.get::<_, String>(8)?);
    let review_note: String = row.get(9)?;
    let reviewer: Option<String> = row.get(10)?;
    let outbox: Option<(String, String, String)> = match row.get::<_, Option<String>>(11)? {
        Some(decision) => Some((decision, row.get(12)?, row.get(13)?)),
        None => None,
    };
    let (pending, conflict) = match outbox {
        Some((decision, note, state)) if state == "pending" => (
            Some(PendingDecision {
                decision: ReviewDecision::from_stored(&decision),
                note,
            }),
            None,
        ),
        Some((decision, note, state)) if state == "conflict" => (
            None,
            Some(ReviewClash {
                mine: ReviewDecision::from_stored(&decision),
                my_note: note,
                theirs: review,
                their_note: review_note.clone(),
                reviewer: reviewer.clone(),
            }),
        ),
        _ => (None, None),
    };
    Ok(ReviewItem {
        video_id: row.get(0)?,
        campaign_slug: row.get(1)?,
        campaign_name: row.get(2)?,
        handle: row.get(3)?,
        display_name: row.get(4)?,
        state: parse_state(&row.get::<_, String>(5)?),
        failure: detail["reason"].as_str().map(str::to_owned),
        duration_ms: detail["duration_ms"].as_u64(),
        received_at: clock::to_rfc3339(row.get(7)?),
        review,
        review_note,
        reviewer,
        pending,
        conflict,
    })
}

/// The videos a filter selects (at most [`LIST_LIMIT`]), optionally for one campaign.
pub fn list(
    conn: &Connection,
    filter: ReviewFilter,
    campaign: Option<&str>,
) -> CoreResult<Vec<ReviewItem>> {
    let (condition, order) = match filter {
        ReviewFilter::ToReview => ("v.review = 'pending'", "v.received_at, v.id"),
        ReviewFilter::Approved => ("v.review = 'approved'", "v.received_at DESC, v.id DESC"),
        ReviewFilter::Rejected => ("v.review = 'rejected'", "v.received_at DESC, v.id DESC"),
        ReviewFilter::All => ("1", "v.received_at DESC, v.id DESC"),
    };
    let sql = format!(
        "{SELECT} WHERE {condition} AND (?1 IS NULL OR v.campaign_slug = ?1)
         ORDER BY {order} LIMIT {LIST_LIMIT}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([campaign], item)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, video: &str) -> CoreResult<ReviewItem> {
    let sql = format!("{SELECT} WHERE v.id = ?1");
    conn.query_row(&sql, [video], item)
        .map_err(|err| match err {
            rusqlite::Error::QueryReturnedNoRows => {
                CoreError::NotFound(format!("no video {video}"))
            }
            other => other.into(),
        })
}

/// Records a reviewer's decision; the sync loop sends it. Returns the row as it now stands.
pub fn decide(
    conn: &mut Connection,
    video: &str,
    decision: ReviewDecision,
    note: &str,
) -> CoreResult<ReviewItem> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(CoreError::invalid(
            "note",
            format!("must be at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    let tx = conn.transaction()?;
    // A decision not yet sent is replaced rather than sent twice.
    tx.execute(
        "DELETE FROM review_outbox WHERE video_id = ?1 AND state = 'pending'",
        [video],
    )?;
    sync::queue_review(&tx, video, decision, note)?;
    let item = get(&tx, video)?;
    tx.commit()?;
    Ok(item)
}

/// How many videos wait for a decision, for the navigation badge.
pub fn waiting(conn: &Connection) -> CoreResult<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM videos WHERE review = 'pending' AND state != 'failed'",
        [],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use rusqlite::params;

    use super::*;
    use crate::store::open_in_memory;

    fn video(conn: &Connection, id: &str, received_at: i64, state: &str, detail: &str) {
        conn.execute(
            "INSERT INTO videos (id, link_token, campaign_slug, handle, state, detail, received_at, updated_at)
             VALUES (?1, 'tok-' || ?1, 'spring', 'maya', ?2, ?3, ?4, ?4)",
            params![id, state, detail, received_at],
        )
        .unwrap();
    }

    #[test]
    fn to_review_lists_undecided_videos_oldest_first_with_duration() {
        let conn = open_in_memory().unwrap();
        video(&conn, "b", 2_000, "ready", r#"{"duration_ms": 12500}"#);
        video(&conn, "a", 1_000, "received", "{}");
        conn.execute("UPDATE videos SET review = 'approved' WHERE id = 'b'", [])
            .unwrap();
        video(&conn, "c", 3_000, "failed", r#"{"reason": "damaged file"}"#);
        let items = list(&conn, ReviewFilter::ToReview, None).unwrap();
        let ids: Vec<&str> = items.iter().map(|i| i.video_id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(items[1].failure.as_deref(), Some("damaged file"));
        assert_eq!(items[1].state, LocalVideoState::Failed);
        let approved = list(&conn, ReviewFilter::Approved, Some("spring")).unwrap();
        assert_eq!(approved.len(), 1);
        assert_eq!(approved[0].duration_ms, Some(12_500));
        assert!(
            list(&conn, ReviewFilter::All, Some("other"))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            waiting(&conn).unwrap(),
            1,
            "a failed video waits for no one"
        );
    }

    #[test]
    fn a_decision_is_pending_until_sent_and_a_second_replaces_the_first() {
        let mut conn = open_in_memory().unwrap();
        video(&conn, "v", 1_000, "ready", "{}");
        let item = decide(&mut conn, "v", ReviewDecision::Rejected, " blurry ").unwrap();
        assert_eq!(
            item.pending,
            Some(PendingDecision {
                decision: ReviewDecision::Rejected,
                note: "blurry".into()
            })
        );
        let item = decide(&mut conn, "v", ReviewDecision::Approved, "").unwrap();
        assert_eq!(item.pending.unwrap().decision, ReviewDecision::Approved);
        let queued: i64 = conn
            .query_row("SELECT count(*) FROM review_outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(queued, 1);
    }

    #[test]
    fn a_decision_is_queued_in_the_name_settings_give_when_it_is_made() {
        let mut conn = open_in_memory().unwrap();
        video(&conn, "v", 1_000, "ready", "{}");
        let rename = |conn: &mut Connection, name: &str| {
            let mut s = crate::settings::load(conn).unwrap();
            s.operator = name.into();
            crate::settings::save(conn, &s).unwrap();
        };
        rename(&mut conn, "Maria");
        decide(&mut conn, "v", ReviewDecision::Rejected, "blurry").unwrap();
        rename(&mut conn, "Maria López");
        let queued = |conn: &Connection| -> (String, String, Option<String>) {
            conn.query_row(
                "SELECT decision, note, reviewer FROM review_outbox ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
        };
        assert_eq!(
            queued(&conn),
            ("rejected".into(), "blurry".into(), Some("Maria".into())),
            "a later rename does not change who made it"
        );
        let item = decide(&mut conn, "v", ReviewDecision::Approved, "").unwrap();
        assert_eq!(
            queued(&conn),
            ("approved".into(), String::new(), Some("Maria López".into()))
        );
        assert_eq!(
            item.pending.unwrap().note,
            "",
            "the rejection's note stays with it"
        );
    }

    #[test]
    fn a_lost_race_shows_both_decisions() {
        let mut conn = open_in_memory().unwrap();
        video(&conn, "v", 1_000, "ready", "{}");
        decide(&mut conn, "v", ReviewDecision::Approved, "great").unwrap();
        // What sync_outbox stores after a 409: the outbox row and the winner's review.
        conn.execute_batch(
            "UPDATE review_outbox SET state = 'conflict';
             UPDATE videos SET review = 'rejected', review_note = 'off-brand', reviewer = 'ana',
                               review_version = 1;",
        )
        .unwrap();
        let item = get(&conn, "v").unwrap();
        assert_eq!(item.review, ReviewDecision::Rejected);
        assert_eq!(
            item.conflict,
            Some(ReviewClash {
                mine: ReviewDecision::Approved,
                my_note: "great".into(),
                theirs: ReviewDecision::Rejected,
                their_note: "off-brand".into(),
                reviewer: Some("ana".into()),
            })
        );
    }

    #[test]
    fn bad_input_is_named_and_changes_nothing() {
        let mut conn = open_in_memory().unwrap();
        video(&conn, "v", 1_000, "ready", "{}");
        let err = decide(&mut conn, "v", ReviewDecision::Approved, &"x".repeat(2001)).unwrap_err();
        assert!(err.to_string().starts_with("note:"), "{err}");
        let err = decide(&mut conn, "nope", ReviewDecision::Approved, "").unwrap_err();
        assert!(matches!(err, CoreError::NotFound(_)), "{err}");
        let queued: i64 = conn
            .query_row("SELECT count(*) FROM review_outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(queued, 0);
    }
}
