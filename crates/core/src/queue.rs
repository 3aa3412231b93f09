//! The outreach queue: each contact in a campaign moves `queued` → `in_progress` (the DM page
//! was opened) → `sent` | `skipped` | `cant_dm` | `snoozed`. Illegal moves are refused and
//! every move is kept in the audit log (who, when, from, to). Pacing is checked both when an
//! item comes up and when a send is recorded, against every send of this desktop; outcomes
//! that send nothing (skip, can't DM, later) are never held back, even on a contact not
//! started, and only a logged override ("Send anyway", one contact) gets a send past it.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock;
use crate::error::{CoreError, CoreResult};
use crate::pacing::{self, DAY_MS, PaceVerdict, Pacing};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutreachState {
    Queued,
    InProgress,
    Sent,
    Skipped,
    CantDm,
    Snoozed,
}

impl OutreachState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutreachState::Queued => "queued",
            OutreachState::InProgress => "in_progress",
            OutreachState::Sent => "sent",
            OutreachState::Skipped => "skipped",
            OutreachState::CantDm => "cant_dm",
            OutreachState::Snoozed => "snoozed",
        }
    }

    pub fn parse(text: &str) -> CoreResult<Self> {
        Ok(match text {
            "queued" => OutreachState::Queued,
            "in_progress" => OutreachState::InProgress,
            "sent" => OutreachState::Sent,
            "skipped" => OutreachState::Skipped,
            "cant_dm" => OutreachState::CantDm,
            "snoozed" => OutreachState::Snoozed,
            other => {
                return Err(CoreError::invalid(
                    "state",
                    format!("unknown state {other:?}"),
                ));
            }
        })
    }

    /// The moves an operator can make. A finished send stays sent (undo is its own path).
    pub fn can_move_to(self, to: OutreachState) -> bool {
        use OutreachState::*;
        matches!(
            (self, to),
            (Queued | Snoozed, InProgress)
                | (InProgress, Sent | Skipped | CantDm | Snoozed | Queued)
                // Triage: outcomes that send nothing, on a contact not started (pacing may wait).
                | (Queued | Snoozed, Skipped | CantDm | Snoozed)
                | (Skipped | CantDm | Snoozed, Queued)
        )
    }
}

/// Why a contact cannot be messaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CantDmReason {
    PrivacySettings,
    NotFollowing,
    Age,
    Other,
}

impl CantDmReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CantDmReason::PrivacySettings => "privacy_settings",
            CantDmReason::NotFollowing => "not_following",
            CantDmReason::Age => "age",
            CantDmReason::Other => "other",
        }
    }

    pub fn parse(text: &str) -> CoreResult<Self> {
        [
            CantDmReason::PrivacySettings,
            CantDmReason::NotFollowing,
            CantDmReason::Age,
            CantDmReason::Other,
        ]
        .into_iter()
        .find(|reason| reason.as_str() == text)
        .ok_or_else(|| CoreError::invalid("cant_dm_reason", format!("unknown reason {text:?}")))
    }
}

/// What the operator marks after coming back from TikTok.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Sent,
    Skipped,
    CantDm {
        reason: CantDmReason,
    },
    /// Later: back in the queue once `until` (Unix ms) has passed.
    Snoozed {
        until: i64,
    },
}

impl Outcome {
    fn state(self) -> OutreachState {
        match self {
            Outcome::Sent => OutreachState::Sent,
            Outcome::Skipped => OutreachState::Skipped,
            Outcome::CantDm { .. } => OutreachState::CantDm,
            Outcome::Snoozed { .. } => OutreachState::Snoozed,
        }
    }
}

fn state_of(conn: &Connection, outreach: i64) -> CoreResult<OutreachState> {
    let state: String = conn
        .query_row(
            "SELECT state FROM outreach WHERE id = ?1",
            [outreach],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound(format!("no outreach #{outreach}")))?;
    OutreachState::parse(&state)
}

pub(crate) fn audit(
    conn: &Connection,
    at: i64,
    actor: &str,
    outreach: i64,
    from: OutreachState,
    to: OutreachState,
    detail: serde_json::Value,
) -> CoreResult<()> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, outreach_id, from_state, to_state, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            at,
            actor,
            outreach,
            from.as_str(),
            to.as_str(),
            detail.to_string()
        ],
    )?;
    Ok(())
}

/// Records what the operator did with an item they started, or with the next contact before
/// starting it (triage: skip, can't DM or later, which send nothing and so never wait for
/// pacing; a send always starts the contact first). Every outcome is audited and undoable.
pub fn mark(
    conn: &mut Connection,
    outreach: i64,
    outcome: Outcome,
    operator: &str,
) -> CoreResult<()> {
    mark_at(conn, outreach, outcome, operator, clock::now_ms())
}

/// [`mark`] at a given time (Unix ms), for tests that drive the clock.
pub fn mark_at(
    conn: &mut Connection,
    outreach: i64,
    outcome: Outcome,
    operator: &str,
    now: i64,
) -> CoreResult<()> {
    record(conn, outreach, outcome, operator, now, None)
}

/// Records a send that pacing would refuse (the operator sent it anyway, or must catch the
/// record up with what TikTok shows). The only way past pacing: the audit log keeps the
/// reason and the verdict it overrode, and the send counts toward pacing like any other.
pub fn mark_sent_despite_pacing(
    conn: &mut Connection,
    outreach: i64,
    operator: &str,
    reason: &str,
) -> CoreResult<()> {
    mark_sent_despite_pacing_at(conn, outreach, operator, reason, clock::now_ms())
}

/// [`mark_sent_despite_pacing`] at a given time (Unix ms).
pub fn mark_sent_despite_pacing_at(
    conn: &mut Connection,
    outreach: i64,
    operator: &str,
    reason: &str,
    now: i64,
) -> CoreResult<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CoreError::invalid("reason", "say why pacing is overridden"));
    }
    record(conn, outreach, Outcome::Sent, operator, now, Some(reason))
}

/// The pacing of the campaign an item belongs to.
fn pacing_of(conn: &Connection, outreach: i64) -> CoreResult<Pacing> {
    Ok(conn.query_row(
        "SELECT c.daily_cap, c.min_spacing_s FROM outreach o JOIN campaigns c ON c.id = o.campaign_id
         WHERE o.id = ?1",
        [outreach],
        |r| {
            Ok(Pacing {
                daily_cap: r.get(0)?,
                min_spacing_s: r.get(1)?,
            })
        },
    )?)
}

/// Moves an item to its outcome. A send is checked against pacing here too, not only when
/// the item was started: an undo or a second claimed item can bring a send on screen after
/// another one went out, and only `pacing_override` (with its reason) gets past the check.
fn record(
    conn: &mut Connection,
    outreach: i64,
    outcome: Outcome,
    operator: &str,
    now: i64,
    pacing_override: Option<&str>,
) -> CoreResult<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let from = state_of(&tx, outreach)?;
    if from == OutreachState::Sent {
        record_followup(&tx, outreach, outcome, operator, now, pacing_override)?;
        tx.commit()?;
        return Ok(());
    }
    let to = outcome.state();
    if !from.can_move_to(to) {
        return Err(CoreError::Conflict(format!(
            "cannot mark {} as {}: it is {}",
            outreach,
            to.as_str(),
            from.as_str()
        )));
    }
    if let Outcome::Snoozed { until } = outcome
        && until <= now
    {
        return Err(CoreError::invalid(
            "until",
            "a snooze must end in the future",
        ));
    }
    let mut detail = serde_json::to_value(outcome).map_err(anyhow::Error::from)?;
    if outcome == Outcome::Sent {
        check_pacing_for_send(&tx, outreach, now, pacing_override, &mut detail)?;
    }
    let (reason, until) = match outcome {
        Outcome::CantDm { reason } => (Some(reason.as_str()), None),
        Outcome::Snoozed { until } => (None, Some(until)),
        _ => (None, None),
    };
    tx.execute(
        "UPDATE outreach SET state = ?2, cant_dm_reason = ?3, snoozed_until = ?4,
                sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END,
                claimed_by = coalesce(claimed_by, ?6), updated_at = ?5
         WHERE id = ?1",
        params![outreach, to.as_str(), reason, until, now, operator],
    )?;
    audit(&tx, now, operator, outreach, from, to, detail)?;
    tx.commit()?;
    Ok(())
}

