// XEP-0352 client state indication: while a client says it is `<inactive/>`, the server keeps
// back stanzas it does not need at once (presence updates, chat-state-only messages) and
// writes them when the client says `<active/>`, or just before an important stanza so the
// order stays consistent. Only the latest held stanza per kind and sender is kept, so memory
// stays bounded however long the client sleeps.
import type { XmlElement } from "../xml/Xml.js"

/** XEP-0352 namespace. */
export const NS_CSI = "urn:xmpp:csi:0"
const NS_CHATSTATES = "http://jabber.org/protocol/chatstates"
const subscriptionTypes = new Set(["subscribe", "subscribed", "unsubscribe", "unsubscribed"])

/** True when the stanza may wait while the client is inactive. */
export const canWait = (stanza: XmlElement): boolean => {
  if (stanza.name === "presence")
    return !subscriptionTypes.has(stanza.attrs.type ?? "") && stanza.attrs.type !== "error"
  if (stanza.name !== "message" || stanza.getChild("body") !== undefined) return false
  const children = stanza.getChildElements()
  return children.length > 0 && children.every((child) => child.attrs.xmlns === NS_CHATSTATES)
}

/** A held stanza with its serialisation. */
export interface Held {
  readonly stanza: XmlElement
  readonly text: string
}

/** The CSI state of one session. */
export class CsiState {
  inactive = false
  private readonly held = new Map<string, Held>()

  /** Keeps `stanza` back, replacing an older one of the same kind from the same sender. */
  hold(stanza: XmlElement, text: string): void {
    const key = `${stanza.name}\u0000${stanza.attrs.from ?? ""}`
    this.held.delete(key)
    this.held.set(key, { stanza, text })
  }

  /** Takes every held stanza out, oldest first. */
  release(): Array<Held> {
    const all = [...this.held.values()]
    this.held.clear()
    return all
  }
}
