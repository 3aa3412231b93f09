import { describe, expect, it } from "vitest";
import type { MediaUrls } from "../../bindings/protocol";
import { MediaCache } from "./mediaCache";

function urls(expiresAt: number, n: number): MediaUrls {
  return { original: `o${n}`, rendition: `r${n}`, poster: `p${n}`, download: `d${n}`, expires_at: new Date(expiresAt).toISOString() };
}

describe("the media address cache", () => {
  it("reuses fresh addresses and asks again near expiry", async () => {
    let now = 0;
    let calls = 0;
    const cache = new MediaCache(async () => urls(10 * 60_000, ++calls), () => now);
    expect((await cache.get("v")).poster).toBe("p1");
    expect((await cache.get("v")).poster).toBe("p1");
    now = 9.5 * 60_000; // within a minute of expiring
    expect((await cache.get("v")).poster).toBe("p2");
    expect(calls).toBe(2);
    expect((await cache.get("v", "ready")).poster).toBe("p3"); // a new state asks again
    expect(calls).toBe(3);
  });

  it("does not keep a failure", async () => {
    let fail = true;
    const cache = new MediaCache(async () => {
      if (fail) throw new Error("away");
      return urls(Date.now() + 600_000, 1);
    });
    await expect(cache.get("v")).rejects.toThrow("away");
    fail = false;
    expect((await cache.get("v")).poster).toBe("p1");
  });
});
