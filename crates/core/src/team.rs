//! Team mode (issue 13): several desktops on one clipdesk-server, nobody DMed twice. The
//! server hands out people under a lease ([`start_next`]) and keeps every outcome; this
//! desktop mirrors what it is told (its own claims and, through the feed, its colleagues').
//! An outcome is written locally and into `team_outbox` in one transaction, then sent
//! ([`flush_outbox`]): one marked while the server is away goes when it is back, in order.

use std::sync::OnceLock;

use clipdesk_protocol::api::{Campaign as ServerCampaign, CampaignUpsert, Event};
use clipdesk_protocol::team::{Claim, ClaimOutcome, ClaimRequest, HeldList, OutcomeRequest};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use crate::campaigns::CampaignInput;
use crate::client::{ClaimAnswer, OutcomeAnswer, ServerClient};
use crate::clock;
use crate::contacts::{self, ContactInput};
use crate::error::{CoreError, CoreResult};
use crate::pacing::{PaceVerdict, Pacing};
use crate::queue::{self, CantDmReason, NextStep, Outcome, OutreachState, Started};
use crate::store::StoreHandle;

/// What "start next" answers in team mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TeamStep {
    /// This operator holds the person until `claim.lease_expires_at`: their message, ready.
    Started {
        started: Box<Started>,
        claim: Box<Claim>,
    },
    /// Nobody is left to claim.
    Empty,
    /// The server's pacing for this operator says not yet.
    Paced { retry_after_s: u64, message: String },
    /// The server cannot be reached: nothing is offered, since a colleague may be sending to
    /// whoever this desktop would pick.
    Offline { message: String },
}

/// What recording an outcome came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TeamRecorded {
    pub outreach_id: i64,
    /// Outcomes still waiting for the server (0 when it got this one at once).
    pub pending: u32,
}

/// What one [`flush_outbox`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Flushed {
    pub sent: u32,
    /// Refused for good (kept with the server's message, never retried).
    pub refused: u32,
}

/// Where this desktop's links live (`https://…/r/`): read off a link it already has, else the
/// server's address.
fn link_base(conn: &Connection, fallback: Option<&str>) -> CoreResult<Option<String>> {
    let known: Option<String> = conn
        .query_row(
            "SELECT substr(link_url, 1, length(link_url) - length(link_token)) FROM outreach
             WHERE link_token IS NOT NULL AND link_url LIKE '%/r/' || link_token LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if known.is_some() {
        return Ok(known);
    }
    if let Some(base) = fallback {
        return Ok(Some(format!("{}/r/", base.trim_end_matches('/'))));
    }
    let server = crate::settings::load(conn)?.server_url;
    Ok(server.map(|url| format!("{}/r/", url.trim_end_matches('/'))))
}

/// The local contact for a person the server names: by handle, else by user id, else new.
/// `None` when the handle is not one this desktop can keep.
fn contact_for(
    conn: &Connection,
    handle: &str,
    user_id: Option<&str>,
    display_name: Option<&str>,
    tags: &[String],
) -> CoreResult<Option<i64>> {
    if let Some(found) = contacts::find_by_handle(conn, handle)? {
        return Ok(Some(found.id));
    }
    let user_id = user_id.filter(|id| !id.is_empty());
    if let Some(id) = user_id
        && let Some(found) = contacts::find_by_user_id(conn, id)?
    {
        return Ok(Some(found.id));
    }
    let input = match ContactInput::parse(
        handle,
        user_id.unwrap_or_default(),
        display_name.unwrap_or_default(),
        &tags.join(","),
        "",
    ) {
        Ok(input) => input,
        Err(err) => {
            tracing::warn!(handle, reason = %err.reason, "a person from the server cannot be kept");
            return Ok(None);
        }
    };
    Ok(Some(contacts::insert(conn, &input, Some("team"))?))
}

/// The outreach item of `token` in `campaign`, made (contact too) when this desktop has not
/// seen the person yet. `None` when the person is suppressed here (forgotten).
#[allow(clippy::too_many_arguments)]
fn outreach_for_link(
    conn: &Connection,
    campaign: i64,
    token: &str,
    handle: &str,
    user_id: Option<&str>,
    display_name: Option<&str>,
    tags: &[String],
    base: Option<&str>,
    now: i64,
) -> CoreResult<Option<i64>> {
    let url = base.map(|b| format!("{b}{token}"));
    let found: Option<(i64, Option<String>)> = conn
        .query_row(
            "SELECT id, link_url FROM outreach WHERE link_token = ?1",
            [token],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((id, link_url)) = found {
        if link_url.is_none() && url.is_some() {
            conn.execute(
                "UPDATE outreach SET link_url = ?2 WHERE id = ?1",
                params![id, url],
            )?;
        }
        return Ok(Some(id));
    }
    let Some(contact) = contact_for(conn, handle, user_id, display_name, tags)? else {
        return Ok(None);
    };
    // The server has one invited link per (campaign, handle): an item still waiting for its
    // link takes this one.
    conn.execute(
        "INSERT INTO outreach (campaign_id, contact_id, link_token, link_url, added_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (campaign_id, contact_id) DO UPDATE SET
            link_url = CASE WHEN outreach.link_token IS NULL OR outreach.link_url IS NULL
                            THEN excluded.link_url ELSE outreach.link_url END,
            link_token = coalesce(outreach.link_token, excluded.link_token)",
        params![campaign, contact, token, url, now],
    )?;
    Ok(conn
        .query_row(
            "SELECT id FROM outreach WHERE campaign_id = ?1 AND contact_id = ?2",
            params![campaign, contact],
            |r| r.get(0),
        )
        .optional()?)
}

/// Takes a claim the server gave `operator`: the local item (found by link token, or made)
/// is in progress under that claim, and its message is rendered. A message that cannot be
/// rendered leaves the item queued (the caller gives the claim back).
pub fn take_claim_at(
    conn: &mut Connection,
    campaign: i64,
    claim: &Claim,
    operator: &str,
    server_url: Option<&str>,
    now: i64,
) -> CoreResult<Started> {
    let campaign = crate::campaigns::get(conn, campaign)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let base = link_base(&tx, server_url)?;
    let id = outreach_for_link(
        &tx,
        campaign.id,
        &claim.token,
        &claim.handle,
        claim.user_id.as_deref(),
        claim.display_name.as_deref(),
        &claim.tags,
        base.as_deref(),
        now,
    )?
    .ok_or_else(|| {
        CoreError::Conflict(format!(
            "@{} was forgotten on this desktop and is not messaged from it",
            claim.handle
        ))
    })?;
    // The server says where the person's link lives: that is what their message carries.
    if !claim.url.is_empty() {
        tx.execute(
            "UPDATE outreach SET link_url = ?2 WHERE id = ?1",
            params![id, claim.url],
        )?;
    }
    let from: String = tx.query_row("SELECT state FROM outreach WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    tx.execute(
        "UPDATE outreach SET state = 'in_progress', claimed_by = ?2, claimed_at = ?3,
                claim_id = ?4, claim_operator = ?2, claim_expires_at = ?5, updated_at = ?3
         WHERE id = ?1",
        params![
            id,
            operator,
            now,
            claim.id,
            clock::parse_rfc3339(&claim.lease_expires_at)
        ],
    )?;
    if from != "in_progress" {
        tx.execute(
            "INSERT INTO audit_log (at, actor, outreach_id, from_state, to_state, detail)
             VALUES (?1, ?2, ?3, ?4, 'in_progress', ?5)",
            params![
                now,
                operator,
                id,
                from,
                serde_json::json!({ "claim": claim.id }).to_string()
            ],
        )?;
    }
    tx.commit()?;
    match render(conn, &campaign, id, now) {
        Ok(mut started) => {
            conn.execute(
                "UPDATE outreach SET variants = ?2 WHERE id = ?1",
                params![id, queue::variants_json(&started.parts)],
            )?;
            started.lease_expires_at = Some(claim.lease_expires_at.clone());
            Ok(started)
        }
        Err(err) => {
            release_local(conn, id, &claim.id)?;
            Err(err)
        }
    }
}

fn render(
    conn: &Connection,
    campaign: &crate::campaigns::Campaign,
    id: i64,
    now: i64,
) -> CoreResult<Started> {
    // The server paced this claim; this desktop's own count is shown alongside.
    let sent_last_24h = queue::recent_sends(conn, now)?.len() as u32;
    let pace = PaceVerdict::Allowed {
        sent_last_24h,
        daily_cap: campaign.pacing.daily_cap,
    };
    queue::render_with_pace(conn, campaign, &campaign.template, id, pace)
}

/// The item is no longer held under `claim`: back in the queue if it was in progress.
fn release_local(conn: &Connection, id: i64, claim: &str) -> CoreResult<()> {
    conn.execute(
        "UPDATE outreach SET state = CASE WHEN state = 'in_progress' THEN 'queued' ELSE state END,
                claimed_by = CASE WHEN state = 'in_progress' THEN NULL ELSE claimed_by END,
                claimed_at = CASE WHEN state = 'in_progress' THEN NULL ELSE claimed_at END,
                claim_id = NULL, claim_operator = NULL, claim_expires_at = NULL
         WHERE id = ?1 AND claim_id = ?2",
        params![id, claim],
    )?;
    Ok(())
}

/// What the server is told for a local outcome marked at `now`.
fn outcome_request(outcome: Outcome, now: i64) -> OutcomeRequest {
    let (outcome, reason, until) = match outcome {
        Outcome::Sent => (ClaimOutcome::Sent, None, None),
        Outcome::Skipped => (ClaimOutcome::Skipped, None, None),
        Outcome::CantDm { reason } => {
            (ClaimOutcome::CantDm, Some(reason.as_str().to_owned()), None)
        }
        Outcome::Snoozed { until } => (ClaimOutcome::Later, None, Some(clock::to_rfc3339(until))),
    };
    OutcomeRequest {
        outcome,
        reason,
        until,
        at: Some(clock::to_rfc3339(now)),
    }
}

/// Writes `operator`'s outcome for an item they hold under a claim, and queues it for the
/// server, in one transaction. Returns the outbox row.
pub fn record_local_at(
    conn: &mut Connection,
    outreach: i64,
    outcome: Outcome,
    operator: &str,
    now: i64,
) -> CoreResult<i64> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let (state, claim): (String, Option<String>) = tx
        .query_row(
            "SELECT state, claim_id FROM outreach WHERE id = ?1",
            [outreach],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound(format!("no outreach #{outreach}")))?;
    let from = OutreachState::parse(&state)?;
    let claim = match claim {
        Some(claim) if from == OutreachState::InProgress => claim,
        _ => {
            return Err(CoreError::Conflict(format!(
                "cannot mark {outreach}: it is {state} and not claimed from the server by this desktop"
            )));
        }
    };
    if let Outcome::Snoozed { until } = outcome
        && until <= now
    {
        return Err(CoreError::invalid(
            "until",
            "a snooze must end in the future",
        ));
    }
    let (to, reason, until) = match outcome {
        Outcome::Sent => (OutreachState::Sent, None, None),
        Outcome::Skipped => (OutreachState::Skipped, None, None),
        Outcome::CantDm { reason } => (OutreachState::CantDm, Some(reason.as_str()), None),
        Outcome::Snoozed { until } => (OutreachState::Snoozed, None, Some(until)),
    };
    tx.execute(
        "UPDATE outreach SET state = ?2, cant_dm_reason = ?3, snoozed_until = ?4,
                sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END,
                sent_by = ?6, outcome_claim = ?7, claim_id = NULL, claim_operator = NULL,
                claim_expires_at = NULL, updated_at = ?5
         WHERE id = ?1",
        params![outreach, to.as_str(), reason, until, now, operator, claim],
    )?;
    let mut detail = serde_json::to_value(outcome).map_err(anyhow::Error::from)?;
    detail["claim"] = serde_json::json!(claim);
    // The server paced the claim; a person started with "Send anyway" is logged as such.
    if to == OutreachState::Sent
        && let Some(reason) = queue::sent_anyway_claim(&tx, outreach)?
    {
        detail["pacing_override"] = serde_json::json!({ "reason": reason });
    }
    queue::audit(&tx, now, operator, outreach, from, to, detail)?;
    let body =
        serde_json::to_string(&outcome_request(outcome, now)).map_err(anyhow::Error::from)?;
    tx.execute(
        "INSERT INTO team_outbox (claim_id, body, created_at) VALUES (?1, ?2, ?3)",
        params![claim, body, now],
    )?;
    let row = tx.last_insert_rowid();
    tx.commit()?;
    Ok(row)
}

/// Outcomes waiting for the server.
pub fn pending(conn: &Connection) -> CoreResult<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM team_outbox WHERE state = 'pending'",
        [],
        |r| r.get(0),
    )?)
}