/// Refuses a send that pacing holds back, unless it is overridden (`pacing_override`, or the
/// claim was made with "Send anyway"), which `detail` then records.
fn check_pacing_for_send(
    conn: &Connection,
    outreach: i64,
    now: i64,
    pacing_override: Option<&str>,
    detail: &mut serde_json::Value,
) -> CoreResult<()> {
    let verdict = pace(conn, pacing_of(conn, outreach)?, now)?;
    // A contact started with "Send anyway" carries its own override, for one send.
    let reason = match pacing_override {
        Some(why) => Some(why.to_owned()),
        None if verdict.allowed() => None,
        None => sent_anyway_claim(conn, outreach)?,
    };
    match (&verdict, reason) {
        (PaceVerdict::Allowed { .. }, None) => {}
        (PaceVerdict::Wait { reason, .. }, None) => {
            return Err(CoreError::Conflict(format!(
                "not recorded as sent: {reason}"
            )));
        }
        (_, Some(why)) => {
            detail["pacing_override"] = serde_json::json!({
                "reason": why,
                "verdict": serde_json::to_value(&verdict).map_err(anyhow::Error::from)?,
            });
        }
    }
    Ok(())
}

/// An outcome for a person whose first message went out: it is about their follow-up, the
/// one this operator has in progress or, for outcomes that send nothing (triage), the one
/// due now. Sent: the step goes out and counts against pacing like any send (audit
/// `to_state = 'sent'`). Skipped: this step is done without a message; the next step's delay
/// still counts from the last message sent. Can't DM: the step is skipped and the person
/// leaves the sequence. Later: no step is taken; nothing is due for them until `until`.
fn record_followup(
    conn: &Connection,
    outreach: i64,
    outcome: Outcome,
    operator: &str,
    now: i64,
    pacing_override: Option<&str>,
) -> CoreResult<()> {
    let claimed: Option<u32> = conn
        .query_row(
            "SELECT step FROM followup_sends
             WHERE outreach_id = ?1 AND state = 'in_progress' AND claimed_by = ?2",
            params![outreach, operator],
            |r| r.get(0),
        )
        .optional()?;
    let step = match claimed {
        Some(step) => step,
        None => {
            if outcome == Outcome::Sent {
                return Err(CoreError::Conflict(format!(
                    "cannot mark {outreach} as sent: its follow-up is not started"
                )));
            }
            let taken: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM followup_sends WHERE outreach_id = ?1 AND state = 'in_progress')",
                [outreach],
                |r| r.get(0),
            )?;
            if taken {
                return Err(CoreError::Conflict(
                    "another window is sending this follow-up".into(),
                ));
            }
            let campaign: i64 = conn.query_row(
                "SELECT campaign_id FROM outreach WHERE id = ?1",
                [outreach],
                |r| r.get(0),
            )?;
            let (steps, _) = crate::followups::of_campaign(conn, campaign)?;
            crate::followups::due(conn, campaign, &steps, operator, now)?
                .into_iter()
                .find(|due| due.outreach_id == outreach)
                .map(|due| due.step)
                .ok_or_else(|| {
                    CoreError::Conflict(format!(
                        "cannot mark {outreach} as {}: it is sent and no follow-up is due",
                        outcome.state().as_str()
                    ))
                })?
        }
    };
    let mut detail = serde_json::to_value(outcome).map_err(anyhow::Error::from)?;
    detail["followup_step"] = serde_json::json!(step);
    match outcome {
        Outcome::Sent => {
            check_pacing_for_send(conn, outreach, now, pacing_override, &mut detail)?;
            conn.execute(
                "UPDATE followup_sends SET state = 'sent', sent_at = ?3, updated_at = ?3
                 WHERE outreach_id = ?1 AND step = ?2",
                params![outreach, step, now],
            )?;
        }
        Outcome::Skipped | Outcome::CantDm { .. } => {
            conn.execute(
                "INSERT INTO followup_sends (outreach_id, step, state, updated_at)
                 VALUES (?1, ?2, 'skipped', ?3)
                 ON CONFLICT (outreach_id, step) DO UPDATE SET state = 'skipped', updated_at = ?3",
                params![outreach, step, now],
            )?;
            if let Outcome::CantDm { reason } = outcome {
                conn.execute(
                    "UPDATE outreach SET cant_dm_reason = ?2 WHERE id = ?1",
                    params![outreach, reason.as_str()],
                )?;
            }
        }
        Outcome::Snoozed { until } => {
            if until <= now {
                return Err(CoreError::invalid(
                    "until",
                    "a snooze must end in the future",
                ));
            }
            conn.execute(
                "DELETE FROM followup_sends WHERE outreach_id = ?1 AND step = ?2 AND state = 'in_progress'",
                params![outreach, step],
            )?;
            conn.execute(
                "UPDATE outreach SET snoozed_until = ?2 WHERE id = ?1",
                params![outreach, until],
            )?;
        }
    }
    conn.execute(
        "UPDATE outreach SET updated_at = ?2 WHERE id = ?1",
        params![outreach, now],
    )?;
    let from = if claimed.is_some() {
        OutreachState::InProgress
    } else {
        OutreachState::Sent
    };
    audit(conn, now, operator, outreach, from, outcome.state(), detail)
}

/// Undoes a follow-up outcome (audit row `audit_id`): the step goes back to in progress for
/// `operator` when it had been started, or back to not taken when it was triaged.
#[allow(clippy::too_many_arguments)]
fn undo_followup(
    conn: &Connection,
    audit_id: i64,
    outreach: i64,
    step: u32,
    from: &str,
    to: &str,
    operator: &str,
    now: i64,
) -> CoreResult<i64> {
    let row: Option<String> = conn
        .query_row(
            "SELECT state FROM followup_sends WHERE outreach_id = ?1 AND step = ?2",
            params![outreach, step],
            |r| r.get(0),
        )
        .optional()?;
    let expected = match to {
        "sent" => Some("sent"),
        "skipped" | "cant_dm" => Some("skipped"),
        _ => None,
    };
    if row.as_deref() != expected || state_of(conn, outreach)? != OutreachState::Sent {
        return Err(CoreError::Conflict(
            "cannot undo: the follow-up moved on since".into(),
        ));
    }
    if from == "in_progress" {
        conn.execute(
            "INSERT INTO followup_sends (outreach_id, step, state, claimed_by, claimed_at, updated_at)
             VALUES (?1, ?2, 'in_progress', ?3, ?4, ?4)
             ON CONFLICT (outreach_id, step) DO UPDATE
             SET state = 'in_progress', claimed_by = ?3, claimed_at = ?4, sent_at = NULL, updated_at = ?4",
            params![outreach, step, operator, now],
        )?;
    } else {
        conn.execute(
            "DELETE FROM followup_sends WHERE outreach_id = ?1 AND step = ?2",
            params![outreach, step],
        )?;
    }
    match to {
        "cant_dm" => conn.execute(
            "UPDATE outreach SET cant_dm_reason = NULL, updated_at = ?2 WHERE id = ?1",
            params![outreach, now],
        )?,
        "snoozed" => conn.execute(
            "UPDATE outreach SET snoozed_until = NULL, updated_at = ?2 WHERE id = ?1",
            params![outreach, now],
        )?,
        _ => 0,
    };
    conn.execute(
        "UPDATE audit_log SET detail = json_set(detail, '$.undone', json('true')) WHERE id = ?1",
        [audit_id],
    )?;
    audit(
        conn,
        now,
        operator,
        outreach,
        OutreachState::parse(to)?,
        OutreachState::parse(from)?,
        serde_json::json!({"undo_of": audit_id, "followup_step": step}),
    )?;
    Ok(outreach)
}

