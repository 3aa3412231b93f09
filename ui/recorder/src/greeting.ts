// Who the page greets: the name the sender knows the recipient by, else their TikTok handle.

import type { PublicLink } from "../../bindings/protocol";

export function recipientName(link: Pick<PublicLink, "display_name" | "handle">): string {
  const name = link.display_name?.trim();
  return name ? name : `@${link.handle}`;
}
