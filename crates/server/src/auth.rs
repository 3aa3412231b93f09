//! Callers authenticate with `Authorization: Bearer <token>`; the token's SHA-256 is looked
//! up among the unrevoked API tokens. A token carries roles (`admin`, `operator`,
//! `reviewer`); a handler names the role it needs by the extractor it takes ([`Operator`],
//! [`Reviewer`], [`Admin`], or [`Caller`] for any valid token), and a token without that role
//! gets 403 naming it.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use rusqlite::OptionalExtension;

use crate::domain::hash_api_token;
use crate::error::ApiError;
use crate::state::AppState;

/// What a token may do. Tokens made before roles existed hold all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Tokens, webhooks, deleting campaigns.
    Admin,
    /// Campaigns, recipients, claims and outcomes.
    Operator,
    /// Videos and reviews.
    Reviewer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Operator, Role::Reviewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Reviewer => "reviewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// A comma-separated list (`operator,reviewer`): each known, at least one, no repeats;
    /// the error names the bad part. Returned sorted, as stored.
    pub fn parse_list(text: &str) -> Result<Vec<Role>, String> {
        let mut roles = Vec::new();
        for part in text.split(',').map(str::trim) {
            let role = Role::parse(part).ok_or_else(|| {
                format!("unknown role {part:?}; roles are admin, operator, reviewer")
            })?;
            if roles.contains(&role) {
                return Err(format!("role {part:?} is named twice"));
            }
            roles.push(role);
        }
        roles.sort();
        Ok(roles)
    }

    /// The stored form: `admin,operator,reviewer`.
    pub fn join(roles: &[Role]) -> String {
        roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Whoever sent a valid token, with the roles it carries.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The name the token was created with (`token create --name`).
    pub name: String,
    pub roles: Vec<Role>,
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Ok when the token carries `role`, else 403 naming the role it needs.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.has(role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs the {} role; the token {:?} has {}",
                role.as_str(),
                self.name,
                if self.roles.is_empty() {
                    "none".to_owned()
                } else {
                    Role::join(&self.roles)
                }
            )))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::Unauthorized("missing Authorization: Bearer <token>".into())
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthorized("Authorization must be 'Bearer <token>'".into())
            })?;
        let hash = hash_api_token(token);
        let (name, roles) = state
            .db()
            .call(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT name, roles FROM api_tokens
                         WHERE token_hash = ?1 AND revoked_at IS NULL",
                        [hash],
                        |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
                    )
                    .optional()?)
            })
            .await?
            .ok_or_else(|| ApiError::Unauthorized("unknown or revoked API token".into()))?;
        // Stored by `tokens::create` from a checked list; an unknown name grants nothing.
        let roles = roles.split(',').filter_map(Role::parse).collect();
        Ok(Caller { name, roles })
    }
}

/// A caller whose token carries one role; the role is part of the type.
macro_rules! role_extractor {
    ($name:ident, $role:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone)]
        pub struct $name {
            pub name: String,
        }

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, ApiError> {
                let caller = Caller::from_request_parts(parts, state).await?;
                caller.require($role)?;
                Ok($name { name: caller.name })
            }
        }
    };
}

role_extractor!(
    Operator,
    Role::Operator,
    "A caller with the `operator` role: campaigns, recipients, claims, outcomes."
);
role_extractor!(
    Reviewer,
    Role::Reviewer,
    "A caller with the `reviewer` role: videos and reviews."
);
role_extractor!(
    Admin,
    Role::Admin,
    "A caller with the `admin` role: webhooks, campaign deletion."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_lists_are_checked_and_sorted() {
        assert_eq!(
            Role::parse_list("reviewer, operator"),
            Ok(vec![Role::Operator, Role::Reviewer])
        );
        assert_eq!(Role::join(&Role::ALL), "admin,operator,reviewer");
        let unknown = Role::parse_list("operator,boss").unwrap_err();
        assert!(unknown.contains("\"boss\""), "{unknown}");
        assert!(Role::parse_list("operator,operator").is_err());
        assert!(Role::parse_list("").is_err());
    }

    #[test]
    fn forbidden_names_the_role_needed() {
        let ana = Caller {
            name: "ana".into(),
            roles: vec![Role::Operator],
        };
        assert!(ana.require(Role::Operator).is_ok());
        let err = ana.require(Role::Reviewer).unwrap_err().to_string();
        assert!(err.contains("reviewer role"), "{err}");
        assert!(err.contains("\"ana\" has operator"), "{err}");
    }
}
