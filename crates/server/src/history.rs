//! The upgrade to team mode: a desktop that ran on its own before pushes, once, the outcomes
//! it recorded locally (`POST /api/v1/campaigns/{slug}/history`), so the server's claims,
//! per-operator pacing and the cross-campaign hold count them. Every entry is checked before
//! anything is written, all in the request's one IMMEDIATE transaction; a link that already
//! has an outcome is left alone, so a push repeated after a lost answer changes nothing.

use std::collections::HashMap;

use clipdesk_protocol::api::EventKind;
use clipdesk_protocol::team::{ClaimOutcome, HistoryEntry, HistoryRecorded};
use rusqlite::{OptionalExtension, params};

use crate::claims::checked_reason;
use crate::clock;
use crate::domain::{LinkToken, random_b64};
use crate::error::ApiError;
use crate::events::{NewEvent, Tx};

/// Entries one request may carry.
pub const MAX_ENTRIES: usize = 1000;
const MAX_OPERATOR_CHARS: usize = 100;
/// How far ahead of the server's clock a desktop's clock may run (an `at` within it counts
/// as now).
const CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// A history entry whose fields passed the rules (times in ms).
#[derive(Debug, Clone)]
pub struct CheckedEntry {
    token: String,
    outcome: ClaimOutcome,
    at: i64,
    reason: Option<String>,
    until: Option<i64>,
    operator: Option<String>,
}

/// Checks every entry, naming the first bad one (`entries[3].at: …`).
pub fn check(entries: Vec<HistoryEntry>, now: i64) -> Result<Vec<CheckedEntry>, ApiError> {
    if entries.len() > MAX_ENTRIES {
        return Err(ApiError::invalid(
            "entries",
            format!("{} entries; at most {MAX_ENTRIES} a request", entries.len()),
        ));
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| check_entry(i, entry, now))
        .collect()
}

fn check_entry(i: usize, entry: HistoryEntry, now: i64) -> Result<CheckedEntry, ApiError> {
    let field = |name: &str| format!("entries[{i}].{name}");
    let token = LinkToken::parse(&entry.token)
        .ok_or_else(|| {
            ApiError::invalid(
                field("token"),
                format!("{:?} is not a link token", entry.token),
            )
        })?
        .as_str()
        .to_owned();
    let at = clock::parse_rfc3339(&entry.at).ok_or_else(|| {
        ApiError::invalid(
            field("at"),
            format!("{:?} is not an RFC 3339 time", entry.at),
        )
    })?;
    if at > now + CLOCK_SKEW_MS {
        return Err(ApiError::invalid(
            field("at"),
            format!("{} is in the future", entry.at),
        ));
    }
    let reason = checked_reason(entry.reason, &field("reason"))?;
    let until = match (entry.outcome, entry.until) {
        (ClaimOutcome::Later, None) => {
            return Err(ApiError::invalid(
                field("until"),
                "a later outcome needs until: when to come back to this person (RFC 3339)",
            ));
        }
        // A later that came due while the desktop waited to push is due now: the person is
        // back in the pool.
        (ClaimOutcome::Later, Some(text)) => {
            Some(clock::parse_rfc3339(&text).ok_or_else(|| {
                ApiError::invalid(field("until"), format!("{text:?} is not an RFC 3339 time"))
            })?)
        }
        (outcome, Some(_)) => {
            return Err(ApiError::invalid(
                field("until"),
                format!("only a later outcome takes until, not {}", outcome.as_str()),
            ));
        }
        (_, None) => None,
    };
    let operator = entry
        .operator
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty());
    if operator
        .as_ref()
        .is_some_and(|o| o.chars().count() > MAX_OPERATOR_CHARS)
    {
        return Err(ApiError::invalid(
            field("operator"),
            format!("at most {MAX_OPERATOR_CHARS} characters"),
        ));
    }
    Ok(CheckedEntry {
        token,
        outcome: entry.outcome,
        at: at.min(now),
        reason,
        until,
        operator,
    })
}

/// Records `entries` for `campaign` in the name of token `by`: links without an outcome get
/// it (and a `sends` row for `sent`), links with one are counted as already there. An entry
/// naming a link that is not the campaign's refuses the whole request.
pub fn record(
    tx: &mut Tx<'_>,
    campaign: &str,
    by: &str,
    entries: &[CheckedEntry],
) -> Result<HistoryRecorded, ApiError> {
    let exists: Option<i64> = tx
        .query_row("SELECT 1 FROM campaigns WHERE slug = ?1", [campaign], |r| {
            r.get(0)
        })
        .optional()?;
    if exists.is_none() {
        return Err(ApiError::NotFound(format!("no campaign {campaign:?}")));
    }
    // Every link first: an unknown one refuses the request before anything is written.
    let mut links: HashMap<&str, (String, bool)> = HashMap::with_capacity(entries.len());
    {
        let mut stmt = tx.prepare_cached(
            "SELECT handle, outcome IS NOT NULL FROM links WHERE token = ?1 AND campaign = ?2",
        )?;
        for (i, entry) in entries.iter().enumerate() {
            let found: Option<(String, bool)> = stmt
                .query_row(params![entry.token, campaign], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let Some(found) = found else {
                return Err(ApiError::invalid(
                    format!("entries[{i}].token"),
                    format!("no link {:?} in campaign {campaign:?}", entry.token),
                ));
            };
            links.insert(entry.token.as_str(), found);
        }
    }
    let (mut recorded, mut already) = (0u32, 0u32);
    for entry in entries {
        let Some((handle, has_outcome)) = links.get_mut(entry.token.as_str()) else {
            continue;
        };
        if *has_outcome {
            already += 1;
            continue;
        }
        // The same token twice in one push: the first entry wins.
        *has_outcome = true;
        let handle = handle.clone();
        let name = entry.outcome.as_str();
        tx.execute(
            "UPDATE links SET outcome = ?2, outcome_reason = ?3, outcome_by = ?4,
                              outcome_at = ?5, later_until = ?6, outcome_claim = NULL
             WHERE token = ?1",
            params![entry.token, name, entry.reason, by, entry.at, entry.until],
        )?;
        if entry.outcome == ClaimOutcome::Sent {
            tx.execute(
                "INSERT INTO sends (id, claim, operator, campaign, handle, link, at)
                 VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6)",
                params![
                    random_b64::<16>(),
                    by,
                    campaign,
                    handle,
                    entry.token,
                    entry.at
                ],
            )?;
        }
        tx.append(
            EventKind::OutcomeSet,
            NewEvent {
                campaign: Some(campaign),
                handle: Some(&handle),
                link: Some(&entry.token),
                detail: Some(serde_json::json!({
                    "claim": null,
                    "operator": entry.operator.as_deref().unwrap_or(by),
                    "outcome": name,
                    "reason": entry.reason,
                    "until": entry.until.map(clock::to_rfc3339),
                    "at": clock::to_rfc3339(entry.at),
                    "imported": true,
                })),
                ..NewEvent::default()
            },
        )?;
        recorded += 1;
    }
    Ok(HistoryRecorded { recorded, already })
}
