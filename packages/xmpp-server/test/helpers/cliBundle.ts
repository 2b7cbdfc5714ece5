// The CLI as one JavaScript file for the tests that start it as a process (test/cli,
// test/crash/cliServer.ts and the tests built on it: crash, durable, soak, cluster): bundled
// once per Vitest run from the current sources (workspace packages included, through the
// `@xmpp-amp/source` condition as the tests resolve them; npm dependencies stay imports), so a
// process starts with plain `node` instead of compiling every module through tsx. That took
// about a second of CPU more per process, and the suite starts a few hundred of them.
import { mkdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { build } from "esbuild"

const packageRoot = join(import.meta.dirname, "..", "..")

/**
 * Bundles src/cli.ts into a fresh file under node_modules/.cache (where Node finds the npm
 * dependencies it imports) and returns its path; `remove` deletes it after the run.
 */
export const bundleCli = async (): Promise<{ path: string; remove(): void }> => {
  const directory = join(packageRoot, "node_modules", ".cache", "xmpp-amp-test-cli")
  mkdirSync(directory, { recursive: true })
  // One file per run: two runs at once (or the projects of one) never share it.
  const path = join(directory, `cli-${process.pid}-${Date.now()}.mjs`)
  await build({
    entryPoints: [join(packageRoot, "src", "cli.ts")],
    outfile: path,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Written beside it, not read by default (parsing it cost a quarter of a second per
    // process): NODE_OPTIONS=--enable-source-maps maps a child's stack to the sources.
    sourcemap: "linked",
    conditions: ["@xmpp-amp/source"],
    logLevel: "warning",
    plugins: [
      {
        name: "npm-dependencies-external",
        setup: (plugin) => {
          // Bare imports (`effect/Effect`, `pg`) stay imports; our workspace packages are bundled.
          plugin.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith("@xmpp-amp/") ? undefined : { path: args.path, external: true },
          )
        },
      },
    ],
  })
  return {
    path,
    remove: () => {
      rmSync(path, { force: true })
      rmSync(`${path}.map`, { force: true })
    },
  }
}
