//! The one error shape every API answers with: `{"error":{"code","message"}}`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Stable codes a client switches on; the message is for people and may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed or a field breaks a rule; the message names the field.
    Invalid,
    /// No bearer token, or one that is unknown or revoked.
    Unauthorized,
    NotFound,
    /// A link past its expiry (its campaign's or its own).
    Expired,
    /// A link the operator revoked.
    Revoked,
    /// A link whose person said "no thanks" on the page.
    Declined,
    /// A link used up its uploads.
    LimitReached,
    /// An upload that is not a video we can take (empty, unknown container).
    NotAVideo,
    /// A tus PATCH whose `Upload-Checksum` does not match its body.
    ChecksumMismatch,
    /// The resource changed since the client read it.
    Conflict,
    /// The resource is busy with another request (a second PATCH on one upload).
    Locked,
    PayloadTooLarge,
    RateLimited,
    /// A dependency (disk, ffmpeg, the server) is not available right now.
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Invalid => "invalid",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Expired => "expired",
            ErrorCode::Revoked => "revoked",
            ErrorCode::Declined => "declined",
            ErrorCode::LimitReached => "limit_reached",
            ErrorCode::NotAVideo => "not_a_video",
            ErrorCode::ChecksumMismatch => "checksum_mismatch",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Locked => "locked",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

/// The top-level JSON of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

impl ErrorResponse {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: ErrorBody {
                code,
                message: message.into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_serialises_with_a_snake_case_code_under_error() {
        let body = ErrorResponse::new(ErrorCode::PayloadTooLarge, "too big");
        let json = serde_json::to_value(&body).expect("serialisable");
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "payload_too_large", "message": "too big"}})
        );
    }

    #[test]
    fn as_str_matches_the_serialised_code() {
        for code in [
            ErrorCode::Invalid,
            ErrorCode::Unauthorized,
            ErrorCode::NotFound,
            ErrorCode::Expired,
            ErrorCode::Revoked,
            ErrorCode::LimitReached,
            ErrorCode::NotAVideo,
            ErrorCode::ChecksumMismatch,
            ErrorCode::Conflict,
            ErrorCode::Locked,
            ErrorCode::PayloadTooLarge,
            ErrorCode::RateLimited,
            ErrorCode::Unavailable,
            ErrorCode::Internal,
        ] {
            let json = serde_json::to_value(code).expect("serialisable");
            assert_eq!(json.as_str(), Some(code.as_str()));
        }
    }
}
