//! HTTP routes, one module per resource, and the router that puts them together with the
//! layers each group needs (auth, CORS, body limits, rate limits).

pub mod campaigns;
mod claims;
mod doctor;
mod events;
mod health;
mod history;
mod links;
mod media;
pub mod public;
mod recorder;
mod updates;
pub mod uploads;
mod videos;
mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Method};
use axum::middleware;
use axum::routing::{get, post, put};
use tower_http::cors::{Any, CorsLayer};

use crate::error::ApiError;
use crate::rate_limit::limit_public;
use crate::state::AppState;

/// JSON bodies: a 1,000-recipient link request is ~150 KB.
const JSON_BODY_LIMIT: usize = 1 << 20;

pub fn router(state: AppState) -> Router {
    let operator_api = Router::new()
        .route("/api/v1/campaigns", get(campaigns::list))
        .route(
            "/api/v1/campaigns/{slug}",
            put(campaigns::upsert)
                .get(campaigns::get)
                .delete(campaigns::delete),
        )
        .route("/api/v1/campaigns/{slug}/links", post(links::create))
        .route("/api/v1/campaigns/{slug}/claims", post(claims::create))
        .route("/api/v1/campaigns/{slug}/held", get(claims::held))
        .route("/api/v1/campaigns/{slug}/history", post(history::push))
        .route(
            "/api/v1/claims/{id}",
            axum::routing::delete(claims::give_back),
        )
        .route(
            "/api/v1/claims/{id}/outcome",
            put(claims::set_outcome).delete(claims::undo_outcome),
        )
        .route(
            "/api/v1/links/{token}",
            axum::routing::delete(links::revoke),
        )
        .route("/api/v1/events", get(events::feed))
        .route("/api/v1/doctor", get(doctor::report))
        .route("/api/v1/videos", get(videos::list))
        .route("/api/v1/videos/{id}", get(videos::get))
        .route("/api/v1/videos/{id}/review", put(videos::review))
        .route(
            "/api/v1/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/api/v1/webhooks/{id}",
            axum::routing::delete(webhooks::remove),
        )
        .route(
            "/api/v1/webhooks/{id}/deliveries",
            get(webhooks::deliveries),
        )
        .route("/api/v1/videos/{id}/poster", put(videos::poster))
        .route(
            "/api/v1/updates/download/{version}/{file}",
            get(updates::download),
        )
        .route(
            "/api/v1/updates/{target}/{arch}/{current_version}",
            get(updates::manifest),
        );

    // What the recorder page calls, possibly from another origin that hosts the page.
    let public_api = Router::new()
        .route("/api/v1/public/links/{token}", get(public::link))
        .route(
            "/api/v1/public/links/{token}/decline",
            post(public::decline),
        )
        .route("/api/v1/public/campaigns/{slug}", get(public::campaign))
        .route(
            "/api/v1/public/campaigns/{slug}/links",
            post(public::self_reported_link),
        )
        .route(
            "/api/v1/uploads",
            post(uploads::create).options(uploads::options),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), limit_public));

    // The page itself: rate limited like the API it calls, but same-origin only (no CORS).
    let pages = Router::new()
        .route("/r/{token}", get(recorder::link_page))
        .route("/c/{slug}", get(recorder::campaign_page))
        .route_layer(middleware::from_fn_with_state(state.clone(), limit_public));

    // Resuming an upload is never rate limited: a flaky phone may HEAD and PATCH often.
    let upload_bodies = Router::new().route(
        "/api/v1/uploads/{id}",
        axum::routing::patch(uploads::patch)
            .head(uploads::head)
            .delete(uploads::terminate),
    );

    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::HEAD,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers(tus_headers(&[
            "content-type",
            "upload-length",
            "upload-metadata",
            "upload-checksum",
            "upload-defer-length",
            "upload-concat",
            "x-http-method-override",
            "x-requested-with",
        ]))
        .expose_headers(tus_headers(&[
            "location",
            "upload-length",
            "upload-metadata",
            "upload-expires",
            "tus-version",
            "tus-max-size",
            "tus-extension",
            "tus-checksum-algorithm",
        ]));

    let public = public_api
        .merge(upload_bodies)
        .layer(cors)
        .layer(middleware::from_fn_with_state(state.clone(), tus_discovery));

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/assets/{file}", get(recorder::assets))
        .route("/media/{video}/{kind}", get(media::serve))
        .merge(operator_api)
        .merge(pages)
        .merge(public)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .with_state(state)
}

/// The tus headers every cross-origin tus client needs, plus `extra`.
fn tus_headers(extra: &[&'static str]) -> Vec<HeaderName> {
    ["tus-resumable", "upload-offset"]
        .iter()
        .chain(extra)
        .map(|name| HeaderName::from_static(name))
        .collect()
}

/// CORS answers every OPTIONS as a preflight; a tus client's discovery OPTIONS (no
/// `Access-Control-Request-Method`) must reach the tus handler instead.
async fn tus_discovery(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let discovery = request.method() == Method::OPTIONS
        && request.uri().path() == "/api/v1/uploads"
        && !request
            .headers()
            .contains_key("access-control-request-method");
    if discovery {
        uploads::options(axum::extract::State(state)).await
    } else {
        next.run(request).await
    }
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!("no route for {}", uri.path()))
}
