import { describe, expect, it } from "vitest";
import { isIOS, isTikTokInApp, outsideBrowserName } from "./browser";

const tiktokAndroid =
  "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.193 Mobile Safari/537.36 trill_330704 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/trill app_version/33.7.4 ByteLocale/en ByteFullLocale/en Region/US AppId/1180 Spark/1.5.0 AppVersion/33.7.4 BytedanceWebview/d8a21c6";
const tiktokIOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_32.5.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/es Region/MX isDarkMode/0 WKWebView/1 RevealType/Dialog BytedanceWebview/d8a21c6 FalconTag/";
const safari =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1";
const chromeAndroid =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36";
const iPadOS = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15";

describe("the page knows when TikTok's own browser holds it", () => {
  it("tiktok_on_android_and_iphone_is_detected", () => {
    expect(isTikTokInApp(tiktokAndroid)).toBe(true);
    expect(isTikTokInApp(tiktokIOS)).toBe(true);
    expect(isTikTokInApp("Mozilla/5.0 (Linux; Android 12) TikTok 26.1.3")).toBe(true);
  });

  it("safari_and_chrome_are_left_alone", () => {
    expect(isTikTokInApp(safari)).toBe(false);
    expect(isTikTokInApp(chromeAndroid)).toBe(false);
  });

  it("an_iphone_user_is_sent_to_safari_and_an_android_user_to_chrome", () => {
    expect(outsideBrowserName(tiktokIOS)).toBe("Safari");
    expect(outsideBrowserName(tiktokAndroid)).toBe("Chrome");
  });

  it("an_ipad_that_claims_to_be_a_mac_counts_as_ios_only_with_touch", () => {
    expect(isIOS(iPadOS, 5)).toBe(true);
    expect(isIOS(iPadOS, 0)).toBe(false);
  });
});
