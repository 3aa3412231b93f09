//! The Dashboard's figures: each campaign's funnel (queued → sent → opened → started →
//! uploaded → approved, and who declined), the funnel per message variant with whether the
//! difference is meaningful yet, and sends per day, from the local mirror.

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
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Funnel {
    pub campaign_id: i64,
    pub slug: String,
    pub name: String,
    /// Everyone added to the campaign.
    pub queued: u32,
    pub sent: u32,
    pub opened: u32,
    /// Their upload began (the first bytes arrived) or a video came.
    pub started: u32,
    pub uploaded: u32,
    pub approved: u32,
    /// Said "no thanks" on the page (a video may still have come before).
    pub declined: u32,
    /// Outcomes that left the funnel: skipped or can't DM.
    pub dropped: u32,
    /// Each message part sent in more than one variant, first message then follow-ups.
    pub parts: Vec<PartFunnel>,
}

/// One variant of a part: how far the people it was sent to got.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VariantFunnel {
    /// 0-based, as in the template.
    pub variant: u32,
    pub sent: u32,
    pub opened: u32,
    pub uploaded: u32,
    pub approved: u32,
    /// uploaded / sent, 0 to 1.
    pub upload_rate: f64,
}

/// A part sent in several variants and whether one brings more videos.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PartFunnel {
    /// 0 for the first message, else the follow-up step (1-based).
    pub step: u32,
    /// 0-based part of that message.
    pub part: u32,
    pub variants: Vec<VariantFunnel>,
    pub verdict: Verdict,
}

/// The best variant's upload rate against the next best's, by a two-proportion z-test
/// (pooled) at 95 %: the best beats every other one when it beats the runner-up.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Verdict {
    /// The variant with the highest upload rate.
    pub best: u32,
    /// The next best, it is compared with.
    pub runner_up: u32,
    pub z: f64,
    /// |z| ≥ 1.96 and every expected count ≥ 5.
    pub meaningful: bool,
    /// An expected count (uploads or not, per variant) is under 5: the test says nothing yet.
    pub too_few: bool,
    /// Roughly how many more sends per variant would make the present difference meaningful,
    /// when it is not yet (and there is a difference).
    pub more_sends: Option<u32>,
}

/// |z| at which a difference is meaningful at 95 % (two-sided).
pub const Z_95: f64 = 1.96;

/// Two-proportion z-test, pooled: `x1` of `n1` against `x2` of `n2`. Positive when the first
/// rate is higher; also whether every expected count is at least 5.
pub fn two_proportion_z(x1: u32, n1: u32, x2: u32, n2: u32) -> (f64, bool) {
    let (x1, n1, x2, n2) = (f64::from(x1), f64::from(n1), f64::from(x2), f64::from(n2));
    if n1 == 0.0 || n2 == 0.0 {
        return (0.0, false);
    }
    let pooled = (x1 + x2) / (n1 + n2);
    let enough = [n1, n2]
        .iter()
        .all(|n| n * pooled >= 5.0 && n * (1.0 - pooled) >= 5.0);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 {
        return (0.0, enough);
    }
    ((x1 / n1 - x2 / n2) / se, enough)
}

/// Compares the variants' upload rates (sent → uploaded): best against runner-up.
pub fn verdict(variants: &[VariantFunnel]) -> Option<Verdict> {
    let mut ranked: Vec<&VariantFunnel> = variants.iter().collect();
    ranked.sort_by(|a, b| {
        b.upload_rate
            .total_cmp(&a.upload_rate)
            .then(b.sent.cmp(&a.sent))
            .then(a.variant.cmp(&b.variant))
    });
    let (best, runner_up) = (ranked.first()?, ranked.get(1)?);
    let (z, enough) =
        two_proportion_z(best.uploaded, best.sent, runner_up.uploaded, runner_up.sent);
    let meaningful = enough && z.abs() >= Z_95;
    // Equal sends per variant: n = z² · 2p(1−p) / (p1 − p2)², and enough for counts of 5.
    let more_sends = (!meaningful)
        .then(|| {
            let (p1, p2) = (best.upload_rate, runner_up.upload_rate);
            let pooled = (p1 + p2) / 2.0;
            let diff = p1 - p2;
            if diff <= 0.0 || pooled <= 0.0 || pooled >= 1.0 {
                return None;
            }
            let for_z = Z_95 * Z_95 * 2.0 * pooled * (1.0 - pooled) / (diff * diff);
            let for_counts = 5.0 / pooled.min(1.0 - pooled);
            let needed = for_z.max(for_counts).ceil();
            let have = f64::from(best.sent.min(runner_up.sent));
            Some((needed - have).max(1.0) as u32)
        })
        .flatten();
    Some(Verdict {
        best: best.variant,
        runner_up: runner_up.variant,
        z,
        meaningful,
        too_few: !enough,
        more_sends,
    })
}

