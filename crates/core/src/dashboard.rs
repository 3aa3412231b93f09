//! The Dashboard's figures: each campaign's funnel (queued → sent → opened → uploaded →
//! approved) and sends per day, from the local mirror.

use rusqlite::{Connection, params};
use serde::Serialize;
use ts_rs::TS;

use crate::clock;
use crate::error::{CoreError, CoreResult};
use crate::pacing::DAY_MS;

/// Days the sends chart can cover.
pub const MAX_DAYS: u32 = 366;

/// One campaign's funnel. Each stage counts the people who reached it or any later one, so
/// the numbers only fall from left to right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Funnel {
    pub campaign_id: i64,
    pub slug: String,
    pub name: String,
    /// Everyone added to the campaign.
    pub queued: u32,
    pub sent: u32,
    pub opened: u32,
    pub uploaded: u32,
    pub approved: u32,
    /// Outcomes that left the funnel: skipped or can't DM.
    pub dropped: u32,
}

pub fn funnels(conn: &Connection) -> CoreResult<Vec<Funnel>> {
    let mut stmt = conn.prepare(
        // A later stage implies the earlier ones, even when their own mark is missing (a
        // video sent in without the page's open being seen, a DM marked after the fact).
        "SELECT c.id, c.slug, c.name,
                count(o.id),
                count(*) FILTER (WHERE o.sent_at IS NOT NULL OR o.link_opened_at IS NOT NULL
                                       OR o.video_id IS NOT NULL),
                count(*) FILTER (WHERE o.link_opened_at IS NOT NULL OR o.video_id IS NOT NULL),
                count(o.video_id),
                count(*) FILTER (WHERE o.review = 'approved'),
                count(*) FILTER (WHERE o.state IN ('skipped', 'cant_dm'))
         FROM campaigns c LEFT JOIN outreach o ON o.campaign_id = c.id
         GROUP BY c.id ORDER BY c.name COLLATE NOCASE, c.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Funnel {
            campaign_id: r.get(0)?,
            slug: r.get(1)?,
            name: r.get(2)?,
            queued: r.get(3)?,
            sent: r.get(4)?,
            opened: r.get(5)?,
            uploaded: r.get(6)?,
            approved: r.get(7)?,
            dropped: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Sends on one local calendar day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DaySends {
    /// `YYYY-MM-DD` in the operator's time zone.
    pub day: String,
    pub sends: u32,
}

/// Sends per day over the last `days` days up to today, oldest first, days without sends
/// included. `utc_offset_minutes` is the operator's offset east of UTC (JavaScript's
/// `-new Date().getTimezoneOffset()`).
pub fn sends_per_day(
    conn: &Connection,
    days: u32,
    utc_offset_minutes: i32,
    now_ms: i64,
) -> CoreResult<Vec<DaySends>> {
    if days == 0 || days > MAX_DAYS {
        return Err(CoreError::invalid(
            "days",
            format!("must be 1 to {MAX_DAYS}"),
        ));
    }
    if utc_offset_minutes.abs() > 14 * 60 {
        return Err(CoreError::invalid(
            "utc_offset_minutes",
            "must be within ±14 hours",
        ));
    }
    let offset_ms = i64::from(utc_offset_minutes) * 60_000;
    let today = (now_ms + offset_ms).div_euclid(DAY_MS);
    let first = today - i64::from(days) + 1;
    let mut counts = vec![0u32; days as usize];
    let mut stmt = conn.prepare(
        "SELECT (sent_at + ?1) / 86400000 AS day, count(*) FROM outreach
         WHERE state = 'sent' AND sent_at >= ?2 GROUP BY day",
    )?;
    let rows = stmt.query_map(params![offset_ms, first * DAY_MS - offset_ms], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, u32>(1)?))
    })?;
    for row in rows {
        let (day, sends) = row?;
        if let Ok(index) = usize::try_from(day - first)
            && let Some(slot) = counts.get_mut(index)
        {
            *slot = sends;
        }
    }
    Ok(counts
        .into_iter()
        .enumerate()
        .map(|(i, sends)| DaySends {
            day: clock::to_rfc3339((first + i as i64) * DAY_MS)[..10].to_owned(),
            sends,
        })
        .collect())
}

/// Everything the Dashboard shows, read in one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Dashboard {
    pub funnels: Vec<Funnel>,
    pub sends: Vec<DaySends>,
}

