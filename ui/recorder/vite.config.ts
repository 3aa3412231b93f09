import { defineConfig } from "vite";

// The server embeds dist/ and serves index.html for /r/<token> and /c/<slug>; assets live flat under /assets/.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // TikTok's in-app browser on older phones: keep the syntax conservative.
    target: ["es2019", "safari13"],
    // One script, nothing to preload: the polyfill would be bytes for nothing.
    modulePreload: { polyfill: false },
  },
});
