//! The server's error type and its mapping to an HTTP status and the stable JSON error body.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clipdesk_protocol::{ErrorCode, ErrorResponse};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    NotFound(String),
    #[error("this link has expired")]
    LinkExpired,
    #[error("this link was revoked")]
    LinkRevoked,
    #[error("the person behind this link said no thanks; it takes no videos")]
    LinkDeclined,
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// A request the route cannot read at all (an unknown package format): 400.
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    LimitReached(String),
    #[error("{0}")]
    NotAVideo(String),
    #[error("Upload-Checksum does not match the body; the bytes were discarded")]
    ChecksumMismatch,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("only tus 1.0.0 is supported (Tus-Resumable: 1.0.0)")]
    TusVersion,
    #[error("too many requests; try again in a minute")]
    RateLimited,
    /// A limit counted over a longer window than [`ApiError::RateLimited`]'s minute.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after: std::time::Duration,
    },
    #[error("{0}")]
    InsufficientStorage(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ApiError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// An I/O error while storing bytes: a full disk is named as such.
    pub fn storage(err: std::io::Error, doing: &str) -> Self {
        if err.kind() == std::io::ErrorKind::StorageFull {
            ApiError::InsufficientStorage(format!("the server's disk is full while {doing}"))
        } else {
            ApiError::Unexpected(
                anyhow::Error::new(err).context(format!("I/O error while {doing}")),
            )
        }
    }

    pub fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            ApiError::LinkExpired => (StatusCode::NOT_FOUND, ErrorCode::Expired),
            ApiError::LinkRevoked => (StatusCode::NOT_FOUND, ErrorCode::Revoked),
            ApiError::LinkDeclined => (StatusCode::NOT_FOUND, ErrorCode::Declined),
            ApiError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::Invalid),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::Invalid),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Unauthorized),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
            ApiError::Locked(_) => (StatusCode::LOCKED, ErrorCode::Locked),
            ApiError::PayloadTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
            }
            ApiError::LimitReached(_) => (StatusCode::FORBIDDEN, ErrorCode::LimitReached),
            ApiError::NotAVideo(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::NotAVideo),
            // tus's checksum extension names 460 for a mismatch.
            ApiError::ChecksumMismatch => (
                StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST),
                ErrorCode::ChecksumMismatch,
            ),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::Invalid)
            }
            ApiError::TusVersion => (StatusCode::PRECONDITION_FAILED, ErrorCode::Invalid),
            ApiError::RateLimited | ApiError::TooManyRequests { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited)
            }
            ApiError::InsufficientStorage(_) => {
                (StatusCode::INSUFFICIENT_STORAGE, ErrorCode::Unavailable)
            }
            ApiError::Unexpected(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            // Internal details go to the log, not to the client.
            ApiError::Unexpected(err) => {
                tracing::error!(error = format!("{err:#}"), "request failed");
                "internal error; see the server log".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = (status, Json(ErrorResponse::new(code, message))).into_response();
        let retry_after_s = match &self {
            ApiError::RateLimited => Some(60),
            ApiError::TooManyRequests { retry_after, .. } => {
                Some(retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0))
            }
            _ => None,
        };
        if let Some(seconds) = retry_after_s {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(rejection.body_text())
        } else {
            ApiError::invalid("body", rejection.body_text())
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::invalid("path", rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::invalid("query", rejection.body_text())
    }
}

/// `Json` whose rejections answer in our error shape instead of axum's plain text.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// `Query` with our error shape.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);
