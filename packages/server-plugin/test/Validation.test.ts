// Spec §3 and §5 (XEP-0079 §2.2.1, §6): every rule is checked and one error lists all rules of
// the first failing kind (not-acceptable, unsupported-actions, unsupported-conditions), with the
// `<amp status='error'>` copy; a refused message is not delivered, stored or archived.
import { afterEach, describe, expect, it } from "vitest"
import {
  ampMessage,
  canonicalXml,
  type Harness,
  JULIET,
  JULIET_BALCONY,
  ROMEO,
  received,
  setup,
} from "./support/harness.js"

let harness: Harness | undefined
afterEach(async () => {
  await harness?.plugin.stop()
  harness = undefined
})

const rulesXml = (rules: readonly string[][]) =>
  rules.map(([a, c, v]) => `<rule action='${a}' condition='${c}' value='${v}'/>`).join("")

const validationError = (
  condition: string,
  code: string,
  container: string,
  rules: readonly string[][],
) =>
  canonicalXml(
    `<message type='error' from='example.com' to='${ROMEO}' id='m1'>` +
      `<amp xmlns='http://jabber.org/protocol/amp' status='error' from='${ROMEO}' to='${JULIET}'>${rulesXml(rules)}</amp>` +
      `<error type='modify' code='${code}'><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>` +
      `<${container} xmlns='http://jabber.org/protocol/amp'>${rulesXml(rules)}</${container}></error></message>`,
  )

const cases: readonly [
  string,
  Record<string, unknown>,
  string[][],
  string,
  string,
  string,
  string[][],
][] = [
  [
    "values outside the value set and bad DateTimes, all listed",
    {},
    [
      ["notify", "deliver", "direct"],
      ["notify", "deliver", "elsewhere"],
      ["drop", "expire-at", "2030-02-30T00:00:00Z"],
      ["alert", "match-resource", "some"],
      ["error", "expire-at", "2030-01-01T00:00:00+02:00"],
    ],
    "not-acceptable",
    "406",
    "invalid-rules",
    [
      ["notify", "deliver", "elsewhere"],
      ["drop", "expire-at", "2030-02-30T00:00:00Z"],
      ["alert", "match-resource", "some"],
      ["error", "expire-at", "2030-01-01T00:00:00+02:00"],
    ],
  ],
  [
    "unknown actions before unknown conditions",
    {},
    [
      ["shout", "deliver", "direct"],
      ["notify", "weather", "rain"],
      ["whisper", "deliver", "stored"],
    ],
    "bad-request",
    "400",
    "unsupported-actions",
    [
      ["shout", "deliver", "direct"],
      ["whisper", "deliver", "stored"],
    ],
  ],
  [
    "unknown conditions, whose values are never judged",
    {},
    [
      ["notify", "weather", "rain"],
      ["notify", "deliver", "direct"],
      ["alert", "mood", ""],
    ],
    "not-acceptable",
    "406",
    "invalid-rules",
    [["alert", "mood", ""]],
  ],
  [
    "conditions disabled in [modules.amp]",
    { conditions: ["deliver"] },
    [
      ["notify", "expire-at", "not a date"],
      ["notify", "deliver", "direct"],
      ["drop", "match-resource", "any"],
    ],
    "bad-request",
    "400",
    "unsupported-conditions",
    [
      ["notify", "expire-at", "not a date"],
      ["drop", "match-resource", "any"],
    ],
  ],
  [
    "actions disabled in [modules.amp]",
    { actions: ["notify", "error"] },
    [
      ["drop", "deliver", "direct"],
      ["notify", "deliver", "direct"],
      ["alert", "deliver", "stored"],
    ],
    "bad-request",
    "400",
    "unsupported-actions",
    [
      ["drop", "deliver", "direct"],
      ["alert", "deliver", "stored"],
    ],
  ],
]

describe("validation (spec §3)", () => {
  it.each(cases)("refuses %s", async (_, config, rules, condition, code, container, listed) => {
    harness = await setup({ config })
    const juliet = harness.host.connect(JULIET_BALCONY)
    const result = await harness.send(ampMessage(JULIET, rules))
    expect(result._tag).toBe("Rejected")
    expect(received(harness.romeo)).toEqual([validationError(condition, code, container, listed)])
    expect(juliet.received).toEqual([])
  })

  it("a refused message is not stored or archived when the recipient is offline", async () => {
    harness = await setup({ mam: true })
    await harness.send(ampMessage(JULIET, [["notify", "deliver", "nowhere"]]))
    expect(harness.host.store.offlineOf(JULIET)).toEqual([])
    expect(harness.host.store.archiveOf(JULIET)).toEqual([])
    expect(harness.romeo.received).toHaveLength(1)
  })

  it("echoes rules exactly as written, including the expire-at text", async () => {
    harness = await setup()
    harness.host.connect(JULIET_BALCONY)
    const rules = [["error", "expire-at", "2029-12-31T23:00:00.500-00:00"]]
    await harness.send(ampMessage(JULIET, rules))
    const reply = received(harness.romeo)[0]
    expect(reply).toContain('value="2029-12-31T23:00:00.500-00:00"')
  })
})
