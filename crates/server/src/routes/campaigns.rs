//! Campaigns as operators define them: `PUT /api/v1/campaigns/{slug}` (compare-and-set on
//! `version`), `GET /api/v1/campaigns` and `GET /api/v1/campaigns/{slug}` (so a desktop that
//! connects later sees the campaigns made before it); `DELETE /api/v1/campaigns/{slug}` for
//! admins.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use clipdesk_protocol::api::{
    Campaign, CampaignConflict, CampaignDeleted, CampaignList, CampaignUpsert,
};
use clipdesk_protocol::{ErrorBody, ErrorCode};

use crate::auth::{Admin, Caller, Operator};
use crate::campaigns::{self, Definition, Upserted};
use crate::domain::Slug;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;

/// `201` created, `200` updated or unchanged, `409` [`CampaignConflict`] for a stale version.
pub async fn upsert(
    State(state): State<AppState>,
    operator: Operator,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<CampaignUpsert>,
) -> Result<Response, ApiError> {
    let slug = Slug::parse(&slug)?;
    let definition = Definition::parse(body)?;
    let asked = definition.version();
    let upserted = state
        .feed
        .transact(move |tx| campaigns::upsert(tx, &slug, &definition, &operator.name))
        .await?;
    Ok(match upserted {
        Upserted::Created(campaign) => (StatusCode::CREATED, ApiJson(campaign)).into_response(),
        Upserted::Updated(campaign) | Upserted::Unchanged(campaign) => {
            (StatusCode::OK, ApiJson(campaign)).into_response()
        }
        Upserted::Conflict(current) => {
            let by = current
                .updated_by
                .as_deref()
                .map_or_else(|| "someone".to_owned(), |name| format!("{name:?}"));
            let message = if asked == Some(0) {
                format!(
                    "campaign {:?} already exists: {by} edited it last (version {})",
                    current.slug, current.version
                )
            } else {
                format!(
                    "campaign {:?} was edited by {by} since version {}: it is at version {} now",
                    current.slug,
                    asked.unwrap_or_default(),
                    current.version
                )
            };
            let body = CampaignConflict {
                error: ErrorBody {
                    code: ErrorCode::Conflict,
                    message,
                },
                current,
            };
            (StatusCode::CONFLICT, ApiJson(body)).into_response()
        }
    })
}

/// `GET /api/v1/campaigns`: every campaign, by slug. Any role: a reviewer's desktop names
/// campaigns too.
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<ApiJson<CampaignList>, ApiError> {
    let campaigns = state.db().call(|conn| Ok(campaigns::list(conn)?)).await?;
    Ok(ApiJson(CampaignList { campaigns }))
}

/// `GET /api/v1/campaigns/{slug}`.
pub async fn get(
    State(state): State<AppState>,
    _caller: Caller,
    Path(slug): Path<String>,
) -> Result<ApiJson<Campaign>, ApiError> {
    let slug = Slug::parse(&slug)?;
    let campaign = state
        .db()
        .call(move |conn| {
            campaigns::load(conn, &slug)?
                .ok_or_else(|| ApiError::NotFound(format!("no campaign {:?}", slug.as_str())))
        })
        .await?;
    Ok(ApiJson(campaign))
}

/// `DELETE /api/v1/campaigns/{slug}` (admin): `{"deleted": slug, "links": n}`; 409 while the
/// campaign has videos or uploads, 404 for an unknown (or already deleted) one.
pub async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
) -> Result<ApiJson<CampaignDeleted>, ApiError> {
    let slug = Slug::parse(&slug)?;
    let name = slug.as_str().to_owned();
    let deleted = state
        .feed
        .transact(move |tx| campaigns::delete(tx, &slug, &admin.name))
        .await?;
    Ok(ApiJson(CampaignDeleted {
        deleted: name,
        links: deleted.links,
    }))
}
