// Test support: the stanzas a push-enabled account receives, built as real XMPP XML.
import type { Element } from "@xmpp/xml"
import { parseXml } from "./xml.js"

/** A chat message from `from` to `to` with `body`. */
export const chat = (from: string, to: string, body: string): Element =>
  parseXml(`<message type='chat' from='${from}' to='${to}'><body>${body}</body></message>`)

/** A XEP-0085 chat state notification (unimportant). */
export const composing = (from: string, to: string): Element =>
  parseXml(
    `<message type='chat' from='${from}' to='${to}'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`,
  )

/** A presence from `from` (unimportant). */
export const presence = (from: string, to: string): Element =>
  parseXml(`<presence from='${from}' to='${to}'/>`)

/** An OMEMO 2 encrypted message without a body (important). */
export const omemo = (from: string, to: string): Element =>
  parseXml(
    `<message type='chat' from='${from}' to='${to}'><encrypted xmlns='urn:xmpp:omemo:2'><header sid='1'/><payload>AAAA</payload></encrypted></message>`,
  )
