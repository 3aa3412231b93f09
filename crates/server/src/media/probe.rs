//! Reading what a video is with `ffprobe`: duration, size, rotation, codecs, container.

use std::path::Path;

use serde::Deserialize;

use super::{Tools, run};

#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub duration_ms: u64,
    /// As stored, before rotation.
    pub coded_width: u32,
    pub coded_height: u32,
    /// Clockwise degrees a player turns the picture: 0, 90, 180 or 270.
    pub rotation: i32,
    pub video_codec: String,
    pub audio_codec: Option<String>,
    pub format_name: String,
}

impl Probe {
    /// The original's figures with the length of its rendition, which is what a reviewer
    /// plays: ffmpeg wrote it from the decoded frames. A Chrome/Android MediaRecorder WebM
    /// has no duration in its header at all, and any header can be wrong; the original's
    /// length stays only when the rendition has none.
    pub fn lasting_as(self, rendition: &Probe) -> Probe {
        Probe {
            duration_ms: match rendition.duration_ms {
                0 => self.duration_ms,
                played => played,
            },
            ..self
        }
    }

    /// Width and height as seen upright.
    pub fn upright(&self) -> (u32, u32) {
        if self.rotation % 180 == 0 {
            (self.coded_width, self.coded_height)
        } else {
            (self.coded_height, self.coded_width)
        }
    }
}

#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    streams: Vec<Stream>,
    format: Option<Format>,
}

#[derive(Deserialize)]
struct Stream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    duration: Option<String>,
    #[serde(default)]
    tags: std::collections::HashMap<String, String>,
    #[serde(default)]
    side_data_list: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Format {
    format_name: Option<String>,
    duration: Option<String>,
}

pub async fn probe(
    tools: &Tools,
    input: &Path,
    limit: std::time::Duration,
) -> Result<Probe, String> {
    let output = run(
        &tools.ffprobe,
        &[
            "-v".as_ref(),
            "error".as_ref(),
            "-print_format".as_ref(),
            "json".as_ref(),
            "-show_format".as_ref(),
            "-show_streams".as_ref(),
            input.as_os_str(),
        ],
        limit,
    )
    .await?;
    parse(&output)
}

pub fn parse(json: &[u8]) -> Result<Probe, String> {
    let out: Output = serde_json::from_slice(json)
        .map_err(|e| format!("ffprobe said something unreadable: {e}"))?;
    let video = out
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("video"))
        .ok_or("no video stream")?;
    let audio = out
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("audio"));
    let (width, height) = match (video.width, video.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => (w, h),
        _ => return Err("the video stream has no picture size".into()),
    };
    let seconds = out
        .format
        .as_ref()
        .and_then(|f| f.duration.as_deref())
        .or(video.duration.as_deref())
        .and_then(|d| d.parse::<f64>().ok())
        .filter(|d| d.is_finite() && *d >= 0.0)
        .unwrap_or(0.0);
    Ok(Probe {
        duration_ms: (seconds * 1000.0).round() as u64,
        coded_width: width,
        coded_height: height,
        rotation: rotation(video),
        video_codec: video.codec_name.clone().unwrap_or_else(|| "unknown".into()),
        audio_codec: audio.and_then(|a| a.codec_name.clone()),
        format_name: out
            .format
            .and_then(|f| f.format_name)
            .unwrap_or_else(|| "unknown".into()),
    })
}

