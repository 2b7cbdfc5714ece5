// `npm start` (scripts/start.mjs at the repository root): builds the app, starts the server and
// the app, prints the URL; the page and its /demo-config.json are served; Ctrl-C (SIGINT)
// stops everything, and so do SIGTERM to npm alone, to the demo process alone, and start.mjs
// being killed outright; a busy port is a clear one-line error. Every process a test starts
// carries a marker of its own, and all of them are killed after the test, failed or not.
import { type ChildProcess, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { connect, createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { processesWithMarker, stopLeftovers } from "../../../scripts/leftover-processes.mjs"
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
  /** The processes this start made that are still alive, wherever they were re-parented. */
  alive(): Array<{ pid: number; commandLine: string }>
}

const markerName = "CHAT_DEMO_START_TEST"
const runScript = [process.execPath, join(root, "scripts/start.mjs")]

const startDemo = (env: Record<string, string>, command = runScript): Started => {
  const dataDir = mkdtempSync(join(tmpdir(), "chat-demo-start-"))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const marker = randomUUID()
  const [file = "", ...args] = command
  const child = spawn(file, args, {
    cwd: root,
    env: { ...process.env, XMPP_DATA_DIR: dataDir, [markerName]: marker, ...env },
  })
  let text = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString()
  })
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
  cleanups.push(async () => {
    await stopLeftovers(marker, { graceMs: 0, name: markerName })
  })
  return {
    child,
    output: () => text,
    exited,
    alive: () => processesWithMarker(marker, [process.pid], markerName),
  }
}

const running = (env: Record<string, string>) =>
  `AMP Chat is running: open http://localhost:${env.PORT}/`

const listening = (port: string): Promise<boolean> =>
  new Promise((done) => {
    const socket = connect(Number(port), "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      done(true)
    })
    socket.once("error", () => done(false))
  })

const portsOf = (env: Record<string, string>) => [env.PORT, env.XMPP_WS_PORT, env.XMPP_C2S_PORT]

/** Waits until every process of `demo` is gone, then checks that no port still listens. */
const expectAllStopped = async (demo: Started, env: Record<string, string>) => {
  await expect.poll(() => demo.alive(), { timeout: 10_000, interval: 100 }).toEqual([])
  for (const port of portsOf(env)) expect(await listening(port ?? "0")).toBe(false)
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

  it("stops everything when only the npm process gets SIGTERM", { timeout: 120_000 }, async () => {
    const env = await ports()
    const demo = startDemo(env, ["npm", "start"])
    await expect
      .poll(() => demo.output(), { timeout: 90_000, interval: 200 })
      .toContain(running(env))
    for (const port of portsOf(env)) expect(await listening(port ?? "0")).toBe(true)
    const before = demo.alive().map((p) => p.commandLine)
    expect(before.some((line) => line.includes("scripts/start.mjs"))).toBe(true)
    expect(before.some((line) => line.includes("server/start.ts"))).toBe(true)

    process.kill(demo.child.pid ?? 0, "SIGTERM")
    await expectAllStopped(demo, env)
  })

  it("stops everything when the npm process is killed outright", { timeout: 120_000 }, async () => {
    const env = await ports()
    const demo = startDemo(env, ["npm", "start"])
    await expect
      .poll(() => demo.output(), { timeout: 90_000, interval: 200 })
      .toContain(running(env))
    process.kill(demo.child.pid ?? 0, "SIGKILL")
    await expectAllStopped(demo, env)
  })

  it("stops the demo when start.mjs is killed outright", { timeout: 120_000 }, async () => {
    const env = await ports()
    const demo = startDemo(env)
    await expect
      .poll(() => demo.output(), { timeout: 90_000, interval: 200 })
      .toContain(running(env))
    demo.child.kill("SIGKILL")
    await expectAllStopped(demo, env)
  })

  it("stops start.mjs when the demo process gets SIGTERM", { timeout: 120_000 }, async () => {
    const env = await ports()
    const demo = startDemo(env)
    await expect
      .poll(() => demo.output(), { timeout: 90_000, interval: 200 })
      .toContain(running(env))
    const server = demo.alive().find((p) => p.commandLine.includes("server/start.ts"))
    expect(server).toBeDefined()
    process.kill(server?.pid ?? 0, "SIGTERM")
    expect(await demo.exited).toBe(0)
    expect(demo.output()).toContain("SIGTERM: stopping")
    await expectAllStopped(demo, env)
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
