import { describe, expect, it } from "vitest";
import { chooseFormat, extensionFor } from "./mime";

const supports = (...types: string[]) => (mimeType: string) => types.includes(mimeType);

describe("the recording format fits the browser", () => {
  it("chrome_on_android_records_webm_vp8_with_opus", () => {
    const chrome = supports("video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm");
    expect(chooseFormat(chrome)).toEqual({ mimeType: "video/webm;codecs=vp8,opus", extension: "webm" });
  });

  it("a_browser_with_only_vp9_still_gets_webm", () => {
    expect(chooseFormat(supports("video/webm;codecs=vp9,opus"))?.mimeType).toBe("video/webm;codecs=vp9,opus");
  });

  it("ios_safari_records_mp4_h264_with_aac", () => {
    const safari = supports("video/mp4", "video/mp4;codecs=avc1.42E01E,mp4a.40.2");
    expect(chooseFormat(safari)).toEqual({ mimeType: "video/mp4;codecs=avc1.42E01E,mp4a.40.2", extension: "mp4" });
  });

  it("a_browser_that_supports_nothing_we_know_lets_the_recorder_choose", () => {
    expect(chooseFormat(() => false)).toBeNull();
  });

  it("a_browser_that_throws_on_codec_strings_is_asked_about_the_next_one", () => {
    const picky = (mimeType: string) => {
      if (mimeType.includes("codecs")) throw new Error("cannot parse");
      return mimeType === "video/mp4";
    };
    expect(chooseFormat(picky)?.mimeType).toBe("video/mp4");
  });

  it("the_file_name_follows_what_was_actually_recorded", () => {
    expect(extensionFor("video/webm;codecs=vp8,opus")).toBe("webm");
    expect(extensionFor("video/mp4;codecs=avc1")).toBe("mp4");
    expect(extensionFor("video/quicktime")).toBe("mov");
  });
});
