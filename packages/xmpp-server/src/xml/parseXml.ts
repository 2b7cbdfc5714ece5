// Parses one element from text the server serialised itself (stored offline messages,
// archived messages, stanzas forwarded by another cluster node) with the streams' own strict
// tokenizer (src/xml/XmlTokenizer.ts), several times cheaper than a fresh @xmpp/xml parser per
// call. Text the tokenizer refuses (written by an older version, say) is tried once more with
// the @xmpp/xml parser that was used before, so nothing stored becomes unreadable.
import { type XmlElement, XmlElementClass, XmlParser, type XmlParserBase } from "./Xml.js"
import { type TokenHandler, XmlTokenizer } from "./XmlTokenizer.js"

type EmittingParser = XmlParserBase & {
  on(event: "element", listener: (element: XmlElement) => void): void
  on(event: "error", listener: (error: Error) => void): void
}

/** Builds the tree of one element from the tokenizer's events. */
class ElementBuilder implements TokenHandler {
  root: XmlElement | undefined
  private cursor: XmlElement | null = null
  /** Something came after the root element ended: not one element. */
  private extra = false

  /** The root element ended and nothing but whitespace followed it. */
  get complete(): boolean {
    return this.root !== undefined && this.cursor === null && !this.extra
  }

  onStartElement(name: string, attrs: Record<string, string>): void {
    const element = new XmlElementClass(name)
    // The tokenizer makes a fresh attributes object per tag: the element takes it as it is.
    element.attrs = attrs
    if (this.cursor !== null) this.cursor.append(element)
    else if (this.root === undefined) this.root = element
    else this.extra = true
    this.cursor = element
  }

  onEndElement(name: string): void {
    // An end tag that closes something other than the open element: not well-formed.
    if (this.cursor === null || this.cursor.name !== name) this.extra = true
    this.cursor = this.cursor?.parent ?? null
  }

  onText(text: string): void {
    if (this.cursor !== null) this.cursor.children.push(text)
    else if (text.trim() !== "") this.extra = true
  }
}

/** One element with the strict tokenizer; undefined when the text is anything else. */
const parseStrictly = (text: string): XmlElement | undefined => {
  const builder = new ElementBuilder()
  try {
    new XmlTokenizer(builder).write(text)
  } catch {
    return undefined
  }
  return builder.complete ? builder.root : undefined
}

/** The @xmpp/xml parser, as before: for text the strict tokenizer refuses. */
const parseLeniently = (text: string): XmlElement | undefined => {
  const parser = new XmlParser() as EmittingParser
  let found: XmlElement | undefined
  let failed = false
  parser.on("element", (element) => {
    found = element
  })
  parser.on("error", () => {
    failed = true
  })
  try {
    parser.write(`<stored>${text}</stored>`)
  } catch {
    return undefined
  }
  if (failed || found === undefined) return undefined
  found.parent = null
  return found
}

/** The element `text` holds; undefined when it is not one well-formed element. */
export const parseElement = (text: string): XmlElement | undefined =>
  parseStrictly(text) ?? parseLeniently(text)
