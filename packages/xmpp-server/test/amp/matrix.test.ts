// XEP-0079 over the wire, generated: every action × every condition value (spec/amp.md §1)
// against every recipient state (online full JID, bare JID with two resources, a full JID
// whose resource is absent while others are online, an offline user, a user whose only
// session has a negative priority by bare and by full JID, a stranger without subscription,
// an unknown local user, an unknown domain) under each storage configuration (none, offline,
// MAM, both, failing writes via [testing.faults]). The expected outcome of each case comes
// from ./oracle.ts (the spec's rules in plain terms), never from amp-core. One real server
// per configuration; all its cases are sent at once (distinct ids), then each case checks on
// the wire which sessions got the message (without `<amp/>`) and the exact replies of §5.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ConfigInput } from "../../src/index.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login, pause, roundTrip } from "../offline/clients.js"
import {
  ampErrorOf,
  ampMessage,
  ampOf,
  befriend,
  NS_AMP,
  replyKindOf,
  settled,
  withId,
} from "./ampClients.js"
import {
  describeExpected,
  type Expected,
  expectedOutcome,
  type MatrixRule,
  matrixRules,
  type Recipient,
  type Session,
  type Storage,
} from "./oracle.js"

const storages: ReadonlyArray<Storage> = [
  { name: "no storage", offline: false, mam: false, failing: false },
  { name: "offline storage", offline: true, mam: false, failing: false },
  { name: "MAM only", offline: false, mam: true, failing: false },
  { name: "offline storage and MAM", offline: true, mam: true, failing: false },
  { name: "failing offline and MAM writes", offline: true, mam: true, failing: true },
]

const domain = "localhost"

const recipients: ReadonlyArray<Recipient> = [
  {
    description: "bob's only online resource (full JID)",
    to: `bob@${domain}/phone`,
    ...{ subscribed: true, exists: true, local: true },
    sessions: ["bob"],
    resourceMatch: "exact",
  },
  {
    description: "carol's bare JID (two online resources)",
    to: `carol@${domain}`,
    ...{ subscribed: true, exists: true, local: true },
    sessions: ["carolA", "carolB"],
    resourceMatch: "other",
  },
  {
    description: "an absent resource of carol (two others online)",
    to: `carol@${domain}/gone`,
    ...{ subscribed: true, exists: true, local: true },
    sessions: ["carolA", "carolB"],
    resourceMatch: "other",
  },
  {
    description: "dave, offline",
    to: `dave@${domain}`,
    ...{ subscribed: true, exists: true, local: true },
    sessions: [],
    resourceMatch: undefined,
  },
  {
    description: "frank's bare JID (his only session has a negative priority)",
    to: `frank@${domain}`,
    ...{ subscribed: true, exists: true, local: true },
    sessions: [],
    resourceMatch: undefined,
  },
  {
    description: "frank's negative-priority session (full JID)",
    to: `frank@${domain}/background`,
    ...{ subscribed: true, exists: true, local: true },
    sessions: ["frank"],
    resourceMatch: "exact",
  },
  {
    description: "eve, online but not sharing presence",
    to: `eve@${domain}/tab`,
    ...{ subscribed: false, exists: true, local: true },
    sessions: ["eve"],
    resourceMatch: "exact",
  },
  {
    description: "an unknown local user",
    to: `nobody@${domain}`,
    ...{ subscribed: false, exists: false, local: true },
    sessions: [],
    resourceMatch: undefined,
  },
  {
    description: "an unknown domain",
    to: "someone@elsewhere.example",
    ...{ subscribed: false, exists: false, local: false },
    sessions: [],
    resourceMatch: undefined,
  },
]

interface Case {
  readonly id: string
  readonly name: string
  readonly rule: MatrixRule
  readonly recipient: Recipient
  readonly expected: Expected
}

