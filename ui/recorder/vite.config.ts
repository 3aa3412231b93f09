import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";

/** What the server may send compressed; the rest (none today) goes as it is. */
const COMPRESSIBLE = /\.(html|js|css)$/;

/**
 * Writes `<file>.br` and `<file>.gz` beside each emitted html/js/css file. The server picks
 * one by the request's Accept-Encoding, so a phone gets the page at build-time quality
 * (brotli 11, gzip 9) with no compression work per request.
 */
function precompress(): Plugin {
  return {
    name: "clipdesk:precompress",
    apply: "build",
    enforce: "post",
    generateBundle: {
      // After Vite has emitted index.html and the final CSS.
      order: "post",
      handler(_options, bundle) {
        for (const file of Object.values(bundle)) {
          if (!COMPRESSIBLE.test(file.fileName)) continue;
          const source = file.type === "chunk" ? file.code : file.source;
          const brotli = brotliCompressSync(source, {
            params: {
              [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
              [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            },
          });
          this.emitFile({ type: "asset", fileName: `${file.fileName}.br`, source: brotli });
          this.emitFile({ type: "asset", fileName: `${file.fileName}.gz`, source: gzipSync(source, { level: 9 }) });
        }
      },
    },
  };
}

// The server embeds dist/ and serves index.html for /r/<token> and /c/<slug>; assets live flat under /assets/.
export default defineConfig({
  base: "/",
  plugins: [precompress()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // TikTok's in-app browser on older phones: keep the syntax conservative.
    target: ["es2019", "safari13"],
    // One script, nothing to preload: the polyfill would be bytes for nothing.
    modulePreload: { polyfill: false },
  },
});
