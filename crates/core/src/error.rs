//! The error every core call returns: variants a caller (the Tauri shell, the UI) can act on,
//! serialised as the same `{code, message}` the server uses.

use clipdesk_protocol::ErrorCode;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{0}")]
    NotFound(String),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// The thing changed under the caller (another window, another reviewer).
    #[error("{0}")]
    Conflict(String),
    /// The server (or another dependency) cannot be reached right now.
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl CoreError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        CoreError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::NotFound(_) => ErrorCode::NotFound,
            CoreError::Invalid { .. } => ErrorCode::Invalid,
            CoreError::Conflict(_) => ErrorCode::Conflict,
            CoreError::Unavailable(_) => ErrorCode::Unavailable,
            CoreError::Unexpected(_) => ErrorCode::Internal,
        }
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(err: rusqlite::Error) -> Self {
        CoreError::Unexpected(anyhow::Error::new(err).context("local database error"))
    }
}

/// What crosses the bridge to the UI: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UserError {
    pub code: ErrorCode,
    pub message: String,
    /// The field an `invalid` error is about (a campaign's `name`, `template`,
    /// `daily_cap`…), so a form can show the message beside it.
    pub field: Option<String>,
}

impl From<&CoreError> for UserError {
    fn from(err: &CoreError) -> Self {
        let message = match err {
            CoreError::Unexpected(inner) => {
                tracing::error!(error = format!("{inner:#}"), "unexpected error");
                "something went wrong; the log has the details".to_owned()
            }
            other => other.to_string(),
        };
        let field = match err {
            CoreError::Invalid { field, .. } => Some(field.clone()),
            _ => None,
        };
        UserError {
            code: err.code(),
            message,
            field,
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_field_reaches_the_ui_by_name() {
        let shown = UserError::from(&CoreError::invalid("daily_cap", "must be 1 to 1000 a day"));
        assert_eq!(shown.code, ErrorCode::Invalid);
        assert_eq!(shown.field.as_deref(), Some("daily_cap"));
        assert_eq!(
            UserError::from(&CoreError::NotFound("no campaign #7".into())).field,
            None
        );
    }
}
