//! The recorder page as a phone receives it: the coding it accepts, with `Vary` for caches,
//! and the headers that keep the page and the media out of other sites' frames and sniffing.

use std::path::Path;

use crate::helpers::{TestApp, fixture, spawn_app, spawn_app_with};

/// A file of the built page, as the server embeds it.
fn dist(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../ui/recorder/dist")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// GETs `path` with `accept_encoding` (none when `None`) and returns the coding the answer
/// says it is in and its raw body. The test client never decompresses.
async fn fetch(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> (String, Vec<u8>) {
    let mut request = app.client.get(app.url(path));
    if let Some(value) = accept_encoding {
        request = request.header("accept-encoding", value);
    }
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    let vary = response.headers()["vary"].to_str().unwrap().to_lowercase();
    assert!(
        vary.contains("accept-encoding"),
        "{path}: a cache must not hand one coding to a client that asked for another ({vary})"
    );
    let coding = response
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (coding, response.bytes().await.unwrap().to_vec())
}

/// The path of the page's script, read from the built index.html.
fn script_path() -> String {
    let html = String::from_utf8(dist("index.html")).unwrap();
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page loads a script");
    script.to_owned()
}

#[tokio::test]
async fn the_page_and_its_script_come_in_the_best_coding_the_browser_accepts() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let page = format!("/r/{}", link.token);
    let script = script_path();
    let script_file = script.trim_start_matches('/');

    for (path, file) in [
        (page.as_str(), "index.html"),
        (script.as_str(), script_file),
    ] {
        let cases = [
            (Some("gzip, deflate, br, zstd"), "br", ".br"),
            (Some("gzip, deflate"), "gzip", ".gz"),
            (Some("br;q=0.5, gzip;q=0.9"), "gzip", ".gz"),
            (Some("br;q=0, *"), "gzip", ".gz"),
            (Some("br;q=0, gzip;q=0"), "", ""),
            (Some("identity"), "", ""),
            (None, "", ""),
        ];
        for (accept, coding, suffix) in cases {
            let (got_coding, body) = fetch(&app, path, accept).await;
            assert_eq!(got_coding, coding, "{path} for Accept-Encoding {accept:?}");
            assert_eq!(
                body,
                dist(&format!("{file}{suffix}")),
                "{path} for {accept:?} is the build's {file}{suffix}"
            );
        }
    }
    let (_, plain) = fetch(&app, &script, None).await;
    let (_, brotli) = fetch(&app, &script, Some("br")).await;
    assert!(
        brotli.len() * 3 < plain.len(),
        "brotli sends well under a third of the script ({} of {} bytes)",
        brotli.len(),
        plain.len()
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_compressed_answer_keeps_the_type_and_caching_of_the_file() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    for (path, content_type, cache) in [
        (format!("/r/{}", link.token), "text/html", "no-cache"),
        (
            script_path(),
            "text/javascript",
            "public, max-age=31536000, immutable",
        ),
    ] {
        let response = app
            .client
            .get(app.url(&path))
            .header("accept-encoding", "br")
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        assert_eq!(headers["content-encoding"], "br", "{path}");
        assert_eq!(headers["content-type"], content_type, "{path}");
        assert_eq!(headers["cache-control"], cache, "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    }
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn every_page_answer_forbids_framing_and_everything_the_page_does_not_do() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    app.open_page("open", serde_json::json!({"title": "Open call"}))
        .await;
    for (path, status) in [
        (format!("/r/{}", link.token), 200),
        ("/r/AAAAAAAAAAAAAAAAAAAAAA".to_owned(), 404),
        ("/c/open".to_owned(), 200),
        ("/c/no-such-campaign".to_owned(), 404),
    ] {
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        for wanted in [
            "default-src 'none'",
            "script-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "object-src 'none'",
        ] {
            assert!(directives.contains(&wanted), "{path}: {wanted} in {csp}");
        }
        assert!(!csp.contains("unsafe-"), "{path}: nothing unsafe in {csp}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(
            !headers.contains_key("access-control-allow-origin"),
            "{path}: the page is not for other origins to read"
        );
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
    }
    app.server.stop().await.unwrap();
}

#[test]
fn the_built_page_has_no_inline_script_or_style_the_policy_would_block() {
    let html = String::from_utf8(dist("index.html"))
        .unwrap()
        .to_lowercase();
    for tag in html.split("<script").skip(1) {
        let open = tag.split('>').next().unwrap();
        assert!(open.contains(" src="), "an inline script: <script{open}>");
    }
    assert!(!html.contains("<style"), "an inline stylesheet");
    assert!(!html.contains(" style="), "an inline style attribute");
    let handler = html.match_indices(" on").find(|(at, _)| {
        let rest = &html[at + 3..];
        let name = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        name > 0 && rest[name..].starts_with('=')
    });
    assert_eq!(handler, None, "an inline event handler");
}

#[tokio::test]
async fn media_answers_tell_the_browser_not_to_sniff() {
    // No conversion: the original is served as soon as it is received.
    let app = spawn_app_with(|c| c.ffmpeg = "/nonexistent/ffmpeg".into()).await;
    let link = app.link("maya.bakes").await;
    let (status, id) = app
        .upload(&link.token, fixture("no-audio.webm"), "clip.webm")
        .await;
    assert_eq!(status, 201);
    let video = app.video(&id).await;
    let original = app.client.get(&video.urls.original).send().await.unwrap();
    assert_eq!(original.status(), 200);
    assert_eq!(original.headers()["content-type"], "video/webm");
    assert_eq!(original.headers()["x-content-type-options"], "nosniff");
    app.server.stop().await.unwrap();
}
