//! The recorder page and its assets, built from `ui/recorder` and embedded in the binary
//! (read from disk in debug builds, so a rebuilt page needs no recompile).
//!
//! Unknown, expired and revoked links get the same page with status 404: its script asks the
//! API, learns which case it is and says so in the campaign's language, with no recorder.
//!
//! The build writes a brotli and a gzip copy beside each html/js/css file; each answer sends
//! the one the browser accepts best: a phone downloads about a quarter of the bytes.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::campaigns::public_campaign;
use crate::domain::{LinkToken, Slug};
use crate::error::ApiError;
use crate::links;
use crate::state::AppState;

#[derive(rust_embed::Embed)]
#[folder = "../../ui/recorder/dist"]
struct RecorderDist;

/// What the page does and nothing more: its own script and stylesheet, the API and tus on
/// the same origin, a recorded or picked video previewed from a `blob:` URL, the `data:`
/// favicon. Vite emits no inline script or style, so neither needs `'unsafe-inline'`.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; img-src data:; media-src blob:; \
     object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `GET /r/{token}`.
pub async fn link_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let usable = match LinkToken::parse(&token) {
        None => false,
        Some(token) => {
            state
                .db()
                .call(move |conn| match links::usable(conn, token.as_str()) {
                    Ok(_) => Ok(true),
                    Err(ApiError::Unexpected(err)) => Err(ApiError::Unexpected(err)),
                    Err(_) => Ok(false),
                })
                .await?
        }
    };
    page(usable, &headers)
}

/// `GET /c/{slug}`: the campaign page, only for campaigns with `public_page`.
pub async fn campaign_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let open = match Slug::parse(&slug) {
        Err(_) => false,
        Ok(slug) => {
            state
                .db()
                .call(move |conn| match public_campaign(conn, slug.as_str()) {
                    Ok(_) => Ok(true),
                    Err(ApiError::Unexpected(err)) => Err(ApiError::Unexpected(err)),
                    Err(_) => Ok(false),
                })
                .await?
        }
    };
    page(open, &headers)
}

fn page(found: bool, request: &HeaderMap) -> Result<Response, ApiError> {
    // Each link's page is the same document; it must not be cached past a deploy.
    let mut response = asset("index.html", "no-cache", request)?;
    if !found {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    let headers = response.headers_mut();
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    // frame-ancestors for browsers too old to know it.
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    Ok(response)
}

/// `GET /assets/{file}`: content-hashed files, cacheable for a year.
pub async fn assets(Path(file): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    asset(
        &format!("assets/{file}"),
        "public, max-age=31536000, immutable",
        &headers,
    )
}

fn asset(
    path: &str,
    cache_control: &'static str,
    request: &HeaderMap,
) -> Result<Response, ApiError> {
    let file = RecorderDist::get(path)
        .ok_or_else(|| ApiError::NotFound(format!("no recorder asset {path}")))?;
    let mime = file.metadata.mimetype();
    let content_type = HeaderValue::from_str(mime)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let accepted = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok());
    let encoding = Encoding::negotiate(accepted);
    let compressed = encoding
        .file_suffix()
        .and_then(|suffix| RecorderDist::get(&format!("{path}{suffix}")));
    let (body, content_encoding) = match (compressed, encoding.token()) {
        (Some(compressed), Some(token)) => (compressed.data, Some(token)),
        // No copy in that coding (a file the build does not compress): as it is.
        _ => (file.data, None),
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(cache_control),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response();
    let headers = response.headers_mut();
    // Caches must keep one copy per coding, whichever this answer is.
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(token) = content_encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
    }
    Ok(response)
}

