// PostgreSQL going away while the server runs on it (issue 22 item 5, spec/cluster.md
// guarantee 7), over the wire: a stream-managed sender keeps sending to an offline user (every
// message an offline store), the private PostgreSQL is stopped and started again. Meanwhile
// the server logs the outage once, a new login is refused at once with a stream error naming
// the cause instead of hanging, and every message the server acknowledged (XEP-0198 `<a/>`) is
// either in offline storage afterwards or was answered with an error: nothing acknowledged is
// lost. When PostgreSQL is back the server recovers by itself: logged once, logins work again.
import { afterAll, beforeAll, expect, it, vi } from "vitest"
import { makeJsonLogger } from "../../src/index.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import { type PrivatePostgres, startPrivatePostgres } from "../helpers/privatePostgres.js"
import { clientHeader, openRaw, type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { NS_SM } from "../sm/smRaw.js"

let postgres: PrivatePostgres | undefined
let test: TestServer | undefined
const events: Array<{ event: string; [key: string]: unknown }> = []

beforeAll(async () => {
  postgres = await startPrivatePostgres()
  const url = await postgres.createDatabase("outage_server")
  test = await startTestServer({
    config: {
      storage: { backend: "postgres", url, pool_size: 4 },
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
    },
    logger: makeJsonLogger({
      level: "info",
      write: (line) => void events.push(JSON.parse(line) as { event: string }),
    }),
  })
  await test.addUser("alice", "alice-pass")
  await test.addUser("carol", "carol-pass")
}, 180_000)
afterAll(async () => {
  await test?.stop()
  postgres?.stop()
})

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const highestAck = (text: string): number =>
  Math.max(
    0,
    ...[...text.matchAll(/<a xmlns='urn:xmpp:sm:3' h='(\d+)'\/>/g)].map((m) => Number(m[1])),
  )
const count = (name: string) => events.filter((line) => line.event === name).length

/** Opens a stream and answers what the server did: offered features, or ended it with an error. */
const tryLogin = async (port: number): Promise<string> => {
  const connection = await openRaw(port)
  try {
    connection.send(clientHeader("localhost"))
    return await connection.waitFor(/<\/stream:features>|<\/stream:error>/, 10_000)
  } finally {
    connection.destroy()
  }
}

it("refuses logins while PostgreSQL is away, loses nothing acknowledged and recovers by itself", async () => {
  const server = test
  const database = postgres
  if (server === undefined || database === undefined) throw new Error("setup failed")
  const sender: RawConnection = await rawLogin(
    server.c2sPort,
    "localhost",
    "alice",
    "alice-pass",
    "w",
  )
  sender.send(`<enable xmlns='${NS_SM}'/>`)
  await sender.waitFor("<enabled")
  let sent = 0
  let loading = true
  // A bounded load: at most 3000 messages, at most 50 unacknowledged at a time.
  const load = (async () => {
    while (loading && sent < 3000 && !sender.socket.destroyed) {
      if (sent - highestAck(sender.text()) >= 50) {
        await pause(10)
        continue
      }
      sent += 1
      sender.send(
        `<message type='chat' to='carol@localhost' id='m${sent}'><body>m${sent}</body></message><r xmlns='${NS_SM}'/>`,
      )
      await pause(5)
    }
  })()
  try {
    await vi.waitFor(() => expect(highestAck(sender.text())).toBeGreaterThanOrEqual(30), {
      timeout: 30_000,
    })
    expect(await tryLogin(server.c2sPort)).toContain("</stream:features>")

    database.interrupt()
    await vi.waitFor(() => expect(count("storage-down")).toBe(1), { timeout: 30_000 })
    const refused = await tryLogin(server.c2sPort)
    expect(refused).toContain("<internal-server-error")
    expect(refused).toContain("storage unavailable")

    database.resume()
    await vi.waitFor(() => expect(count("storage-up")).toBe(1), { timeout: 30_000 })
    expect(await tryLogin(server.c2sPort)).toContain("</stream:features>")
    const ackedAtRecovery = highestAck(sender.text())
    await vi.waitFor(
      () => expect(highestAck(sender.text())).toBeGreaterThan(ackedAtRecovery + 20),
      { timeout: 30_000 },
    )
  } finally {
    loading = false
    await load
  }
  sender.send(`<r xmlns='${NS_SM}'/>`)
  await vi.waitFor(() => expect(highestAck(sender.text())).toBe(sent), { timeout: 30_000 })

  const stored = await server.server.repositories.offline.list("carol")
  if (failed(stored)) throw stored
  const kept = new Set(stored.map((message) => /<body>(m\d+)<\/body>/.exec(message.stanza)?.[1]))
  // Each bounce is a message of type error with the original id (attribute quotes either way).
  const bounced = new Set(
    sender
      .text()
      .split(/(?=<message)/)
      .filter((part) => /^<message[^>]*type=["']error["']/.test(part))
      .map((part) => /^<message[^>]*id=["'](m\d+)["']/.exec(part)?.[1]),
  )
  const lost = Array.from({ length: sent }, (_, index) => `m${index + 1}`).filter(
    (id) => !kept.has(id) && !bounced.has(id),
  )
  expect(lost).toEqual([])
  // The outage really cost stores, and the server said so to the sender rather than dropping them.
  expect(bounced.size).toBeGreaterThan(0)
  expect(kept.size).toBeGreaterThan(50)
  expect(count("storage-down")).toBe(1)
  expect(count("storage-up")).toBe(1)
  sender.destroy()
}, 240_000)