pub fn load(conn: &Connection, days: u32, utc_offset_minutes: i32) -> CoreResult<Dashboard> {
    Ok(Dashboard {
        sends: sends_per_day(conn, days, utc_offset_minutes, clock::now_ms())?,
        funnels: funnels(conn)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::{self, Campaign, CampaignInput};
    use crate::store::open_in_memory;
    use crate::templates::{Part, Template};

    const NOW: i64 = 1_764_072_000_000; // 2025-11-25T12:00:00Z

    fn new_campaign(conn: &mut Connection, name: &str) -> Campaign {
        let template = Template {
            parts: vec![Part::text(["Hi {{handle}}: {{link}}"])],
        };
        campaigns::create(conn, &CampaignInput::new(name, template)).unwrap()
    }

    fn setup(conn: &Connection) {
        conn.execute_batch(
            "INSERT INTO contacts (id, handle, created_at, updated_at) VALUES
                 (1, 'a', 0, 0), (2, 'b', 0, 0), (3, 'c', 0, 0), (4, 'd', 0, 0);",
        )
        .unwrap();
    }

    #[test]
    fn the_funnel_counts_each_stage_reached() {
        let mut conn = open_in_memory().unwrap();
        setup(&conn);
        let campaign = new_campaign(&mut conn, "Spring");
        let empty = new_campaign(&mut conn, "Autumn");
        for (contact, state, sent, opened, video, review) in [
            (
                1,
                "sent",
                Some(NOW),
                Some(NOW),
                Some("v1"),
                Some("approved"),
            ),
            (2, "sent", Some(NOW), None, Some("v2"), Some("pending")),
            (3, "skipped", None, None, None, None),
            (4, "queued", None, Some(NOW), None, None),
        ] {
            conn.execute(
                "INSERT INTO outreach (campaign_id, contact_id, state, sent_at, link_opened_at,
                                       video_id, review, added_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, 0)",
                params![campaign.id, contact, state, sent, opened, video, review],
            )
            .unwrap();
        }
        let funnels = funnels(&conn).unwrap();
        assert_eq!(funnels.len(), 2);
        assert_eq!(funnels[0].id_and_counts(), (empty.id, [0, 0, 0, 0, 0, 0]));
        // #2's open was never seen but its video came; #4 opened a link not yet marked sent.
        assert_eq!(
            funnels[1].id_and_counts(),
            (campaign.id, [4, 3, 3, 2, 1, 1])
        );
    }

    impl Funnel {
        fn id_and_counts(&self) -> (i64, [u32; 6]) {
            let Funnel {
                campaign_id,
                queued,
                sent,
                opened,
                uploaded,
                approved,
                dropped,
                ..
            } = self;
            (
                *campaign_id,
                [*queued, *sent, *opened, *uploaded, *approved, *dropped],
            )
        }
    }

    #[test]
    fn sends_fall_on_the_operators_local_day() {
        let mut conn = open_in_memory().unwrap();
        setup(&conn);
        let campaign = new_campaign(&mut conn, "Spring");
        // 23:30 UTC yesterday is today in UTC+1; 00:30 UTC today is today either way.
        let late_yesterday = NOW - 12 * 3_600_000 - 30 * 60_000;
        let early_today = NOW - 11 * 3_600_000 - 30 * 60_000;
        let long_ago = NOW - 40 * DAY_MS;
        for (contact, at) in [(1, late_yesterday), (2, early_today), (3, long_ago)] {
            conn.execute(
                "INSERT INTO outreach (campaign_id, contact_id, state, sent_at, added_at, updated_at)
                 VALUES (?1, ?2, 'sent', ?3, 0, 0)",
                params![campaign.id, contact, at],
            )
            .unwrap();
        }
        let utc = sends_per_day(&conn, 3, 0, NOW).unwrap();
        let days: Vec<(&str, u32)> = utc.iter().map(|d| (d.day.as_str(), d.sends)).collect();
        assert_eq!(
            days,
            [("2025-11-23", 0), ("2025-11-24", 1), ("2025-11-25", 1)]
        );
        let plus_one = sends_per_day(&conn, 3, 60, NOW).unwrap();
        let days: Vec<(&str, u32)> = plus_one.iter().map(|d| (d.day.as_str(), d.sends)).collect();
        assert_eq!(
            days,
            [("2025-11-23", 0), ("2025-11-24", 0), ("2025-11-25", 2)]
        );
    }

    #[test]
    fn bad_ranges_are_named() {
        let conn = open_in_memory().unwrap();
        let err = sends_per_day(&conn, 0, 0, NOW).unwrap_err();
        assert!(err.to_string().starts_with("days:"), "{err}");
        let err = sends_per_day(&conn, 7, 15 * 60, NOW).unwrap_err();
        assert!(err.to_string().starts_with("utc_offset_minutes:"), "{err}");
    }
}
