//! Where each person in a campaign stands: ONE status per outreach item, with the time of its
//! last change. Every reader (the people list, its filter, the filter chips' counts, the
//! person panel) uses the same SQL expression, [`STATUS_SQL`], so they never disagree.
//!
//! Precedence, the first that holds wins:
//! 1. `approved` / `rejected`: a reviewer decided on their video;
//! 2. `uploaded`: a video came (even after a decline: the video is what counts);
//! 3. `declined`: they said "no thanks" and no video came (the server refuses uploads after a
//!    decline, so this is final; it wins over a started upload);
//! 4. `started`: the first bytes of an upload arrived (or the server refused the upload);
//! 5. `opened`: they opened the link;
//! 6. `cant_dm` / `skipped`: the operator's outcome, when nothing above happened (a follow-up
//!    marked can't DM keeps the item sent with its reason: that is `cant_dm` too);
//! 7. `sent`: the DM was sent;
//! 8. `queued`: everything else, `in_progress` (someone has the DM page open) and `snoozed`
//!    ("later", shown with its until) included.

use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock;
use crate::contacts::{self, Contact};
use crate::error::{CoreError, CoreResult};

/// The status of outreach row `o`. Deterministic over `outreach`'s own columns, so the
/// index `outreach_by_status` (core migration 9) is on this very expression: keep them equal
/// (`the_status_filter_and_counts_use_the_index` fails when they are not).
pub const STATUS_SQL: &str = "(CASE
 WHEN o.review = 'approved' THEN 'approved'
 WHEN o.review = 'rejected' THEN 'rejected'
 WHEN o.video_id IS NOT NULL THEN 'uploaded'
 WHEN o.declined_at IS NOT NULL THEN 'declined'
 WHEN o.upload_started_at IS NOT NULL OR o.video_state IS NOT NULL THEN 'started'
 WHEN o.link_opened_at IS NOT NULL THEN 'opened'
 WHEN o.state = 'cant_dm' OR o.cant_dm_reason IS NOT NULL THEN 'cant_dm'
 WHEN o.state = 'skipped' THEN 'skipped'
 WHEN o.state = 'sent' OR o.sent_at IS NOT NULL THEN 'sent'
 ELSE 'queued' END)";

/// When the status of `o` last changed (Unix ms): the time of the event that gave it. A
/// review has no time of its own on the item: its last update (the review's) stands in.
pub const STATUS_AT_SQL: &str = "(CASE
 WHEN o.review IN ('approved', 'rejected') THEN o.updated_at
 WHEN o.video_id IS NOT NULL
     THEN coalesce((SELECT v.received_at FROM videos v WHERE v.id = o.video_id), o.updated_at)
 WHEN o.declined_at IS NOT NULL THEN o.declined_at
 WHEN o.upload_started_at IS NOT NULL THEN o.upload_started_at
 WHEN o.video_state IS NOT NULL THEN o.updated_at
 WHEN o.link_opened_at IS NOT NULL THEN o.link_opened_at
 WHEN o.state IN ('cant_dm', 'skipped') OR o.cant_dm_reason IS NOT NULL THEN o.updated_at
 WHEN o.sent_at IS NOT NULL THEN o.sent_at
 ELSE o.updated_at END)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    Queued,
    Sent,
    Opened,
    Started,
    Uploaded,
    Approved,
    Rejected,
    Declined,
    CantDm,
    Skipped,
}

impl PersonStatus {
    pub const ALL: [PersonStatus; 10] = [
        PersonStatus::Queued,
        PersonStatus::Sent,
        PersonStatus::Opened,
        PersonStatus::Started,
        PersonStatus::Uploaded,
        PersonStatus::Approved,
        PersonStatus::Rejected,
        PersonStatus::Declined,
        PersonStatus::CantDm,
        PersonStatus::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PersonStatus::Queued => "queued",
            PersonStatus::Sent => "sent",
            PersonStatus::Opened => "opened",
            PersonStatus::Started => "started",
            PersonStatus::Uploaded => "uploaded",
            PersonStatus::Approved => "approved",
            PersonStatus::Rejected => "rejected",
            PersonStatus::Declined => "declined",
            PersonStatus::CantDm => "cant_dm",
            PersonStatus::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> CoreResult<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| CoreError::invalid("status", format!("unknown status {text:?}")))
    }
}

/// What the people list shows: one status, or "opened, not uploaded" (opened or started, no
/// video, not declined: exactly the statuses `opened` and `started`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "kind", content = "status")]
pub enum PeopleFilter {
    All,
    Status(PersonStatus),
    OpenedNotUploaded,
}

