// Signed media addresses by video, reused until shortly before they expire, so the Review
// list's posters do not ask the server again on every re-render.

import type { MediaUrls } from "../../bindings/protocol";

/** Addresses are asked for again this long before they expire. */
export const REFRESH_BEFORE_MS = 60_000;

export class MediaCache {
  private entries = new Map<string, Promise<MediaUrls>>();

  constructor(
    private readonly fetch: (video: string) => Promise<MediaUrls>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The video's addresses: cached while fresh; a failed fetch is not kept. `state` is part of
   * the key: a video that became ready has a poster its earlier answer did not.
   */
  async get(video: string, state = ""): Promise<MediaUrls> {
    const key = `${video}\u0000${state}`;
    const cached = this.entries.get(key);
    if (cached) {
      const urls = await cached.catch(() => null);
      if (urls && Date.parse(urls.expires_at) - this.now() > REFRESH_BEFORE_MS) return urls;
    }
    const fresh = this.fetch(video);
    this.entries.set(key, fresh);
    fresh.catch(() => this.entries.delete(key));
    return fresh;
  }
}
