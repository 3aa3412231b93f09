//! Webhooks on the connected server, as Settings manages them: the event kinds one may
//! subscribe to and the calls that list, add and remove endpoints and read their log. Any
//! operator token may do this (the server has no roles yet).

use clipdesk_protocol::api::EventKind;
use clipdesk_protocol::webhooks::{CreatedWebhook, NewWebhook, WebhookDelivery, WebhookEndpoint};

use crate::client::ServerClient;
use crate::error::{CoreError, CoreResult};

/// Deliveries a log shows: the newest.
pub const LOG_LIMIT: u32 = 50;

/// Every kind the feed knows, by its wire name: the checkboxes of "Add webhook".
pub fn event_kinds() -> Vec<String> {
    EventKind::KNOWN
        .iter()
        .map(|kind| kind.as_str().to_owned())
        .collect()
}

pub async fn list(client: &ServerClient) -> CoreResult<Vec<WebhookEndpoint>> {
    Ok(client.webhooks().await?.webhooks)
}

/// Adds an endpoint; the answer's secret is shown once. The server checks the URL and kinds
/// and names what is wrong; an empty form is refused here without a round trip.
pub async fn add(
    client: &ServerClient,
    url: &str,
    events: Vec<String>,
) -> CoreResult<CreatedWebhook> {
    let url = url.trim();
    if url.is_empty() {
        return Err(CoreError::invalid("url", "enter the URL to send events to"));
    }
    if events.is_empty() {
        return Err(CoreError::invalid("events", "choose at least one event"));
    }
    client
        .add_webhook(&NewWebhook {
            url: url.to_owned(),
            events,
        })
        .await
}

pub async fn remove(client: &ServerClient, id: &str) -> CoreResult<()> {
    client.remove_webhook(id).await
}

pub async fn deliveries(client: &ServerClient, id: &str) -> CoreResult<Vec<WebhookDelivery>> {
    Ok(client.webhook_deliveries(id, LOG_LIMIT).await?.deliveries)
}
