// Spec §4 "The outcome path": from the server's routing decision (RFC 6121 §8.5) to the ordered
// sub-list of direct → stored → none a message can take, and how it is stored.

/** Where a message can end up (XEP-0079 §3.3.1 values that this server can produce). */
export type Outcome = "direct" | "stored" | "none"

/** Which sessions routing delivers the message to (decides `match-resource`, spec §4). */
export type SessionRouting =
  /** A full JID whose resource has a session: `exact` and `any` match. */
  | "addressed-resource"
  /** Other resources (bare JID, or an absent resource): `other` and `any` match. */
  | "other-resources"
  /** No session to deliver to: no `match-resource` value matches. */
  | "none"

/** The server's routing decision for one message, before anything is carried out. */
export interface RoutingDecision {
  /** Which sessions the message goes to. */
  readonly sessions: SessionRouting
  /** Offline storage would keep it when there is no session or delivery fails. */
  readonly wouldStoreOffline: boolean
  /** MAM would archive the recipient's copy. */
  readonly wouldArchive: boolean
}

/** How a message is kept for later: the offline store, only the MAM archive, or not at all. */
export type Storage = "offline" | "archive" | "nowhere"

/** The storage that makes the `stored` outcome (offline storage wins when both are on). */
export const storageOf = (routing: RoutingDecision): Storage =>
  routing.wouldStoreOffline ? "offline" : routing.wouldArchive ? "archive" : "nowhere"

const FULL_PATH: readonly Outcome[] = ["direct", "stored", "none"]
const DIRECT_NONE: readonly Outcome[] = ["direct", "none"]
const STORED_NONE: readonly Outcome[] = ["stored", "none"]
const ONLY_NONE: readonly Outcome[] = ["none"]

/** The ordered outcome path of a routing decision (spec §4); a shared, read-only list. */
export const outcomePath = (routing: RoutingDecision): readonly Outcome[] => {
  const stores = storageOf(routing) !== "nowhere"
  if (routing.sessions === "none") return stores ? STORED_NONE : ONLY_NONE
  return stores ? FULL_PATH : DIRECT_NONE
}

const EXACT_ANY: readonly string[] = ["exact", "any"]
const OTHER_ANY: readonly string[] = ["other", "any"]
const NO_VALUES: readonly string[] = []

/** The `match-resource` values met for a routing decision (decided at `initial`, spec §4). */
export const matchedResourceValues = (sessions: SessionRouting): readonly string[] => {
  switch (sessions) {
    case "addressed-resource":
      return EXACT_ANY
    case "other-resources":
      return OTHER_ANY
    case "none":
      return NO_VALUES
  }
}
