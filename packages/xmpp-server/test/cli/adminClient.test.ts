// The CLI's side of the admin socket (src/admin/AdminClient.ts) against sockets that do not
// behave: no socket file, a server that accepts and never answers, an answer in another
// protocol version. The CLI must tell these apart (README "The admin socket").
import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { AdminClientError, askServer } from "../../src/admin/AdminClient.js"

let directory: string
let server: Server | undefined
const accepted: Array<Socket> = []
const request = { version: 1, command: "deluser", jid: "eve@localhost" } as const

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "xmpp-amp-admin-"))
})
afterEach(async () => {
  for (const socket of accepted.splice(0)) socket.destroy()
  await new Promise((resolve) =>
    server === undefined ? resolve(undefined) : server.close(resolve),
  )
  server = undefined
  rmSync(directory, { recursive: true, force: true })
})

/** A Unix socket server at `path` that does `onConnection` with each connection. */
const listen = (path: string, onConnection: (socket: Socket) => void) =>
  new Promise<void>((resolve) => {
    server = createServer((socket) => {
      accepted.push(socket)
      socket.on("error", () => undefined)
      onConnection(socket)
    })
    server.listen(path, resolve)
  })

describe("askServer", () => {
  it("says no server runs when there is no socket file", async () => {
    expect(await askServer(join(directory, "admin.sock"), request)).toEqual({
      kind: "not-running",
    })
  })

  it("fails with no-answer when the server accepts but does not answer in time", async () => {
    const path = join(directory, "admin.sock")
    await listen(path, () => undefined)
    const failure = await askServer(path, request, 300).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(AdminClientError)
    expect(failure).toMatchObject({ reason: "no-answer" })
    expect(String((failure as Error).message)).toContain("may still be carried out")
  })

  it("fails with bad-answer on an answer in another protocol version", async () => {
    const path = join(directory, "admin.sock")
    await listen(path, (socket) => socket.end('{"version":2,"ok":true}\n'))
    await expect(askServer(path, request)).rejects.toMatchObject({ reason: "bad-answer" })
  })
})
