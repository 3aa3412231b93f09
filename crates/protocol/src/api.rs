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
    /// Compare-and-set: the version this edit was made from (0 for "create, it must not
    /// exist yet"). A stale one gets 409 with the campaign as it now stands
    /// ([`CampaignConflict`]). Absent: the edit replaces whatever is there (other tools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub version: Option<i64>,
    /// Sends per operator in any 24 h, counted on the server from that operator's recorded
    /// sends (all campaigns): a claim past it gets 429.
    #[serde(default = "default_daily_cap")]
    #[ts(as = "Option<u32>", optional)]
    pub daily_cap: u32,
    /// Seconds an operator waits between two sends.
    #[serde(default)]
    #[ts(as = "Option<u32>", optional)]
    pub spacing_s: u32,
    /// A person DMed in another campaign in the last `hold_days` days is held back (0: never).
    #[serde(default = "default_hold_days")]
    #[ts(as = "Option<u32>", optional)]
    pub hold_days: u32,
    /// How long a claim is leased to its operator unless the claim asks for its own.
    #[serde(default = "default_lease_s")]
    #[ts(as = "Option<u32>", optional)]
    pub lease_s: u32,
    /// The desktop's own definition (message parts, variants, DM URL templates, follow-ups):
    /// a JSON object of at most 64 KiB, kept and handed back as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "Record<string, unknown>")]
    pub desktop: Option<serde_json::Value>,
}

fn default_max_duration_s() -> u32 {
    60
}

/// What an absent field means: the defaults a `{"title": ""}` body gets.
impl Default for CampaignUpsert {
    fn default() -> Self {
        Self {
            title: String::new(),
            prompt: String::new(),
            max_duration_s: default_max_duration_s(),
            expires_at: None,
            public_page: false,
            language: None,
            strings: BTreeMap::new(),
            organisation: None,
            version: None,
            daily_cap: default_daily_cap(),
            spacing_s: 0,
            hold_days: default_hold_days(),
            lease_s: default_lease_s(),
            desktop: None,
        }
    }
}

pub fn default_daily_cap() -> u32 {
    50
}

pub fn default_hold_days() -> u32 {
    30
}

pub fn default_lease_s() -> u32 {
    900
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
    /// Grows by one per edit; an edit names the version it was made from.
    #[serde(default)]
    pub version: i64,
    /// The token name of whoever made the last edit (absent before team mode).
    #[serde(default)]
    pub updated_by: Option<String>,
    #[serde(default = "default_daily_cap")]
    pub daily_cap: u32,
    #[serde(default)]
    pub spacing_s: u32,
    #[serde(default = "default_hold_days")]
    pub hold_days: u32,
    #[serde(default = "default_lease_s")]
    pub lease_s: u32,
    #[serde(default)]
    #[ts(type = "Record<string, unknown> | null")]
    pub desktop: Option<serde_json::Value>,
}

/// `GET /api/v1/campaigns`: every campaign, by slug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CampaignList {
    pub campaigns: Vec<Campaign>,
}

/// `DELETE /api/v1/campaigns/{slug}` (admin): what went with the campaign. Its sends stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CampaignDeleted {
    pub deleted: String,
    /// Links deleted with it (claims went with their links).
    pub links: u64,
}

/// The 409 a stale campaign `version` gets: the usual error and the campaign as it now stands,
/// so the desktop can show both versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CampaignConflict {
    pub error: crate::ErrorBody,
    pub current: Campaign,
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
    /// Labels the desktop gave the person (at most 20, each 1–32 characters); the link's
    /// `link_created` event carries them to every desktop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
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
    /// A campaign was created or edited; `detail` is the whole [`Campaign`].
    CampaignUpdated,
    /// An operator claimed a recipient; `detail`: `claim`, `operator`, `lease_expires_at`.
    ClaimCreated,
    /// A claim ended without an outcome; `detail`: `claim`, `operator`, `reason`
    /// (`given_back` or `expired`).
    ClaimReleased,
    /// An operator recorded an outcome; `detail`: `claim`, `operator`, `outcome`, `reason`,
    /// `until`.
    OutcomeSet,
    /// An operator took an outcome back; the person is in the pool again. `detail`: `claim`,
    /// `operator`, `outcome` (the one undone).
    OutcomeUndone,
    /// An admin deleted a campaign that had no videos or uploads: its links and claims are
    /// gone (its sends still count for pacing and the hold). `detail`: `deleted_by`, `links`.
    CampaignDeleted,
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
        EventKind::CampaignUpdated,
        EventKind::ClaimCreated,
        EventKind::ClaimReleased,
        EventKind::OutcomeSet,
        EventKind::OutcomeUndone,
        EventKind::CampaignDeleted,
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
            EventKind::CampaignUpdated => "campaign_updated",
            EventKind::ClaimCreated => "claim_created",
            EventKind::ClaimReleased => "claim_released",
            EventKind::OutcomeSet => "outcome_set",
            EventKind::OutcomeUndone => "outcome_undone",
            EventKind::CampaignDeleted => "campaign_deleted",
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
