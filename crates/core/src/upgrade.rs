//! The upgrade to team mode. Before it, a desktop kept its outcomes (sent, skipped, can't DM,
//! later) in its own database only, and its server had just the links. On its first sync
//! after the upgrade it pushes them, once, so the server's claims never hand those people out
//! again and its pacing and cross-campaign hold count the old sends.

use clipdesk_protocol::team::{ClaimOutcome, HistoryEntry, HistoryRequest};
use rusqlite::{Connection, OptionalExtension, params};

use crate::client::ServerClient;
use crate::clock;
use crate::error::CoreResult;
use crate::store::StoreHandle;
use crate::sync;

/// The settings key set once this desktop's history is on its server (Unix ms, when).
pub const PUSHED_KEY: &str = "team.history_pushed_at";
/// Entries one request carries (the server's limit).
pub const BATCH: usize = 1000;

/// What [`push_history_once`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryPushed {
    /// Outcomes the server recorded now.
    pub recorded: u32,
    /// Outcomes the server already had (an earlier, interrupted push).
    pub already: u32,
}

/// Pushes every outcome this desktop recorded on its own (not through a server claim) to its
/// server, unless done before. The flag is set only when every entry was accepted: a failure
/// leaves it unset, the next sync round retries, and the server leaves alone what it already
/// has. A store with no such outcome sets the flag at once.
pub async fn push_history_once(
    store: &StoreHandle,
    client: &ServerClient,
) -> CoreResult<HistoryPushed> {
    let mut done = HistoryPushed::default();
    if store.call(pushed).await? {
        return Ok(done);
    }
    if !store.call(any_local_outcome).await? {
        store.call(mark_pushed).await?;
        return Ok(done);
    }
    // The server must know every campaign and link the entries name.
    sync::push_campaigns(store, client).await?;
    sync::register_links(store, client).await?;
    for slug in store.call(campaigns_with_history).await? {
        let mut after = 0;
        loop {
            let wanted = slug.clone();
            let (last, entries) = store
                .call(move |conn| next_batch(conn, &wanted, after))
                .await?;
            if entries.is_empty() {
                break;
            }
            let answer = client
                .push_history(&slug, &HistoryRequest { entries })
                .await?;
            done.recorded += answer.recorded;
            done.already += answer.already;
            after = last;
        }
    }
    store.call(mark_pushed).await?;
    Ok(done)
}

/// [`push_history_once`] as a sync round runs it: a failure is logged and the round goes on
/// (the feed must not stop for it); the next round tries again.
pub async fn push_history_in_round(store: &StoreHandle, client: &ServerClient) {
    if let Err(err) = push_history_once(store, client).await {
        tracing::warn!(error = %err, "cannot push this desktop's history to its server yet");
    }
}

fn pushed(conn: &mut Connection) -> CoreResult<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM settings WHERE key = ?1", [PUSHED_KEY], |r| {
            r.get::<_, i64>(0)
        })
        .optional()?
        .is_some())
}

fn mark_pushed(conn: &mut Connection) -> CoreResult<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![PUSHED_KEY, clock::now_ms().to_string()],
    )?;
    Ok(())
}

/// Outcomes recorded on this desktop alone: team mode's come with the claim they were recorded
/// on (`outcome_claim`) or from the feed (`sent_by`), and the server has those.
const LOCAL: &str = "o.state IN ('sent', 'skipped', 'cant_dm', 'snoozed')
     AND o.outcome_claim IS NULL AND o.sent_by IS NULL";

fn any_local_outcome(conn: &mut Connection) -> CoreResult<bool> {
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

/// The next batch of campaign `slug`'s entries, in outreach id order after `after` (at most
/// [`BATCH`]), with the last id it covers. Rows still without a link are left out (the server
/// cannot know them).
fn next_batch(
    conn: &mut Connection,
    slug: &str,
    after: i64,
) -> CoreResult<(i64, Vec<HistoryEntry>)> {
    let mut stmt = conn.prepare(&format!(
        "SELECT o.id, o.link_token, o.state, o.cant_dm_reason, o.snoozed_until, o.sent_at,
                o.updated_at, o.claimed_by
         FROM outreach o JOIN campaigns c ON c.id = o.campaign_id
         WHERE {LOCAL} AND o.link_token IS NOT NULL AND o.id > ?1 AND c.slug = ?2
         ORDER BY o.id LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![after, slug, BATCH as i64], |r| {
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
    let last = rows.last().map_or(after, |(id, _)| *id);
    Ok((last, rows.into_iter().map(|(_, e)| e).collect()))
}
