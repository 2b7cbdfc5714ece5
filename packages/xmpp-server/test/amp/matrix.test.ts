// XEP-0079 over the wire, generated: every action × every condition value (spec/amp.md §1)
// against every recipient state (online full JID, bare JID with two resources, a full JID
// whose resource is absent while others are online, an offline user, a user whose only
// session has a negative priority by bare and by full JID, users whose roster has the sender
// with subscription `from` (may see presence) and `to` (may not), a stranger, an unknown
// local user, an unknown domain) under each storage configuration (none, offline,
// MAM, both, failing writes via [testing.faults]). The expected outcome of each case comes
// from ./oracle.ts (the spec's rules in plain terms), never from amp-core. One real server
// per configuration; all its cases are sent at once (distinct ids), then each case checks on
// the wire which sessions got the message (without `<amp/>`), the exact replies of §5, whether
// the recipient's archive holds it (MAM on) and whether an offline recipient gets it when
// they log in again (offline storage on).
import { afterAll, beforeAll, describe, it } from "vitest"
import {
  type Archives,
  comeBackAll,
  expectArchived,
  expectDeliveredAtLogin,
  expectOnTheWire,
  type MatrixServer,
  type Returned,
  readArchives,
  sendBatch,
  startMatrixServer,
} from "./ampClients.js"
import {
  describeExpected,
  type Expected,
  expectedOutcome,
  type MatrixRule,
  matrixRules,
  type Recipient,
  recipients,
  type Storage,
  storages,
} from "./oracle.js"

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
    let archives: Archives = new Map()
    let returned: Returned = new Map()

    beforeAll(async () => {
      matrix = await startMatrixServer(storage)
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
      const users = ["bob", "carol", "dave", "eve", "frank", "greg", "hank"]
      archives = await readArchives(matrix.archiveOf, users, storage.mam)
      const kept = cases.filter((entry) => entry.expected.storedOffline)
      returned = await comeBackAll(
        matrix,
        ["dave", "frank"],
        kept.map(({ id, recipient }) => ({ id, to: recipient.to })),
        storage.offline,
      )
    }, 60_000)

    afterAll(async () => {
      await matrix?.stop()
    })

    for (const entry of cases) {
      it(entry.name, () => {
        const { id, rule, recipient, expected } = entry
        const answers = expected.replies.map((reply) => ({
          reply,
          rules: reply.kind === "bounce" ? [] : [rule],
        }))
        expectOnTheWire(matrix, { id, to: recipient.to }, answers, expected.receivers)
        if (recipient.exists) {
          expectArchived(archives, recipient.to, id, expected.archived)
          expectDeliveredAtLogin(returned, recipient.to, id, expected.storedOffline)
        }
      })
    }
  })
})
