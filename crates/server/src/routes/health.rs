//! Liveness: answers as soon as the server accepts connections.

use axum::Json;
use clipdesk_protocol::Health;

pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}
