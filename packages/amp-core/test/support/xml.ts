// Test helpers: load the XEP-0079 example fixtures and compare elements ignoring attribute
// order, indentation-only text and the erratum-E21 extra indentation.
import { readFileSync } from "node:fs"
import { type Element, parseXml } from "@xmpp-amp/amp-core"

/** The text of `test/fixtures/example-NN.xml` (XEP-0079 Example NN, copied verbatim). */
export const exampleText = (number: number): string =>
  readFileSync(
    new URL(`../fixtures/example-${String(number).padStart(2, "0")}.xml`, import.meta.url),
    "utf8",
  )

/** XEP-0079 Example NN parsed with @xmpp/xml. */
export const example = (number: number): Element => parseXml(exampleText(number))

/** A canonical string of an element: sorted attributes, whitespace-only text removed. */
export const canonical = (element: Element): string => {
  const attributes = Object.entries(element.attrs)
    .filter(([, value]) => value !== undefined)
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([name, value]) => ` ${name}=${JSON.stringify(String(value))}`)
    .join("")
  const children = element.children
    .map((child) =>
      typeof child === "string" ? (child.trim() === "" ? "" : child.trim()) : canonical(child),
    )
    .join("")
  return `<${element.name}${attributes}>${children}</${element.name}>`
}
