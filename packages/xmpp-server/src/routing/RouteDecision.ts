// Where a message goes (RFC 6121 §8.5), decided before it is carried out so that modules
// (AMP, offline storage, archives) can see it and act on it.
import type { Session } from "../session/Session.js"

/** RFC 6120 §8.3.3 stanza error conditions the router bounces with. */
export type BounceCondition = "service-unavailable" | "remote-server-not-found" | "item-not-found"

/**
 * `sessions`: delivered to these sessions. `match` says how: `exact` for a full JID whose
 * resource is online, `other` for a bare JID (or a full JID whose resource is absent,
 * handled as the bare JID).
 * `none`: no session takes it. `reason` says why; `bounce` is the error the sender gets if
 * no module handles the message (undefined: dropped silently, e.g. a headline or an error).
 */
export type RouteDecision =
  | {
      readonly kind: "sessions"
      readonly sessions: ReadonlyArray<Session>
      readonly match: "exact" | "other"
    }
  | {
      readonly kind: "none"
      readonly reason:
        | "no-available-session"
        | "unknown-user"
        | "remote-domain"
        | "invalid-recipient"
      readonly bounce: BounceCondition | undefined
    }
