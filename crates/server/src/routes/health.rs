//! Liveness: answers as soon as the server accepts connections, with the version and the
//! data folder's instance id (so a client can tell *this* server from another one).

use axum::Json;
use axum::extract::State;
use clipdesk_protocol::Health;

use crate::state::AppState;

pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        instance_id: state.instance_id.to_string(),
    })
}
