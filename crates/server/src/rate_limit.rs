//! Per-client-IP limits on the public routes, so one visitor cannot hammer link look-ups, open
//! uploads without end, or claim self-reported links for handle after handle. Operators' and
//! upload-body routes are not limited here.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::configuration::Config;
use crate::error::ApiError;
use crate::state::AppState;

pub struct RateLimiter {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Self-reported links per client and hour, kept apart from the general limit.
    self_reported: Option<DefaultKeyedRateLimiter<IpAddr>>,
    self_reported_per_hour: u32,
    trust_forwarded_for: bool,
}

impl RateLimiter {
    /// The public routes' limit per minute (bursts of up to a quarter minute's worth pass) and
    /// the self-reported links' per hour; 0 turns either off.
    pub fn new(config: &Config) -> Self {
        let per_minute = config.public_rate_per_minute;
        let limiter = NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new((per_minute / 4).max(1)).unwrap_or(rate);
            DefaultKeyedRateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        let per_hour = config.self_reported_links_per_hour;
        Self {
            limiter,
            self_reported: NonZeroU32::new(per_hour)
                .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_hour(n))),
            self_reported_per_hour: per_hour,
            trust_forwarded_for: config.trust_forwarded_for,
        }
    }

    fn client_ip(&self, headers: &HeaderMap, extensions: &Extensions) -> Option<IpAddr> {
        if self.trust_forwarded_for
            && let Some(ip) = headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse().ok())
        {
            return Some(ip);
        }
        extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
    }

    /// Counts one self-reported link for `ip`: the hourly number may come at once, then one
    /// more every hour / that number.
    pub fn claim_self_reported(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        let per_hour = self.self_reported_per_hour;
        let (Some(limiter), Some(ip)) = (&self.self_reported, ip) else {
            return Ok(());
        };
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(limiter.clock().now());
            let minutes = wait.as_secs().div_ceil(60).max(1);
            let unit = if minutes == 1 { "minute" } else { "minutes" };
            ApiError::TooManyRequests {
                message: format!(
                    "too many links made from this network: at most {per_hour} an hour on \
                     campaign pages; try again in {minutes} {unit}"
                ),
                retry_after: wait,
            }
        })
    }

    /// Forgets idle clients so the tables do not grow with every visitor ever seen.
    pub fn shrink(&self) {
        for limiter in self.limiter.iter().chain(&self.self_reported) {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The client's IP as the limits see it; `None` when the server was not told the peer.
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(ClientIp(
            state.limiter.client_ip(&parts.headers, &parts.extensions),
        ))
    }
}

pub async fn limit_public(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(limiter) = &state.limiter.limiter
        && let Some(ip) = state
            .limiter
            .client_ip(request.headers(), request.extensions())
        && limiter.check_key(&ip).is_err()
    {
        return ApiError::RateLimited.into_response();
    }
    next.run(request).await
}
