//! Recognising a video container by its bytes, before anything trusts the file name.

use std::io::{Read, Seek, SeekFrom};

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

    /// The container's `name()` as stored in the database, back to the container.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    pub fn mime(self) -> &'static str {
        match self {
            Container::Webm => "video/webm",
            Container::Matroska => "video/x-matroska",
            Container::Mp4 => "video/mp4",
            Container::QuickTime => "video/quicktime",
        }
    }

    pub const ALL: [Container; 4] = [
        Container::Webm,
        Container::Matroska,
        Container::Mp4,
        Container::QuickTime,
    ];
}

/// How many leading bytes [`sniff`] wants to see.
pub const SNIFF_LEN: usize = 64;

/// The container, or why the bytes are not a video we take, judged on the whole file: the
/// first bytes name the kind, then its structure must hold up the way ffprobe needs it to
/// (a Matroska DocType of webm or matroska; an MP4/MOV with a complete `moov` holding a movie
/// header and a track), so a file that only starts like a video is refused here.
pub fn identify(file: &mut (impl Read + Seek), len: u64) -> Result<Container, String> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    file.seek(SeekFrom::Start(0)).map_err(io_reason)?;
    (&mut *file)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(io_reason)?;
    let container = sniff(&head)?;
    match container {
        Container::Webm | Container::Matroska => Ok(container),
        Container::Mp4 | Container::QuickTime => {
            check_movie_boxes(file, len)?;
            Ok(container)
        }
    }
}

fn io_reason(err: std::io::Error) -> String {
    format!("the file could not be read: {err}")
}

/// One ISO base media box header: its type, where its content starts and where it ends.
struct BoxHeader {
    kind: [u8; 4],
    content: u64,
    end: u64,
}

fn read_box(
    file: &mut (impl Read + Seek),
    at: u64,
    limit: u64,
) -> Result<Option<BoxHeader>, String> {
    if at + 8 > limit {
        return Ok(None);
    }
    let mut header = [0u8; 16];
    file.seek(SeekFrom::Start(at)).map_err(io_reason)?;
    let want = if at + 16 <= limit { 16 } else { 8 };
    file.read_exact(&mut header[..want]).map_err(io_reason)?;
    let size32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    let kind = [header[4], header[5], header[6], header[7]];
    if !kind.iter().all(|b| b.is_ascii_alphanumeric() || *b == b' ') {
        return Err(format!(
            "not a video: the MP4/MOV structure breaks at byte {at} (box type {})",
            hex(&kind)
        ));
    }
    let (size, header_len) = match size32 {
        0 => (limit - at, 8),
        1 if want == 16 => {
            let mut large = [0u8; 8];
            large.copy_from_slice(&header[8..16]);
            (u64::from_be_bytes(large), 16)
        }
        1 => {
            return Err(format!(
                "not a video: the MP4/MOV box at byte {at} is cut off"
            ));
        }
        n => (u64::from(n), 8),
    };
    if size < header_len {
        return Err(format!(
            "not a video: the MP4/MOV box at byte {at} has an impossible size {size}"
        ));
    }
    Ok(Some(BoxHeader {
        kind,
        content: at + header_len,
        end: at.saturating_add(size),
    }))
}

