//! Team mode's claims: `POST /api/v1/campaigns/{slug}/claims`, `PUT`/`DELETE
//! /api/v1/claims/{id}/outcome`, `DELETE /api/v1/claims/{id}`, `GET
//! /api/v1/campaigns/{slug}/held`. The rules live in [`crate::claims`].

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use clipdesk_protocol::team::{
    Claim, ClaimCreated, ClaimRequest, ClaimView, HeldList, OutcomeRequest,
};

use crate::auth::Operator;
use crate::claims::{self, CheckedClaim, CheckedOutcome};
use crate::clock;
use crate::domain::Slug;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;

/// `201` with the claim, `204` when nobody is left to claim.
pub async fn create(
    State(state): State<AppState>,
    operator: Operator,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<ClaimRequest>,
) -> Result<Response, ApiError> {
    let slug = Slug::parse(&slug)?;
    let request = CheckedClaim::parse(body)?;
    let claim = state
        .feed
        .transact(move |tx| claims::claim(tx, slug.as_str(), &operator.name, &request))
        .await?;
    Ok(match claim {
        Some(claim) => {
            let claim = with_url(&state, claim);
            (StatusCode::CREATED, ApiJson(ClaimCreated { claim })).into_response()
        }
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

pub async fn set_outcome(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OutcomeRequest>,
) -> Result<ApiJson<ClaimView>, ApiError> {
    let outcome = CheckedOutcome::parse(body, clock::now_ms())?;
    let view = state
        .feed
        .transact(move |tx| claims::record_outcome(tx, &id, &operator.name, &outcome))
        .await?;
    Ok(ApiJson(view_with_url(&state, view)))
}

pub async fn undo_outcome(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<ApiJson<ClaimView>, ApiError> {
    let view = state
        .feed
        .transact(move |tx| claims::undo_outcome(tx, &id, &operator.name))
        .await?;
    Ok(ApiJson(view_with_url(&state, view)))
}

pub async fn give_back(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .feed
        .transact(move |tx| claims::give_back(tx, &id, &operator.name))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn held(
    State(state): State<AppState>,
    _operator: Operator,
    Path(slug): Path<String>,
) -> Result<ApiJson<HeldList>, ApiError> {
    let slug = Slug::parse(&slug)?;
    let list = state
        .db()
        .call(move |conn| claims::held_list(conn, slug.as_str()))
        .await?;
    Ok(ApiJson(list))
}

/// The claim with the link as the recipient opens it.
fn with_url(state: &AppState, claim: Claim) -> Claim {
    Claim {
        url: format!("{}/r/{}", state.public_url, claim.token),
        ..claim
    }
}

fn view_with_url(state: &AppState, view: ClaimView) -> ClaimView {
    ClaimView {
        claim: with_url(state, view.claim),
        ..view
    }
}
