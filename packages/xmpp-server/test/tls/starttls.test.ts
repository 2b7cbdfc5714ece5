// STARTTLS hardening (RFC 6120 §5.4.3.3): bytes a client sends after `<starttls/>` in the same
// write are plaintext and never reach the TLS session (the CVE-2011-0411 command-injection
// pattern): they are dropped at the switch and the stream goes on over TLS. And with
// `tls = "optional"`, SASL PLAIN is not offered nor accepted before TLS unless
// `allow_plain_without_tls = true` (the default is false, as Prosody's allow_unencrypted_plain_auth).
import { connect as connectTls, type TLSSocket } from "node:tls"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { makeJsonLogger } from "../../src/index.js"
import { clientHeader, openRaw, type RawConnection } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"

let test: TestServer
const logLines: Array<string> = []
const sockets: Array<RawConnection | TLSSocket> = []

beforeAll(async () => {
  test = await startTestServer({
    config: { listen: { c2s: { tls: "optional" } } },
    logger: makeJsonLogger({ level: "warn", write: (line) => logLines.push(line) }),
  })
  await test.addUser("alice", "alice-pass")
})
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy()
})
afterAll(async () => {
  await test.stop()
})

const NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
const NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
const plainAuth = (username: string, password: string) =>
  `<auth xmlns='${NS_SASL}' mechanism='PLAIN'>${Buffer.from(`\u0000${username}\u0000${password}`).toString("base64")}</auth>`

/** A TLS session over `raw`'s socket, collecting what the server sends inside it. */
const startTls = async (raw: RawConnection) => {
  const tls = connectTls({ socket: raw.socket, rejectUnauthorized: false, servername: "localhost" })
  sockets.push(tls)
  let received = ""
  const waiters = new Set<() => void>()
  tls.setEncoding("utf8")
  tls.on("data", (chunk: string) => {
    received += chunk
    for (const waiter of [...waiters]) waiter()
  })
  tls.on("error", () => undefined)
  const closed = new Promise<void>((resolve) => tls.on("close", () => resolve()))
  await new Promise<void>((resolve, reject) => {
    tls.once("secureConnect", () => resolve())
    tls.once("error", reject)
  })
  return {
    send: (text: string) => tls.write(text),
    text: () => received,
    closed,
    waitFor: (pattern: string | RegExp, timeoutMs = 5000) =>
      new Promise<string>((found, failed) => {
        const matches = () =>
          typeof pattern === "string" ? received.includes(pattern) : pattern.test(received)
        if (matches()) return found(received)
        const timer = setTimeout(() => {
          waiters.delete(check)
          failed(new Error(`timed out waiting for ${String(pattern)}; received: ${received}`))
        }, timeoutMs)
        const check = () => {
          if (!matches()) return
          clearTimeout(timer)
          waiters.delete(check)
          found(received)
        }
        waiters.add(check)
        void closed.then(() => {
          if (!waiters.has(check)) return
          clearTimeout(timer)
          waiters.delete(check)
          failed(
            new Error(
              `the connection closed waiting for ${String(pattern)}; received: ${received}`,
            ),
          )
        })
      }),
  }
}

describe("STARTTLS", () => {
  it("drops plaintext sent after <starttls/> in the same write; the stream goes on over TLS", async () => {
    const raw = await openRaw(test.c2sPort)
    sockets.push(raw)
    raw.send(clientHeader("localhost"))
    await raw.waitFor("</stream:features>")
    raw.send(
      `<starttls xmlns='${NS_TLS}'/>` +
        "<iq xmlns='jabber:client' type='get' id='injected' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>" +
        plainAuth("alice", "alice-pass"),
    )
    await raw.waitFor("<proceed")
    const tls = await startTls(raw)
    tls.send(clientHeader("localhost"))
    const features = await tls.waitFor("</stream:features>")
    expect(features).toContain("<mechanism>PLAIN</mechanism>")
    expect(features).not.toContain("stream:error")
    // The injected <auth> did not log anyone in: the client does it now, inside TLS.
    expect(features).not.toContain("<success")
    tls.send(plainAuth("alice", "alice-pass"))
    await tls.waitFor("<success")
    tls.send(clientHeader("localhost"))
    await tls.waitFor(/<success[\s\S]*<\/stream:features>/)
    tls.send(
      "<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>",
    )
    await tls.waitFor("</jid>")
    tls.send("<iq type='get' id='after-tls' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
    const text = await tls.waitFor(/id=["']after-tls["']/)
    expect(text).not.toContain("injected")
    expect(raw.text()).not.toContain("injected")
    expect(text.match(/<success/g)).toHaveLength(1)
    const discards = logLines
      .map((line) => JSON.parse(line) as { event: string; first?: string })
      .filter((line) => line.event === "starttls-plaintext-discarded")
    expect(discards).toEqual([expect.objectContaining({ first: "iq" })])
  })
})

describe("SASL PLAIN before TLS", () => {
  it("is neither offered nor accepted on an unencrypted stream by default", async () => {
    const raw = await openRaw(test.c2sPort)
    sockets.push(raw)
    raw.send(clientHeader("localhost"))
    const features = await raw.waitFor("</stream:features>")
    expect(features).toContain("<mechanism>SCRAM-SHA-256</mechanism>")
    expect(features).not.toContain("<mechanism>PLAIN</mechanism>")
    raw.send(plainAuth("alice", "alice-pass"))
    const answer = await raw.waitFor("</failure>")
    expect(answer).toContain("<invalid-mechanism/>")
    expect(answer).not.toContain("<success")
  })
})
