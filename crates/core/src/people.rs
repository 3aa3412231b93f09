//! People: what an operator does to one contact outside the queue — edit, delete, remove
//! from a campaign, revoke a link, forget — each kept in the audit log the contact's history
//! shows. Nothing here erases a send: pacing counts sends from the audit log, whose rows
//! outlive the contact and its campaign items.
//!
//! Rules, as an operator would expect them:
//! - A link that was handed out (the item was sent, its page opened or a video came) is what
//!   the person holds: an edit never changes it, and it only stops working when revoked.
//! - Removing from a campaign before the link went out is local and silent; after, it revokes
//!   the link first (the UI asks), and the person is not added to that campaign again.
//! - Forgetting deletes the person on the server (videos, uploads, links) first, then here;
//!   only their handle and user id are kept, so they are never added to a campaign again.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;

use crate::client::ServerClient;
use crate::clock;
use crate::contacts::{self, Contact, ContactInput};
use crate::error::{CoreError, CoreResult};
use crate::queue::{FIRST_SEND_HERE, OutreachState};
use crate::status::{PersonStatus, STATUS_AT_SQL, STATUS_SQL};
use crate::store::StoreHandle;

/// A contact's fields as the edit form sends them: raw text, checked like an import row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ContactEdit {
    pub handle: String,
    pub user_id: String,
    pub display_name: String,
    /// Separated by commas, semicolons or `|`.
    pub tags: String,
    pub notes: String,
}

/// What an edit came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Edited {
    pub contact: Contact,
    /// Links already handed out: they keep working as sent (the server keeps the old handle).
    pub links_kept: u32,
    /// Links never handed out: dropped, and registered again under the new handle.
    pub links_reissued: u32,
}

/// The contact in one campaign, as the Contacts screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CampaignItem {
    pub outreach_id: i64,
    pub campaign_name: String,
    pub state: OutreachState,
    pub link_url: Option<String>,
    /// The link may be in the person's hands: sent, opened, or a video came back.
    pub handed_out: bool,
    pub link_revoked: bool,
    pub videos: u32,
    /// Where they stand in this campaign, and since when (RFC 3339).
    pub status: PersonStatus,
    pub status_at: String,
    /// The colleague who sent them (team mode: the send came through the server's feed, not
    /// from this desktop), and when (RFC 3339).
    pub sent_by_colleague: Option<String>,
    pub sent_at: Option<String>,
}

/// One line of the contact's history, the newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HistoryLine {
    /// RFC 3339.
    pub at: String,
    pub actor: String,
    pub campaign_name: Option<String>,
    /// `edited`, `link_revoked`, `removed_from_campaign`, or a queue state moved to.
    pub action: String,
    pub text: String,
}

/// Everything the Contacts screen shows about one contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Person {
    pub contact: Contact,
    pub campaigns: Vec<CampaignItem>,
    pub history: Vec<HistoryLine>,
    /// Videos of theirs on this desktop.
    pub videos: u32,
    /// Why they will not be added to (some) campaigns, when they will not.
    pub suppressed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Removed {
    pub link_revoked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Deleted {
    pub links_revoked: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Forgotten {
    /// Links forgotten on the server.
    pub links: u32,
    /// Videos deleted on this desktop.
    pub videos: u32,
}

/// Whether an item's link may be in the person's hands.
const HANDED_OUT: &str = "(o.state IN ('in_progress', 'sent') OR o.sent_at IS NOT NULL
     OR o.link_opened_at IS NOT NULL OR o.video_id IS NOT NULL)";

fn audit(
    conn: &Connection,
    actor: &str,
    contact: i64,
    from_state: Option<&str>,
    detail: &Value,
) -> CoreResult<()> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, outreach_id, contact_id, from_state, to_state, detail)
         VALUES (?1, ?2, NULL, ?3, ?4, NULL, ?5)",
        params![
            clock::now_ms(),
            actor,
            contact,
            from_state,
            detail.to_string()
        ],
    )?;
    Ok(())
}