impl PeopleFilter {
    /// The statuses it lets through; `None` for all.
    fn statuses(self) -> Option<Vec<&'static str>> {
        match self {
            PeopleFilter::All => None,
            PeopleFilter::Status(s) => Some(vec![s.as_str()]),
            PeopleFilter::OpenedNotUploaded => Some(vec!["opened", "started"]),
        }
    }
}

/// One person in a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CampaignPerson {
    pub outreach_id: i64,
    pub contact: Contact,
    pub status: PersonStatus,
    /// RFC 3339: when the status last changed.
    pub status_at: String,
    /// RFC 3339: until when they were put off ("later"), when they were.
    pub snoozed_until: Option<String>,
}

/// People per status in a campaign, for the filter chips.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct StatusCounts {
    pub total: u32,
    pub queued: u32,
    pub sent: u32,
    pub opened: u32,
    pub started: u32,
    pub uploaded: u32,
    pub approved: u32,
    pub rejected: u32,
    pub declined: u32,
    pub cant_dm: u32,
    pub skipped: u32,
    /// `opened` + `started`.
    pub opened_not_uploaded: u32,
}

impl StatusCounts {
    fn add(&mut self, status: PersonStatus, n: u32) {
        self.total += n;
        let slot = match status {
            PersonStatus::Queued => &mut self.queued,
            PersonStatus::Sent => &mut self.sent,
            PersonStatus::Opened => &mut self.opened,
            PersonStatus::Started => &mut self.started,
            PersonStatus::Uploaded => &mut self.uploaded,
            PersonStatus::Approved => &mut self.approved,
            PersonStatus::Rejected => &mut self.rejected,
            PersonStatus::Declined => &mut self.declined,
            PersonStatus::CantDm => &mut self.cant_dm,
            PersonStatus::Skipped => &mut self.skipped,
        };
        *slot += n;
        if matches!(status, PersonStatus::Opened | PersonStatus::Started) {
            self.opened_not_uploaded += n;
        }
    }
}

/// One page of a campaign's people and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PeoplePage {
    pub people: Vec<CampaignPerson>,
    /// Pass as `after` for the next page; `None` when this was the last.
    pub next_after: Option<i64>,
    /// People the filter lets through.
    pub total: u32,
    /// Everyone in the campaign, per status (the filter does not change them).
    pub counts: StatusCounts,
}

pub const MAX_PAGE: u32 = 500;

/// Counts per status of campaign `campaign`, grouped in the status index's order.
pub fn counts(conn: &Connection, campaign: i64) -> CoreResult<StatusCounts> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {STATUS_SQL} AS status, count(*) FROM outreach o
         WHERE o.campaign_id = ?1 GROUP BY status"
    ))?;
    let rows = stmt.query_map([campaign], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
    })?;
    let mut counts = StatusCounts::default();
    for row in rows {
        let (status, n) = row?;
        counts.add(PersonStatus::parse(&status)?, n);
    }
    Ok(counts)
}

fn read_person(row: &Row<'_>) -> rusqlite::Result<(i64, i64, String, i64, Option<i64>)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

/// People of campaign `campaign` by outreach id after `after`, with their status, optionally
/// only those `filter` lets through. Never reads the whole campaign for a page: the status
/// index gives a filtered page in id order.
pub fn page(
    conn: &Connection,
    campaign: i64,
    filter: PeopleFilter,
    after: i64,
    limit: u32,
) -> CoreResult<PeoplePage> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = ?1)",
        [campaign],
        |r| r.get(0),
    )?;
    if !exists {
        return Err(CoreError::NotFound(format!("no campaign #{campaign}")));
    }
    let limit = limit.clamp(1, MAX_PAGE);
    let counts = counts(conn, campaign)?;
    let select = format!(
        "SELECT o.id, o.contact_id, {STATUS_SQL} AS status, {STATUS_AT_SQL},
                CASE WHEN o.state = 'snoozed' THEN o.snoozed_until END
         FROM outreach o"
    );
    let rows = match filter.statuses() {
        None => {
            let mut stmt = conn.prepare_cached(&format!(
                "{select} WHERE o.campaign_id = ?1 AND o.id > ?2 ORDER BY o.id LIMIT ?3"
            ))?;
            stmt.query_map(params![campaign, after, i64::from(limit) + 1], read_person)?
                .collect::<rusqlite::Result<Vec<_>>>()?
        }
        Some(statuses) => {
            // One indexed range per status (the names are ours, never typed in).
            let list = statuses
                .iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut stmt = conn.prepare_cached(&format!(
                "{select} WHERE o.campaign_id = ?1 AND {STATUS_SQL} IN ({list})
                   AND o.id > ?2 ORDER BY o.id LIMIT ?3"
            ))?;
            stmt.query_map(params![campaign, after, i64::from(limit) + 1], read_person)?
                .collect::<rusqlite::Result<Vec<_>>>()?
        }
    };
    let more = rows.len() > limit as usize;
    let mut people = Vec::with_capacity(rows.len().min(limit as usize));
    for (outreach_id, contact_id, status, at, until) in rows.into_iter().take(limit as usize) {
        people.push(CampaignPerson {
            outreach_id,
            contact: contacts::get(conn, contact_id)?,
            status: PersonStatus::parse(&status)?,
            status_at: clock::to_rfc3339(at),
            snoozed_until: until.map(clock::to_rfc3339),
        });
    }
    let next_after = more.then(|| people.last().map(|p| p.outreach_id)).flatten();
    let total = match filter {
        PeopleFilter::All => counts.total,
        PeopleFilter::Status(s) => status_count(&counts, s),
        PeopleFilter::OpenedNotUploaded => counts.opened_not_uploaded,
    };
    Ok(PeoplePage {
        people,
        next_after,
        total,
        counts,
    })
}

