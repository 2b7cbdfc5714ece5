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
import type { TestClient } from "../helpers/xmppClient.js"
import {
  ampErrorOf,
  ampOf,
  type MatrixServer,
  NS_AMP,
  replyKindOf,
  sendBatch,
  startMatrixServer,
  withId,
} from "./ampClients.js"
import {
  describeExpected,
  type Expected,
  expectedOutcome,
  type MatrixRule,
  matrixRules,
  type Recipient,
  recipients,
  type Session,
  type Storage,
  storages,
} from "./oracle.js"

const domain = "localhost"

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
    let matrix: MatrixServer
    let alice: TestClient
    let sessions: ReadonlyMap<Session, TestClient>

    beforeAll(async () => {
      matrix = await startMatrixServer(storage)
      ;({ alice, sessions } = matrix)
      await sendBatch(
        matrix,
        cases.map(({ id, recipient, rule, expected }) => ({
          id,
          to: recipient.to,
          rules: [rule],
          replies: expected.replies.length,
          receivers: expected.receivers,
        })),
      )
    }, 60_000)

    afterAll(async () => {
      await matrix?.stop()
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