/// Replaces a contact's fields after the import's rules (the bad field is named, nothing
/// changes on error). Links already handed out stay as they are, so what the person was sent
/// keeps working; links never handed out are dropped and registered again by sync under the
/// new handle, user id and name.
pub fn edit(
    conn: &mut Connection,
    id: i64,
    edit: &ContactEdit,
    operator: &str,
) -> CoreResult<Edited> {
    let input = ContactInput::parse(
        &edit.handle,
        &edit.user_id,
        &edit.display_name,
        &edit.tags,
        &edit.notes,
    )?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let before = contacts::get(&tx, id)?;
    if let Some(other) = contacts::find_by_handle(&tx, input.handle.as_str())?
        && other.id != id
    {
        return Err(CoreError::invalid(
            "handle",
            format!("@{} is another contact already", other.handle),
        ));
    }
    if let Some(user_id) = &input.user_id
        && let Some(other) = contacts::find_by_user_id(&tx, user_id)?
        && other.id != id
    {
        return Err(CoreError::invalid(
            "user_id",
            format!("user id {user_id} belongs to @{} already", other.handle),
        ));
    }
    let now = clock::now_ms();
    contacts::update(&tx, id, &input, now)?;
    let after = contacts::get(&tx, id)?;
    let mut changed = Vec::new();
    let (mut from, mut to) = (json!({}), json!({}));
    for (field, old, new) in [
        ("handle", json!(before.handle), json!(after.handle)),
        ("user_id", json!(before.user_id), json!(after.user_id)),
        (
            "display_name",
            json!(before.display_name),
            json!(after.display_name),
        ),
        ("tags", json!(before.tags), json!(after.tags)),
        ("notes", json!(before.notes), json!(after.notes)),
    ] {
        if old != new {
            changed.push(field);
            from[field] = old;
            to[field] = new;
        }
    }
    let identity = changed
        .iter()
        .any(|f| matches!(*f, "handle" | "user_id" | "display_name"));
    let links_reissued = if identity {
        tx.execute(
            "UPDATE outreach SET link_token = NULL, link_url = NULL, updated_at = ?2
             WHERE contact_id = ?1 AND link_token IS NOT NULL AND state = 'queued'
               AND claimed_at IS NULL AND sent_at IS NULL AND link_opened_at IS NULL
               AND video_id IS NULL AND link_revoked_at IS NULL",
            params![id, now],
        )?
    } else {
        0
    };
    let links_kept: u32 = tx.query_row(
        "SELECT count(*) FROM outreach WHERE contact_id = ?1 AND link_token IS NOT NULL",
        [id],
        |r| r.get(0),
    )?;
    if !changed.is_empty() {
        audit(
            &tx,
            operator,
            id,
            None,
            &json!({
                "action": "edited",
                "changed": changed,
                "from": from,
                "to": to,
                "links_kept": links_kept,
                "links_reissued": links_reissued,
            }),
        )?;
    }
    tx.commit()?;
    Ok(Edited {
        contact: after,
        links_kept,
        links_reissued: links_reissued as u32,
    })
}

/// One campaign item, with what the rules need.
struct Item {
    id: i64,
    contact: Contact,
    campaign_id: i64,
    campaign_name: String,
    state: OutreachState,
    link_token: Option<String>,
    handed_out: bool,
    revoked: bool,
}

fn items_where(conn: &Connection, filter: &str, id: i64) -> CoreResult<Vec<Item>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT o.id, o.contact_id, o.campaign_id, c.name, o.state, o.link_token, {HANDED_OUT},
                o.link_revoked_at IS NOT NULL
         FROM outreach o JOIN campaigns c ON c.id = o.campaign_id
         WHERE {filter} = ?1 ORDER BY o.id"
    ))?;
    let rows = stmt.query_map([id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, bool>(6)?,
            r.get::<_, bool>(7)?,
        ))
    })?;
    let mut items = Vec::new();
    for row in rows {
        let (id, contact, campaign_id, campaign_name, state, link_token, handed_out, revoked) =
            row?;
        items.push(Item {
            id,
            contact: contacts::get(conn, contact)?,
            campaign_id,
            campaign_name,
            state: OutreachState::parse(&state)?,
            link_token,
            handed_out,
            revoked,
        });
    }
    Ok(items)
}

fn item(conn: &Connection, outreach: i64) -> CoreResult<Item> {
    items_where(conn, "o.id", outreach)?
        .pop()
        .ok_or_else(|| CoreError::NotFound(format!("no campaign item #{outreach}")))
}

fn not_in_progress(item: &Item) -> CoreResult<()> {
    if item.state == OutreachState::InProgress {
        return Err(CoreError::Conflict(format!(
            "@{} is being messaged in {} right now: mark the outcome in the Queue first",
            item.contact.handle, item.campaign_name
        )));
    }
    Ok(())
}

