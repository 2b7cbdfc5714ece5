// The hot path of spec §4 (XEP-0079 §2.2.3) without Effect: a valid request with only `deliver`
// and `match-resource` rules, to a local recipient with a session, not archived, allowed by the
// presence check (§7), on which nothing acts before delivery (typically `deliver=direct notify`).
// Plain functions and amp-core's pure functions, and the caller's listener told at the end; every
// other message, and a failed write, goes through the Effect lifecycle, which does exactly the
// same steps (tests check both agree).
import type { Element } from "@xmpp/xml"
import {
  type AmpMessageState,
  type AmpRequest,
  type AmpRule,
  actionReply,
  parseRequest,
  type ReplyContext,
  readAttribute,
  resolve,
  revealsPresence,
  startMessage,
  statusReplyText,
} from "@xmpp-amp/amp-core"
import type { ClientMessageResult } from "./AmpPlugin.js"
import { type ClientMessageListener, tell } from "./ClientMessageListener.js"
import type { AmpSettings } from "./Config.js"
import type { AmpCounterName } from "./Counters.js"
import type { AmpHost, DeliveryListener, HostAnswer, HostRouting } from "./Host.js"
import { bareJid, withoutAmp } from "./Inbound.js"
import type { Accepted } from "./Lifecycle.js"

/** What the fast path needs besides the host. */
export interface FastPathSupport {
  /** The validated `[modules.amp]`. */
  readonly settings: AmpSettings
  /** Adds one to a counter. */
  readonly count: (name: AmpCounterName) => void
  /** Finishes an accepted message whose socket write failed, through the Effect lifecycle. */
  readonly afterFailedWrite: (accepted: Accepted) => Promise<ClientMessageResult>
  /** The full plugin (the Effect lifecycle) for a message the fast path gave up on after a wait. */
  readonly full: (message: Element, sender: string) => Promise<ClientMessageResult>
}

const NOT_AMP: ClientMessageResult = { _tag: "NotAmp" }

const isExpireAt = (rule: AmpRule): boolean => rule.condition === "expire-at"

/** True when a host answered with a promise (or another thenable) rather than the answer itself. */
export const isPending = <A>(answer: HostAnswer<A>): answer is PromiseLike<A> =>
  typeof (answer as { readonly then?: unknown } | null | undefined)?.then === "function"

/** The fast path waits for something and tells the listener itself once it is there. */
export const WAITING: { readonly _tag: "Waiting" } = Object.freeze({ _tag: "Waiting" })

const isWaiting = (answer: FastPathAnswer): answer is typeof WAITING => answer === WAITING

/**
 * The fast path's answer: the result at once when nothing had to wait, a promise of it for the
 * rare steps that return one (a failed write, a reply the host sends later), WAITING when it
 * waits and tells the listener itself (the socket write `deliver=direct` waits for), undefined
 * when the caller must run the full plugin instead (nothing was sent or counted then).
 */
export type FastPathAnswer =
  | ClientMessageResult
  | undefined
  | PromiseLike<ClientMessageResult>
  | typeof WAITING

/** Tells `listener` the fast path's answer, or the full plugin's where it gave up. */
export const answerListener = (
  support: FastPathSupport,
  message: Element,
  sender: string,
  listener: ClientMessageListener,
  answer: FastPathAnswer,
): void => {
  if (isWaiting(answer)) return
  tell(listener, answer === undefined ? support.full(message, sender) : answer)
}

/**
 * Waits for a host's answer, then goes on with `next` and tells the listener; the full plugin's
 * answer where `next` gave up or threw, or the host failed (the same for every wait).
 */
const afterHostAnswer = <A>(
  support: FastPathSupport,
  message: Element,
  sender: string,
  listener: ClientMessageListener,
  pending: PromiseLike<A>,
  next: (value: A) => FastPathAnswer,
): typeof WAITING => {
  pending.then(
    (value) => {
      let answer: FastPathAnswer
      try {
        answer = next(value)
      } catch {
        answer = undefined
      }
      answerListener(support, message, sender, listener, answer)
    },
    () => answerListener(support, message, sender, listener, undefined),
  )
  return WAITING
}

/** Everything a message needs once the route is known, carried in one object. */
interface Context {
  readonly host: AmpHost
  readonly support: FastPathSupport
  readonly message: Element
  readonly sender: string
  readonly listener: ClientMessageListener
}

/**
 * Processes the message when it is on the hot path. Plain functions, not one async function:
 * the work up to the write runs at once, and only what follows the write's confirmation waits
 * for it (one listener object per message, not an async frame and a promise per step; profiled
 * in docs/performance.md). A host answer that is a promise is waited for where it comes.
 */
export const fastPath = (
  host: AmpHost,
  support: FastPathSupport,
  message: Element,
  sender: string,
  listener: ClientMessageListener,
): FastPathAnswer => {
  const parsed = parseRequest(message, support.settings.support)
  if (parsed._tag === "NotAmp") return NOT_AMP
  if (parsed._tag !== "Valid") return undefined
  const { request } = parsed
  if (request.rules.some(isExpireAt)) return undefined
  const copy = withoutAmp(message)
  const routed = host.route(copy)
  const context: Context = { host, support, message, sender, listener }
  return isPending(routed)
    ? afterHostAnswer(support, message, sender, listener, routed, (routing: HostRouting) =>
        afterRoute(context, request, copy, routing, false),
      )
    : afterRoute(context, request, copy, routed, true)
}

