//! `GET /api/v1/events?after=SEQ&limit=N&wait=SECONDS`: the feed desktops sync from.

use std::time::Duration;

use axum::extract::State;
use clipdesk_protocol::api::EventsPage;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiQuery};
use crate::events;
use crate::state::AppState;

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;
const MAX_WAIT_S: u64 = 60;

#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    #[serde(default)]
    after: i64,
    limit: Option<u32>,
    #[serde(default)]
    wait: u64,
}

/// With `wait`, blocks until an event past `after` exists or the wait ends. A waiting request
/// holds only a watch receiver: no thread, no database connection.
pub async fn feed(
    State(state): State<AppState>,
    _caller: Caller,
    ApiQuery(query): ApiQuery<FeedQuery>,
) -> Result<ApiJson<EventsPage>, ApiError> {
    if query.after < 0 {
        return Err(ApiError::invalid(
            "after",
            "must be 0 or a seq from the feed",
        ));
    }
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1 to {MAX_LIMIT}"),
        ));
    }
    if query.wait > MAX_WAIT_S {
        return Err(ApiError::invalid(
            "wait",
            format!("must be 0 to {MAX_WAIT_S} seconds"),
        ));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(query.wait);
    // Subscribed before the first read, so an event committed in between still wakes us.
    let mut latest = state.feed.subscribe();
    loop {
        if *latest.borrow_and_update() > query.after || query.wait == 0 {
            let after = query.after;
            let (events, more) = state
                .db()
                .call(move |conn| Ok(events::page(conn, after, limit)?))
                .await?;
            if !events.is_empty() || tokio::time::Instant::now() >= deadline {
                let next_after = events.last().map_or(query.after, |e| e.seq);
                return Ok(ApiJson(EventsPage {
                    events,
                    next_after,
                    more,
                }));
            }
        }
        let mut stopping = state.stopping.clone();
        let woke = tokio::select! {
            woke = tokio::time::timeout_at(deadline, latest.changed()) => matches!(woke, Ok(Ok(()))),
            _ = stopping.wait_for(|stop| *stop) => false,
        };
        if !woke {
            // Timed out, or the server is shutting down: answer with what there is (nothing).
            return Ok(ApiJson(EventsPage {
                events: Vec::new(),
                next_after: query.after,
                more: false,
            }));
        }
    }
}