/// Why the item's current claim may send despite pacing, when it was made with "Send
/// anyway" and no send of it stands since: the override lets one DM go, not every later one.
/// The current claim is the item's last move into `in_progress` that was not an undo.
pub(crate) fn sent_anyway_claim(conn: &Connection, outreach: i64) -> CoreResult<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT json_extract(c.detail, '$.pacing_override.reason') FROM audit_log c
             WHERE c.id = (SELECT max(id) FROM audit_log WHERE outreach_id = ?1
                             AND to_state = 'in_progress' AND json_extract(detail, '$.undo_of') IS NULL)
               AND json_extract(c.detail, '$.pacing_override') IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM audit_log s WHERE s.outreach_id = ?1 AND s.id > c.id
                                 AND s.to_state = 'sent' AND json_extract(s.detail, '$.undone') IS NULL)",
            [outreach],
            |r| r.get(0),
        )
        .optional()?)
}

/// Puts an item back as it was before the operator's last outcome (one step of undo).
/// Returns the item that was restored.
pub fn undo_last(conn: &mut Connection, operator: &str) -> CoreResult<i64> {
    undo_last_at(conn, operator, clock::now_ms())
}

/// [`undo_last`] at a given time (Unix ms).
pub fn undo_last_at(conn: &mut Connection, operator: &str, now: i64) -> CoreResult<i64> {
    let tx = conn.transaction()?;
    let last: Option<(i64, i64, String, String, Option<u32>)> = tx
        .query_row(
            "SELECT id, outreach_id, from_state, to_state, json_extract(detail, '$.followup_step')
             FROM audit_log
             WHERE actor = ?1 AND to_state IN ('sent', 'skipped', 'cant_dm', 'snoozed')
               AND json_extract(detail, '$.undone') IS NULL
               -- A contact removed from the campaign (or deleted, or forgotten) keeps its
               -- audit rows for pacing but has no item left to put back.
               AND outreach_id IS NOT NULL
             ORDER BY id DESC LIMIT 1",
            [operator],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((audit_id, outreach, from, to, followup_step)) = last else {
        return Err(CoreError::NotFound("nothing to undo".into()));
    };
    if let Some(step) = followup_step {
        let restored = undo_followup(&tx, audit_id, outreach, step, &from, &to, operator, now)?;
        tx.commit()?;
        return Ok(restored);
    }
    let current = state_of(&tx, outreach)?;
    if current.as_str() != to {
        return Err(CoreError::Conflict(format!(
            "cannot undo: the item moved on to {} since",
            current.as_str()
        )));
    }
    let back = OutreachState::parse(&from)?;
    tx.execute(
        "UPDATE outreach SET state = ?2, cant_dm_reason = NULL, snoozed_until = NULL,
                sent_at = CASE WHEN ?3 = 'sent' THEN NULL ELSE sent_at END, updated_at = ?4
         WHERE id = ?1",
        params![outreach, back.as_str(), to, now],
    )?;
    tx.execute(
        "UPDATE audit_log SET detail = json_set(detail, '$.undone', json('true')) WHERE id = ?1",
        [audit_id],
    )?;
    audit(
        &tx,
        now,
        operator,
        outreach,
        current,
        back,
        serde_json::json!({"undo_of": audit_id}),
    )?;
    tx.commit()?;
    Ok(outreach)
}

/// The send times (Unix ms) of the 24 hours before `now` recorded on this desktop, from the
/// audit log: every operator name (a rename starts no new day) and items since forgotten
/// count; sends undone do not.
pub fn recent_sends(conn: &Connection, now: i64) -> CoreResult<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at FROM audit_log INDEXED BY audit_sends
         WHERE to_state = 'sent' AND at > ?1 AND json_extract(detail, '$.undone') IS NULL",
    )?;
    let rows = stmt.query_map([now - DAY_MS], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether this desktop may send now under `pacing`.
pub fn pace(conn: &Connection, pacing: Pacing, now: i64) -> CoreResult<PaceVerdict> {
    Ok(pacing::check(pacing, &recent_sends(conn, now)?, now))
}

/// What "start next" found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The item now in progress for this operator (or the one they had already started).
    Item(i64),
    /// A follow-up step (1-based) of this item, now in progress for this operator.
    Followup(i64, u32),
    /// Pacing says not yet.
    Wait(PaceVerdict),
    /// Contacts are queued but their links are not registered with the server yet.
    WaitingForLinks(u32),
    Empty,
}

/// Claims the next item of a campaign for `operator`: an item they already have in progress
/// first (the app restarted mid-send), else the oldest queued or due snoozed item that has
/// its link. The claim is one UPDATE, so two windows never get the same contact.
pub fn claim_next(
    conn: &mut Connection,
    campaign: i64,
    operator: &str,
    pacing: Pacing,
) -> CoreResult<Claim> {
    claim_next_at(conn, campaign, operator, pacing, clock::now_ms())
}

/// [`claim_next`] at a given time (Unix ms).
pub fn claim_next_at(
    conn: &mut Connection,
    campaign: i64,
    operator: &str,
    pacing: Pacing,
    now: i64,
) -> CoreResult<Claim> {
    // IMMEDIATE takes the write lock up front: a second writer waits instead of racing.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Pacing first, even for an item already in progress: one put back by an undo may sit
    // behind a send made since it was claimed.
    let verdict = pace(&tx, pacing, now)?;
    if !verdict.allowed() {
        return Ok(Claim::Wait(verdict));
    }
    let claim = claim_in(&tx, campaign, operator, now, None)?;
    tx.commit()?;
    Ok(claim)
}

/// Claims the next contact (see [`next_candidate`]) inside the caller's transaction. A claim
/// made despite pacing carries `pacing_override` in its audit row, which lets that one
/// contact's send be recorded ([`sent_anyway_claim`]).
fn claim_in(
    conn: &Connection,
    campaign: i64,
    operator: &str,
    now: i64,
    pacing_override: Option<serde_json::Value>,
) -> CoreResult<Claim> {
    let (id, from) = match next_candidate(conn, campaign, operator, now)? {
        Some(Candidate::First(id, from)) => (id, from),
        Some(Candidate::Followup {
            outreach,
            step,
            claimed,
        }) => {
            return claim_followup(
                conn,
                outreach,
                step,
                claimed,
                operator,
                now,
                pacing_override,
            );
        }
        None => return no_candidate(conn, campaign),
    };
    let detail = match pacing_override {
        Some(verdict) => serde_json::json!({ "pacing_override": verdict }),
        None if from == OutreachState::InProgress => return Ok(Claim::Item(id)),
        None => serde_json::json!({}),
    };
    conn.execute(
        "UPDATE outreach SET state = 'in_progress', claimed_by = ?2, claimed_at = ?3, updated_at = ?3
         WHERE id = ?1",
        params![id, operator, now],
    )?;
    audit(
        conn,
        now,
        operator,
        id,
        from,
        OutreachState::InProgress,
        detail,
    )?;
    Ok(Claim::Item(id))
}

