//! `GET /api/v1/doctor`: the server's own `doctor`, for an operator's "Test connection". Its
//! public-URL check fetches only `/healthz` (never this route), so it cannot recurse, and every
//! check has its own time limit; the whole run has one more.

use std::time::Duration;

use axum::extract::State;
use clipdesk_protocol::reach::{DoctorLine, DoctorReport, DoctorVerdict};

use crate::auth::Caller;
use crate::doctor;
use crate::error::ApiJson;
use crate::state::AppState;

/// Longer than the slowest check (ffmpeg's two runs and ffprobe's, 10 s each, then the public
/// URL's 10 s), so only a stuck machine reaches it.
const DOCTOR_TIMEOUT: Duration = Duration::from_secs(60);

pub async fn report(State(state): State<AppState>, _caller: Caller) -> ApiJson<DoctorReport> {
    // The links this server hands out, as it runs: `listen` may have been port 0.
    let mut config = (*state.config).clone();
    config.public_url = Some(state.public_url.to_string());
    match tokio::time::timeout(DOCTOR_TIMEOUT, doctor::run(&config)).await {
        Ok(report) => ApiJson(report.to_wire()),
        Err(_) => ApiJson(DoctorReport {
            lines: vec![DoctorLine {
                name: "doctor".to_owned(),
                verdict: DoctorVerdict::Fail,
                message: format!(
                    "the checks did not finish within {} s: run `clipdesk-server doctor` on the \
                     server to see which one hangs",
                    DOCTOR_TIMEOUT.as_secs()
                ),
            }],
            summary: "0 ok, 0 warn, 1 FAIL".to_owned(),
            failed: true,
        }),
    }
}
