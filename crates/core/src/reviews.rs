//! The reviewer's side: videos as the feed brought them (with who sent them and how long they
//! are), the decision this desktop made and has not yet sent, and another reviewer's decision
//! when it won.

use clipdesk_protocol::media::{ReviewDecision, check_rating, check_tags};
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
    pub tags: Vec<String>,
    pub rating: Option<u8>,
}

/// Another reviewer decided first; their decision stands and is shown beside ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReviewClash {
    pub mine: ReviewDecision,
    pub my_note: String,
    pub theirs: ReviewDecision,
    pub their_note: String,
    pub reviewer: Option<String>,
    pub my_tags: Vec<String>,
    pub my_rating: Option<u8>,
    pub their_tags: Vec<String>,
    pub their_rating: Option<u8>,
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
    /// Tags and rating as the server last told us (`pending` holds unsent ones).
    pub tags: Vec<String>,
    pub rating: Option<u8>,
    /// Grows when a reviewer picks another poster; fresh addresses show it.
    #[ts(type = "number")]
    pub poster_version: i64,
    pub pending: Option<PendingDecision>,
    pub conflict: Option<ReviewClash>,
}

/// Narrows a list by label: a tag (ignoring case) and a lowest rating, as the reviewer sees
/// them (an unsent change counts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LabelFilter {
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub rating_min: Option<u8>,
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
           o.decision, o.note, o.state,
           v.tags, v.rating, v.poster_version, o.tags, o.rating,
           CASE WHEN o.state = 'pending' AND o.tags IS NOT NULL THEN o.tags ELSE v.tags END
               AS shown_tags,
           CASE WHEN o.state = 'pending' AND o.tags IS NOT NULL THEN o.rating ELSE v.rating END
               AS shown_rating
    FROM videos v
    LEFT JOIN campaigns c ON c.slug = v.campaign_slug
    LEFT JOIN outreach r ON r.link_token = v.link_token
    LEFT JOIN contacts ct ON ct.id = r.contact_id
    LEFT JOIN review_outbox o ON o.id = (
        SELECT max(id) FROM review_outbox WHERE video_id = v.id
    )";

