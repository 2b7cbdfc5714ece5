// Guessing a component's secret over the wire (XEP-0114 §3, src/limits/AuthGuard.ts): an
// address over its failed-handshake budget is refused at stream open with the seconds to
// wait, whether it would have sent the right secret or not; another address still connects;
// wrong handshakes from many addresses get slower and slower answers.
import { createHash } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type LimitsServer,
  type RawClient,
  startLimitsServer,
  tcpClient,
} from "../limits/limitsServer.js"

const domain = "push.localhost"
const secret = "s3cret"
const delayMs = 150

let test: LimitsServer
beforeAll(async () => {
  test = await startLimitsServer({
    listen: { component: {} },
    components: [{ domain, secret }],
    limits: {
      auth_failures_per_ip: 3,
      auth_failures_per_account: 2,
      auth_account_delay_ms: delayMs,
      auth_account_max_delay_ms: delayMs * 8,
    },
  })
})
afterAll(async () => {
  await test.stop()
})

const header = `<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>`

/** Opens a component stream from `address`; resolves with the client and the stream id. */
const openComponent = async (address: string): Promise<{ client: RawClient; id: string }> => {
  const client = await tcpClient(test.componentPort, address)
  client.send(header)
  await client.waitFor(/<stream:stream[^>]*>/)
  return { client, id: /id='([^']*)'/.exec(client.text())?.[1] ?? "" }
}

const handshake = (id: string, key: string): string =>
  `<handshake>${createHash("sha1").update(`${id}${key}`).digest("hex")}</handshake>`

/** One handshake from `address`; resolves with what came back and how long it took (ms). */
const attempt = async (address: string, key: string) => {
  const { client, id } = await openComponent(address)
  const started = performance.now()
  client.send(handshake(id, key))
  await client.waitFor(/<handshake\/>|<stream:error/, 30_000)
  const elapsed = performance.now() - started
  const text = client.text()
  client.destroy()
  return { text, elapsed }
}

describe("component handshake guessing", () => {
  it("refuses an address over its budget at stream open, the right secret as a wrong one", async () => {
    for (let index = 1; index <= 3; index++) {
      const { text } = await attempt("127.0.3.1", `guess-${index}`)
      expect(text).toContain("<not-authorized")
    }
    const refused = await tcpClient(test.componentPort, "127.0.3.1")
    refused.send(header)
    await refused.closed
    expect(refused.text()).toMatch(
      /<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'\/><text[^>]*>too many failed logins from your address: try again in \d+ seconds/,
    )
    expect(refused.text()).not.toContain("<handshake")

    const other = await attempt("127.0.3.2", secret)
    expect(other.text).toContain("<handshake/>")
  })

  it("answers wrong handshakes from many addresses more and more slowly", async () => {
    // The test above left three failures (two are free); each guess comes from a new address.
    const waits: Array<number> = []
    for (let index = 1; index <= 4; index++)
      waits.push((await attempt(`127.0.4.${index}`, `guess-${index}`)).elapsed)
    for (const [index, expected] of [2, 4, 8, 8].entries())
      expect(waits[index]).toBeGreaterThanOrEqual(expected * delayMs - 5)
  }, 30_000)
})