/** The presence check (§7) once the routing is known, then the initial resolution. */
const afterRoute = (
  context: Context,
  request: AmpRequest,
  copy: Element,
  routing: HostRouting,
  atOnce: boolean,
): FastPathAnswer => {
  if (routing.kind !== "local-user" || routing.sessions === "none" || routing.wouldArchive)
    return undefined
  const { host, support, sender } = context
  if (support.settings.presenceCheck && request.rules.some(revealsPresence)) {
    if (bareJid(sender) !== routing.recipient) {
      const allowed = host.maySeePresence(bareJid(sender), routing.recipient)
      if (isPending(allowed))
        return afterHostAnswer(
          support,
          context.message,
          sender,
          context.listener,
          allowed,
          (yes: boolean) => (yes ? accept(context, request, copy, routing, false) : undefined),
        )
      if (!allowed) return undefined
    }
  }
  return accept(context, request, copy, routing, atOnce)
}

/**
 * Waits for the write's confirmation as the host's `DeliveryListener` (or on the promise
 * `deliver` answered), then finishes the message and tells the caller's listener: one object
 * per message instead of a promise, its continuation and their closures. Acts on the first
 * confirmation only.
 */
class AwaitedWrite implements DeliveryListener {
  private told = false

  constructor(
    private readonly context: Context,
    private readonly accepted: Accepted,
    private readonly state: AmpMessageState,
  ) {}

  confirmed(written: boolean): void {
    if (this.told) return
    this.told = true
    const { support, message, sender, listener } = this.context
    let answer: FastPathAnswer
    try {
      answer = afterWrite(this.context, this.accepted, this.state, written)
    } catch {
      answer = undefined
    }
    answerListener(support, message, sender, listener, answer)
  }

  /** The same for a promise `deliver` answered (a host without `deliverTo`). */
  awaiting(confirmation: PromiseLike<boolean>): typeof WAITING {
    confirmation.then(
      (written) => this.confirmed(written),
      () => this.confirmed(false),
    )
    return WAITING
  }
}

/**
 * Resolves the initial event; when nothing acts before delivery, accepts the message and
 * writes it. `atOnce`: nothing was waited for since `route` answered, so the host may deliver
 * by that routing instead of deciding again.
 */
const accept = (
  context: Context,
  request: AmpRequest,
  copy: Element,
  routing: HostRouting,
  atOnce: boolean,
): FastPathAnswer => {
  const { host, support, message, sender } = context
  const initial = resolve(startMessage(request.rules, routing), "initial", host.now())
  if (
    initial.fired !== undefined ||
    initial.usedUp.length > 0 ||
    initial.discarded.length > 0 ||
    initial.ended !== undefined ||
    initial.state.stage !== "direct"
  )
    return undefined
  const reply: ReplyContext = {
    serverDomain: host.domain,
    sender,
    originalTo: readAttribute(message, "to") ?? "",
    id: request.id,
  }
  support.count("requestsAccepted")
  const accepted: Accepted = { _tag: "Accepted", request, routing, reply, copy }
  const confirm = support.settings.directConfirm
  const write = new AwaitedWrite(context, accepted, initial.state)
  if (host.deliverTo !== undefined) {
    try {
      host.deliverTo(copy, confirm, atOnce ? routing : undefined, write)
    } catch {
      // A throw counts as a failed write, as from `deliver` (unless the host already told).
      write.confirmed(false)
    }
    return WAITING
  }
  let confirmed: HostAnswer<boolean>
  try {
    confirmed = atOnce ? host.deliver(copy, confirm, routing) : host.deliver(copy, confirm)
  } catch {
    confirmed = false
  }
  return isPending(confirmed)
    ? write.awaiting(confirmed)
    : afterWrite(context, accepted, initial.state, confirmed)
}

/** After the write: the `delivered` event, and the reply of a rule that fired at it. */
const afterWrite = (
  context: Context,
  accepted: Accepted,
  state: AmpMessageState,
  written: boolean,
): FastPathAnswer => {
  const { host, support, message, sender } = context
  if (!written)
    return support.afterFailedWrite(accepted).then(undefined, () => support.full(message, sender))
  const delivered = resolve(state, "delivered", host.now())
  const fired = delivered.fired
  const result: ClientMessageResult = { _tag: "Processed", end: "delivered", copy: accepted.copy }
  if (fired === undefined) return result
  support.count("rulesMatched")
  let sent: HostAnswer<void> | typeof NO_REPLY
  try {
    sent = sendReply(host, accepted.reply, fired)
  } catch {
    // The host could not send the reply; the message itself was delivered.
    return result
  }
  if (sent === NO_REPLY) return result
  if (!isPending(sent)) {
    support.count("notificationsSent")
    return result
  }
  return sent
    .then(
      () => {
        support.count("notificationsSent")
        return result
      },
      () => result,
    )
    .then(undefined, () => support.full(message, sender))
}

/** `sendReply`'s answer for a rule whose action has no reply (`drop`). */
const NO_REPLY: unique symbol = Symbol("no reply")

/**
 * Sends the reply of the rule that fired: a notify or alert reply as text when the host takes
 * text (`sendTextToUser`: no element built and serialized per message), every other reply as
 * the element `actionReply` builds. NO_REPLY when the action has none.
 */
const sendReply = (
  host: AmpHost,
  reply: ReplyContext,
  fired: AmpRule,
): HostAnswer<void> | typeof NO_REPLY => {
  if (host.sendTextToUser !== undefined && (fired.action === "notify" || fired.action === "alert"))
    return host.sendTextToUser(reply.sender, statusReplyText(reply, fired.action, fired))
  const answer = actionReply(reply, fired)
  return answer === undefined ? NO_REPLY : host.sendToUser(answer)
}
