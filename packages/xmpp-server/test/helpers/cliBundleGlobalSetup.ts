// Vitest global setup of every project: bundles the CLI once for the run (test/helpers/cliBundle.ts)
// and hands its path to the test files as `inject("cliBundle")`; removed after the run.
import type { TestProject } from "vitest/node"
import { bundleCli } from "./cliBundle.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** The bundled CLI (node_modules/.cache/…/cli-*.mjs); "" when no setup built it. */
    cliBundle: string
  }
}

let bundle: { path: string; remove(): void } | undefined

export const setup = async (project: TestProject): Promise<void> => {
  bundle = await bundleCli()
  project.provide("cliBundle", bundle.path)
  // Watch mode: a rerun gets the sources as they are now.
  project.onTestsRerun(async () => {
    bundle?.remove()
    bundle = await bundleCli()
    project.provide("cliBundle", bundle.path)
  })
}

export const teardown = (): void => {
  bundle?.remove()
  bundle = undefined
}