/// "Start next" in team mode: sends what the outbox holds, then asks the server for the next
/// person of `campaign` (a local id) for `operator` and renders their message.
pub async fn start_next(
    store: &StoreHandle,
    client: &ServerClient,
    campaign: i64,
    operator: &str,
) -> CoreResult<TeamStep> {
    claim_next(store, client, campaign, operator, ClaimRequest::default()).await
}

/// [`start_next`] with what the operator asked for: a person by link (a held one with
/// `override_hold`), or one past this operator's pacing (`override_pacing`).
pub async fn claim_next(
    store: &StoreHandle,
    client: &ServerClient,
    campaign: i64,
    operator: &str,
    request: ClaimRequest,
) -> CoreResult<TeamStep> {
    let slug = store
        .call(move |conn| Ok(crate::campaigns::get(conn, campaign)?.slug))
        .await?;
    match flush_outbox(store, client).await {
        Err(CoreError::Unavailable(message)) => return Ok(TeamStep::Offline { message }),
        other => {
            other?;
        }
    }
    let claim = match client.claim(&slug, &request).await {
        Ok(ClaimAnswer::Claimed(claim)) => *claim,
        Ok(ClaimAnswer::Empty) => return Ok(TeamStep::Empty),
        Ok(ClaimAnswer::Paced {
            retry_after_s,
            message,
        }) => {
            return Ok(TeamStep::Paced {
                retry_after_s,
                message,
            });
        }
        Err(CoreError::Unavailable(message)) => return Ok(TeamStep::Offline { message }),
        Err(err) => return Err(err),
    };
    let taken = claim.clone();
    let (operator, server) = (operator.to_owned(), client.base_url().to_owned());
    let started = store
        .call(move |conn| {
            take_claim_at(
                conn,
                campaign,
                &taken,
                &operator,
                Some(&server),
                clock::now_ms(),
            )
        })
        .await;
    match started {
        Ok(started) => Ok(TeamStep::Started {
            started: Box::new(started),
            claim: Box::new(claim),
        }),
        Err(err) => {
            // Nobody is left holding a person this desktop cannot show.
            if let Err(back) = client.give_back(&claim.id).await {
                tracing::warn!(error = %back, "cannot give back a claim");
            }
            Err(err)
        }
    }
}

/// What the operator asked "start next" for, besides the next person.
#[derive(Debug, Default, Clone)]
pub struct NextAsk {
    /// "Send anyway": past this operator's pacing, for this one person.
    pub send_anyway: bool,
    /// This person (a link token of the campaign) instead of the next one.
    pub link: Option<String>,
    /// The operator chose to message a person the cross-campaign hold keeps back.
    pub override_hold: bool,
}