/// Claims follow-up `step` of `outreach` (one INSERT on the table unique per person and
/// step, so two windows never get the same follow-up), or resumes the operator's own claim.
fn claim_followup(
    conn: &Connection,
    outreach: i64,
    step: u32,
    claimed: bool,
    operator: &str,
    now: i64,
    pacing_override: Option<serde_json::Value>,
) -> CoreResult<Claim> {
    if claimed && pacing_override.is_none() {
        return Ok(Claim::Followup(outreach, step));
    }
    if !claimed {
        conn.execute(
            "INSERT INTO followup_sends (outreach_id, step, state, claimed_by, claimed_at, updated_at)
             VALUES (?1, ?2, 'in_progress', ?3, ?4, ?4)",
            params![outreach, step, operator, now],
        )?;
    }
    let mut detail = serde_json::json!({ "followup_step": step });
    if let Some(verdict) = pacing_override {
        detail["pacing_override"] = verdict;
    }
    audit(
        conn,
        now,
        operator,
        outreach,
        OutreachState::Sent,
        OutreachState::InProgress,
        detail,
    )?;
    Ok(Claim::Followup(outreach, step))
}

/// Nothing to claim: contacts waiting for their links, or none left.
fn no_candidate(conn: &Connection, campaign: i64) -> CoreResult<Claim> {
    {
        let unlinked: u32 = conn.query_row(
            "SELECT count(*) FROM outreach WHERE campaign_id = ?1 AND state = 'queued' AND link_token IS NULL",
            [campaign],
            |r| r.get(0),
        )?;
        Ok(if unlinked > 0 {
            Claim::WaitingForLinks(unlinked)
        } else {
            Claim::Empty
        })
    }
}

/// Who comes up next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Candidate {
    /// A contact's first message, from the state they are in.
    First(i64, OutreachState),
    /// A follow-up step of a contact; `claimed`: the operator already has it in progress.
    Followup {
        outreach: i64,
        step: u32,
        claimed: bool,
    },
}

/// The contact that comes up next for `operator`: one they already have in progress (the app
/// restarted mid-send, or an undo put it back), else the due snoozed one that waited longest,
/// else the oldest queued one whose link is registered.
fn next_candidate(
    conn: &Connection,
    campaign: i64,
    operator: &str,
    now: i64,
) -> CoreResult<Option<Candidate>> {
    if let Some(id) = conn
        .query_row(
            "SELECT id FROM outreach WHERE campaign_id = ?1 AND state = 'in_progress' AND claimed_by = ?2
             ORDER BY claimed_at LIMIT 1",
            params![campaign, operator],
            |r| r.get(0),
        )
        .optional()?
    {
        return Ok(Some(Candidate::First(id, OutreachState::InProgress)));
    }
    if let Some((outreach, step)) = conn
        .query_row(
            "SELECT f.outreach_id, f.step FROM followup_sends f JOIN outreach o ON o.id = f.outreach_id
             WHERE o.campaign_id = ?1 AND f.state = 'in_progress' AND f.claimed_by = ?2
             ORDER BY f.claimed_at LIMIT 1",
            params![campaign, operator],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
    {
        return Ok(Some(Candidate::Followup {
            outreach,
            step,
            claimed: true,
        }));
    }
    let (steps, followups_first) = crate::followups::of_campaign(conn, campaign)?;
    let due_followup = || -> CoreResult<Option<Candidate>> {
        Ok(
            crate::followups::due(conn, campaign, &steps, operator, now)?
                .first()
                .map(|due| Candidate::Followup {
                    outreach: due.outreach_id,
                    step: due.step,
                    claimed: false,
                }),
        )
    };
    if followups_first && let Some(found) = due_followup()? {
        return Ok(Some(found));
    }
    if let Some((id, state)) = next_new(conn, campaign, now)? {
        return Ok(Some(Candidate::First(id, state)));
    }
    if followups_first {
        Ok(None)
    } else {
        due_followup()
    }
}

/// The due snoozed contact that waited longest, else the oldest queued one whose link is
/// registered.
fn next_new(
    conn: &Connection,
    campaign: i64,
    now: i64,
) -> CoreResult<Option<(i64, OutreachState)>> {
    // In this order, the first found wins; the waiting ones by indexed look-ups instead of
    // sorting the whole queue.
    let lookups: [(OutreachState, &str, &[&dyn rusqlite::ToSql]); 2] = [
        (
            OutreachState::Snoozed,
            "SELECT id FROM outreach INDEXED BY outreach_next_snoozed
             WHERE campaign_id = ?1 AND state = 'snoozed' AND snoozed_until <= ?2
               AND link_token IS NOT NULL
             ORDER BY snoozed_until, id LIMIT 1",
            params![campaign, now],
        ),
        (
            OutreachState::Queued,
            "SELECT id FROM outreach INDEXED BY outreach_next_queued
             WHERE campaign_id = ?1 AND state = 'queued' AND link_token IS NOT NULL
             ORDER BY added_at, id LIMIT 1",
            params![campaign],
        ),
    ];
    for (state, sql, params) in lookups {
        if let Some(id) = conn.query_row(sql, params, |r| r.get(0)).optional()? {
            return Ok(Some((id, state)));
        }
    }
    Ok(None)
}

/// How many contacts of a campaign are not started yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct QueueLeft {
    pub queued: u32,
    pub snoozed: u32,
    /// Of `snoozed`, the ones whose later has come: they are served first.
    pub snoozed_due: u32,
    /// Follow-ups due now and not being sent by anyone.
    pub followups_due: u32,
}

/// The contact who comes up next, shown (not started) while pacing waits so the operator can
/// skip them, mark them can't DM or put them off: those send nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NextContact {
    pub outreach_id: i64,
    pub state: OutreachState,
    pub contact: crate::contacts::Contact,
    /// Set when what comes up is a follow-up, not the first message.
    pub followup: Option<crate::followups::FollowupInfo>,
}

/// The Queue's standing line, asked when it opens and after every outcome: pacing, how many
/// are left, and who is next. Claims nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct QueueOverview {
    pub pace: PaceVerdict,
    pub left: QueueLeft,
    pub next: Option<NextContact>,
}

/// [`QueueOverview`] of a campaign for `operator`.
pub fn overview(conn: &Connection, campaign: i64, operator: &str) -> CoreResult<QueueOverview> {
    overview_at(conn, campaign, operator, clock::now_ms())
}

