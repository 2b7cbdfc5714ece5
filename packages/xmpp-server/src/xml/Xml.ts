// A narrow typed view of @xmpp/xml (its DefinitelyTyped types are loose, with `any`): the
// `Element` tree the whole server passes around, the `xml()` builder and the streaming
// `Parser` the stream layer extends.
import * as untyped from "@xmpp/xml"

/** An XML element as built by @xmpp/xml (ltx). */
export interface XmlElement {
  name: string
  attrs: Record<string, string | undefined>
  children: Array<XmlElement | string>
  parent: XmlElement | null
  is(name: string, xmlns?: string): boolean
  getName(): string
  getNS(): string | undefined
  getChild(name: string, xmlns?: string): XmlElement | undefined
  getChildren(name: string, xmlns?: string): Array<XmlElement>
  getChildElements(): Array<XmlElement>
  getChildText(name: string, xmlns?: string): string | null
  text(): string
  getText(): string
  append(...children: Array<XmlElement | string>): XmlElement
  toString(): string
}

/** A child accepted by `xml()`. */
export type XmlChild = XmlElement | string | undefined | null | false

/** Builds an element: `xml("iq", { type: "result" }, xml("query", { xmlns }))`. */
export const xml: (
  name: string,
  attrs?: Record<string, string | undefined> | null,
  ...children: Array<XmlChild | ReadonlyArray<XmlChild>>
) => XmlElement = untyped.default as unknown as typeof xml

/** The base streaming parser of @xmpp/xml; subclasses override its three callbacks. */
export interface XmlParserBase {
  root: XmlElement | null
  cursor: XmlElement | null
  write(data: string): void
  onStartElement(name: string, attrs: Record<string, string>): void
  onEndElement(name: string): void
  onText(text: string): void
}

/** Constructor of the @xmpp/xml streaming parser. */
export const XmlParser = untyped.Parser as unknown as new () => XmlParserBase

/** Constructor of the element class (for building elements from parser callbacks). */
export const XmlElementClass = untyped.Element as unknown as new (
  name: string,
  attrs?: Record<string, string>,
) => XmlElement

/** Escapes text for an attribute value. */
export const escapeXml: (text: string) => string = untyped.escapeXML

/** Escapes character data. */
export const escapeXmlText: (text: string) => string = untyped.escapeXMLText

const attributeSpecial = /["&'<>]/
const textSpecial = /[&<>]/

/**
 * The constant pieces of a stanza's text, made once per element or attribute name: `<name`,
 * `</name>` and ` key="`. Every piece joined is a new string on the heap (a rope node, or a
 * copy when short), and these repeat in every stanza. Bounded: names are few, but a client
 * may send any; past the bound the piece is made each time, as before.
 */
const MAX_PIECES = 256
const openTags = new Map<string, string>()
const closeTags = new Map<string, string>()
const attributeStarts = new Map<string, string>()

/** `made` kept in `pieces` under `name` while there is room; returned either way. */
const keep = (pieces: Map<string, string>, name: string, made: string): string => {
  if (pieces.size < MAX_PIECES) pieces.set(name, made)
  return made
}
const openTag = (name: string): string => openTags.get(name) ?? keep(openTags, name, `<${name}`)
const closeTag = (name: string): string =>
  closeTags.get(name) ?? keep(closeTags, name, `</${name}>`)
const attributeStart = (key: string): string =>
  attributeStarts.get(key) ?? keep(attributeStarts, key, ` ${key}="`)

/**
 * The XML text of `element`, exactly as its `toString()` writes it, about twice as fast: every
 * stanza the server sends goes through here. ltx calls a writer closure per piece and runs the
 * escaping regex replace on every value; this concatenates directly, with the constant pieces
 * made once (above), and escapes only values that hold a special character (a test, much
 * cheaper than a replace that finds nothing).
 */
export const serialize = (element: XmlElement): string => {
  let out = openTag(element.name)
  const attrs = element.attrs
  for (const key in attrs) {
    const value: unknown = attrs[key]
    if (value === undefined || value === null) continue
    const text = typeof value === "string" ? value : String(value)
    out = `${out}${attributeStart(key)}${attributeSpecial.test(text) ? escapeXml(text) : text}"`
  }
  const children: ReadonlyArray<unknown> = element.children
  if (children.length === 0) return `${out}/>`
  out += ">"
  for (const child of children) {
    if (child === undefined || child === null) continue
    if (typeof child === "object") out += serialize(child as XmlElement)
    else {
      const text = typeof child === "string" ? child : String(child)
      out += textSpecial.test(text) ? escapeXmlText(text) : text
    }
  }
  return out + closeTag(element.name)
}
