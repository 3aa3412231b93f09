// Who the page greets: by first name, the word the DM used (the server applies the same rule to
// the display name), else by their TikTok handle.

import type { PublicLink } from "../../bindings/protocol";

export function recipientName(link: Pick<PublicLink, "first_name" | "handle">): string {
  const name = link.first_name?.trim();
  return name ? name : `@${link.handle}`;
}
