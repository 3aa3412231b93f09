//! The message template language: parts with variants and `{{variables}}`, checked once
//! when a campaign is saved and rendered per contact with a variant chosen stably from the
//! handle.
//!
//! Variables: `handle`, `display_name`, `first_name` (the display name's first word with a
//! letter, by `clipdesk_protocol::name::first_name`),
//! `tags` (the contact's tags joined with ", "), `campaign` and `link`. `{{name|fallback}}`
//! renders the fallback when the value is empty; without one an empty value renders as
//! nothing. `link` is the exception: a message without its link is useless, so a missing
//! link fails the render and `link` takes no fallback. There is no escape for `{{`.

use std::borrow::Cow;

use clipdesk_protocol::name::first_name;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::problem::{At, TemplateError, TemplateProblem};
use super::variant::variant_for;
use super::video_url::{is_tiktok_video_url, not_a_video_reason};

/// A message: one or more parts sent one after another, each with variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Template {
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Part {
    pub kind: PartKind,
    /// Alternative wordings; each contact always gets the same one.
    pub variants: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PartKind {
    Text,
    /// The address of a TikTok video, sent alone so TikTok shows it as a playable card.
    TiktokVideo,
}

impl Part {
    pub fn text<S: Into<String>>(variants: impl IntoIterator<Item = S>) -> Self {
        Part {
            kind: PartKind::Text,
            variants: variants.into_iter().map(Into::into).collect(),
        }
    }

    pub fn tiktok_video(url: impl Into<String>) -> Self {
        Part {
            kind: PartKind::TiktokVideo,
            variants: vec![url.into()],
        }
    }
}

/// The variable names a template may use, for the editor's help.
pub const VARIABLES: &[&str] = &[
    "handle",
    "display_name",
    "first_name",
    "tags",
    "campaign",
    "link",
];

/// Shown instead of the contact's link before the campaign's links are registered.
pub const PREVIEW_LINK: &str = "https://clipdesk.invalid/r/PREVIEW";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variable {
    Handle,
    DisplayName,
    FirstName,
    Tags,
    Campaign,
    Link,
}

impl Variable {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "handle" => Variable::Handle,
            "display_name" => Variable::DisplayName,
            "first_name" => Variable::FirstName,
            "tags" => Variable::Tags,
            "campaign" => Variable::Campaign,
            "link" => Variable::Link,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Text(String),
    Variable {
        variable: Variable,
        fallback: Option<String>,
        at: At,
    },
}

/// A template that passed [`parse`], held as tokens so rendering is only string pushes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedTemplate {
    template: Template,
    /// Per part: its kind and, per variant, the tokens.
    parts: Vec<(PartKind, Vec<Vec<Token>>)>,
}

impl CheckedTemplate {
    /// The template as the operator wrote it, for storing and editing.
    pub fn template(&self) -> &Template {
        &self.template
    }

    /// The JSON stored in `campaigns.template`.
    pub fn to_json(&self) -> String {
        // A struct of strings and unit enums always serialises.
        serde_json::to_string(&self.template).expect("a template serialises to JSON")
    }
}

/// Reads a template stored as JSON and checks it.
pub fn parse_json(json: &str) -> Result<CheckedTemplate, TemplateError> {
    let template: Template = serde_json::from_str(json)
        .map_err(|err| TemplateProblem::in_template(format!("the template is not valid: {err}")))?;
    parse(&template)
}

