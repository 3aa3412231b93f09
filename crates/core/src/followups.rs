//! Follow-up steps: a campaign may message a person again, up to [`MAX_STEPS`] times, when
//! they did not react to the last message. Each step has its own message (the same template
//! language as the first one, `{{link}}` in every message, so the same link goes out again
//! and a stalled upload resumes), a delay in days counted from the last message actually sent
//! to them (the first one or an earlier step), and a condition: `no_open` (they never opened
//! their link) or `no_upload` (they opened it, or even started an upload, but no video came).
//!
//! Steps go in order and each person gets each step at most once (`followup_sends`, unique
//! per person and step). A step whose condition does not hold for someone is passed over; a
//! step skipped by the operator is done too, and the next step's delay still counts from the
//! last message sent. A person leaves the sequence when a video of theirs arrives, they
//! decline, they are marked can't DM, their link is revoked, or they are forgotten or removed
//! from the campaign (their outreach item, and so their follow-ups, are deleted).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock;
use crate::error::{CoreError, CoreResult};
use crate::pacing::DAY_MS;
use crate::queue::FIRST_SEND_HERE;
use crate::templates::{self, Template};

/// At most this many follow-up steps per campaign.
pub const MAX_STEPS: usize = 3;
/// A step's delay is 1 to this many days.
pub const MAX_DELAY_DAYS: u32 = 60;

/// When a step goes out, besides its delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FollowupCondition {
    /// They have not opened their link.
    NoOpen,
    /// They opened it (maybe started an upload) but no video arrived.
    NoUpload,
}

/// One follow-up step of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FollowupStep {
    pub template: Template,
    /// Days after the last message sent to the person.
    pub delay_days: u32,
    pub condition: FollowupCondition,
}

/// Checks a campaign's steps when it is saved and returns them as stored
/// (`campaigns.followups`). Errors name the step (`followups.0.delay_days`).
pub fn check(steps: &[FollowupStep]) -> CoreResult<String> {
    if steps.len() > MAX_STEPS {
        return Err(CoreError::invalid(
            "followups",
            format!("at most {MAX_STEPS} follow-up steps"),
        ));
    }
    let mut stored = Vec::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        if step.delay_days == 0 || step.delay_days > MAX_DELAY_DAYS {
            return Err(CoreError::invalid(
                format!("followups.{index}.delay_days"),
                format!(
                    "follow-up {}: the delay must be 1 to {MAX_DELAY_DAYS} days",
                    index + 1
                ),
            ));
        }
        let checked = templates::parse(&step.template).map_err(|err| {
            CoreError::invalid(
                format!("followups.{index}.template"),
                format!("follow-up {}: {err}", index + 1),
            )
        })?;
        stored.push(FollowupStep {
            template: checked.template().clone(),
            ..step.clone()
        });
    }
    Ok(serde_json::to_string(&stored).map_err(anyhow::Error::from)?)
}

/// The steps as stored.
pub fn parse_json(text: &str) -> CoreResult<Vec<FollowupStep>> {
    Ok(serde_json::from_str(text).map_err(anyhow::Error::from)?)
}

/// A campaign's steps and whether due follow-ups come before new people.
pub fn of_campaign(conn: &Connection, campaign: i64) -> CoreResult<(Vec<FollowupStep>, bool)> {
    let (steps, first): (String, bool) = conn
        .query_row(
            "SELECT followups, followups_first FROM campaigns WHERE id = ?1",
            [campaign],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound(format!("no campaign #{campaign}")))?;
    Ok((parse_json(&steps)?, first))
}

/// What a person did so far, as far as follow-ups care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Their link was opened (or an upload started, which needs it).
    pub opened: bool,
    /// The last message sent to them (the first one or a follow-up), Unix ms.
    pub last_sent_at: i64,
    /// The highest step they were given (sent, skipped or claimed); 0: none.
    pub done_step: u32,
}

impl FollowupCondition {
    pub fn holds(self, progress: &Progress) -> bool {
        match self {
            FollowupCondition::NoOpen => !progress.opened,
            FollowupCondition::NoUpload => progress.opened,
        }
    }
}

