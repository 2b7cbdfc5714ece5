// A strict streaming XML tokenizer for XMPP streams (RFC 6120 §11): start tags, end tags, text
// and CDATA sections, fed in chunks of any size. It refuses what XML 1.0 and Namespaces in XML
// call not well-formed — duplicate attributes, attributes without whitespace between them or
// without a quoted value, `<` in an attribute value, undefined entities and references to
// characters XML forbids, `]]>` in text, undeclared namespace prefixes — and what RFC 6120
// §11.1 restricts: comments, DTDs and processing instructions (an XML declaration before the
// root element excepted). ltx's tokenizer, used before, let all of these through.
//
// Scanning is resumable: a tag, text, CDATA section or XML declaration split over many chunks
// is searched from where the last chunk stopped, never from its start again, and a chunk that
// cannot end it is only kept, not joined to it, until one can (ltx joined every chunk to the
// whole unfinished rest). The caller limits how much may be buffered (StreamParser's size
// limit counts the unfinished tail).

import { knownText } from "./KnownNames.js"

/** Receives what the tokenizer reads, in document order. */
export interface TokenHandler {
  /** A start tag with its attributes (entity references resolved, values normalised). */
  onStartElement(name: string, attrs: Record<string, string>): void
  /** An end tag; a self-closing tag gives its start and then its end. */
  onEndElement(name: string): void
  /** Character data between tags, or a CDATA section's content. */
  onText(text: string): void
}

/** The stream error an input deserves: malformed XML, or XML that RFC 6120 restricts. */
export type XmlSyntaxCondition = "not-well-formed" | "restricted-xml"

/** Thrown by `write` for input that is not allowed; the tokenizer must not be used after it. */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly condition: XmlSyntaxCondition,
  ) {
    super(message)
    this.name = "XmlSyntaxError"
  }
}

const LESS_THAN = 60
const GREATER_THAN = 62
const SLASH = 47
const BANG = 33
const QUESTION = 63
const EQUALS = 61
const DOUBLE_QUOTE = 34
const SINGLE_QUOTE = 39

const NS_XML = "http://www.w3.org/XML/1998/namespace"

/** Element and attribute names: ASCII XML names with at most one prefix. */
const namePattern = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?$/
const decimalReference = /^#[0-9]{1,7}$/
const hexReference = /^#x[0-9A-Fa-f]{1,6}$/
/** Tab, newline and carriage return in an attribute value become spaces (XML 1.0 §3.3.3). */
const attributeWhitespace = /[\t\n\r]/g
const hasAttributeWhitespace = /[\t\n\r]/

const isSpace = (code: number): boolean => code === 32 || code === 10 || code === 13 || code === 9

const malformed = (message: string): XmlSyntaxError =>
  new XmlSyntaxError(message, "not-well-formed")

const restricted = (message: string): XmlSyntaxError =>
  new XmlSyntaxError(message, "restricted-xml")

/** Where a name starting at `index` ends: at whitespace, `>`, `<` or `also`; or the data's end. */
const endOfName = (data: string, index: number, also: number): number => {
  let end = index
  while (end < data.length) {
    const code = data.charCodeAt(end)
    if (isSpace(code) || code === also || code === GREATER_THAN || code === LESS_THAN) return end
    end += 1
  }
  return end
}

/** XML 1.0 §2.2 `Char`: what a character reference may name. */
const isXmlChar = (code: number): boolean =>
  code === 0x9 ||
  code === 0xa ||
  code === 0xd ||
  (code >= 0x20 && code <= 0xd7ff) ||
  (code >= 0xe000 && code <= 0xfffd) ||
  (code >= 0x10000 && code <= 0x10ffff)

const PREDEFINED: Readonly<Record<string, string>> = {
  lt: "<",
  gt: ">",
  amp: "&",
  quot: '"',
  apos: "'",
}

/** The text a reference between `&` and `;` stands for (RFC 6120 §11.1: no other entities). */
const resolveReference = (reference: string): string => {
  const predefined = Object.hasOwn(PREDEFINED, reference) ? PREDEFINED[reference] : undefined
  if (predefined !== undefined) return predefined
  const code = hexReference.test(reference)
    ? Number.parseInt(reference.slice(2), 16)
    : decimalReference.test(reference)
      ? Number.parseInt(reference.slice(1), 10)
      : undefined
  if (code === undefined) throw malformed(`undefined entity &${reference.slice(0, 40)};`)
  if (!isXmlChar(code))
    throw malformed(`a reference to a character XML does not allow: &${reference};`)
  return String.fromCodePoint(code)
}

