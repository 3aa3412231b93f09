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
    /// 0 to 20 tags (`MAX_TAGS`), each 1 to 32 characters (`MAX_TAG_CHARS`), unique ignoring
    /// case, kept as typed.
    #[serde(default)]
    pub tags: Vec<String>,
    /// 1 to 5, or none.
    #[serde(default)]
    pub rating: Option<u8>,
}

/// The most tags one video carries.
pub const MAX_TAGS: usize = 20;
/// The longest tag, in characters after trimming.
pub const MAX_TAG_CHARS: usize = 32;

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
    /// The video's tags, all of them (absent: unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tags: Option<Vec<String>>,
    /// Absent: unchanged; `null`: cleared; 1 to 5: set.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional, type = "number | null")]
    pub rating: Option<Option<u8>>,
}

/// A field that is present (even as `null`) reads as `Some`; `default` covers absence.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Checks a review's tags (trimmed, as typed) and rating; the error names what is wrong.
pub fn check_tags(tags: &[String]) -> Result<Vec<String>, String> {
    if tags.len() > MAX_TAGS {
        return Err(format!("at most {MAX_TAGS} tags"));
    }
    let mut kept: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.trim();
        let chars = tag.chars().count();
        if chars == 0 || chars > MAX_TAG_CHARS {
            return Err(format!(
                "each tag must be 1 to {MAX_TAG_CHARS} characters ({tag:?} is not)"
            ));
        }
        if kept.iter().any(|k| k.to_lowercase() == tag.to_lowercase()) {
            return Err(format!("{tag:?} is there twice (tags ignore case)"));
        }
        kept.push(tag.to_owned());
    }
    Ok(kept)
}

/// A rating is 1 to 5.
pub fn check_rating(rating: Option<u8>) -> Result<Option<u8>, String> {
    match rating {
        Some(r) if !(1..=5).contains(&r) => Err(format!("must be 1 to 5 (not {r})")),
        other => Ok(other),
    }
}

/// `PUT /api/v1/videos/{id}/poster`: the poster becomes the frame at `at_ms` (at most the
/// video's duration); the answer is the video with its new poster URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PosterFrame {
    #[ts(type = "number")]
    pub at_ms: u64,
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
    /// The original as a download: `Content-Disposition: attachment;
    /// filename="handle-YYYY-MM-DD.ext"` (empty from servers that predate it).
    #[serde(default)]
    pub download: String,
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
    /// The person's TikTok user id, when their link was issued with one.
    #[serde(default)]
    pub user_id: Option<String>,
    pub self_reported: bool,
    pub filename: Option<String>,
    pub filetype: Option<String>,
    /// The consent text the recipient agreed to, exactly as shown.
    pub consent: Option<String>,
    /// When the consent was given: the moment the page started the upload that carried it.
    #[serde(default)]
    pub consent_at: Option<String>,
    /// sha256 of the original (lowercase hex); None until the server has read it whole.
    #[serde(default)]
    pub sha256: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_update_tells_an_absent_rating_from_a_cleared_one() {
        let read = |json: &str| serde_json::from_str::<ReviewUpdate>(json).unwrap();
        let absent = read(r#"{"decision":"approved","version":1}"#);
        assert_eq!((&absent.tags, absent.rating), (&None, None));
        assert_eq!(
            read(r#"{"decision":"approved","version":1,"rating":null}"#).rating,
            Some(None)
        );
        assert_eq!(
            read(r#"{"decision":"approved","version":1,"rating":4}"#).rating,
            Some(Some(4))
        );
        let cleared = ReviewUpdate {
            rating: Some(None),
            ..absent
        };
        let json = serde_json::to_value(&cleared).unwrap();
        assert!(json["rating"].is_null() && json.get("rating").is_some());
    }

    #[test]
    fn tags_are_trimmed_bounded_and_unique_ignoring_case() {
        let tags = |list: &[&str]| list.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(
            check_tags(&tags(&[" Hook ", "b-roll"])).unwrap(),
            ["Hook", "b-roll"]
        );
        assert!(
            check_tags(&tags(&["hook", "HOOK"]))
                .unwrap_err()
                .contains("twice")
        );
        assert!(check_tags(&tags(&[" "])).is_err());
        assert!(check_tags(&tags(&[&"x".repeat(33)])).is_err());
        assert!(check_tags(&vec!["t".to_string(); 21]).is_err());
        assert!(check_rating(Some(6)).is_err());
        assert_eq!(check_rating(None), Ok(None));
    }
}

/// The readable name of a video's original, `handle-YYYY-MM-DD.ext` (the day it was received,
/// UTC): the server's download and the desktop's export name files alike. Anything but ASCII
/// letters, digits, `_`, `.` and `-` becomes `_`, and a leading dot goes, so the name is safe
/// in a header and on any file system.
pub fn video_file_stem(handle: &str, received_at: &str) -> String {
    let mut stem: String = handle
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    stem = stem.trim_start_matches('.').to_owned();
    if stem.is_empty() {
        stem = "video".into();
    }
    let day: String = received_at.chars().take(10).collect();
    if day.len() == 10 {
        format!("{stem}-{day}")
    } else {
        stem
    }
}

/// The file extension of an original stored as the container `name` (`mp4`, `webm`,
/// `matroska`, `quicktime`).
pub fn original_extension(container: &str) -> &'static str {
    match container {
        "webm" => "webm",
        "matroska" => "mkv",
        "quicktime" => "mov",
        _ => "mp4",
    }
}

#[cfg(test)]
mod file_name_tests {
    use super::*;

    #[test]
    fn a_video_file_is_named_by_handle_and_day() {
        assert_eq!(
            video_file_stem("maya.bakes", "2026-03-04T10:11:12.000Z"),
            "maya.bakes-2026-03-04"
        );
        assert_eq!(
            video_file_stem("..a\"b/ü", "2026-03-04T10:11:12Z"),
            "a_b__-2026-03-04"
        );
        assert_eq!(video_file_stem("", "2026-03-04"), "video-2026-03-04");
        assert_eq!(original_extension("quicktime"), "mov");
    }
}
