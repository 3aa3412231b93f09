//! Message templates: parts with variants and `{{variables}}`, checked once when a campaign
//! is saved and rendered per contact with a variant chosen stably from the handle; and the
//! TikTok address where the operator pastes each message.
//!
//! Variables: `handle`, `display_name`, `first_name` (the first word of the display name),
//! `tags` (the contact's tags joined with ", "), `campaign` and `link`. `{{name|fallback}}`
//! renders the fallback when the value is empty; without one an empty value renders as
//! nothing. `link` is the exception: a message without its link is useless, so a missing
//! link fails the render and `link` takes no fallback. There is no escape for `{{`.

use std::fmt;

use clipdesk_protocol::Handle;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::CoreError;

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

/// TikTok's DM page for a numeric user id (undocumented by TikTok, so editable per campaign).
pub const DM_URL_WITH_ID: &str = "https://www.tiktok.com/messages?lang=en&u={user_id}";
/// The profile page, from which the operator opens the DM, when the user id is unknown.
pub const DM_URL_WITHOUT_ID: &str = "https://www.tiktok.com/@{handle}";

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

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problems: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        f.write_str(&problems.join("; "))
    }
}

impl From<TemplateError> for CoreError {
    fn from(err: TemplateError) -> Self {
        let field = err
            .problems
            .first()
            .map_or("template", |p| p.field.as_str())
            .to_owned();
        CoreError::Invalid {
            field,
            reason: err.to_string(),
        }
    }
}

impl TemplateError {
    fn whole(reason: impl Into<String>) -> Self {
        TemplateError {
            problems: vec![problem("template", None, None, None, None, reason)],
        }
    }
}

/// A position inside one variant's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct At {
    part: u32,
    variant: u32,
    chars: u32,
    utf16: u32,
}

impl At {
    fn in_text(part: usize, variant: usize, text: &str, byte: usize) -> Self {
        let before = &text[..byte];
        At {
            part: part as u32,
            variant: variant as u32,
            chars: before.chars().count() as u32,
            utf16: before.encode_utf16().count() as u32,
        }
    }
}

fn problem(
    field: &str,
    part: Option<u32>,
    variant: Option<u32>,
    at: Option<(u32, u32)>,
    variable: Option<&str>,
    reason: impl Into<String>,
) -> TemplateProblem {
    TemplateProblem {
        field: field.to_owned(),
        part,
        variant,
        char_offset: at.map(|(chars, _)| chars),
        utf16_offset: at.map(|(_, utf16)| utf16),
        variable: variable.map(str::to_owned),
        reason: reason.into(),
    }
}

fn problem_at(at: At, variable: Option<&str>, reason: impl Into<String>) -> TemplateProblem {
    problem(
        "template",
        Some(at.part),
        Some(at.variant),
        Some((at.chars, at.utf16)),
        variable,
        reason,
    )
}

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
        .map_err(|err| TemplateError::whole(format!("the template is not valid: {err}")))?;
    parse(&template)
}

