//! Campaigns as operators define them: `PUT /api/v1/campaigns/{slug}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use clipdesk_protocol::api::{Campaign, CampaignUpsert};

use crate::auth::Operator;
use crate::campaigns::{self, Definition};
use crate::domain::Slug;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;

pub async fn upsert(
    State(state): State<AppState>,
    _operator: Operator,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<CampaignUpsert>,
) -> Result<(StatusCode, ApiJson<Campaign>), ApiError> {
    let slug = Slug::parse(&slug)?;
    let definition = Definition::parse(body)?;
    let (created, campaign) = state
        .db()
        .call(move |conn| campaigns::upsert(conn, &slug, &definition))
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ApiJson(campaign)))
}