/// The newest audit row now: lines the feed writes after it are this call's doing.
fn last_audit(conn: &Connection) -> CoreResult<i64> {
    Ok(
        conn.query_row("SELECT coalesce(max(id), 0) FROM audit_log", [], |r| {
            r.get(0)
        })?,
    )
}

/// The feed may apply our own revoke's `link_revoked` before we record it, in the server
/// token's name: that line is this operator's. Returns whether there was one.
fn claim_fed_revoke(
    conn: &Connection,
    item: &Item,
    after: i64,
    operator: &str,
) -> CoreResult<bool> {
    let claimed = conn.execute(
        "UPDATE audit_log SET actor = ?4
         WHERE id > ?1 AND contact_id = ?2 AND to_state IS NULL
           AND detail ->> '$.action' = 'link_revoked' AND detail ->> '$.campaign' = ?3",
        params![after, item.contact.id, item.campaign_name, operator],
    )?;
    Ok(claimed > 0)
}

/// Revokes a link on the server, naming the person when the server does not know it.
async fn revoke_on_server(client: &ServerClient, item: &Item, token: &str) -> CoreResult<()> {
    match client.revoke_link(token).await {
        Err(CoreError::NotFound(_)) => Err(CoreError::NotFound(format!(
            "the server has no link for @{} in {} (was it issued by another server?)",
            item.contact.handle, item.campaign_name
        ))),
        other => other,
    }
}

/// Revokes the link a campaign item handed out: the person's page refuses it from now on.
/// A link never handed out is not revoked (remove the contact from the campaign instead:
/// a revoked link would still be sent).
pub async fn revoke(
    store: &StoreHandle,
    client: &ServerClient,
    outreach: i64,
    operator: &str,
) -> CoreResult<()> {
    let (item, after) = store
        .call(move |conn| Ok((item(conn, outreach)?, last_audit(conn)?)))
        .await?;
    not_in_progress(&item)?;
    let Some(token) = item.link_token.clone() else {
        return Err(CoreError::Conflict(format!(
            "@{} has no link in {} yet",
            item.contact.handle, item.campaign_name
        )));
    };
    if !item.handed_out {
        return Err(CoreError::Conflict(format!(
            "the link for @{} in {} was never sent: remove them from the campaign instead",
            item.contact.handle, item.campaign_name
        )));
    }
    if item.revoked {
        return Ok(());
    }
    revoke_on_server(client, &item, &token).await?;
    let operator = operator.to_owned();
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let now = clock::now_ms();
            tx.execute(
                "UPDATE outreach SET link_revoked_at = coalesce(link_revoked_at, ?2), updated_at = ?2
                 WHERE id = ?1",
                params![item.id, now],
            )?;
            if !claim_fed_revoke(&tx, &item, after, &operator)? {
                audit(
                    &tx,
                    &operator,
                    item.contact.id,
                    Some(item.state.as_str()),
                    &json!({"action": "link_revoked", "campaign": item.campaign_name}),
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
}

/// Takes one item out of the local database: a handed-out one is suppressed for its
/// campaign (the server would hand the revoked link back), and its queue rows keep the
/// campaign's name for the history.
fn remove_item(conn: &Connection, item: &Item, actor: &str, link_revoked: bool) -> CoreResult<()> {
    let now = clock::now_ms();
    if item.handed_out {
        conn.execute(
            "INSERT INTO suppressions (handle, user_id, campaign_id, reason, at)
             VALUES (?1, ?2, ?3, 'removed', ?4)",
            params![
                item.contact.handle,
                item.contact.user_id,
                item.campaign_id,
                now
            ],
        )?;
    }
    conn.execute(
        "UPDATE audit_log SET detail = json_set(detail, '$.campaign', ?2) WHERE outreach_id = ?1",
        params![item.id, item.campaign_name],
    )?;
    conn.execute("DELETE FROM outreach WHERE id = ?1", [item.id])?;
    audit(
        conn,
        actor,
        item.contact.id,
        Some(item.state.as_str()),
        &json!({
            "action": "removed_from_campaign",
            "campaign": item.campaign_name,
            "link_revoked": link_revoked,
        }),
    )
}

/// Removes a contact from a campaign. Before their link went out this is local only (the
/// unused link stays on the server, so adding them again gets it back). After, the link is
/// revoked first — the server must answer, or nothing changes — and they are not added to
/// this campaign again. Their sends stay counted by pacing either way.
pub async fn remove_from_campaign(
    store: &StoreHandle,
    client: &ServerClient,
    outreach: i64,
    operator: &str,
) -> CoreResult<Removed> {
    let (item, after) = store
        .call(move |conn| Ok((item(conn, outreach)?, last_audit(conn)?)))
        .await?;
    not_in_progress(&item)?;
    let revoke = item.handed_out && !item.revoked;
    if revoke && let Some(token) = &item.link_token {
        revoke_on_server(client, &item, token).await?;
    }
    let operator = operator.to_owned();
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            claim_fed_revoke(&tx, &item, after, &operator)?;
            remove_item(&tx, &item, &operator, revoke)?;
            tx.commit()?;
            Ok(Removed {
                link_revoked: revoke,
            })
        })
        .await
}

