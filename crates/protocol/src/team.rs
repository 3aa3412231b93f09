//! Team mode: operators claim recipients from the server under a lease and record outcomes
//! there, so two operators never message the same person.
//!
//! - `POST /api/v1/campaigns/{slug}/claims` ([`ClaimRequest`]) → `201` [`ClaimCreated`]; `204`
//!   when nobody is left to claim; `429` with `Retry-After` when this operator's pacing does
//!   not allow a send yet.
//! - `PUT /api/v1/claims/{id}/outcome` ([`OutcomeRequest`]) → `200` [`ClaimView`]; `409` when
//!   the lease expired and someone else has claimed the person since.
//! - `DELETE /api/v1/claims/{id}/outcome` → `200` [`ClaimView`]: the outcome is undone and the
//!   person is back in the pool.
//! - `DELETE /api/v1/claims/{id}` → `204`: the person is given back at once.
//! - `GET /api/v1/campaigns/{slug}/held` → [`HeldList`]: who is held back, and why.
//! - `POST /api/v1/campaigns/{slug}/history` ([`HistoryRequest`]) → `200` [`HistoryRecorded`]:
//!   outcomes a desktop recorded outside a claim (before team mode), recorded once.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `POST /api/v1/campaigns/{slug}/claims`. Every field is optional: `{}` claims the next person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// Seconds the lease lasts (5 to 86,400); the campaign's `lease_s` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub lease_s: Option<u32>,
    /// Claim this recipient (a link token of the campaign) instead of the next one: a held
    /// person, a due follow-up, someone picked in Contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub link: Option<String>,
    /// Hand out a person held back by the cross-campaign hold: the operator chose to.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub override_hold: bool,
    /// Claim past this operator's pacing ("send anyway").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub override_pacing: bool,
}

/// The `201` of a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ClaimCreated {
    pub claim: Claim,
}

/// One operator's lease on one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Claim {
    pub id: String,
    /// The recipient's link token.
    pub token: String,
    /// The link as the recipient opens it (`<public url>/r/<token>`): what the message carries.
    #[serde(default)]
    pub url: String,
    pub handle: String,
    pub user_id: Option<String>,
    pub display_name: Option<String>,
    /// RFC 3339, UTC.
    pub lease_expires_at: String,
    pub campaign: String,
    pub operator: String,
    /// The recipient's tags, as the desktop that added them gave them.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Set when this claim overrode the cross-campaign hold: the send it overrode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub held: Option<Hold>,
}

/// Why a person is held back: a DM another campaign sent them recently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Hold {
    pub campaign: String,
    pub operator: String,
    /// RFC 3339, UTC: when that DM was sent.
    pub sent_at: String,
    /// RFC 3339, UTC: when the hold ends.
    pub until: String,
}

/// What an operator records for a claimed person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ClaimOutcome {
    Sent,
    Skipped,
    CantDm,
    /// Put off until `until`; the person is back in the pool then.
    Later,
}

impl ClaimOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimOutcome::Sent => "sent",
            ClaimOutcome::Skipped => "skipped",
            ClaimOutcome::CantDm => "cant_dm",
            ClaimOutcome::Later => "later",
        }
    }
}

/// `PUT /api/v1/claims/{id}/outcome`. Sending the same outcome again answers 200 unchanged
/// (an outbox may retry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    pub outcome: ClaimOutcome,
    /// Why (can't DM: privacy, age, not_following, …), at most 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
    /// RFC 3339; required for `later`, in the future and within a year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub until: Option<String>,
    /// RFC 3339: when the operator marked it, if earlier than the request (an outbox sending
    /// it late). Pacing counts the send at this time; at most 24 h back, never ahead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub at: Option<String>,
}

/// A claim as it stands (the answer to an outcome or an undo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ClaimView {
    pub claim: Claim,
    /// `open`, or how it ended: `sent`, `skipped`, `cant_dm`, `later`, `given_back`, `expired`,
    /// `undone`.
    pub state: String,
    /// RFC 3339, when it ended.
    pub ended_at: Option<String>,
}

/// `GET /api/v1/campaigns/{slug}/held`: recipients of the campaign nobody has handled that
/// the cross-campaign hold keeps back, with the send that holds each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HeldList {
    pub held: Vec<HeldRecipient>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HeldRecipient {
    pub token: String,
    pub handle: String,
    pub display_name: Option<String>,
    pub hold: Hold,
}

/// `POST /api/v1/campaigns/{slug}/history`: what a desktop recorded before team mode, pushed
/// once when it first syncs (at most 1,000 entries a request). Every entry is checked before
/// anything is written; a link that already has an outcome on the server is left alone, so
/// pushing twice changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct HistoryRequest {
    pub entries: Vec<HistoryEntry>,
}

/// One recipient's outcome as the desktop recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    /// The recipient's link token (of this campaign).
    pub token: String,
    pub outcome: ClaimOutcome,
    /// RFC 3339: when it was recorded (for `sent`, when the DM was sent); not in the future.
    pub at: String,
    /// At most 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
    /// RFC 3339, `later` only: when to come back to this person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub until: Option<String>,
    /// The desktop's operator name, kept in the event's detail only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub operator: Option<String>,
}

/// The answer to a history push: entries written now, and entries whose link already had an
/// outcome (left alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HistoryRecorded {
    pub recorded: u32,
    pub already: u32,
}
