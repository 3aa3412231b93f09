//! `POST /api/v1/campaigns/{slug}/history`: a desktop's outcomes from before team mode,
//! pushed once. The rules live in [`crate::history`].

use axum::extract::{Path, State};
use clipdesk_protocol::team::{HistoryRecorded, HistoryRequest};

use crate::auth::Operator;
use crate::clock;
use crate::domain::Slug;
use crate::error::{ApiError, ApiJson};
use crate::history;
use crate::state::AppState;

pub async fn push(
    State(state): State<AppState>,
    operator: Operator,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<HistoryRequest>,
) -> Result<ApiJson<HistoryRecorded>, ApiError> {
    let slug = Slug::parse(&slug)?;
    let entries = history::check(body.entries, clock::now_ms())?;
    let recorded = state
        .feed
        .transact(move |tx| history::record(tx, slug.as_str(), &operator.name, &entries))
        .await?;
    Ok(ApiJson(recorded))
}
