// The one-declaration-per-element shape shared by every protocol element of this package: each
// element is declared once, as a value holding its name, namespace, parser and serializer.
import type { Element } from "@xmpp/xml"
import type { ParseResult } from "./PushRequestError.js"

/** One protocol element: its qualified name, and how to read it from and write it to XML. */
export interface ElementCodec<T> {
  /** Local name of the element. */
  readonly name: string
  /** Namespace of the element. */
  readonly xmlns: string
  /** Reads the element, or explains why it is not acceptable. */
  readonly parse: (element: Element) => ParseResult<T>
  /** Writes the element; `parse(serialize(value))` gives `value` back. */
  readonly serialize: (value: T) => Element
}

/** The first child of `parent` that `codec` declares, if any. */
export const childOf = <T>(codec: ElementCodec<T>, parent: Element): Element | undefined =>
  parent.getChild(codec.name, codec.xmlns)
