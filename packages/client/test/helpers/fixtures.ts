// The XEP-0079 examples (verbatim copies kept as amp-core's fixtures), parsed for client tests.
import { readFileSync } from "node:fs"
import { type Element, parseXml } from "@xmpp-amp/amp-core"

/** XEP-0079 Example NN as text (`...` lines of Examples 2 and 4 stripped, erratum E19). */
export const exampleText = (number: number): string =>
  readFileSync(
    new URL(
      `../../../amp-core/test/fixtures/example-${String(number).padStart(2, "0")}.xml`,
      import.meta.url,
    ),
    "utf8",
  )
    .split("\n")
    .filter((line) => line.trim() !== "...")
    .join("\n")

/** XEP-0079 Example NN parsed with @xmpp/xml. */
export const example = (number: number): Element => parseXml(exampleText(number))

/** The `<rule/>` children of the `<amp/>` in a message, as plain attribute records. */
export const rulesOf = (message: Element): Array<Record<string, unknown>> =>
  (message.getChild("amp", "http://jabber.org/protocol/amp")?.getChildren("rule") ?? []).map(
    (rule) => ({ ...rule.attrs }),
  )