/// Checks a template when it is saved: every problem, each with its place.
pub fn parse(template: &Template) -> Result<CheckedTemplate, TemplateError> {
    let mut problems = Vec::new();
    if template.parts.is_empty() {
        problems.push(TemplateProblem::in_template(
            "a message needs at least one part",
        ));
    }
    let mut parts = Vec::with_capacity(template.parts.len());
    let mut link_always_sent = false;
    for (part_index, part) in template.parts.iter().enumerate() {
        if part.variants.is_empty() {
            problems.push(TemplateProblem::in_part(
                part_index,
                "a part needs at least one variant",
            ));
        }
        let mut variants = Vec::with_capacity(part.variants.len());
        let mut every_variant_has_link = !part.variants.is_empty();
        for (variant_index, text) in part.variants.iter().enumerate() {
            let tokens = tokenize(part_index, variant_index, text, &mut problems);
            if text.trim().is_empty() {
                problems.push(TemplateProblem::in_variant(
                    part_index,
                    variant_index,
                    "this variant is empty",
                ));
            }
            let has_link = tokens.iter().any(|t| {
                matches!(
                    t,
                    Token::Variable {
                        variable: Variable::Link,
                        ..
                    }
                )
            });
            every_variant_has_link &= has_link;
            if part.kind == PartKind::TiktokVideo {
                let has_variables = tokens.iter().any(|t| matches!(t, Token::Variable { .. }));
                // With variables the address is checked after rendering, per contact.
                if !has_variables && !text.trim().is_empty() && !is_tiktok_video_url(text.trim()) {
                    problems.push(TemplateProblem::in_variant(
                        part_index,
                        variant_index,
                        not_a_video_reason(text.trim()),
                    ));
                }
            }
            variants.push(tokens);
        }
        link_always_sent |= part.kind == PartKind::Text && every_variant_has_link;
        parts.push((part.kind, variants));
    }
    // Variants are chosen per part independently, so only a part that has the link in
    // every variant guarantees that every contact's message carries it.
    if !template.parts.is_empty() && !link_always_sent {
        problems.push(
            TemplateProblem::in_template(
                "not every message would include {{link}}: put it in every variant of one text part",
            )
            .about("link"),
        );
    }
    TemplateError::check(problems)?;
    Ok(CheckedTemplate {
        template: template.clone(),
        parts,
    })
}

fn tokenize(
    part: usize,
    variant: usize,
    text: &str,
    problems: &mut Vec<TemplateProblem>,
) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut literal = String::new();
    let mut pos = 0;
    while let Some(found) = text[pos..].find("{{") {
        let open = pos + found;
        literal.push_str(&text[pos..open]);
        let inner_start = open + 2;
        let close = text[inner_start..].find("}}").map(|i| inner_start + i);
        let next_open = text[inner_start..].find("{{").map(|i| inner_start + i);
        let at = At::in_text(part, variant, text, open);
        let close = match (close, next_open) {
            (Some(close), Some(next)) if next < close => None,
            (close, _) => close,
        };
        let Some(close) = close else {
            problems.push(TemplateProblem::at(at, "`{{` is not closed with `}}`"));
            match next_open {
                Some(next) => {
                    pos = next;
                    continue;
                }
                None => {
                    pos = text.len();
                    break;
                }
            }
        };
        let inner = &text[inner_start..close];
        pos = close + 2;
        let (name, fallback) = match inner.split_once('|') {
            Some((name, fallback)) => (name.trim(), Some(fallback.trim())),
            None => (inner.trim(), None),
        };
        if name.is_empty() {
            problems.push(TemplateProblem::at(
                at,
                "a variable needs a name, as in {{handle}}",
            ));
            continue;
        }
        let Some(variable) = Variable::from_name(name) else {
            problems.push(
                TemplateProblem::at(
                    at,
                    format!(
                        "unknown variable {{{{{name}}}}}; the variables are {}",
                        VARIABLES.join(", ")
                    ),
                )
                .about(name),
            );
            continue;
        };
        if variable == Variable::Link && fallback.is_some() {
            problems.push(
                TemplateProblem::at(
                    at,
                    "{{link}} takes no fallback: a message without its link is useless",
                )
                .about(name),
            );
            continue;
        }
        if !literal.is_empty() {
            tokens.push(Token::Text(std::mem::take(&mut literal)));
        }
        tokens.push(Token::Variable {
            variable,
            fallback: fallback.filter(|f| !f.is_empty()).map(str::to_owned),
            at,
        });
    }
    literal.push_str(&text[pos..]);
    if !literal.is_empty() {
        tokens.push(Token::Text(literal));
    }
    tokens
}

