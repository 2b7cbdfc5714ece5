// The host events the push business rules react to (project push spec, "When to push"): session
// life (XEP-0198 ack delay and hibernation, XEP-0352 client state), message storage (XEP-0313
// archive, offline storage), app server answers (XEP-0357 §7.1), enable/disable IQs and time.
import type { Element } from "@xmpp/xml"
import type { StanzaErrorType } from "./PushRequestError.js"
import type { ClientState, SessionId, StoredRegistration } from "./PushState.js"

/** A stanza the host queued for a session, with the host's identity for the message. */
export interface QueuedStanza {
  /** The host's id for this message, the same whether it is queued, archived or stored offline. */
  readonly id: string
  /** The stanza as it would be delivered. */
  readonly stanza: Element
  /** Whether CSI held it back; absent lets the session's CSI state decide. */
  readonly heldBack?: boolean
}

/** What the app server answered to a push (XEP-0357 §7.1). */
export type PushOutcome =
  | { readonly type: "result" }
  | { readonly type: "error"; readonly errorType: StanzaErrorType; readonly condition?: string }
  | { readonly type: "timeout" }

/** What another node of a cluster did with a registration (its decisions, shared). */
export type RegistrationChangeElsewhere = "saved" | "removed" | "bound" | "unbound"

/** Everything the host tells the rules. */
export type PushEvent =
  | { readonly type: "session-opened"; readonly session: SessionId; readonly jid: string }
  | ({ readonly type: "stanza-queued"; readonly session: SessionId } & QueuedStanza)
  | {
      readonly type: "session-ack-delayed"
      readonly session: SessionId
      readonly queue: readonly QueuedStanza[]
    }
  | { readonly type: "session-acked"; readonly session: SessionId }
  | {
      readonly type: "session-hibernated"
      readonly session: SessionId
      readonly queue: readonly QueuedStanza[]
    }
  | { readonly type: "session-resumed"; readonly session: SessionId }
  | { readonly type: "session-gone"; readonly session: SessionId }
  | {
      readonly type: "client-state-changed"
      readonly session: SessionId
      readonly state: ClientState
    }
  | {
      readonly type: "message-archived"
      readonly user: string
      readonly id: string
      readonly stanza: Element
    }
  | {
      readonly type: "message-stored-offline"
      readonly user: string
      readonly id: string
      readonly stanza: Element
    }
  | { readonly type: "push-answered"; readonly pushId: string; readonly outcome: PushOutcome }
  | { readonly type: "clock-ticked" }
  | {
      /** A session resumed here from another cluster node keeps the registration it had there. */
      readonly type: "registration-adopted"
      readonly session: SessionId
      readonly user: string
      readonly service: string
      readonly node: string
    }
  | {
      readonly type: "registration-changed-elsewhere"
      readonly registration: StoredRegistration
      readonly change: RegistrationChangeElsewhere
    }
  | {
      readonly type: "enable-requested"
      readonly session: SessionId
      readonly user: string
      readonly iq: Element
    }
  | {
      readonly type: "disable-requested"
      readonly session: SessionId
      readonly user: string
      readonly iq: Element
    }

/** The outcome an app server's `<iq type='result'/>` or `<iq type='error'/>` reply stands for. */
export const outcomeOfReply = (reply: Element): PushOutcome => {
  if (reply.attrs.type !== "error") return { type: "result" }
  const error = reply.getChild("error")
  const errorType = error?.attrs.type
  const condition = error?.getChildElements().find((child) => child.name !== "text")?.name
  const type: StanzaErrorType =
    errorType === "auth" ||
    errorType === "continue" ||
    errorType === "modify" ||
    errorType === "wait"
      ? errorType
      : "cancel"
  return condition === undefined
    ? { type: "error", errorType: type }
    : { type: "error", errorType: type, condition }
}
