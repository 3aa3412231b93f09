// The operator's side of the server API, as the browser tests need it: an API token, campaigns,
// links, revoking, videos, and the event feed.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { serverBin } from "./paths.mjs";

/** @typedef {import("../../../ui/bindings/protocol.js").CampaignUpsert} CampaignUpsert */
/** @typedef {import("../../../ui/bindings/protocol.js").LinkRecipient} LinkRecipient */
/** @typedef {import("../../../ui/bindings/protocol.js").CreatedLinks} CreatedLinks */
/** @typedef {import("../../../ui/bindings/protocol.js").IssuedLink} IssuedLink */
/** @typedef {import("../../../ui/bindings/protocol.js").EventsPage} EventsPage */
/** @typedef {import("../../../ui/bindings/protocol.js").Event} FeedEvent */
/** @typedef {import("../../../ui/bindings/protocol.js").Video} Video */

const run = promisify(execFile);

/**
 * Makes an operator API token with the server's own command; it prints the token last.
 * The data folder goes by environment: `--data` belongs to `token`, not to `token create`.
 * @param {string} dataDir the running server's data folder
 * @param {string} [name]
 */
export async function createOperatorToken(dataDir, name = "e2e") {
  const { stdout } = await run(serverBin, ["token", "create", "--name", name], {
    env: { ...process.env, CLIPDESK_DATA: dataDir },
  });
  const token = stdout.trim().split("\n").pop()?.trim();
  if (!token) throw new Error(`token create printed no token:\n${stdout}`);
  return token;
}

/**
 * A client for the operator API of the server at `baseUrl`, authenticated with `token`.
 * @param {string} baseUrl
 * @param {string} token
 */
export function operatorApi(baseUrl, token) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   */
  async function call(method, path, body) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }

  return {
    /**
     * Creates or updates a campaign; unspecified fields get plain defaults.
     * @param {string} slug
     * @param {Partial<CampaignUpsert>} [fields]
     */
    async putCampaign(slug, fields = {}) {
      /** @type {CampaignUpsert} */
      const body = {
        title: "Summer launch",
        prompt: "Tell us about your favourite recipe in 30 seconds.",
        max_duration_s: 30,
        expires_at: null,
        public_page: false,
        language: null,
        strings: {},
        ...fields,
      };
      return call("PUT", `/api/v1/campaigns/${encodeURIComponent(slug)}`, body);
    },

    /**
     * @param {string} slug
     * @param {Array<Partial<LinkRecipient> & { handle: string }>} recipients
     * @returns {Promise<IssuedLink[]>}
     */
    async createLinks(slug, recipients) {
      const body = {
        recipients: recipients.map((r) => ({ user_id: null, display_name: null, ...r })),
      };
      /** @type {CreatedLinks} */
      const created = await call("POST", `/api/v1/campaigns/${encodeURIComponent(slug)}/links`, body);
      return created.links;
    },

    /**
     * One link for one recipient: the usual case in a test.
     * @param {string} slug
     * @param {Partial<LinkRecipient> & { handle: string }} recipient
     */
    async createLink(slug, recipient) {
      const [link] = await this.createLinks(slug, [recipient]);
      if (!link) throw new Error("the server issued no link");
      return link;
    },

    /** @param {string} linkToken */
    async revokeLink(linkToken) {
      return call("DELETE", `/api/v1/links/${encodeURIComponent(linkToken)}`);
    },

    /**
     * One video as the desktop sees it: state, probe figures, review, signed media URLs.
     * @param {string} videoId
     * @returns {Promise<Video>}
     */
    async video(videoId) {
      return call("GET", `/api/v1/videos/${encodeURIComponent(videoId)}`);
    },

    /**
     * @param {{ after?: number, limit?: number, wait?: number }} [query]
     * @returns {Promise<EventsPage>}
     */
    async events({ after = 0, limit = 100, wait = 0 } = {}) {
      return call("GET", `/api/v1/events?after=${after}&limit=${limit}&wait=${wait}`);
    },

    /**
     * Reads the feed until an event matching `predicate` arrives; returns every event read.
     * @param {(event: FeedEvent) => boolean} predicate
     * @param {{ timeoutMs?: number }} [options]
     */
    async waitForEvent(predicate, { timeoutMs = 30_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      /** @type {FeedEvent[]} */
      const seen = [];
      let after = 0;
      while (Date.now() < deadline) {
        const wait = Math.max(0, Math.min(5, Math.floor((deadline - Date.now()) / 1000)));
        const page = await this.events({ after, limit: 100, wait });
        seen.push(...page.events);
        after = page.next_after;
        if (page.events.some(predicate)) return seen;
        if (!page.more && wait === 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`no matching event within ${timeoutMs} ms; saw ${seen.map((e) => e.kind).join(", ")}`);
    },
  };
}