/// A content coding the build keeps a copy of each file in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The coding to send for an `Accept-Encoding` value (RFC 9110 §12.5.3): the highest
    /// quality among br and gzip (`*` standing for those not named; `q=0` refuses), brotli on
    /// a tie, unless identity is named with a higher quality. No header, an empty one, or
    /// nothing acceptable: identity, which every client can read.
    fn negotiate(accept_encoding: Option<&str>) -> Encoding {
        let (mut brotli, mut gzip, mut identity, mut any) = (None, None, None, None);
        for element in accept_encoding.unwrap_or("").split(',') {
            let mut parts = element.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let Some(quality) = quality(parts) else {
                continue;
            };
            match coding.as_str() {
                "br" => brotli = Some(quality),
                "gzip" | "x-gzip" => gzip = Some(quality),
                "identity" => identity = Some(quality),
                "*" => any = Some(quality),
                _ => {}
            }
        }
        let brotli = brotli.or(any).unwrap_or(0);
        let gzip = gzip.or(any).unwrap_or(0);
        let (best, best_quality) = if brotli >= gzip {
            (Encoding::Brotli, brotli)
        } else {
            (Encoding::Gzip, gzip)
        };
        if best_quality > 0 && best_quality >= identity.unwrap_or(0) {
            best
        } else {
            Encoding::Identity
        }
    }

    /// The `Content-Encoding` token.
    fn token(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }

    /// What the build appends to a file's name for its copy in this coding.
    fn file_suffix(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some(".br"),
            Encoding::Gzip => Some(".gz"),
            Encoding::Identity => None,
        }
    }
}

/// The `q` of one element's parameters in thousandths (1000 when absent); `None` when the
/// value is not a quality between 0 and 1, so a garbled element is ignored, not trusted.
fn quality<'a>(params: impl Iterator<Item = &'a str>) -> Option<u16> {
    for param in params {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("q") {
            continue;
        }
        let value = value.trim();
        let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
        if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
        return match whole {
            "0" => Some(thousandths),
            "1" if thousandths == 0 => Some(1000),
            _ => None,
        };
    }
    Some(1000)
}

#[cfg(test)]
mod tests {
    use super::Encoding::{self, Brotli, Gzip, Identity};

    /// Each `Accept-Encoding` value and the coding it must get.
    fn expect(cases: &[(&str, Encoding)]) {
        for &(header, wanted) in cases {
            assert_eq!(Encoding::negotiate(Some(header)), wanted, "{header:?}");
        }
    }

    #[test]
    fn browsers_get_brotli_and_older_clients_gzip() {
        expect(&[
            ("gzip, deflate, br, zstd", Brotli), // Chromium
            ("gzip, deflate, br", Brotli),       // Safari
            ("gzip, deflate", Gzip),
            ("x-gzip", Gzip), // gzip's old name
            ("GZIP", Gzip),   // codings are case-insensitive
        ]);
    }

    #[test]
    fn no_header_an_empty_one_or_unknown_codings_get_identity() {
        assert_eq!(Encoding::negotiate(None), Identity);
        expect(&[
            ("", Identity),
            ("identity", Identity),
            ("deflate, zstd", Identity),
        ]);
    }

    #[test]
    fn qualities_are_honoured_and_zero_refuses() {
        expect(&[
            ("br;q=0.5, gzip;q=0.8", Gzip),
            ("br;q=0, gzip", Gzip),
            ("br ; q=0.000 , gzip ; Q=0.1", Gzip), // spaces and case
            ("br;q=0, gzip;q=0", Identity),
            ("gzip;q=0.4, identity;q=0.9", Identity), // identity named higher
            ("gzip;q=0.4, identity;q=0.4", Gzip),     // a tie goes to the compressed copy
            ("gzip;q=1.0, br;q=1", Brotli),           // and to brotli between the two
        ]);
    }

    #[test]
    fn a_wildcard_stands_for_the_codings_not_named() {
        expect(&[
            ("*", Brotli),
            ("br;q=0, *", Gzip),
            ("gzip, *;q=0", Gzip),
            ("*;q=0", Identity), // refusing everything still gets a readable answer
        ]);
    }

    #[test]
    fn garbled_elements_are_ignored() {
        expect(&[
            ("br;q=2, gzip", Gzip),
            ("br;q=-1, gzip", Gzip),
            ("br;q=0.5000, gzip;q=0.1", Gzip), // more than three decimals
            ("br;q=abc, gzip;q=0.1", Gzip),
            ("br;q=1.5, gzip;q=0.1", Gzip),
            ("br;q=, gzip;q=0.1", Gzip),
            (",,;, br", Brotli),                      // empty elements
            ("br;level=5;q=0.7, gzip;q=0.6", Brotli), // other parameters
        ]);
    }
}