/// What a message is rendered for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RenderContext {
    pub handle: String,
    pub display_name: Option<String>,
    pub tags: Vec<String>,
    /// The contact's personal link; `None` until the campaign's links are registered.
    pub link: Option<String>,
    pub campaign_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RenderedPart {
    pub kind: PartKind,
    /// 0-based: which variant this contact gets.
    pub variant: u32,
    pub text: String,
}

/// The message for one contact, part by part, ready to copy.
pub fn render(
    template: &CheckedTemplate,
    ctx: &RenderContext,
) -> Result<Vec<RenderedPart>, TemplateError> {
    let mut rendered = Vec::with_capacity(template.parts.len());
    let mut problems = Vec::new();
    for (part_index, (kind, variants)) in template.parts.iter().enumerate() {
        // `parse` refuses a part without variants, so the index is always in range.
        let variant = variant_for(&ctx.handle, part_index, variants.len());
        let mut text = String::new();
        for token in &variants[variant] {
            match token {
                Token::Text(literal) => text.push_str(literal),
                Token::Variable {
                    variable,
                    fallback,
                    at,
                } => {
                    let value = value_of(*variable, ctx);
                    if !value.trim().is_empty() {
                        text.push_str(&value);
                    } else if *variable == Variable::Link {
                        problems.push(
                            TemplateProblem::at(
                                *at,
                                format!(
                                    "@{} has no link yet: register the campaign's links first",
                                    ctx.handle
                                ),
                            )
                            .about("link"),
                        );
                    } else if let Some(fallback) = fallback {
                        text.push_str(fallback);
                    }
                }
            }
        }
        let text = text.trim().to_owned();
        if *kind == PartKind::TiktokVideo && !is_tiktok_video_url(&text) {
            problems.push(TemplateProblem::in_variant(
                part_index,
                variant,
                not_a_video_reason(&text),
            ));
        } else if text.is_empty() {
            problems.push(TemplateProblem::in_variant(
                part_index,
                variant,
                format!("this part is empty for @{}", ctx.handle),
            ));
        }
        rendered.push(RenderedPart {
            kind: *kind,
            variant: variant as u32,
            text,
        });
    }
    TemplateError::check(problems)?;
    Ok(rendered)
}

fn value_of(variable: Variable, ctx: &RenderContext) -> Cow<'_, str> {
    let name = ctx.display_name.as_deref().unwrap_or("").trim();
    match variable {
        Variable::Handle => Cow::Borrowed(ctx.handle.as_str()),
        Variable::DisplayName => Cow::Borrowed(name),
        // The recorder page greets by the same rule (the server sends it `first_name`).
        Variable::FirstName => Cow::Borrowed(first_name(name).unwrap_or("")),
        Variable::Tags => Cow::Owned(ctx.tags.join(", ")),
        Variable::Campaign => Cow::Borrowed(ctx.campaign_name.trim()),
        Variable::Link => Cow::Borrowed(ctx.link.as_deref().unwrap_or("").trim()),
    }
}

/// A message shown before sending; `placeholder_link` says the link is [`PREVIEW_LINK`],
/// not the contact's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MessagePreview {
    pub parts: Vec<RenderedPart>,
    pub placeholder_link: bool,
}

/// Renders for any contact, with [`PREVIEW_LINK`] standing in for a link not issued yet.
pub fn preview(
    template: &CheckedTemplate,
    ctx: &RenderContext,
) -> Result<MessagePreview, TemplateError> {
    let has_link = ctx.link.as_deref().is_some_and(|l| !l.trim().is_empty());
    if has_link {
        return Ok(MessagePreview {
            parts: render(template, ctx)?,
            placeholder_link: false,
        });
    }
    let ctx = RenderContext {
        link: Some(PREVIEW_LINK.to_owned()),
        ..ctx.clone()
    };
    Ok(MessagePreview {
        parts: render(template, &ctx)?,
        placeholder_link: true,
    })
}

#[cfg(test)]
mod tests;
