//! The DM address language: the TikTok page opened for each contact, written with
//! `{user_id}` and `{handle}` placeholders (values URL-encoded) and checked when the
//! campaign is saved.

use super::problem::{Offset, TemplateError, TemplateProblem};

/// TikTok's DM page for a numeric user id (undocumented by TikTok, so editable per campaign).
pub const DM_URL_WITH_ID: &str = "https://www.tiktok.com/messages?lang=en&u={user_id}";
/// The profile page, from which the operator opens the DM, when the user id is unknown.
pub const DM_URL_WITHOUT_ID: &str = "https://www.tiktok.com/@{handle}";

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
    TemplateError::check(problems)
}

fn check_dm_url(
    field: &str,
    template: &str,
    allowed: &[&str],
    problems: &mut Vec<TemplateProblem>,
) {
    let required = allowed[0];
    let problem = |reason: &str| TemplateProblem::in_field(field, reason);
    let at = |byte: usize| Offset::of(template, byte);
    if !template.starts_with("https://") {
        problems.push(problem("the address must start with https://"));
    }
    if let Some(byte) = template.find(char::is_whitespace) {
        problems.push(problem("the address must not contain spaces").at_offset(at(byte)));
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
                    problems.push(problem(&reason).at_offset(at(start)).about(name));
                }
                found_required |= name == required;
                pos = close + 1;
            }
            _ => {
                problems.push(
                    problem("a brace that is not part of a placeholder").at_offset(at(start)),
                );
                pos = start + 1;
            }
        }
    }
    if !found_required {
        problems.push(problem(&format!("the address must contain {{{required}}}")).about(required));
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
    use super::*;

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
}