/// The Queue's "start next": a due follow-up of a person THIS operator sent is started locally
/// (when the Queue's order puts it next, or when the server has nobody new); otherwise the
/// server is asked for a claim.
pub async fn next(
    store: &StoreHandle,
    client: &ServerClient,
    campaign: i64,
    operator: &str,
    ask: NextAsk,
) -> CoreResult<NextStep> {
    let followup = |pool_empty: bool| {
        let (operator, send_anyway) = (operator.to_owned(), ask.send_anyway);
        store.call(move |conn| {
            queue::start_followup_at(
                conn,
                campaign,
                &operator,
                send_anyway,
                pool_empty,
                clock::now_ms(),
            )
        })
    };
    // A person picked by link is what the operator asked for, whatever is due.
    let picked = ask.link.is_some();
    if !picked && let Some(step) = followup(false).await? {
        return Ok(step);
    }
    let request = ClaimRequest {
        link: ask.link.clone(),
        override_hold: ask.override_hold,
        override_pacing: ask.send_anyway,
        ..ClaimRequest::default()
    };
    match claim_next(store, client, campaign, operator, request).await? {
        TeamStep::Started { started, .. } => {
            if ask.send_anyway || ask.override_hold {
                let (outreach, ask) = (started.outreach_id, ask.clone());
                store
                    .call(move |conn| note_overrides(conn, outreach, &ask))
                    .await?;
            }
            Ok(NextStep::Started(started))
        }
        TeamStep::Empty => {
            if !picked && let Some(step) = followup(true).await? {
                return Ok(step);
            }
            let count: u32 = store
                .call(move |conn| {
                    Ok(conn.query_row(
                        "SELECT count(*) FROM outreach
                         WHERE campaign_id = ?1 AND state = 'queued' AND link_token IS NULL",
                        [campaign],
                        |r| r.get(0),
                    )?)
                })
                .await?;
            Ok(if count > 0 {
                NextStep::WaitingForLinks { count }
            } else {
                NextStep::Empty
            })
        }
        TeamStep::Paced {
            retry_after_s,
            message,
        } => {
            let verdict = store
                .call(move |conn| {
                    let now = clock::now_ms();
                    let retry_ms = i64::try_from(retry_after_s)
                        .unwrap_or(i64::MAX / 1000)
                        .saturating_mul(1000);
                    Ok(PaceVerdict::Wait {
                        reason: message,
                        until: now.saturating_add(retry_ms),
                        sent_last_24h: queue::recent_sends(conn, now)?.len() as u32,
                        daily_cap: crate::campaigns::get(conn, campaign)?.pacing.daily_cap,
                    })
                })
                .await?;
            Ok(NextStep::Wait { verdict })
        }
        TeamStep::Offline { message } => {
            // The operator is told where; the transport's words (and the claim URL) go to the log.
            tracing::warn!(%message, "the server cannot be reached: nothing is offered");
            Ok(NextStep::Offline {
                message: format!("no answer from {}", client.base_url()),
                pending: store.call(|conn| pending(conn)).await?,
            })
        }
    }
}

/// Writes what the operator overrode to start this person into the audit row of their claim:
/// "Send anyway" lets this one person's send be recorded past pacing (and shows in their
/// history, as the local queue's does); messaging a held person is kept as such.
fn note_overrides(conn: &Connection, outreach: i64, ask: &NextAsk) -> CoreResult<()> {
    let mut note = serde_json::json!({});
    if ask.send_anyway {
        note["pacing_override"] = serde_json::json!({ "reason": queue::SEND_ANYWAY });
    }
    if ask.override_hold {
        note["hold_override"] = serde_json::json!(true);
    }
    conn.execute(
        "UPDATE audit_log SET detail = json_patch(detail, ?2)
         WHERE id = (SELECT max(id) FROM audit_log WHERE outreach_id = ?1
                       AND to_state = 'in_progress' AND json_extract(detail, '$.undo_of') IS NULL)",
        params![outreach, note.to_string()],
    )?;
    Ok(())
}

/// Marks an outcome: an item held under a server claim goes through [`record`] (local +
/// outbox). Triage of a first message not started (skip, can't DM, later while pacing waits)
/// claims that person first, so the server has the outcome before anyone else is handed them;
/// anything else (a follow-up, a person the server has no link for yet) through
/// [`queue::mark`].
pub async fn mark(
    store: &StoreHandle,
    client: &ServerClient,
    outreach: i64,
    outcome: Outcome,
    operator: &str,
) -> CoreResult<()> {
    let (claimed, triage): (bool, Option<(i64, String)>) = store
        .call(move |conn| {
            conn.query_row(
                "SELECT claim_id IS NOT NULL AND state = 'in_progress',
                        CASE WHEN state IN ('queued', 'snoozed') THEN campaign_id END, link_token
                 FROM outreach WHERE id = ?1",
                [outreach],
                |r| {
                    let campaign: Option<i64> = r.get(1)?;
                    let link: Option<String> = r.get(2)?;
                    Ok((r.get(0)?, campaign.zip(link)))
                },
            )
            .optional()?
            .ok_or_else(|| CoreError::NotFound(format!("no outreach #{outreach}")))
        })
        .await?;
    if let (false, Some((campaign, link)), false) = (claimed, triage, outcome == Outcome::Sent) {
        // Nothing is sent, so neither pacing nor the cross-campaign hold stands in the way.
        let request = ClaimRequest {
            link: Some(link),
            override_pacing: true,
            override_hold: true,
            ..ClaimRequest::default()
        };
        match claim_next(store, client, campaign, operator, request).await? {
            TeamStep::Started { started, .. } if started.outreach_id == outreach => {}
            TeamStep::Started { started, .. } => {
                give_back(store, client, started.outreach_id).await?;
                return Err(CoreError::Conflict(format!(
                    "the server handed out someone else for outreach #{outreach}"
                )));
            }
            TeamStep::Offline { message } => return Err(CoreError::Unavailable(message)),
            TeamStep::Empty | TeamStep::Paced { .. } => {
                return Err(CoreError::Conflict(
                    "a colleague has this person now: nothing was recorded".into(),
                ));
            }
        }
        record(store, client, outreach, outcome, operator).await?;
        return Ok(());
    }
    if claimed {
        record(store, client, outreach, outcome, operator).await?;
        return Ok(());
    }
    let operator = operator.to_owned();
    store
        .call(move |conn| queue::mark(conn, outreach, outcome, &operator))
        .await
}

/// Undoes this operator's last outcome (server-recorded → [`undo`]; local, such as a
/// follow-up → [`queue::undo_last`]); returns the outreach id put back.
pub async fn undo_last(
    store: &StoreHandle,
    client: &ServerClient,
    operator: &str,
) -> CoreResult<i64> {
    let name = operator.to_owned();
    let last: Option<(i64, bool)> = store
        .call(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT a.outreach_id,
                            o.outcome_claim IS NOT NULL
                            AND json_extract(a.detail, '$.claim') IS NOT NULL
                            AND json_extract(a.detail, '$.followup_step') IS NULL
                     FROM audit_log a JOIN outreach o ON o.id = a.outreach_id
                     WHERE a.actor = ?1 AND a.to_state IN ('sent', 'skipped', 'cant_dm', 'snoozed')
                       AND json_extract(a.detail, '$.undone') IS NULL
                     ORDER BY a.id DESC LIMIT 1",
                    [name],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })
        .await?;
    if let Some((outreach, true)) = last {
        undo(store, client, outreach, operator).await?;
        return Ok(outreach);
    }
    let operator = operator.to_owned();
    store
        .call(move |conn| queue::undo_last(conn, &operator))
        .await
}

