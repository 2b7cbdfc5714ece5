// Spec §2, §3 and §7 (XEP-0079 §2.2.1, §9): recognising an AMP request on a message from a local
// client, the structural rejections, validation listing every offending rule, and the presence
// check. A refused message gets its error reply here and goes nowhere else.
import { Element } from "@xmpp/xml"
import {
  AMP_NS,
  type AmpRequest,
  parseRequest,
  type ReplyContext,
  readAttribute,
  rulesRevealingPresence,
  type StructuralReason,
  structuralRejectionReply,
  type ValidationKind,
  validationErrorReply,
} from "@xmpp-amp/amp-core"
import * as Effect from "effect/Effect"
import { AmpConfig } from "./Config.js"
import { AmpCounters } from "./Counters.js"
import type { HostRouting } from "./Host.js"
import { Host } from "./HostService.js"
import { logLine } from "./Log.js"

/** Why a request was refused: a structural reason of §2, a validation kind of §3, or §7. */
export type RejectionReason = StructuralReason | ValidationKind | "presence-check"

/** What happened to a message at the door. */
export type Inbound =
  | { readonly _tag: "NotAmp" }
  | { readonly _tag: "Rejected"; readonly reason: RejectionReason }
  | {
      readonly _tag: "Accepted"
      /** The valid request. */
      readonly request: AmpRequest
      /** The host's routing decision. */
      readonly routing: HostRouting
      /** Who replies go to. */
      readonly reply: ReplyContext
      /** The recipient's copy: the message without the sender's `<amp/>` (spec §5). */
      readonly copy: Element
    }

/** The bare JID of a JID (everything before the first `/`). */
export const bareJid = (jid: string): string => {
  const slash = jid.indexOf("/")
  return slash === -1 ? jid : jid.slice(0, slash)
}

/**
 * The message without any `<amp xmlns='http://jabber.org/protocol/amp'/>` child. Built with the
 * Element constructor (which copies the attributes) rather than `xml()`, which also walks them
 * with `Object.entries` and deletes empty ones: this runs for every AMP message.
 */
export const withoutAmp = (message: Element): Element => {
  const copy = new Element(message.name, message.attrs)
  const children = message.children
  let kept = 0
  for (const child of children) if (!isAmpChild(child)) kept += 1
  // The children array made at its final length, not grown by `append` (to 17 slots on the
  // first push): allocated for every AMP message. `append` also made each child's parent the copy.
  const copied: Element["children"] = new Array(kept)
  let at = 0
  for (const child of children) {
    if (isAmpChild(child)) continue
    copied[at] = child
    at += 1
    if (typeof child === "object") child.parent = copy
  }
  copy.children = copied
  return copy
}

const isAmpChild = (child: Element | string): boolean =>
  typeof child !== "string" && child.name === "amp" && child.getNS() === AMP_NS

const reject = (reason: RejectionReason, reply: Element) =>
  Effect.gen(function* () {
    const host = yield* Host
    const counters = yield* AmpCounters
    yield* host.sendToUser(reply)
    yield* counters.increment("requestsRejected")
    yield* logLine("request-rejected", { reason, messageId: readAttribute(reply, "id") ?? "" })
    return { _tag: "Rejected", reason } as const
  })

/** True when the sender may learn the recipient's presence from AMP replies (spec §7). */
const senderMaySeePresence = (sender: string, routing: HostRouting) =>
  Effect.gen(function* () {
    if (routing.kind === "remote-domain") return true
    if (routing.kind === "unknown-user") return false
    if (bareJid(sender) === routing.recipient) return true
    const host = yield* Host
    return yield* host.maySeePresence(bareJid(sender), routing.recipient)
  })

/** Judges a message a local client sent: not AMP, refused (reply sent), or accepted. */
export const inbound = (message: Element, sender: string) =>
  Effect.gen(function* () {
    const host = yield* Host
    const settings = yield* AmpConfig
    const parsed = parseRequest(message, settings.support)
    if (parsed._tag === "NotAmp") return { _tag: "NotAmp" } as Inbound
    if (parsed._tag === "StructuralFailure") {
      const context = { serverDomain: host.domain, sender, id: parsed.id }
      return yield* reject(parsed.reason, structuralRejectionReply(context, parsed.text))
    }
    const reply: ReplyContext = {
      serverDomain: host.domain,
      sender,
      originalTo: readAttribute(message, "to") ?? "",
      id: parsed._tag === "Valid" ? parsed.request.id : parsed.id,
    }
    if (parsed._tag === "ValidationFailure") {
      return yield* reject(parsed.kind, validationErrorReply(reply, parsed.kind, parsed.rules))
    }
    const copy = withoutAmp(message)
    const routing = yield* host.route(copy)
    const revealing = rulesRevealingPresence(parsed.request.rules)
    if (settings.presenceCheck && revealing.length > 0) {
      const allowed = yield* senderMaySeePresence(sender, routing)
      if (!allowed) {
        const refusal = validationErrorReply(reply, "not-acceptable", revealing)
        return yield* reject("presence-check", refusal)
      }
    }
    const counters = yield* AmpCounters
    yield* counters.increment("requestsAccepted")
    return { _tag: "Accepted", request: parsed.request, routing, reply, copy } as Inbound
  })