/// Checks a template when it is saved: every problem, each with its place.
pub fn parse(template: &Template) -> Result<CheckedTemplate, TemplateError> {
    let mut problems = Vec::new();
    if template.parts.is_empty() {
        problems.push(problem(
            "template",
            None,
            None,
            None,
            None,
            "a message needs at least one part",
        ));
    }
    let mut parts = Vec::with_capacity(template.parts.len());
    let mut link_always_sent = false;
    for (part_index, part) in template.parts.iter().enumerate() {
        if part.variants.is_empty() {
            problems.push(problem(
                "template",
                Some(part_index as u32),
                None,
                None,
                None,
                "a part needs at least one variant",
            ));
        }
        let mut variants = Vec::with_capacity(part.variants.len());
        let mut every_variant_has_link = !part.variants.is_empty();
        for (variant_index, text) in part.variants.iter().enumerate() {
            let tokens = tokenize(part_index, variant_index, text, &mut problems);
            if text.trim().is_empty() {
                problems.push(problem(
                    "template",
                    Some(part_index as u32),
                    Some(variant_index as u32),
                    None,
                    None,
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
                    problems.push(problem(
                        "template",
                        Some(part_index as u32),
                        Some(variant_index as u32),
                        None,
                        None,
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
        problems.push(problem(
            "template",
            None,
            None,
            None,
            Some("link"),
            "not every message would include {{link}}: put it in every variant of one text part",
        ));
    }
    if problems.is_empty() {
        Ok(CheckedTemplate {
            template: template.clone(),
            parts,
        })
    } else {
        Err(TemplateError { problems })
    }
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
            problems.push(problem_at(at, None, "`{{` is not closed with `}}`"));
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
            problems.push(problem_at(
                at,
                None,
                "a variable needs a name, as in {{handle}}",
            ));
            continue;
        }
        let Some(variable) = Variable::from_name(name) else {
            problems.push(problem_at(
                at,
                Some(name),
                format!(
                    "unknown variable {{{{{name}}}}}; the variables are {}",
                    VARIABLES.join(", ")
                ),
            ));
            continue;
        };
        if variable == Variable::Link && fallback.is_some() {
            problems.push(problem_at(
                at,
                Some(name),
                "{{link}} takes no fallback: a message without its link is useless",
            ));
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
                        problems.push(problem_at(
                            *at,
                            Some("link"),
                            format!(
                                "@{} has no link yet: register the campaign's links first",
                                ctx.handle
                            ),
                        ));
                    } else if let Some(fallback) = fallback {
                        text.push_str(fallback);
                    }
                }
            }
        }
        let text = text.trim().to_owned();
        let place = (Some(part_index as u32), Some(variant as u32));
        if *kind == PartKind::TiktokVideo && !is_tiktok_video_url(&text) {
            problems.push(problem(
                "template",
                place.0,
                place.1,
                None,
                None,
                not_a_video_reason(&text),
            ));
        } else if text.is_empty() {
            problems.push(problem(
                "template",
                place.0,
                place.1,
                None,
                None,
                format!("this part is empty for @{}", ctx.handle),
            ));
        }
        rendered.push(RenderedPart {
            kind: *kind,
            variant: variant as u32,
            text,
        });
    }
    if problems.is_empty() {
        Ok(rendered)
    } else {
        Err(TemplateError { problems })
    }
}

fn value_of(variable: Variable, ctx: &RenderContext) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let name = ctx.display_name.as_deref().unwrap_or("").trim();
    match variable {
        Variable::Handle => Cow::Borrowed(ctx.handle.as_str()),
        Variable::DisplayName => Cow::Borrowed(name),
        Variable::FirstName => Cow::Borrowed(name.split_whitespace().next().unwrap_or("")),
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

/// Which variant of a part a contact gets: the same for the same handle on every machine
/// and every run, so the preview shows exactly what is sent, even after a restart or from
/// another operator's desktop. FNV-1a is fixed by its spec; std's `DefaultHasher` may change
/// between Rust releases and `RandomState` is seeded per process.
fn variant_for(handle: &str, part: usize, variants: usize) -> usize {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let handle = handle.trim();
    let handle = handle.strip_prefix('@').unwrap_or(handle);
    let mut hash = FNV_OFFSET;
    let bytes = handle
        .bytes()
        .map(|b| b.to_ascii_lowercase())
        .chain([0xff])
        .chain((part as u64).to_le_bytes());
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    // FNV's low bits follow the input's low bits (the prime is odd), so mix before reducing:
    // murmur3's finaliser, then a multiply-shift that uses the high bits.
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^= hash >> 33;
    ((u128::from(hash) * variants as u128) >> 64) as usize
}

fn not_a_video_reason(text: &str) -> String {
    format!(
        "{text:?} is not a TikTok video address; use one like \
         https://www.tiktok.com/@user/video/1234567890 or https://vm.tiktok.com/ZMabc123/"
    )
}

/// `https://www.tiktok.com/@user/video/<digits>` (a query such as `?is_from_webapp=1` is
/// allowed) or a share short link `https://vm.tiktok.com/<code>/` (`vt.` in some regions).
fn is_tiktok_video_url(url: &str) -> bool {
    if url.chars().any(char::is_whitespace) {
        return false;
    }
    let path = url.split(['?', '#']).next().unwrap_or("");
    if let Some(rest) = path.strip_prefix("https://www.tiktok.com/@") {
        let Some((user, rest)) = rest.split_once("/video/") else {
            return false;
        };
        let id = rest.strip_suffix('/').unwrap_or(rest);
        return Handle::parse(user).is_ok()
            && !user.starts_with('@')
            && !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit());
    }
    let code = path
        .strip_prefix("https://vm.tiktok.com/")
        .or_else(|| path.strip_prefix("https://vt.tiktok.com/"));
    match code {
        Some(code) => {
            let code = code.strip_suffix('/').unwrap_or(code);
            !code.is_empty() && code.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// Checks a campaign's two DM address templates when it is saved.
pub fn check_dm_urls(with_id: &str, without_id: &str) -> Result<(), TemplateError> {
    let mut problems = Vec::new();
    check_dm_url(
        "dm_url_with_id",
        with_id,
        &["user_id", "handle"],
        &mut problems,
    );
    check_dm_url("dm_url_without_id", without_id, &["handle"], &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(TemplateError { problems })
    }
}

fn check_dm_url(
    field: &str,
    template: &str,
    allowed: &[&str],
    problems: &mut Vec<TemplateProblem>,
) {
    let required = allowed[0];
    let at = |byte: usize| {
        let before = &template[..byte];
        Some((
            before.chars().count() as u32,
            before.encode_utf16().count() as u32,
        ))
    };
    if !template.starts_with("https://") {
        problems.push(problem(
            field,
            None,
            None,
            None,
            None,
            "the address must start with https://",
        ));
    }
    if let Some(byte) = template.find(char::is_whitespace) {
        problems.push(problem(
            field,
            None,
            None,
            at(byte),
            None,
            "the address must not contain spaces",
        ));
    }
    let mut found_required = false;
    let mut pos = 0;
    while let Some(found) = template[pos..].find(['{', '}']) {
        let start = pos + found;
        let close = template[start..].find('}').map(|i| start + i);
        let next_open = template[start + 1..].find('{').map(|i| start + 1 + i);
        match close {
            Some(close)
                if template.as_bytes()[start] == b'{' && next_open.is_none_or(|n| n > close) =>
            {
                let name = &template[start + 1..close];
                if !allowed.contains(&name) {
                    let reason = if name == "user_id" {
                        "{user_id} cannot be used here: this address is for contacts without a user id"
                            .to_owned()
                    } else {
                        format!(
                            "unknown placeholder {{{name}}}; use {}",
                            allowed
                                .iter()
                                .map(|a| format!("{{{a}}}"))
                                .collect::<Vec<_>>()
                                .join(" or ")
                        )
                    };
                    problems.push(problem(field, None, None, at(start), Some(name), reason));
                }
                found_required |= name == required;
                pos = close + 1;
            }
            _ => {
                problems.push(problem(
                    field,
                    None,
                    None,
                    at(start),
                    None,
                    "a brace that is not part of a placeholder",
                ));
                pos = start + 1;
            }
        }
    }
    if !found_required {
        problems.push(problem(
            field,
            None,
            None,
            None,
            Some(required),
            format!("the address must contain {{{required}}}"),
        ));
    }
}

/// The page to open for a contact: `with_id_template` when the numeric user id is known,
/// else `without_id_template`, with the values URL-encoded. A leading `@` on the handle is
/// dropped, since the default address already has one.
pub fn dm_url(
    with_id_template: &str,
    without_id_template: &str,
    handle: &str,
    user_id: Option<&str>,
) -> Result<String, TemplateError> {
    check_dm_urls(with_id_template, without_id_template)?;
    let handle = handle.trim();
    let handle = percent_encode(handle.strip_prefix('@').unwrap_or(handle));
    let user_id = user_id.map(str::trim).filter(|id| !id.is_empty());
    Ok(match user_id {
        Some(user_id) => with_id_template
            .replace("{handle}", &handle)
            .replace("{user_id}", &percent_encode(user_id)),
        None => without_id_template.replace("{handle}", &handle),
    })
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn template(parts: Vec<Part>) -> Template {
        Template { parts }
    }

    fn checked(text: &str) -> CheckedTemplate {
        parse(&template(vec![Part::text([text])])).unwrap()
    }

    fn maya() -> RenderContext {
        RenderContext {
            handle: "maya.bakes".into(),
            display_name: Some("Maya Lopez".into()),
            tags: vec!["baker".into(), "vegan".into()],
            link: Some("https://clips.example/r/AbC".into()),
            campaign_name: "Spring bakes".into(),
        }
    }

    fn text_of(t: &CheckedTemplate, ctx: &RenderContext) -> String {
        render(t, ctx).unwrap()[0].text.clone()
    }

    fn problems(t: &Template) -> Vec<TemplateProblem> {
        parse(t).unwrap_err().problems
    }

    #[test]
    fn a_template_is_stored_as_json_of_parts_and_variants() {
        let t = template(vec![
            Part::text(["Hi {{first_name}}! {{link}}"]),
            Part::tiktok_video("https://www.tiktok.com/@clipdesk/video/7301234567890123456"),
        ]);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"{"parts":[{"kind":"text","variants":["Hi {{first_name}}! {{link}}"]},{"kind":"tiktok_video","variants":["https://www.tiktok.com/@clipdesk/video/7301234567890123456"]}]}"#
        );
        let checked = parse_json(&json).unwrap();
        assert_eq!(checked.template(), &t);
        assert_eq!(checked.to_json(), json);
        let err = parse_json("{\"parts\": 3}").unwrap_err();
        assert!(err.to_string().contains("not valid"), "{err}");
    }

    #[test]
    fn variables_are_filled_from_the_contact() {
        let t = checked(
            "Hi {{first_name}} ({{display_name}}, @{{handle}}), for {{campaign}} [{{tags}}]: {{link}}",
        );
        assert_eq!(
            text_of(&t, &maya()),
            "Hi Maya (Maya Lopez, @maya.bakes), for Spring bakes [baker, vegan]: https://clips.example/r/AbC"
        );
    }

    #[test]
    fn spaces_inside_the_braces_are_allowed() {
        let t = checked("Hi {{ first_name | there }} {{  link}}");
        assert_eq!(text_of(&t, &maya()), "Hi Maya https://clips.example/r/AbC");
    }

    #[test]
    fn a_fallback_fills_a_missing_display_name() {
        let t = checked("Hi {{display_name|there}}, {{first_name | my friend}}! {{link}}");
        let nameless = RenderContext {
            display_name: None,
            ..maya()
        };
        assert_eq!(
            text_of(&t, &nameless),
            "Hi there, my friend! https://clips.example/r/AbC"
        );
        let blank = RenderContext {
            display_name: Some("   ".into()),
            ..maya()
        };
        assert_eq!(
            text_of(&t, &blank),
            "Hi there, my friend! https://clips.example/r/AbC",
            "a name of spaces is no name"
        );
    }

    #[test]
    fn an_empty_value_without_a_fallback_renders_as_nothing() {
        let t = checked("Hi {{first_name}}! Tags: {{tags}}. {{link}}");
        let bare = RenderContext {
            display_name: None,
            tags: vec![],
            ..maya()
        };
        assert_eq!(
            text_of(&t, &bare),
            "Hi ! Tags: . https://clips.example/r/AbC"
        );
    }

    #[test]
    fn the_first_name_is_the_first_word_of_the_display_name() {
        let t = checked("{{first_name}} {{link}}");
        let ctx = RenderContext {
            display_name: Some("  Zoë  Müller ".into()),
            ..maya()
        };
        assert_eq!(text_of(&t, &ctx), "Zoë https://clips.example/r/AbC");
    }

    #[test]
    fn a_missing_link_is_an_error_at_render_time() {
        let t = checked("Hi {{first_name}}, record here: {{link}}");
        let unlinked = RenderContext {
            link: None,
            ..maya()
        };
        let err = render(&t, &unlinked).unwrap_err();
        assert_eq!(err.problems.len(), 1);
        let problem = &err.problems[0];
        assert_eq!(problem.variable.as_deref(), Some("link"));
        assert_eq!(problem.char_offset, Some(32));
        assert!(problem.reason.contains("no link yet"), "{}", problem.reason);
        let empty = RenderContext {
            link: Some(" ".into()),
            ..maya()
        };
        assert!(render(&t, &empty).is_err(), "an empty link is no link");
    }

    #[test]
    fn the_link_takes_no_fallback() {
        let found = problems(&template(vec![Part::text(["Hi {{link|later}}"])]));
        assert_eq!(found[0].variable.as_deref(), Some("link"));
        assert!(
            found[0].reason.contains("no fallback"),
            "{}",
            found[0].reason
        );
    }

    #[test]
    fn unknown_variables_are_reported_with_their_position() {
        let t = template(vec![
            Part::text(["{{link}}"]),
            Part::text(["Hi {{first_name}}", "Hé 🎸 {{ nmae | you }}!"]),
        ]);
        let found = problems(&t);
        assert_eq!(found.len(), 1, "{found:?}");
        let p = &found[0];
        assert_eq!((p.part, p.variant), (Some(1), Some(1)));
        assert_eq!(p.char_offset, Some(5), "counted in characters");
        assert_eq!(p.utf16_offset, Some(6), "the emoji is two UTF-16 units");
        assert_eq!(p.variable.as_deref(), Some("nmae"));
        assert!(
            p.reason.contains("unknown variable {{nmae}}"),
            "{}",
            p.reason
        );
        assert!(
            p.reason.contains("first_name"),
            "the reason lists the variables"
        );
        assert_eq!(
            parse(&t).unwrap_err().to_string(),
            format!("part 2, variant 2, character 6: {}", p.reason)
        );
        assert!(
            problems(&template(vec![Part::text(["{{Link}}"])]))[0]
                .reason
                .contains("unknown variable {{Link}}"),
            "names are exact, lower case"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let t = template(vec![
            Part::text(["{{link}} {{foo}} and {{bar|x}}", " "]),
            Part::text(Vec::<String>::new()),
        ]);
        let found = problems(&t);
        let places: Vec<_> = found
            .iter()
            .map(|p| (p.part, p.variant, p.char_offset, p.variable.as_deref()))
            .collect();
        assert_eq!(
            places,
            [
                (Some(0), Some(0), Some(9), Some("foo")),
                (Some(0), Some(0), Some(21), Some("bar")),
                (Some(0), Some(1), None, None),
                (Some(1), None, None, None),
                (None, None, None, Some("link")),
            ]
        );
        let message = CoreError::from(parse(&t).unwrap_err()).to_string();
        assert!(
            message.starts_with("template: part 1, variant 1, character 10"),
            "{message}"
        );
    }

    #[test]
    fn an_unclosed_pair_of_braces_is_an_error() {
        let found = problems(&template(vec![Part::text(["{{link}} Hi {{first_name"])]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].char_offset, Some(12));
        assert!(
            found[0].reason.contains("not closed"),
            "{}",
            found[0].reason
        );
        // Closed only after another opening: the first one is the unclosed one.
        let found = problems(&template(vec![Part::text(["{{first_name {{link}}"])]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].char_offset, Some(0));
        assert!(found[0].reason.contains("not closed"));
        let found = problems(&template(vec![Part::text(["{{link}} {{ }}"])]));
        assert!(found[0].reason.contains("needs a name"), "{found:?}");
    }

    #[test]
    fn single_braces_and_lone_closing_pairs_are_plain_text() {
        let t = checked("{x} }} { {{link}}");
        assert_eq!(text_of(&t, &maya()), "{x} }} { https://clips.example/r/AbC");
    }

    #[test]
    fn a_message_needs_parts_and_a_part_needs_variants() {
        let found = problems(&template(vec![]));
        assert_eq!(found.len(), 1);
        assert!(found[0].reason.contains("at least one part"));
        let found = problems(&template(vec![Part::text(["{{link}}", ""])]));
        assert_eq!((found[0].part, found[0].variant), (Some(0), Some(1)));
        assert!(found[0].reason.contains("empty"));
    }

    #[test]
    fn every_message_must_carry_the_link() {
        let found = problems(&template(vec![Part::text(["Hi there"])]));
        assert!(found[0].reason.contains("{{link}}"), "{found:?}");
        // Link in one variant only: a contact given the other would get no link.
        let split = template(vec![
            Part::text(["Hi {{link}}", "Hello"]),
            Part::text(["Bye", "See you {{link}}"]),
        ]);
        assert_eq!(problems(&split).len(), 1);
        assert!(
            parse(&template(vec![
                Part::text(["Hi", "Hello"]),
                Part::text(["{{link}}", "Here: {{link}}"]),
            ]))
            .is_ok()
        );
    }

    #[test]
    fn the_same_contact_always_gets_the_same_variant() {
        let t = parse(&template(vec![Part::text([
            "A {{link}}",
            "B {{link}}",
            "C {{link}}",
        ])]))
        .unwrap();
        let first = render(&t, &maya()).unwrap();
        for _ in 0..10 {
            assert_eq!(render(&t, &maya()).unwrap(), first);
        }
        let typed_differently = RenderContext {
            handle: " @Maya.Bakes".into(),
            ..maya()
        };
        assert_eq!(
            render(&t, &typed_differently).unwrap()[0].variant,
            first[0].variant
        );
        // Pinned so a change of hash (which would reshuffle every running campaign) is seen.
        let pinned: Vec<usize> = ["maya.bakes", "dan_rides", "kenji.codes", "sam_98"]
            .iter()
            .map(|h| variant_for(h, 0, 3))
            .collect();
        assert_eq!(pinned, [1, 0, 1, 2]);
    }

    #[test]
    fn variants_are_spread_evenly_across_contacts() {
        let handles: Vec<String> = (0..1_000).map(|i| format!("creator_{i}")).collect();
        for part in 0..3 {
            let first = handles
                .iter()
                .filter(|h| variant_for(h, part, 2) == 0)
                .count();
            assert!(
                (200..=800).contains(&first),
                "part {part}: variant 1 got {first} of 1000"
            );
        }
        let mut thirds = [0; 3];
        for h in &handles {
            thirds[variant_for(h, 0, 3)] += 1;
        }
        assert!(
            thirds.iter().all(|&n| (200..=480).contains(&n)),
            "{thirds:?}"
        );
    }

    #[test]
    fn parts_choose_their_variants_independently() {
        let same = (0..1_000)
            .map(|i| format!("creator_{i}"))
            .filter(|h| variant_for(h, 0, 2) == variant_for(h, 1, 2))
            .count();
        assert!((300..=700).contains(&same), "{same} of 1000 matched");
    }

    #[test]
    fn a_tiktok_video_part_must_be_a_tiktok_video_address() {
        let good = [
            "https://www.tiktok.com/@clipdesk/video/7301234567890123456",
            "https://www.tiktok.com/@maya.bakes/video/7301234567890123456?is_from_webapp=1",
            "https://vm.tiktok.com/ZMabc123/",
            "https://vt.tiktok.com/ZSabc123",
        ];
        for url in good {
            assert!(is_tiktok_video_url(url), "{url}");
            let t = template(vec![Part::text(["{{link}}"]), Part::tiktok_video(url)]);
            assert!(parse(&t).is_ok(), "{url}");
        }
        let bad = [
            "http://www.tiktok.com/@clipdesk/video/7301234567890123456",
            "https://www.tiktok.com/@clipdesk",
            "https://www.tiktok.com/@clipdesk/video/abc",
            "https://www.tiktok.com/@@x/video/1",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://vm.tiktok.com/",
            "https://vm.tiktok.com/ZM abc/",
            "look at https://vm.tiktok.com/ZMabc123/",
        ];
        for url in bad {
            assert!(!is_tiktok_video_url(url), "{url}");
            let t = template(vec![Part::text(["{{link}}"]), Part::tiktok_video(url)]);
            let found = problems(&t);
            assert_eq!(
                (found[0].part, found[0].variant),
                (Some(1), Some(0)),
                "{url}"
            );
            assert!(found[0].reason.contains("not a TikTok video"), "{url}");
        }
    }

    #[test]
    fn a_video_address_built_from_variables_is_checked_after_rendering() {
        let t = parse(&template(vec![
            Part::text(["{{link}}"]),
            Part::tiktok_video("https://www.tiktok.com/@{{handle}}/video/7301234567890123456"),
        ]))
        .unwrap();
        let parts = render(&t, &maya()).unwrap();
        assert_eq!(parts[1].kind, PartKind::TiktokVideo);
        assert_eq!(
            parts[1].text,
            "https://www.tiktok.com/@maya.bakes/video/7301234567890123456"
        );
        let t = parse(&template(vec![
            Part::text(["{{link}}"]),
            Part::tiktok_video("{{campaign}}"),
        ]))
        .unwrap();
        let err = render(&t, &maya()).unwrap_err();
        assert_eq!(err.problems[0].part, Some(1));
    }

    #[test]
    fn a_part_that_renders_empty_is_an_error() {
        let t = parse(&template(vec![
            Part::text(["{{link}}"]),
            Part::text(["{{display_name}}"]),
        ]))
        .unwrap();
        let nameless = RenderContext {
            display_name: None,
            ..maya()
        };
        let err = render(&t, &nameless).unwrap_err();
        assert_eq!(err.problems[0].part, Some(1));
        assert!(err.problems[0].reason.contains("empty"));
    }

    #[test]
    fn a_preview_without_a_link_uses_a_marked_placeholder() {
        let t = checked("Hi {{first_name|there}}: {{link}}");
        let unlinked = RenderContext {
            link: None,
            display_name: None,
            ..maya()
        };
        let shown = preview(&t, &unlinked).unwrap();
        assert!(shown.placeholder_link);
        assert_eq!(shown.parts[0].text, format!("Hi there: {PREVIEW_LINK}"));
        let shown = preview(&t, &maya()).unwrap();
        assert!(!shown.placeholder_link);
        assert_eq!(shown.parts, render(&t, &maya()).unwrap());
    }

    #[test]
    fn the_dm_page_uses_the_user_id_when_known_else_the_handle() {
        assert_eq!(
            dm_url(
                DM_URL_WITH_ID,
                DM_URL_WITHOUT_ID,
                "maya.bakes",
                Some("7277192393706324999")
            )
            .unwrap(),
            "https://www.tiktok.com/messages?lang=en&u=7277192393706324999"
        );
        assert_eq!(
            dm_url(DM_URL_WITH_ID, DM_URL_WITHOUT_ID, "maya.bakes", None).unwrap(),
            "https://www.tiktok.com/@maya.bakes"
        );
        assert_eq!(
            dm_url(DM_URL_WITH_ID, DM_URL_WITHOUT_ID, "@maya.bakes", Some(" ")).unwrap(),
            "https://www.tiktok.com/@maya.bakes",
            "a blank id is no id; a typed @ is not doubled"
        );
        assert_eq!(
            dm_url(
                "https://dm.example/{handle}/{user_id}",
                DM_URL_WITHOUT_ID,
                "maya",
                Some("12")
            )
            .unwrap(),
            "https://dm.example/maya/12"
        );
    }

    #[test]
    fn dm_page_values_are_url_encoded() {
        assert_eq!(
            dm_url(DM_URL_WITH_ID, DM_URL_WITHOUT_ID, "a b&c", Some("1/2?x")).unwrap(),
            "https://www.tiktok.com/messages?lang=en&u=1%2F2%3Fx"
        );
        assert_eq!(
            dm_url(DM_URL_WITH_ID, DM_URL_WITHOUT_ID, "zoë&x", None).unwrap(),
            "https://www.tiktok.com/@zo%C3%AB%26x"
        );
    }

    #[test]
    fn dm_page_templates_are_checked_when_saved() {
        assert!(check_dm_urls(DM_URL_WITH_ID, DM_URL_WITHOUT_ID).is_ok());
        let fields_and_reasons = |with_id: &str, without_id: &str| -> Vec<(String, String)> {
            check_dm_urls(with_id, without_id)
                .unwrap_err()
                .problems
                .into_iter()
                .map(|p| (p.field, p.reason))
                .collect()
        };
        let found = fields_and_reasons("https://www.tiktok.com/messages?u=", DM_URL_WITHOUT_ID);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "dm_url_with_id");
        assert!(found[0].1.contains("must contain {user_id}"));

        let found = fields_and_reasons(
            "http://www.tiktok.com/messages?u={user_id}",
            "https://www.tiktok.com/@{handle}?id={user_id}",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].1.contains("https://"));
        assert_eq!(found[1].0, "dm_url_without_id");
        assert!(found[1].1.contains("without a user id"));

        let err = check_dm_urls(
            "https://www.tiktok.com/messages?u={user_id}&n={name}",
            "https://www.tiktok.com/{handle",
        )
        .unwrap_err();
        let places: Vec<_> = err
            .problems
            .iter()
            .map(|p| (p.field.as_str(), p.char_offset, p.variable.as_deref()))
            .collect();
        assert_eq!(
            places,
            [
                ("dm_url_with_id", Some(46), Some("name")),
                ("dm_url_without_id", Some(23), None),
                ("dm_url_without_id", None, Some("handle")),
            ]
        );
        assert!(
            err.to_string()
                .starts_with("DM address with a user id, character 47: unknown placeholder {name}"),
            "{err}"
        );
        assert!(
            dm_url(
                "https://x.example/{user_id}",
                "https://x.example/",
                "maya",
                None
            )
            .is_err(),
            "rendering checks the templates too"
        );
    }

    #[test]
    fn rendering_a_checked_template_is_cheap() {
        let t = parse(&template(vec![
            Part::text([
                "Hi {{first_name|there}}! Would you record a clip for {{campaign}}? {{link}}",
                "Hello {{display_name|there}}, {{campaign}} wants you: {{link}}",
            ]),
            Part::tiktok_video("https://vm.tiktok.com/ZMabc123/"),
        ]))
        .unwrap();
        let mut ctx = maya();
        let started = Instant::now();
        for i in 0..10_000 {
            ctx.handle = format!("creator_{i}");
            render(&t, &ctx).unwrap();
        }
        // Parsed once into tokens: 10,000 renders are string pushes, milliseconds even in a
        // debug build; the bound is loose so a busy machine does not fail it.
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
}
