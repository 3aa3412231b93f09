// Whether the links this desktop hands out can be opened by the people they are sent to:
// the words of the Queue's standing warning and of Settings' explanation. The classification
// itself is Rust's (`clipdesk_protocol::reach`), carried in AppInfo.

import type { AppInfo } from "../../bindings/core";
import type { LinkReach } from "../../bindings/protocol";

/** "127.0.0.1" from "http://127.0.0.1:8750"; the URL itself when it has no host. */
export function hostOf(url: string): string {
  const match = /^[a-z]+:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url.trim());
  return match?.[1] || url;
}

/** The Queue's warning, or null when links reach phones (or the base is unknown). */
export function reachWarning(info: Pick<AppInfo, "links_base" | "links_reach">): string | null {
  const base = info.links_base;
  if (base === null || info.links_reach === null) return null;
  const host = hostOf(base);
  switch (info.links_reach) {
    case "this_computer":
      return `links point at ${host}: only this computer can open them`;
    case "private_network":
      return `links point at ${host}: only devices on this network can open them`;
    case "not_a_url":
      return `links point at ${base}, which is not a web address: nobody can open them`;
    default:
      return null;
  }
}

/** Settings' sentence on who can open links built on the address. */
export function reachExplained(reach: LinkReach): string {
  switch (reach) {
    case "public":
      return "Phones anywhere can open these links.";
    case "plain_http":
      return "Phones can open these links, but their browsers allow the camera only on https: put TLS in front (a tunnel usually does).";
    case "this_computer":
      return "Only this computer can open these links: a TikTok user tapping one gets nothing. Set a public address (a tunnel such as cloudflared or ngrok, or a port forward to this computer), or use a clipdesk-server on the internet.";
    case "private_network":
      return "Only devices on this network can open these links, not a TikTok user's phone on mobile data. Set a public address (a tunnel, or a port forward), or use a clipdesk-server on the internet.";
    case "not_a_url":
      return "This is not a web address: nobody can open these links.";
  }
}
