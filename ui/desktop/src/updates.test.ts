import { describe, expect, it } from "vitest";
import { checkHeadline, downloadHeadline, progressText } from "./updates";

describe("Settings → Updates", () => {
  it("says the app is up to date, or which version is offered", () => {
    expect(checkHeadline({ state: "up_to_date", current: "0.1.0" })).toBe("clipdesk 0.1.0 is up to date");
    expect(
      checkHeadline({ state: "available", current: "0.1.0", version: "0.2.0", notes: null, pub_date: null }),
    ).toBe("Version 0.2.0 is available (this is 0.1.0)");
    expect(checkHeadline({ state: "off", current: "0.1.0", reason: "no key" })).toContain("updates are off");
  });

  it("says a refused download was not installed", () => {
    const message = "The update is not signed with this app's key: not installed.";
    expect(downloadHeadline({ state: "refused", version: "0.3.0", message })).toBe(message);
    expect(downloadHeadline({ state: "verified", version: "0.2.0", size: 2_500_000 })).toContain("2.5 MB");
  });

  it("shows progress with or without the size", () => {
    expect(progressText({ downloaded: 3_200_000, total: 10_300_000 })).toBe("3.2 of 10.3 MB (31%)");
    expect(progressText({ downloaded: 3_200_000, total: null })).toBe("3.2 MB");
  });
});
