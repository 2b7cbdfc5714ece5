// Spec §4 as a table: each routing scenario (outcome path and storage) × event sequence ×
// one `deliver` rule (value × action) → the event at which the rule fires, or never.
import type { AmpEvent } from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"
import { routing, rules, run } from "./support/resolver.js"

type At = AmpEvent | null
/** For one deliver value: where a notify rule fires, and where a blocking rule fires. */
type Expectation = readonly [notify: At, blocking: At]

interface Scenario {
  readonly name: string
  readonly routing: ReturnType<typeof routing>
  readonly events: readonly AmpEvent[]
  readonly direct: Expectation
  readonly stored: Expectation
  readonly none: Expectation
}

const never: Expectation = [null, null]

const scenarios: readonly Scenario[] = [
  {
    name: "session, no storage, delivered",
    routing: routing("addressed-resource", false, false),
    events: ["initial", "delivered"],
    direct: ["delivered", "initial"],
    stored: never,
    none: never,
  },
  {
    name: "session, no storage, delivery failed",
    routing: routing("addressed-resource", false, false),
    events: ["initial", "delivery-failed"],
    direct: [null, "initial"],
    stored: never,
    none: ["delivery-failed", "delivery-failed"],
  },
  {
    name: "session + offline storage, delivery failed, stored",
    routing: routing("other-resources", true, false),
    events: ["initial", "delivery-failed", "stored"],
    direct: [null, "initial"],
    stored: ["stored", "delivery-failed"],
    none: never,
  },
  {
    name: "session + offline storage, delivery failed, store failed",
    routing: routing("other-resources", true, false),
    events: ["initial", "delivery-failed", "store-failed"],
    direct: [null, "initial"],
    stored: [null, "delivery-failed"],
    none: ["store-failed", "store-failed"],
  },
  {
    name: "session + offline storage, delivered",
    routing: routing("addressed-resource", true, false),
    events: ["initial", "delivered"],
    direct: ["delivered", "initial"],
    stored: never,
    none: never,
  },
  {
    name: "no session, offline storage, stored",
    routing: routing("none", true, false),
    events: ["initial", "stored"],
    direct: never,
    stored: ["stored", "initial"],
    none: never,
  },
  {
    name: "no session, offline storage, store failed",
    routing: routing("none", true, false),
    events: ["initial", "store-failed"],
    direct: never,
    stored: [null, "initial"],
    none: ["store-failed", "store-failed"],
  },
  {
    name: "no session, no storage",
    routing: routing("none", false, false),
    events: ["initial"],
    direct: never,
    stored: never,
    none: ["initial", "initial"],
  },
  {
    name: "no session, MAM only, archived",
    routing: routing("none", false, true),
    events: ["initial", "archived"],
    direct: never,
    stored: ["archived", "initial"],
    none: never,
  },
  {
    name: "no session, MAM only, archive failed",
    routing: routing("none", false, true),
    events: ["initial", "archive-failed"],
    direct: never,
    stored: [null, "initial"],
    none: ["archive-failed", "archive-failed"],
  },
  {
    name: "session, MAM only, archived, delivery failed",
    routing: routing("addressed-resource", false, true),
    events: ["initial", "archived", "delivery-failed"],
    direct: [null, "initial"],
    stored: ["delivery-failed", "delivery-failed"],
    none: never,
  },
  {
    name: "session, MAM only, delivery failed, then archived",
    routing: routing("addressed-resource", false, true),
    events: ["initial", "delivery-failed", "archived"],
    direct: [null, "initial"],
    stored: ["archived", "delivery-failed"],
    none: never,
  },
  {
    name: "session, MAM only, archive failed, delivery failed",
    routing: routing("addressed-resource", false, true),
    events: ["initial", "archive-failed", "delivery-failed"],
    direct: [null, "initial"],
    stored: never,
    none: ["delivery-failed", "delivery-failed"],
  },
  {
    name: "session, MAM only, archived, delivered",
    routing: routing("other-resources", false, true),
    events: ["initial", "archived", "delivered"],
    direct: ["delivered", "initial"],
    stored: never,
    none: never,
  },
  {
    name: "session, MAM + offline, archived, delivery failed, stored",
    routing: routing("addressed-resource", true, true),
    events: ["initial", "archived", "delivery-failed", "stored"],
    direct: [null, "initial"],
    stored: ["stored", "delivery-failed"],
    none: never,
  },
  {
    name: "session, MAM + offline, archived, delivery failed, store failed",
    routing: routing("addressed-resource", true, true),
    events: ["initial", "archived", "delivery-failed", "store-failed"],
    direct: [null, "initial"],
    stored: [null, "delivery-failed"],
    none: ["store-failed", "store-failed"],
  },
  {
    name: "no session, MAM + offline, archived, stored",
    routing: routing("none", true, true),
    events: ["initial", "archived", "stored"],
    direct: never,
    stored: ["stored", "initial"],
    none: never,
  },
  {
    name: "no session, MAM + offline, archive failed, stored",
    routing: routing("none", true, true),
    events: ["initial", "archive-failed", "stored"],
    direct: never,
    stored: ["stored", "initial"],
    none: never,
  },
]

const rows = scenarios.flatMap((scenario) =>
  (["direct", "stored", "none", "forward", "gateway"] as const).flatMap((value) =>
    (["notify", "alert", "drop", "error"] as const).map((action) => {
      const expectation = value === "forward" || value === "gateway" ? never : scenario[value]
      const at = action === "notify" ? expectation[0] : expectation[1]
      return { scenario, value, action, at, label: `${scenario.name}: ${action} ${value}` }
    }),
  ),
)

describe("deliver rules over the event × outcome-path matrix (spec §4)", () => {
  it.each(rows)("$label → fires at $at", ({ scenario, value, action, at }) => {
    const { firings, resolutions } = run(scenario.routing, rules([action, "deliver", value]), [
      ...scenario.events,
    ])
    expect(firings).toEqual(
      at === null ? [] : [{ event: at, index: 0, action, stop: action !== "notify" }],
    )
    const last = resolutions.at(-1)
    expect(last?.state.rules.length === 0 || last?.state.stage !== "finished").toBe(true)
  })
})
