//! Team mode's claims: an operator leases the next person of a campaign, records what
//! happened (the outcome), may undo it or give the person back. Each function runs inside the
//! request's one IMMEDIATE transaction ([`Tx`]), so two operators asking at the same instant
//! are served one after the other and never get the same person; every change appends its
//! event in that same transaction.
//!
//! The rules (who is claimable, pacing, the cross-campaign hold, leases) are the HTTP contract
//! in `clipdesk_protocol::team`.

use std::time::Duration;

use clipdesk_protocol::api::EventKind;
use clipdesk_protocol::team::{
    Claim, ClaimOutcome, ClaimRequest, ClaimView, HeldList, HeldRecipient, Hold, OutcomeRequest,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::clock;
use crate::domain::{LinkToken, random_b64};
use crate::error::ApiError;
use crate::events::{NewEvent, Tx};

const DAY_MS: i64 = 86_400_000;
/// How long a lease may be asked for, in seconds.
pub const LEASE_S: std::ops::RangeInclusive<u32> = 5..=86_400;
const MAX_REASON_CHARS: usize = 200;

/// A campaign's pacing, hold and lease settings.
#[derive(Debug, Clone)]
struct Settings {
    slug: String,
    daily_cap: i64,
    spacing_s: i64,
    hold_days: i64,
    lease_s: i64,
}

fn settings(conn: &Connection, slug: &str) -> Result<Settings, ApiError> {
    conn.query_row(
        "SELECT slug, daily_cap, spacing_s, hold_days, lease_s FROM campaigns WHERE slug = ?1",
        [slug],
        |row| {
            Ok(Settings {
                slug: row.get(0)?,
                daily_cap: row.get(1)?,
                spacing_s: row.get(2)?,
                hold_days: row.get(3)?,
                lease_s: row.get(4)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| ApiError::NotFound(format!("no campaign {slug:?}")))
}

/// A claim request whose fields passed the rules.
#[derive(Debug, Clone)]
pub struct CheckedClaim {
    lease_s: Option<i64>,
    link: Option<String>,
    override_hold: bool,
    override_pacing: bool,
}

impl CheckedClaim {
    pub fn parse(request: ClaimRequest) -> Result<Self, ApiError> {
        if let Some(lease_s) = request.lease_s
            && !LEASE_S.contains(&lease_s)
        {
            return Err(ApiError::invalid(
                "lease_s",
                format!(
                    "{lease_s} seconds; a lease lasts {} to {} seconds",
                    LEASE_S.start(),
                    LEASE_S.end()
                ),
            ));
        }
        let link = match request.link {
            None => None,
            Some(link) => Some(
                LinkToken::parse(&link)
                    .ok_or_else(|| {
                        ApiError::invalid("link", format!("{link:?} is not a link token"))
                    })?
                    .as_str()
                    .to_owned(),
            ),
        };
        Ok(CheckedClaim {
            lease_s: request.lease_s.map(i64::from),
            link,
            override_hold: request.override_hold,
            override_pacing: request.override_pacing,
        })
    }
}

/// Claims the next claimable person of `campaign` (or `request.link`) for `operator`;
/// `None` when nobody is left.
pub fn claim(
    tx: &mut Tx<'_>,
    campaign: &str,
    operator: &str,
    request: &CheckedClaim,
) -> Result<Option<Claim>, ApiError> {
    let now = clock::now_ms();
    let campaign = settings(tx, campaign)?;
    // Asking again (an app restart) hands back the lease already held.
    let held_already: Option<String> = tx
        .query_row(
            "SELECT id FROM claims
             WHERE operator = ?1 AND campaign = ?2 AND ended_at IS NULL
               AND lease_expires_at > ?3 AND (?4 IS NULL OR link = ?4)
             ORDER BY claimed_at LIMIT 1",
            params![operator, campaign.slug, now, request.link],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(id) = held_already {
        return Ok(Some(view(tx, &id)?.claim));
    }
    if !request.override_pacing {
        check_pacing(tx, operator, &campaign, now)?;
    }
    let (token, handle) = match &request.link {
        Some(token) => chosen(tx, &campaign, token, operator, request.override_hold, now)?,
        None => match next(tx, &campaign, now)? {
            Some(found) => found,
            None => return Ok(None),
        },
    };
    // An expired lease on this person ends now that someone claims them.
    let expired: Vec<(String, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT id, operator FROM claims WHERE link = ?1 AND ended_at IS NULL",
        )?;
        let rows = stmt.query_map([&token], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (id, owner) in expired {
        end_claim(tx, &id, "expired", now)?;
        tx.append(
            EventKind::ClaimReleased,
            NewEvent {
                campaign: Some(&campaign.slug),
                handle: Some(&handle),
                link: Some(&token),
                detail: Some(serde_json::json!({
                    "claim": id, "operator": owner, "reason": "expired",
                })),
                ..NewEvent::default()
            },
        )?;
    }
    let id = random_b64::<16>();
    let lease_ms = request.lease_s.unwrap_or(campaign.lease_s) * 1000;
    let lease_expires_at = now + lease_ms;
    tx.execute(
        "INSERT INTO claims (id, link, campaign, operator, claimed_at, lease_expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, token, campaign.slug, operator, now, lease_expires_at],
    )?;
    tx.append(
        EventKind::ClaimCreated,
        NewEvent {
            campaign: Some(&campaign.slug),
            handle: Some(&handle),
            link: Some(&token),
            detail: Some(serde_json::json!({
                "claim": id,
                "operator": operator,
                "lease_expires_at": clock::to_rfc3339(lease_expires_at),
            })),
            ..NewEvent::default()
        },
    )?;
    Ok(Some(view(tx, &id)?.claim))
}

/// The SQL behind "next": walks the campaign's part of `links_to_claim` in import order
/// (a batch of links shares one millisecond; the rowid keeps their order). The
/// partial index's own condition is repeated word for word so SQLite can use it.
pub const NEXT_SQL: &str = "SELECT l.token, l.handle FROM links l
     WHERE l.campaign = ?1 AND l.self_reported = 0 AND (outcome IS NULL OR outcome = 'later')
       AND (l.outcome IS NULL OR l.later_until <= ?2)
       AND l.revoked_at IS NULL AND l.declined_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM claims c
                       WHERE c.link = l.token AND c.ended_at IS NULL
                         AND c.lease_expires_at > ?2)
       AND NOT (?3 > 0 AND EXISTS (SELECT 1 FROM sends s
                                   WHERE s.handle = l.handle AND s.at > ?2 - ?3
                                     AND s.campaign <> l.campaign))
     ORDER BY l.created_at, l.rowid
     LIMIT 1";

fn next(
    conn: &Connection,
    campaign: &Settings,
    now: i64,
) -> Result<Option<(String, String)>, ApiError> {
    Ok(conn
        .prepare_cached(NEXT_SQL)?
        .query_row(
            params![campaign.slug, now, campaign.hold_days * DAY_MS],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}

/// A person the operator picked: theirs to claim unless gone, someone else holds them, or
/// the hold keeps them back without `override_hold`.
fn chosen(
    conn: &Connection,
    campaign: &Settings,
    token: &str,
    operator: &str,
    override_hold: bool,
    now: i64,
) -> Result<(String, String), ApiError> {
    let found: Option<(String, Option<i64>, Option<i64>)> = conn
        .query_row(
            "SELECT handle, revoked_at, declined_at FROM links
             WHERE token = ?1 AND campaign = ?2 AND self_reported = 0",
            params![token, campaign.slug],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let Some((handle, revoked_at, declined_at)) = found else {
        return Err(ApiError::NotFound(format!(
            "no recipient with link {token:?} in campaign {:?}",
            campaign.slug
        )));
    };
    if revoked_at.is_some() {
        return Err(ApiError::Conflict(format!(
            "the link of @{handle} was revoked"
        )));
    }
    if declined_at.is_some() {
        return Err(ApiError::Conflict(format!(
            "@{handle} said no thanks to this campaign"
        )));
    }
    let holder: Option<(String, i64)> = conn
        .query_row(
            "SELECT operator, lease_expires_at FROM claims
             WHERE link = ?1 AND ended_at IS NULL AND lease_expires_at > ?2 AND operator <> ?3",
            params![token, now, operator],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    if let Some((holder, until)) = holder {
        return Err(ApiError::Conflict(format!(
            "{holder:?} has claimed @{handle} until {}",
            clock::to_rfc3339(until)
        )));
    }
    if !override_hold && let Some(hold) = hold(conn, &handle, campaign, now)? {
        return Err(ApiError::Conflict(format!(
            "@{handle} is held: {:?} sent them a DM in campaign {:?} at {}, held until {}; \
             claim with override_hold to message them anyway",
            hold.operator, hold.campaign, hold.sent_at, hold.until
        )));
    }
    Ok((token.to_owned(), handle))
}

/// Why `handle` is held back from `campaign` now: the newest DM another campaign sent them
/// within this campaign's `hold_days`.
fn hold(
    conn: &Connection,
    handle: &str,
    campaign: &Settings,
    now: i64,
) -> Result<Option<Hold>, ApiError> {
    if campaign.hold_days <= 0 {
        return Ok(None);
    }
    let window = campaign.hold_days * DAY_MS;
    Ok(conn
        .prepare_cached(
            "SELECT campaign, operator, at FROM sends
             WHERE handle = ?1 AND at > ?2 AND campaign <> ?3
             ORDER BY at DESC LIMIT 1",
        )?
        .query_row(params![handle, now - window, campaign.slug], |row| {
            let at: i64 = row.get(2)?;
            Ok(Hold {
                campaign: row.get(0)?,
                operator: row.get(1)?,
                sent_at: clock::to_rfc3339(at),
                until: clock::to_rfc3339(at + window),
            })
        })
        .optional()?)
}

fn check_pacing(
    conn: &Connection,
    operator: &str,
    campaign: &Settings,
    now: i64,
) -> Result<(), ApiError> {
    match pacing(conn, operator, campaign, now)? {
        None => Ok(()),
        Some((retry_after, message)) => Err(ApiError::TooManyRequests {
            message,
            retry_after,
        }),
    }
}

/// How long until `operator` may send again under `campaign`'s pacing (the Retry-After), and
/// the message naming the cap or the spacing; `None` when they may send now.
fn pacing(
    conn: &Connection,
    operator: &str,
    campaign: &Settings,
    now: i64,
) -> Result<Option<(Duration, String)>, ApiError> {
    let wait = |until: i64| Duration::from_millis(u64::try_from(until - now).unwrap_or(0).max(1));
    // Sends of the last 24 h, newest first: the cap-th newest leaving the window frees a slot.
    let cap = campaign.daily_cap.max(1);
    let (count, freeing): (i64, Option<i64>) = conn.query_row(
        "SELECT (SELECT count(*) FROM sends WHERE operator = ?1 AND at > ?2),
                (SELECT at FROM sends WHERE operator = ?1 AND at > ?2
                 ORDER BY at DESC LIMIT 1 OFFSET ?3 - 1)",
        params![operator, now - DAY_MS, cap],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    if count >= cap
        && let Some(at) = freeing
    {
        let retry = wait(at + DAY_MS);
        return Ok(Some((
            retry,
            format!(
                "daily cap reached: {operator:?} sent {count} DMs in the last 24 hours and \
                 campaign {:?} allows {cap} (daily_cap); the next one in {} s, or send anyway \
                 with override_pacing",
                campaign.slug,
                retry.as_secs_f64().ceil()
            ),
        )));
    }
    if campaign.spacing_s > 0 {
        let last: Option<i64> = conn.query_row(
            "SELECT max(at) FROM sends WHERE operator = ?1",
            [operator],
            |row| row.get(0),
        )?;
        if let Some(last) = last
            && now - last < campaign.spacing_s * 1000
        {
            let retry = wait(last + campaign.spacing_s * 1000);
            return Ok(Some((
                retry,
                format!(
                    "spacing: {operator:?} sent a DM {} s ago and campaign {:?} spaces DMs \
                     {} s apart (spacing_s); the next one in {} s, or send anyway with \
                     override_pacing",
                    (now - last) / 1000,
                    campaign.slug,
                    campaign.spacing_s,
                    retry.as_secs_f64().ceil()
                ),
            )));
        }
    }
    Ok(None)
}

/// An outcome's reason as given: trimmed, blank is none, at most 200 characters (else 422
/// naming `field`).
pub fn checked_reason(reason: Option<String>, field: &str) -> Result<Option<String>, ApiError> {
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
    {
        return Err(ApiError::invalid(
            field,
            format!("at most {MAX_REASON_CHARS} characters"),
        ));
    }
    Ok(reason)
}

/// An outcome request whose fields passed the rules (times in ms).
#[derive(Debug, Clone)]
pub struct CheckedOutcome {
    outcome: ClaimOutcome,
    reason: Option<String>,
    until: Option<i64>,
    at: i64,
}

impl CheckedOutcome {
    pub fn parse(request: OutcomeRequest, now: i64) -> Result<Self, ApiError> {
        let reason = checked_reason(request.reason, "reason")?;
        let until = match (request.outcome, request.until) {
            (ClaimOutcome::Later, None) => {
                return Err(ApiError::invalid(
                    "until",
                    "a later outcome needs until: when to come back to this person (RFC 3339)",
                ));
            }
            (ClaimOutcome::Later, Some(text)) => {
                let until = clock::parse_rfc3339(&text).ok_or_else(|| {
                    ApiError::invalid("until", format!("{text:?} is not an RFC 3339 time"))
                })?;
                if until <= now {
                    return Err(ApiError::invalid(
                        "until",
                        format!("{text} is in the past; later needs a time to come"),
                    ));
                }
                if until > now + 366 * DAY_MS {
                    return Err(ApiError::invalid(
                        "until",
                        format!("{text} is more than a year away"),
                    ));
                }
                Some(until)
            }
            (outcome, Some(_)) => {
                return Err(ApiError::invalid(
                    "until",
                    format!("only a later outcome takes until, not {}", outcome.as_str()),
                ));
            }
            (_, None) => None,
        };
        let at = match request.at {
            None => now,
            Some(text) => {
                let at = clock::parse_rfc3339(&text).ok_or_else(|| {
                    ApiError::invalid("at", format!("{text:?} is not an RFC 3339 time"))
                })?;
                // Within the last 24 h, never ahead; otherwise the request's own time.
                if at <= now && at > now - DAY_MS {
                    at
                } else {
                    now
                }
            }
        };
        Ok(CheckedOutcome {
            outcome: request.outcome,
            reason,
            until,
            at,
        })
    }
}

/// A claim row as the routes check it.
struct ClaimRow {
    link: String,
    campaign: String,
    operator: String,
    ended: Option<String>,
}

/// The claim `id`, if it is `operator`'s: 404 unknown, 403 naming its owner.
fn owned(conn: &Connection, id: &str, operator: &str) -> Result<ClaimRow, ApiError> {
    let row = conn
        .query_row(
            "SELECT link, campaign, operator, ended FROM claims WHERE id = ?1",
            [id],
            |row| {
                Ok(ClaimRow {
                    link: row.get(0)?,
                    campaign: row.get(1)?,
                    operator: row.get(2)?,
                    ended: row.get(3)?,
                })
            },
        )
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("no claim {id:?}")))?;
    if row.operator != operator {
        return Err(ApiError::Forbidden(format!(
            "claim {id:?} belongs to {:?}, not {operator:?}",
            row.operator
        )));
    }
    Ok(row)
}

fn end_claim(conn: &Connection, id: &str, ended: &str, now: i64) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE claims SET ended = ?2, ended_at = ?3 WHERE id = ?1",
        params![id, ended, now],
    )?;
    Ok(())
}

fn handle_of(conn: &Connection, token: &str) -> Result<String, ApiError> {
    Ok(conn.query_row(
        "SELECT handle FROM links WHERE token = ?1",
        [token],
        |row| row.get(0),
    )?)
}

/// Records `outcome` for claim `id`: the link's outcome, the claim's end, and for `sent` a
/// row in `sends`. The same outcome again changes nothing.
pub fn record_outcome(
    tx: &mut Tx<'_>,
    id: &str,
    operator: &str,
    outcome: &CheckedOutcome,
) -> Result<ClaimView, ApiError> {
    let now = clock::now_ms();
    let claim = owned(tx, id, operator)?;
    let name = outcome.outcome.as_str();
    match claim.ended.as_deref() {
        None => {}
        Some(ended) if ended == name => return view(tx, id),
        Some("expired") => {
            let holder: Option<String> = tx
                .query_row(
                    "SELECT operator FROM claims WHERE link = ?1
                     ORDER BY claimed_at DESC LIMIT 1",
                    [&claim.link],
                    |row| row.get(0),
                )
                .optional()?;
            return Err(ApiError::Conflict(format!(
                "the lease of claim {id:?} ran out and {} has claimed this person since",
                holder.map_or_else(|| "someone".to_owned(), |h| format!("{h:?}"))
            )));
        }
        Some(ended @ ("given_back" | "undone")) => {
            return Err(ApiError::Conflict(format!(
                "claim {id:?} ended ({ended}); claim the person again to record an outcome"
            )));
        }
        Some(ended) => {
            return Err(ApiError::Conflict(format!(
                "claim {id:?} already has the outcome {ended}; undo it first \
                 (DELETE /api/v1/claims/{id}/outcome)"
            )));
        }
    }
    // An open claim whose lease ran out: nobody claimed the person since (that would have
    // ended it), so the outcome stands.
    let handle = handle_of(tx, &claim.link)?;
    tx.execute(
        "UPDATE links SET outcome = ?2, outcome_reason = ?3, outcome_by = ?4, outcome_at = ?5,
                          later_until = ?6, outcome_claim = ?7
         WHERE token = ?1",
        params![
            claim.link,
            name,
            outcome.reason,
            operator,
            outcome.at,
            outcome.until,
            id
        ],
    )?;
    end_claim(tx, id, name, now)?;
    if outcome.outcome == ClaimOutcome::Sent {
        tx.execute(
            "INSERT INTO sends (id, claim, operator, campaign, handle, link, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                random_b64::<16>(),
                id,
                operator,
                claim.campaign,
                handle,
                claim.link,
                outcome.at
            ],
        )?;
    }
    tx.append(
        EventKind::OutcomeSet,
        NewEvent {
            campaign: Some(&claim.campaign),
            handle: Some(&handle),
            link: Some(&claim.link),
            detail: Some(serde_json::json!({
                "claim": id,
                "operator": operator,
                "outcome": name,
                "reason": outcome.reason,
                "until": outcome.until.map(clock::to_rfc3339),
                "at": clock::to_rfc3339(outcome.at),
            })),
            ..NewEvent::default()
        },
    )?;
    view(tx, id)
}

/// Undoes claim `id`'s outcome: the person is back in the pool and a send no longer counts.
/// Undoing twice answers the same.
pub fn undo_outcome(tx: &mut Tx<'_>, id: &str, operator: &str) -> Result<ClaimView, ApiError> {
    let now = clock::now_ms();
    let claim = owned(tx, id, operator)?;
    if claim.ended.as_deref() == Some("undone") {
        return view(tx, id);
    }
    let (outcome_claim, outcome): (Option<String>, Option<String>) = tx.query_row(
        "SELECT outcome_claim, outcome FROM links WHERE token = ?1",
        [&claim.link],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let Some(outcome) = outcome.filter(|_| outcome_claim.as_deref() == Some(id)) else {
        return Err(ApiError::Conflict(format!(
            "claim {id:?} has no outcome to undo{}",
            claim.ended.as_deref().map_or_else(
                || " (it is still open)".to_owned(),
                |e| format!(" (it ended {e})")
            )
        )));
    };
    tx.execute(
        "UPDATE links SET outcome = NULL, outcome_reason = NULL, outcome_by = NULL,
                          outcome_at = NULL, later_until = NULL, outcome_claim = NULL
         WHERE token = ?1",
        [&claim.link],
    )?;
    tx.execute("DELETE FROM sends WHERE claim = ?1", [id])?;
    end_claim(tx, id, "undone", now)?;
    let handle = handle_of(tx, &claim.link)?;
    tx.append(
        EventKind::OutcomeUndone,
        NewEvent {
            campaign: Some(&claim.campaign),
            handle: Some(&handle),
            link: Some(&claim.link),
            detail: Some(serde_json::json!({
                "claim": id, "operator": operator, "outcome": outcome,
            })),
            ..NewEvent::default()
        },
    )?;
    view(tx, id)
}

/// Gives the person of claim `id` back at once; an ended claim is left as it is.
pub fn give_back(tx: &mut Tx<'_>, id: &str, operator: &str) -> Result<(), ApiError> {
    let claim = owned(tx, id, operator)?;
    if claim.ended.is_some() {
        return Ok(());
    }
    end_claim(tx, id, "given_back", clock::now_ms())?;
    let handle = handle_of(tx, &claim.link)?;
    tx.append(
        EventKind::ClaimReleased,
        NewEvent {
            campaign: Some(&claim.campaign),
            handle: Some(&handle),
            link: Some(&claim.link),
            detail: Some(serde_json::json!({
                "claim": id, "operator": operator, "reason": "given_back",
            })),
            ..NewEvent::default()
        },
    )?;
    Ok(())
}

/// The campaign's unhandled recipients the cross-campaign hold keeps back, in import order
/// (one an operator claimed anyway is no longer held back).
pub fn held_list(conn: &Connection, campaign: &str) -> Result<HeldList, ApiError> {
    let now = clock::now_ms();
    let campaign = settings(conn, campaign)?;
    if campaign.hold_days <= 0 {
        return Ok(HeldList { held: Vec::new() });
    }
    let candidates: Vec<(String, String, Option<String>)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT l.token, l.handle, l.display_name FROM links l
             WHERE l.campaign = ?1 AND l.self_reported = 0
               AND (outcome IS NULL OR outcome = 'later')
               AND l.revoked_at IS NULL AND l.declined_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM claims c
                               WHERE c.link = l.token AND c.ended_at IS NULL
                                 AND c.lease_expires_at > ?3)
               AND EXISTS (SELECT 1 FROM sends s
                           WHERE s.handle = l.handle AND s.at > ?2 AND s.campaign <> l.campaign)
             ORDER BY l.created_at, l.token",
        )?;
        let rows = stmt.query_map(
            params![campaign.slug, now - campaign.hold_days * DAY_MS, now],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut held = Vec::with_capacity(candidates.len());
    for (token, handle, display_name) in candidates {
        if let Some(hold) = hold(conn, &handle, &campaign, now)? {
            held.push(HeldRecipient {
                token,
                handle,
                display_name,
                hold,
            });
        }
    }
    Ok(HeldList { held })
}

/// Claim `id` as it stands, with its recipient.
pub fn view(conn: &Connection, id: &str) -> Result<ClaimView, ApiError> {
    let now = clock::now_ms();
    let (claim, tags, ended, ended_at) = conn
        .query_row(
            "SELECT c.id, c.link, l.handle, l.user_id, l.display_name, c.lease_expires_at,
                    c.campaign, c.operator, l.tags, c.ended, c.ended_at
             FROM claims c JOIN links l ON l.token = c.link WHERE c.id = ?1",
            [id],
            |row| {
                Ok((
                    Claim {
                        id: row.get(0)?,
                        token: row.get(1)?,
                        // Set by the route, which knows the public URL.
                        url: String::new(),
                        handle: row.get(2)?,
                        user_id: row.get(3)?,
                        display_name: row.get(4)?,
                        lease_expires_at: clock::to_rfc3339(row.get(5)?),
                        campaign: row.get(6)?,
                        operator: row.get(7)?,
                        tags: Vec::new(),
                        held: None,
                    },
                    row.get::<_, String>(8)?,
                    row.get::<_, Option<String>>(9)?,
                    row.get::<_, Option<i64>>(10)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("no claim {id:?}")))?;
    let campaign = settings(conn, &claim.campaign)?;
    let held = hold(conn, &claim.handle, &campaign, now)?;
    Ok(ClaimView {
        claim: Claim {
            tags: serde_json::from_str(&tags).unwrap_or_default(),
            held,
            ..claim
        },
        state: ended.unwrap_or_else(|| "open".to_owned()),
        ended_at: ended_at.map(clock::to_rfc3339),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_walks_the_links_to_claim_index_instead_of_scanning_links() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("db.sqlite3")).unwrap();
        let conn = db.lock().unwrap();
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {NEXT_SQL}"))
            .unwrap();
        let plan: Vec<String> = stmt
            .query_map(params!["spring", 0, DAY_MS], |row| row.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let plan = plan.join("\n");
        assert!(
            plan.contains("SEARCH l USING INDEX links_to_claim (campaign=?)"),
            "{plan}"
        );
        assert!(!plan.contains("SCAN l"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "sorted by the index: {plan}");
        assert!(
            plan.contains("claims_open_by_link"),
            "open claims looked up by link: {plan}"
        );
        assert!(
            plan.contains("sends_by_handle"),
            "holds looked up by handle: {plan}"
        );
    }

    #[test]
    fn lease_and_link_are_checked_naming_the_field() {
        let short = CheckedClaim::parse(ClaimRequest {
            lease_s: Some(4),
            ..ClaimRequest::default()
        })
        .unwrap_err();
        assert!(short.to_string().starts_with("lease_s:"), "{short}");
        let link = CheckedClaim::parse(ClaimRequest {
            link: Some("nope".into()),
            ..ClaimRequest::default()
        })
        .unwrap_err();
        assert!(link.to_string().starts_with("link:"), "{link}");
    }
}
