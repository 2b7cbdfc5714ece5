// XEP-0079 `expire-at` after storage (spec/amp.md §4): a message to an offline user waits in
// offline storage, in the archive, or both; its time passes before the user comes back. Each
// action then does what ./oracle.ts says: drop/alert/error remove it (the user never gets it
// at login and it is gone from their archive) with the action's reply, notify only tells the
// sender. A rule not yet due lets its message through. scenarios.test.ts has the alert under
// the default configuration and restart.test.ts the same across a restart; this covers every
// action under every storage configuration that keeps messages, the three servers at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login, pause, roundTrip } from "../offline/clients.js"
import {
  ampErrorOf,
  ampMessage,
  ampOf,
  archivedIds,
  befriend,
  NS_AMP,
  replyKindOf,
  settled,
  withId,
} from "./ampClients.js"
import { actions, expectedAfterExpiry, type MatrixRule, type Storage } from "./oracle.js"

const storages: ReadonlyArray<Storage> = [
  { name: "offline storage", offline: true, mam: false, failing: false },
  { name: "MAM only", offline: false, mam: true, failing: false },
  { name: "offline storage and MAM", offline: true, mam: true, failing: false },
]

/** Seconds from sending until the rules are due; the spec allows one more second to fire. */
const dueInSeconds = 1.5
const to = "erin@localhost"

interface Observed {
  readonly alice: TestClient
  readonly erin: TestClient
  /** Ids left in erin's archive after she came back (MAM configurations). */
  readonly archive: ReadonlyArray<string>
  /** The `expire-at` value the due rules carry. */
  readonly dueAt: string
}

const servers: Array<TestServer> = []
const clients: Array<TestClient> = []
const observed = new Map<Storage, Observed>()

const expiring = (action: MatrixRule["action"], value: string): MatrixRule => ({
  condition: "expire-at",
  value,
  action,
})
const idOf = (storage: Storage, name: string) => `${storage.name.replace(/\W+/g, "-")}-${name}`

/** Sends one message per action and a control, lets the time pass, logs erin in. */
const observe = async (storage: Storage): Promise<Observed> => {
  const server = await startTestServer({
    config: {
      modules: {
        offline: { enabled: storage.offline },
        mam: { enabled: storage.mam },
        amp: { expiry_check_ms: 50 },
      },
    },
  })
  servers.push(server)
  for (const user of ["alice", "erin"]) await server.addUser(user, `${user}-pass`)
  await befriend(server, "alice", "erin")
  const alice = await login(server, "alice", "desk", 0)
  clients.push(alice)
  const due = Date.now() + dueInSeconds * 1000
  const dueAt = new Date(due).toISOString()
  const later = new Date(Date.now() + 3_600_000).toISOString()
  for (const action of actions)
    await alice.send(ampMessage(to, idOf(storage, action), [expiring(action, dueAt)]))
  await alice.send(ampMessage(to, idOf(storage, "control"), [expiring("notify", later)]))
  await Promise.all(
    actions.map((action) =>
      settled(alice, idOf(storage, action), expectedAfterExpiry(action).replies.length, 10_000),
    ),
  )
  // Every rule has fired by now (within one second of its time); then erin comes back.
  await pause(Math.max(0, due + 1000 - Date.now()))
  const erin = await login(server, "erin", "home", 0)
  clients.push(erin)
  if (storage.offline) {
    const kept = [...actions.filter((a) => expectedAfterExpiry(a).kept), "control"]
    await Promise.all(kept.map((name) => settled(erin, idOf(storage, name), 1, 5000)))
  }
  await roundTrip(erin)
  const archive = storage.mam ? await archivedIds(erin, "expiry") : []
  await roundTrip(alice)
  await pause(200)
  return { alice, erin, archive, dueAt }
}

beforeAll(async () => {
  const results = await Promise.all(storages.map(observe))
  storages.forEach((storage, index) => {
    const result = results[index]
    if (result !== undefined) observed.set(storage, result)
  })
}, 60_000)

afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  for (const server of servers) await server.stop()
})

const wording: Record<MatrixRule["action"], string> = {
  alert: "alerts the sender",
  drop: "says nothing to the sender",
  error: "sends the sender an AMP error",
  notify: "notifies the sender",
}

/** The case name: what the sender gets, and whether erin still finds the message. */
const caseName = (storage: Storage, action: MatrixRule["action"]) => {
  const kept = expectedAfterExpiry(action).kept
  const where = [
    ...(storage.offline
      ? [kept ? "erin still gets it at login" : "erin never gets it at login"]
      : []),
    ...(storage.mam ? [kept ? "it stays in her archive" : "it is gone from her archive"] : []),
  ]
  return `${action} ${wording[action]} once the time passes; ${where.join(" and ")}`
}

for (const storage of storages) {
  describe(`expire-at passing while the message waits, ${storage.name}`, () => {
    const get = () => {
      const result = observed.get(storage)
      if (result === undefined) throw new Error(`no observation for ${storage.name}`)
      return result
    }

    for (const action of actions) {
      const expected = expectedAfterExpiry(action)
      it(caseName(storage, action), () => {
        const { alice, erin, archive, dueAt } = get()
        const id = idOf(storage, action)
        const replies = withId(alice, id)
        expect(replies.map(replyKindOf)).toEqual(expected.replies)
        for (const reply of replies) {
          expect([reply.attrs.from, reply.attrs.to]).toEqual(["localhost", alice.jid])
          expect(reply.getChild("body")).toBeUndefined()
          const amp = ampOf(reply)
          expect([amp.from, amp.to]).toEqual([alice.jid, to])
          expect(amp.rules).toEqual([expiring(action, dueAt)])
          if (action === "error")
            expect(ampErrorOf(reply)).toMatchObject({
              type: "modify",
              code: "500",
              condition: "undefined-condition",
              container: "failed-rules http://jabber.org/protocol/amp#errors",
              rules: amp.rules,
            })
        }
        const copies = withId(erin, id).filter((stanza) => stanza.is("message"))
        expect(copies).toHaveLength(storage.offline && expected.kept ? 1 : 0)
        for (const copy of copies) expect(copy.getChild("amp", NS_AMP)).toBeUndefined()
        expect(archive.filter((each) => each === id)).toHaveLength(
          storage.mam && expected.kept ? 1 : 0,
        )
      })
    }

    it("a rule not yet due says nothing; the message is kept for erin", () => {
      const { alice, erin, archive } = get()
      const id = idOf(storage, "control")
      expect(withId(alice, id)).toEqual([])
      expect(withId(erin, id).filter((stanza) => stanza.is("message"))).toHaveLength(
        storage.offline ? 1 : 0,
      )
      expect(archive.filter((each) => each === id)).toHaveLength(storage.mam ? 1 : 0)
    })
  })
}
