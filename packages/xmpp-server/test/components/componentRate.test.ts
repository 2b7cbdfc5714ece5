// A component's stanza rate (`[[components]] stanzas_per_second`, `stanza_burst`): like a
// client's, a burst over the rate is slowed down, not dropped: every stanza arrives, in order,
// no sooner than the rate allows. Components without the keys are not limited.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { handshakeDigest } from "../../src/components/ComponentConnection.js"
import { openRaw, type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"

let test: TestServer
const open: Array<RawConnection> = []
beforeAll(async () => {
  test = await startTestServer({
    config: {
      listen: {
        c2s: { tls: "optional", allow_plain_without_tls: true },
        component: { host: "127.0.0.1", port: 0 },
      },
      components: [
        {
          domain: "bulk.localhost",
          secret: "bulk-secret",
          stanzas_per_second: 20,
          stanza_burst: 5,
        },
        { domain: "free.localhost", secret: "free-secret" },
      ],
    },
  })
  await test.addUser("alice", "alice-pass")
})
afterAll(async () => {
  for (const connection of open) connection.destroy()
  await test.stop()
})

/** Connects a component with the XEP-0114 handshake over a raw socket. */
const component = async (domain: string, secret: string): Promise<RawConnection> => {
  const connection = await openRaw(test.server.ports.component ?? 0)
  open.push(connection)
  connection.send(
    `<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>`,
  )
  const header = await connection.waitFor(/id='[^']+'/)
  const id = /id='([^']+)'/.exec(header)?.[1] ?? ""
  connection.send(`<handshake>${handshakeDigest(id, secret)}</handshake>`)
  await connection.waitFor("<handshake/>")
  return connection
}

const burst = (domain: string, count: number): string =>
  Array.from(
    { length: count },
    (_, index) =>
      `<message from='${domain}' to='alice@localhost/desk' id='m${index}'><body>${domain} ${index}</body></message>`,
  ).join("")

const bodiesFrom = (text: string, domain: string): Array<string> =>
  [...text.matchAll(new RegExp(`<body>${domain} (\\d+)</body>`, "g"))].map(
    (match) => match[1] ?? "",
  )

describe("a component's stanza rate", () => {
  it("slows a burst down to the rate and delivers every stanza in order", async () => {
    const alice = await rawLogin(test.c2sPort, "localhost", "alice", "alice-pass", "desk")
    open.push(alice)
    alice.send("<presence/>")
    const bulk = await component("bulk.localhost", "bulk-secret")
    const free = await component("free.localhost", "free-secret")
    const expected = Array.from({ length: 25 }, (_, index) => String(index))

    const began = performance.now()
    bulk.send(burst("bulk.localhost", 25))
    await alice.waitFor((text) => bodiesFrom(text, "bulk.localhost").length === 25, 10_000)
    // 5 at once, then 20 at 20 per second: at least a second.
    expect((performance.now() - began) / 1000).toBeGreaterThanOrEqual(0.9)
    expect(bodiesFrom(alice.text(), "bulk.localhost")).toEqual(expected)

    // A component without a rate is not held back by its neighbour's.
    free.send(burst("free.localhost", 25))
    await alice.waitFor((text) => bodiesFrom(text, "free.localhost").length === 25)
    expect(bodiesFrom(alice.text(), "free.localhost")).toEqual(expected)
  }, 20_000)
})
