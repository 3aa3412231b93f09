// The public API the page talks to: resolving a link, a campaign page, a self-reported handle.

import type { DeclineLink, PublicCampaign, PublicLink, SelfReportedHandle } from "../../bindings/protocol";
import { parseProblem, type Problem } from "./errors";

export type Result<T> = { ok: true; value: T } | { ok: false; problem: Problem };

async function request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<Result<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      // A link's state (expired, revoked) must be current, never a cached answer.
      cache: "no-store",
    });
  } catch {
    return { ok: false, problem: { code: "network", message: "" } };
  }
  const text = await response.text().catch(() => "");
  if (!response.ok) return { ok: false, problem: parseProblem(response.status, text) };
  if (response.status === 204) return { ok: true, value: undefined as T };
  try {
    return { ok: true, value: JSON.parse(text) as T };
  } catch {
    return { ok: false, problem: { code: "internal", message: "" } };
  }
}

/** Resolves a link token; the server counts the first call as the link being opened. */
export function fetchLink(token: string): Promise<Result<PublicLink>> {
  return request("GET", `/api/v1/public/links/${encodeURIComponent(token)}`);
}

export function fetchCampaign(slug: string): Promise<Result<PublicCampaign>> {
  return request("GET", `/api/v1/public/campaigns/${encodeURIComponent(slug)}`);
}

/** Makes a self-reported link on a campaign page from the handle the visitor typed. */
export function claimLink(slug: string, handle: string): Promise<Result<PublicLink>> {
  const body: SelfReportedHandle = { handle };
  return request("POST", `/api/v1/public/campaigns/${encodeURIComponent(slug)}/links`, body);
}

/** The person says "no thanks": the link takes no more videos and nobody follows up. */
export function declineLink(token: string, reason: string): Promise<Result<void>> {
  const body: DeclineLink = reason.trim() ? { reason: reason.trim() } : {};
  return request("POST", `/api/v1/public/links/${encodeURIComponent(token)}/decline`, body);
}
