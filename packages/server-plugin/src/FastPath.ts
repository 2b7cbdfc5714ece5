// The hot path of spec §4 (XEP-0079 §2.2.3) without Effect: a valid request with only `deliver`
// and `match-resource` rules, to a local recipient with a session, not archived, allowed by the
// presence check (§7), on which nothing acts before delivery (typically `deliver=direct notify`).
// Plain promises and amp-core's pure functions; every other message, and a failed write, goes
// through the Effect lifecycle, which does exactly the same steps (tests check both agree).
import type { Element } from "@xmpp/xml"
import {
  actionReply,
  parseRequest,
  type ReplyContext,
  readAttribute,
  resolve,
  rulesRevealingPresence,
  startMessage,
} from "@xmpp-amp/amp-core"
import type { ClientMessageResult } from "./AmpPlugin.js"
import type { AmpSettings } from "./Config.js"
import type { AmpCounterName } from "./Counters.js"
import type { AmpHost, HostAnswer } from "./Host.js"
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
}

const NOT_AMP: ClientMessageResult = { _tag: "NotAmp" }

/** True when a host answered with a promise (or another thenable) rather than the answer itself. */
const isPending = <A>(answer: HostAnswer<A>): answer is PromiseLike<A> =>
  typeof (answer as { readonly then?: unknown } | null | undefined)?.then === "function"

/**
 * Processes the message when it is on the hot path and resolves its result; resolves undefined
 * when the caller must run the full plugin instead (nothing was sent or counted then).
 */
export const fastPath = async (
  host: AmpHost,
  support: FastPathSupport,
  message: Element,
  sender: string,
): Promise<ClientMessageResult | undefined> => {
  const { settings, count } = support
  const parsed = parseRequest(message, settings.support)
  if (parsed._tag === "NotAmp") return NOT_AMP
  if (parsed._tag !== "Valid") return undefined
  const { request } = parsed
  if (request.rules.some((rule) => rule.condition === "expire-at")) return undefined
  const copy = withoutAmp(message)
  // Awaited only when the host answered with a promise: each await is a turn of the event loop
  // and a few objects per message.
  const routed = host.route(copy)
  const routing = isPending(routed) ? await routed : routed
  if (routing.kind !== "local-user" || routing.sessions === "none" || routing.wouldArchive)
    return undefined
  if (settings.presenceCheck && rulesRevealingPresence(request.rules).length > 0) {
    const own = bareJid(sender) === routing.recipient
    if (!own) {
      const allowed = host.maySeePresence(bareJid(sender), routing.recipient)
      if (!(isPending(allowed) ? await allowed : allowed)) return undefined
    }
  }
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
  count("requestsAccepted")
  let written: boolean
  try {
    const confirmed = host.deliver(copy, settings.directConfirm)
    written = isPending(confirmed) ? await confirmed : confirmed
  } catch {
    written = false
  }
  if (!written) {
    return support.afterFailedWrite({ _tag: "Accepted", request, routing, reply, copy })
  }
  const delivered = resolve(initial.state, "delivered", host.now())
  const fired = delivered.fired
  const result: ClientMessageResult = { _tag: "Processed", end: "delivered", copy }
  if (fired === undefined) return result
  count("rulesMatched")
  const answer = actionReply(reply, fired)
  if (answer !== undefined) {
    // try/await rather than .then/.catch: two promises and closures fewer per message.
    try {
      const sent = host.sendToUser(answer)
      if (isPending(sent)) await sent
      count("notificationsSent")
    } catch {
      // The host could not send the reply; the message itself was delivered.
    }
  }
  return result
}
