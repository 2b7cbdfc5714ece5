// One declaration per XEP-0079 element (§4, §6, §8, §12), in the manner of the stanza library:
// name, namespace and attributes are declared once, and both `readElement` (parse) and
// `writeElement` (serialize) are derived from that declaration.
import type { Element } from "@xmpp/xml"
import { AMP_ERRORS_NS, AMP_FEATURE_NS, AMP_NS } from "./Namespaces.js"
import { childElements, element, namespaceOfElement, readAttribute } from "./Xml.js"

/** A protocol element: local name, namespace and its attributes (field name → XML name). */
export interface ElementDeclaration<Field extends string> {
  /** The local name. */
  readonly name: string
  /** The namespace it lives in. */
  readonly namespace: string
  /** Each model field and the XML attribute it is stored in. */
  readonly attributes: { readonly [F in Field]: string }
  /** The same pairs as a list, computed once (readers and writers iterate it). */
  readonly fields: readonly (readonly [Field, string])[]
}

/** The attribute fields of a declaration, as read from an element (absent ones left out). */
export type DeclaredFields<Field extends string> = { [F in Field]?: string }

/** Declares an element. */
const declare = <Field extends string>(
  name: string,
  namespace: string,
  attributes: { readonly [F in Field]: string },
): ElementDeclaration<Field> => ({
  name,
  namespace,
  attributes,
  fields: Object.entries(attributes) as [Field, string][],
})

/** `<rule action condition value/>` (§4.2). */
export const RULE = declare("rule", AMP_NS, {
  action: "action",
  condition: "condition",
  value: "value",
})

/** `<amp status from to per-hop>` (§4.1). */
export const AMP = declare("amp", AMP_NS, {
  status: "status",
  from: "from",
  to: "to",
  perHop: "per-hop",
})

/** `<invalid-rules/>`: rules refused as not acceptable (§6.2.3). */
export const INVALID_RULES = declare("invalid-rules", AMP_NS, {})
/** `<unsupported-actions/>` (§6.2.1). */
export const UNSUPPORTED_ACTIONS = declare("unsupported-actions", AMP_NS, {})
/** `<unsupported-conditions/>` (§6.2.2). */
export const UNSUPPORTED_CONDITIONS = declare("unsupported-conditions", AMP_NS, {})
/** `<failed-rules/>` in the `#errors` namespace: rules whose `error` action fired (§3.4.3). */
export const FAILED_RULES = declare("failed-rules", AMP_ERRORS_NS, {})
/** The stream feature `<amp xmlns='http://jabber.org/features/amp'/>` (§8). */
export const STREAM_FEATURE = declare("amp", AMP_FEATURE_NS, {})

/** True when `element` is the declared element (local name and namespace). */
export const isDeclared = <Field extends string>(
  declaration: ElementDeclaration<Field>,
  element: Element,
): boolean =>
  element.getName() === declaration.name && namespaceOfElement(element) === declaration.namespace

/** Reads the declared attributes of an element (no check of its name; see `isDeclared`). */
export const readElement = <Field extends string>(
  declaration: ElementDeclaration<Field>,
  element: Element,
): DeclaredFields<Field> => {
  const fields: DeclaredFields<Field> = {}
  const pairs = declaration.fields
  for (let position = 0; position < pairs.length; position++) {
    const [field, attribute] = pairs[position] as readonly [Field, string]
    const text = readAttribute(element, attribute)
    if (text !== undefined) fields[field] = text
  }
  return fields
}

/** Writes the declared element with these fields (undefined ones left out) and children. */
export const writeElement = <Field extends string>(
  declaration: ElementDeclaration<Field>,
  fields: DeclaredFields<Field>,
  children: readonly Element[] = [],
  withNamespace = true,
): Element => {
  const attributes: Record<string, string> = withNamespace ? { xmlns: declaration.namespace } : {}
  for (const [field, attribute] of declaration.fields) {
    const text = fields[field]
    if (text !== undefined) attributes[attribute] = text
  }
  return element(declaration.name, attributes, children)
}

/** The children of `parent` that are the declared element. */
export const declaredChildren = <Field extends string>(
  parent: Element,
  declaration: ElementDeclaration<Field>,
): Element[] => childElements(parent, declaration.name, declaration.namespace)
