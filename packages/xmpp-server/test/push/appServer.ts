// A small XEP-0357 app server for the push tests: an XEP-0114 component built with
// @xmpp/component that records every publish (node, summary fields, publish-options) and answers
// by node prefix: `fail-` with a `cancel` error, `wait-` with a `wait` error, `silent-` never,
// anything else with a result.
// @ts-expect-error: @xmpp/component ships no type declarations.
import { component as makeComponent } from "@xmpp/component"
import { type XmlElement, xml } from "../../src/index.js"

const NS_PUBSUB = "http://jabber.org/protocol/pubsub"
const NS_PUSH = "urn:xmpp:push:0"
const NS_DATA = "jabber:x:data"

/** One publish as the app server received it. */
export interface ReceivedPush {
  readonly from: string
  readonly node: string
  /** The `urn:xmpp:push:summary` fields, FORM_TYPE excluded. */
  readonly summary: Readonly<Record<string, string>>
  /** The echoed publish-options form fields, if any. */
  readonly publishOptions: Readonly<Record<string, string>> | undefined
}

/** A connected app server. */
export interface AppServer {
  readonly pushes: ReceivedPush[]
  /** The pushes received for `node`. */
  pushesFor(node: string): ReceivedPush[]
  stop(): Promise<void>
}

interface RawComponent {
  on(event: string, listener: (value: never) => void): void
  start(): Promise<unknown>
  stop(): Promise<unknown>
  iqCallee: { set(ns: string, name: string, handler: (context: never) => unknown): void }
  reconnect: { stop(): void }
}

const fieldsOf = (form: XmlElement | undefined): Record<string, string> => {
  const fields: Record<string, string> = {}
  for (const field of form?.getChildren("field") ?? []) {
    const name = field.attrs.var
    if (name !== undefined && name !== "FORM_TYPE") fields[name] = field.getChildText("value") ?? ""
  }
  return fields
}

const stanzaError = (type: string, condition: string): XmlElement =>
  xml("error", { type }, xml(condition, { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }))

/** Connects an app server component for `domain` to the server's component port. */
export const startAppServer = async (
  port: number,
  domain: string,
  secret: string,
): Promise<AppServer> => {
  const pushes: ReceivedPush[] = []
  const raw: RawComponent = makeComponent({
    service: `xmpp://127.0.0.1:${port}`,
    domain,
    password: secret,
  })
  raw.reconnect.stop()
  raw.on("error", () => undefined)
  raw.iqCallee.set(NS_PUBSUB, "pubsub", (context: never) => {
    const { stanza, element } = context as { stanza: XmlElement; element: XmlElement }
    const publish = element.getChild("publish")
    const node = publish?.attrs.node ?? ""
    const notification = publish?.getChild("item")?.getChild("notification", NS_PUSH)
    const options = element.getChild("publish-options")?.getChild("x", NS_DATA)
    pushes.push({
      from: stanza.attrs.from ?? "",
      node,
      summary: fieldsOf(notification?.getChild("x", NS_DATA)),
      publishOptions: options === undefined ? undefined : fieldsOf(options),
    })
    if (node.startsWith("fail-")) return stanzaError("cancel", "item-not-found")
    if (node.startsWith("wait-")) return stanzaError("wait", "resource-constraint")
    if (node.startsWith("silent-")) return new Promise(() => undefined)
    return true
  })
  await raw.start()
  return {
    pushes,
    pushesFor: (node) => pushes.filter((push) => push.node === node),
    stop: async () => {
      await raw.stop().catch(() => undefined)
    },
  }
}
