// Test support: XML text to @xmpp/xml Elements and back, whitespace between tags ignored, so that
// fixtures can be written as readable, indented XML.
import { type Element, Parser } from "@xmpp/xml"

/** Parses one XML document (indentation between tags ignored) into an Element. */
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
    failure = error
  })
  parser.write(text.replace(/>\s+</g, "><").trim())
  parser.end("")
  if (failure !== undefined) throw failure
  if (root === undefined) throw new Error(`no element in ${text}`)
  return root
}

/** The canonical string of an XML fixture: parsed and written back, so that it compares equal. */
export const canonicalXml = (text: string): string => parseXml(text).toString()
