//! Handles as operators' lists hold them: `@maya`, `maya`, or a TikTok profile or video link
//! in any of its common shapes. The handle's own rules ([`clipdesk_protocol::Handle`]) apply
//! after this.

use std::borrow::Cow;

/// Hosts whose links carry the handle in their path.
const PROFILE_HOSTS: [&str; 3] = ["tiktok.com", "www.tiktok.com", "m.tiktok.com"];
/// Hosts of TikTok's short links, which name no account.
const SHORT_HOSTS: [&str; 2] = ["vm.tiktok.com", "vt.tiktok.com"];

/// The handle a cell holds: the cell itself when it is not a link, else the `@handle` in the
/// link's path (`https://www.tiktok.com/@maya/video/123?lang=en` → `@maya`). A link that
/// names no handle is refused with a reason naming the value.
pub(super) fn handle_in(value: &str) -> Result<Cow<'_, str>, String> {
    let trimmed = value.trim();
    let lower = trimmed.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let is_link = rest.is_some() || lower.contains("tiktok.com");
    if !is_link {
        return Ok(Cow::Borrowed(value));
    }
    let offset = trimmed.len() - rest.map_or(lower.len(), str::len);
    let without_scheme = &trimmed[offset..];
    let host_end = without_scheme
        .find(['/', '?', '#'])
        .unwrap_or(without_scheme.len());
    let host = without_scheme[..host_end].to_ascii_lowercase();
    let host = host.split(':').next().unwrap_or_default();
    if SHORT_HOSTS.contains(&host) {
        return Err(format!(
            "{trimmed:?} is a TikTok short link, which does not name the account: open it and \
             copy the profile link"
        ));
    }
    if !PROFILE_HOSTS.contains(&host) {
        return Err(format!("{trimmed:?} is not a TikTok link"));
    }
    let path = &without_scheme[host_end..];
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = percent_decoded(path);
    match path.split('/').find(|segment| !segment.is_empty()) {
        Some(segment) if segment.starts_with('@') && segment.len() > 1 => {
            Ok(Cow::Owned(segment.to_owned()))
        }
        _ => Err(format!(
            "{trimmed:?} is a TikTok link without an @handle in it"
        )),
    }
}

/// `%40maya` → `@maya`; a `%` not followed by two hex digits stays as it is.
fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_is_found_in_every_common_shape_of_a_tiktok_link() {
        for value in [
            "maya",
            "@maya",
            " @maya ",
            "https://www.tiktok.com/@maya",
            "http://www.tiktok.com/@maya/",
            "www.tiktok.com/@maya",
            "tiktok.com/@maya",
            "https://m.tiktok.com/@maya?lang=en",
            "https://www.tiktok.com/@maya?is_from_webapp=1&sender_device=pc#top",
            "https://www.tiktok.com/@maya/video/7277192393706324999?lang=en",
            "https://www.tiktok.com/@maya/photo/7277192393706324999",
            "HTTPS://WWW.TIKTOK.COM/@maya",
            "https://www.tiktok.com/%40maya",
            "https://www.tiktok.com:443/@maya",
        ] {
            let found = handle_in(value).unwrap();
            assert_eq!(found.trim().trim_start_matches('@'), "maya", "{value:?}");
        }
    }

    #[test]
    fn links_without_a_handle_are_refused_naming_the_value() {
        let short = handle_in("https://vm.tiktok.com/ZMabc123/").unwrap_err();
        assert!(
            short.contains("\"https://vm.tiktok.com/ZMabc123/\""),
            "{short}"
        );
        assert!(short.contains("short link"), "{short}");
        let no_handle = handle_in("https://www.tiktok.com/video/123").unwrap_err();
        assert!(no_handle.contains("without an @handle"), "{no_handle}");
        let other = handle_in("https://instagram.com/maya").unwrap_err();
        assert!(other.contains("not a TikTok link"), "{other}");
        assert!(handle_in("https://www.tiktok.com/@").is_err());
    }

    #[test]
    fn a_stray_percent_sign_stays_as_it_is() {
        assert_eq!(percent_decoded("%4"), "%4");
        assert_eq!(percent_decoded("a%zz%40b"), "a%zz@b");
    }
}