/// Gives back every claim this desktop holds (the app is closing); returns how many. One the
/// server refuses is logged and the rest still go; a server that cannot be reached ends it
/// (the leases run out on their own).
pub async fn give_back_all(store: &StoreHandle, client: &ServerClient) -> CoreResult<u32> {
    let held: Vec<i64> = store
        .call(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id FROM outreach WHERE claim_id IS NOT NULL AND state = 'in_progress'
                 ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await?;
    let mut given = 0;
    for outreach in held {
        match give_back(store, client, outreach).await {
            Ok(()) => given += 1,
            Err(err @ CoreError::Unavailable(_)) => {
                tracing::warn!(outreach, error = %err, "cannot give people back: the server is away");
                break;
            }
            Err(err) => tracing::warn!(outreach, error = %err, "cannot give a person back"),
        }
    }
    Ok(given)
}

/// The campaign's people held back by the cross-campaign hold, and why.
pub async fn held(
    store: &StoreHandle,
    client: &ServerClient,
    campaign: i64,
) -> CoreResult<HeldList> {
    let slug = store
        .call(move |conn| Ok(crate::campaigns::get(conn, campaign)?.slug))
        .await?;
    client.held(&slug).await
}

/// Records `operator`'s outcome for an item they hold: locally and in the outbox at once,
/// then sent. A server that cannot be reached keeps it in the outbox (`pending` says so).
pub async fn record(
    store: &StoreHandle,
    client: &ServerClient,
    outreach: i64,
    outcome: Outcome,
    operator: &str,
) -> CoreResult<TeamRecorded> {
    let operator = operator.to_owned();
    store
        .call(move |conn| record_local_at(conn, outreach, outcome, &operator, clock::now_ms()))
        .await?;
    match flush_outbox(store, client).await {
        Ok(_) | Err(CoreError::Unavailable(_)) => {}
        Err(err) => return Err(err),
    }
    let pending = store.call(|conn| pending(conn)).await?;
    Ok(TeamRecorded {
        outreach_id: outreach,
        pending,
    })
}

/// One flush at a time (the sync loop's and a recording's), so rows go in order.
fn flush_lock() -> &'static tokio::sync::Mutex<()> {
    static LOCK: OnceLock<tokio::sync::Mutex<()>> = OnceLock::new();
    LOCK.get_or_init(|| tokio::sync::Mutex::new(()))
}

/// Sends the outbox in order (id). Stops at the first failure to reach the server (the
/// error; the rows stay, in order); a refusal for good (409, or a request the server will
/// never take) is kept with its message and leaves the outbox.
pub async fn flush_outbox(store: &StoreHandle, client: &ServerClient) -> CoreResult<Flushed> {
    let _one = flush_lock().lock().await;
    let mut flushed = Flushed::default();
    loop {
        let next: Option<(i64, String, String)> = store
            .call(|conn| {
                Ok(conn
                    .query_row(
                        "SELECT id, claim_id, body FROM team_outbox WHERE state = 'pending'
                         ORDER BY id LIMIT 1",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?)
            })
            .await?;
        let Some((id, claim, body)) = next else {
            return Ok(flushed);
        };
        let request: OutcomeRequest = serde_json::from_str(&body).map_err(anyhow::Error::from)?;
        let refused = match client.put_outcome(&claim, &request).await {
            Ok(OutcomeAnswer::Recorded(_)) => None,
            Ok(OutcomeAnswer::Conflict(message)) => Some(message),
            // Another token, or the token refused: fixed in Settings, then retried.
            Err(err @ (CoreError::Unavailable(_) | CoreError::Unexpected(_))) => {
                return Err(note_attempt(store, id, err).await);
            }
            Err(err @ CoreError::Invalid { .. }) if matches!(&err, CoreError::Invalid { field, .. } if field == "token") =>
            {
                return Err(note_attempt(store, id, err).await);
            }
            Err(err) => Some(err.to_string()),
        };
        let was_refused = refused.is_some();
        store
            .call(move |conn| {
                match &refused {
                    None => conn.execute("DELETE FROM team_outbox WHERE id = ?1", [id])?,
                    Some(message) => conn.execute(
                        "UPDATE team_outbox SET state = 'conflict', attempts = attempts + 1,
                                last_error = ?2 WHERE id = ?1",
                        params![id, message],
                    )?,
                };
                Ok(())
            })
            .await?;
        if was_refused {
            flushed.refused += 1;
        } else {
            flushed.sent += 1;
        }
    }
}

async fn note_attempt(store: &StoreHandle, id: i64, err: CoreError) -> CoreError {
    let message = err.to_string();
    let noted = store
        .call(move |conn| {
            conn.execute(
                "UPDATE team_outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                params![id, message],
            )?;
            Ok(())
        })
        .await;
    if let Err(noted) = noted {
        tracing::warn!(error = %noted, "cannot note an outbox attempt");
    }
    err
}

/// Gives the person of `outreach` back to the pool at once: the server ends the claim and
/// the item is queued here again.
pub async fn give_back(
    store: &StoreHandle,
    client: &ServerClient,
    outreach: i64,
) -> CoreResult<()> {
    let claim: Option<String> = store
        .call(move |conn| {
            conn.query_row(
                "SELECT claim_id FROM outreach WHERE id = ?1",
                [outreach],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| CoreError::NotFound(format!("no outreach #{outreach}")))
        })
        .await?;
    let claim = claim.ok_or_else(|| {
        CoreError::Conflict(format!(
            "outreach #{outreach} is not claimed: nothing to give back"
        ))
    })?;
    client.give_back(&claim).await?;
    store
        .call(move |conn| release_local(conn, outreach, &claim))
        .await
}

/// Takes back `operator`'s last outcome on `outreach`. One the server has not heard of yet
/// leaves the outbox and the person is theirs again (the claim is still open); one it has is
/// undone there, and the person goes back to the pool (queued here). Either way the send no
/// longer counts against this desktop's pacing.
pub async fn undo(
    store: &StoreHandle,
    client: &ServerClient,
    outreach: i64,
    operator: &str,
) -> CoreResult<()> {
    let (operator, name) = (operator.to_owned(), operator.to_owned());
    let (claim, unsent) = store
        .call(move |conn| {
            let claim: Option<String> = conn
                .query_row(
                    "SELECT outcome_claim FROM outreach WHERE id = ?1",
                    [outreach],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| CoreError::NotFound(format!("no outreach #{outreach}")))?;
            let claim = claim.ok_or_else(|| CoreError::NotFound("nothing to undo".into()))?;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let unsent = tx.execute(
                "DELETE FROM team_outbox WHERE claim_id = ?1 AND state = 'pending'",
                [&claim],
            )? > 0;
            if unsent {
                undo_local(&tx, outreach, &claim, &operator, true, clock::now_ms())?;
            }
            tx.commit()?;
            Ok((claim, unsent))
        })
        .await?;
    if unsent {
        return Ok(());
    }
    client.undo_outcome(&claim).await?;
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            undo_local(&tx, outreach, &claim, &name, false, clock::now_ms())?;
            tx.commit()?;
            Ok(())
        })
        .await
}

/// The local half of an undo: the item is in progress under `claim` again (`still_held`) or
/// queued, and the audit row of the outcome is marked undone.
fn undo_local(
    conn: &Connection,
    outreach: i64,
    claim: &str,
    operator: &str,
    still_held: bool,
    now: i64,
) -> CoreResult<()> {
    let from: String = conn.query_row(
        "SELECT state FROM outreach WHERE id = ?1",
        [outreach],
        |r| r.get(0),
    )?;
    let back = if still_held { "in_progress" } else { "queued" };
    conn.execute(
        "UPDATE outreach SET state = ?3, cant_dm_reason = NULL, snoozed_until = NULL,
                sent_at = NULL, sent_by = NULL, outcome_claim = NULL,
                claim_id = CASE WHEN ?4 THEN ?2 END,
                claim_operator = CASE WHEN ?4 THEN ?5 END,
                claimed_by = CASE WHEN ?4 THEN ?5 END,
                claimed_at = CASE WHEN ?4 THEN claimed_at END, updated_at = ?6
         WHERE id = ?1 AND outcome_claim = ?2",
        params![outreach, claim, back, still_held, operator, now],
    )?;
    let audit: Option<i64> = conn
        .query_row(
            "SELECT id FROM audit_log WHERE outreach_id = ?1 AND json_extract(detail, '$.claim') = ?2
               AND to_state IN ('sent', 'skipped', 'cant_dm', 'snoozed')
               AND json_extract(detail, '$.undone') IS NULL
             ORDER BY id DESC LIMIT 1",
            params![outreach, claim],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(audit) = audit {
        conn.execute(
            "UPDATE audit_log SET detail = json_set(detail, '$.undone', json('true')) WHERE id = ?1",
            [audit],
        )?;
        conn.execute(
            "INSERT INTO audit_log (at, actor, outreach_id, from_state, to_state, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                now,
                operator,
                outreach,
                from,
                back,
                serde_json::json!({ "undo_of": audit, "claim": claim }).to_string()
            ],
        )?;
    }
    Ok(())
}

