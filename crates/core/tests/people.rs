//! The people controls against a real clipdesk-server on a random port and a real SQLite file:
//! edit, delete, remove from a campaign, revoke and forget, what each keeps (pacing's record
//! of sends) and what each tells the server.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use clipdesk_core::client::ServerClient;
use clipdesk_core::contacts::{self, ContactInput};
use clipdesk_core::pacing::{PaceVerdict, Pacing};
use clipdesk_core::people::{self, ContactEdit};
use clipdesk_core::queue::{self, Claim, Outcome};
use clipdesk_core::store::StoreHandle;
use clipdesk_core::{CoreError, sync};
use clipdesk_protocol::api::EventKind;
use clipdesk_server::RunningServer;
use common::{World, sync_until_quiet, upload_video};

mod common;

const OP: &str = "ana";
/// One send a day, no spacing: a freed slot shows at once.
const ONE_A_DAY: Pacing = Pacing {
    daily_cap: 1,
    min_spacing_s: 0,
};

/// Campaigns Spring (#1) and Autumn (#2), contacts maya (#1) and jo (#2) in Spring, maya in
/// Autumn too; links registered with the server.
async fn world() -> World {
    let w = World::start().await;
    w.store
        .call(|conn| {
            for (slug, name) in [("spring", "Spring"), ("autumn", "Autumn")] {
                conn.execute(
                    "INSERT INTO campaigns (slug, name, template, dm_url_with_id, dm_url_without_id,
                                            created_at, updated_at)
                     VALUES (?1, ?2, '{}', 'https://x/{user_id}', 'https://x/@{handle}', 0, 0)",
                    [slug, name],
                )?;
            }
            let maya = contacts::insert(
                conn,
                &ContactInput::parse("maya.bake", "7277", "Maya", "baker", "").unwrap(),
                None,
            )?;
            let jo = contacts::insert(
                conn,
                &ContactInput::parse("jo_runs", "", "Jo", "", "").unwrap(),
                None,
            )?;
            queue::add_to_campaign(conn, 1, &[maya, jo])?;
            queue::add_to_campaign(conn, 2, &[maya])?;
            Ok(())
        })
        .await
        .unwrap();
    sync::register_links(&w.store, &w.client).await.unwrap();
    w
}

const MAYA: i64 = 1;
const JO: i64 = 2;

