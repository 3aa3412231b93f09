// What the address bar asks for: a personal link `/r/<token>` or a campaign page `/c/<slug>`.

export type Route = { kind: "link"; token: string } | { kind: "campaign"; slug: string } | { kind: "none" };

/** Reads the page's path; anything else (a typo, a truncated paste) is `none`. */
export function parseRoute(pathname: string): Route {
  const link = /^\/r\/([A-Za-z0-9_-]{16,64})\/?$/.exec(pathname);
  if (link?.[1]) return { kind: "link", token: link[1] };
  // The server owns slug rules; this only keeps slashes and odd characters out of the API path.
  const campaign = /^\/c\/([A-Za-z0-9_.-]{1,100})\/?$/.exec(pathname);
  if (campaign?.[1]) return { kind: "campaign", slug: campaign[1] };
  return { kind: "none" };
}
