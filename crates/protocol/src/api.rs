//! Request and response bodies of clipdesk-server's JSON API (`/api/v1/...`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `PUT /api/v1/campaigns/{slug}`: create or update a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CampaignUpsert {
    pub title: String,
    /// What the recipient is asked to record, shown under the greeting.
    #[serde(default)]
    pub prompt: String,
    #[serde(default = "default_max_duration_s")]
    pub max_duration_s: u32,
    /// RFC 3339; links of the campaign stop working after it.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Whether `/c/{slug}` serves a page where anyone can enter their handle.
    #[serde(default)]
    pub public_page: bool,
    /// The recorder page's language (`en`, `es`, …).
    #[serde(default)]
    pub language: Option<String>,
    /// Overrides of the recorder page's strings, by key.
    #[serde(default)]
    pub strings: BTreeMap<String, String>,
    /// Who the recipient gives their video to, named in the consent sentence; absent or
    /// blank, the server's `organisation` setting applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub organisation: Option<String>,
}

fn default_max_duration_s() -> u32 {
    60
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Campaign {
    pub slug: String,
    pub title: String,
    pub prompt: String,
    pub max_duration_s: u32,
    pub expires_at: Option<String>,
    pub public_page: bool,
    pub language: Option<String>,
    pub strings: BTreeMap<String, String>,
    /// The campaign's own organisation (not the server's fallback).
    pub organisation: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One person a link is made for. The handle is checked with TikTok's rules by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LinkRecipient {
    pub handle: String,
    /// TikTok's numeric user id, digits only, when known.
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `POST /api/v1/campaigns/{slug}/links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CreateLinks {
    pub recipients: Vec<LinkRecipient>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IssuedLink {
    pub handle: String,
    pub token: String,
    pub url: String,
    /// False when the link already existed for this (campaign, handle).
    pub created: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CreatedLinks {
    pub links: Vec<IssuedLink>,
}

/// `GET /api/v1/public/links/{token}`: what the recorder page needs, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PublicLink {
    pub token: String,
    pub handle: String,
    pub display_name: Option<String>,
    /// What the page greets the person by: [`crate::name::first_name`] of the display name,
    /// the same word a DM's `{{first_name}}` gave; `None` when it has none (the page then
    /// greets the @handle).
    pub first_name: Option<String>,
    pub campaign_title: String,
    pub prompt: String,
    pub max_duration_s: u32,
    pub uploads_left: u32,
    /// Videos this link already delivered (uploads that completed as videos and are still
    /// kept), so a second visit can say "we have your video".
    pub videos_received: u32,
    /// True for links made on the campaign page from a handle the visitor typed.
    pub self_reported: bool,
    pub language: Option<String>,
    pub strings: BTreeMap<String, String>,
    /// Who the consent sentence names: the campaign's organisation, else the server's; `None`
    /// when neither is set, and the page then names no one rather than the campaign title.
    pub organisation: Option<String>,
}

/// `GET /api/v1/public/campaigns/{slug}`: the campaign page before the visitor gave a handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PublicCampaign {
    pub slug: String,
    pub title: String,
    pub prompt: String,
    pub max_duration_s: u32,
    pub language: Option<String>,
    pub strings: BTreeMap<String, String>,
    /// As in [`PublicLink::organisation`].
    pub organisation: Option<String>,
}

/// `POST /api/v1/public/campaigns/{slug}/links`: a visitor's self-reported handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SelfReportedHandle {
    pub handle: String,
}

/// `POST /api/v1/public/links/{token}/decline`: the person said "no thanks" on the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DeclineLink {
    /// Why, in their words (at most 500 characters); optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
}

/// What happened, as the event feed names it. Kinds this build does not know are kept as
/// `unknown` so an older desktop skips them instead of failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    LinkCreated,
    LinkOpened,
    LinkRevoked,
    LinkForgotten,
    LinkDeclined,
    UploadStarted,
    VideoReceived,
    VideoRejected,
    VideoReady,
    VideoFailed,
    ReviewSet,
    /// A reviewer chose the video's poster from a frame; its poster URL changes.
    PosterSet,
    #[serde(other)]
    Unknown,
}

impl EventKind {
    /// Every kind this build knows (all but `Unknown`): what a subscription may name.
    pub const KNOWN: &'static [EventKind] = &[
        EventKind::LinkCreated,
        EventKind::LinkOpened,
        EventKind::LinkRevoked,
        EventKind::LinkForgotten,
        EventKind::LinkDeclined,
        EventKind::UploadStarted,
        EventKind::VideoReceived,
        EventKind::VideoRejected,
        EventKind::VideoReady,
        EventKind::VideoFailed,
        EventKind::ReviewSet,
        EventKind::PosterSet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::LinkCreated => "link_created",
            EventKind::LinkOpened => "link_opened",
            EventKind::LinkRevoked => "link_revoked",
            EventKind::LinkForgotten => "link_forgotten",
            EventKind::LinkDeclined => "link_declined",
            EventKind::UploadStarted => "upload_started",
            EventKind::VideoReceived => "video_received",
            EventKind::VideoRejected => "video_rejected",
            EventKind::VideoReady => "video_ready",
            EventKind::VideoFailed => "video_failed",
            EventKind::ReviewSet => "review_set",
            EventKind::PosterSet => "poster_set",
            EventKind::Unknown => "unknown",
        }
    }
}

/// One entry of the feed. `seq` grows by one per event and never repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Event {
    pub seq: i64,
    pub kind: EventKind,
    /// RFC 3339, UTC.
    pub at: String,
    pub campaign: Option<String>,
    pub handle: Option<String>,
    /// The link token the event is about.
    pub link: Option<String>,
    pub upload_id: Option<String>,
    pub video_id: Option<String>,
    /// Kind-specific facts (a rejection's reason, a video's size, …).
    #[ts(type = "Record<string, unknown>")]
    pub detail: serde_json::Value,
}

/// `GET /api/v1/events?after=SEQ&limit=N&wait=SECONDS`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct EventsPage {
    pub events: Vec<Event>,
    /// The `after` to ask with next: the last event's seq, or the request's `after`.
    pub next_after: i64,
    /// True when more events are waiting beyond this page.
    pub more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_kind_this_build_does_not_know_reads_as_unknown() {
        let kind: EventKind = serde_json::from_str("\"video_teleported\"").unwrap();
        assert_eq!(kind, EventKind::Unknown);
    }

    #[test]
    fn event_kind_as_str_matches_serde() {
        for &kind in EventKind::KNOWN {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert_eq!(
                serde_json::from_value::<EventKind>(kind.as_str().into()).unwrap(),
                kind
            );
        }
    }

    #[test]
    fn a_campaign_upsert_fills_defaults_and_refuses_unknown_fields() {
        let upsert: CampaignUpsert = serde_json::from_str(r#"{"title":"Spring"}"#).unwrap();
        assert_eq!(upsert.max_duration_s, 60);
        assert!(!upsert.public_page);
        let err = serde_json::from_str::<CampaignUpsert>(r#"{"title":"x","titel":"y"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("titel"), "{err}");
    }
}

/// `GET /api/v1/updates/{target}/{arch}/{current_version}?format=deb|rpm` when a newer release
/// exists: the dynamic manifest tauri-plugin-updater reads (absent when the answer is 204).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateManifest {
    pub version: String,
    pub notes: Option<String>,
    /// RFC 3339.
    pub pub_date: String,
    /// Where the package is downloaded, with the same operator token.
    pub url: String,
    /// The `.sig` file's content: a minisign signature, base64 as Tauri writes it.
    pub signature: String,
}
