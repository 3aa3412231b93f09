//! A campaign's slug: the `{slug}` in `/c/{slug}` and the API paths.

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    /// 1–64 of lower-case ASCII letters, digits and `-`, not starting or ending with `-`.
    pub fn parse(input: &str) -> Result<Self, ApiError> {
        let ok_chars = input
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if input.is_empty() || input.len() > 64 {
            return Err(ApiError::invalid("slug", "must be 1 to 64 characters"));
        }
        if !ok_chars {
            return Err(ApiError::invalid(
                "slug",
                format!("{input:?} may only use lower-case letters, digits and '-'"),
            ));
        }
        if input.starts_with('-') || input.ends_with('-') {
            return Err(ApiError::invalid("slug", "may not start or end with '-'"));
        }
        Ok(Slug(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_words_joined_by_dashes() {
        assert!(Slug::parse("spring-2026").is_ok());
        assert!(Slug::parse("Spring").is_err());
        assert!(Slug::parse("-x").is_err());
        assert!(Slug::parse("a b").is_err());
        assert!(Slug::parse("").is_err());
        assert!(Slug::parse(&"a".repeat(65)).is_err());
    }
}
