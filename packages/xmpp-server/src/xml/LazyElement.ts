// An element known by its serialised text and parsed only when something reads it. A stanza
// another cluster node routed here arrives as the text that node serialised (src/cluster/
// Deliveries.ts); the owner writes that text to the recipient's socket as it is, and on the
// common path nothing on the owner looks inside the element: the modules' hooks and the
// XEP-0198 queue only hold it by identity. Parsing it there anyway cost a fifth of the owner's
// CPU (docs/performance.md, Cluster). Whatever does read it (CSI's filter, a resumption's
// `<delay/>`, an offline fallback's serialiser) sees the parsed element through this proxy, and
// writes go to it too; the proxy itself is the stanza's identity from start to end.
import { parseElement } from "./parseXml.js"
import type { XmlElement } from "./Xml.js"

/** Thrown when the text turns out not to be one element: the sending node serialised it wrongly. */
export class UnparsableStanzaError extends Error {
  constructor(readonly text: string) {
    super(`a stanza forwarded by another node is not one XML element: ${text.slice(0, 200)}`)
    this.name = "UnparsableStanzaError"
  }
}

/** The element `text` holds, parsed on first use. Example: `lazyElement("<message/>").name`. */
export const lazyElement = (text: string): XmlElement => {
  let parsed: XmlElement | undefined
  const element = (): XmlElement => {
    if (parsed === undefined) {
      parsed = parseElement(text)
      if (parsed === undefined) throw new UnparsableStanzaError(text)
    }
    return parsed
  }
  const handler: Required<Pick<ProxyHandler<object>, ForwardedTrap>> = {
    get: (_target, key) => Reflect.get(element(), key),
    set: (_target, key, value) => Reflect.set(element(), key, value),
    has: (_target, key) => Reflect.has(element(), key),
    deleteProperty: (_target, key) => Reflect.deleteProperty(element(), key),
    ownKeys: () => Reflect.ownKeys(element()),
    getOwnPropertyDescriptor: (_target, key) => Reflect.getOwnPropertyDescriptor(element(), key),
    defineProperty: (_target, key, descriptor) =>
      Reflect.defineProperty(element(), key, descriptor),
    getPrototypeOf: () => Reflect.getPrototypeOf(element()),
  }
  return new Proxy({}, handler) as XmlElement
}

type ForwardedTrap =
  | "get"
  | "set"
  | "has"
  | "deleteProperty"
  | "ownKeys"
  | "getOwnPropertyDescriptor"
  | "defineProperty"
  | "getPrototypeOf"