/// Walks the top-level boxes: a video needs a complete `moov` with `mvhd` and a `trak` (a
/// cut-off `mdat` after it is the media pipeline's to judge, as ffprobe would read it).
fn check_movie_boxes(file: &mut (impl Read + Seek), len: u64) -> Result<(), String> {
    let mut at = 0;
    let mut boxes = 0;
    while let Some(found) = read_box(file, at, len)? {
        boxes += 1;
        if boxes > 10_000 {
            return Err("not a video: too many MP4/MOV boxes".into());
        }
        if &found.kind == b"moov" {
            if found.end > len {
                return Err("not a video: the movie header (moov) is cut off".into());
            }
            let (mut header, mut track) = (false, false);
            let mut inner = found.content;
            while let Some(child) = read_box(file, inner, found.end)? {
                header |= &child.kind == b"mvhd" || &child.kind == b"cmov";
                track |= &child.kind == b"trak" || &child.kind == b"cmov";
                inner = child.end;
            }
            if header && track {
                return Ok(());
            }
            return Err("not a video: the movie header (moov) has no mvhd or no track".into());
        }
        at = found.end;
    }
    Err("not a video: an MP4/MOV without a movie header (moov)".into())
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The container the first bytes claim, or why they are not a video we take.
pub fn sniff(head: &[u8]) -> Result<Container, String> {
    if head.is_empty() {
        return Err("the file is empty".into());
    }
    // EBML header: WebM and Matroska. The DocType says which; any other EBML document is not
    // a video.
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return match ebml_doctype(head).as_deref() {
            Some("webm") => Ok(Container::Webm),
            Some("matroska") => Ok(Container::Matroska),
            Some(other) => Err(format!(
                "not a video: an EBML document of type {other:?}, not WebM or Matroska"
            )),
            None => Err("not a video: the WebM/Matroska header is damaged".into()),
        };
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

/// An EBML variable-length integer at `at`: its value (marker bit removed unless `keep_marker`)
/// and its length in bytes.
fn ebml_vint(bytes: &[u8], at: usize, keep_marker: bool) -> Option<(u64, usize)> {
    let first = *bytes.get(at)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 {
        return None;
    }
    let raw = bytes.get(at..at + len)?;
    let mut value = u64::from(if keep_marker {
        first
    } else {
        first & (0xFF >> len)
    });
    for b in &raw[1..] {
        value = (value << 8) | u64::from(*b);
    }
    Some((value, len))
}

/// The DocType inside the EBML header at the start of `head`.
fn ebml_doctype(head: &[u8]) -> Option<String> {
    let (_, id_len) = ebml_vint(head, 0, true)?;
    let (size, size_len) = ebml_vint(head, id_len, false)?;
    let start = id_len + size_len;
    let end = start
        .saturating_add(usize::try_from(size).ok()?)
        .min(head.len());
    let mut at = start;
    while at < end {
        let (id, id_len) = ebml_vint(head, at, true)?;
        let (size, size_len) = ebml_vint(head, at + id_len, false)?;
        let data = at + id_len + size_len;
        let data_end = data.checked_add(usize::try_from(size).ok()?)?;
        if id == 0x4282 {
            let value = head.get(data..data_end)?;
            return Some(
                String::from_utf8_lossy(value)
                    .trim_end_matches('\0')
                    .to_owned(),
            );
        }
        at = data_end;
    }
    None
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

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/videos")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn identify_bytes(bytes: &[u8]) -> Result<Container, String> {
        identify(&mut std::io::Cursor::new(bytes), bytes.len() as u64)
    }

    #[test]
    fn whole_fixture_files_hold_up_to_the_structural_check() {
        assert_eq!(
            identify_bytes(&fixture("android-vp8-opus.webm")),
            Ok(Container::Webm)
        );
        assert_eq!(
            identify_bytes(&fixture("ios-h264-aac-rotated.mp4")),
            Ok(Container::Mp4)
        );
        // moov at the end, after a wide atom and the media data.
        assert_eq!(
            identify_bytes(&fixture("iphone-h264.mov")),
            Ok(Container::QuickTime)
        );
        // A cut-off mdat after a complete moov is for ffmpeg to judge, as before.
        assert_eq!(
            identify_bytes(&fixture("truncated.mp4")),
            Ok(Container::Mp4)
        );
    }

    fn boxed(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
        let mut out = ((8 + content.len()) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(content);
        out
    }

    #[test]
    fn a_file_that_only_starts_like_a_movie_is_refused() {
        let html = b"<html><script>alert(1)</script></html>";
        let free_then_html = [boxed(b"free", b""), html.to_vec()].concat();
        let err = identify_bytes(&free_then_html).unwrap_err();
        assert!(err.starts_with("not a video"), "{err}");
        let free_only = boxed(b"free", html);
        assert!(identify_bytes(&free_only).unwrap_err().contains("moov"));
        // ftyp alone is not enough either: no movie header, nothing for a player.
        let ftyp_only = [
            boxed(b"ftyp", b"isom\0\0\0\0isom"),
            boxed(b"mdat", &[0; 64]),
        ]
        .concat();
        assert!(identify_bytes(&ftyp_only).unwrap_err().contains("moov"));
        // A moov without a track.
        let no_track = [
            boxed(b"ftyp", b"isom\0\0\0\0"),
            boxed(b"moov", &boxed(b"mvhd", &[0; 100])),
        ]
        .concat();
        assert!(identify_bytes(&no_track).unwrap_err().contains("track"));
        // A moov cut off by the end of the file.
        let mut cut = [boxed(b"ftyp", b"isom\0\0\0\0"), boxed(b"moov", &[0; 100])].concat();
        cut.truncate(cut.len() - 10);
        assert!(identify_bytes(&cut).unwrap_err().contains("cut off"));
    }

    #[test]
    fn an_ebml_document_is_a_video_only_when_its_doctype_says_so() {
        // EBML header (1A 45 DF A3), size 0x8F, then DocType (42 82) of size 0x84: "webm"/"mkvx".
        let ebml = |doctype: &[u8; 4]| {
            let mut head = vec![0x1A, 0x45, 0xDF, 0xA3, 0x87, 0x42, 0x82, 0x84];
            head.extend_from_slice(doctype);
            head
        };
        assert_eq!(sniff(&ebml(b"webm")), Ok(Container::Webm));
        let err = sniff(&ebml(b"mkvx")).unwrap_err();
        assert!(err.contains("mkvx"), "{err}");
        let err = sniff(&[0x1A, 0x45, 0xDF, 0xA3, b'w', b'e', b'b', b'm']).unwrap_err();
        assert!(err.starts_with("not a video"), "{err}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn any_bytes_get_a_container_or_a_reason_never_a_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            if let Err(reason) = identify_bytes(&bytes) {
                proptest::prop_assert!(!reason.is_empty());
            }
        }

        #[test]
        fn a_real_header_with_garbage_after_it_never_panics(tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), keep in 0usize..200) {
            let head = fixture("ios-h264-aac-rotated.mp4");
            let bytes = [&head[..keep.min(head.len())], &tail[..]].concat();
            let _ = identify_bytes(&bytes);
        }
    }
}
