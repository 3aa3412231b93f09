//! HTTP routes, one module per resource.

mod health;
mod recorder;

use axum::Router;
use axum::routing::get;

use crate::error::ApiError;

pub fn router() -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/r/{token}", get(recorder::page))
        .route("/assets/{file}", get(recorder::assets))
        .fallback(not_found)
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!("no route for {}", uri.path()))
}
