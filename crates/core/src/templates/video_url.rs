//! The one address a `tiktok_video` part may hold: a TikTok video, so TikTok shows it as a
//! playable card.

use clipdesk_protocol::Handle;

pub(super) fn not_a_video_reason(text: &str) -> String {
    format!(
        "{text:?} is not a TikTok video address; use one like \
         https://www.tiktok.com/@user/video/1234567890 or https://vm.tiktok.com/ZMabc123/"
    )
}

/// `https://www.tiktok.com/@user/video/<digits>` (a query such as `?is_from_webapp=1` is
/// allowed) or a share short link `https://vm.tiktok.com/<code>/` (`vt.` in some regions).
pub(super) fn is_tiktok_video_url(url: &str) -> bool {
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