/// Whether an outreach item `o` reached the people's stages (a later stage implies the
/// earlier ones, as in the funnel).
const SENT: &str =
    "(o.sent_at IS NOT NULL OR o.link_opened_at IS NOT NULL OR o.video_id IS NOT NULL)";
const OPENED: &str = "(o.link_opened_at IS NOT NULL OR o.video_id IS NOT NULL)";

/// The funnel per variant of every part of campaign `campaign` sent in more than one variant:
/// the first message (`outreach.variants` of the people it was sent to) and each follow-up
/// step (`followup_sends` sent). A follow-up's people are counted by where they got to in
/// all (they were sent the step because they had not uploaded yet).
pub fn part_funnels(conn: &Connection, campaign: i64) -> CoreResult<Vec<PartFunnel>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT 0 AS step, CAST(j.key AS INTEGER) AS part, CAST(j.value AS INTEGER) AS variant,
                count(*), count(*) FILTER (WHERE {OPENED}), count(o.video_id),
                count(*) FILTER (WHERE o.review = 'approved')
         FROM outreach o, json_each(o.variants) j
         WHERE o.campaign_id = ?1 AND o.variants IS NOT NULL AND {SENT}
         GROUP BY part, variant
         UNION ALL
         SELECT f.step, CAST(j.key AS INTEGER), CAST(j.value AS INTEGER),
                count(*), count(*) FILTER (WHERE {OPENED}), count(o.video_id),
                count(*) FILTER (WHERE o.review = 'approved')
         FROM followup_sends f JOIN outreach o ON o.id = f.outreach_id, json_each(f.variants) j
         WHERE o.campaign_id = ?1 AND f.state = 'sent' AND f.variants IS NOT NULL
         GROUP BY f.step, CAST(j.key AS INTEGER), CAST(j.value AS INTEGER)
         ORDER BY 1, 2, 3"
    ))?;
    let rows = stmt.query_map([campaign], |r| {
        Ok((
            r.get::<_, u32>(0)?,
            r.get::<_, u32>(1)?,
            VariantFunnel {
                variant: r.get(2)?,
                sent: r.get(3)?,
                opened: r.get(4)?,
                uploaded: r.get(5)?,
                approved: r.get(6)?,
                upload_rate: 0.0,
            },
        ))
    })?;
    let mut parts: Vec<(u32, u32, Vec<VariantFunnel>)> = Vec::new();
    for row in rows {
        let (step, part, mut variant) = row?;
        variant.upload_rate = if variant.sent == 0 {
            0.0
        } else {
            f64::from(variant.uploaded) / f64::from(variant.sent)
        };
        match parts.last_mut() {
            Some((s, p, variants)) if *s == step && *p == part => variants.push(variant),
            _ => parts.push((step, part, vec![variant])),
        }
    }
    Ok(parts
        .into_iter()
        .filter_map(|(step, part, variants)| {
            let verdict = verdict(&variants)?;
            Some(PartFunnel {
                step,
                part,
                variants,
                verdict,
            })
        })
        .collect())
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
                count(*) FILTER (WHERE o.upload_started_at IS NOT NULL OR o.video_id IS NOT NULL),
                count(o.video_id),
                count(*) FILTER (WHERE o.review = 'approved'),
                count(o.declined_at),
                count(*) FILTER (WHERE o.state IN ('skipped', 'cant_dm'))
         FROM campaigns c LEFT JOIN outreach o ON o.campaign_id = c.id
         WHERE c.deleted_at IS NULL
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
            started: r.get(6)?,
            uploaded: r.get(7)?,
            approved: r.get(8)?,
            declined: r.get(9)?,
            dropped: r.get(10)?,
            parts: Vec::new(),
        })
    })?;
    let mut funnels = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    for funnel in &mut funnels {
        funnel.parts = part_funnels(conn, funnel.campaign_id)?;
    }
    Ok(funnels)
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
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
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
        for (contact, state, sent, opened, video, review, started, declined) in [
            (
                1,
                "sent",
                Some(NOW),
                Some(NOW),
                Some("v1"),
                Some("approved"),
                None,
                None,
            ),
            (
                2,
                "sent",
                Some(NOW),
                None,
                Some("v2"),
                Some("pending"),
                Some(NOW),
                None,
            ),
            (3, "skipped", None, None, None, None, None, None),
            (
                4,
                "queued",
                None,
                Some(NOW),
                None,
                None,
                Some(NOW),
                Some(NOW),
            ),
        ] {
            conn.execute(
                "INSERT INTO outreach (campaign_id, contact_id, state, sent_at, link_opened_at,
                                       video_id, review, upload_started_at, declined_at,
                                       added_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 0)",
                params![
                    campaign.id,
                    contact,
                    state,
                    sent,
                    opened,
                    video,
                    review,
                    started,
                    declined
                ],
            )
            .unwrap();
        }
        let funnels = funnels(&conn).unwrap();
        assert_eq!(funnels.len(), 2);
        assert_eq!(
            funnels[0].id_and_counts(),
            (empty.id, [0, 0, 0, 0, 0, 0, 0, 0])
        );
        // #2's open was never seen but its video came; #4 opened a link not yet marked sent,
        // began an upload and then declined; #1's video counts as started.
        assert_eq!(
            funnels[1].id_and_counts(),
            (campaign.id, [4, 3, 3, 3, 2, 1, 1, 1])
        );
    }

    impl Funnel {
        /// queued, sent, opened, started, uploaded, approved, declined, dropped.
        fn id_and_counts(&self) -> (i64, [u32; 8]) {
            let Funnel {
                campaign_id,
                queued,
                sent,
                opened,
                started,
                uploaded,
                approved,
                declined,
                dropped,
                ..
            } = self;
            (
                *campaign_id,
                [
                    *queued, *sent, *opened, *started, *uploaded, *approved, *declined, *dropped,
                ],
            )
        }
    }

    fn variant(variant: u32, sent: u32, uploaded: u32) -> VariantFunnel {
        VariantFunnel {
            variant,
            sent,
            opened: sent,
            uploaded,
            approved: 0,
            upload_rate: f64::from(uploaded) / f64::from(sent),
        }
    }

    #[test]
    fn the_two_proportion_test_matches_hand_computed_values() {
        // p = 60/400 = 0.15; se = sqrt(0.15 · 0.85 · (1/200 + 1/200)) = 0.035707;
        // z = (0.20 − 0.10) / 0.035707 = 2.8006.
        let (z, enough) = two_proportion_z(40, 200, 20, 200);
        assert!((z - 2.8006).abs() < 0.001, "{z}");
        assert!(enough);
        // p = 18/200 = 0.09; se = sqrt(0.09 · 0.91 · 0.02) = 0.040472; z = 0.04 / 0.040472.
        let (z, enough) = two_proportion_z(11, 100, 7, 100);
        assert!((z - 0.9883).abs() < 0.001, "{z}");
        assert!(enough);
        // 3 of 20 against 1 of 20: pooled 0.1, expected uploads 2 per variant.
        let (_, enough) = two_proportion_z(3, 20, 1, 20);
        assert!(!enough);
        assert_eq!(two_proportion_z(0, 0, 1, 2), (0.0, false));
    }

    #[test]
    fn a_clear_difference_names_the_better_variant() {
        let v = verdict(&[variant(0, 200, 20), variant(1, 200, 40)]).unwrap();
        assert_eq!((v.best, v.runner_up), (1, 0));
        assert!(v.meaningful && !v.too_few);
        assert!((v.z - 2.8006).abs() < 0.001);
        assert_eq!(v.more_sends, None);
    }

    #[test]
    fn a_small_difference_is_not_yet_meaningful_and_says_how_many_more_sends() {
        let v = verdict(&[variant(0, 100, 11), variant(1, 100, 7)]).unwrap();
        assert_eq!(v.best, 0);
        assert!(!v.meaningful && !v.too_few);
        // n = 1.96² · 2 · 0.09 · 0.91 / 0.04² = 393.3 → 394 per variant, 294 more.
        assert_eq!(v.more_sends, Some(294));
        let v = verdict(&[variant(0, 20, 3), variant(1, 20, 1)]).unwrap();
        assert!(!v.meaningful && v.too_few);
        let same = verdict(&[variant(0, 50, 5), variant(1, 50, 5)]).unwrap();
        assert!(!same.meaningful);
        assert_eq!(
            same.more_sends, None,
            "no difference: no number of sends shows one"
        );
    }

    #[test]
    fn with_three_variants_the_best_is_compared_with_the_runner_up() {
        let v = verdict(&[
            variant(0, 200, 20),
            variant(1, 200, 40),
            variant(2, 200, 36),
        ])
        .unwrap();
        assert_eq!((v.best, v.runner_up), (1, 2));
        assert!(!v.meaningful, "40 vs 36 of 200 is within chance");
        assert!(
            verdict(&[variant(0, 10, 1)]).is_none(),
            "one variant: nothing to compare"
        );
    }

    #[test]
    fn the_funnel_per_variant_counts_first_messages_and_follow_ups() {
        let mut conn = open_in_memory().unwrap();
        setup(&conn);
        let campaign = new_campaign(&mut conn, "Spring");
        // Part 0 in two variants, part 1 in one: only part 0 is compared.
        for (contact, variants, opened, video, review) in [
            (1, "[0,0]", Some(NOW), Some("v1"), Some("approved")),
            (2, "[1,0]", Some(NOW), None, None),
            (3, "[1,0]", None, None, None),
            (4, "[0,0]", None, None, None),
        ] {
            conn.execute(
                "INSERT INTO outreach (campaign_id, contact_id, state, sent_at, link_opened_at,
                                       video_id, review, variants, added_at, updated_at)
                 VALUES (?1, ?2, 'sent', ?3, ?4, ?5, ?6, ?7, 0, 0)",
                params![campaign.id, contact, NOW, opened, video, review, variants],
            )
            .unwrap();
        }
        // Not sent yet: its variants were only rendered.
        conn.execute(
            "INSERT INTO contacts (id, handle, created_at, updated_at) VALUES (5, 'e', 0, 0)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO outreach (campaign_id, contact_id, state, variants, added_at, updated_at)
             VALUES (?1, 5, 'in_progress', '[1,0]', 0, 0)",
            [campaign.id],
        )
        .unwrap();
        // Follow-up step 1 went to #3 in variant 0 and #4 in variant 1; a skipped one is not
        // counted.
        conn.execute_batch(
            "INSERT INTO followup_sends (outreach_id, step, state, sent_at, variants, updated_at) VALUES
                 (3, 1, 'sent', 1, '[0]', 1), (4, 1, 'sent', 1, '[1]', 1), (2, 1, 'skipped', NULL, '[1]', 1);",
        )
        .unwrap();
        let parts = part_funnels(&conn, campaign.id).unwrap();
        type Shape = (u32, u32, Vec<(u32, u32, u32, u32, u32)>);
        let shape: Vec<Shape> = parts
            .iter()
            .map(|p| {
                (
                    p.step,
                    p.part,
                    p.variants
                        .iter()
                        .map(|v| (v.variant, v.sent, v.opened, v.uploaded, v.approved))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (0, 0, vec![(0, 2, 1, 1, 1), (1, 2, 1, 0, 0)]),
                (1, 0, vec![(0, 1, 0, 0, 0), (1, 1, 0, 0, 0)]),
            ]
        );
        assert_eq!(parts[0].verdict.best, 0);
        assert!(parts[0].verdict.too_few);
        assert_eq!(funnels(&conn).unwrap()[0].parts, parts);
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
