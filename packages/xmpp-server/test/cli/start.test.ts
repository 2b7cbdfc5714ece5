// `xmpp-amp-server start`: serves on the configured listeners, prints where, and stops
// gracefully on SIGTERM/SIGINT (open streams get `system-shutdown`, exit code 0).
import type { ChildProcess } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { connect, createServer, type Server, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { runCli, spawnCli } from "./runCli.js"

let directory: string
const children: Array<ChildProcess> = []

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), "xmpp-amp-cli-start-"))
})

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL")
})

afterAll(() => rmSync(directory, { recursive: true, force: true }))

const writeConfig = (name: string, c2sPort: number): string => {
  const file = join(directory, name)
  writeFileSync(
    file,
    [
      "[server]",
      `data_dir = "${name}-data"`,
      "shutdown_grace_seconds = 2",
      "[listen.c2s]",
      `port = ${c2sPort}`,
      'tls = "optional"',
      "[listen.websocket]",
      "port = 0",
      "[listen.component]",
      "enabled = false",
    ].join("\n"),
  )
  return file
}

/** Starts the server and resolves with the process and everything printed until it is ready. */
const startServer = async (configFile: string) => {
  const child = spawnCli(["start", "--config", configFile], directory)
  children.push(child)
  let stdout = ""
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes("Press Ctrl-C to stop.")) resolve()
    })
    child.on("exit", (code) => reject(new Error(`exited early with ${code}`)))
  })
  return { child, banner: stdout, output: () => stdout }
}

const readUntil = async (socket: Socket, text: string): Promise<string> => {
  let received = ""
  while (!received.includes(text)) {
    const [chunk] = (await once(socket, "data")) as [Buffer]
    received += chunk.toString()
  }
  return received
}

describe("start", () => {
  it("prints the listeners it serves and the data directory", async () => {
    const { child, banner } = await startServer(writeConfig("banner.toml", 0))
    expect(banner).toMatch(/^xmpp-amp-server is serving localhost\n/)
    expect(banner).toMatch(/ {2}c2s {8}127\.0\.0\.1:\d+ \(tls optional\)\n/)
    expect(banner).toMatch(/ {2}websocket {2}ws:\/\/127\.0\.0\.1:\d+\/xmpp-websocket\n/)
    expect(banner).not.toContain("component")
    expect(banner).toContain(`  data       ${join(directory, "banner.toml-data")}\n`)
    child.kill("SIGINT")
    const exit = await once(child, "exit")
    expect(exit).toEqual([0, null])
  })

  it("answers on the printed c2s port and ends open streams with system-shutdown on SIGTERM", async () => {
    const { child, banner, output } = await startServer(writeConfig("serve.toml", 0))
    const port = Number(/c2s {8}127\.0\.0\.1:(\d+)/.exec(banner)?.[1])
    const socket = connect({ host: "127.0.0.1", port })
    await once(socket, "connect")
    socket.write(
      "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
    )
    expect(await readUntil(socket, "</stream:features>")).toContain("<stream:features")
    const shutdown = readUntil(socket, "</stream:stream>")
    child.kill("SIGTERM")
    expect(await shutdown).toContain("system-shutdown")
    socket.destroy()
    const [code] = await once(child, "exit")
    expect(code).toBe(0)
    expect(output()).toContain("SIGTERM: stopping")
    expect(output()).toContain("stopped\n")
  })

  it("fails with exit code 1 and a message when the port is taken", async () => {
    const blocker: Server = createServer()
    blocker.listen(0, "127.0.0.1")
    await once(blocker, "listening")
    const address = blocker.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    try {
      const result = await runCli(["start", "--config", writeConfig("taken.toml", port)], directory)
      expect(result.code).toBe(1)
      const failure = result.stderr.split("\n").find((line) => line.startsWith("xmpp-amp-server: "))
      expect(failure).toContain(String(port))
    } finally {
      blocker.close()
    }
  })
})