fn read_tags(text: Option<String>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn item(row: &Row<'_>) -> rusqlite::Result<ReviewItem> {
    let detail: String = row.get(6)?;
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
    let review = ReviewDecision::from_stored(&row.get::<_, String>(8)?);
    let review_note: String = row.get(9)?;
    let reviewer: Option<String> = row.get(10)?;
    let tags = read_tags(row.get(14)?);
    let rating: Option<u8> = row.get(15)?;
    // A row queued before tags existed changed neither tags nor rating.
    let (queued_tags, queued_rating): (Option<String>, Option<u8>) = (row.get(17)?, row.get(18)?);
    let (mine_tags, mine_rating) = match queued_tags {
        Some(t) => (read_tags(Some(t)), queued_rating),
        None => (tags.clone(), rating),
    };
    let outbox: Option<(String, String, String)> = match row.get::<_, Option<String>>(11)? {
        Some(decision) => Some((decision, row.get(12)?, row.get(13)?)),
        None => None,
    };
    let (pending, conflict) = match outbox {
        Some((decision, note, state)) if state == "pending" => (
            Some(PendingDecision {
                decision: ReviewDecision::from_stored(&decision),
                note,
                tags: mine_tags,
                rating: mine_rating,
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
                my_tags: mine_tags,
                my_rating: mine_rating,
                their_tags: tags.clone(),
                their_rating: rating,
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
        tags,
        rating,
        poster_version: row.get(16)?,
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
    list_labelled(conn, filter, campaign, &LabelFilter::default())
}

/// [`list`] narrowed by a tag and a lowest rating.
pub fn list_labelled(
    conn: &Connection,
    filter: ReviewFilter,
    campaign: Option<&str>,
    labels: &LabelFilter,
) -> CoreResult<Vec<ReviewItem>> {
    let (condition, order) = match filter {
        ReviewFilter::ToReview => ("v.review = 'pending'", "v.received_at, v.id"),
        ReviewFilter::Approved => ("v.review = 'approved'", "v.received_at DESC, v.id DESC"),
        ReviewFilter::Rejected => ("v.review = 'rejected'", "v.received_at DESC, v.id DESC"),
        ReviewFilter::All => ("1", "v.received_at DESC, v.id DESC"),
    };
    let sql = format!(
        "{SELECT} WHERE {condition} AND (?1 IS NULL OR v.campaign_slug = ?1)
           AND (?2 IS NULL OR EXISTS (SELECT 1 FROM json_each(shown_tags)
                                      WHERE lower(json_each.value) = lower(?2)))
           AND (?3 IS NULL OR shown_rating >= ?3)
         ORDER BY {order} LIMIT {LIST_LIMIT}"
    );
    let tag = labels
        .tag
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params![campaign, tag, labels.rating_min], item)?;
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
    let (tags, rating) = shown_labels(&get(&tx, video)?);
    // A decision not yet sent is replaced rather than sent twice; its tags and rating go along.
    tx.execute(
        "DELETE FROM review_outbox WHERE video_id = ?1 AND state = 'pending'",
        [video],
    )?;
    sync::queue_review_with(&tx, video, decision, note, Some((&tags, rating)))?;
    let item = get(&tx, video)?;
    tx.commit()?;
    Ok(item)
}

/// Sets a video's tags (all of them) and rating (`None` clears it); the sync loop sends them
/// with the decision the reviewer sees, so a decision not yet sent goes along.
pub fn label(
    conn: &mut Connection,
    video: &str,
    tags: &[String],
    rating: Option<u8>,
) -> CoreResult<ReviewItem> {
    let tags = check_tags(tags).map_err(|reason| CoreError::invalid("tags", reason))?;
    let rating = check_rating(rating).map_err(|reason| CoreError::invalid("rating", reason))?;
    let tx = conn.transaction()?;
    let shown = get(&tx, video)?;
    let (decision, note) = match &shown.pending {
        Some(p) => (p.decision, p.note.clone()),
        None => (shown.review, shown.review_note.clone()),
    };
    tx.execute(
        "DELETE FROM review_outbox WHERE video_id = ?1 AND state = 'pending'",
        [video],
    )?;
    sync::queue_review_with(&tx, video, decision, &note, Some((&tags, rating)))?;
    let item = get(&tx, video)?;
    tx.commit()?;
    Ok(item)
}

/// The tags and rating the reviewer sees: unsent ones, else the server's.
fn shown_labels(item: &ReviewItem) -> (Vec<String>, Option<u8>) {
    match &item.pending {
        Some(p) => (p.tags.clone(), p.rating),
        None => (item.tags.clone(), item.rating),
    }
}

/// Every tag in use (on the server's reviews or waiting to be sent), most used first, for
/// completion; tags differing only in case count as one (one spelling of them shown).
pub fn tags_in_use(conn: &Connection) -> CoreResult<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT min(t.value), count(*) FROM (
             SELECT tags FROM videos
             UNION ALL SELECT tags FROM review_outbox WHERE state = 'pending' AND tags IS NOT NULL
         ) AS s, json_each(s.tags) AS t
         GROUP BY lower(t.value) ORDER BY count(*) DESC, lower(t.value)",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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
                note: "blurry".into(),
                tags: vec![],
                rating: None,
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
                my_tags: vec![],
                my_rating: None,
                their_tags: vec![],
                their_rating: None,
            })
        );
    }

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| t.to_string()).collect()
    }

    /// The newest outbox row: decision, note, tags (JSON) and rating.
    fn queued(conn: &Connection) -> (String, String, Option<String>, Option<u8>) {
        conn.query_row(
            "SELECT decision, note, tags, rating FROM review_outbox ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
    }

    #[test]
    fn tags_and_rating_go_out_with_the_decision_the_reviewer_sees() {
        let mut conn = open_in_memory().unwrap();
        video(&conn, "v", 1_000, "ready", "{}");
        conn.execute(
            "UPDATE videos SET review = 'approved', review_note = 'nice', review_version = 3,
                               tags = '[\"hero\"]', rating = 2",
            [],
        )
        .unwrap();
        let item = label(&mut conn, "v", &tags(&[" Hook ", "hero"]), Some(5)).unwrap();
        let pending = item.pending.unwrap();
        assert_eq!(
            (pending.decision, pending.note.as_str()),
            (ReviewDecision::Approved, "nice"),
            "the server's decision and note go along unchanged"
        );
        assert_eq!(
            (pending.tags, pending.rating),
            (tags(&["Hook", "hero"]), Some(5))
        );
        assert_eq!(
            queued(&conn),
            (
                "approved".into(),
                "nice".into(),
                Some(r#"["Hook","hero"]"#.into()),
                Some(5)
            )
        );
        // A decision made next keeps the unsent tags and rating instead of dropping them.
        decide(&mut conn, "v", ReviewDecision::Rejected, "dark").unwrap();
        assert_eq!(
            queued(&conn),
            (
                "rejected".into(),
                "dark".into(),
                Some(r#"["Hook","hero"]"#.into()),
                Some(5)
            )
        );
        // Clearing the rating is sent as a change too.
        let item = label(&mut conn, "v", &tags(&[]), None).unwrap();
        assert_eq!(item.pending.unwrap().decision, ReviewDecision::Rejected);
        assert_eq!(
            queued(&conn),
            ("rejected".into(), "dark".into(), Some("[]".into()), None)
        );
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM review_outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1, "one unsent change per video");
    }

    #[test]
    fn bad_tags_or_rating_are_named_and_queue_nothing() {
        let mut conn = open_in_memory().unwrap();
        video(&conn, "v", 1_000, "ready", "{}");
        let err = label(&mut conn, "v", &tags(&["Hook", "HOOK"]), None).unwrap_err();
        assert!(err.to_string().starts_with("tags:"), "{err}");
        let err = label(&mut conn, "v", &tags(&[]), Some(6)).unwrap_err();
        assert!(err.to_string().starts_with("rating:"), "{err}");
        let queued: i64 = conn
            .query_row("SELECT count(*) FROM review_outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(queued, 0);
    }

    #[test]
    fn the_list_filters_by_tag_and_rating_as_shown_and_completion_knows_every_tag() {
        let mut conn = open_in_memory().unwrap();
        video(&conn, "a", 1_000, "ready", "{}");
        video(&conn, "b", 2_000, "ready", "{}");
        conn.execute(
            "UPDATE videos SET tags = '[\"B-roll\"]', rating = 3 WHERE id = 'b'",
            [],
        )
        .unwrap();
        label(&mut conn, "a", &tags(&["Hook", "b-roll"]), Some(5)).unwrap();
        let ids = |labels: LabelFilter| -> Vec<String> {
            list_labelled(&conn, ReviewFilter::All, None, &labels)
                .unwrap()
                .into_iter()
                .map(|i| i.video_id)
                .collect()
        };
        let by_tag = |t: &str| LabelFilter {
            tag: Some(t.into()),
            rating_min: None,
        };
        assert_eq!(ids(by_tag("hook")), ["a"], "an unsent tag counts");
        assert_eq!(ids(by_tag("b-roll")), ["b", "a"]);
        assert_eq!(
            ids(LabelFilter {
                tag: None,
                rating_min: Some(4)
            }),
            ["a"]
        );
        assert_eq!(ids(LabelFilter::default()).len(), 2);
        let used = tags_in_use(&conn).unwrap();
        assert_eq!(used.len(), 2, "one b-roll, whatever its case: {used:?}");
        assert!(
            used[0].eq_ignore_ascii_case("b-roll"),
            "most used first: {used:?}"
        );
    }

    #[test]
    fn a_lost_race_shows_both_tags_and_ratings() {
        let mut conn = open_in_memory().unwrap();
        video(&conn, "v", 1_000, "ready", "{}");
        label(&mut conn, "v", &tags(&["mine"]), Some(5)).unwrap();
        conn.execute_batch(
            "UPDATE review_outbox SET state = 'conflict';
             UPDATE videos SET tags = '[\"theirs\"]', rating = 1, review_version = 1;",
        )
        .unwrap();
        let clash = get(&conn, "v").unwrap().conflict.unwrap();
        assert_eq!((clash.my_tags, clash.my_rating), (tags(&["mine"]), Some(5)));
        assert_eq!(
            (clash.their_tags, clash.their_rating),
            (tags(&["theirs"]), Some(1))
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
