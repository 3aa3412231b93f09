import { defineConfig } from "vitest/config";

// One Vitest run over both UIs' logic; component-free modules only, so no DOM is needed.
export default defineConfig({
  test: {
    include: ["desktop/src/**/*.test.ts", "recorder/src/**/*.test.ts"],
  },
});