/// [`overview`] at a given time (Unix ms).
pub fn overview_at(
    conn: &Connection,
    campaign: i64,
    operator: &str,
    now: i64,
) -> CoreResult<QueueOverview> {
    let pacing = conn
        .query_row(
            "SELECT daily_cap, min_spacing_s FROM campaigns WHERE id = ?1",
            [campaign],
            |r| {
                Ok(Pacing {
                    daily_cap: r.get(0)?,
                    min_spacing_s: r.get(1)?,
                })
            },
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound(format!("no campaign #{campaign}")))?;
    let left = conn.query_row(
        "SELECT count(*) FILTER (WHERE state = 'queued'),
                count(*) FILTER (WHERE state = 'snoozed'),
                count(*) FILTER (WHERE state = 'snoozed' AND snoozed_until <= ?2)
         FROM outreach WHERE campaign_id = ?1",
        params![campaign, now],
        |r| {
            Ok(QueueLeft {
                queued: r.get(0)?,
                snoozed: r.get(1)?,
                snoozed_due: r.get(2)?,
                followups_due: 0,
            })
        },
    )?;
    let (steps, _) = crate::followups::of_campaign(conn, campaign)?;
    let left = QueueLeft {
        followups_due: crate::followups::due(conn, campaign, &steps, operator, now)?.len() as u32,
        ..left
    };
    let next = match next_candidate(conn, campaign, operator, now)? {
        Some(candidate) => {
            let (outreach_id, state, followup) = match candidate {
                Candidate::First(id, state) => (id, state, None),
                Candidate::Followup { outreach, step, .. } => (
                    outreach,
                    OutreachState::Sent,
                    Some(crate::followups::info(conn, outreach, step, &steps, now)?),
                ),
            };
            let contact_id: i64 = conn.query_row(
                "SELECT contact_id FROM outreach WHERE id = ?1",
                [outreach_id],
                |r| r.get(0),
            )?;
            Some(NextContact {
                outreach_id,
                state,
                contact: crate::contacts::get(conn, contact_id)?,
                followup,
            })
        }
        None => None,
    };
    Ok(QueueOverview {
        pace: pace(conn, pacing, now)?,
        left,
        next,
    })
}

/// Adds contacts to a campaign as queued items; ones already in it are left as they are.
/// Returns how many were added.
pub fn add_to_campaign(
    conn: &mut Connection,
    campaign: i64,
    contacts: &[i64],
) -> CoreResult<usize> {
    let tx = conn.transaction()?;
    let now = clock::now_ms();
    let mut added = 0;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO outreach (campaign_id, contact_id, added_at, updated_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (campaign_id, contact_id) DO NOTHING",
        )?;
        for contact in contacts {
            added += stmt.execute(params![campaign, contact, now])?;
        }
    }
    tx.commit()?;
    Ok(added)
}

/// Adds every contact a search matches (see [`crate::contacts::page`]) to an existing
/// campaign, reading the table page by page; returns how many were new to the campaign.
pub fn add_all_matching(conn: &mut Connection, campaign: i64, query: &str) -> CoreResult<usize> {
    crate::campaigns::get(conn, campaign)?;
    let mut ids = Vec::new();
    let mut after = 0;
    loop {
        let page = crate::contacts::page(conn, query, after, crate::contacts::MAX_PAGE)?;
        ids.extend(page.contacts.iter().map(|c| c.id));
        match page.next_after {
            Some(next) => after = next,
            None => break,
        }
    }
    add_to_campaign(conn, campaign, &ids)
}

/// One campaign a contact has been in, as the Queue shows it beside the contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HistoryEntry {
    pub campaign_name: String,
    pub state: OutreachState,
    pub cant_dm_reason: Option<CantDmReason>,
    /// RFC 3339 times, when they happened.
    pub sent_at: Option<String>,
    pub link_opened_at: Option<String>,
    pub video_state: Option<String>,
    pub review: Option<String>,
    pub updated_at: String,
    /// Who sent it past pacing ("Send anyway" or a recorded override), when the send did.
    pub pacing_overridden_by: Option<String>,
    /// Who sent it: whoever recorded the send on this desktop (by the operator name in
    /// Settings), else the operator the server recorded (by their token's name, for a
    /// colleague's send); `None` when it is not sent.
    pub sent_by: Option<String>,
}

/// An audit row `a` that is outreach `o`'s first message sent from this desktop, not undone
/// (a follow-up step's send is not one; a colleague's send, applied from the feed, has none).
pub(crate) const FIRST_SEND_HERE: &str = "a.outreach_id = o.id AND a.to_state = 'sent'
    AND json_extract(a.detail, '$.undone') IS NULL
    AND json_extract(a.detail, '$.followup_step') IS NULL";

/// Every campaign the contact is in, the most recently touched first, except `except` (the
/// outreach item being worked now).
pub fn contact_history(
    conn: &Connection,
    contact: i64,
    except: Option<i64>,
) -> CoreResult<Vec<HistoryEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT c.name, o.state, o.cant_dm_reason, o.sent_at, o.link_opened_at, o.video_state,
                o.review, o.updated_at,
                (SELECT a.actor FROM audit_log a
                 WHERE a.outreach_id = o.id AND o.state = 'sent' AND a.to_state = 'sent'
                   AND json_extract(a.detail, '$.undone') IS NULL
                   AND json_extract(a.detail, '$.pacing_override') IS NOT NULL
                 ORDER BY a.id DESC LIMIT 1),
                CASE WHEN o.state = 'sent' THEN coalesce(
                    (SELECT a.actor FROM audit_log a WHERE {FIRST_SEND_HERE}
                     ORDER BY a.id DESC LIMIT 1), o.sent_by, ?3) END
         FROM outreach o JOIN campaigns c ON c.id = o.campaign_id
         WHERE o.contact_id = ?1 AND o.id IS NOT ?2
         ORDER BY o.updated_at DESC, o.id DESC"
    ))?;
    let time = |ms: Option<i64>| ms.map(clock::to_rfc3339);
    // A send this desktop holds no record of (made before the audit log kept one) is its own.
    let operator = crate::settings::load(conn)?.operator;
    let rows = stmt.query_map(params![contact, except, operator], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, i64>(7)?,
            r.get::<_, Option<String>>(8)?,
            r.get::<_, Option<String>>(9)?,
        ))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        let (
            campaign_name,
            state,
            reason,
            sent,
            opened,
            video_state,
            review,
            updated,
            overrider,
            sent_by,
        ) = row?;
        entries.push(HistoryEntry {
            campaign_name,
            state: OutreachState::parse(&state)?,
            cant_dm_reason: reason.as_deref().map(CantDmReason::parse).transpose()?,
            sent_at: time(sent),
            link_opened_at: time(opened),
            video_state,
            review,
            updated_at: clock::to_rfc3339(updated),
            pacing_overridden_by: overrider,
            sent_by,
        });
    }
    Ok(entries)
}

/// Everything the app needs to send one message, from one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Started {
    pub outreach_id: i64,
    pub contact: crate::contacts::Contact,
    pub campaign_slug: String,
    /// Copied and pasted in turn; the first one goes with opening the DM page.
    pub parts: Vec<crate::templates::RenderedPart>,
    pub link_url: String,
    pub dm_url: String,
    pub pace: PaceVerdict,
    /// Set when this is a follow-up: its own message, the same link and DM page.
    pub followup: Option<crate::followups::FollowupInfo>,
    /// RFC 3339: until when the server holds this person for this operator (a claim); `None`
    /// for a follow-up, which stays on this desktop.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub lease_expires_at: Option<String>,
}

/// What "start next" answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum NextStep {
    Started(Box<Started>),
    /// Pacing says not yet: why, and when.
    Wait {
        verdict: PaceVerdict,
    },
    WaitingForLinks {
        count: u32,
    },
    Empty,
    /// The server cannot be reached: nothing is offered (a colleague may be messaging whoever
    /// would come next); `pending` outcomes wait in the outbox.
    Offline {
        message: String,
        pending: u32,
    },
}

/// Claims the next contact and renders its message and DM URL. A message that cannot be
/// rendered puts the contact back where it was, so nothing stays claimed by a failure.
pub fn start_next(conn: &mut Connection, campaign: i64, operator: &str) -> CoreResult<NextStep> {
    start_next_at(conn, campaign, operator, clock::now_ms())
}

/// [`start_next`] at a given time (Unix ms).
pub fn start_next_at(
    conn: &mut Connection,
    campaign: i64,
    operator: &str,
    now: i64,
) -> CoreResult<NextStep> {
    let campaign = crate::campaigns::get(conn, campaign)?;
    let claim = claim_next_at(conn, campaign.id, operator, campaign.pacing, now)?;
    started_from(conn, &campaign, claim, now)
}

