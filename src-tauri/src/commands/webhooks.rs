//! Settings → Webhooks: thin calls into `clipdesk_core::webhooks` with this desktop's server.

use clipdesk_core::UserError;
use clipdesk_core::webhooks;
use clipdesk_protocol::webhooks::{CreatedWebhook, WebhookDelivery, WebhookEndpoint};
use tauri::State;

use super::shown;
use crate::Desktop;

/// The event kinds an endpoint may subscribe to.
#[tauri::command]
pub fn webhook_event_kinds() -> Vec<String> {
    webhooks::event_kinds()
}

#[tauri::command]
pub async fn webhooks_list(desktop: State<'_, Desktop>) -> Result<Vec<WebhookEndpoint>, UserError> {
    let client = desktop.client();
    shown(webhooks::list(&client).await)
}

#[tauri::command]
pub async fn webhook_add(
    desktop: State<'_, Desktop>,
    url: String,
    events: Vec<String>,
) -> Result<CreatedWebhook, UserError> {
    let client = desktop.client();
    shown(webhooks::add(&client, &url, events).await)
}

#[tauri::command]
pub async fn webhook_remove(desktop: State<'_, Desktop>, id: String) -> Result<(), UserError> {
    let client = desktop.client();
    shown(webhooks::remove(&client, &id).await)
}

#[tauri::command]
pub async fn webhook_deliveries(
    desktop: State<'_, Desktop>,
    id: String,
) -> Result<Vec<WebhookDelivery>, UserError> {
    let client = desktop.client();
    shown(webhooks::deliveries(&client, &id).await)
}
