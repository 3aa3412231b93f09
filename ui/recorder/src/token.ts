/** The link token from a `/r/<token>` path, or null when the path has none. */
export function linkToken(pathname: string): string | null {
  const match = /^\/r\/([A-Za-z0-9_-]{16,64})\/?$/.exec(pathname);
  return match?.[1] ?? null;
}
