// A message stored offline counts as kept only once its write committed (issue 22: offline
// storage answers through the asynchronous repository). Over the wire: the sender's XEP-0198
// `<a/>` waits for the durable outcome of the offline write, a failed write bounces
// `internal-server-error` before that `<a/>`, and a session ending unacknowledged whose
// reroute to offline storage fails keeps the message's durable XEP-0198 copy (recovered into
// offline storage at the next start, test/crash) instead of losing it; offline delivery to a
// stream-managed session removes the stored message only once its XEP-0198 copy committed.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import type { OfflineRepository } from "../../src/storage/repositories/OfflineRepository.js"
import type { SmPendingRepository } from "../../src/storage/repositories/SmPendingRepository.js"
import { StorageError } from "../../src/storage/Storage.js"
import type { RawConnection } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { expectValue } from "../storage/repositories/backendMatrix.js"
import { chat, countBody, NS_SM, smLogin } from "./smRaw.js"

let test: TestServer
const connections: Array<RawConnection> = []
let restore: Array<() => void> = []

beforeAll(async () => {
  test = await startTestServer({
    config: {
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
      modules: { stream_management: { resume_timeout: 1 }, mam: { enabled: false } },
    },
  })
  for (const name of ["alice", "bob", "carol"]) await test.addUser(name, `${name}-pass`)
})
afterEach(() => {
  for (const undo of restore) undo()
  restore = []
  for (const connection of connections.splice(0)) connection.destroy()
})
afterAll(async () => {
  await test.stop()
})

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Replaces one repository method for this test (put back after it). */
const patch = <R extends object, K extends keyof R>(repository: R, name: K, replacement: R[K]) => {
  const original = repository[name]
  repository[name] = replacement
  restore.push(() => {
    repository[name] = original
  })
  return original
}

const login = async (username: string, resource: string) => {
  const session = await smLogin(test.c2sPort, username, `${username}-pass`, resource)
  connections.push(session.connection)
  return session.connection
}

const ackOf = (text: string, h: number): number => text.indexOf(`h='${h}'`)

describe("offline storage and the sender's XEP-0198 ack", () => {
  it("acknowledges a message to an offline account only once its offline write committed", async () => {
    const offline: OfflineRepository = test.server.repositories.offline
    let release = (): void => undefined
    let called = (): void => undefined
    const appendCalled = new Promise<void>((resolve) => {
      called = resolve
    })
    const append = offline.append.bind(offline)
    patch(offline, "append", async (message, quota) => {
      called()
      await new Promise<void>((resolve) => {
        release = resolve
      })
      return append(message, quota)
    })
    const alice = await login("alice", "desk")
    alice.send(chat("bob@localhost", "held-write"))
    alice.send(`<r xmlns='${NS_SM}'/>`)
    await appendCalled
    await pause(300)
    expect(ackOf(alice.text(), 1)).toBe(-1)
    release()
    await alice.waitFor(`h='1'`)
    const stored = expectValue(await offline.list("bob"))
    expect(stored.map((row) => countBody(row.stanza, "held-write"))).toEqual([1])
    expectValue(await offline.remove(stored[0]?.key ?? ""))
  })

  it("bounces internal-server-error when the offline write fails, before the ack", async () => {
    const offline: OfflineRepository = test.server.repositories.offline
    patch(
      offline,
      "append",
      async () => new StorageError("offline.append", "constraint", "row refused"),
    )
    const alice = await login("alice", "laptop")
    alice.send(chat("bob@localhost", "failed-write", "fw1"))
    alice.send(`<r xmlns='${NS_SM}'/>`)
    const text = await alice.waitFor(`h='1'`)
    const bounce = text.indexOf("internal-server-error")
    expect(bounce).toBeGreaterThan(-1)
    expect(text).toMatch(
      /<message[^>]*id=["']fw1["'][^>]*type=["']error["']|type=["']error["'][^>]*id=["']fw1["']/,
    )
    expect(bounce).toBeLessThan(ackOf(text, 1))
    expect(await offline.count("bob")).toBe(0)
  })

  it("keeps the durable copy of an unacknowledged message whose reroute to offline storage failed", async () => {
    const smPending: SmPendingRepository = test.server.repositories.smPending
    let moves = 0
    patch(smPending, "moveToOffline", async () => {
      moves += 1
      // Not an "io" failure: that would (rightly) mark storage down and refuse the logins below.
      return new StorageError("smPending.moveToOffline", "constraint", "row refused")
    })
    const carol = await login("carol", "phone")
    carol.send("<presence/>")
    await carol.waitFor("<presence")
    const alice = await login("alice", "tablet")
    alice.send(chat("carol@localhost", "unacked-kept"))
    await carol.waitFor("unacked-kept")
    // Carol's network goes away without an ack: the session hibernates, then ends (1 s).
    carol.destroy()
    const deadline = Date.now() + 10_000
    while (moves === 0 && Date.now() < deadline) await pause(50)
    expect(moves).toBe(1)
    await pause(100)
    const rows = expectValue(await smPending.all()).filter((row) => row.username === "carol")
    expect(rows.map((row) => countBody(row.stanza, "unacked-kept"))).toEqual([1])
    expect(await test.server.repositories.offline.count("carol")).toBe(0)
    // Clean up the kept row (the next start would store it offline).
    expectValue(
      await smPending.apply(rows.map((row) => ({ kind: "remove" as const, seq: row.seq }))),
    )
  })

  it("sends a message from offline storage only once its XEP-0198 copy replaced the stored one", async () => {
    const { offline, smPending } = test.server.repositories
    const alice = await login("alice", "phone")
    alice.send(chat("bob@localhost", "handed-over"))
    alice.send(`<r xmlns='${NS_SM}'/>`)
    await alice.waitFor(`h='1'`)
    expect(await offline.count("bob")).toBe(1)
    // Bob's queue takes the stored row (one transaction) only when released.
    const take = smPending.takeFromOffline.bind(smPending)
    let release = (): void => undefined
    let taking = false
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    patch(smPending, "takeFromOffline", async (key, row) => {
      taking = true
      await held
      return take(key, row)
    })
    const bob = await login("bob", "phone")
    bob.send("<presence/>")
    const arrived = bob.waitFor("handed-over")
    const deadline = Date.now() + 5000
    while (!taking && Date.now() < deadline) await pause(20)
    expect(taking).toBe(true)
    // Nothing sent yet, and the stored copy is the only one.
    expect(bob.text()).not.toContain("handed-over")
    expect(await offline.count("bob")).toBe(1)
    release()
    await arrived
    expect(await offline.count("bob")).toBe(0)
    expect(
      expectValue(await smPending.all()).filter((row) => countBody(row.stanza, "handed-over") > 0),
    ).toHaveLength(1)
  })
})
