// XEP-0079 with two `deliver` rules on one message (spec/amp.md §4): every ordered pair of
// distinct rules over direct/stored/none × every action, to a full JID online, a bare JID with
// two resources, an offline user and an unknown domain, under each storage configuration.
// It shows that a blocking rule beats a notify rule on the same outcome wherever it stands,
// that the first rule for an outcome acts, that a later outcome's blocking rule fires only
// when the earlier outcomes failed, and that the reply echoes the rule that acted; the
// recipient's archive and offline storage keep exactly the messages not stopped. Expected
// outcomes come from ./oracle.ts (expectedForDeliverRules), never from amp-core.
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
  type Answer,
  actions,
  expectedForDeliverRules,
  type MatrixRule,
  type Recipient,
  receiverWords,
  recipients,
  replyWords,
  type Session,
  storages,
} from "./oracle.js"

const deliverRules: ReadonlyArray<MatrixRule> = ["direct", "stored", "none"].flatMap((value) =>
  actions.map((action) => ({ condition: "deliver" as const, value, action })),
)

const pairs: ReadonlyArray<readonly [MatrixRule, MatrixRule]> = deliverRules.flatMap((first) =>
  deliverRules.filter((second) => second !== first).map((second) => [first, second] as const),
)

const targets: ReadonlyArray<Recipient> = recipients.filter((recipient) =>
  [
    "bob@localhost/phone",
    "carol@localhost",
    "dave@localhost",
    "someone@elsewhere.example",
  ].includes(recipient.to),
)

const ruleWords = (rule: MatrixRule) => `${rule.action} on ${rule.value}`

/** The expected outcome in words: each reply with the rule it echoes, and who receives it. */
const outcomeWords = (answers: ReadonlyArray<Answer>, receivers: ReadonlyArray<Session>) => {
  const replies = answers.map(({ reply, rules }) =>
    reply.kind === "bounce"
      ? replyWords(reply)
      : `${replyWords(reply)} for ${rules.map(ruleWords).join(", ")}`,
  )
  const sender =
    replies.length === 0 ? "the sender gets no reply" : `the sender gets ${replies.join(" then ")}`
  return `${sender}, ${receiverWords(receivers)}`
}

interface Case {
  readonly id: string
  readonly name: string
  readonly to: string
  readonly rules: readonly [MatrixRule, MatrixRule]
  readonly answers: ReadonlyArray<Answer>
  readonly receivers: ReadonlyArray<Session>
  readonly archived: boolean
  readonly storedOffline: boolean
  readonly exists: boolean
}

storages.forEach((storage, s) => {
  describe(`two deliver rules, ${storage.name}`, () => {
    const cases: ReadonlyArray<Case> = targets.flatMap((recipient, r) =>
      pairs.map((rules, p) => {
        const { answers, receivers, archived, storedOffline } = expectedForDeliverRules(
          rules,
          recipient,
          storage,
        )
        const [first, second] = rules
        return {
          id: `p${s}-${r}-${p}`,
          name: `deliver rules "${ruleWords(first)}" then "${ruleWords(second)}" to ${recipient.description}: ${outcomeWords(answers, receivers)}`,
          to: recipient.to,
          rules,
          answers,
          receivers,
          archived,
          storedOffline,
          exists: recipient.exists,
        }
      }),
    )
    let matrix: MatrixServer
    let archives: Archives = new Map()
    let returned: Returned = new Map()

    beforeAll(async () => {
      matrix = await startMatrixServer(storage)
      await sendBatch(
        matrix,
        cases.map(({ id, to, rules, answers, receivers }) => ({
          id,
          to,
          rules,
          replies: answers.length,
          receivers,
        })),
      )
      const users = ["bob", "carol", "dave", "eve", "frank", "greg", "hank"]
      archives = await readArchives(matrix.archiveOf, users, storage.mam)
      const kept = cases.filter((entry) => entry.storedOffline)
      returned = await comeBackAll(matrix, ["dave", "frank"], kept, storage.offline)
    }, 60_000)

    afterAll(async () => {
      await matrix?.stop()
    })

    for (const entry of cases)
      it(entry.name, () => {
        expectOnTheWire(matrix, entry, entry.answers, entry.receivers)
        if (entry.exists) {
          expectArchived(archives, entry.to, entry.id, entry.archived)
          expectDeliveredAtLogin(returned, entry.to, entry.id, entry.storedOffline)
        }
      })
  })
})
