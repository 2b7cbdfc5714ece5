// Shared Vitest settings: workspace packages resolve to their TypeScript source through the
// `@xmpp-amp/source` export condition, and every run writes a JSON report that the root
// `npm test` adds up into its closing `N passed, M failed` line.
import { defineConfig, type ViteUserConfig } from "vitest/config"

const sourceConditions = ["@xmpp-amp/source", "module", "node", "import", "default"]

/** The Vitest config every package extends; `overrides.test` is merged into `test`. */
export const sharedConfig = (overrides: ViteUserConfig = {}): ViteUserConfig =>
  defineConfig({
    ...overrides,
    resolve: { conditions: sourceConditions, ...overrides.resolve },
    ssr: { resolve: { conditions: sourceConditions, externalConditions: ["@xmpp-amp/source"] } },
    test: {
      include: ["test/**/*.test.ts"],
      passWithNoTests: false,
      reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
      testTimeout: 20_000,
      hookTimeout: 30_000,
      ...overrides.test,
    },
  })
