// An element known by its serialised text and parsed only when something reads it. A stanza
// another cluster node routed here arrives as the text that node serialised (src/cluster/
// Deliveries.ts); the owner writes that text to the recipient's socket as it is, and on the
// common path nothing on the owner looks inside the element: the modules' hooks and the
// XEP-0198 queue only hold it by identity. Parsing it there anyway cost a fifth of the owner's
// CPU (docs/performance.md, Cluster). Whatever does read it (CSI's filter, a resumption's
// `<delay/>`, an offline fallback's serialiser) sees the parsed element through this proxy, and
// writes go to it too; the proxy itself is the stanza's identity from start to end. AMP's
// notify and alert replies, written as text by the plugin, travel the same way.
import { parseElement } from "./parseXml.js"
import type { XmlElement } from "./Xml.js"

/** Thrown when the text turns out not to be one element: the sending node serialised it wrongly. */
export class UnparsableStanzaError extends Error {
  constructor(readonly text: string) {
    super(`a stanza forwarded by another node is not one XML element: ${text.slice(0, 200)}`)
    this.name = "UnparsableStanzaError"
  }
}

/** What a lazy element's proxy stands on: the text, and the element once parsed. */
class LazyTarget {
  parsed: XmlElement | undefined = undefined
  constructor(readonly text: string) {}
}

/** The element behind a proxy, parsed on first use. */
const elementOf = (target: LazyTarget): XmlElement => {
  let parsed = target.parsed
  if (parsed === undefined) {
    parsed = parseElement(target.text)
    if (parsed === undefined) throw new UnparsableStanzaError(target.text)
    target.parsed = parsed
  }
  return parsed
}

// One handler for every lazy element (each element is then a proxy and a small target, not a
// handler with eight closures of its own: AMP's notify replies are made this way per message).
// The target's own fields are configurable and it stays extensible, so reporting the parsed
// element's properties instead of the target's keeps the proxy invariants.
const handler: Required<Pick<ProxyHandler<LazyTarget>, ForwardedTrap>> = {
  get: (target, key) => Reflect.get(elementOf(target), key),
  set: (target, key, value) => Reflect.set(elementOf(target), key, value),
  has: (target, key) => Reflect.has(elementOf(target), key),
  deleteProperty: (target, key) => Reflect.deleteProperty(elementOf(target), key),
  ownKeys: (target) => Reflect.ownKeys(elementOf(target)),
  getOwnPropertyDescriptor: (target, key) =>
    Reflect.getOwnPropertyDescriptor(elementOf(target), key),
  defineProperty: (target, key, descriptor) =>
    Reflect.defineProperty(elementOf(target), key, descriptor),
  getPrototypeOf: (target) => Reflect.getPrototypeOf(elementOf(target)),
}

/** The element `text` holds, parsed on first use. Example: `lazyElement("<message/>").name`. */
export const lazyElement = (text: string): XmlElement =>
  new Proxy(new LazyTarget(text), handler) as unknown as XmlElement

type ForwardedTrap =
  | "get"
  | "set"
  | "has"
  | "deleteProperty"
  | "ownKeys"
  | "getOwnPropertyDescriptor"
  | "defineProperty"
  | "getPrototypeOf"
