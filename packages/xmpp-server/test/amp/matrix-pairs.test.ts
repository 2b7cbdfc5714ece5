// XEP-0079 with two rules on one message (spec/amp.md §4), to a full JID online, a bare JID
// with two resources, an offline user and an unknown domain, under each storage configuration:
// - every ordered pair of distinct `deliver` rules over direct/stored/none × every action: a
//   blocking rule beats a notify rule on the same outcome wherever it stands, the first rule
//   for an outcome acts, a later outcome's blocking rule fires only when the earlier outcomes
//   failed;
// - ordered pairs mixing conditions (match-resource, expire-at past and future, and deliver):
//   of the rules met at `initial` only the first acts, the others are used up, and a notify at
//   `initial` can be followed by another notification at a later event.
// Each reply echoes the rule that acted; the recipient's archive and offline storage keep
// exactly the messages not stopped. Expected outcomes come from ./oracle.ts
// (expectedForRules), never from amp-core.
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
  type ExpectedAnswers,
  expectedForRules,
  type MatrixRule,
  type Recipient,
  receiverWords,
  recipients,
  replyWords,
  storages,
} from "./oracle.js"

type Pair = readonly [MatrixRule, MatrixRule]

const rule = (
  condition: MatrixRule["condition"],
  value: string,
  action: MatrixRule["action"],
): MatrixRule => ({ condition, value, action })

const past = "2000-01-01T00:00:00Z"
const future = "2999-12-31T23:59:59Z"

const deliverRules: ReadonlyArray<MatrixRule> = ["direct", "stored", "none"].flatMap((value) =>
  actions.map((action) => rule("deliver", value, action)),
)

/** One notify and one blocking rule for each deliver value. */
const someDeliverRules: ReadonlyArray<MatrixRule> = [
  rule("deliver", "direct", "notify"),
  rule("deliver", "direct", "alert"),
  rule("deliver", "stored", "notify"),
  rule("deliver", "stored", "drop"),
  rule("deliver", "none", "notify"),
  rule("deliver", "none", "error"),
]

/** Rules of the other conditions: met at `initial` (or, for the future time, not). */
const otherRules: ReadonlyArray<MatrixRule> = [
  rule("match-resource", "any", "notify"),
  rule("match-resource", "any", "alert"),
  rule("match-resource", "other", "drop"),
  rule("expire-at", past, "notify"),
  rule("expire-at", past, "error"),
  rule("expire-at", future, "alert"),
]

const orderedPairs = (
  firsts: ReadonlyArray<MatrixRule>,
  seconds: ReadonlyArray<MatrixRule>,
): ReadonlyArray<Pair> =>
  firsts.flatMap((first) =>
    seconds.filter((second) => second !== first).map((second) => [first, second] as const),
  )

const families: ReadonlyArray<{ readonly title: string; readonly pairs: ReadonlyArray<Pair> }> = [
  { title: "two deliver rules", pairs: orderedPairs(deliverRules, deliverRules) },
  {
    title: "two rules of different conditions",
    pairs: [
      ...orderedPairs(otherRules, someDeliverRules),
      ...orderedPairs(someDeliverRules, otherRules),
      ...orderedPairs(otherRules, otherRules).filter(([a, b]) => a.condition !== b.condition),
    ],
  },
]

const targets: ReadonlyArray<Recipient> = recipients.filter((recipient) =>
  [
    "bob@localhost/phone",
    "carol@localhost",
    "dave@localhost",
    "someone@elsewhere.example",
  ].includes(recipient.to),
)

const ruleWords = (each: MatrixRule) =>
  each.condition === "expire-at"
    ? `${each.action} on expire-at in the ${each.value === past ? "past" : "future"}`
    : `${each.action} on ${each.condition}=${each.value}`

/** The expected outcome in words: each reply with the rule it echoes, and who receives it. */
const outcomeWords = ({ answers, receivers }: ExpectedAnswers) => {
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
  readonly rules: Pair
  readonly exists: boolean
  readonly expected: ExpectedAnswers
}

families.forEach((family, f) => {
  storages.forEach((storage, s) => {
    describe(`${family.title}, ${storage.name}`, () => {
      const cases: ReadonlyArray<Case> = targets.flatMap((recipient, r) =>
        family.pairs.map((rules, p) => {
          const expected = expectedForRules(rules, recipient, storage)
          const [first, second] = rules
          return {
            id: `p${f}-${s}-${r}-${p}`,
            name: `"${ruleWords(first)}" then "${ruleWords(second)}" to ${recipient.description}: ${outcomeWords(expected)}`,
            to: recipient.to,
            rules,
            exists: recipient.exists,
            expected,
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
          cases.map(({ id, to, rules, expected }) => ({
            id,
            to,
            rules,
            replies: expected.answers.length,
            receivers: expected.receivers,
          })),
        )
        const users = ["bob", "carol", "dave"]
        archives = await readArchives(matrix.archiveOf, users, storage.mam)
        const kept = cases.filter((entry) => entry.expected.storedOffline)
        returned = await comeBackAll(matrix, ["dave"], kept, storage.offline)
      }, 60_000)

      afterAll(async () => {
        await matrix?.stop()
      })

      for (const { id, name, to, exists, expected } of cases)
        it(name, () => {
          const answers: ReadonlyArray<Answer> = expected.answers
          expectOnTheWire(matrix, { id, to }, answers, expected.receivers)
          if (exists) {
            expectArchived(archives, to, id, expected.archived)
            expectDeliveredAtLogin(returned, to, id, expected.storedOffline)
          }
        })
    })
  })
})