const casesOf = (storage: Storage, prefix: string): ReadonlyArray<Case> =>
  recipients.flatMap((recipient, r) =>
    matrixRules.map((rule, n) => {
      const expected = expectedOutcome(rule, recipient, storage)
      const ruleText = `${rule.action} on ${rule.condition}=${rule.value}`
      return {
        id: `${prefix}-${r}-${n}`,
        name: `${ruleText} to ${recipient.description}: ${describeExpected(expected)}`,
        rule,
        recipient,
        expected,
      }
    }),
  )

storages.forEach((storage, s) => {
  describe(`AMP matrix, ${storage.name}`, () => {
    const cases = casesOf(storage, `s${s}`)
    let server: TestServer
    let alice: TestClient
    const sessions = new Map<Session, TestClient>()

    beforeAll(async () => {
      const config: ConfigInput = {
        modules: {
          offline: { enabled: storage.offline },
          mam: { enabled: storage.mam },
          amp: { expiry_check_ms: 50 },
        },
        ...(storage.failing
          ? { testing: { faults: { offline_write: true, mam_write: true } } }
          : {}),
      }
      server = await startTestServer({ config })
      for (const user of ["alice", "bob", "carol", "dave", "eve", "frank"])
        server.addUser(user, `${user}-pass`)
      for (const friend of ["bob", "carol", "dave", "frank"]) befriend(server, "alice", friend)
      alice = await login(server, "alice", "desk", 0)
      sessions.set("bob", await login(server, "bob", "phone", 0))
      sessions.set("carolA", await login(server, "carol", "a", 0))
      sessions.set("carolB", await login(server, "carol", "b", 0))
      sessions.set("eve", await login(server, "eve", "tab", 0))
      sessions.set("frank", await login(server, "frank", "background", -1))

      for (const entry of cases)
        await alice.send(ampMessage(entry.recipient.to, entry.id, [entry.rule]))
      await Promise.all(
        cases.flatMap((entry) => [
          settled(alice, entry.id, entry.expected.replies.length, 15_000),
          ...entry.expected.receivers.map((name) => {
            const client = sessions.get(name)
            return client === undefined ? Promise.resolve() : settled(client, entry.id, 1, 15_000)
          }),
        ]),
      )
      // Anything not expected has had its chance to arrive.
      await Promise.all([alice, ...sessions.values()].map((client) => roundTrip(client)))
      await pause(300)
    }, 60_000)

    afterAll(async () => {
      for (const client of [alice, ...sessions.values()]) await client?.stop()
      await server?.stop()
    })

    for (const entry of cases) {
      it(entry.name, () => {
        const { id, rule, recipient, expected } = entry
        const replies = withId(alice, id)
        expect(replies.map(replyKindOf)).toEqual(expected.replies)
        for (const reply of replies) {
          expect(reply.attrs.to).toBe(alice.jid)
          expect(reply.getChild("body")).toBeUndefined()
          const kind = replyKindOf(reply).kind
          if (kind === "bounce") {
            expect(reply.attrs.from).toBe(recipient.to)
            expect(reply.getChild("amp", NS_AMP)).toBeUndefined()
            continue
          }
          expect(reply.attrs.from).toBe(domain)
          const amp = ampOf(reply)
          expect(amp.from).toBe(alice.jid)
          expect(amp.to).toBe(recipient.to)
          expect(amp.rules).toEqual([rule])
          if (kind === "amp") continue
          expect(amp.status).toBe("error")
          expect(ampErrorOf(reply)).toEqual(
            kind === "amp-error"
              ? {
                  type: "modify",
                  code: "500",
                  condition: "undefined-condition",
                  container: "failed-rules http://jabber.org/protocol/amp#errors",
                  rules: [rule],
                }
              : {
                  type: "modify",
                  code: "406",
                  condition: "not-acceptable",
                  container: `invalid-rules ${NS_AMP}`,
                  rules: [rule],
                },
          )
        }
        for (const [name, client] of sessions) {
          const copies = withId(client, id)
          expect(copies.length, name).toBe(expected.receivers.includes(name) ? 1 : 0)
          for (const copy of copies) {
            expect(copy.getChild("amp", NS_AMP)).toBeUndefined()
            expect(copy.getChildText("body")).toBe(`body of ${id}`)
          }
        }
      })
    }
  })
})
