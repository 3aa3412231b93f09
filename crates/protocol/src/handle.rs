//! A TikTok handle, normalised and checked against TikTok's username rules.

use serde::{Deserialize, Serialize};
const MIN_LEN: usize = 2;
const MAX_LEN: usize = 24;

/// A TikTok username without `@`, in lower case: 2–24 of ASCII letters, digits, `_` and
/// `.`, not ending in `.`. Only [`Handle::parse`] makes one, so holding one means it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Handle(String);

/// Why a handle was refused, worded for the operator who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandleError {
    #[error("handle is empty")]
    Empty,
    #[error("handle is too short: {len} character(s), at least {MIN_LEN}")]
    TooShort { len: usize },
    #[error("handle is too long: {len} characters, at most {MAX_LEN}")]
    TooLong { len: usize },
    #[error(
        "handle has a bad character {character:?} at position {position}: only letters, digits, '_' and '.' are allowed"
    )]
    BadCharacter { character: char, position: usize },
    #[error("handle ends with a dot")]
    EndsWithDot,
}

impl Handle {
    /// Normalises (`" @Maya.Bakes "` → `maya.bakes`) and checks TikTok's rules.
    pub fn parse(input: &str) -> Result<Self, HandleError> {
        let trimmed = input.trim();
        let bare = trimmed.strip_prefix('@').unwrap_or(trimmed);
        if bare.is_empty() {
            return Err(HandleError::Empty);
        }
        // Characters are checked before length so "@maya bakes!" reports the real problem.
        if let Some((index, character)) = bare
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.'))
        {
            return Err(HandleError::BadCharacter {
                character,
                position: index + 1,
            });
        }
        let len = bare.len();
        if len < MIN_LEN {
            return Err(HandleError::TooShort { len });
        }
        if len > MAX_LEN {
            return Err(HandleError::TooLong { len });
        }
        if bare.ends_with('.') {
            return Err(HandleError::EndsWithDot);
        }
        Ok(Handle(bare.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Handle {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Handle {
    type Error = HandleError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Handle::parse(&value)
    }
}

impl From<Handle> for String {
    fn from(handle: Handle) -> Self {
        handle.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_at_and_case_are_normalised_away() {
        assert_eq!(Handle::parse("@Maya.Bakes").unwrap().as_str(), "maya.bakes");
        assert_eq!(Handle::parse("  DJ_Khaled ").unwrap().as_str(), "dj_khaled");
    }

    #[test]
    fn two_and_twenty_four_characters_are_the_bounds() {
        assert!(Handle::parse("ab").is_ok());
        assert_eq!(Handle::parse("a"), Err(HandleError::TooShort { len: 1 }));
        assert!(Handle::parse(&"a".repeat(24)).is_ok());
        assert_eq!(
            Handle::parse(&"a".repeat(25)),
            Err(HandleError::TooLong { len: 25 })
        );
    }

    #[test]
    fn the_at_sign_does_not_count_towards_the_length() {
        assert!(Handle::parse(&format!("@{}", "a".repeat(24))).is_ok());
    }

    #[test]
    fn only_letters_digits_underscore_and_dot_are_allowed() {
        assert_eq!(
            Handle::parse("maya-bakes"),
            Err(HandleError::BadCharacter {
                character: '-',
                position: 5
            })
        );
        assert!(matches!(
            Handle::parse("mäya"),
            Err(HandleError::BadCharacter {
                character: 'ä', ..
            })
        ));
        assert!(matches!(
            Handle::parse("maya bakes"),
            Err(HandleError::BadCharacter { character: ' ', .. })
        ));
        assert!(matches!(
            Handle::parse("@@maya"),
            Err(HandleError::BadCharacter { character: '@', .. })
        ));
        assert!(Handle::parse("m.a_y.a_2024").is_ok());
    }

    #[test]
    fn a_handle_may_not_end_with_a_dot_but_may_contain_one() {
        assert_eq!(Handle::parse("maya."), Err(HandleError::EndsWithDot));
        assert!(Handle::parse(".maya").is_ok());
    }

    #[test]
    fn empty_input_is_reported_as_empty() {
        assert_eq!(Handle::parse(""), Err(HandleError::Empty));
        assert_eq!(Handle::parse(" @ "), Err(HandleError::Empty));
    }

    #[test]
    fn deserialising_applies_the_same_rules() {
        let ok: Handle = serde_json::from_str("\"@Maya\"").unwrap();
        assert_eq!(ok.as_str(), "maya");
        let err = serde_json::from_str::<Handle>("\"maya.\"").unwrap_err();
        assert!(err.to_string().contains("ends with a dot"), "{err}");
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// TikTok's rules, written out again independently of `parse`.
        fn follows_tiktoks_rules(handle: &str) -> bool {
            (MIN_LEN..=MAX_LEN).contains(&handle.len())
                && handle
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
                && !handle.ends_with('.')
        }

        fn check(input: &str) -> Result<(), TestCaseError> {
            match Handle::parse(input) {
                Ok(handle) => {
                    let bare = input.trim();
                    let bare = bare.strip_prefix('@').unwrap_or(bare);
                    prop_assert_eq!(handle.as_str(), bare.to_ascii_lowercase());
                    prop_assert!(follows_tiktoks_rules(handle.as_str()), "{:?}", handle);
                    // Accepted handles round-trip: parsed again, with an @, and through JSON.
                    prop_assert_eq!(&Handle::parse(handle.as_str()), &Ok(handle.clone()));
                    prop_assert_eq!(&Handle::parse(&format!("@{handle}")), &Ok(handle.clone()));
                    let json = serde_json::to_string(&handle)
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let back: Handle = serde_json::from_str(&json)
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert_eq!(back, handle);
                }
                Err(err) => {
                    let message = err.to_string();
                    prop_assert!(message.starts_with("handle "), "{}", message);
                    let bare = input.trim();
                    let bare = bare.strip_prefix('@').unwrap_or(bare);
                    // Each refusal names the real problem of this input.
                    match err {
                        HandleError::Empty => prop_assert!(bare.is_empty()),
                        HandleError::BadCharacter {
                            character,
                            position,
                        } => {
                            prop_assert_eq!(bare.chars().nth(position - 1), Some(character));
                            prop_assert!(
                                !(character.is_ascii_alphanumeric()
                                    || character == '_'
                                    || character == '.')
                            );
                            prop_assert!(
                                message.contains(&format!("{character:?}")),
                                "{}",
                                message
                            );
                        }
                        HandleError::TooShort { len } => {
                            prop_assert!(len == bare.len() && len < MIN_LEN)
                        }
                        HandleError::TooLong { len } => {
                            prop_assert!(len == bare.len() && len > MAX_LEN)
                        }
                        HandleError::EndsWithDot => prop_assert!(bare.ends_with('.')),
                    }
                }
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn any_text_is_a_handle_or_a_named_refusal_never_a_panic(
                // Any characters, control characters and line breaks included.
                input in "(?s).{0,64}",
            ) {
                check(&input)?;
            }

            #[test]
            fn every_handle_tiktok_allows_is_accepted(
                input in "@?[A-Za-z0-9_.]{1,23}[A-Za-z0-9_]",
            ) {
                prop_assert!(Handle::parse(&input).is_ok(), "{:?}", input);
                check(&input)?;
            }

            #[test]
            fn handle_shaped_text_is_checked_by_tiktoks_rules(
                input in "[ \t]{0,2}@{0,2}[A-Za-z0-9_.]{0,27}[ .!-]{0,2}[ \t]{0,2}",
            ) {
                check(&input)?;
            }
        }
    }
}
