//! The outreach queue, as the operator named in settings: first messages are claimed from the
//! server (team mode, even for the embedded one), follow-ups stay local.

use clipdesk_core::queue::{self, HistoryEntry, NextStep, Outcome, QueueOverview};
use clipdesk_core::team::{self, NextAsk};
use clipdesk_core::{CoreResult, UserError, settings};
use clipdesk_protocol::team::HeldList;
use tauri::State;

use super::{in_store, shown};
use crate::Desktop;

/// The operator named in settings.
async fn operator(desktop: &Desktop) -> CoreResult<String> {
    desktop
        .store
        .call(|conn| Ok(settings::load(conn)?.operator))
        .await
}

/// "Start next" with `ask`, as the operator named in settings.
async fn next(desktop: &Desktop, campaign: i64, ask: NextAsk) -> CoreResult<NextStep> {
    let operator = operator(desktop).await?;
    team::next(&desktop.store, &desktop.client(), campaign, &operator, ask).await
}

#[tauri::command]
pub async fn queue_start_next(
    desktop: State<'_, Desktop>,
    campaign: i64,
) -> Result<NextStep, UserError> {
    shown(next(&desktop, campaign, NextAsk::default()).await)
}

/// Pacing, how many are left and who is next, for the Queue to show whatever it is doing;
/// claims nothing.
#[tauri::command]
pub async fn queue_overview(
    desktop: State<'_, Desktop>,
    campaign: i64,
) -> Result<QueueOverview, UserError> {
    in_store(&desktop, move |conn| {
        let operator = settings::load(conn)?.operator;
        queue::overview(conn, campaign, &operator)
    })
    .await
}

/// "Send anyway…", confirmed: starts the next contact past pacing, logged as an override.
#[tauri::command]
pub async fn queue_send_anyway(
    desktop: State<'_, Desktop>,
    campaign: i64,
) -> Result<NextStep, UserError> {
    let ask = NextAsk {
        send_anyway: true,
        ..NextAsk::default()
    };
    shown(next(&desktop, campaign, ask).await)
}

/// "Message anyway…", confirmed: claims a person the cross-campaign hold keeps back.
#[tauri::command]
pub async fn queue_start_held(
    desktop: State<'_, Desktop>,
    campaign: i64,
    link: String,
) -> Result<NextStep, UserError> {
    let ask = NextAsk {
        link: Some(link),
        override_hold: true,
        ..NextAsk::default()
    };
    shown(next(&desktop, campaign, ask).await)
}

#[tauri::command]
pub async fn queue_mark(
    desktop: State<'_, Desktop>,
    outreach: i64,
    outcome: Outcome,
) -> Result<(), UserError> {
    let result = async {
        let operator = operator(&desktop).await?;
        team::mark(
            &desktop.store,
            &desktop.client(),
            outreach,
            outcome,
            &operator,
        )
        .await
    };
    shown(result.await)
}

/// The person started and left unmarked goes back to the pool at once (campaign switched,
/// Queue left), instead of when the lease runs out.
#[tauri::command]
pub async fn queue_give_back(desktop: State<'_, Desktop>, outreach: i64) -> Result<(), UserError> {
    shown(team::give_back(&desktop.store, &desktop.client(), outreach).await)
}

/// The campaign's people the cross-campaign hold keeps back, and why.
#[tauri::command]
pub async fn queue_held(desktop: State<'_, Desktop>, campaign: i64) -> Result<HeldList, UserError> {
    shown(team::held(&desktop.store, &desktop.client(), campaign).await)
}

/// The other campaigns a contact has been in, for the Queue's history.
#[tauri::command]
pub async fn contact_history(
    desktop: State<'_, Desktop>,
    contact: i64,
    except: Option<i64>,
) -> Result<Vec<HistoryEntry>, UserError> {
    in_store(&desktop, move |conn| {
        queue::contact_history(conn, contact, except)
    })
    .await
}

/// Undoes the operator's last outcome; returns the item put back.
#[tauri::command]
pub async fn queue_undo(desktop: State<'_, Desktop>) -> Result<i64, UserError> {
    let result = async {
        let operator = operator(&desktop).await?;
        team::undo_last(&desktop.store, &desktop.client(), &operator).await
    };
    shown(result.await)
}
