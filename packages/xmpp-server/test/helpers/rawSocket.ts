// A raw TCP XMPP connection for protocol tests: write exact bytes, wait for text to appear,
// observe the server closing the connection. Includes a PLAIN login for servers started
// with `tls = "optional"` and `allow_plain_without_tls = true`.
import { connect, type Socket } from "node:net"

/** A raw connection and what it received. */
export interface RawConnection {
  readonly socket: Socket
  /** Everything received so far. */
  text(): string
  send(text: string): void
  /** Resolves with all received text once `pattern` appears in it (or the predicate holds). */
  waitFor(
    pattern: string | RegExp | ((text: string) => boolean),
    timeoutMs?: number,
  ): Promise<string>
  /** Resolves when the server closed the connection. */
  readonly closed: Promise<void>
  destroy(): void
}

/** Opens a plain TCP connection to 127.0.0.1:port. */
export const openRaw = (port: number): Promise<RawConnection> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1")
    let received = ""
    const waiters = new Set<() => void>()
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => {
      received += chunk
      for (const waiter of [...waiters]) waiter()
    })
    socket.on("error", () => undefined)
    const closed = new Promise<void>((done) => socket.on("close", () => done()))
    socket.once("connect", () =>
      resolve({
        socket,
        text: () => received,
        send: (text) => socket.write(text),
        closed,
        destroy: () => socket.destroy(),
        waitFor: (pattern, timeoutMs = 5000) =>
          new Promise((found, failed) => {
            const matches = (): boolean =>
              typeof pattern === "string"
                ? received.includes(pattern)
                : typeof pattern === "function"
                  ? pattern(received)
                  : pattern.test(received)
            if (matches()) return found(received)
            const timer = setTimeout(() => {
              waiters.delete(check)
              failed(new Error(`timed out waiting for ${String(pattern)}; received: ${received}`))
            }, timeoutMs)
            const check = (): void => {
              if (!matches()) return
              clearTimeout(timer)
              waiters.delete(check)
              found(received)
            }
            waiters.add(check)
          }),
      }),
    )
    socket.once("error", reject)
  })

/** A client stream header for `domain`. */
export const clientHeader = (domain: string): string =>
  `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0'>`

/** Opens a connection and logs in with PLAIN (no TLS) and binds `resource`. */
export const rawLogin = async (
  port: number,
  domain: string,
  username: string,
  password: string,
  resource: string,
): Promise<RawConnection> => {
  const connection = await openRaw(port)
  connection.send(clientHeader(domain))
  await connection.waitFor("</stream:features>")
  const credentials = Buffer.from(`\u0000${username}\u0000${password}`).toString("base64")
  connection.send(
    `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${credentials}</auth>`,
  )
  await connection.waitFor("<success")
  connection.send(clientHeader(domain))
  await connection.waitFor(/<success[\s\S]*<\/stream:features>/)
  connection.send(
    `<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`,
  )
  await connection.waitFor("</jid>")
  return connection
}
