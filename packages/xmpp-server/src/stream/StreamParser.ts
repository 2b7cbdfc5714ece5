// The incoming side of an RFC 6120 stream (or RFC 7395 WebSocket framing) on top of our strict
// XML tokenizer (src/xml/XmlTokenizer.ts), with the protections RFC 6120 §11 asks for: no DTDs,
// no entity expansion beyond the five predefined entities, no processing instructions or
// comments (`restricted-xml`), malformed XML (duplicate attributes and undeclared prefixes
// included) and characters XML 1.0 forbids (`not-well-formed`),
// stanzas above the size limit (UTF-8 bytes, counted as they arrive, before the stanza is
// complete, and likewise any unfinished markup between stanzas) or nested too deeply
// (`policy-violation`).

import { type XmlElement, XmlElementClass } from "../xml/Xml.js"
import { type TokenHandler, XmlSyntaxError, XmlTokenizer } from "../xml/XmlTokenizer.js"
import { NS_CLIENT, NS_FRAMING } from "./Namespaces.js"
import type { StreamErrorCondition } from "./StreamError.js"

/**
 * Adds a child to an element being parsed. ltx's `append` takes a rest-argument array and its
 * first `push` grows the empty children array to 17 slots (about 150 bytes); most parsed
 * elements have one or two children (a message's body, a body's text, `<amp/>`'s rule), so
 * those are made at their size and only a third child grows the array (heap profiles in
 * docs/performance.md, perf24c).
 */
const addChild = (parent: XmlElement, child: XmlElement | string): void => {
  const children = parent.children
  const count = children.length
  if (count === 0) parent.children = [child]
  else if (count === 1) parent.children = [children[0] as XmlElement | string, child]
  else children.push(child)
}

/** What the parser reports, in order. */
export interface StreamParserHandlers {
  /** The stream header (`<stream:stream>`) or the WebSocket `<open/>`, with its attributes. */
  readonly onOpen: (name: string, attrs: Readonly<Record<string, string>>) => void
  /** One complete top-level element (stanza or negotiation element). */
  readonly onElement: (element: XmlElement) => void
  /** The peer closed the stream (`</stream:stream>` or `<close/>`). */
  readonly onClose: () => void
  /** The input broke a rule; the stream must end with this stream error. */
  readonly onError: (condition: StreamErrorCondition, text: string) => void
}

/** `stream`: RFC 6120 over TCP; `websocket`: RFC 7395, one whole element per message. */
export type Framing = "stream" | "websocket"

const websocketRoot = "<websocket-frames>"
/** A WebSocket message that can hold one whole element (whitespace-only ones are let through). */
const endsWithTag = /^\s*$|>\s*$/

/**
 * Elements a stanza may nest below the stream root. Deeper trees are refused: serialising
 * one recurses per level, and a few thousand levels overflow the stack (found by fuzzing).
 * Real stanzas, even carbons of forwarded MAM results with XHTML-IM, stay far below.
 */
export const maxStanzaDepth = 128

/**
 * XML 1.0 §2.2: control characters other than tab, newline and carriage return, and U+FFFE
 * and U+FFFF, may not appear (not even as character references, which the tokenizer already
 * refuses). Passed on, they would break the recipient's parser and end its session.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const forbiddenCharacter = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/

/** UTF-8 length: the size limit counts bytes on the wire, not UTF-16 code units. */
const bytesOf = (text: string): number => Buffer.byteLength(text, "utf8")

/**
 * A streaming parser for one stream (a restart makes a new one). Not re-entrant: after an
 * error it ignores further input.
 */
export class StreamParser implements TokenHandler {
  private root: XmlElement | null = null
  private cursor: XmlElement | null = null
  private readonly tokenizer = new XmlTokenizer(this)
  private depth = 0
  private stanzaBytes = 0
  private bytesSinceBoundary = 0
  /** Set when the stream header or a top-level element ended during the current write. */
  private crossedBoundary = false
  /** True while parsing a chunk of ASCII only, where lengths are byte counts (the usual case). */
  private asciiChunk = true
  private failed = false
  private closed = false
  /**
   * Prefixes the stream header declares besides `stream` (rare): in scope for every stanza, so
   * each stanza gets their declarations, or it would be forwarded using undeclared prefixes.
   */
  private inherited: Array<readonly [string, string]> = []

  constructor(
    private readonly handlers: StreamParserHandlers,
    private readonly framing: Framing,
    private readonly maxStanzaBytes: number,
  ) {
    if (framing === "websocket") this.tokenizer.write(websocketRoot)
  }

