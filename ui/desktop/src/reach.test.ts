import { describe, expect, it } from "vitest";
import { hostOf, reachExplained, reachWarning } from "./reach";

describe("reachWarning", () => {
  it("names the host links point at when only this computer can open them", () => {
    expect(reachWarning({ links_base: "http://127.0.0.1:8750", links_reach: "this_computer" })).toBe(
      "links point at 127.0.0.1: only this computer can open them",
    );
  });

  it("says a private address reaches only this network", () => {
    expect(reachWarning({ links_base: "http://192.168.1.20:8750", links_reach: "private_network" })).toBe(
      "links point at 192.168.1.20: only devices on this network can open them",
    );
  });

  it("says nothing when links reach phones or the base is not known", () => {
    expect(reachWarning({ links_base: "https://clips.example.com", links_reach: "public" })).toBeNull();
    expect(reachWarning({ links_base: "http://clips.example.com", links_reach: "plain_http" })).toBeNull();
    expect(reachWarning({ links_base: null, links_reach: null })).toBeNull();
  });
});

describe("hostOf", () => {
  it("keeps IPv6 brackets and drops the port, the path and any user", () => {
    expect(hostOf("http://[::1]:8750/r/x")).toBe("[::1]");
    expect(hostOf("https://ana@clips.example.com/r/x")).toBe("clips.example.com");
    expect(hostOf("not a url")).toBe("not a url");
  });
});

describe("reachExplained", () => {
  it("points to a public address when only this computer can open links", () => {
    expect(reachExplained("this_computer")).toMatch(/public address/);
    expect(reachExplained("public")).toMatch(/anywhere/);
  });
});