/// Deletes a contact from this desktop: out of every campaign (links handed out are revoked
/// first, as [`remove_from_campaign`] does), then the contact. Their videos stay in Review
/// (forgetting is what deletes those) and their sends stay counted by pacing.
pub async fn delete(
    store: &StoreHandle,
    client: &ServerClient,
    contact: i64,
    operator: &str,
) -> CoreResult<Deleted> {
    let (person, items) = store
        .call(move |conn| {
            Ok((
                contacts::get(conn, contact)?,
                items_where(conn, "o.contact_id", contact)?,
            ))
        })
        .await?;
    for item in &items {
        not_in_progress(item)?;
    }
    let mut revoked = Vec::new();
    for item in &items {
        if item.handed_out
            && !item.revoked
            && let Some(token) = &item.link_token
        {
            revoke_on_server(client, item, token).await?;
            revoked.push(item.id);
        }
    }
    let operator = operator.to_owned();
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            for item in &items {
                remove_item(&tx, item, &operator, revoked.contains(&item.id))?;
            }
            audit(
                &tx,
                &operator,
                contact,
                None,
                &json!({"action": "deleted", "handle": person.handle, "links_revoked": revoked.len()}),
            )?;
            tx.execute("DELETE FROM contacts WHERE id = ?1", [contact])?;
            tx.commit()?;
            Ok(Deleted {
                links_revoked: revoked.len() as u32,
            })
        })
        .await
}

/// Forgets a person: the server deletes their videos, uploads and links (each link in turn),
/// then this desktop deletes its copy. The server must answer first: when it cannot be
/// reached nothing changes here.
pub async fn forget(
    store: &StoreHandle,
    client: &ServerClient,
    contact: i64,
    operator: &str,
) -> CoreResult<Forgotten> {
    let (person, tokens, videos) = store
        .call(move |conn| {
            let person = contacts::get(conn, contact)?;
            let videos: u32 = conn.query_row(
                "SELECT count(*) FROM videos WHERE link_token IN
                    (SELECT link_token FROM outreach WHERE contact_id = ?1)",
                [contact],
                |r| r.get(0),
            )?;
            let mut stmt = conn.prepare(
                "SELECT link_token FROM outreach WHERE contact_id = ?1 AND link_token IS NOT NULL
                 ORDER BY id",
            )?;
            let tokens = stmt
                .query_map([contact], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((person, tokens, videos))
        })
        .await?;
    for (done, token) in tokens.iter().enumerate() {
        if let Err(err) = client.forget_link(token).await {
            return Err(if done == 0 {
                err
            } else {
                CoreError::Unavailable(format!(
                    "{done} of @{}'s {} links were forgotten on the server before it failed \
                     ({err}); forget again to finish",
                    person.handle,
                    tokens.len()
                ))
            });
        }
    }
    let operator = operator.to_owned();
    let links = tokens.len() as u32;
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let here = tx
                .query_row(
                    "SELECT 1 FROM contacts WHERE id = ?1",
                    [contact],
                    |_| Ok(()),
                )
                .optional()?;
            // The feed's link_forgotten may have been applied already, with the videos.
            let videos = match here {
                Some(()) => forget_here(&tx, contact, &operator, links)?,
                None => videos,
            };
            tx.commit()?;
            Ok(Forgotten { links, videos })
        })
        .await
}

