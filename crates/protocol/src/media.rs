//! Videos as the desktop sees them, their signed media URLs, and reviews.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ErrorBody;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VideoState {
    /// Stored, waiting for (or in) processing.
    Received,
    /// Probed, with a poster and a rendition every webview plays.
    Ready,
    /// Processing gave up; `failure` says why.
    Failed,
}

/// What ffprobe found in the original.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct VideoProbe {
    pub duration_ms: u64,
    /// Upright, after rotation.
    pub width: u32,
    pub height: u32,
    /// Degrees the original asked players to rotate by (0, 90, 180, 270).
    pub rotation: i32,
    pub video_codec: String,
    pub audio_codec: Option<String>,
    pub container: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Pending,
    Approved,
    Rejected,
}

impl ReviewDecision {
    /// The stored and wire name (`pending`, `approved`, `rejected`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewDecision::Pending => "pending",
            ReviewDecision::Approved => "approved",
            ReviewDecision::Rejected => "rejected",
        }
    }

    /// Reads a stored name; anything unknown is still to be reviewed.
    pub fn from_stored(text: &str) -> Self {
        match text {
            "approved" => ReviewDecision::Approved,
            "rejected" => ReviewDecision::Rejected,
            _ => ReviewDecision::Pending,
        }
    }
}

/// The one review a video has; `version` grows with every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Review {
    pub decision: ReviewDecision,
    pub note: String,
    /// Who set it: the name their desktop sent (the operator in its Settings), else the name
    /// of the API token it came with.
    pub reviewer: Option<String>,
    pub version: i64,
    pub updated_at: Option<String>,
}

/// `PUT /api/v1/videos/{id}/review`: `version` is the one the reviewer saw. `note` belongs to
/// this decision alone: a decision sent without one has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ReviewUpdate {
    pub decision: ReviewDecision,
    #[serde(default)]
    pub note: String,
    pub version: i64,
    /// Who decided, as their desktop names its operator (1 to 64 characters). Without it the
    /// review is attributed to the API token's name, which on an embedded server names the
    /// desktop, not the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reviewer: Option<String>,
}

/// The 409 a stale `version` gets: the usual error and the review as it now stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReviewConflict {
    pub error: ErrorBody,
    pub current: Review,
}

/// Signed, expiring URLs: usable in `<video src>` without headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MediaUrls {
    pub original: String,
    pub rendition: Option<String>,
    pub poster: Option<String>,
    pub expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Video {
    pub id: String,
    /// Position in the server's list of videos; `GET /api/v1/videos?after=` pages by it.
    pub seq: i64,
    pub link: String,
    pub campaign: String,
    pub handle: String,
    pub display_name: Option<String>,
    pub self_reported: bool,
    pub filename: Option<String>,
    pub filetype: Option<String>,
    /// The consent text the recipient agreed to, exactly as shown.
    pub consent: Option<String>,
    pub size: u64,
    pub rendition_size: Option<u64>,
    pub state: VideoState,
    pub probe: Option<VideoProbe>,
    pub failure: Option<String>,
    pub received_at: String,
    pub ready_at: Option<String>,
    pub review: Review,
    pub urls: MediaUrls,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct VideosPage {
    pub videos: Vec<Video>,
    pub next_after: i64,
    pub more: bool,
}
