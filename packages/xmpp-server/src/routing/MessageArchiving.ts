// XEP-0313 archiving as part of routing: the sender's copy (outgoing) in a local sender's
// archive and the recipient's copy (incoming) in a local recipient's archive, then the
// XEP-0359 `<stanza-id/>` on the message the recipient gets. A `<stanza-id/>` claiming to be
// by the recipient's archive is removed first (XEP-0359 §5: it cannot be trusted).
import type { ServerCore } from "../core/ServerCore.js"
import { parseJid } from "../jid/Jid.js"
import type { MessageRoutedEvent } from "../modules/ServerModule.js"
import { type XmlElement, xml } from "../xml/Xml.js"
import type { RouteDecision } from "./RouteDecision.js"
import { deliverFromServer } from "./ServerDelivery.js"
import { errorReply } from "./StanzaError.js"

/** XEP-0359 unique and stable stanza IDs. */
export const NS_STANZA_ID = "urn:xmpp:sid:0"

/** Bounces a message only the archive would have kept (RFC 6121 §8.5.2.2.1). */
const bounceUnkept = (
  core: ServerCore,
  stanza: XmlElement,
  decision: RouteDecision,
  text: string,
): void => {
  if (decision.kind !== "none" || decision.bounce === undefined) return
  const reply = errorReply(stanza, decision.bounce, { text })
  if (reply !== undefined) deliverFromServer(core, reply)
}

/** Archives both copies when the archive takes them; true when the recipient's copy was archived. */
export const archiveCopies = (core: ServerCore, event: MessageRoutedEvent): boolean => {
  const archive = core.modules.stores.archive
  if (archive === undefined) return false
  const { stanza, to, from, decision } = event
  const local = decision.kind === "sessions" || decision.reason === "no-available-session"
  // A message to one's own account is archived once, as the incoming copy.
  const toSelf = from !== undefined && from.bare === to.bare
  if (from !== undefined && local && !toSelf && archive.accepts(from.username, to.bare, stanza))
    archive.archive(from.username, stanza, "outgoing", event.key)
  if (!local) return false
  stanza.children = stanza.children.filter(
    (child) =>
      typeof child === "string" ||
      !(
        child.name === "stanza-id" &&
        child.attrs.xmlns === NS_STANZA_ID &&
        child.attrs.by === to.bare
      ),
  )
  if (!event.wouldArchive || to.local === undefined) return false
  // Crash safety: when the archive is all that keeps the message (no session, no offline
  // storage), the sender's XEP-0198 ack waits for the archive's durable commit.
  const onlyKeeper = decision.kind === "none" && !event.wouldStoreOffline
  const handedOn = onlyKeeper ? core.sm.current?.begin() : undefined
  // A copy the archive refuses only at its commit (its owner's archive turned out full, or the
  // write failed) bounces then when nothing else keeps it, as a refusal known at once does.
  let queued = false
  const result = archive.archive(to.local, stanza, "incoming", event.key, (outcome) => {
    handedOn?.()
    if (queued && onlyKeeper && !outcome.ok) bounceUnkept(core, stanza, decision, outcome.text)
  })
  queued = true
  if (!result.ok) return false
  stanza.append(xml("stanza-id", { xmlns: NS_STANZA_ID, by: to.bare, id: result.key }))
  return true
}

/** The bare JID of a stanza's sender (the server domain when it has no usable `from`). */
export const senderBare = (core: ServerCore, from: string | undefined): string =>
  parseJid(from ?? "")?.bare ?? core.domain