/// The outreach item of `contact` in `campaign` and its link token.
async fn item(store: &StoreHandle, contact: i64, campaign: i64) -> (i64, Option<String>) {
    store
        .call(move |c| {
            Ok(c.query_row(
                "SELECT id, link_token FROM outreach WHERE contact_id = ?1 AND campaign_id = ?2",
                [contact, campaign],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
        .unwrap()
}

/// Starts and sends to `contact` in Spring (the only queued one, or the first).
async fn send_to(store: &StoreHandle, contact: i64) -> i64 {
    store
        .call(move |c| {
            c.execute(
                "UPDATE outreach SET state = 'skipped' WHERE campaign_id = 1 AND contact_id != ?1
                 AND state = 'queued'",
                [contact],
            )?;
            let Claim::Item(id) = queue::claim_next(c, 1, OP, ONE_A_DAY)? else {
                panic!("nothing to claim")
            };
            queue::mark(c, id, Outcome::Sent, OP)?;
            Ok(id)
        })
        .await
        .unwrap()
}

async fn pace(store: &StoreHandle) -> PaceVerdict {
    store
        .call(|c| queue::pace(c, ONE_A_DAY, clipdesk_core::clock::now_ms()))
        .await
        .unwrap()
}

/// What the recipient's page is told about its link: "200", or the status and error code.
async fn page_status(server: &RunningServer, token: &str) -> String {
    let response = reqwest::get(format!("{}/api/v1/public/links/{token}", server.url()))
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status == 200 {
        return "200".into();
    }
    let body: serde_json::Value = response.json().await.unwrap();
    format!(
        "{status} {}",
        body["error"]["code"].as_str().unwrap_or_default()
    )
}

async fn history_actions(store: &StoreHandle, contact: i64) -> Vec<String> {
    store
        .call(move |c| people::history(c, contact))
        .await
        .unwrap()
        .into_iter()
        .map(|line| line.action)
        .collect()
}

fn edit_of(handle: &str, user_id: &str) -> ContactEdit {
    ContactEdit {
        handle: handle.into(),
        user_id: user_id.into(),
        display_name: "Maya".into(),
        tags: "baker".into(),
        notes: String::new(),
    }
}

#[tokio::test]
async fn an_edit_with_a_bad_field_names_it_and_changes_nothing() {
    let w = world().await;
    for (edit, field) in [
        (edit_of("maya.", "7277"), "handle"),
        (edit_of("maya.bakes", "7.27E+18"), "user_id"),
        (edit_of("jo_runs", "7277"), "handle"),
        (
            ContactEdit {
                display_name: "x".repeat(101),
                ..edit_of("maya.bakes", "7277")
            },
            "display_name",
        ),
    ] {
        let err = w
            .store
            .call(move |c| people::edit(c, MAYA, &edit, OP))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, CoreError::Invalid { field: f, .. } if f == field),
            "{field}: {err}"
        );
    }
    let maya = w.store.call(|c| contacts::get(c, MAYA)).await.unwrap();
    assert_eq!(maya.handle, "maya.bake", "nothing changed");
    assert!(
        history_actions(&w.store, MAYA).await.is_empty(),
        "a refused edit is not recorded"
    );
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_changed_handle_keeps_the_link_already_sent_and_reissues_the_one_never_sent() {
    let w = world().await;
    send_to(&w.store, MAYA).await;
    let (_, sent_token) = item(&w.store, MAYA, 1).await;
    let (_, unsent_token) = item(&w.store, MAYA, 2).await;

    let edited = w
        .store
        .call(|c| people::edit(c, MAYA, &edit_of("@Maya.Bakes", "7277"), OP))
        .await
        .unwrap();
    assert_eq!(edited.contact.handle, "maya.bakes");
    assert_eq!((edited.links_kept, edited.links_reissued), (1, 1));
    assert_eq!(
        item(&w.store, MAYA, 1).await.1,
        sent_token,
        "the link Maya holds is hers still"
    );
    assert_eq!(
        page_status(&w.server, sent_token.as_deref().unwrap()).await,
        "200",
        "and it still opens her page"
    );
    assert_eq!(
        item(&w.store, MAYA, 2).await.1,
        None,
        "dropped before anyone saw it"
    );
    sync::register_links(&w.store, &w.client).await.unwrap();
    let (_, reissued) = item(&w.store, MAYA, 2).await;
    assert!(
        reissued.is_some() && reissued != unsent_token,
        "a link under the new handle"
    );

    let history = w.store.call(|c| people::history(c, MAYA)).await.unwrap();
    assert_eq!(history[0].action, "edited");
    assert!(
        history[0].text.contains("handle maya.bake → maya.bakes"),
        "{}",
        history[0].text
    );
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn deleting_a_contact_sent_today_does_not_free_a_slot_of_the_daily_cap() {
    let w = world().await;
    send_to(&w.store, JO).await;
    let (_, token) = item(&w.store, JO, 1).await;
    assert!(!pace(&w.store).await.allowed(), "one of one sent today");

    let deleted = people::delete(&w.store, &w.client, JO, OP).await.unwrap();
    assert_eq!(deleted.links_revoked, 1, "the link Jo holds is revoked");
    assert!(
        matches!(
            w.store.call(|c| contacts::get(c, JO)).await,
            Err(CoreError::NotFound(_))
        ),
        "Jo is gone"
    );
    assert!(
        !pace(&w.store).await.allowed(),
        "the send still counts after its contact is deleted"
    );
    assert!(
        matches!(
            w.store.call(|c| queue::undo_last(c, OP)).await,
            Err(CoreError::NotFound(_))
        ),
        "U has nothing to put back: the only outcome's contact is gone, and it must not fail"
    );
    assert_eq!(
        page_status(&w.server, token.as_deref().unwrap()).await,
        "404 revoked"
    );

    // Jo imported again is not queued in Spring again: the server would hand back the
    // revoked link.
    let added = w
        .store
        .call(|c| {
            let jo = contacts::insert(c, &ContactInput::parse("jo_runs", "", "", "", "")?, None)?;
            queue::add_to_campaign(c, 1, &[jo])
        })
        .await
        .unwrap();
    assert_eq!(added, 0);
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn removing_before_the_link_was_sent_is_local_and_after_it_revokes_the_link() {
    let w = world().await;
    // Before: Maya in Autumn was never sent anything.
    let (autumn, autumn_token) = item(&w.store, MAYA, 2).await;
    let removed = people::remove_from_campaign(&w.store, &w.client, autumn, OP)
        .await
        .unwrap();
    assert!(!removed.link_revoked);
    let added_back = w
        .store
        .call(|c| queue::add_to_campaign(c, 2, &[MAYA]))
        .await
        .unwrap();
    assert_eq!(
        added_back, 1,
        "a contact removed before sending may come back"
    );
    sync::register_links(&w.store, &w.client).await.unwrap();
    assert_eq!(
        item(&w.store, MAYA, 2).await.1,
        autumn_token,
        "with the link the server kept for her"
    );

    // After: Jo was sent Spring's link today.
    let spring = send_to(&w.store, JO).await;
    let (_, token) = item(&w.store, JO, 1).await;
    let removed = people::remove_from_campaign(&w.store, &w.client, spring, OP)
        .await
        .unwrap();
    assert!(removed.link_revoked);
    assert_eq!(
        page_status(&w.server, token.as_deref().unwrap()).await,
        "404 revoked"
    );
    assert!(
        !pace(&w.store).await.allowed(),
        "removing the item does not erase the send"
    );
    let again = w
        .store
        .call(|c| queue::add_to_campaign(c, 1, &[JO]))
        .await
        .unwrap();
    assert_eq!(again, 0, "not DMed twice in one campaign");
    let person = w.store.call(|c| people::person(c, JO)).await.unwrap();
    assert!(person.campaigns.is_empty());
    assert!(person.suppressed.unwrap().contains("Spring"));
    let history = w.store.call(|c| people::history(c, JO)).await.unwrap();
    assert_eq!(history[0].action, "removed_from_campaign");
    assert_eq!(history[0].campaign_name.as_deref(), Some("Spring"));
    assert!(
        history
            .iter()
            .any(|l| l.action == "sent" && l.campaign_name.as_deref() == Some("Spring")),
        "the send stays in the history, with its campaign: {history:?}"
    );
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn revoking_a_sent_link_makes_the_page_refuse_it_and_enters_the_history() {
    let w = world().await;
    let (never_sent, _) = item(&w.store, MAYA, 2).await;
    let err = people::revoke(&w.store, &w.client, never_sent, OP)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("never sent"), "{err}");

    let spring = send_to(&w.store, MAYA).await;
    let (_, token) = item(&w.store, MAYA, 1).await;
    let token = token.unwrap();
    assert_eq!(page_status(&w.server, &token).await, "200");
    people::revoke(&w.store, &w.client, spring, OP)
        .await
        .unwrap();
    assert_eq!(page_status(&w.server, &token).await, "404 revoked");
    let person = w.store.call(|c| people::person(c, MAYA)).await.unwrap();
    let revoked = person
        .campaigns
        .iter()
        .find(|c| c.outreach_id == spring)
        .unwrap();
    assert!(revoked.link_revoked && revoked.handed_out);
    assert_eq!(person.history[0].action, "link_revoked");
    assert_eq!(person.history[0].actor, OP);

    // The feed's link_revoked for our own revoke adds nothing; one from Ben's desktop does.
    sync_until_quiet(&w.store, &w.client).await;
    assert_eq!(
        history_actions(&w.store, MAYA)
            .await
            .iter()
            .filter(|a| *a == "link_revoked")
            .count(),
        1
    );
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_link_revoked_on_another_desktop_shows_here() {
    let w = world().await;
    send_to(&w.store, MAYA).await;
    let (_, token) = item(&w.store, MAYA, 1).await;
    w.other
        .revoke_link(token.as_deref().unwrap())
        .await
        .unwrap();
    sync_until_quiet(&w.store, &w.client).await;
    let person = w.store.call(|c| people::person(c, MAYA)).await.unwrap();
    assert!(person.campaigns[0].link_revoked);
    assert_eq!(person.history[0].action, "link_revoked");
    assert_eq!(person.history[0].actor, "ben");
    w.server.stop().await.unwrap();
}

/// What a recipient's phone does: open the page, upload a video. Returns the video's id.
async fn recipient_uploads(w: &World, token: &str) -> String {
    assert_eq!(page_status(&w.server, token).await, "200");
    upload_video(&w.server, token).await;
    let feed = w.client.events(0, 1000, 0).await.unwrap();
    feed.events
        .into_iter()
        .find(|e| e.kind == EventKind::VideoReceived && e.link.as_deref() == Some(token))
        .and_then(|e| e.video_id)
        .expect("video_received names its video")
}

#[tokio::test]
async fn forgetting_deletes_the_person_on_the_server_and_here_and_they_are_not_messaged_again() {
    let w = world().await;
    send_to(&w.store, MAYA).await;
    let (_, token) = item(&w.store, MAYA, 1).await;
    let token = token.unwrap();
    let video = recipient_uploads(&w, &token).await;
    sync_until_quiet(&w.store, &w.client).await;
    let person = w.store.call(|c| people::person(c, MAYA)).await.unwrap();
    assert_eq!(person.videos, 1);

    let forgotten = people::forget(&w.store, &w.client, MAYA, OP).await.unwrap();
    assert_eq!(
        (forgotten.links, forgotten.videos),
        (2, 1),
        "Spring and Autumn"
    );
    assert!(
        matches!(w.client.video(&video).await, Err(CoreError::NotFound(_))),
        "the video is gone on the server"
    );
    assert_eq!(
        page_status(&w.server, &token).await,
        "404 not_found",
        "and the link"
    );
    let (contacts_left, videos_left): (i64, i64) = w
        .store
        .call(|c| {
            Ok(c.query_row(
                "SELECT (SELECT count(*) FROM contacts WHERE id = 1), (SELECT count(*) FROM videos)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
        .unwrap();
    assert_eq!((contacts_left, videos_left), (0, 0));
    assert!(!pace(&w.store).await.allowed(), "her send still counts");
    let handles_in_log: i64 = w
        .store
        .call(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM audit_log WHERE detail LIKE '%maya%'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(handles_in_log, 0, "the log keeps no trace of her name");

    // The feed's link_forgotten events find nothing left to delete.
    sync_until_quiet(&w.store, &w.client).await;
    // Imported again from an old CSV (by user id, under another handle), she is never queued.
    let added = w
        .store
        .call(|c| {
            let again = contacts::insert(
                c,
                &ContactInput::parse("maya_new", "7277", "", "", "")?,
                None,
            )?;
            Ok(queue::add_to_campaign(c, 1, &[again])? + queue::add_to_campaign(c, 2, &[again])?)
        })
        .await
        .unwrap();
    assert_eq!(added, 0);
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn forgetting_while_the_server_is_away_says_so_and_changes_nothing_here() {
    let w = world().await;
    let away = ServerClient::new("http://127.0.0.1:9", "nope").unwrap();
    let err = people::forget(&w.store, &away, MAYA, OP).await.unwrap_err();
    assert!(matches!(err, CoreError::Unavailable(_)), "{err}");
    assert!(err.to_string().contains("cannot be reached"), "{err}");
    let person = w.store.call(|c| people::person(c, MAYA)).await.unwrap();
    assert_eq!(person.campaigns.len(), 2, "nothing changed here");
    assert!(person.suppressed.is_none());
    let err = people::delete(&w.store, &away, MAYA, OP).await;
    assert!(
        err.is_ok(),
        "nothing of Maya's was sent: deleting needs no server"
    );
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_person_forgotten_from_another_desktop_is_forgotten_here() {
    let w = world().await;
    send_to(&w.store, MAYA).await;
    let (_, token) = item(&w.store, MAYA, 1).await;
    let video = recipient_uploads(&w, token.as_deref().unwrap()).await;
    sync_until_quiet(&w.store, &w.client).await;
    w.other
        .forget_link(token.as_deref().unwrap())
        .await
        .unwrap();
    sync_until_quiet(&w.store, &w.client).await;
    let (contacts_left, videos_left): (i64, i64) = w
        .store
        .call(move |c| {
            Ok(c.query_row(
                "SELECT (SELECT count(*) FROM contacts WHERE id = 1),
                        (SELECT count(*) FROM videos WHERE id = ?1)",
                [&video],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
        .unwrap();
    assert_eq!((contacts_left, videos_left), (0, 0));
    let added = w
        .store
        .call(|c| {
            let again =
                contacts::insert(c, &ContactInput::parse("maya.bake", "", "", "", "")?, None)?;
            queue::add_to_campaign(c, 2, &[again])
        })
        .await
        .unwrap();
    assert_eq!(added, 0, "suppressed here too");
    w.server.stop().await.unwrap();
}

/// The sync loop as the app runs it, beside the controls: the feed's `link_revoked` and
/// `link_forgotten` for this desktop's own actions may be applied before or after them.
#[tokio::test]
async fn revoking_and_forgetting_while_the_feed_is_applied_record_each_once_in_the_operators_name()
{
    let w = world().await;
    let spring = send_to(&w.store, MAYA).await;
    let (status, mut seen) = tokio::sync::watch::channel(sync::SyncStatus::default());
    let nudge = std::sync::Arc::new(tokio::sync::Notify::new());
    let task = sync::spawn(
        w.store.clone(),
        w.client.clone(),
        status,
        nudge.clone(),
        |_| {},
    );
    seen.wait_for(|s| s.state == sync::SyncState::Connected)
        .await
        .unwrap();

    people::revoke(&w.store, &w.client, spring, OP)
        .await
        .unwrap();
    // Let the loop apply link_revoked, whichever came first.
    let last = w.client.events(0, 1000, 0).await.unwrap().next_after;
    nudge.notify_one();
    seen.wait_for(|s| s.cursor >= last).await.unwrap();
    let lines: Vec<_> = w
        .store
        .call(|c| people::history(c, MAYA))
        .await
        .unwrap()
        .into_iter()
        .filter(|l| l.action == "link_revoked")
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].actor, OP);

    let forgotten = people::forget(&w.store, &w.client, MAYA, OP).await.unwrap();
    assert_eq!(forgotten.links, 2);
    assert!(matches!(
        w.store.call(|c| contacts::get(c, MAYA)).await,
        Err(CoreError::NotFound(_))
    ));
    task.abort();
    w.server.stop().await.unwrap();
}