/// Keeps `campaign` as the server has it, unless what is kept is newer.
pub(crate) fn remember_server_campaign(
    conn: &Connection,
    campaign: &ServerCampaign,
) -> CoreResult<()> {
    conn.execute(
        "UPDATE campaigns SET server_version = ?2, server_campaign = ?3
         WHERE slug = ?1 AND coalesce(server_version, 0) <= ?2",
        params![
            campaign.slug,
            campaign.version,
            serde_json::to_string(campaign).map_err(anyhow::Error::from)?
        ],
    )?;
    Ok(())
}

/// The most the server keeps of a desktop's own settings of a campaign.
const MAX_DESKTOP_JSON: usize = 64 * 1024;

/// What the editor would save for `c`, as it stands.
fn input_of(c: crate::campaigns::Campaign) -> CampaignInput {
    CampaignInput {
        name: c.name,
        template: c.template,
        landing_title: c.landing_title,
        prompt: c.prompt,
        max_duration_s: c.max_duration_s,
        link_expiry_days: c.link_expiry_days,
        dm_url_with_id: c.dm_url_with_id,
        dm_url_without_id: c.dm_url_without_id,
        pacing: c.pacing,
        language: c.language,
        public_page: c.public_page,
        strings: c.strings,
        organisation: c.organisation,
        followups: c.followups,
        followups_first: c.followups_first,
        hold_days: c.hold_days,
        lease_s: c.lease_s,
    }
}

/// What the editor opens for campaign `id`: its settings as they stand.
pub fn editor_input(conn: &Connection, id: i64) -> CoreResult<CampaignInput> {
    Ok(input_of(crate::campaigns::get(conn, id)?))
}

/// The local id of campaign `slug`.
fn campaign_id(conn: &Connection, slug: &str) -> CoreResult<Option<i64>> {
    Ok(conn
        .query_row("SELECT id FROM campaigns WHERE slug = ?1", [slug], |r| {
            r.get(0)
        })
        .optional()?)
}

/// This desktop's editor settings of campaign `slug` (what another desktop makes the campaign
/// from: its message, DM addresses, follow-ups…), when they fit what the server keeps.
fn desktop_settings(conn: &Connection, slug: &str) -> CoreResult<Option<serde_json::Value>> {
    let Some(id) = campaign_id(conn, slug)? else {
        return Ok(None);
    };
    // Settings this build cannot read (a damaged row) send none: the push still goes.
    let c = match crate::campaigns::get(conn, id) {
        Ok(c) => c,
        Err(err) => {
            tracing::warn!(slug, error = %err, "the campaign's settings go without the editor's");
            return Ok(None);
        }
    };
    let value = serde_json::to_value(input_of(c)).map_err(anyhow::Error::from)?;
    Ok((value.to_string().len() < MAX_DESKTOP_JSON).then_some(value))
}

/// The editor's settings of a campaign as another desktop saved it on the server: its
/// desktop definition (or, when it sent none, `mine`) under the server's landing fields,
/// pacing and team settings (hold, lease), which are the campaign's whoever saved them.
fn input_from_server(theirs: &ServerCampaign, mine: &CampaignInput) -> CampaignInput {
    let mut input = theirs
        .desktop
        .as_ref()
        .filter(|d| d.is_object())
        .and_then(|d| serde_json::from_value::<CampaignInput>(d.clone()).ok())
        .unwrap_or_else(|| mine.clone());
    let title = if input.landing_title.trim().is_empty() {
        input.name.trim()
    } else {
        input.landing_title.trim()
    };
    if title != theirs.title {
        input.landing_title = theirs.title.clone();
    }
    input.prompt = theirs.prompt.clone();
    input.max_duration_s = theirs.max_duration_s;
    input.public_page = theirs.public_page;
    input.language = theirs.language.clone();
    input.strings = theirs.strings.clone();
    input.organisation = theirs.organisation.clone();
    // Within what the editor takes (the server allows more).
    input.pacing = Pacing {
        daily_cap: theirs.daily_cap.clamp(1, 1000),
        min_spacing_s: theirs.spacing_s.min(3600),
    };
    input.hold_days = theirs.hold_days.min(crate::campaigns::MAX_HOLD_DAYS);
    input.lease_s = theirs.lease_s.clamp(
        *crate::campaigns::LEASE_S.start(),
        *crate::campaigns::LEASE_S.end(),
    );
    input
}

