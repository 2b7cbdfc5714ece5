// Issue 8 item 7: the plugin adds at most 15 KB (minified + gzipped) to a browser bundle of
// @xmpp/client. Bundles a small app with and without the plugin for the browser with esbuild.
import { gzipSync } from "node:zlib"
import { build } from "esbuild"
import { expect, it } from "vitest"

const LIMIT = 15 * 1024

const bundle = async (contents: string, external: string[]) => {
  const result = await build({
    stdin: { contents, resolveDir: new URL("..", import.meta.url).pathname, loader: "ts" },
    bundle: true,
    minify: true,
    platform: "browser",
    format: "esm",
    write: false,
    conditions: ["@xmpp-amp/source"],
    logLevel: "silent",
    // @xmpp/resolve's browser map misses `./lib/dns.js`; the same externals apply to both bundles.
    external,
  })
  const bytes = result.outputFiles[0]?.contents ?? new Uint8Array()
  return { raw: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length }
}

const app = `import { client } from "@xmpp/client"
export const xmpp = client({ service: "wss://chat.example/ws", domain: "chat.example" })`

const appWithAmp = `${app}
import { amp, recipes, rule, ruleset } from "@xmpp-amp/client"
export const ampClient = amp(xmpp)
export const helpers = [recipes, rule, ruleset]`

it("adds at most 15 KB gzipped to a browser bundle of @xmpp/client", async () => {
  const without = await bundle(app, ["node:*"])
  const withPlugin = await bundle(appWithAmp, ["node:*"])
  const added = withPlugin.gzipped - without.gzipped
  console.log(
    `@xmpp-amp/client adds ${added} bytes gzipped (${withPlugin.raw - without.raw} minified) to @xmpp/client's ${without.gzipped} bytes gzipped`,
  )
  expect(added).toBeGreaterThan(0)
  expect(added).toBeLessThanOrEqual(LIMIT)
})

it("bundles for the browser on its own, with no Node built-in", async () => {
  const alone = await bundle(`export * from "@xmpp-amp/client"`, [])
  expect(alone.gzipped).toBeLessThanOrEqual(LIMIT)
})