fn status_count(counts: &StatusCounts, status: PersonStatus) -> u32 {
    match status {
        PersonStatus::Queued => counts.queued,
        PersonStatus::Sent => counts.sent,
        PersonStatus::Opened => counts.opened,
        PersonStatus::Started => counts.started,
        PersonStatus::Uploaded => counts.uploaded,
        PersonStatus::Approved => counts.approved,
        PersonStatus::Rejected => counts.rejected,
        PersonStatus::Declined => counts.declined,
        PersonStatus::CantDm => counts.cant_dm,
        PersonStatus::Skipped => counts.skipped,
    }
}

/// The status of one outreach item and when it last changed (RFC 3339).
pub fn of_item(conn: &Connection, outreach: i64) -> CoreResult<(PersonStatus, String)> {
    let (status, at): (String, i64) = conn
        .query_row(
            &format!("SELECT {STATUS_SQL}, {STATUS_AT_SQL} FROM outreach o WHERE o.id = ?1"),
            [outreach],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|err| match err {
            rusqlite::Error::QueryReturnedNoRows => {
                CoreError::NotFound(format!("no campaign item #{outreach}"))
            }
            other => other.into(),
        })?;
    Ok((PersonStatus::parse(&status)?, clock::to_rfc3339(at)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::open_in_memory;

    const T: i64 = 1_764_072_000_000; // 2025-11-25T12:00:00Z

    fn setup() -> Connection {
        let conn = open_in_memory().unwrap();
        conn.execute_batch(
            "INSERT INTO campaigns (id, slug, name, template, dm_url_with_id, dm_url_without_id, created_at, updated_at)
             VALUES (1, 'spring', 'Spring', '{}', 'a', 'b', 0, 0), (2, 'autumn', 'Autumn', '{}', 'a', 'b', 0, 0);",
        )
        .unwrap();
        conn
    }

    /// Adds a person with `set` applied to their item (an SQL assignment list) and returns
    /// the item's id.
    fn person(conn: &Connection, handle: &str, set: &str) -> i64 {
        conn.execute(
            "INSERT INTO contacts (handle, created_at, updated_at) VALUES (?1, 0, 0)",
            [handle],
        )
        .unwrap();
        let contact = conn.last_insert_rowid();
        conn.execute(
            "INSERT INTO outreach (campaign_id, contact_id, added_at, updated_at) VALUES (1, ?1, 0, ?2)",
            params![contact, T],
        )
        .unwrap();
        let id = conn.last_insert_rowid();
        if !set.is_empty() {
            conn.execute(&format!("UPDATE outreach SET {set} WHERE id = ?1"), [id])
                .unwrap();
        }
        id
    }

    fn status(conn: &Connection, set: &str) -> (PersonStatus, String) {
        let handle = format!("p{}", rand_suffix(conn));
        let id = person(conn, &handle, set);
        of_item(conn, id).unwrap()
    }

    fn rand_suffix(conn: &Connection) -> i64 {
        conn.query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))
            .unwrap()
    }

    fn at(ms: i64) -> String {
        clock::to_rfc3339(ms)
    }

    #[test]
    fn a_person_just_added_is_queued_and_so_is_one_being_messaged_or_put_off() {
        let conn = setup();
        assert_eq!(status(&conn, "").0, PersonStatus::Queued);
        assert_eq!(
            status(&conn, "state = 'in_progress', claimed_at = 5").0,
            PersonStatus::Queued
        );
        assert_eq!(
            status(&conn, "state = 'snoozed', snoozed_until = 9").0,
            PersonStatus::Queued
        );
    }

    #[test]
    fn a_person_messaged_is_sent_since_the_send() {
        let conn = setup();
        let t = T + 1000;
        assert_eq!(
            status(&conn, &format!("state = 'sent', sent_at = {t}")),
            (PersonStatus::Sent, at(t))
        );
    }

    #[test]
    fn a_person_who_opened_the_link_is_opened_even_if_the_send_was_not_seen() {
        let conn = setup();
        let t = T + 2000;
        assert_eq!(
            status(
                &conn,
                &format!("state = 'sent', sent_at = 1, link_opened_at = {t}")
            ),
            (PersonStatus::Opened, at(t))
        );
        assert_eq!(
            status(&conn, &format!("link_opened_at = {t}")).0,
            PersonStatus::Opened
        );
    }

    #[test]
    fn a_person_whose_upload_began_is_started() {
        let conn = setup();
        let t = T + 3000;
        assert_eq!(
            status(
                &conn,
                &format!("state = 'sent', link_opened_at = 1, upload_started_at = {t}")
            ),
            (PersonStatus::Started, at(t))
        );
        // The server refused what they sent (too long, wrong type): they did start.
        assert_eq!(
            status(&conn, "state = 'sent', video_state = 'rejected'").0,
            PersonStatus::Started
        );
    }

    #[test]
    fn a_person_whose_video_came_is_uploaded_even_after_declining() {
        let conn = setup();
        conn.execute(
            "INSERT INTO videos (id, link_token, state, received_at, updated_at) VALUES ('v1', 't', 'ready', ?1, ?1)",
            [T + 4000],
        )
        .unwrap();
        assert_eq!(
            status(
                &conn,
                "state = 'sent', upload_started_at = 1, video_id = 'v1', video_state = 'ready', review = 'pending'"
            ),
            (PersonStatus::Uploaded, at(T + 4000))
        );
        assert_eq!(
            status(&conn, "state = 'sent', declined_at = 1, video_id = 'v1'").0,
            PersonStatus::Uploaded
        );
    }

    #[test]
    fn a_reviewed_video_makes_the_person_approved_or_rejected() {
        let conn = setup();
        assert_eq!(
            status(
                &conn,
                "state = 'sent', video_id = 'v9', review = 'approved'"
            ),
            (PersonStatus::Approved, at(T))
        );
        assert_eq!(
            status(
                &conn,
                "state = 'sent', video_id = 'v9', review = 'rejected'"
            )
            .0,
            PersonStatus::Rejected
        );
    }

    #[test]
    fn a_person_who_said_no_thanks_is_declined_even_with_an_upload_begun() {
        let conn = setup();
        let t = T + 5000;
        assert_eq!(
            status(
                &conn,
                &format!(
                    "state = 'sent', link_opened_at = 1, upload_started_at = 2, declined_at = {t}"
                )
            ),
            (PersonStatus::Declined, at(t))
        );
    }

    #[test]
    fn cant_dm_and_skipped_show_when_nothing_came_after() {
        let conn = setup();
        assert_eq!(
            status(&conn, "state = 'cant_dm', cant_dm_reason = 'age'").0,
            PersonStatus::CantDm
        );
        assert_eq!(status(&conn, "state = 'skipped'").0, PersonStatus::Skipped);
        // A follow-up marked can't DM: the first message went out, the item stays sent.
        assert_eq!(
            status(
                &conn,
                "state = 'sent', sent_at = 1, cant_dm_reason = 'other'"
            )
            .0,
            PersonStatus::CantDm
        );
        // Their link reached them another way and they opened it.
        assert_eq!(
            status(&conn, "state = 'skipped', link_opened_at = 1").0,
            PersonStatus::Opened
        );
    }

    #[test]
    fn the_list_the_filter_and_the_counts_agree() {
        let conn = setup();
        person(&conn, "a", "");
        let sent = person(&conn, "b", "state = 'sent', sent_at = 1");
        let opened = person(&conn, "c", "state = 'sent', link_opened_at = 2");
        let started = person(&conn, "d", "state = 'sent', upload_started_at = 3");
        person(
            &conn,
            "e",
            "state = 'sent', upload_started_at = 3, declined_at = 4",
        );
        person(
            &conn,
            "f",
            "state = 'sent', link_opened_at = 2, video_id = 'v'",
        );
        person(&conn, "g", "state = 'skipped'");
        let page_of = |filter| page(&conn, 1, filter, 0, 50).unwrap();
        let all = page_of(PeopleFilter::All);
        assert_eq!(all.people.len(), 7);
        assert_eq!(all.total, 7);
        let c = &all.counts;
        assert_eq!(
            [
                c.queued,
                c.sent,
                c.opened,
                c.started,
                c.declined,
                c.uploaded,
                c.skipped,
                c.opened_not_uploaded
            ],
            [1, 1, 1, 1, 1, 1, 1, 2]
        );
        let ids = |p: PeoplePage| p.people.iter().map(|p| p.outreach_id).collect::<Vec<_>>();
        assert_eq!(
            ids(page_of(PeopleFilter::OpenedNotUploaded)),
            [opened, started]
        );
        assert_eq!(
            ids(page_of(PeopleFilter::Status(PersonStatus::Sent))),
            [sent]
        );
        let one = page_of(PeopleFilter::Status(PersonStatus::Sent));
        assert_eq!(one.total, 1);
        assert_eq!(one.people[0].contact.handle, "b");
        assert_eq!(one.counts.total, 7, "the chips count the whole campaign");
        // Each status the list shows is the one its own filter finds.
        for p in &all.people {
            let filtered = ids(page_of(PeopleFilter::Status(p.status)));
            assert!(filtered.contains(&p.outreach_id), "{p:?}");
        }
    }

    #[test]
    fn pages_follow_on_and_other_campaigns_stay_out() {
        let conn = setup();
        for i in 0..7 {
            person(
                &conn,
                &format!("u{i}"),
                "state = 'sent', link_opened_at = 1",
            );
        }
        conn.execute("UPDATE outreach SET campaign_id = 2 WHERE id = 1", [])
            .unwrap();
        let first = page(&conn, 1, PeopleFilter::OpenedNotUploaded, 0, 4).unwrap();
        assert_eq!(first.people.len(), 4);
        assert_eq!(first.total, 6);
        let second = page(
            &conn,
            1,
            PeopleFilter::OpenedNotUploaded,
            first.next_after.unwrap(),
            4,
        )
        .unwrap();
        assert_eq!(second.people.len(), 2);
        assert_eq!(second.next_after, None);
        assert!(first.people.last().unwrap().outreach_id < second.people[0].outreach_id);
        let err = page(&conn, 99, PeopleFilter::All, 0, 4).unwrap_err();
        assert!(err.to_string().contains("no campaign #99"), "{err}");
    }

    #[test]
    fn a_put_off_person_shows_until_when() {
        let conn = setup();
        person(
            &conn,
            "a",
            &format!("state = 'snoozed', snoozed_until = {T}"),
        );
        let p = page(&conn, 1, PeopleFilter::All, 0, 10).unwrap();
        assert_eq!(p.people[0].status, PersonStatus::Queued);
        assert_eq!(p.people[0].snoozed_until.as_deref(), Some(at(T).as_str()));
    }

    #[test]
    fn the_status_filter_and_counts_use_the_index() {
        let conn = setup();
        let plan = |sql: &str| -> String {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<Vec<_>>>()
                .unwrap();
            rows.join("\n")
        };
        let filtered = plan(&format!(
            "SELECT o.id FROM outreach o WHERE o.campaign_id = 1 AND {STATUS_SQL} = 'opened'
             AND o.id > 0 ORDER BY o.id LIMIT 10"
        ));
        assert!(filtered.contains("outreach_by_status"), "{filtered}");
        assert!(!filtered.contains("TEMP B-TREE"), "{filtered}");
        let counted = plan(&format!(
            "SELECT {STATUS_SQL} AS status, count(*) FROM outreach o WHERE o.campaign_id = 1 GROUP BY status"
        ));
        assert!(counted.contains("INDEX outreach_by_status"), "{counted}");
        assert!(!counted.contains("TEMP B-TREE"), "{counted}");
    }

    #[test]
    fn statuses_read_back_by_name() {
        for s in PersonStatus::ALL {
            assert_eq!(PersonStatus::parse(s.as_str()).unwrap(), s);
        }
        let err = PersonStatus::parse("ghosted").unwrap_err();
        assert!(err.to_string().starts_with("status:"), "{err}");
    }
}
