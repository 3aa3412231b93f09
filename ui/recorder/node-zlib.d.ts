// The node:zlib calls vite.config.ts makes, typed by hand: @types/node would also type the
// page's own code as Node (setTimeout returning a Timeout, not the browser's number).
declare module "node:zlib" {
  type Input = string | Uint8Array;
  export const constants: {
    readonly BROTLI_PARAM_MODE: number;
    readonly BROTLI_MODE_TEXT: number;
    readonly BROTLI_PARAM_QUALITY: number;
    readonly BROTLI_MAX_QUALITY: number;
  };
  export function brotliCompressSync(input: Input, options?: { params?: Record<number, number> }): Uint8Array;
  export function gzipSync(input: Input, options?: { level?: number }): Uint8Array;
}
