// Splits an XMPP byte stream (RFC 6120 §4) into top-level stanzas for the load generator:
// tracks element depth below `<stream:stream>` and hands out each complete child as text.
// Deliberately minimal (no entity, DTD or namespace handling): a load generator must be
// cheap, and servers under test send well-formed XML.
import { StringDecoder } from "node:string_decoder"

/** What the framer reports. */
export type FrameEvent =
  | { readonly kind: "stream-open"; readonly header: string }
  | { readonly kind: "stanza"; readonly xml: string }
  | { readonly kind: "stream-close" }

/** Finds the `>` that ends the tag starting at `start`, skipping quoted attribute values. */
const tagEnd = (text: string, start: number): number => {
  let quote = ""
  for (let index = start + 1; index < text.length; index++) {
    const character = text[index]
    if (quote !== "") {
      if (character === quote) quote = ""
    } else if (character === '"' || character === "'") {
      quote = character
    } else if (character === ">") {
      return index
    }
  }
  return -1
}

/** A stateful framer: `push` bytes, get the complete events so far. */
export class XmlFramer {
  private decoder = new StringDecoder("utf8")
  private buffer = ""
  private position = 0
  private depth = 0
  private stanzaStart = -1

  /** Forgets everything (after STARTTLS or SASL success a new stream starts). */
  reset(): void {
    this.decoder = new StringDecoder("utf8")
    this.buffer = ""
    this.position = 0
    this.depth = 0
    this.stanzaStart = -1
  }

  /** Feeds bytes; returns the events they complete. */
  push(chunk: Buffer): ReadonlyArray<FrameEvent> {
    this.buffer += this.decoder.write(chunk)
    const events: Array<FrameEvent> = []
    for (;;) {
      const open = this.buffer.indexOf("<", this.position)
      if (open === -1) {
        this.position = this.buffer.length
        break
      }
      const close = tagEnd(this.buffer, open)
      if (close === -1) {
        this.position = open
        break
      }
      this.position = close + 1
      const second = this.buffer[open + 1]
      if (second === "?" || second === "!") continue
      if (second === "/") {
        this.depth--
        if (this.depth === 0) events.push({ kind: "stream-close" })
        else if (this.depth === 1) this.emit(events, close)
        continue
      }
      const selfClosing = this.buffer[close - 1] === "/"
      if (this.depth === 0) {
        this.depth = 1
        events.push({ kind: "stream-open", header: this.buffer.slice(open, close + 1) })
        continue
      }
      if (this.depth === 1) this.stanzaStart = open
      if (selfClosing) {
        if (this.depth === 1) this.emit(events, close)
      } else {
        this.depth++
      }
    }
    this.compact()
    return events
  }

  private emit(events: Array<FrameEvent>, close: number): void {
    events.push({ kind: "stanza", xml: this.buffer.slice(this.stanzaStart, close + 1) })
    this.stanzaStart = -1
  }

  /** Drops text no pending stanza needs, so the buffer does not grow without bound. */
  private compact(): void {
    const keepFrom = this.stanzaStart === -1 ? this.position : this.stanzaStart
    if (keepFrom === 0) return
    this.buffer = this.buffer.slice(keepFrom)
    this.position -= keepFrom
    if (this.stanzaStart !== -1) this.stanzaStart -= keepFrom
  }
}

/** The value of attribute `name` on the root element of `xml` (entities not decoded). */
export const attributeOf = (xml: string, name: string): string | undefined => {
  const end = tagEnd(xml, 0)
  const tag = xml.slice(0, end === -1 ? xml.length : end)
  const match = new RegExp(`\\s${name}=(?:'([^']*)'|"([^"]*)")`).exec(tag)
  return match === null ? undefined : (match[1] ?? match[2])
}

/** The local name of the root element of `xml` (prefix removed). */
export const elementNameOf = (xml: string): string => {
  const match = /^<(?:[\w.-]+:)?([\w.-]+)/.exec(xml)
  return match?.[1] ?? ""
}

/** The text between `<name ...>` and `</name>` inside `xml`, if present. */
export const childTextOf = (xml: string, name: string): string | undefined => {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`).exec(xml)
  return match?.[1]
}
