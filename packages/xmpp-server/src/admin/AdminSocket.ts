// The admin socket of the running server, as prosodyctl and ejabberdctl have: a Unix domain
// socket `admin.sock` in data_dir, mode 0600 (only the user the server runs as, and root, may
// connect), speaking src/admin/AdminProtocol.ts. A socket file left by a server that did not
// stop cleanly (nobody answers on it) is replaced; one another server answers on is not: that
// server uses the same data_dir, and this one refuses to start.
import { chmodSync, existsSync, unlinkSync } from "node:fs"
import { connect, createServer, type Socket } from "node:net"
import { join } from "node:path"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { ServerCore } from "../core/ServerCore.js"
import type { Logger } from "../log/Logger.js"
import { runAdminCommand } from "./AdminCommands.js"
import {
  type AdminResponse,
  adminFailure,
  isAdminRequest,
  maxAdminLineBytes,
  parseAdminRequest,
} from "./AdminProtocol.js"

/** Where the admin socket of the server with `dataDir` is. */
export const adminSocketPath = (dataDir: string): string => join(dataDir, "admin.sock")

/** Longest path a Unix domain socket can have (sun_path is 108 bytes on Linux, 104 on macOS). */
const maxSocketPathBytes = 103

/** An idle admin connection is closed after this long. */
const idleMs = 30_000

/** The admin socket could not be opened. */
export class AdminSocketError extends Data.TaggedError("AdminSocketError")<{
  readonly reason: "in-use" | "path-too-long" | "other"
  readonly message: string
}> {}

/** True when a server answers on the socket at `path` (connects); false when none does. */
const answering = (path: string): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = connect(path)
    probe.once("connect", () => {
      probe.destroy()
      resolve(true)
    })
    probe.once("error", () => resolve(false))
  })

const serve = (core: ServerCore, open: Set<Socket>, socket: Socket): void => {
  open.add(socket)
  socket.once("close", () => open.delete(socket))
  let buffered = ""
  socket.setEncoding("utf8")
  socket.setTimeout(idleMs, () => socket.destroy())
  socket.on("error", () => socket.destroy())
  // One request at a time, in order, each answered once its command is durable.
  let queue: Promise<void> = Promise.resolve()
  let ending = false
  const inTurn = (work: () => void | Promise<void>): void => {
    queue = queue.then(work)
  }
  const answer = (response: () => AdminResponse | Promise<AdminResponse>): void =>
    inTurn(async () => {
      const done = await response()
      if (!socket.destroyed && !socket.writableEnded) socket.write(`${JSON.stringify(done)}\n`)
    })
  socket.on("data", (chunk: string) => {
    if (socket.writableEnded || ending) return
    buffered += chunk
    let newline = buffered.indexOf("\n")
    while (newline >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      if (line.trim() !== "") {
        const parsed = parseAdminRequest(line)
        answer(() => (isAdminRequest(parsed) ? runAdminCommand(core, parsed) : parsed))
      }
      newline = buffered.indexOf("\n")
    }
    if (Buffer.byteLength(buffered) > maxAdminLineBytes) {
      answer(() =>
        adminFailure(
          undefined,
          "bad-request",
          `a request line is at most ${maxAdminLineBytes} bytes`,
        ),
      )
      ending = true
      inTurn(() => void socket.end())
      buffered = ""
    }
  })
}

const listen = (core: ServerCore, path: string, open: Set<Socket>) =>
  Effect.callback<ReturnType<typeof createServer>, AdminSocketError>((resume) => {
    const server = createServer((socket) => serve(core, open, socket))
    server.once("error", (error) =>
      resume(
        Effect.fail(
          new AdminSocketError({ reason: "other", message: `${path}: ${error.message}` }),
        ),
      ),
    )
    // Created 0600 (umask), not made so afterwards: nobody else can connect in between.
    let umask: number | undefined
    try {
      umask = process.umask(0o177)
    } catch {
      umask = undefined // worker threads cannot change the umask: chmod below still applies
    }
    try {
      server.listen(path, () => {
        try {
          chmodSync(path, 0o600)
        } catch (error) {
          server.close()
          return resume(
            Effect.fail(new AdminSocketError({ reason: "other", message: String(error) })),
          )
        }
        server.on("error", (error) => core.logger.error("admin-socket-failed", { path, error }))
        resume(Effect.succeed(server))
      })
    } finally {
      if (umask !== undefined) process.umask(umask)
    }
  })

/**
 * Checks, before the server opens its storage, that no other server uses `dataDir`: fails
 * when one answers on its admin socket; removes a stale socket file (nobody answers).
 */
export const claimAdminSocket = (dataDir: string, logger: Logger) =>
  Effect.gen(function* () {
    const path = adminSocketPath(dataDir)
    if (Buffer.byteLength(path) > maxSocketPathBytes)
      return yield* new AdminSocketError({
        reason: "path-too-long",
        message: `the admin socket path ${path} is longer than ${maxSocketPathBytes} bytes: choose a shorter server.data_dir`,
      })
    if (!existsSync(path)) return
    if (yield* Effect.promise(() => answering(path)))
      return yield* new AdminSocketError({
        reason: "in-use",
        message: `another server answers on ${path}: it uses the same server.data_dir`,
      })
    logger.warn("admin-socket-stale", { path })
    yield* Effect.try({
      try: () => unlinkSync(path),
      catch: (error) => new AdminSocketError({ reason: "other", message: String(error) }),
    })
  })

/** Opens the admin socket (after `claimAdminSocket`) for the server's lifetime; yields its path. */
export const adminSocket = (core: ServerCore) =>
  Effect.gen(function* () {
    const path = adminSocketPath(core.config.server.data_dir)
    const open = new Set<Socket>()
    yield* Effect.acquireRelease(listen(core, path, open), (server) =>
      Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
        for (const socket of open) socket.destroy()
      }),
    )
    return path
  })