/// Deletes every local trace of a person except what pacing needs: their videos and
/// decisions not yet sent, the contact and its items, and the names and fields in their
/// history; keeps their handle and user id as a suppression. Returns the videos deleted.
fn forget_here(conn: &Connection, contact: i64, actor: &str, links: u32) -> CoreResult<u32> {
    let person = contacts::get(conn, contact)?;
    let theirs = "SELECT link_token FROM outreach WHERE contact_id = ?1 AND link_token IS NOT NULL";
    conn.execute(
        &format!(
            "DELETE FROM review_outbox WHERE video_id IN
                (SELECT id FROM videos WHERE link_token IN ({theirs}))"
        ),
        [contact],
    )?;
    let videos = conn.execute(
        &format!("DELETE FROM videos WHERE link_token IN ({theirs})"),
        [contact],
    )?;
    conn.execute(
        "INSERT INTO suppressions (handle, user_id, campaign_id, reason, at)
         VALUES (?1, ?2, NULL, 'forgotten', ?3)",
        params![person.handle, person.user_id, clock::now_ms()],
    )?;
    conn.execute(
        "UPDATE audit_log SET detail = json_remove(detail, '$.from', '$.to', '$.handle')
         WHERE contact_id = ?1",
        [contact],
    )?;
    audit(
        conn,
        actor,
        contact,
        None,
        &json!({"action": "forgotten", "links": links, "videos": videos}),
    )?;
    conn.execute("DELETE FROM contacts WHERE id = ?1", [contact])?;
    Ok(videos as u32)
}

/// Applies `link_forgotten` from the feed (this desktop's forget, another desktop's, or the
/// server's): the link's videos go, and the person it leads to is forgotten here too.
pub fn forgotten_on_server(conn: &Connection, link: Option<&str>, actor: &str) -> CoreResult<()> {
    conn.execute(
        "DELETE FROM review_outbox WHERE video_id IN (SELECT id FROM videos WHERE link_token = ?1)",
        [link],
    )?;
    conn.execute("DELETE FROM videos WHERE link_token = ?1", [link])?;
    let contact: Option<i64> = conn
        .query_row(
            "SELECT contact_id FROM outreach WHERE link_token = ?1",
            [link],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(contact) = contact {
        forget_here(conn, contact, actor, 1)?;
    }
    Ok(())
}

/// Applies `link_revoked` from the feed: the item shows its link as revoked, and a revoke
/// made elsewhere (another desktop, the server's API) enters the contact's history.
pub fn revoked_on_server(
    conn: &Connection,
    link: Option<&str>,
    at: i64,
    actor: &str,
) -> CoreResult<()> {
    let found: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT o.contact_id, o.state, c.name FROM outreach o JOIN campaigns c ON c.id = o.campaign_id
             WHERE o.link_token = ?1 AND o.link_revoked_at IS NULL",
            [link],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((contact, state, campaign)) = found else {
        return Ok(());
    };
    conn.execute(
        "UPDATE outreach SET link_revoked_at = ?2, updated_at = ?2 WHERE link_token = ?1",
        params![link, at],
    )?;
    audit(
        conn,
        actor,
        contact,
        Some(&state),
        &json!({"action": "link_revoked", "campaign": campaign}),
    )
}

/// The contact, their campaigns and their history, for the Contacts screen.
pub fn person(conn: &Connection, id: i64) -> CoreResult<Person> {
    let contact = contacts::get(conn, id)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT o.id, c.name, o.state, o.link_url, {HANDED_OUT}, o.link_revoked_at IS NOT NULL,
                (SELECT count(*) FROM videos v WHERE v.link_token = o.link_token),
                {STATUS_SQL}, {STATUS_AT_SQL},
                CASE WHEN o.state = 'sent'
                      AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE {FIRST_SEND_HERE})
                THEN o.sent_by END,
                o.sent_at
         FROM outreach o JOIN campaigns c ON c.id = o.campaign_id
         WHERE o.contact_id = ?1 ORDER BY o.id"
    ))?;
    let rows = stmt.query_map([id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, bool>(4)?,
            r.get::<_, bool>(5)?,
            r.get::<_, u32>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, i64>(8)?,
            r.get::<_, Option<String>>(9)?,
            r.get::<_, Option<i64>>(10)?,
        ))
    })?;
    let mut campaigns = Vec::new();
    for row in rows {
        let (
            outreach_id,
            campaign_name,
            state,
            link_url,
            handed_out,
            link_revoked,
            videos,
            status,
            status_at,
            sent_by_colleague,
            sent_at,
        ) = row?;
        campaigns.push(CampaignItem {
            outreach_id,
            campaign_name,
            state: OutreachState::parse(&state)?,
            link_url,
            handed_out,
            link_revoked,
            videos,
            status: PersonStatus::parse(&status)?,
            status_at: clock::to_rfc3339(status_at),
            sent_by_colleague,
            sent_at: sent_at.map(clock::to_rfc3339),
        });
    }
    let videos = campaigns.iter().map(|c| c.videos).sum();
    let suppressed: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT s.reason, c.name FROM suppressions s LEFT JOIN campaigns c ON c.id = s.campaign_id
             WHERE s.handle = ?1 OR s.user_id = ?2 ORDER BY s.campaign_id IS NOT NULL, s.id LIMIT 1",
            params![contact.handle, contact.user_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let suppressed = suppressed.map(|(reason, campaign)| match (reason.as_str(), campaign) {
        ("forgotten", _) | (_, None) => {
            "Forgotten at their request before: not added to any campaign.".to_owned()
        }
        (_, Some(name)) => {
            format!("Removed from {name} after the link was sent: not added to it again.")
        }
    });
    Ok(Person {
        history: history(conn, id)?,
        contact,
        campaigns,
        videos,
        suppressed,
    })
}

