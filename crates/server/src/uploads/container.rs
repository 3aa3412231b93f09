//! Recognising a video container by its first bytes, before anything trusts the file name.

/// A container we accept, with the extension the original keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Webm,
    Matroska,
    Mp4,
    QuickTime,
}

impl Container {
    pub fn name(self) -> &'static str {
        match self {
            Container::Webm => "webm",
            Container::Matroska => "matroska",
            Container::Mp4 => "mp4",
            Container::QuickTime => "quicktime",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Container::Webm => "webm",
            Container::Matroska => "mkv",
            Container::Mp4 => "mp4",
            Container::QuickTime => "mov",
        }
    }
}

/// How many leading bytes [`sniff`] wants to see.
pub const SNIFF_LEN: usize = 64;

/// The container, or why the bytes are not a video we take.
pub fn sniff(head: &[u8]) -> Result<Container, String> {
    if head.is_empty() {
        return Err("the file is empty".into());
    }
    // EBML header: WebM and Matroska. The DocType says which.
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        let webm = head.windows(4).any(|w| w == b"webm");
        return Ok(if webm {
            Container::Webm
        } else {
            Container::Matroska
        });
    }
    // ISO base media (MP4) and QuickTime: a box size, then the box type.
    if head.len() >= 12 {
        let box_type = &head[4..8];
        if box_type == b"ftyp" {
            return Ok(if &head[8..12] == b"qt  " {
                Container::QuickTime
            } else {
                Container::Mp4
            });
        }
        // Older QuickTime files may start straight with one of these atoms.
        if [b"moov", b"mdat", b"wide", b"free", b"skip"]
            .iter()
            .any(|t| box_type == *t)
        {
            return Ok(Container::QuickTime);
        }
    }
    Err(format!(
        "not a video (WebM, MP4 or MOV): {}",
        describe(head)
    ))
}

/// A human word for common non-video files, else the first bytes in hex.
fn describe(head: &[u8]) -> String {
    let known: [(&[u8], &str); 6] = [
        (b"\x89PNG", "it is a PNG image"),
        (b"\xFF\xD8\xFF", "it is a JPEG image"),
        (b"GIF8", "it is a GIF image"),
        (b"%PDF", "it is a PDF document"),
        (b"PK\x03\x04", "it is a ZIP archive"),
        (b"RIFF", "it is a RIFF file (AVI or WAV)"),
    ];
    if let Some((_, what)) = known.iter().find(|(magic, _)| head.starts_with(magic)) {
        return (*what).to_owned();
    }
    let hex: Vec<String> = head.iter().take(8).map(|b| format!("{b:02X}")).collect();
    format!("unknown format, first bytes {}", hex.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_head(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/videos")
            .join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        bytes.into_iter().take(SNIFF_LEN).collect()
    }

    #[test]
    fn the_fixture_videos_are_recognised_by_their_bytes() {
        assert_eq!(
            sniff(&fixture_head("android-vp8-opus.webm")),
            Ok(Container::Webm)
        );
        assert_eq!(sniff(&fixture_head("no-audio.webm")), Ok(Container::Webm));
        assert_eq!(
            sniff(&fixture_head("ios-h264-aac-rotated.mp4")),
            Ok(Container::Mp4)
        );
        assert_eq!(
            sniff(&fixture_head("iphone-h264.mov")),
            Ok(Container::QuickTime)
        );
        // Damaged but with a valid header: accepted here, the media pipeline judges the rest.
        assert_eq!(sniff(&fixture_head("truncated.mp4")), Ok(Container::Mp4));
    }

    #[test]
    fn a_png_named_mp4_is_refused_as_an_image() {
        let err = sniff(&fixture_head("not-a-video.mp4")).unwrap_err();
        assert!(err.contains("PNG image"), "{err}");
    }

    #[test]
    fn an_empty_file_is_refused_as_empty() {
        assert_eq!(sniff(&[]), Err("the file is empty".into()));
        assert_eq!(
            sniff(&fixture_head("zero-bytes.webm")),
            Err("the file is empty".into())
        );
    }

    #[test]
    fn unknown_bytes_are_shown_in_hex() {
        let err = sniff(b"hello world, not a video at all").unwrap_err();
        assert!(err.contains("68 65 6C 6C"), "{err}");
    }
}
