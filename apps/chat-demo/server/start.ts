// `npm start` at the repository root runs this (through scripts/start.mjs): builds the app
// with Vite, starts the reference server with the demo configuration and the app server,
// seeds two demo accounts on first start, prints the URL, and stops everything on Ctrl-C, on
// SIGTERM or SIGHUP, and when its parent (scripts/start.mjs or npm) goes away.
import { mkdirSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { makeJsonLogger } from "@xmpp-amp/xmpp-server"
import { build } from "vite"
import { befriend, checkPorts, DemoPortError, ensureAccount, startDemo } from "./demoServer.js"
import { whenParentGone } from "./whenParentGone.js"

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const repositoryRoot = resolve(appDir, "../..")

const portFrom = (name: string, fallback: number): number => {
  const text = process.env[name]
  if (text === undefined || text === "") return fallback
  const port = Number(text)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`${name} must be a port number (0-65535), got "${text}"\n`)
    process.exit(2)
  }
  return port
}

// Until the demo runs, stopping means exiting; then it means stopping the demo first.
let stopDemo = (reason: string): void => {
  process.stdout.write(`\n${reason}: stopping…\n`)
  process.exit(0)
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => stopDemo(signal))
}
whenParentGone(() => stopDemo("parent gone"))

const main = async (): Promise<void> => {
  const dataDir = resolve(process.env.XMPP_DATA_DIR ?? join(repositoryRoot, "data", "demo"))
  mkdirSync(dataDir, { recursive: true })
  const listen = {
    host: process.env.HOST ?? "127.0.0.1",
    httpPort: portFrom("PORT", 8080),
    websocketPort: portFrom("XMPP_WS_PORT", 5280),
    c2sPort: portFrom("XMPP_C2S_PORT", 5222),
  }
  await checkPorts(listen) // before the build, so a busy port is reported at once
  process.stdout.write("Building the chat app…\n")
  await build({ root: appDir, logLevel: "warn" })
  const demo = await startDemo({
    ...listen,
    distDir: join(appDir, "dist"),
    dataDir,
    logger: makeJsonLogger({ level: process.env.LOG_LEVEL === "info" ? "info" : "warn" }),
  })
  const { rosters, domain, repositories } = demo.server
  const seeded = await ensureAccount(repositories.accounts, "alice", "wonderland")
  if ((await ensureAccount(repositories.accounts, "bob", "builder")) || seeded)
    await befriend(rosters, domain, "alice", "bob")
  process.stdout.write(
    [
      "",
      `  AMP Chat is running: open ${demo.url}`,
      "",
      `  XMPP domain  ${domain}`,
      `  WebSocket    ws://localhost:${demo.ports.websocket}/xmpp-websocket`,
      `  Desktop apps localhost:${demo.ports.c2s} (STARTTLS optional, self-signed certificate)`,
      `  Data         ${dataDir}`,
      "  Demo users   alice / wonderland and bob / builder (already contacts), or create your own",
      "",
      "  Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  )
  // Ctrl-C reaches this process twice (from the terminal and forwarded by scripts/start.mjs):
  // only a signal more than a second after the first forces the stop.
  let stoppingSince: number | undefined
  stopDemo = (reason: string): void => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < 1000) return
      process.stderr.write("Forced stop.\n")
      process.exit(1)
    }
    stoppingSince = Date.now()
    process.stdout.write(`\n${reason}: stopping…\n`)
    demo.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Stopping failed: ${String(error)}\n`)
        process.exit(1)
      },
    )
  }
}

main().catch((error: unknown) => {
  const message =
    error instanceof DemoPortError
      ? `Cannot start: ${error.message}.`
      : `Cannot start the demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
  process.stderr.write(`${message}\n`)
  process.exit(1)
})