/// The audit log's lines about a contact, the newest first.
pub fn history(conn: &Connection, contact: i64) -> CoreResult<Vec<HistoryLine>> {
    let mut stmt = conn.prepare(
        "SELECT a.at, a.actor, coalesce(c.name, a.detail ->> '$.campaign'), a.from_state,
                a.to_state, a.detail
         FROM audit_log a LEFT JOIN outreach o ON o.id = a.outreach_id
              LEFT JOIN campaigns c ON c.id = o.campaign_id
         WHERE a.contact_id = ?1 ORDER BY a.id DESC LIMIT 200",
    )?;
    let rows = stmt.query_map([contact], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let mut lines = Vec::new();
    for row in rows {
        let (at, actor, campaign_name, from, to, detail) = row?;
        let detail: Value = serde_json::from_str(&detail).unwrap_or_default();
        let (action, text) = describe(from.as_deref(), to.as_deref(), &detail);
        lines.push(HistoryLine {
            at: clock::to_rfc3339(at),
            actor,
            campaign_name,
            action,
            text,
        });
    }
    Ok(lines)
}

/// What a state is called on screen.
fn state_word(state: &str) -> String {
    match state {
        "in_progress" => "started".to_owned(),
        "cant_dm" => "can't DM".to_owned(),
        "snoozed" => "later".to_owned(),
        other => other.to_owned(),
    }
}

fn describe(from: Option<&str>, to: Option<&str>, detail: &Value) -> (String, String) {
    let action = detail["action"].as_str();
    match (action, to) {
        (Some("edited"), _) => {
            let fields: Vec<String> = detail["changed"]
                .as_array()
                .map(|fields| {
                    fields
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|field| {
                            let (old, new) = (&detail["from"][field], &detail["to"][field]);
                            let show = |v: &Value| match v {
                                Value::String(s) => s.clone(),
                                Value::Null => "—".to_owned(),
                                other => other.to_string(),
                            };
                            if field == "notes" || old.is_null() && new.is_null() {
                                field.replace('_', " ")
                            } else {
                                format!("{} {} → {}", field.replace('_', " "), show(old), show(new))
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            ("edited".into(), format!("edited: {}", fields.join("; ")))
        }
        (Some("link_revoked"), _) => ("link_revoked".into(), "link revoked".into()),
        (Some("removed_from_campaign"), _) => (
            "removed_from_campaign".into(),
            if detail["link_revoked"].as_bool() == Some(true) {
                "removed from the campaign; link revoked".into()
            } else {
                "removed from the campaign".into()
            },
        ),
        (Some(other), _) => (other.to_owned(), other.replace('_', " ")),
        (None, Some(to)) => {
            let mut text = match from {
                Some(from) => format!("{} → {}", state_word(from), state_word(to)),
                None => state_word(to),
            };
            if let Some(reason) = detail["reason"].as_str() {
                text.push_str(&format!(" ({})", reason.replace('_', " ")));
            }
            if detail["pacing_override"].is_object() {
                text.push_str(" — pacing overridden");
            }
            if detail["undone"].as_bool() == Some(true) {
                text.push_str(" (undone)");
            }
            (to.to_owned(), text)
        }
        (None, None) => ("note".into(), "recorded".into()),
    }
}