/// What the audit log says of a send made with "Send anyway".
pub(crate) const SEND_ANYWAY: &str = "Send anyway, confirmed in the Queue";

/// "Send anyway": starts the next contact although pacing says wait, the Queue's one way past
/// pacing. The claim is audited with the verdict it overrode (who, when), and that contact's
/// send is recorded as an override; only that one: the contact after it waits again. When
/// pacing allows, this is a plain [`start_next`].
pub fn start_despite_pacing(
    conn: &mut Connection,
    campaign: i64,
    operator: &str,
) -> CoreResult<NextStep> {
    start_despite_pacing_at(conn, campaign, operator, clock::now_ms())
}

/// [`start_despite_pacing`] at a given time (Unix ms).
pub fn start_despite_pacing_at(
    conn: &mut Connection,
    campaign: i64,
    operator: &str,
    now: i64,
) -> CoreResult<NextStep> {
    let campaign = crate::campaigns::get(conn, campaign)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let verdict = pace(&tx, campaign.pacing, now)?;
    let pacing_override = match verdict {
        PaceVerdict::Allowed { .. } => None,
        PaceVerdict::Wait { .. } => Some(serde_json::json!({
            "reason": SEND_ANYWAY,
            "verdict": serde_json::to_value(&verdict).map_err(anyhow::Error::from)?,
        })),
    };
    let claim = claim_in(&tx, campaign.id, operator, now, pacing_override)?;
    tx.commit()?;
    started_from(conn, &campaign, claim, now)
}

/// Team mode's local half of "start next": this operator's follow-up, started on this desktop
/// (the server hands out new people; someone this operator sent is theirs to follow up). One
/// comes up when the Queue's order puts it next ([`next_candidate`]) or, with `pool_empty`
/// (the server has nobody new), whenever one is due. `None`: ask the server. `send_anyway` is
/// [`start_despite_pacing`]'s override, for this follow-up only.
pub(crate) fn start_followup_at(
    conn: &mut Connection,
    campaign: i64,
    operator: &str,
    send_anyway: bool,
    pool_empty: bool,
    now: i64,
) -> CoreResult<Option<NextStep>> {
    let campaign = crate::campaigns::get(conn, campaign)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let (outreach, step, claimed) = match next_candidate(&tx, campaign.id, operator, now)? {
        Some(Candidate::Followup {
            outreach,
            step,
            claimed,
        }) => (outreach, step, claimed),
        _ if pool_empty => {
            let (steps, _) = crate::followups::of_campaign(&tx, campaign.id)?;
            match crate::followups::due(&tx, campaign.id, &steps, operator, now)?.first() {
                Some(due) => (due.outreach_id, due.step, false),
                None => return Ok(None),
            }
        }
        _ => return Ok(None),
    };
    let verdict = pace(&tx, campaign.pacing, now)?;
    let pacing_override = match verdict {
        PaceVerdict::Allowed { .. } => None,
        PaceVerdict::Wait { .. } if send_anyway => Some(serde_json::json!({
            "reason": SEND_ANYWAY,
            "verdict": serde_json::to_value(&verdict).map_err(anyhow::Error::from)?,
        })),
        PaceVerdict::Wait { .. } => return Ok(Some(NextStep::Wait { verdict })),
    };
    let claim = claim_followup(&tx, outreach, step, claimed, operator, now, pacing_override)?;
    tx.commit()?;
    started_from(conn, &campaign, claim, now).map(Some)
}

/// Renders a claimed contact's message and DM URL. A message that cannot be rendered puts the
/// contact back in the queue, so nothing stays claimed by a failure.
fn started_from(
    conn: &mut Connection,
    campaign: &crate::campaigns::Campaign,
    claim: Claim,
    now: i64,
) -> CoreResult<NextStep> {
    let id = match claim {
        Claim::Item(id) => id,
        Claim::Followup(id, step) => {
            return match render_followup(conn, campaign, id, step, now) {
                Ok(started) => {
                    conn.execute(
                        "UPDATE followup_sends SET variants = ?3 WHERE outreach_id = ?1 AND step = ?2",
                        params![id, step, variants_json(&started.parts)],
                    )?;
                    Ok(NextStep::Started(Box::new(started)))
                }
                Err(err) => {
                    conn.execute(
                        "DELETE FROM followup_sends WHERE outreach_id = ?1 AND step = ?2 AND state = 'in_progress'",
                        params![id, step],
                    )?;
                    Err(err)
                }
            };
        }
        Claim::Wait(verdict) => return Ok(NextStep::Wait { verdict }),
        Claim::WaitingForLinks(count) => return Ok(NextStep::WaitingForLinks { count }),
        Claim::Empty => return Ok(NextStep::Empty),
    };
    match render_started(conn, campaign, id, now) {
        Ok(started) => {
            // Which wording this person is shown, kept for the Dashboard's funnel per variant
            // (the template may be edited later; the hash picks again only for new renders).
            conn.execute(
                "UPDATE outreach SET variants = ?2 WHERE id = ?1",
                params![id, variants_json(&started.parts)],
            )?;
            Ok(NextStep::Started(Box::new(started)))
        }
        Err(err) => {
            conn.execute(
                "UPDATE outreach SET state = 'queued', claimed_by = NULL, claimed_at = NULL WHERE id = ?1",
                [id],
            )?;
            Err(err)
        }
    }
}

/// The variant index of each part, as `outreach.variants` and `followup_sends.variants` keep it.
pub(crate) fn variants_json(parts: &[crate::templates::RenderedPart]) -> String {
    serde_json::Value::from(parts.iter().map(|p| p.variant).collect::<Vec<_>>()).to_string()
}

/// A follow-up's own message, with the person's same link and DM page.
fn render_followup(
    conn: &Connection,
    campaign: &crate::campaigns::Campaign,
    id: i64,
    step: u32,
    now: i64,
) -> CoreResult<Started> {
    let template = &campaign
        .followups
        .get(step as usize - 1)
        .ok_or_else(|| CoreError::NotFound(format!("no follow-up step {step}")))?
        .template;
    let mut started = render_message(conn, campaign, template, id, now)?;
    started.followup = Some(crate::followups::info(
        conn,
        id,
        step,
        &campaign.followups,
        now,
    )?);
    Ok(started)
}

fn render_started(
    conn: &Connection,
    campaign: &crate::campaigns::Campaign,
    id: i64,
    now: i64,
) -> CoreResult<Started> {
    render_message(conn, campaign, &campaign.template, id, now)
}

fn render_message(
    conn: &Connection,
    campaign: &crate::campaigns::Campaign,
    template: &crate::templates::Template,
    id: i64,
    now: i64,
) -> CoreResult<Started> {
    let pace = pace(conn, campaign.pacing, now)?;
    render_with_pace(conn, campaign, template, id, pace)
}