/// The next step (1-based) that applies to a person and when it is due (Unix ms), if any.
pub fn next_step(steps: &[FollowupStep], progress: &Progress) -> Option<(u32, i64)> {
    steps
        .iter()
        .enumerate()
        .skip(progress.done_step as usize)
        .find(|(_, step)| step.condition.holds(progress))
        .map(|(index, step)| {
            (
                index as u32 + 1,
                progress.last_sent_at + i64::from(step.delay_days) * DAY_MS,
            )
        })
}

/// A follow-up that is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub outreach_id: i64,
    pub step: u32,
    pub due_at: i64,
}

/// A person still in the sequence: first message sent, no video, not declined, not can't
/// DM, link not revoked, not put off ("later") past `now`.
const IN_SEQUENCE: &str = "o.state = 'sent' AND o.sent_at IS NOT NULL AND o.link_url IS NOT NULL
    AND o.video_id IS NULL AND o.declined_at IS NULL AND o.cant_dm_reason IS NULL
    AND o.link_revoked_at IS NULL";

const PROGRESS: &str = "o.link_opened_at IS NOT NULL OR o.upload_started_at IS NOT NULL,
    max(o.sent_at, coalesce((SELECT max(f.sent_at) FROM followup_sends f
                             WHERE f.outreach_id = o.id AND f.state = 'sent'), 0)),
    coalesce((SELECT max(f.step) FROM followup_sends f WHERE f.outreach_id = o.id), 0)";

/// Where one person stands, when they are still in the sequence (the snooze aside).
pub fn progress_of(conn: &Connection, outreach: i64) -> CoreResult<Option<Progress>> {
    Ok(conn
        .query_row(
            &format!("SELECT {PROGRESS} FROM outreach o WHERE o.id = ?1 AND {IN_SEQUENCE}"),
            [outreach],
            |r| {
                Ok(Progress {
                    opened: r.get(0)?,
                    last_sent_at: r.get(1)?,
                    done_step: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// Every follow-up of a campaign due at `now` for `operator` and not claimed by anyone, the
/// longest due first. Claimed ones (a window is sending them) are left out, so no two windows
/// get one, and so are people a colleague sent (team mode): they follow up their own.
pub fn due(
    conn: &Connection,
    campaign: i64,
    steps: &[FollowupStep],
    operator: &str,
    now: i64,
) -> CoreResult<Vec<Due>> {
    let Some(shortest) = steps.iter().map(|s| i64::from(s.delay_days)).min() else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT o.id, {PROGRESS} FROM outreach o
         WHERE o.campaign_id = ?1 AND {IN_SEQUENCE}
           AND (o.snoozed_until IS NULL OR o.snoozed_until <= ?2)
           -- No step can be due sooner than the shortest delay after the first message.
           AND o.sent_at <= ?3
           -- Mine to follow up: the first message went from this desktop (the server named no
           -- sender), the server names this operator, or they recorded it here (the server
           -- names a sender by their token, which may be called otherwise). A colleague's
           -- person is theirs.
           AND (o.sent_by IS NULL OR o.sent_by = ?4
                OR EXISTS (SELECT 1 FROM audit_log a WHERE {FIRST_SEND_HERE} AND a.actor = ?4))
           AND NOT EXISTS (SELECT 1 FROM followup_sends f
                           WHERE f.outreach_id = o.id AND f.state = 'in_progress')"
    ))?;
    let rows = stmt.query_map(
        params![campaign, now, now - shortest * DAY_MS, operator],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                Progress {
                    opened: r.get(1)?,
                    last_sent_at: r.get(2)?,
                    done_step: r.get(3)?,
                },
            ))
        },
    )?;
    let mut due = Vec::new();
    for row in rows {
        let (outreach_id, progress) = row?;
        if let Some((step, due_at)) = next_step(steps, &progress)
            && due_at <= now
        {
            due.push(Due {
                outreach_id,
                step,
                due_at,
            });
        }
    }
    due.sort_by_key(|d| (d.due_at, d.outreach_id));
    Ok(due)
}

/// What the Queue says of a follow-up: which step, and what the person did so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FollowupInfo {
    /// 1-based.
    pub step: u32,
    /// How many steps the campaign has.
    pub steps: u32,
    pub condition: FollowupCondition,
    /// The last message sent to them (RFC 3339) and how many whole days ago that was.
    pub last_sent_at: String,
    pub days_since_sent: u32,
    pub opened: bool,
    pub upload_started: bool,
}

