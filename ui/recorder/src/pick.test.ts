import { describe, expect, it } from "vitest";
import { refusalOf } from "./pick";

const file = (name: string, type: string, size = 1000) => ({ name, type, size });

describe("a picked file that can't be a video is refused before anything is sent", () => {
  it("videos_pass_whatever_the_phone_calls_them", () => {
    expect(refusalOf(file("clip.mp4", "video/mp4"))).toBeNull();
    expect(refusalOf(file("IMG_0001.MOV", "video/quicktime"))).toBeNull();
    expect(refusalOf(file("recording.webm", "audio/webm")), "a mislabelled WebM is still sent").toBeNull();
    expect(refusalOf(file("clip.mkv", ""))).toBeNull();
    expect(refusalOf(file("VID_2024", "video/mp4")), "no extension, a video type").toBeNull();
  });

  it("documents_text_photos_and_sounds_are_refused_with_what_they_are", () => {
    expect(refusalOf(file("notes.txt", "text/plain"))).toBe("text");
    expect(refusalOf(file("contract.pdf", "application/pdf"))).toBe("document");
    expect(refusalOf(file("offer.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))).toBe("document");
    expect(refusalOf(file("cake.jpg", "image/jpeg"))).toBe("image");
    expect(refusalOf(file("voice.m4a", "audio/mp4"))).toBe("audio");
    expect(refusalOf(file("archive.zip", "application/zip"))).toBe("other");
  });

  it("without_a_type_the_extension_decides_and_an_unknown_one_goes_to_the_server", () => {
    expect(refusalOf(file("notes.txt", ""))).toBe("text");
    expect(refusalOf(file("scan.PDF", "application/octet-stream"))).toBe("document");
    expect(refusalOf(file("mystery.bin", ""))).toBeNull();
  });

  it("an_empty_file_is_refused_even_with_a_video_name", () => {
    expect(refusalOf(file("clip.webm", "video/webm", 0))).toBe("empty");
  });
});
