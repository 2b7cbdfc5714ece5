// Running one fuzz case against the real server: a fresh TCP connection (optionally logged in
// first) or WebSocket gets the input, then a filler larger than max_stanza_bytes that no
// parser state can hold without a stream error, so every case ends with the server closing
// the connection — with `<stream:error/>`, or cleanly when the input itself closed the stream.

import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { WebSocket } from "ws"
import { openRaw, type RawConnection, rawLogin } from "../helpers/rawSocket.js"

/** What the server did with one input. */
export interface FuzzOutcome {
  /** Everything the server wrote. */
  readonly output: string
  /** The stream error condition it sent, if any. */
  readonly condition: string | undefined
}

/** RFC 6120 §4.9.3 stream error conditions. */
export const streamErrorConditions = new Set([
  "bad-format",
  "bad-namespace-prefix",
  "conflict",
  "connection-timeout",
  "host-gone",
  "host-unknown",
  "improper-addressing",
  "internal-server-error",
  "invalid-from",
  "invalid-namespace",
  "invalid-xml",
  "not-authorized",
  "not-well-formed",
  "policy-violation",
  "remote-connection-failed",
  "reset",
  "resource-constraint",
  "restricted-xml",
  "see-other-host",
  "system-shutdown",
  "undefined-condition",
  "unsupported-encoding",
  "unsupported-feature",
  "unsupported-stanza-type",
  "unsupported-version",
])

const conditionPattern =
  /<stream:error[^>]*><([a-z-]+) xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]\/>/

const conditionOf = (output: string): string | undefined => conditionPattern.exec(output)?.[1]

/** How long a case may take before it counts as a hang. */
const caseTimeoutMs = 10_000

const within = <T>(promise: Promise<T>, what: () => string): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hang: ${what()}`)), caseTimeoutMs)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })

/** Bytes that end any unfinished markup: more than the server's limit, never a complete element. */
export const filler = (maxStanzaBytes: number): Buffer => Buffer.alloc(maxStanzaBytes + 1024, "x")

/** Where a TCP case starts. */
export type Start =
  | { readonly kind: "connect"; readonly port: number }
  | {
      readonly kind: "login"
      readonly port: number
      readonly domain: string
      readonly username: string
      readonly password: string
      readonly resource: string
    }

const start = (from: Start): Promise<RawConnection> =>
  from.kind === "connect"
    ? openRaw(from.port)
    : rawLogin(from.port, from.domain, from.username, from.password, from.resource)

/** Writes `chunks` one write at a time (yielding between them), then `end`, and waits for the close. */
export const tcpCase = async (
  from: Start,
  chunks: ReadonlyArray<Buffer>,
  end: Buffer,
): Promise<FuzzOutcome> => {
  const connection = await start(from)
  const before = connection.text().length
  connection.socket.setNoDelay(true)
  for (const chunk of chunks) {
    if (connection.socket.destroyed) break
    connection.socket.write(chunk)
    await new Promise((resolve) => setImmediate(resolve))
  }
  if (!connection.socket.destroyed) connection.socket.write(end)
  await within(
    connection.closed,
    () => `the server never closed the connection; it wrote: ${connection.text()}`,
  )
  const output = connection.text().slice(before)
  return { output, condition: conditionOf(output) }
}

const framingOpen = (domain: string): string =>
  `<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='${domain}' version='1.0'/>`

/** Opens a WebSocket, sends `<open/>` then each frame, then `end`, and waits for the close. */
export const websocketCase = (
  url: string,
  domain: string,
  frames: ReadonlyArray<string | Buffer>,
  end: string,
): Promise<FuzzOutcome & { readonly code: number }> =>
  within(
    new Promise((resolve, reject) => {
      const socket = new WebSocket(url, ["xmpp"])
      const messages: Array<string> = []
      socket.on("open", () => {
        socket.send(framingOpen(domain))
        for (const frame of frames) socket.send(frame, { binary: false })
        socket.send(end)
      })
      socket.on("message", (data) => messages.push(data.toString()))
      socket.on("close", (code) => {
        const output = messages.join("")
        resolve({ output, condition: conditionOf(output), code })
      })
      socket.on("error", reject)
    }),
    () => `the server never closed the WebSocket after ${frames.length} frames`,
  )

/** Heap in use after a full garbage collection (V8's gc exposed for this process). */
export const heapAfterGc = (): number => {
  setFlagsFromString("--expose-gc")
  const gc = runInNewContext("gc") as () => void
  gc()
  gc()
  return process.memoryUsage().heapUsed
}
