// Test harness: an in-memory host with Romeo (sender, online) and Juliet (recipient, who lets
// Romeo see her presence), the plugin started on it, and XML helpers for asserting stanzas.
import { type Element, parseXml } from "@xmpp-amp/amp-core"
import { type AmpLogLine, startAmpPlugin } from "@xmpp-amp/server-plugin"
import { InMemoryHost, type InMemoryHostOptions } from "@xmpp-amp/server-plugin/test"

export const ROMEO = "romeo@example.com/orchard"
export const JULIET = "juliet@example.com"
export const JULIET_BALCONY = "juliet@example.com/balcony"

/** Options of `setup`. */
export interface SetupOptions extends InMemoryHostOptions {
  /** The `[modules.amp]` table (expiry_check_ms defaults to 5 here). */
  readonly config?: Record<string, unknown>
}

/** A canonical string of an element: sorted attributes, whitespace-only text removed. */
export const canonical = (element: Element): string => {
  const attributes = Object.entries(element.attrs)
    .filter(([, value]) => value !== undefined)
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([name, value]) => ` ${name}=${JSON.stringify(String(value))}`)
    .join("")
  const children = element.children
    .map((child) => (typeof child === "string" ? child.trim() : canonical(child)))
    .join("")
  return `<${element.name}${attributes}>${children}</${element.name}>`
}

/** The canonical form of an XML text. */
export const canonicalXml = (text: string): string => canonical(parseXml(text))

/** A chat message from Romeo with the given rules (`action condition value` triples). */
export const ampMessage = (to: string, rules: readonly string[][], id = "m1"): Element =>
  parseXml(
    `<message xmlns='jabber:client' to='${to}' id='${id}' type='chat'><body>Wherefore art thou?</body>` +
      `<amp xmlns='http://jabber.org/protocol/amp'>${rules
        .map(
          ([action, condition, value]) =>
            `<rule action='${action}' condition='${condition}' value='${value}'/>`,
        )
        .join("")}</amp></message>`,
  )

/** A started plugin on a fresh host with Romeo online and Juliet's roster sharing presence. */
export const setup = async (options: SetupOptions = {}) => {
  const host = new InMemoryHost(options).addUsers(JULIET, "romeo@example.com")
  host.setSubscription(JULIET, "romeo@example.com", "both")
  const logs: AmpLogLine[] = []
  const plugin = await startAmpPlugin(
    host,
    { expiry_check_ms: 5, ...options.config },
    { onLog: (line) => logs.push(line), logLevel: "Debug" },
  )
  const romeo = host.connect(ROMEO)
  const send = (message: Element, sender = ROMEO) => plugin.handleClientMessage(message, sender)
  return { host, plugin, romeo, logs, send }
}

/** The harness type. */
export type Harness = Awaited<ReturnType<typeof setup>>

/** Stanzas a session received, canonical. */
export const received = (session: { readonly received: readonly Element[] }): string[] =>
  session.received.map(canonical)

/** Waits (real time) until `check` passes or 2 s elapse. */
export const eventually = async (check: () => void | Promise<void>): Promise<void> => {
  const deadline = Date.now() + 2000
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
}