  /** Feeds received text (a TCP chunk or one WebSocket message). */
  write(received: string): void {
    if (this.failed || this.closed) return
    // RFC 7395 §3.3.3: a message is one whole element, so it ends with `>`. Without this check
    // a message of bare text was buffered silently, waiting for a `<` that never came.
    if (this.framing === "websocket" && !endsWithTag.test(received)) {
      this.fail("not-well-formed", "a WebSocket message must hold exactly one complete element")
      return
    }
    const data = received
    if (forbiddenCharacter.test(data)) {
      this.fail("not-well-formed", "a character XML does not allow")
      return
    }
    const bytes = bytesOf(data)
    this.asciiChunk = bytes === data.length
    this.bytesSinceBoundary += bytes
    this.crossedBoundary = false
    try {
      this.tokenizer.write(data)
    } catch (error) {
      if (error instanceof XmlSyntaxError) this.fail(error.condition, error.message)
      else this.fail("not-well-formed", error instanceof Error ? error.message : "malformed XML")
      return
    }
    if (this.failed) return
    // What follows the last boundary in this chunk is still buffered and counts too (else a
    // stanza's end followed by a large unfinished tail in the same chunk went uncounted). The
    // tail after the last `>` is a lower bound of it; later chunks add to it.
    if (this.crossedBoundary)
      this.bytesSinceBoundary = bytesOf(data.slice(data.lastIndexOf(">") + 1))
    // Also outside stanzas: an unterminated tag or attribute (or one the tokenizer waits on,
    // like `<a b/>`) would otherwise be buffered without end.
    if (this.bytesSinceBoundary > this.maxStanzaBytes) {
      this.fail(
        "policy-violation",
        this.depth > 1
          ? `stanza larger than ${this.maxStanzaBytes} bytes`
          : `more than ${this.maxStanzaBytes} bytes without a complete element`,
      )
      return
    }
    if (this.framing === "websocket" && this.depth !== 1 && !this.closed)
      this.fail("not-well-formed", "a WebSocket message must hold exactly one complete element")
  }

  onStartElement(name: string, attrs: Record<string, string>): void {
    if (this.failed) return
    // The tokenizer makes a fresh attributes object per tag and lets go of it: the element takes
    // it as it is rather than copying it into one of its own (a copy per element parsed).
    const element = new XmlElementClass(name)
    element.attrs = attrs
    this.depth += 1
    if (this.depth === 1) {
      this.root = element
      this.cursor = element
      this.bytesSinceBoundary = 0
      this.crossedBoundary = true
      if (this.framing === "stream") {
        for (const key in attrs)
          if (key.startsWith("xmlns:") && key !== "xmlns:stream")
            this.inherited.push([key, attrs[key] ?? ""])
        this.handlers.onOpen(name, attrs)
      }
      return
    }
    if (this.depth > maxStanzaDepth + 1) {
      this.fail("policy-violation", `elements nested deeper than ${maxStanzaDepth} levels`)
      return
    }
    if (this.depth === 2) {
      this.stanzaBytes = 0
      if (element.attrs.xmlns === undefined) element.attrs.xmlns = NS_CLIENT
      for (const [key, value] of this.inherited)
        if (element.attrs[key] === undefined) element.attrs[key] = value
    }
    this.stanzaBytes += this.sizeOf(name) * 2 + 5
    for (const key in attrs)
      this.stanzaBytes += this.sizeOf(key) + this.sizeOf(attrs[key] ?? "") + 4
    if (this.stanzaBytes > this.maxStanzaBytes) {
      this.fail("policy-violation", `stanza larger than ${this.maxStanzaBytes} bytes`)
      return
    }
    if (this.depth > 2 && this.cursor !== null) {
      addChild(this.cursor, element)
      element.parent = this.cursor
    }
    this.cursor = element
  }

  onEndElement(name: string): void {
    if (this.failed) return
    const cursor = this.cursor
    if (cursor === null || name !== cursor.name) {
      this.fail("not-well-formed", `${name} closes nothing open`)
      return
    }
    this.depth -= 1
    if (this.depth === 0) {
      this.closed = true
      this.handlers.onClose()
      return
    }
    if (this.depth === 1) {
      this.cursor = this.root
      this.bytesSinceBoundary = 0
      this.crossedBoundary = true
      if (this.framing === "websocket") {
        this.websocketElement(cursor)
        return
      }
      cursor.parent = this.root
      this.handlers.onElement(cursor)
      return
    }
    this.cursor = cursor.parent
  }

  onText(text: string): void {
    if (this.failed) return
    if (this.depth < 2) {
      if (text.trim() === "") return
      this.fail("not-well-formed", "text outside a stanza")
      return
    }
    this.stanzaBytes += this.sizeOf(text)
    if (this.stanzaBytes > this.maxStanzaBytes) {
      this.fail("policy-violation", `stanza larger than ${this.maxStanzaBytes} bytes`)
      return
    }
    if (this.cursor !== null) addChild(this.cursor, text)
  }

  /** UTF-8 size of a parsed piece; its length when the chunk was ASCII (saves a scan per piece). */
  private sizeOf(text: string): number {
    return this.asciiChunk ? text.length : bytesOf(text)
  }

  private websocketElement(element: XmlElement): void {
    const namespace = element.attrs.xmlns
    if (namespace === NS_FRAMING && element.name === "open") {
      const attrs: Record<string, string> = {}
      for (const key in element.attrs) {
        const value = element.attrs[key]
        if (value !== undefined) attrs[key] = value
      }
      this.handlers.onOpen(element.name, attrs)
      return
    }
    if (namespace === NS_FRAMING && element.name === "close") {
      this.closed = true
      this.handlers.onClose()
      return
    }
    element.parent = null
    this.handlers.onElement(element)
  }

  private fail(condition: StreamErrorCondition, text: string): void {
    if (this.failed) return
    this.failed = true
    this.handlers.onError(condition, text)
  }
}