/** `raw` with its entity and character references resolved. */
const resolveReferences = (raw: string): string => {
  let ampersand = raw.indexOf("&")
  if (ampersand === -1) return raw
  let out = ""
  let copied = 0
  while (ampersand !== -1) {
    const semicolon = raw.indexOf(";", ampersand + 1)
    if (semicolon === -1) throw malformed("& that starts no reference")
    out += raw.slice(copied, ampersand) + resolveReference(raw.slice(ampersand + 1, semicolon))
    copied = semicolon + 1
    ampersand = raw.indexOf("&", copied)
  }
  return out + raw.slice(copied)
}

/** The tokenizer of one XML document (one stream); not re-entrant after an error. */
export class XmlTokenizer {
  /** Input not yet consumed: the start of an unfinished construct. */
  private buffer = ""
  /** Chunks that came after `buffer` and cannot end its construct, not yet joined to it. */
  private readonly pieces: Array<string> = []
  /** Their total length. */
  private held = 0
  /** The last two characters of the unfinished construct (a `]]>` or `?>` may straddle reads). */
  private tail = ""
  /** Where the search for the end of the unfinished construct resumes, within `buffer`. */
  private scanned = 0
  /** In an unfinished tag: the quote its scan is inside (0 when none). */
  private quote = 0
  /** In an unfinished tag: the last character scanned, spaces aside, was `=`. */
  private afterEquals = false
  private depth = 0
  private started = false
  /** Namespace prefixes declared by open elements, with the depth that declared them. */
  private readonly prefixes: Array<{
    readonly depth: number
    readonly prefix: string
    readonly namespace: string
  }> = []

  constructor(private readonly handler: TokenHandler) {}

  /** Reads a chunk; throws `XmlSyntaxError` at the first thing not allowed. */
  write(chunk: string): void {
    if (this.buffer !== "" && this.holds(chunk)) return
    const data =
      this.buffer === ""
        ? chunk
        : this.pieces.length === 0
          ? this.buffer + chunk
          : this.buffer + this.pieces.join("") + chunk
    let resume = this.scanned
    let pos = 0
    this.buffer = ""
    this.pieces.length = 0
    this.held = 0
    this.scanned = 0
    while (pos < data.length) {
      if (data.charCodeAt(pos) !== LESS_THAN) {
        const lessThan = data.indexOf("<", pos + resume)
        if (lessThan === -1) {
          this.wait(data, pos, data.length - pos)
          return
        }
        this.text(data.slice(pos, lessThan))
        pos = lessThan
        resume = 0
        continue
      }
      const next = data.charCodeAt(pos + 1)
      let end: number
      if (Number.isNaN(next)) {
        this.wait(data, pos, 0)
        return
      }
      if (next === BANG) end = this.markup(data, pos, resume)
      else if (next === QUESTION) end = this.instruction(data, pos, resume)
      else end = this.tag(data, pos, resume)
      if (end === -1) return
      pos = end
      resume = 0
    }
  }

  /** Keeps `data` from `pos` for the next chunk; the search resumes `scanned` further on. */
  private wait(data: string, pos: number, scanned: number): void {
    this.buffer = data.slice(pos)
    this.scanned = scanned
    this.tail = data.slice(-2)
  }

  /**
   * True when `chunk` cannot end the unfinished construct: it is then only kept, not joined to
   * what came before, so a construct dribbled in many small reads is copied once, at its end.
   */
  private holds(chunk: string): boolean {
    const buffer = this.buffer
    const total = this.scanned === buffer.length + this.held
    let holds: boolean
    if (buffer.charCodeAt(0) !== LESS_THAN) holds = total && !chunk.includes("<")
    else if (buffer.startsWith("<![CDATA["))
      holds = total && !`${this.tail}${chunk}`.includes("]]>")
    else if (buffer.startsWith("<?xml")) holds = total && !`${this.tail}${chunk}`.includes("?>")
    else if (buffer.length < 2 || buffer.charCodeAt(1) === BANG || !total) holds = false
    else {
      const quote = this.quote
      const afterEquals = this.afterEquals
      holds = this.scanFrom(chunk, 0) === -1
      if (!holds) {
        this.quote = quote
        this.afterEquals = afterEquals
      }
    }
    if (!holds) return false
    this.pieces.push(chunk)
    this.held += chunk.length
    this.scanned += chunk.length
    this.tail = `${this.tail}${chunk}`.slice(-2)
    return true
  }

  private text(raw: string): void {
    if (raw.includes("]]>")) throw malformed("]]> in text")
    const text = resolveReferences(raw)
    if (text !== "") this.handler.onText(text)
  }

  /** `<!`: a CDATA section, or markup RFC 6120 restricts. Returns the position after it. */
  private markup(data: string, pos: number, resume: number): number {
    const opening = "<![CDATA["
    const available = data.slice(pos, pos + opening.length)
    if (!opening.startsWith(available)) throw restricted("DTDs and comments are not allowed")
    if (available.length < opening.length) {
      this.wait(data, pos, 0)
      return -1
    }
    const close = data.indexOf("]]>", Math.max(pos + opening.length, pos + resume - 2))
    if (close === -1) {
      this.wait(data, pos, Math.max(opening.length, data.length - pos))
      return -1
    }
    const content = data.slice(pos + opening.length, close)
    if (content !== "") this.handler.onText(content)
    return close + 3
  }

