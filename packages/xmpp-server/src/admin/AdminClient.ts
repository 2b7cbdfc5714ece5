// The CLI's side of the admin socket (src/admin/AdminSocket.ts): sends one request and reads
// its answer. It tells apart a server that answered, no server (no socket file), and a socket
// file nobody answers on (left by a server that did not stop cleanly): the CLI then works on
// the database directly. A server that accepts the connection but does not answer in time,
// a socket the caller may not open, or an answer that is not the protocol's, are failures:
// a server may be running, so the database is not touched behind its back.
import { connect } from "node:net"
import { type AdminRequest, type AdminResponse, adminProtocolVersion } from "./AdminProtocol.js"

/** What asking the server gave. */
export type ServerAnswer =
  | { readonly kind: "answered"; readonly response: AdminResponse }
  | { readonly kind: "not-running" }
  | { readonly kind: "stale" }

/** The server could not be asked; `message` says what to do. */
export class AdminClientError extends Error {
  readonly _tag = "AdminClientError"
  constructor(
    readonly reason: "no-answer" | "access-denied" | "bad-answer" | "other",
    message: string,
  ) {
    super(message)
  }
}

/** Sends `request` to the admin socket at `path`; waits `timeoutMs` at most for the answer. */
export const askServer = (
  path: string,
  request: AdminRequest,
  timeoutMs = 30_000,
): Promise<ServerAnswer> =>
  new Promise((resolve, reject) => {
    const socket = connect(path)
    let received = ""
    let settled = false
    const settle = (outcome: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      outcome()
    }
    const timer = setTimeout(
      () =>
        settle(() =>
          reject(
            new AdminClientError(
              "no-answer",
              `the server at ${path} did not answer within ${timeoutMs / 1000} s; the ${request.command} may still be carried out: check the server's log`,
            ),
          ),
        ),
      timeoutMs,
    )
    socket.setEncoding("utf8")
    socket.on("connect", () => socket.write(`${JSON.stringify(request)}\n`))
    socket.on("data", (chunk: string) => {
      received += chunk
      const newline = received.indexOf("\n")
      if (newline < 0) return
      settle(() => {
        try {
          const response = JSON.parse(received.slice(0, newline)) as AdminResponse
          if (response.version !== adminProtocolVersion || typeof response.ok !== "boolean")
            throw new Error(`version ${JSON.stringify(response.version)}`)
          resolve({ kind: "answered", response })
        } catch (error) {
          reject(
            new AdminClientError(
              "bad-answer",
              `the server at ${path} answered in a way this CLI does not understand (${String(error)}): are the CLI and the server the same version?`,
            ),
          )
        }
      })
    })
    socket.on("close", () =>
      settle(() =>
        reject(new AdminClientError("no-answer", `the server at ${path} closed without answering`)),
      ),
    )
    socket.on("error", (error: NodeJS.ErrnoException) =>
      settle(() => {
        if (error.code === "ENOENT") return resolve({ kind: "not-running" })
        if (error.code === "ECONNREFUSED") return resolve({ kind: "stale" })
        if (error.code === "EACCES" || error.code === "EPERM")
          return reject(
            new AdminClientError(
              "access-denied",
              `no permission to use the admin socket ${path}: run this as the user the server runs as`,
            ),
          )
        reject(
          new AdminClientError("other", `cannot reach the server at ${path}: ${error.message}`),
        )
      }),
    )
  })
