// Browser end-to-end harness: builds the app once per test file, starts the demo (reference
// server + app server) on loopback with ephemeral ports and a fresh data directory, and
// launches Debian's Chromium through playwright-core with an empty profile.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { silentLogger } from "@xmpp-amp/xmpp-server"
import { type Browser, chromium } from "playwright-core"
import { build } from "vite"
import { type RunningDemo, startDemo } from "../../server/demoServer.js"

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..")

/** Where every test saves its screenshot. */
export const screenshotDir = join(appDir, "test-results", "screenshots")

/** Launches Debian's Chromium (or CHROMIUM_PATH) headless with a fresh, empty profile. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  })

/** A running demo plus a browser. */
export interface Harness {
  readonly demo: RunningDemo
  readonly browser: Browser
  /** The app's URL on 127.0.0.1. */
  readonly url: string
  stop(): Promise<void>
}

/** Builds the app into a temporary directory, starts the demo and launches Chromium. */
export const startHarness = async (): Promise<Harness> => {
  const workDir = mkdtempSync(join(tmpdir(), "chat-demo-e2e-"))
  const distDir = join(workDir, "dist")
  await build({ root: appDir, logLevel: "error", build: { outDir: distDir, emptyOutDir: true } })
  const demo = await startDemo({
    distDir,
    dataDir: join(workDir, "data"),
    httpPort: 0,
    websocketPort: 0,
    c2sPort: 0,
    logger: silentLogger,
  })
  const stopDemo = async () => {
    await demo.stop()
    rmSync(workDir, { recursive: true, force: true })
  }
  // A browser that cannot start (Chromium missing) must not leave the demo running.
  const browser = await launchChromium().catch(async (error: unknown) => {
    await stopDemo()
    throw error
  })
  mkdirSync(screenshotDir, { recursive: true })
  return {
    demo,
    browser,
    url: `http://127.0.0.1:${demo.ports.http}/`,
    stop: async () => {
      try {
        await browser.close()
      } finally {
        await stopDemo()
      }
    },
  }
}