  /** `<?`: the XML declaration before the root element; any other is restricted. */
  private instruction(data: string, pos: number, resume: number): number {
    const target = data.slice(pos + 2, pos + 6)
    const declaration = /^xml[\s?]/.test(target)
    if (!declaration) {
      if (target.length < 4 && "xml ".startsWith(target)) {
        this.wait(data, pos, 0)
        return -1
      }
      throw restricted("processing instructions are not allowed")
    }
    if (this.started) throw restricted("an XML declaration after the root element")
    const close = data.indexOf("?>", Math.max(pos + 2, pos + resume - 1))
    if (close === -1) {
      this.wait(data, pos, Math.max(2, data.length - pos))
      return -1
    }
    return close + 2
  }

  /** A start or end tag at `pos`. Returns the position after it, or -1 to wait for more. */
  private tag(data: string, pos: number, resume: number): number {
    const endTag = data.charCodeAt(pos + 1) === SLASH
    // Usually the whole tag is here: read it in one pass.
    if (resume === 0) {
      const after = endTag ? this.endTag(data, pos + 2) : this.startTag(data, pos + 1)
      if (after !== -1) return after
    }
    // The tag goes on in a later chunk: find its `>` by a scan that resumes where it stopped,
    // then read it (a tag dribbled in one byte at a time is not searched again from its start).
    if (!this.scanTag(data, pos, resume)) return -1
    return endTag ? this.endTag(data, pos + 2) : this.startTag(data, pos + 1)
  }

  /**
   * Looks for the `>` that ends the tag at `pos`, from where the last look stopped; a `>` inside
   * a quoted value (a quote after `=`) does not end it. False, with the place saved, if absent.
   */
  private scanTag(data: string, pos: number, resume: number): boolean {
    if (resume === 0) {
      this.quote = 0
      this.afterEquals = false
    }
    if (this.scanFrom(data, pos + Math.max(1, resume)) !== -1) return true
    this.wait(data, pos, data.length - pos)
    return false
  }

  /**
   * Scans a tag's text from `index` for the `>` that ends it, in the state `quote` and
   * `afterEquals` describe, and leaves them as they are at the end: its index, or -1.
   */
  private scanFrom(data: string, start: number): number {
    let quote = this.quote
    let afterEquals = this.afterEquals
    let index = start
    while (index < data.length) {
      if (quote !== 0) {
        const close = data.indexOf(quote === DOUBLE_QUOTE ? '"' : "'", index)
        if (close === -1) {
          index = data.length
          break
        }
        quote = 0
        index = close + 1
        continue
      }
      const code = data.charCodeAt(index)
      if (code === GREATER_THAN) return index
      if (code === LESS_THAN) throw malformed("< inside a tag")
      if (afterEquals && (code === DOUBLE_QUOTE || code === SINGLE_QUOTE)) quote = code
      if (code === EQUALS) afterEquals = true
      else if (!isSpace(code)) afterEquals = false
      index += 1
    }
    this.quote = quote
    this.afterEquals = afterEquals
    return -1
  }

  /** The end tag whose name starts at `from`: the position after its `>`, or -1 if not all here. */
  private endTag(data: string, from: number): number {
    const end = data.indexOf(">", from)
    if (end === -1) return -1
    let nameEnd = from
    while (nameEnd < end && !isSpace(data.charCodeAt(nameEnd))) nameEnd += 1
    const name = knownText(data, from, nameEnd) ?? data.slice(from, nameEnd)
    if (!namePattern.test(name)) throw malformed(`bad element name ${name.slice(0, 100)}`)
    for (let index = nameEnd; index < end; index++)
      if (!isSpace(data.charCodeAt(index))) throw malformed(`junk in the end tag of ${name}`)
    this.close(name)
    return end + 1
  }

