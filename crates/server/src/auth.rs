//! Operators authenticate with `Authorization: Bearer <token>`; the token's SHA-256 is looked
//! up among the unrevoked API tokens.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use rusqlite::OptionalExtension;

use crate::domain::hash_api_token;
use crate::error::ApiError;
use crate::state::AppState;

/// The operator a request comes from, by the name their token was created with.
#[derive(Debug, Clone)]
pub struct Operator {
    pub name: String,
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::Unauthorized("missing Authorization: Bearer <token>".into())
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthorized("Authorization must be 'Bearer <token>'".into())
            })?;
        let hash = hash_api_token(token);
        let name = state
            .db()
            .call(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT name FROM api_tokens WHERE token_hash = ?1 AND revoked_at IS NULL",
                        [hash],
                        |row| row.get::<_, String>(0),
                    )
                    .optional()?)
            })
            .await?
            .ok_or_else(|| ApiError::Unauthorized("unknown or revoked API token".into()))?;
        Ok(Operator { name })
    }
}