/// Whether campaign `id` was edited here since the server last had it (or ever, when it
/// never had it from this desktop).
fn edited_here(conn: &Connection, id: i64) -> CoreResult<bool> {
    Ok(conn.query_row(
        "SELECT revision > coalesce(server_revision, 0) FROM campaigns WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

/// A colleague's version of campaign `id` becomes this desktop's: the editor's settings are
/// theirs, and nothing is left to send back.
fn adopt(conn: &Connection, id: i64, theirs: &ServerCampaign) -> CoreResult<()> {
    let mine = input_of(crate::campaigns::get(conn, id)?);
    crate::campaigns::update(conn, id, &input_from_server(theirs, &mine))?;
    conn.execute(
        "UPDATE campaigns SET server_version = ?2, server_campaign = ?3, server_revision = revision,
                pushed_revision = revision, server_conflict = NULL
         WHERE id = ?1",
        params![
            id,
            theirs.version,
            serde_json::to_string(theirs).map_err(anyhow::Error::from)?
        ],
    )?;
    Ok(())
}

/// A colleague's version of campaign `id` clashed with an edit made here: kept beside it,
/// nothing overwritten, until the operator picks ([`keep_mine`], [`take_theirs`]).
fn clash(conn: &Connection, id: i64, theirs: &ServerCampaign) -> CoreResult<()> {
    tracing::info!(
        slug = theirs.slug,
        version = theirs.version,
        "a colleague's edit of the campaign clashes with this desktop's"
    );
    conn.execute(
        "UPDATE campaigns SET server_conflict = ?2 WHERE id = ?1",
        params![
            id,
            serde_json::to_string(theirs).map_err(anyhow::Error::from)?
        ],
    )?;
    Ok(())
}

/// A colleague's version of the campaign, arrived while this desktop had an edit of its own:
/// applied when there is none, else kept as the clash. In a savepoint: settings this build
/// refuses change nothing.
fn receive(conn: &Connection, id: i64, theirs: &ServerCampaign) -> CoreResult<()> {
    // The same edit made on both desktops is no clash.
    let same = editor_input(conn, id)
        .ok()
        .is_some_and(|mine| input_from_server(theirs, &mine) == mine);
    if !same && edited_here(conn, id)? {
        return clash(conn, id, theirs);
    }
    conn.execute_batch("SAVEPOINT campaign_from_colleague")?;
    match adopt(conn, id, theirs) {
        Ok(()) => conn.execute_batch("RELEASE campaign_from_colleague")?,
        Err(err) => {
            conn.execute_batch(
                "ROLLBACK TO campaign_from_colleague; RELEASE campaign_from_colleague",
            )?;
            tracing::warn!(slug = theirs.slug, error = %err, "a colleague's campaign edit cannot be applied here");
        }
    }
    Ok(())
}

/// A campaign edited on this desktop and on a colleague's from the same version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CampaignClash {
    pub campaign_id: i64,
    /// What this desktop has (and the server does not).
    pub mine: CampaignInput,
    /// What the server has, saved by `their_editor`.
    pub theirs: CampaignInput,
    pub their_version: i64,
    pub their_editor: Option<String>,
}

fn stored_clash(conn: &Connection, id: i64) -> CoreResult<Option<ServerCampaign>> {
    let json: Option<String> = conn
        .query_row(
            "SELECT server_conflict FROM campaigns WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound(format!("no campaign #{id}")))?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

/// The clash of campaign `id`, if a colleague's edit is waiting beside this desktop's.
pub fn conflict(conn: &Connection, id: i64) -> CoreResult<Option<CampaignClash>> {
    let Some(theirs) = stored_clash(conn, id)? else {
        return Ok(None);
    };
    let mine = input_of(crate::campaigns::get(conn, id)?);
    Ok(Some(CampaignClash {
        campaign_id: id,
        theirs: input_from_server(&theirs, &mine),
        mine,
        their_version: theirs.version,
        their_editor: theirs.updated_by,
    }))
}

/// Resolves the clash of campaign `id` with the colleague's version: it becomes this
/// desktop's, and this desktop's edit is dropped.
pub fn take_theirs(conn: &mut Connection, id: i64) -> CoreResult<crate::campaigns::Campaign> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let theirs = stored_clash(&tx, id)?.ok_or_else(|| {
        CoreError::Conflict(format!("campaign #{id} has no colleague's edit to take"))
    })?;
    adopt(&tx, id, &theirs)?;
    tx.commit()?;
    crate::campaigns::get(conn, id)
}

/// Resolves the clash of campaign `id` with this desktop's version: saved on the server over
/// the colleague's (the save names their version). A server away gets it at the next sync.
pub async fn keep_mine(store: &StoreHandle, client: &ServerClient, id: i64) -> CoreResult<()> {
    let (slug, revision, body) = store
        .call(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let theirs = stored_clash(&tx, id)?.ok_or_else(|| {
                CoreError::Conflict(format!("campaign #{id} has no colleague's edit to answer"))
            })?;
            tx.execute(
                "UPDATE campaigns SET server_version = ?2, server_campaign = ?3,
                        server_conflict = NULL, pushed_revision = 0
                 WHERE id = ?1",
                params![
                    id,
                    theirs.version,
                    serde_json::to_string(&theirs).map_err(anyhow::Error::from)?
                ],
            )?;
            let slug = crate::campaigns::get(&tx, id)?.slug;
            let (revision, body) = crate::campaigns::upsert_of(&tx, &slug)?;
            tx.commit()?;
            Ok((slug, revision, body))
        })
        .await?;
    push_campaign(store, client, &slug, revision, body).await?;
    store
        .call(move |conn| crate::campaigns::mark_pushed(conn, &slug, revision))
        .await
}

/// A campaign's settings the whole team works under, as edited here.
#[derive(Debug, Clone, Copy)]
struct TeamSettings {
    pacing: Pacing,
    hold_days: u32,
    lease_s: u32,
}

/// What a save from here sends: the campaign's pacing, hold and lease as edited here, and the
/// editor's settings.
fn prepare_push(body: &mut CampaignUpsert, team: TeamSettings, own: Option<serde_json::Value>) {
    body.daily_cap = team.pacing.daily_cap;
    body.spacing_s = team.pacing.min_spacing_s;
    body.hold_days = team.hold_days;
    body.lease_s = team.lease_s;
    body.desktop = own;
}

/// Saves this desktop's campaign `slug` (as of local `revision`) on the server, the sync's
/// push. The save names the version this desktop last had (compare-and-set; 0 = create only).
/// A 409 overwrites nothing: with no edit here the colleague's version is applied here, else
/// it is kept as the clash ([`conflict`]). The one exception is a campaign this desktop never
/// heard of that no desktop described (made before team mode, or through the API): this
/// desktop's settings go over it.
pub async fn push_campaign(
    store: &StoreHandle,
    client: &ServerClient,
    slug: &str,
    revision: i64,
    mut body: CampaignUpsert,
) -> CoreResult<()> {
    use crate::client::CampaignSaved;
    let wanted = slug.to_owned();
    let (id, version, own, settings) = store
        .call(move |conn| {
            let id = campaign_id(conn, &wanted)?
                .ok_or_else(|| CoreError::NotFound(format!("no campaign /{wanted}")))?;
            // Read as stored: a campaign whose template this build cannot read still goes.
            let (deleted, version, settings): (bool, Option<i64>, TeamSettings) = conn.query_row(
                "SELECT deleted_at IS NOT NULL, server_version, daily_cap, min_spacing_s,
                        hold_days, lease_s
                 FROM campaigns WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        TeamSettings {
                            pacing: Pacing {
                                daily_cap: r.get(2)?,
                                min_spacing_s: r.get(3)?,
                            },
                            hold_days: r.get(4)?,
                            lease_s: r.get(5)?,
                        },
                    ))
                },
            )?;
            // Pushing a campaign an admin deleted would bring it back on the server.
            if deleted {
                return Err(CoreError::NotFound(format!(
                    "campaign /{wanted} was deleted on the server; it is not sent again"
                )));
            }
            Ok((id, version, desktop_settings(conn, &wanted)?, settings))
        })
        .await?;
    prepare_push(&mut body, settings, own.clone());
    body.version = Some(version.unwrap_or(0));
    let mut answer = client.save_campaign(slug, &body).await?;
    if let CampaignSaved::Conflict(conflict) = &answer
        && version.is_none()
        && conflict.current.desktop.is_none()
    {
        prepare_push(&mut body, settings, own);
        body.version = Some(conflict.current.version);
        answer = client.save_campaign(slug, &body).await?;
    }
    store
        .call(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            match answer {
                CampaignSaved::Saved(saved) => {
                    remember_server_campaign(&tx, &saved)?;
                    tx.execute(
                        "UPDATE campaigns SET server_conflict = NULL,
                                server_revision = max(coalesce(server_revision, 0), ?2)
                         WHERE id = ?1 AND server_version = ?3",
                        params![id, revision, saved.version],
                    )?;
                }
                CampaignSaved::Conflict(conflict) => receive(&tx, id, &conflict.current)?,
            }
            tx.commit()?;
            Ok(())
        })
        .await
}

