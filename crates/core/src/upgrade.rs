//! The upgrade to team mode. Before it, a desktop kept its outcomes (sent, skipped, can't DM,
//! later) in its own database only, and its server had just the links. Every sync round pushes
//! the outcomes recorded on this desktop alone that the server does not have yet (on the first
//! round after the upgrade: all of them; after it, whatever the local queue recorded outside a
//! team claim), each row once, so the server's claims never hand those people out again and
//! its pacing and cross-campaign hold count those sends.

use clipdesk_protocol::team::{ClaimOutcome, HistoryEntry, HistoryRequest};
use rusqlite::{Connection, OptionalExtension, params};

use crate::client::ServerClient;
use crate::clock;
use crate::error::CoreResult;
use crate::store::StoreHandle;
use crate::sync;

/// Entries one request carries (the server's limit).
pub const BATCH: usize = 1000;

/// What [`push_history`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryPushed {
    /// Outcomes the server recorded now.
    pub recorded: u32,
    /// Outcomes the server already had (an earlier push whose answer was lost).
    pub already: u32,
}

/// Pushes every outcome this desktop recorded on its own (not through a server claim) that
/// the server has not taken yet, in batches in id order; each accepted batch is marked
/// (`history_pushed_at`) so it is never sent again. A failure leaves the rest unmarked: the
/// next sync round retries, and the server leaves alone what it already has.
pub async fn push_history(store: &StoreHandle, client: &ServerClient) -> CoreResult<HistoryPushed> {
    let mut done = HistoryPushed::default();
    if !store.call(any_to_push).await? {
        return Ok(done);
    }
    // The server must know every campaign and link the entries name.
    sync::push_campaigns(store, client).await?;
    sync::register_links(store, client).await?;
    for slug in store.call(campaigns_with_history).await? {
        loop {
            let wanted = slug.clone();
            let (ids, entries) = store.call(move |conn| next_batch(conn, &wanted)).await?;
            if entries.is_empty() {
                break;
            }
            let answer = client
                .push_history(&slug, &HistoryRequest { entries })
                .await?;
            done.recorded += answer.recorded;
            done.already += answer.already;
            store.call(move |conn| mark_pushed(conn, &ids)).await?;
        }
    }
    Ok(done)
}

/// [`push_history`] as a sync round runs it: a failure is logged and the round goes on
/// (the feed must not stop for it); the next round tries again.
pub async fn push_history_in_round(store: &StoreHandle, client: &ServerClient) {
    if let Err(err) = push_history(store, client).await {
        tracing::warn!(error = %err, "cannot push this desktop's history to its server yet");
    }
}

fn mark_pushed(conn: &mut Connection, ids: &[i64]) -> CoreResult<()> {
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare("UPDATE outreach SET history_pushed_at = ?2 WHERE id = ?1")?;
        let now = clock::now_ms();
        for id in ids {
            stmt.execute(params![id, now])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Outcomes recorded on this desktop alone and not pushed yet: team mode's come with the claim
/// they were recorded on (`outcome_claim`) or from the feed (`sent_by`), and the server has
/// those. Word for word the condition of the `outreach_history_to_push` index.
const LOCAL: &str = "o.history_pushed_at IS NULL AND o.outcome_claim IS NULL AND o.sent_by IS NULL
     AND o.state IN ('sent', 'skipped', 'cant_dm', 'snoozed')";

fn any_to_push(conn: &mut Connection) -> CoreResult<bool> {
    Ok(conn
        .query_row(
            &format!("SELECT 1 FROM outreach o WHERE {LOCAL} LIMIT 1"),
            [],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .is_some())
}

/// The campaigns with outcomes to push, the one with the oldest first.
fn campaigns_with_history(conn: &mut Connection) -> CoreResult<Vec<String>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT c.slug FROM outreach o JOIN campaigns c ON c.id = o.campaign_id
         WHERE {LOCAL} AND o.link_token IS NOT NULL
         GROUP BY c.slug ORDER BY min(o.id)"
    ))?;
    let slugs = stmt.query_map([], |r| r.get(0))?;
    Ok(slugs.collect::<rusqlite::Result<_>>()?)
}

/// The next batch of campaign `slug`'s entries still to push, in outreach id order (at most
/// [`BATCH`]), with their outreach ids. Rows still without a link are left out (the server
/// cannot know them).
fn next_batch(conn: &mut Connection, slug: &str) -> CoreResult<(Vec<i64>, Vec<HistoryEntry>)> {
    let mut stmt = conn.prepare(&format!(
        "SELECT o.id, o.link_token, o.state, o.cant_dm_reason, o.snoozed_until, o.sent_at,
                o.updated_at, o.claimed_by
         FROM outreach o JOIN campaigns c ON c.id = o.campaign_id
         WHERE {LOCAL} AND o.link_token IS NOT NULL AND c.slug = ?1
         ORDER BY o.id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![slug, BATCH as i64], |r| {
        let (id, token, state): (i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let (reason, until, sent_at, updated_at, operator): (
            Option<String>,
            Option<i64>,
            Option<i64>,
            i64,
            Option<String>,
        ) = (r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?);
        let (outcome, at) = match state.as_str() {
            "sent" => (ClaimOutcome::Sent, sent_at.unwrap_or(updated_at)),
            "skipped" => (ClaimOutcome::Skipped, updated_at),
            "cant_dm" => (ClaimOutcome::CantDm, updated_at),
            _ => (ClaimOutcome::Later, updated_at),
        };
        let entry = HistoryEntry {
            token,
            outcome,
            at: clock::to_rfc3339(at),
            reason: (outcome == ClaimOutcome::CantDm)
                .then_some(reason)
                .flatten(),
            // A snooze without an end is due now.
            until: (outcome == ClaimOutcome::Later).then(|| clock::to_rfc3339(until.unwrap_or(at))),
            operator,
        };
        Ok((id, entry))
    })?;
    let rows: Vec<(i64, HistoryEntry)> = rows.collect::<rusqlite::Result<_>>()?;
    Ok(rows.into_iter().unzip())
}