/// [`FollowupInfo`] of a person's step `step`.
pub fn info(
    conn: &Connection,
    outreach: i64,
    step: u32,
    steps: &[FollowupStep],
    now: i64,
) -> CoreResult<FollowupInfo> {
    let (opened, started, last): (bool, bool, i64) = conn.query_row(
        "SELECT o.link_opened_at IS NOT NULL OR o.upload_started_at IS NOT NULL,
                o.upload_started_at IS NOT NULL,
                max(coalesce(o.sent_at, 0), coalesce((SELECT max(f.sent_at) FROM followup_sends f
                                         WHERE f.outreach_id = o.id AND f.state = 'sent'), 0))
         FROM outreach o WHERE o.id = ?1",
        [outreach],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let condition = steps
        .get(step as usize - 1)
        .map(|s| s.condition)
        .ok_or_else(|| CoreError::NotFound(format!("no follow-up step {step}")))?;
    Ok(FollowupInfo {
        step,
        steps: steps.len() as u32,
        condition,
        last_sent_at: clock::to_rfc3339(last),
        days_since_sent: ((now - last).max(0) / DAY_MS) as u32,
        opened,
        upload_started: started,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::Part;

    fn step(delay_days: u32, condition: FollowupCondition) -> FollowupStep {
        FollowupStep {
            template: Template {
                parts: vec![Part::text(["Still keen? {{link}}"])],
            },
            delay_days,
            condition,
        }
    }

    #[test]
    fn a_step_is_due_by_its_condition_and_delay_from_the_last_send() {
        let steps = [
            step(2, FollowupCondition::NoOpen),
            step(3, FollowupCondition::NoUpload),
        ];
        let unopened = Progress {
            opened: false,
            last_sent_at: 1000,
            done_step: 0,
        };
        assert_eq!(next_step(&steps, &unopened), Some((1, 1000 + 2 * DAY_MS)));
        let opened = Progress {
            opened: true,
            ..unopened
        };
        // "no open" does not apply to someone who opened: the next step does.
        assert_eq!(next_step(&steps, &opened), Some((2, 1000 + 3 * DAY_MS)));
        let done = Progress {
            done_step: 2,
            ..opened
        };
        assert_eq!(next_step(&steps, &done), None);
    }

    #[test]
    fn saving_follow_ups_names_the_step_and_field_that_is_wrong() {
        let err = check(&[
            step(2, FollowupCondition::NoOpen),
            step(0, FollowupCondition::NoOpen),
        ])
        .unwrap_err();
        assert!(
            matches!(&err, CoreError::Invalid { field, .. } if field == "followups.1.delay_days"),
            "{err:?}"
        );
        let err = check(&[step(61, FollowupCondition::NoOpen)]).unwrap_err();
        assert!(
            matches!(&err, CoreError::Invalid { field, .. } if field == "followups.0.delay_days")
        );
        let mut no_link = step(2, FollowupCondition::NoUpload);
        no_link.template.parts = vec![Part::text(["Still keen?"])];
        let err = check(&[no_link]).unwrap_err();
        assert!(
            matches!(&err, CoreError::Invalid { field, reason } if field == "followups.0.template" && reason.contains("{{link}}")),
            "{err:?}"
        );
        let four = vec![step(1, FollowupCondition::NoOpen); 4];
        assert!(
            matches!(check(&four).unwrap_err(), CoreError::Invalid { field, .. } if field == "followups")
        );
        assert!(check(&[step(60, FollowupCondition::NoUpload)]).is_ok());
    }
}

/// Follow-ups through the Queue: claims, outcomes, pacing and undo (crates/core/src/queue.rs).
#[cfg(test)]
mod queue_tests {
    use rusqlite::Connection;

    use super::*;
    use crate::campaigns::{CampaignInput, create};
    use crate::pacing::Pacing;
    use crate::queue::{
        self, NextStep, Outcome, Started, mark_at, mark_sent_despite_pacing_at, overview_at,
        start_next_at, undo_last_at,
    };
    use crate::store::open_in_memory;
    use crate::templates::Part;

    const T0: i64 = 1_800_000_000_000;
    const OP: &str = "ana";

    fn followup(delay_days: u32, condition: FollowupCondition, text: &str) -> FollowupStep {
        FollowupStep {
            template: Template {
                parts: vec![Part::text([format!("{text} {{{{link}}}}")])],
            },
            delay_days,
            condition,
        }
    }

    /// A campaign with `steps`, free pacing and `n` people with links, none sent yet.
    fn campaign(n: usize, steps: Vec<FollowupStep>, first: bool) -> (Connection, i64) {
        let mut conn = open_in_memory().unwrap();
        let mut input = CampaignInput::new(
            "Spring",
            Template {
                parts: vec![Part::text(["Hi! Record for us: {{link}}"])],
            },
        );
        input.pacing = Pacing {
            daily_cap: 100,
            min_spacing_s: 0,
        };
        input.followups = steps;
        input.followups_first = first;
        let campaign = create(&mut conn, &input).unwrap().id;
        crate::queue::tests::add_people_with_links(&mut conn, campaign, n);
        (conn, campaign)
    }

    fn start(conn: &mut Connection, campaign: i64, op: &str, now: i64) -> Started {
        match start_next_at(conn, campaign, op, now).unwrap() {
            NextStep::Started(started) => *started,
            other => panic!("nothing started: {other:?}"),
        }
    }

    /// Sends the first message to everyone, one a minute from T0; their outreach ids.
    fn send_all_first(conn: &mut Connection, campaign: i64, n: usize) -> Vec<i64> {
        (0..n)
            .map(|i| {
                let at = T0 + i as i64 * 60_000;
                let started = start(conn, campaign, OP, at);
                assert!(started.followup.is_none());
                mark_at(conn, started.outreach_id, Outcome::Sent, OP, at).unwrap();
                started.outreach_id
            })
            .collect()
    }

    const DAY: i64 = DAY_MS;

    #[test]
    fn a_follow_up_comes_up_when_due_with_its_own_text_the_same_link_and_what_they_did() {
        let (mut conn, campaign) = campaign(
            2,
            vec![
                followup(2, FollowupCondition::NoOpen, "Did you see this?"),
                followup(
                    3,
                    FollowupCondition::NoUpload,
                    "Your video is one tap away:",
                ),
            ],
            true,
        );
        let ids = send_all_first(&mut conn, campaign, 2);
        // Not due one day later.
        assert!(matches!(
            start_next_at(&mut conn, campaign, OP, T0 + DAY).unwrap(),
            NextStep::Empty
        ));
        let later = T0 + 3 * DAY;
        let overview = overview_at(&conn, campaign, OP, later).unwrap();
        assert_eq!(overview.left.followups_due, 2);
        let next = overview.next.unwrap();
        assert_eq!(next.outreach_id, ids[0]);
        assert_eq!(next.followup.as_ref().unwrap().step, 1);

        let started = start(&mut conn, campaign, OP, later);
        assert_eq!(started.outreach_id, ids[0]);
        assert_eq!(
            started.parts[0].text,
            format!("Did you see this? {}", started.link_url)
        );
        assert_eq!(started.link_url, format!("https://l/r/tok{}", ids[0]));
        assert_eq!(started.dm_url, "https://www.tiktok.com/@user_0");
        let info = started.followup.unwrap();
        assert_eq!((info.step, info.steps, info.days_since_sent), (1, 2, 3));
        assert!(!info.opened && !info.upload_started);
        // The Queue's standing line still answers while the follow-up is on screen.
        let overview = overview_at(&conn, campaign, OP, later).unwrap();
        assert_eq!(overview.left.followups_due, 1);
        assert_eq!(overview.next.unwrap().followup.unwrap().step, 1);
        let (state, variants): (String, String) = conn
            .query_row(
                "SELECT state, variants FROM followup_sends WHERE outreach_id = ?1 AND step = 1",
                [ids[0]],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((state.as_str(), variants.as_str()), ("in_progress", "[0]"));

        mark_at(&mut conn, ids[0], Outcome::Sent, OP, later).unwrap();
        let (state, sent_at): (String, i64) = conn
            .query_row(
                "SELECT state, sent_at FROM followup_sends WHERE outreach_id = ?1 AND step = 1",
                [ids[0]],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((state.as_str(), sent_at), ("sent", later));

        // The second person opened their link meanwhile: "no open" passes them by and the
        // "opened, no upload" step is due 3 days after their first message.
        conn.execute(
            "UPDATE outreach SET link_opened_at = ?2 WHERE id = ?1",
            rusqlite::params![ids[1], T0 + DAY],
        )
        .unwrap();
        let started = start(&mut conn, campaign, OP, later + 60_000);
        assert_eq!(started.outreach_id, ids[1]);
        let info = started.followup.unwrap();
        assert_eq!(info.step, 2);
        assert!(info.opened);
        assert!(
            started.parts[0]
                .text
                .starts_with("Your video is one tap away:")
        );
    }

    #[test]
    fn due_follow_ups_come_before_new_people_unless_the_campaign_says_after() {
        for first in [true, false] {
            let (mut conn, campaign) = campaign(
                2,
                vec![followup(1, FollowupCondition::NoOpen, "Again:")],
                first,
            );
            let started = start(&mut conn, campaign, OP, T0);
            mark_at(&mut conn, started.outreach_id, Outcome::Sent, OP, T0).unwrap();
            let next = start(&mut conn, campaign, OP, T0 + 2 * DAY);
            assert_eq!(next.followup.is_some(), first, "followups_first = {first}");
            if !first {
                // Once the new people are done, the follow-up comes up.
                mark_at(&mut conn, next.outreach_id, Outcome::Sent, OP, T0 + 2 * DAY).unwrap();
                let next = start(&mut conn, campaign, OP, T0 + 2 * DAY + 1000);
                assert_eq!(next.outreach_id, started.outreach_id);
                assert!(next.followup.is_some());
            }
        }
    }

    #[test]
    fn each_person_gets_each_step_at_most_once_and_two_windows_never_the_same() {
        let (mut conn, campaign) = campaign(
            1,
            vec![followup(1, FollowupCondition::NoOpen, "Again:")],
            true,
        );
        let id = send_all_first(&mut conn, campaign, 1)[0];
        let now = T0 + 2 * DAY;
        let first = start(&mut conn, campaign, OP, now);
        assert_eq!(first.outreach_id, id);
        // Another window (operator) gets nothing: the only follow-up is claimed.
        assert!(matches!(
            start_next_at(&mut conn, campaign, "ben", now).unwrap(),
            NextStep::Empty
        ));
        mark_at(&mut conn, id, Outcome::Sent, OP, now).unwrap();
        assert!(matches!(
            start_next_at(&mut conn, campaign, OP, now + 10 * DAY).unwrap(),
            NextStep::Empty
        ));
        // The table itself refuses a second row for the same person and step.
        assert!(
            conn.execute(
                "INSERT INTO followup_sends (outreach_id, step, state, updated_at) VALUES (?1, 1, 'sent', 0)",
                [id],
            )
            .is_err()
        );
    }

    #[test]
    fn a_follow_up_send_counts_against_pacing_like_any_send() {
        let (mut conn, campaign) = campaign(
            2,
            vec![followup(1, FollowupCondition::NoOpen, "Again:")],
            true,
        );
        conn.execute(
            "UPDATE campaigns SET min_spacing_s = 600 WHERE id = ?1",
            [campaign],
        )
        .unwrap();
        let started = start(&mut conn, campaign, OP, T0);
        mark_at(&mut conn, started.outreach_id, Outcome::Sent, OP, T0).unwrap();
        let now = T0 + 2 * DAY;
        let followup = start(&mut conn, campaign, OP, now);
        mark_at(&mut conn, followup.outreach_id, Outcome::Sent, OP, now).unwrap();
        assert_eq!(queue::recent_sends(&conn, now + 1).unwrap(), vec![now]);
        // The new person waits for the spacing after the follow-up.
        assert!(matches!(
            start_next_at(&mut conn, campaign, OP, now + 60_000).unwrap(),
            NextStep::Wait { .. }
        ));
        assert!(
            overview_at(&conn, campaign, OP, now + 60_000)
                .unwrap()
                .pace
                .allowed()
                .eq(&false)
        );
    }

    #[test]
    fn a_follow_up_send_refused_by_pacing_needs_an_override() {
        let (mut conn, campaign) = campaign(
            2,
            vec![followup(1, FollowupCondition::NoOpen, "Again:")],
            true,
        );
        let ids = send_all_first(&mut conn, campaign, 2);
        let now = T0 + 2 * DAY;
        let one = start(&mut conn, campaign, OP, now);
        let two = start(&mut conn, campaign, "ben", now);
        assert_ne!(one.outreach_id, two.outreach_id);
        conn.execute(
            "UPDATE campaigns SET min_spacing_s = 600 WHERE id = ?1",
            [campaign],
        )
        .unwrap();
        mark_at(&mut conn, one.outreach_id, Outcome::Sent, OP, now).unwrap();
        let err =
            mark_at(&mut conn, two.outreach_id, Outcome::Sent, "ben", now + 1000).unwrap_err();
        assert!(err.to_string().contains("not recorded as sent"), "{err}");
        mark_sent_despite_pacing_at(
            &mut conn,
            two.outreach_id,
            "ben",
            "sent on TikTok",
            now + 1000,
        )
        .unwrap();
        assert_eq!(ids.len(), 2);
    }

    #[test]
    fn undo_puts_a_follow_up_back_in_progress_and_frees_its_pacing_slot() {
        let (mut conn, campaign) = campaign(
            1,
            vec![followup(1, FollowupCondition::NoOpen, "Again:")],
            true,
        );
        let id = send_all_first(&mut conn, campaign, 1)[0];
        let now = T0 + 2 * DAY;
        start(&mut conn, campaign, OP, now);
        mark_at(&mut conn, id, Outcome::Sent, OP, now).unwrap();
        assert_eq!(undo_last_at(&mut conn, OP, now + 1000).unwrap(), id);
        assert!(queue::recent_sends(&conn, now + 2000).unwrap().is_empty());
        let state: String = conn
            .query_row(
                "SELECT state FROM followup_sends WHERE outreach_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(state, "in_progress");
        // The operator gets the same follow-up back, and can skip it this time.
        let again = start(&mut conn, campaign, OP, now + 2000);
        assert_eq!((again.outreach_id, again.followup.unwrap().step), (id, 1));
        mark_at(&mut conn, id, Outcome::Skipped, OP, now + 3000).unwrap();
        assert!(matches!(
            start_next_at(&mut conn, campaign, OP, now + 4000).unwrap(),
            NextStep::Empty
        ));
        // Undo of the skip, then "later": the follow-up waits until then.
        undo_last_at(&mut conn, OP, now + 5000).unwrap();
        mark_at(
            &mut conn,
            id,
            Outcome::Snoozed { until: now + DAY },
            OP,
            now + 6000,
        )
        .unwrap();
        assert!(matches!(
            start_next_at(&mut conn, campaign, OP, now + 7000).unwrap(),
            NextStep::Empty
        ));
        assert_eq!(start(&mut conn, campaign, OP, now + DAY).outreach_id, id);
        let kinds: Vec<(String, String)> = conn
            .prepare("SELECT from_state, to_state FROM audit_log WHERE json_extract(detail, '$.followup_step') = 1 ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let kinds: Vec<(&str, &str)> = kinds
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("sent", "in_progress"),
                ("in_progress", "sent"),
                ("sent", "in_progress"),
                ("in_progress", "skipped"),
                ("skipped", "in_progress"),
                ("in_progress", "snoozed"),
                ("sent", "in_progress"),
            ],
            "every follow-up move is audited"
        );
    }

    #[test]
    fn a_skipped_step_moves_on_to_the_next_counted_from_the_last_message_sent() {
        let (mut conn, campaign) = campaign(
            1,
            vec![
                followup(2, FollowupCondition::NoOpen, "One:"),
                followup(5, FollowupCondition::NoOpen, "Two:"),
            ],
            true,
        );
        let id = send_all_first(&mut conn, campaign, 1)[0];
        // Triage: skipped without starting it.
        mark_at(&mut conn, id, Outcome::Skipped, OP, T0 + 2 * DAY).unwrap();
        assert!(matches!(
            start_next_at(&mut conn, campaign, OP, T0 + 4 * DAY).unwrap(),
            NextStep::Empty
        ));
        let two = start(&mut conn, campaign, OP, T0 + 5 * DAY);
        assert_eq!((two.outreach_id, two.followup.unwrap().step), (id, 2));
    }

    fn nothing_due(conn: &Connection, campaign: i64) -> bool {
        let (steps, _) = of_campaign(conn, campaign).unwrap();
        due(conn, campaign, &steps, OP, T0 + 30 * DAY)
            .unwrap()
            .is_empty()
    }

    #[test]
    fn people_leave_the_sequence_when_they_upload_decline_cannot_be_dmed_or_are_forgotten() {
        let steps = vec![
            followup(1, FollowupCondition::NoOpen, "One:"),
            followup(2, FollowupCondition::NoUpload, "Two:"),
        ];
        let leave: [(&str, &str); 4] = [
            (
                "uploaded",
                "UPDATE outreach SET link_opened_at = 1, video_id = 'v1', video_state = 'ready'",
            ),
            (
                "declined",
                "UPDATE outreach SET declined_at = 1, decline_reason = 'busy'",
            ),
            ("forgotten", "DELETE FROM outreach"),
            ("link revoked", "UPDATE outreach SET link_revoked_at = 1"),
        ];
        for (why, sql) in leave {
            let (mut conn, campaign) = campaign(1, steps.clone(), true);
            send_all_first(&mut conn, campaign, 1);
            assert!(!nothing_due(&conn, campaign));
            conn.execute(sql, []).unwrap();
            assert!(nothing_due(&conn, campaign), "{why}");
        }
        // A stalled upload keeps the "opened, no upload" step: the same link resumes it.
        let (mut conn, campaign) = campaign(1, steps.clone(), true);
        let id = send_all_first(&mut conn, campaign, 1)[0];
        conn.execute("UPDATE outreach SET upload_started_at = 1", [])
            .unwrap();
        let started = start(&mut conn, campaign, OP, T0 + 3 * DAY);
        let info = started.followup.unwrap();
        assert_eq!((started.outreach_id, info.step), (id, 2));
        assert!(info.upload_started);
        // Can't DM, marked on the follow-up: the step is skipped and they leave.
        mark_at(
            &mut conn,
            id,
            Outcome::CantDm {
                reason: queue::CantDmReason::PrivacySettings,
            },
            OP,
            T0 + 3 * DAY,
        )
        .unwrap();
        conn.execute("UPDATE outreach SET upload_started_at = NULL", [])
            .unwrap();
        assert!(nothing_due(&conn, campaign), "can't DM");
    }

    #[test]
    fn a_campaign_round_trips_its_follow_ups_and_old_callers_get_none() {
        let (conn, campaign) = campaign(
            0,
            vec![followup(7, FollowupCondition::NoUpload, "Still keen?")],
            false,
        );
        let saved = crate::campaigns::get(&conn, campaign).unwrap();
        assert_eq!(saved.followups.len(), 1);
        assert_eq!(saved.followups[0].delay_days, 7);
        assert!(!saved.followups_first);
        let mut old: serde_json::Value = serde_json::to_value(CampaignInput::new(
            "Old",
            Template {
                parts: vec![Part::text(["{{link}}"])],
            },
        ))
        .unwrap();
        old.as_object_mut().unwrap().remove("followups");
        old.as_object_mut().unwrap().remove("followups_first");
        let old: CampaignInput = serde_json::from_value(old).unwrap();
        assert!(old.followups.is_empty() && old.followups_first);
    }
}