/// The display matrix's rotation (newer ffprobe) or the `rotate` tag (older files), as
/// clockwise degrees. The display matrix counts counter-clockwise.
fn rotation(stream: &Stream) -> i32 {
    let from_matrix = stream
        .side_data_list
        .iter()
        .find_map(|d| d.get("rotation").and_then(serde_json::Value::as_f64))
        .map(|ccw| -(ccw.round() as i32));
    let from_tag = stream
        .tags
        .get("rotate")
        .and_then(|r| r.parse::<i32>().ok());
    from_matrix.or(from_tag).unwrap_or(0).rem_euclid(360)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portrait_phone_video_reads_upright() {
        let json = br#"{"streams":[
            {"codec_type":"video","codec_name":"hevc","width":1920,"height":1080,
             "side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]},
            {"codec_type":"audio","codec_name":"aac"}],
            "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"3.021000"}}"#;
        let probe = parse(json).unwrap();
        assert_eq!(probe.rotation, 90);
        assert_eq!(probe.upright(), (1080, 1920));
        assert_eq!(probe.duration_ms, 3021);
        assert_eq!(probe.video_codec, "hevc");
        assert_eq!(probe.audio_codec.as_deref(), Some("aac"));
    }

    #[test]
    fn an_old_rotate_tag_counts_too_and_silence_has_no_audio_codec() {
        let json =
            br#"{"streams":[{"codec_type":"video","codec_name":"h264","width":640,"height":360,
            "tags":{"rotate":"270"}}],"format":{"format_name":"mp4","duration":"2.0"}}"#;
        let probe = parse(json).unwrap();
        assert_eq!(probe.rotation, 270);
        assert_eq!(probe.audio_codec, None);
    }

    /// What ffprobe says of a 3 s Chrome MediaRecorder take (`encoder: Chrome`): no duration
    /// anywhere, and of the H.264/AAC rendition the media job made of it.
    const MEDIARECORDER_WEBM: &[u8] = br#"{"streams":[
        {"codec_type":"audio","codec_name":"opus","start_time":"0.000000","tags":{"language":"eng"}},
        {"codec_type":"video","codec_name":"vp8","width":640,"height":480,"start_time":"0.005000",
         "tags":{"language":"eng","alpha_mode":"1"}}],
        "format":{"format_name":"matroska,webm","start_time":"0.000000","size":"175869",
                  "tags":{"encoder":"Chrome"}}}"#;
    const ITS_RENDITION: &[u8] = br#"{"streams":[
        {"codec_type":"video","codec_name":"h264","width":640,"height":480,"duration":"3.000000"},
        {"codec_type":"audio","codec_name":"aac","duration":"3.000000"}],
        "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"3.000000"}}"#;

    #[test]
    fn a_browser_recording_without_a_duration_lasts_as_long_as_its_rendition() {
        let original = parse(MEDIARECORDER_WEBM).unwrap();
        assert_eq!(original.duration_ms, 0, "the header says nothing");
        let rendition = parse(ITS_RENDITION).unwrap();
        let video = original.clone().lasting_as(&rendition);
        assert_eq!(video.duration_ms, 3000);
        // Everything else still describes the original the recipient sent.
        assert_eq!(video.video_codec, "vp8");
        assert_eq!(video.audio_codec.as_deref(), Some("opus"));
        assert_eq!(video.format_name, "matroska,webm");
        assert_eq!(video.upright(), (640, 480));
    }

    #[test]
    fn the_rendition_reviewers_play_decides_the_length_when_both_have_one() {
        let phone = br#"{"streams":[{"codec_type":"video","codec_name":"h264","width":640,
            "height":360}],"format":{"format_name":"mp4","duration":"6.400000"}}"#;
        let original = parse(phone).unwrap();
        let rendition = parse(ITS_RENDITION).unwrap();
        assert_eq!(original.clone().lasting_as(&rendition).duration_ms, 3000);
        // A rendition ffprobe could not time keeps the original's figure rather than 0.
        let untimed = parse(MEDIARECORDER_WEBM).unwrap();
        assert_eq!(original.lasting_as(&untimed).duration_ms, 6400);
    }

    #[test]
    fn no_video_stream_is_a_reason() {
        let json = br#"{"streams":[{"codec_type":"audio","codec_name":"opus"}],"format":{}}"#;
        assert_eq!(parse(json).unwrap_err(), "no video stream");
    }
}
