//! What both template languages report: every problem found, each with its field and place,
//! so the operator fixes them all in one go.

use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::CoreError;

/// The campaign field that holds the message template.
pub(super) const TEMPLATE_FIELD: &str = "template";

/// One thing wrong with a template or DM address, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TemplateProblem {
    /// What the problem is in: `template`, `dm_url_with_id` or `dm_url_without_id` (the
    /// campaign's field names).
    pub field: String,
    /// 0-based part index; `None` when the problem is about the whole template.
    pub part: Option<u32>,
    /// 0-based variant index within the part.
    pub variant: Option<u32>,
    /// Where in the text, in characters (Unicode scalar values) from its start.
    pub char_offset: Option<u32>,
    /// The same place in UTF-16 code units, which is what a browser text field counts.
    pub utf16_offset: Option<u32>,
    /// The variable or placeholder concerned, as written.
    pub variable: Option<String>,
    pub reason: String,
}

impl TemplateProblem {
    /// A problem with `field` as a whole; the methods below narrow down where.
    pub(super) fn in_field(field: &str, reason: impl Into<String>) -> Self {
        TemplateProblem {
            field: field.to_owned(),
            part: None,
            variant: None,
            char_offset: None,
            utf16_offset: None,
            variable: None,
            reason: reason.into(),
        }
    }

    /// A problem with the message template as a whole.
    pub(super) fn in_template(reason: impl Into<String>) -> Self {
        Self::in_field(TEMPLATE_FIELD, reason)
    }

    /// A problem with one part of the message template.
    pub(super) fn in_part(part: usize, reason: impl Into<String>) -> Self {
        TemplateProblem {
            part: Some(part as u32),
            ..Self::in_template(reason)
        }
    }

    /// A problem with one variant of a part.
    pub(super) fn in_variant(part: usize, variant: usize, reason: impl Into<String>) -> Self {
        TemplateProblem {
            variant: Some(variant as u32),
            ..Self::in_part(part, reason)
        }
    }

    /// A problem at a place inside one variant's text.
    pub(super) fn at(at: At, reason: impl Into<String>) -> Self {
        TemplateProblem {
            part: Some(at.part),
            variant: Some(at.variant),
            ..Self::in_template(reason).at_offset(at.offset)
        }
    }

    /// The same problem, at `offset` in its text.
    pub(super) fn at_offset(self, offset: Offset) -> Self {
        TemplateProblem {
            char_offset: Some(offset.chars),
            utf16_offset: Some(offset.utf16),
            ..self
        }
    }

    /// The same problem, about `variable` (or placeholder) as written.
    pub(super) fn about(self, variable: &str) -> Self {
        TemplateProblem {
            variable: Some(variable.to_owned()),
            ..self
        }
    }
}

impl fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        match self.field.as_str() {
            "dm_url_with_id" => place.push("DM address with a user id".to_owned()),
            "dm_url_without_id" => place.push("DM address without a user id".to_owned()),
            _ => {}
        }
        if let Some(part) = self.part {
            place.push(format!("part {}", part + 1));
        }
        if let Some(variant) = self.variant {
            place.push(format!("variant {}", variant + 1));
        }
        if let Some(offset) = self.char_offset {
            place.push(format!("character {}", offset + 1));
        }
        if place.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", place.join(", "), self.reason)
        }
    }
}

/// Every problem found, so the operator fixes them all in one go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
pub struct TemplateError {
    pub problems: Vec<TemplateProblem>,
}

impl TemplateError {
    /// Fails with every problem found; succeeds when there is none.
    pub(super) fn check(problems: Vec<TemplateProblem>) -> Result<(), Self> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(TemplateError { problems })
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problems: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        f.write_str(&problems.join("; "))
    }
}

impl From<TemplateProblem> for TemplateError {
    fn from(problem: TemplateProblem) -> Self {
        TemplateError {
            problems: vec![problem],
        }
    }
}

impl From<TemplateError> for CoreError {
    fn from(err: TemplateError) -> Self {
        let field = err
            .problems
            .first()
            .map_or(TEMPLATE_FIELD, |p| p.field.as_str())
            .to_owned();
        CoreError::Invalid {
            field,
            reason: err.to_string(),
        }
    }
}

/// A place in a text, counted both ways: characters, and UTF-16 units as a browser does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Offset {
    chars: u32,
    utf16: u32,
}

impl Offset {
    /// The place of `byte` (a char boundary) in `text`.
    pub(super) fn of(text: &str, byte: usize) -> Self {
        let before = &text[..byte];
        Offset {
            chars: before.chars().count() as u32,
            utf16: before.encode_utf16().count() as u32,
        }
    }
}

/// A position inside one variant's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct At {
    part: u32,
    variant: u32,
    offset: Offset,
}

impl At {
    pub(super) fn in_text(part: usize, variant: usize, text: &str, byte: usize) -> Self {
        At {
            part: part as u32,
            variant: variant as u32,
            offset: Offset::of(text, byte),
        }
    }
}
