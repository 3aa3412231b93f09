//! `/api/v1/webhooks`: endpoints that get the feed's events, and their delivery log. Any
//! operator token may manage them (there are no roles yet).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use clipdesk_protocol::webhooks::{CreatedWebhook, NewWebhook, WebhookDeliveries, WebhookList};
use serde::Deserialize;

use crate::auth::Admin;
use crate::error::{ApiError, ApiJson, ApiQuery};
use crate::state::AppState;
use crate::webhooks;

pub async fn list(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<ApiJson<WebhookList>, ApiError> {
    let webhooks = state.db().call(|conn| webhooks::list(conn)).await?;
    Ok(ApiJson(WebhookList { webhooks }))
}

/// Answers the secret: the only time it is shown.
pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    ApiJson(body): ApiJson<NewWebhook>,
) -> Result<(StatusCode, ApiJson<CreatedWebhook>), ApiError> {
    let (endpoint, secret) = state
        .db()
        .call(move |conn| webhooks::add(conn, &body.url, &body.events))
        .await?;
    tracing::info!(id = %endpoint.id, url = %endpoint.url, by = %admin.name, "webhook added");
    Ok((
        StatusCode::CREATED,
        ApiJson(CreatedWebhook { endpoint, secret }),
    ))
}

pub async fn remove(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let removed = id.clone();
    state
        .db()
        .call(move |conn| webhooks::remove(conn, &id))
        .await?;
    tracing::info!(id = %removed, by = %admin.name, "webhook removed");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct DeliveriesQuery {
    limit: Option<u32>,
}

pub async fn deliveries(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<DeliveriesQuery>,
) -> Result<ApiJson<WebhookDeliveries>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if limit == 0 || limit > webhooks::MAX_DELIVERIES_LISTED {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1 to {}", webhooks::MAX_DELIVERIES_LISTED),
        ));
    }
    let deliveries = state
        .db()
        .call(move |conn| webhooks::deliveries(conn, Some(&id), limit))
        .await?;
    Ok(ApiJson(WebhookDeliveries { deliveries }))
}
