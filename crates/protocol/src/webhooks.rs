//! Webhook endpoints and their delivery log, as `/api/v1/webhooks` and the desktop see them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where a delivery stands: `pending` until a 2xx (then `delivered`) or until the retry
/// window is over (then `failed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryState {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    /// Reads a stored name; the table's CHECK allows only the three.
    pub fn from_stored(text: &str) -> Self {
        match text {
            "delivered" => DeliveryState::Delivered,
            "failed" => DeliveryState::Failed,
            _ => DeliveryState::Pending,
        }
    }
}

/// One endpoint with the counts of its deliveries. The secret is never shown again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WebhookEndpoint {
    /// `wh_…`
    pub id: String,
    pub url: String,
    /// Event kinds' wire names (`video_ready`, `review_set`, …).
    pub events: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
    pub pending: u32,
    pub delivered: u32,
    pub failed: u32,
}

/// `POST /api/v1/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// http:// or https://.
    pub url: String,
    pub events: Vec<String>,
}

/// What adding an endpoint answers: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CreatedWebhook {
    pub endpoint: WebhookEndpoint,
    /// `whsec_<base64>`, the Standard Webhooks form; the HMAC key is the decoded bytes.
    pub secret: String,
}

/// `GET /api/v1/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WebhookList {
    pub webhooks: Vec<WebhookEndpoint>,
}

/// One event sent (or being sent) to one endpoint; `id` is its `webhook-id`, the same on
/// every retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WebhookDelivery {
    /// `msg_…`
    pub id: String,
    pub endpoint: String,
    pub event_seq: i64,
    pub kind: String,
    pub state: DeliveryState,
    pub attempts: u32,
    /// RFC 3339; set while pending.
    pub next_attempt_at: Option<String>,
    /// The HTTP status of the last attempt, if it got one.
    pub last_status: Option<u16>,
    /// Why the last attempt failed (a status, a timeout, a refused connection).
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// `GET /api/v1/webhooks/{id}/deliveries?limit=N`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WebhookDeliveries {
    pub deliveries: Vec<WebhookDelivery>,
}
