// Parses one element from text the server serialised itself (stored offline messages,
// archived messages), with the same @xmpp/xml parser the streams use.
import { type XmlElement, XmlParser, type XmlParserBase } from "./Xml.js"

type EmittingParser = XmlParserBase & {
  on(event: "element", listener: (element: XmlElement) => void): void
  on(event: "error", listener: (error: Error) => void): void
}

/** The element `text` holds; undefined when it is not one well-formed element. */
export const parseElement = (text: string): XmlElement | undefined => {
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
