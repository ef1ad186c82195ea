import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // each test file's temp folders live in one root removed after the file (test/setup/temp-root.ts)
    setupFiles: ["./test/setup/temp-root.ts"],
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