/// Applies a team-mode feed event (and `link_created`, which in team mode brings colleagues'
/// people) inside [`crate::sync::apply_page`]'s transaction. Every update is idempotent, and
/// none writes the audit log: a colleague's sends never count against this desktop's pacing.
pub(crate) fn apply_event(conn: &Connection, event: &Event, at: i64) -> CoreResult<()> {
    use clipdesk_protocol::api::EventKind;
    let link = event.link.as_deref();
    let detail = &event.detail;
    let claim = detail["claim"].as_str();
    let operator = detail["operator"].as_str();
    match event.kind {
        EventKind::LinkCreated => link_created(conn, event, at)?,
        EventKind::CampaignUpdated => campaign_updated(conn, event)?,
        EventKind::ClaimCreated => {
            conn.execute(
                "UPDATE outreach SET claim_id = ?2, claim_operator = ?3, claim_expires_at = ?4
                 WHERE link_token = ?1",
                params![
                    link,
                    claim,
                    operator,
                    detail["lease_expires_at"]
                        .as_str()
                        .and_then(clock::parse_rfc3339)
                ],
            )?;
        }
        EventKind::ClaimReleased => {
            let id: Option<i64> = conn
                .query_row(
                    "SELECT id FROM outreach WHERE link_token = ?1",
                    [link],
                    |r| r.get(0),
                )
                .optional()?;
            if let (Some(id), Some(claim)) = (id, claim) {
                release_local(conn, id, claim)?;
            }
        }
        EventKind::OutcomeSet => {
            let outcome = detail["outcome"].as_str().unwrap_or_default();
            let state = match outcome {
                "sent" => "sent",
                "skipped" => "skipped",
                "cant_dm" => "cant_dm",
                "later" => "snoozed",
                _ => return Ok(()),
            };
            let reason = (outcome == "cant_dm").then(|| {
                detail["reason"]
                    .as_str()
                    .and_then(|r| CantDmReason::parse(r).ok())
                    .unwrap_or(CantDmReason::Other)
                    .as_str()
            });
            let until = detail["until"].as_str().and_then(clock::parse_rfc3339);
            let when = detail["at"]
                .as_str()
                .and_then(clock::parse_rfc3339)
                .unwrap_or(at);
            conn.execute(
                "UPDATE outreach SET state = ?2, cant_dm_reason = ?3, snoozed_until = ?4,
                        sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END,
                        sent_by = ?6, outcome_claim = ?7,
                        claimed_by = coalesce(claimed_by, ?6),
                        claim_id = NULL, claim_operator = NULL, claim_expires_at = NULL,
                        updated_at = ?8
                 WHERE link_token = ?1",
                params![link, state, reason, until, when, operator, claim, at],
            )?;
        }
        EventKind::OutcomeUndone => {
            conn.execute(
                "UPDATE outreach SET state = 'queued', cant_dm_reason = NULL, snoozed_until = NULL,
                        sent_at = NULL, sent_by = NULL, outcome_claim = NULL,
                        claimed_by = NULL, claimed_at = NULL, updated_at = ?3
                 WHERE link_token = ?1 AND outcome_claim = ?2",
                params![link, claim, at],
            )?;
        }
        EventKind::CampaignDeleted => {
            // Gone from the lists, kept as history; its claims went with it on the server, and
            // its local outcomes have no campaign there to be pushed to.
            conn.execute(
                "UPDATE campaigns SET deleted_at = coalesce(deleted_at, ?2) WHERE slug = ?1",
                params![event.campaign, at],
            )?;
            conn.execute(
                "UPDATE outreach SET claim_id = NULL, claim_operator = NULL,
                        claim_expires_at = NULL, history_pushed_at = coalesce(history_pushed_at, ?2)
                 WHERE campaign_id IN (SELECT id FROM campaigns WHERE slug = ?1)",
                params![event.campaign, at],
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// A link another desktop made (shared audience): its person joins this campaign here too,
/// once. Links visitors typed on a public page, and campaigns this desktop does not have,
/// are left alone.
fn link_created(conn: &Connection, event: &Event, at: i64) -> CoreResult<()> {
    let detail = &event.detail;
    if detail["self_reported"].as_bool() == Some(true) {
        return Ok(());
    }
    let (Some(slug), Some(token), Some(handle)) = (
        event.campaign.as_deref(),
        event.link.as_deref(),
        event.handle.as_deref(),
    ) else {
        return Ok(());
    };
    let campaign: Option<i64> = conn
        .query_row("SELECT id FROM campaigns WHERE slug = ?1", [slug], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(campaign) = campaign else {
        return Ok(());
    };
    let tags: Vec<String> = detail["tags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let base = link_base(conn, None)?;
    outreach_for_link(
        conn,
        campaign,
        token,
        handle,
        detail["user_id"].as_str(),
        detail["display_name"].as_str(),
        &tags,
        base.as_deref(),
        at,
    )?;
    Ok(())
}

/// A campaign saved on the server (by any desktop): its version is kept; one this desktop
/// does not have is made from the editor's settings the saving desktop sent (`desktop`).
fn campaign_updated(conn: &Connection, event: &Event) -> CoreResult<()> {
    let detail = &event.detail;
    let Some(slug) = detail["slug"].as_str().or(event.campaign.as_deref()) else {
        return Ok(());
    };
    let version = detail["version"].as_i64().unwrap_or(0);
    let known = campaign_id(conn, slug)?;
    if let Some(id) = known {
        let Ok(theirs) = serde_json::from_value::<ServerCampaign>(detail.clone()) else {
            conn.execute(
                "UPDATE campaigns SET server_version = max(coalesce(server_version, 0), ?2)
                 WHERE slug = ?1",
                params![slug, version],
            )?;
            return Ok(());
        };
        let mine: Option<i64> = conn.query_row(
            "SELECT server_version FROM campaigns WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        match mine {
            // This desktop's own save coming back, or an older one.
            Some(mine) if theirs.version <= mine => {}
            // A campaign no desktop described: this desktop's settings go over it.
            None if theirs.desktop.is_none() => remember_server_campaign(conn, &theirs)?,
            _ => receive(conn, id, &theirs)?,
        }
        return Ok(());
    }
    let Some(input) = detail
        .get("desktop")
        .filter(|d| d.is_object())
        .and_then(|d| serde_json::from_value::<CampaignInput>(d.clone()).ok())
    else {
        return Ok(());
    };
    // All or nothing: a campaign whose settings this build refuses is not made half way.
    conn.execute_batch("SAVEPOINT campaign_from_server")?;
    let made = (|| -> CoreResult<()> {
        let now = clock::now_ms();
        conn.execute(
            "INSERT INTO campaigns (slug, name, template, dm_url_with_id, dm_url_without_id,
                                    created_at, updated_at)
             VALUES (?1, ?1, '{}', '', '', ?2, ?2)",
            params![slug, now],
        )?;
        let id = conn.last_insert_rowid();
        crate::campaigns::update(conn, id, &input)?;
        // The server has it already: nothing to send back.
        conn.execute(
            "UPDATE campaigns SET server_version = ?2, server_campaign = ?3,
                    pushed_revision = revision, server_revision = revision
             WHERE id = ?1",
            params![id, version, detail.to_string()],
        )?;
        Ok(())
    })();
    match made {
        Ok(()) => conn.execute_batch("RELEASE campaign_from_server")?,
        Err(err) => {
            tracing::warn!(slug, error = %err, "a campaign from the server cannot be made here");
            conn.execute_batch("ROLLBACK TO campaign_from_server; RELEASE campaign_from_server")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::{CampaignInput, create};
    use crate::store::open_in_memory;
    use crate::templates::{Part, Template};
    use clipdesk_protocol::api::{EventKind, EventsPage};

    fn event(seq: i64, kind: EventKind, link: &str, detail: serde_json::Value) -> Event {
        Event {
            seq,
            kind,
            at: "2026-11-25T10:00:00Z".into(),
            campaign: Some("spring".into()),
            handle: Some("maya".into()),
            link: Some(link.into()),
            upload_id: None,
            video_id: None,
            detail,
        }
    }

    fn apply(conn: &mut Connection, events: Vec<Event>) {
        let next_after = events.last().map_or(0, |e| e.seq);
        crate::sync::apply_page(
            conn,
            &EventsPage {
                events,
                next_after,
                more: false,
            },
        )
        .unwrap();
    }

    fn spring() -> CampaignInput {
        CampaignInput::new(
            "Spring",
            Template {
                parts: vec![Part::text(["Hi {{handle}}: {{link}}"])],
            },
        )
    }

    fn item(conn: &Connection) -> (String, Option<String>, Option<String>, String) {
        conn.query_row(
            "SELECT o.state, o.sent_by, o.claim_operator, k.tags
             FROM outreach o JOIN contacts k ON k.id = o.contact_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
    }

    #[test]
    fn a_colleagues_person_joins_once_and_their_outcome_never_counts_against_my_pacing() {
        let mut conn = open_in_memory().unwrap();
        create(&mut conn, &spring()).unwrap();
        let created = serde_json::json!({
            "user_id": "7277", "display_name": "Maya Lopez", "issued_by": "ben",
            "self_reported": false, "tags": ["bakers"],
        });
        apply(
            &mut conn,
            vec![
                event(1, EventKind::LinkCreated, "tok", created.clone()),
                event(2, EventKind::LinkCreated, "tok", created),
                event(
                    3,
                    EventKind::LinkCreated,
                    "visitor",
                    serde_json::json!({"self_reported": true}),
                ),
            ],
        );
        assert_eq!(
            item(&conn),
            ("queued".into(), None, None, r#"["bakers"]"#.into()),
            "one item, tags kept; the visitor's link adds nobody"
        );
        let claimed = serde_json::json!({"claim": "c1", "operator": "ben",
            "lease_expires_at": "2026-11-25T10:15:00Z"});
        let sent = serde_json::json!({"claim": "c1", "operator": "ben", "outcome": "sent",
            "reason": null, "until": null, "at": "2026-11-25T10:01:00Z"});
        apply(
            &mut conn,
            vec![event(4, EventKind::ClaimCreated, "tok", claimed)],
        );
        assert_eq!(item(&conn).2.as_deref(), Some("ben"), "ben holds her");
        // The same outcome twice (a second page, a replay) is still one send.
        apply(
            &mut conn,
            vec![
                event(5, EventKind::OutcomeSet, "tok", sent.clone()),
                event(6, EventKind::OutcomeSet, "tok", sent),
            ],
        );
        assert_eq!(
            item(&conn),
            (
                "sent".into(),
                Some("ben".into()),
                None,
                r#"["bakers"]"#.into()
            )
        );
        let now = clock::parse_rfc3339("2026-11-25T11:00:00Z").unwrap();
        assert!(
            queue::recent_sends(&conn, now).unwrap().is_empty(),
            "ben's send is his pacing, not this desktop's"
        );
        let campaign = crate::campaigns::list(&conn).unwrap()[0].id;
        assert_eq!(
            queue::overview_at(&conn, campaign, "ana", now)
                .unwrap()
                .next,
            None,
            "someone a colleague sent never comes up here"
        );
        // An undo of another claim changes nothing; of this one, she is queued again.
        let undone =
            |claim: &str| serde_json::json!({"claim": claim, "operator": "ben", "outcome": "sent"});
        apply(
            &mut conn,
            vec![event(7, EventKind::OutcomeUndone, "tok", undone("old"))],
        );
        assert_eq!(item(&conn).0, "sent");
        apply(
            &mut conn,
            vec![event(8, EventKind::OutcomeUndone, "tok", undone("c1"))],
        );
        assert_eq!(
            item(&conn),
            ("queued".into(), None, None, r#"["bakers"]"#.into())
        );
    }

    #[test]
    fn a_campaign_saved_on_another_desktop_is_made_here_with_its_version() {
        let mut conn = open_in_memory().unwrap();
        let desktop = serde_json::to_value(spring()).unwrap();
        let updated = |version: i64, desktop: serde_json::Value| {
            serde_json::json!({"slug": "spring", "title": "Spring", "version": version,
                "desktop": desktop})
        };
        apply(
            &mut conn,
            vec![event(
                1,
                EventKind::CampaignUpdated,
                "",
                updated(1, serde_json::Value::Null),
            )],
        );
        assert!(
            crate::campaigns::list(&conn).unwrap().is_empty(),
            "without the editor's settings there is nothing to make"
        );
        apply(
            &mut conn,
            vec![
                event(
                    2,
                    EventKind::CampaignUpdated,
                    "",
                    updated(2, desktop.clone()),
                ),
                event(3, EventKind::CampaignUpdated, "", updated(3, desktop)),
            ],
        );
        let made = crate::campaigns::list(&conn).unwrap();
        assert_eq!(made.len(), 1, "made once");
        assert_eq!(
            (made[0].slug.as_str(), made[0].name.as_str()),
            ("spring", "Spring")
        );
        let (version, unpushed): (i64, Vec<String>) = (
            conn.query_row("SELECT server_version FROM campaigns", [], |r| r.get(0))
                .unwrap(),
            crate::campaigns::unpushed(&conn).unwrap(),
        );
        assert_eq!(version, 3);
        assert!(
            unpushed.is_empty(),
            "the server has it: nothing to send back"
        );

        let mut broken = serde_json::to_value(spring()).unwrap();
        broken["name"] = serde_json::json!("   ");
        let mut other = event(4, EventKind::CampaignUpdated, "", updated(1, broken));
        other.detail["slug"] = serde_json::json!("autumn");
        apply(&mut conn, vec![other]);
        assert_eq!(
            crate::campaigns::list(&conn).unwrap().len(),
            1,
            "settings this desktop refuses make nothing half way"
        );
    }

    #[test]
    fn the_message_carries_the_link_the_claim_names_not_a_guess() {
        let mut conn = open_in_memory().unwrap();
        let campaign = create(&mut conn, &spring()).unwrap().id;
        let claim = Claim {
            id: "c1".into(),
            token: "tok".into(),
            url: "https://clips.example.org/r/tok".into(),
            handle: "maya".into(),
            user_id: None,
            display_name: None,
            lease_expires_at: "2026-11-25T10:15:00Z".into(),
            campaign: "spring".into(),
            operator: "ana".into(),
            tags: Vec::new(),
            held: None,
        };
        let now = clock::parse_rfc3339("2026-11-25T10:00:00Z").unwrap();
        let started = take_claim_at(
            &mut conn,
            campaign,
            &claim,
            "ana",
            Some("http://10.0.0.5:8080"),
            now,
        )
        .unwrap();
        assert_eq!(started.link_url, "https://clips.example.org/r/tok");
        assert_eq!(
            started.parts[0].text,
            "Hi maya: https://clips.example.org/r/tok"
        );
    }

    /// (server_version, first wording, daily cap, clash kept) of the one campaign.
    fn spring_here(conn: &Connection) -> (Option<i64>, String, u32, bool) {
        let c = &crate::campaigns::list(conn).unwrap()[0];
        let (version, clash): (Option<i64>, bool) = conn
            .query_row(
                "SELECT server_version, server_conflict IS NOT NULL FROM campaigns",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        (
            version,
            c.template.parts[0].variants[0].clone(),
            c.pacing.daily_cap,
            clash,
        )
    }

    #[test]
    fn a_colleagues_newer_version_is_applied_unless_edited_here_and_my_own_changes_nothing() {
        let mut conn = open_in_memory().unwrap();
        let desktop = |words: &str, cap: u32| {
            let mut input = spring();
            input.template.parts[0].variants = vec![words.into()];
            input.pacing.daily_cap = cap;
            serde_json::to_value(input).unwrap()
        };
        let updated = |seq: i64, version: i64, words: &str, cap: u32| {
            let campaign = serde_json::json!({
                "slug": "spring", "title": "Spring", "prompt": "", "max_duration_s": 60,
                "expires_at": null, "public_page": false, "language": null, "strings": {},
                "organisation": null, "created_at": "2026-11-25T10:00:00Z",
                "updated_at": "2026-11-25T10:00:00Z", "version": version, "updated_by": "ben",
                "daily_cap": cap, "spacing_s": 90, "hold_days": 30, "lease_s": 900,
                "desktop": desktop(words, cap),
            });
            event(seq, EventKind::CampaignUpdated, "", campaign)
        };
        apply(&mut conn, vec![updated(1, 2, "Hi {{link}}", 50)]);
        assert_eq!(
            spring_here(&conn),
            (Some(2), "Hi {{link}}".into(), 50, false)
        );
        // Version 2 again (this desktop's own save coming back) changes nothing.
        apply(&mut conn, vec![updated(2, 2, "Other {{link}}", 9)]);
        assert_eq!(
            spring_here(&conn),
            (Some(2), "Hi {{link}}".into(), 50, false)
        );
        // A colleague's version 3, nothing edited here: applied, nothing to send back.
        apply(&mut conn, vec![updated(3, 3, "Ben's {{link}}", 20)]);
        assert_eq!(
            spring_here(&conn),
            (Some(3), "Ben's {{link}}".into(), 20, false)
        );
        assert!(crate::campaigns::unpushed(&conn).unwrap().is_empty());
        // Edited here, then version 4: both kept, nothing overwritten, the base stays 3.
        let id = crate::campaigns::list(&conn).unwrap()[0].id;
        let mut mine = editor_input(&conn, id).unwrap();
        mine.template.parts[0].variants = vec!["Ana's {{link}}".into()];
        crate::campaigns::update(&conn, id, &mine).unwrap();
        apply(&mut conn, vec![updated(4, 4, "Ben again {{link}}", 30)]);
        assert_eq!(
            spring_here(&conn),
            (Some(3), "Ana's {{link}}".into(), 20, true)
        );
        let clash = conflict(&conn, id).unwrap().unwrap();
        assert_eq!(
            clash.theirs.template.parts[0].variants[0],
            "Ben again {{link}}"
        );
        assert_eq!(
            (clash.their_version, clash.theirs.pacing.daily_cap),
            (4, 30)
        );
        take_theirs(&mut conn, id).unwrap();
        assert_eq!(
            spring_here(&conn),
            (Some(4), "Ben again {{link}}".into(), 30, false)
        );
        assert!(crate::campaigns::unpushed(&conn).unwrap().is_empty());
        // The same edit made here and there: no clash.
        let mut same = editor_input(&conn, id).unwrap();
        same.template.parts[0].variants = vec!["Both {{link}}".into()];
        crate::campaigns::update(&conn, id, &same).unwrap();
        apply(&mut conn, vec![updated(5, 5, "Both {{link}}", 30)]);
        assert_eq!(
            spring_here(&conn),
            (Some(5), "Both {{link}}".into(), 30, false)
        );
        assert!(crate::campaigns::unpushed(&conn).unwrap().is_empty());
    }
}