  /**
   * The start tag whose name starts at `from`: reports it and returns the position after its
   * `>`, or -1 (reporting nothing) when the data ends first. Throws at the first fault.
   */
  private startTag(data: string, from: number): number {
    const length = data.length
    let index = endOfName(data, from, SLASH)
    if (index === length) return -1
    const name = knownText(data, from, index) ?? data.slice(from, index)
    if (!namePattern.test(name)) throw malformed(`bad element name ${name.slice(0, 100)}`)
    const attrs: Record<string, string> = {}
    let prefixed = name.includes(":")
    let selfClosing = false
    for (;;) {
      const before = index
      while (index < length && isSpace(data.charCodeAt(index))) index += 1
      if (index === length) return -1
      const code = data.charCodeAt(index)
      if (code === GREATER_THAN) break
      if (code === SLASH) {
        if (index + 1 === length) return -1
        if (data.charCodeAt(index + 1) !== GREATER_THAN)
          throw malformed(`/ inside the tag of ${name}`)
        selfClosing = true
        index += 1
        break
      }
      if (index === before) throw malformed(`attributes of ${name} without whitespace between`)
      const nameStart = index
      index = endOfName(data, index, EQUALS)
      if (index === length) return -1
      const attribute = knownText(data, nameStart, index) ?? data.slice(nameStart, index)
      if (!namePattern.test(attribute))
        throw malformed(`bad attribute name ${attribute.slice(0, 100)} on ${name}`)
      while (index < length && isSpace(data.charCodeAt(index))) index += 1
      if (index === length) return -1
      if (data.charCodeAt(index) !== EQUALS) throw malformed(`attribute ${attribute} without =`)
      index += 1
      while (index < length && isSpace(data.charCodeAt(index))) index += 1
      if (index === length) return -1
      const quote = data.charCodeAt(index)
      if (quote !== DOUBLE_QUOTE && quote !== SINGLE_QUOTE)
        throw malformed(`attribute ${attribute} without a quoted value`)
      const close = data.indexOf(quote === DOUBLE_QUOTE ? '"' : "'", index + 1)
      if (close === -1) return -1
      // The usual names and values as shared strings, not a copy per tag (KnownNames.ts).
      const raw = knownText(data, index + 1, close) ?? data.slice(index + 1, close)
      if (raw.includes("<")) throw malformed(`< in the value of ${attribute}`)
      if (Object.hasOwn(attrs, attribute)) throw malformed(`duplicate attribute ${attribute}`)
      if (attribute === "__proto__") throw malformed("attribute name __proto__ is not accepted")
      // Literal tabs and line ends become spaces; `&#10;` and the like stay what they name.
      attrs[attribute] = resolveReferences(
        hasAttributeWhitespace.test(raw) ? raw.replace(attributeWhitespace, " ") : raw,
      )
      prefixed ||= attribute.includes(":")
      index = close + 1
    }
    this.started = true
    this.depth += 1
    if (prefixed) this.checkNamespaces(name, attrs)
    this.handler.onStartElement(name, attrs)
    if (selfClosing) this.close(name)
    return index + 1
  }

  private close(name: string): void {
    const prefixes = this.prefixes
    while (prefixes.length > 0 && (prefixes[prefixes.length - 1]?.depth ?? 0) >= this.depth)
      prefixes.pop()
    this.depth -= 1
    this.handler.onEndElement(name)
  }

  /** Namespaces in XML 1.0: declarations made here, then every prefix used must be declared. */
  private checkNamespaces(name: string, attrs: Record<string, string>): void {
    for (const attribute in attrs) {
      if (!attribute.startsWith("xmlns:")) continue
      const prefix = attribute.slice("xmlns:".length)
      const value = attrs[attribute]
      if (prefix === "xmlns") throw malformed("the prefix xmlns cannot be declared")
      if (value === "") throw malformed(`prefix ${prefix} declared empty`)
      if ((prefix === "xml") !== (value === NS_XML))
        throw malformed(`prefix xml and ${NS_XML} belong to each other only`)
      this.prefixes.push({ depth: this.depth, prefix, namespace: value ?? "" })
    }
    this.namespaceOf(name, name)
    // Namespaces in XML §6.3: two attributes with the same namespace and local name are one
    // attribute twice, whatever prefixes they are written with.
    let seen: Set<string> | undefined
    for (const attribute in attrs) {
      if (attribute.startsWith("xmlns:")) continue
      const namespace = this.namespaceOf(attribute, name)
      if (namespace === undefined) continue
      const expanded = `${namespace} ${attribute.slice(attribute.indexOf(":") + 1)}`
      seen ??= new Set()
      if (seen.has(expanded)) throw malformed(`attribute ${attribute} of ${name} given twice`)
      seen.add(expanded)
    }
  }

  /** The namespace a prefixed name's prefix is bound to (undefined when it has none). */
  private namespaceOf(qualified: string, element: string): string | undefined {
    const colon = qualified.indexOf(":")
    if (colon === -1) return undefined
    const prefix = qualified.slice(0, colon)
    if (prefix === "xml") return NS_XML
    if (prefix === "xmlns") throw malformed(`the prefix xmlns is reserved (${qualified})`)
    for (let index = this.prefixes.length - 1; index >= 0; index--) {
      const declared = this.prefixes[index]
      if (declared?.prefix === prefix) return declared.namespace
    }
    throw malformed(`undeclared namespace prefix ${prefix} in ${element}`)
  }
}
