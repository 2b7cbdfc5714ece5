// XEP-0079 when the write to the recipient's socket fails (spec/amp.md §4, `delivery-failed`):
// every action × every condition value, to an online full JID whose session breaks on the
// write ([testing.faults] socket_write_marker), under each storage configuration. The message
// falls back along its outcome path — to offline storage or the archive when they keep it, to
// `none` otherwise (a service-unavailable bounce, or internal-server-error when the storage
// write failed too) — and the rules for the later outcomes act there. Each case has its own
// recipient account, since the failed write drops that session. Expected outcomes come from
// ./oracle.ts; faults.test.ts has the same path for a list of three notify rules.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login } from "../offline/clients.js"
import {
  archiveCountOf,
  befriend,
  expectOnTheWire,
  type MatrixClients,
  sendBatch,
} from "./ampClients.js"
import {
  describeExpected,
  expectedOutcome,
  matrixRules,
  type Recipient,
  storages,
} from "./oracle.js"

const marker = "BREAK"

const recipientOf = (n: number): Recipient => ({
  description: "an online full JID whose socket write fails",
  to: `doomed${n}@localhost/phone`,
  ...{ subscribed: true, exists: true, local: true },
  sessions: ["doomed"],
  resourceMatch: "exact",
  socketWriteFails: true,
})

storages.forEach((storage, s) => {
  describe(`AMP when the socket write fails, ${storage.name}`, () => {
    const cases = matrixRules.map((rule, n) => {
      const recipient = recipientOf(n)
      const expected = expectedOutcome(rule, recipient, storage)
      return {
        id: `w${s}-${n}`,
        to: recipient.to,
        rule,
        expected,
        name: `${rule.action} on ${rule.condition}=${rule.value} to ${recipient.description}: ${describeExpected(expected)}`,
      }
    })
    let server: TestServer
    let alice: TestClient
    const doomed: Array<TestClient> = []
    /** How many messages each doomed account's archive holds (MAM on only). */
    let archived: ReadonlyArray<number> = []

    beforeAll(async () => {
      server = await startTestServer({
        config: {
          modules: {
            offline: { enabled: storage.offline },
            mam: { enabled: storage.mam },
            amp: { expiry_check_ms: 50 },
          },
          testing: {
            faults: {
              socket_write_marker: marker,
              offline_write: storage.failing,
              mam_write: storage.failing,
            },
          },
        },
      })
      await server.addUser("alice", "alice-pass")
      for (const n of cases.keys()) {
        await server.addUser(`doomed${n}`, `doomed${n}-pass`)
        await befriend(server, "alice", `doomed${n}`)
      }
      alice = await login(server, "alice", "desk", 0)
      doomed.push(
        ...(await Promise.all(cases.map((_, n) => login(server, `doomed${n}`, "phone", 0)))),
      )
      await sendBatch(
        { alice, sessions: new Map() },
        cases.map(({ id, to, rule, expected }) => ({
          id,
          to,
          rules: [rule],
          replies: expected.replies.length,
          receivers: [],
          body: `${marker} body of ${id}`,
        })),
      )
      if (storage.mam)
        archived = await Promise.all(cases.map((_, n) => archiveCountOf(server, `doomed${n}`)))
    }, 60_000)

    afterAll(async () => {
      await Promise.all([alice, ...doomed].map((client) => client?.stop()))
      await server?.stop()
    })

    cases.forEach((entry, n) => {
      it(entry.name, () => {
        const session = doomed[n]
        if (session === undefined) throw new Error(`no session for ${entry.to}`)
        const matrix: MatrixClients = { alice, sessions: new Map([["doomed", session]]) }
        const answers = entry.expected.replies.map((reply) => ({
          reply,
          rules: reply.kind === "bounce" ? [] : [entry.rule],
        }))
        expectOnTheWire(matrix, entry, answers, entry.expected.receivers)
        if (storage.mam)
          expect(archived[n], "messages in the recipient's archive").toBe(
            entry.expected.archived ? 1 : 0,
          )
      })
    })
  })
})
