// The few XML helpers amp-core needs on top of @xmpp/xml: a one-shot string parser built on
// its streaming `Parser`, and safe attribute reading (own string properties only).
import { Element, Parser } from "@xmpp/xml"

const NO_CHILDREN: readonly Element[] = Object.freeze([])

/**
 * An element with these attributes (all set) and children. Like `xml()` without its per-call
 * `Object.entries` walk over the attributes: replies are built for every AMP message. The
 * element takes `attributes` as its own (the caller passes a fresh object, not one it keeps)
 * rather than copying it, and its children array is made at its final size, not grown by
 * `append` (to 17 slots on the first push).
 */
export const element = (
  name: string,
  attributes: Record<string, string>,
  children: readonly Element[] = NO_CHILDREN,
): Element => {
  const built = new Element(name)
  built.attrs = attributes
  if (children.length === 0) return built
  const list = children.slice()
  for (const child of list) child.parent = built
  built.children = list
  return built
}

/** Parses one XML element (surrounding whitespace allowed) with @xmpp/xml's parser; throws on bad XML. */
export const parseXml = (text: string): Element => {
  const parser = new Parser()
  let root: Element | undefined
  let failure: unknown
  parser.on("start", (element: Element) => {
    root = element
  })
  parser.on("element", (element: Element) => {
    root?.append(element)
  })
  parser.on("error", (error: unknown) => {
    failure ??= error
  })
  parser.write(text.trim())
  if (failure !== undefined) throw failure
  if (root === undefined) throw new Error("No XML element in input")
  return root
}

/**
 * Reads an attribute as written. Only string values count, so an attribute named like an
 * `Object.prototype` member (`constructor`, `__proto__`, whose values are never strings) reads
 * as absent unless the element really has it.
 */
export const readAttribute = (element: Element, name: string): string | undefined => {
  const attributes: unknown = element.attrs
  if (typeof attributes !== "object" || attributes === null) return undefined
  const value: unknown = (attributes as Record<string, unknown>)[name]
  return typeof value === "string" ? value : undefined
}

/**
 * The namespace bound to `prefix` (the default namespace when absent) where `element` stands,
 * like @xmpp/xml's `findNS` but walking up the ancestors in a loop: `findNS` recurses once per
 * ancestor, and a message inside a few thousand ancestors overflowed the stack (found by
 * fuzzing). Example: `namespaceInScope(message) === "jabber:client"`.
 */
export const namespaceInScope = (element: Element, prefix?: string): string | undefined => {
  const key = prefix === undefined ? "xmlns" : `xmlns:${prefix}`
  for (let current: Element | null | undefined = element; current; current = current.parent) {
    const declared = readAttribute(current, key)
    if (declared !== undefined && declared !== "") return declared
  }
  return undefined
}

/** The namespace of `element` itself (of its prefix, if it has one), like `getNS()`: `namespaceOfElement(amp) === AMP_NS`. */
export const namespaceOfElement = (element: Element): string | undefined => {
  const colon = element.name.indexOf(":")
  return namespaceInScope(element, colon === -1 ? undefined : element.name.slice(0, colon))
}

/** The namespace of `child`, knowing the default namespace in scope at its parent. */
const namespaceOf = (child: Element, parentNamespace: string | undefined): string | undefined => {
  const declared: unknown = child.attrs.xmlns
  if (typeof declared === "string") return declared
  return child.name.includes(":") ? namespaceOfElement(child) : parentNamespace
}

/** True when `child` has this local name (a prefixed name counts by its local part). */
export const hasLocalName = (child: Element, name: string): boolean =>
  child.name === name || (child.name.endsWith(name) && child.getName() === name)

/**
 * True when `child`, a child element of a parent with `parentNamespace` as its default
 * namespace in scope (`namespaceInScope(parent)`), is in `namespace`.
 */
export const childInNamespace = (
  child: Element,
  parentNamespace: string | undefined,
  namespace: string,
): boolean => namespaceOf(child, parentNamespace) === namespace

/** The direct child elements of `parent` with this local name and namespace (text skipped). */
export const childElements = (parent: Element, name: string, namespace: string): Element[] => {
  const found: Element[] = []
  let parentNamespace: string | undefined | null = null
  for (const child of parent.children) {
    if (typeof child !== "object" || child === null) continue
    if (!hasLocalName(child, name)) continue
    if (parentNamespace === null) parentNamespace = namespaceInScope(parent)
    if (childInNamespace(child, parentNamespace, namespace)) found.push(child)
  }
  return found
}

/** The @xmpp/xml element type every amp-core function takes and returns. */
export type { Element } from "@xmpp/xml"
