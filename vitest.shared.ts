// Shared Vitest settings: workspace packages resolve to their TypeScript source through the
// `@xmpp-amp/source` export condition, and every run writes a JSON report that the root
// `npm test` adds up into its closing `N passed, M failed` line.
import { defineConfig, type ViteUserConfig } from "vitest/config"

const sourceConditions = ["@xmpp-amp/source", "module", "node", "import", "default"]
/**
 * The server-side list is also handed to the test workers as Node's `--conditions`: "import"
 * there made Node's own `require` pick a CommonJS package's ESM entry (pg's `require("pg-pool")`
 * got a module namespace). Vite adds "import"/"require" per import by itself.
 */
const serverConditions = ["@xmpp-amp/source", "module", "node"]

/** The Vitest config every package extends; `overrides.test` is merged into `test`. */
export const sharedConfig = (overrides: ViteUserConfig = {}): ViteUserConfig =>
  defineConfig({
    ...overrides,
    resolve: { conditions: sourceConditions, ...overrides.resolve },
    ssr: { resolve: { conditions: serverConditions, externalConditions: ["@xmpp-amp/source"] } },
    test: {
      include: ["test/**/*.test.ts"],
      passWithNoTests: false,
      reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
      testTimeout: 20_000,
      hookTimeout: 30_000,
      ...overrides.test,
    },
  })
