// What the push rules ask the host to do: send a push (XEP-0357 §7), answer an enable/disable IQ
// (§5, §6), persist or drop a registration, and stretch or restore a XEP-0198 hibernation timeout.
import type { Element } from "@xmpp/xml"
import type { SessionId, StoredRegistration } from "./PushState.js"
import type { NotificationSummary } from "./Summary.js"

/** Why a registration went away. */
export type RemovalReason = "disabled" | "evicted" | "too-many-errors"

/** A push to send now: `iq` is the publish, its `id` is `pushId`. */
export interface PushOrder {
  readonly type: "push"
  /** Id of the publish IQ; report the answer with a `push-answered` event. */
  readonly pushId: string
  /** Bare JID of the account. */
  readonly user: string
  /** App server JID. */
  readonly service: string
  /** App server node. */
  readonly node: string
  /** Whether the push is user-visible (a message worth waking up for). */
  readonly important: boolean
  /** How many stanzas this push stands for (more than one when later ones were folded in). */
  readonly stanzaCount: number
  /** The host's id of the latest stanza this push stands for. */
  readonly latestStanzaId: string
  /** The summary the publish carries. */
  readonly summary: NotificationSummary
  /** The `<iq type='set'/>` publish to route to the app server. */
  readonly iq: Element
}

/** Everything the host is asked to do, in order. */
export type PushDecision =
  | PushOrder
  | { readonly type: "reply"; readonly iq: Element }
  | { readonly type: "registration-saved"; readonly registration: StoredRegistration }
  | {
      readonly type: "registration-removed"
      readonly registration: StoredRegistration
      readonly reason: RemovalReason
    }
  | {
      /** Bound to (or unbound from) a live session here; other cluster nodes need to know. */
      readonly type: "registration-bound"
      readonly registration: StoredRegistration
      readonly bound: boolean
    }
  | {
      readonly type: "hibernation-timeout-extended"
      readonly session: SessionId
      readonly timeoutMs: number
    }
  | { readonly type: "hibernation-timeout-restored"; readonly session: SessionId }