/// The message of outreach item `id` from `template`, ready to copy, with the pacing the
/// Queue shows beside it (the local verdict, or in team mode the server's).
pub(crate) fn render_with_pace(
    conn: &Connection,
    campaign: &crate::campaigns::Campaign,
    template: &crate::templates::Template,
    id: i64,
    pace: PaceVerdict,
) -> CoreResult<Started> {
    let (contact_id, link_url): (i64, Option<String>) = conn.query_row(
        "SELECT contact_id, link_url FROM outreach WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let link_url = link_url
        .ok_or_else(|| CoreError::Conflict("this person's link address is not known yet".into()))?;
    let contact = crate::contacts::get(conn, contact_id)?;
    let checked = crate::templates::parse(template)?;
    let parts = crate::templates::render(
        &checked,
        &crate::templates::RenderContext {
            handle: contact.handle.clone(),
            display_name: contact.display_name.clone(),
            tags: contact.tags.clone(),
            link: Some(link_url.clone()),
            campaign_name: campaign.name.clone(),
        },
    )?;
    let dm_url = crate::templates::dm_url(
        &campaign.dm_url_with_id,
        &campaign.dm_url_without_id,
        &contact.handle,
        contact.user_id.as_deref(),
    )?;
    Ok(Started {
        outreach_id: id,
        contact,
        campaign_slug: campaign.slug.clone(),
        parts,
        link_url,
        dm_url,
        pace,
        followup: None,
        lease_expires_at: None,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::campaigns::{CampaignInput, create};
    use crate::contacts::{ContactInput, insert};
    use crate::store::open_in_memory;
    use crate::templates::{Part, Template};

    const OP: &str = "ana";

    /// A campaign with `n` contacts whose links are registered.
    fn setup(n: usize) -> (Connection, i64) {
        let mut conn = open_in_memory().unwrap();
        conn.execute(
            "INSERT INTO campaigns (slug, name, template, dm_url_with_id, dm_url_without_id, created_at, updated_at)
             VALUES ('spring', 'Spring', '{}', 'https://x/{user_id}', 'https://x/@{handle}', 0, 0)",
            [],
        )
        .unwrap();
        let campaign = conn.last_insert_rowid();
        add_people_with_links(&mut conn, campaign, n);
        (conn, campaign)
    }

    /// Adds `n` contacts `user_0…` to `campaign`, each with its link registered
    /// (`tok<id>`, `https://l/r/tok<id>`).
    pub(crate) fn add_people_with_links(conn: &mut Connection, campaign: i64, n: usize) {
        let ids: Vec<i64> = (0..n)
            .map(|i| {
                insert(
                    conn,
                    &ContactInput::parse(&format!("user_{i}"), "", "", "", "").unwrap(),
                    None,
                )
                .unwrap()
            })
            .collect();
        add_to_campaign(conn, campaign, &ids).unwrap();
        conn.execute(
            "UPDATE outreach SET link_token = 'tok' || id, link_url = 'https://l/r/tok' || id",
            [],
        )
        .unwrap();
    }

    const FREE: Pacing = Pacing {
        daily_cap: 100,
        min_spacing_s: 0,
    };

    #[test]
    fn two_claims_never_get_the_same_contact() {
        let (mut conn, campaign) = setup(2);
        let a = claim_next(&mut conn, campaign, "ana", FREE).unwrap();
        let b = claim_next(&mut conn, campaign, "ben", FREE).unwrap();
        assert!(
            matches!((&a, &b), (Claim::Item(x), Claim::Item(y)) if x != y),
            "{a:?} {b:?}"
        );
        assert_eq!(
            claim_next(&mut conn, campaign, "cy", FREE).unwrap(),
            Claim::Empty
        );
    }

    #[test]
    fn an_operator_gets_back_the_item_they_already_started() {
        let (mut conn, campaign) = setup(3);
        let first = claim_next(&mut conn, campaign, OP, FREE).unwrap();
        assert_eq!(claim_next(&mut conn, campaign, OP, FREE).unwrap(), first);
    }

    #[test]
    fn illegal_moves_are_refused_and_legal_ones_audited() {
        let (mut conn, campaign) = setup(1);
        let Claim::Item(id) = claim_next(&mut conn, campaign, OP, FREE).unwrap() else {
            panic!()
        };
        mark(&mut conn, id, Outcome::Sent, OP).unwrap();
        let err = mark(&mut conn, id, Outcome::Skipped, OP).unwrap_err();
        assert!(matches!(err, CoreError::Conflict(_)), "{err}");
        let moves: Vec<(String, String)> = conn
            .prepare("SELECT from_state, to_state FROM audit_log ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            moves,
            [
                ("queued".into(), "in_progress".into()),
                ("in_progress".into(), "sent".into())
            ]
        );
    }

    #[test]
    fn undo_puts_the_last_outcome_back_and_frees_its_pacing_slot() {
        let (mut conn, campaign) = setup(2);
        let pacing = Pacing {
            daily_cap: 1,
            min_spacing_s: 0,
        };
        let Claim::Item(id) = claim_next(&mut conn, campaign, OP, pacing).unwrap() else {
            panic!()
        };
        mark(&mut conn, id, Outcome::Sent, OP).unwrap();
        assert!(matches!(
            claim_next(&mut conn, campaign, OP, pacing).unwrap(),
            Claim::Wait(_)
        ));
        assert_eq!(undo_last(&mut conn, OP).unwrap(), id);
        assert_eq!(state_of(&conn, id).unwrap(), OutreachState::InProgress);
        assert_eq!(
            claim_next(&mut conn, campaign, OP, pacing).unwrap(),
            Claim::Item(id)
        );
        assert!(
            matches!(undo_last(&mut conn, OP), Err(CoreError::NotFound(_))),
            "one step only"
        );
    }

    #[test]
    fn a_snoozed_contact_comes_back_when_due_and_not_before() {
        let (mut conn, campaign) = setup(1);
        let Claim::Item(id) = claim_next(&mut conn, campaign, OP, FREE).unwrap() else {
            panic!()
        };
        let soon = clock::now_ms() + 60_000;
        mark(&mut conn, id, Outcome::Snoozed { until: soon }, OP).unwrap();
        assert_eq!(
            claim_next(&mut conn, campaign, OP, FREE).unwrap(),
            Claim::Empty
        );
        conn.execute("UPDATE outreach SET snoozed_until = 1 WHERE id = ?1", [id])
            .unwrap();
        assert_eq!(
            claim_next(&mut conn, campaign, OP, FREE).unwrap(),
            Claim::Item(id)
        );
    }

    #[test]
    fn the_overview_counts_who_is_left_and_names_the_next_without_claiming() {
        let (mut conn, campaign) = setup(4);
        let now = clock::now_ms();
        let Claim::Item(first) = claim_next_at(&mut conn, campaign, OP, FREE, now).unwrap() else {
            panic!()
        };
        mark_at(
            &mut conn,
            first,
            Outcome::Snoozed {
                until: now + 60_000,
            },
            OP,
            now,
        )
        .unwrap();
        let Claim::Item(second) = claim_next_at(&mut conn, campaign, OP, FREE, now).unwrap() else {
            panic!()
        };
        mark_at(
            &mut conn,
            second,
            Outcome::Snoozed { until: now + 1 },
            OP,
            now,
        )
        .unwrap();

        let seen = overview_at(&conn, campaign, OP, now + 10).unwrap();
        assert_eq!(
            seen.left,
            QueueLeft {
                queued: 2,
                snoozed: 2,
                snoozed_due: 1,
                followups_due: 0,
            }
        );
        let next = seen.next.unwrap();
        assert_eq!(
            (next.outreach_id, next.state),
            (second, OutreachState::Snoozed),
            "the due snoozed contact comes first"
        );
        assert_eq!(next.contact.handle, "user_1");
        assert_eq!(
            state_of(&conn, second).unwrap(),
            OutreachState::Snoozed,
            "looking claims nothing"
        );
        assert_eq!(
            overview_at(&conn, campaign, "ben", now + 10).unwrap().left,
            seen.left,
            "the count is the campaign's, whoever looks"
        );
    }

    #[test]
    fn triage_marks_a_contact_not_started_and_undo_puts_it_back_in_the_queue() {
        let (mut conn, campaign) = setup(2);
        let now = clock::now_ms();
        let next = overview_at(&conn, campaign, OP, now).unwrap().next.unwrap();
        assert_eq!(next.state, OutreachState::Queued);
        mark_at(
            &mut conn,
            next.outreach_id,
            Outcome::CantDm {
                reason: CantDmReason::Age,
            },
            OP,
            now,
        )
        .unwrap();
        let after = overview_at(&conn, campaign, OP, now).unwrap();
        assert_eq!(after.left.queued, 1);
        assert_ne!(after.next.unwrap().outreach_id, next.outreach_id);
        let shown = after_next(&conn, campaign);
        let refused = mark_at(&mut conn, shown, Outcome::Sent, OP, now);
        assert!(
            matches!(refused, Err(CoreError::Conflict(_))),
            "a send always starts the contact first: {refused:?}"
        );

        assert_eq!(undo_last_at(&mut conn, OP, now).unwrap(), next.outreach_id);
        assert_eq!(
            state_of(&conn, next.outreach_id).unwrap(),
            OutreachState::Queued
        );
        assert_eq!(
            overview_at(&conn, campaign, OP, now).unwrap().left.queued,
            2
        );
    }

    fn after_next(conn: &Connection, campaign: i64) -> i64 {
        overview_at(conn, campaign, OP, clock::now_ms())
            .unwrap()
            .next
            .unwrap()
            .outreach_id
    }

    #[test]
    fn contacts_without_a_link_are_waited_for_not_started() {
        let (mut conn, campaign) = setup(2);
        conn.execute("UPDATE outreach SET link_token = NULL", [])
            .unwrap();
        assert_eq!(
            claim_next(&mut conn, campaign, OP, FREE).unwrap(),
            Claim::WaitingForLinks(2)
        );
    }

    #[test]
    fn a_cant_dm_outcome_keeps_its_reason() {
        let (mut conn, campaign) = setup(1);
        let Claim::Item(id) = claim_next(&mut conn, campaign, OP, FREE).unwrap() else {
            panic!()
        };
        mark(
            &mut conn,
            id,
            Outcome::CantDm {
                reason: CantDmReason::NotFollowing,
            },
            OP,
        )
        .unwrap();
        let reason: String = conn
            .query_row(
                "SELECT cant_dm_reason FROM outreach WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(reason, "not_following");
    }

    #[test]
    fn start_next_renders_the_message_link_and_dm_url_for_the_claimed_contact() {
        let mut conn = open_in_memory().unwrap();
        let template = Template {
            parts: vec![Part::text([
                "Hi {{first_name|there}}, record for us: {{link}}",
            ])],
        };
        let campaign = create(&mut conn, &CampaignInput::new("Spring", template)).unwrap();
        let with_id = insert(
            &conn,
            &ContactInput::parse("maya.bakes", "7277", "Maya Lopez", "", "").unwrap(),
            None,
        )
        .unwrap();
        let no_id = insert(
            &conn,
            &ContactInput::parse("jo_runs", "", "", "", "").unwrap(),
            None,
        )
        .unwrap();
        add_to_campaign(&mut conn, campaign.id, &[with_id, no_id]).unwrap();
        conn.execute(
            "UPDATE outreach SET link_token = 't' || id, link_url = 'https://c.example/r/t' || id",
            [],
        )
        .unwrap();

        let NextStep::Started(first) = start_next(&mut conn, campaign.id, "ana").unwrap() else {
            panic!()
        };
        assert_eq!(first.contact.handle, "maya.bakes");
        let recorded: String = conn
            .query_row(
                "SELECT variants FROM outreach WHERE id = ?1",
                [first.outreach_id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(recorded, "[0]", "the variant shown is kept for the funnel");
        assert_eq!(
            first.parts[0].text,
            format!("Hi Maya, record for us: {}", first.link_url)
        );
        assert_eq!(
            first.dm_url,
            "https://www.tiktok.com/messages?lang=en&u=7277"
        );
        mark(&mut conn, first.outreach_id, Outcome::Sent, "ana").unwrap();

        // Default pacing wants 90 s between this desktop's sends, whoever is operator.
        let now = clock::now_ms();
        for operator in ["ana", "ben"] {
            assert!(matches!(
                start_next_at(&mut conn, campaign.id, operator, now).unwrap(),
                NextStep::Wait { .. }
            ));
        }
        let NextStep::Started(second) =
            start_next_at(&mut conn, campaign.id, "ben", now + 90_000).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            second.parts[0].text,
            format!("Hi there, record for us: {}", second.link_url)
        );
        assert_eq!(second.dm_url, "https://www.tiktok.com/@jo_runs");
    }

    #[test]
    fn adding_every_match_reads_past_one_page_and_counts_only_new_contacts() {
        let mut conn = open_in_memory().unwrap();
        let template = Template {
            parts: vec![Part::text(["Hi {{handle}}: {{link}}"])],
        };
        let campaign = create(&mut conn, &CampaignInput::new("Spring", template)).unwrap();
        let contact = |conn: &Connection, handle: &str| {
            insert(
                conn,
                &ContactInput::parse(handle, "", "", "", "").unwrap(),
                None,
            )
            .unwrap()
        };
        let bakers: Vec<i64> = (0..=crate::contacts::MAX_PAGE)
            .map(|i| contact(&conn, &format!("baker_{i}")))
            .collect();
        contact(&conn, "runner");
        add_to_campaign(&mut conn, campaign.id, &bakers[..1]).unwrap();
        let added = add_all_matching(&mut conn, campaign.id, "baker").unwrap();
        assert_eq!(added, bakers.len() - 1, "the one already in is not counted");
        let items: usize = conn
            .query_row("SELECT COUNT(*) FROM outreach", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            items,
            bakers.len(),
            "every baker, more than a page, and no runner"
        );
        assert!(
            matches!(
                add_all_matching(&mut conn, campaign.id + 1, "baker"),
                Err(CoreError::NotFound(_))
            ),
            "an unknown campaign is named, not a foreign-key failure"
        );
    }

    #[test]
    fn history_lists_the_contacts_other_campaigns() {
        let mut conn = open_in_memory().unwrap();
        let template = Template {
            parts: vec![Part::text(["Hi {{handle}}: {{link}}"])],
        };
        let spring = create(&mut conn, &CampaignInput::new("Spring", template.clone())).unwrap();
        let autumn = create(&mut conn, &CampaignInput::new("Autumn", template)).unwrap();
        let maya = insert(
            &conn,
            &ContactInput::parse("maya", "", "", "", "").unwrap(),
            None,
        )
        .unwrap();
        add_to_campaign(&mut conn, spring.id, &[maya]).unwrap();
        add_to_campaign(&mut conn, autumn.id, &[maya]).unwrap();
        conn.execute(
            "UPDATE outreach SET state = 'cant_dm', cant_dm_reason = 'age', updated_at = 5
             WHERE campaign_id = ?1",
            [spring.id],
        )
        .unwrap();
        let now: i64 = conn
            .query_row(
                "SELECT id FROM outreach WHERE campaign_id = ?1",
                [autumn.id],
                |r| r.get(0),
            )
            .unwrap();
        let history = contact_history(&conn, maya, Some(now)).unwrap();
        assert_eq!(history.len(), 1, "the item being worked is left out");
        assert_eq!(history[0].campaign_name, "Spring");
        assert_eq!(history[0].state, OutreachState::CantDm);
        assert_eq!(history[0].cant_dm_reason, Some(CantDmReason::Age));
        assert_eq!(contact_history(&conn, maya, None).unwrap().len(), 2);
    }
}
