// Password guessing over the wire (src/limits/AuthGuard.ts): once an address used up its
// failed-login budget, the right and a wrong password get the same stream error (PLAIN,
// SCRAM-SHA-1, SCRAM-SHA-256, also for a SCRAM exchange begun before the budget ran out), a
// new stream from it is refused at open with the seconds to wait, and another address still
// logs in. Many addresses against one account: each further answer waits longer, while the
// owner logs in at once from an address it used before and still gets in from a new one.
// 127.0.0.0/8 is loopback on Linux: every 127.x.y.z is another client address.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { plainAuth, type ScramMechanism, scramClient } from "../helpers/saslClient.js"
import {
  type LimitsServer,
  type RawClient,
  startLimitsServer,
  streamHeader,
  tcpClient,
  tcpLogin,
} from "./limitsServer.js"

const opened = async (port: number, address: string): Promise<RawClient> => {
  const client = await tcpClient(port, address)
  client.send(streamHeader)
  await client.waitFor("</stream:features>")
  return client
}

/** Everything after the stream features, with numbers and ids blanked. */
const answerOf = (text: string): string =>
  text
    .slice(text.indexOf("</stream:features>"))
    .replace(/id='[^']*'/g, "id=''")
    .replace(/\d+/g, "N")

const refusedAtOpen =
  /<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'\/><text[^>]*>too many failed logins from your address: try again in (\d+) seconds<\/text>/

/** `count` failed PLAIN logins for `username` from `address` (three per stream at most). */
const failLogins = async (port: number, address: string, username: string, count: number) => {
  let left = count
  while (left > 0) {
    const client = await opened(port, address)
    const now = Math.min(3, left)
    for (let attempt = 1; attempt <= now; attempt++) {
      client.send(plainAuth(username, `wrong-${left}-${attempt}`))
      await client.waitFor((text) => text.split("<not-authorized/>").length > attempt)
    }
    left -= now
    client.destroy()
  }
}

describe("an address over its failed-login budget", () => {
  let test: LimitsServer
  beforeAll(async () => {
    test = await startLimitsServer({
      limits: { auth_failures_per_ip: 5, auth_failures_per_account: 0 },
    })
    await test.addUser("alice")
  })
  afterAll(async () => {
    await test.stop()
  })

  it("gets the same answer for the right and a wrong PLAIN password", async () => {
    const address = "127.0.0.11"
    const right = await opened(test.c2sPort, address)
    const wrong = await opened(test.c2sPort, address)
    await failLogins(test.c2sPort, address, "alice", 5)
    right.send(plainAuth("alice", "secret"))
    wrong.send(plainAuth("alice", "not-the-password"))
    await Promise.all([right.closed, wrong.closed])
    expect(right.text()).not.toContain("<success")
    expect(answerOf(right.text())).toMatch(/policy-violation/)
    expect(answerOf(right.text())).toBe(answerOf(wrong.text()))
  })

  it.each<ScramMechanism>(["SCRAM-SHA-1", "SCRAM-SHA-256"])(
    "gets the same answer for the right and a wrong %s proof, also mid-exchange",
    async (mechanism) => {
      const address = mechanism === "SCRAM-SHA-1" ? "127.0.0.12" : "127.0.0.13"
      const right = await opened(test.c2sPort, address)
      const wrong = await opened(test.c2sPort, address)
      const rightScram = scramClient(mechanism, "alice")
      const wrongScram = scramClient(mechanism, "alice")
      right.send(rightScram.auth)
      wrong.send(wrongScram.auth)
      await right.waitFor("</challenge>")
      await wrong.waitFor("</challenge>")
      await failLogins(test.c2sPort, address, "alice", 5)
      right.send(rightScram.response(right.text(), "secret"))
      wrong.send(wrongScram.response(wrong.text(), "not-the-password"))
      await Promise.all([right.closed, wrong.closed])
      expect(right.text()).not.toContain("<success")
      const normalise = (text: string) =>
        answerOf(text).replace(/<challenge[^>]*>[^<]*<\/challenge>/, "")
      expect(normalise(right.text())).toMatch(/policy-violation/)
      expect(normalise(right.text())).toBe(normalise(wrong.text()))
    },
  )

  it("is refused at stream open with the seconds to wait, before any credential", async () => {
    const address = "127.0.0.14"
    await failLogins(test.c2sPort, address, "alice", 5)
    const client = await tcpClient(test.c2sPort, address)
    client.send(streamHeader)
    await client.closed
    const seconds = Number(refusedAtOpen.exec(client.text())?.[1])
    expect(seconds).toBeGreaterThan(0)
    expect(seconds).toBeLessThanOrEqual(600)
    expect(client.text()).not.toContain("<mechanisms")
  })

  it("leaves other addresses alone", async () => {
    await failLogins(test.c2sPort, "127.0.0.15", "alice", 5)
    const alice = await tcpLogin(test.c2sPort, "alice", "other-address", "127.0.0.16")
    expect(alice.text()).toContain("<jid>alice@localhost/other-address</jid>")
    alice.destroy()
  })
})

describe("many addresses guessing one account", () => {
  let test: LimitsServer
  const delayMs = 150
  beforeAll(async () => {
    test = await startLimitsServer({
      limits: {
        auth_failures_per_ip: 3,
        auth_failures_per_account: 2,
        auth_account_delay_ms: delayMs,
        auth_account_max_delay_ms: delayMs * 16,
      },
    })
    await test.addUser("carol")
  })
  afterAll(async () => {
    await test.stop()
  })

  /** Milliseconds from `<auth>` to its answer for one guess from `address`. */
  const guess = async (address: string, password: string): Promise<number> => {
    const client = await opened(test.c2sPort, address)
    const started = performance.now()
    client.send(plainAuth("carol", password))
    await client.waitFor(/<success|<failure/, 30_000)
    const elapsed = performance.now() - started
    client.destroy()
    return elapsed
  }

  it("waits longer for each answer, never locks the owner out", async () => {
    // The owner logs in once from home before the attack: that address has a good history.
    const home = await tcpLogin(test.c2sPort, "carol", "home", "127.0.2.1")
    home.destroy()
    const waits: Array<number> = []
    for (let index = 1; index <= 7; index++)
      waits.push(await guess(`127.0.1.${index}`, `guess-${index}`))
    // Two failures are free; then 1, 2, 4, 8, 16 delays (timers never fire early).
    for (const [index, expected] of [1, 2, 4, 8, 16].entries())
      expect(waits[index + 2]).toBeGreaterThanOrEqual(expected * delayMs - 5)
    // The right password from a new attacker address waits its slot like a wrong one.
    expect(await guess("127.0.1.50", "secret")).toBeGreaterThanOrEqual(16 * delayMs - 5)

    // From home: at once, well inside the current 16-delay interval.
    const started = performance.now()
    const again = await tcpLogin(test.c2sPort, "carol", "home-again", "127.0.2.1")
    expect(performance.now() - started).toBeLessThan(8 * delayMs)
    again.destroy()
    // From a new address with no failures: it waits its slot, then gets in.
    const travelling = await tcpLogin(test.c2sPort, "carol", "travel", "127.0.2.2")
    expect(travelling.text()).toContain("<jid>carol@localhost/travel</jid>")
    travelling.destroy()
  }, 60_000)
})
