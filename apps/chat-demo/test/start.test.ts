// `npm start` (scripts/start.mjs at the repository root): builds the app, starts the server and
// the app, prints the URL; the page and its /demo-config.json are served; Ctrl-C (SIGINT)
// stops everything; a busy port is a clear one-line error.
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { openApp } from "./helpers/appPage.js"
import { launchChromium } from "./helpers/demoHarness.js"

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)))
const cleanups: Array<() => void | Promise<void>> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const freePort = (): Promise<number> =>
  new Promise((done) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => done(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

interface Started {
  readonly child: ChildProcess
  output(): string
  exited: Promise<number | null>
}

const startDemo = (env: Record<string, string>): Started => {
  const dataDir = mkdtempSync(join(tmpdir(), "chat-demo-start-"))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const child = spawn(process.execPath, [join(root, "scripts/start.mjs")], {
    cwd: root,
    env: { ...process.env, XMPP_DATA_DIR: dataDir, ...env },
  })
  let text = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString()
  })
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
  cleanups.push(() => {
    if (child.exitCode === null) child.kill("SIGKILL")
  })
  return { child, output: () => text, exited }
}

const ports = async () => ({
  PORT: String(await freePort()),
  XMPP_WS_PORT: String(await freePort()),
  XMPP_C2S_PORT: String(await freePort()),
})

describe("npm start", () => {
  it("serves the app, tells it where the server is, and stops on SIGINT", {
    timeout: 120_000,
  }, async () => {
    const env = await ports()
    const demo = startDemo(env)
    await expect
      .poll(() => demo.output(), { timeout: 60_000, interval: 200 })
      .toContain(`AMP Chat is running: open http://localhost:${env.PORT}/`)
    const page = await fetch(`http://127.0.0.1:${env.PORT}/`)
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8")
    expect(await page.text()).toContain("<title>AMP Chat</title>")
    const config = await fetch(`http://127.0.0.1:${env.PORT}/demo-config.json`)
    expect(await config.json()).toEqual({
      domain: "localhost",
      websocketUrl: `ws://127.0.0.1:${env.XMPP_WS_PORT}/xmpp-websocket`,
    })
    // The printed address works in a browser, and the seeded demo users are contacts.
    const browser = await launchChromium()
    cleanups.push(() => browser.close())
    const alice = await openApp(browser, `http://localhost:${env.PORT}/`)
    await alice.signIn("alice", "wonderland")
    await expect
      .poll(() => alice.page.locator('button.contact[data-jid="bob@localhost"]').count())
      .toBe(1)
    await alice.screenshot("npm-start-alice-signed-in")
    expect(alice.errors).toEqual([])
    await alice.close()

    demo.child.kill("SIGINT")
    expect(await demo.exited).toBe(0)
    expect(demo.output()).toContain("SIGINT: stopping")
  })

  it("says which port is busy and exits with an error", async () => {
    const env = await ports()
    const blocker: Server = createServer()
    await new Promise<void>((done) => blocker.listen(Number(env.XMPP_WS_PORT), "127.0.0.1", done))
    cleanups.push(() => new Promise<void>((done) => blocker.close(() => done())))
    const demo = startDemo(env)
    expect(await demo.exited).toBe(1)
    expect(demo.output()).toContain(
      `Cannot start: port ${env.XMPP_WS_PORT} (XMPP over WebSocket) is already in use: set XMPP_WS_PORT.`,
    )
  })
})
