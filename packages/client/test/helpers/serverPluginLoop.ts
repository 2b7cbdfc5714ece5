// Wires the client plugin to the real AMP server plugin (@xmpp-amp/server-plugin) running on
// its in-memory host: what the client sends goes through `handleClientMessage` as if written
// on the wire, and whatever the host writes to the sender's session comes back to the client.

import xml from "@xmpp/xml"
import { DISCO_INFO_NS, type Element, parseXml } from "@xmpp-amp/amp-core"
import { type AmpPluginHandle, startAmpPlugin } from "@xmpp-amp/server-plugin"
import { InMemoryHost, type TestSession } from "@xmpp-amp/server-plugin/test"
import { type AmpClient, type AmpClientOptions, amp } from "../../src/index.js"
import { type StubClient, stubClient } from "./stubClient.js"

/** The sender (the client under test) and the recipient. */
export const ROMEO = "romeo@example.com/orchard"
export const JULIET = "juliet@example.com"

/** A client plugin talking to a server plugin, and the pieces to steer the scenario. */
export interface Loop {
  readonly host: InMemoryHost
  readonly server: AmpPluginHandle
  readonly client: StubClient
  readonly messages: AmpClient
  readonly romeo: TestSession
  /** Passes what the host wrote to Romeo's session to the client. */
  flush(): void
  stop(): Promise<void>
}

/** Options: the `[modules.amp]` table, host settings, whether Juliet lets Romeo see her presence. */
export interface LoopOptions {
  readonly config?: Record<string, unknown>
  readonly offline?: boolean
  readonly subscribed?: boolean
  readonly client?: AmpClientOptions
}

const discoAnswer = (host: InMemoryHost, iq: Element): Element => {
  const node = iq.getChild("query", DISCO_INFO_NS)?.attrs.node as string | undefined
  const extension = host.extension
  if (node === undefined) {
    const features = [DISCO_INFO_NS, ...(extension?.serverFeatures ?? [])]
    return xml(
      "iq",
      { type: "result" },
      xml(
        "query",
        { xmlns: DISCO_INFO_NS },
        ...features.map((feature) => xml("feature", { var: feature })),
      ),
    )
  }
  const info = extension?.nodeInfo(node)
  if (info === undefined || info === "item-not-found") {
    throw Object.assign(new Error("item-not-found"), { condition: "item-not-found" })
  }
  return xml("iq", { type: "result" }, info)
}

/** Starts the server plugin on an in-memory `example.com` host and the client plugin against it. */
export const startLoop = async (options: LoopOptions = {}): Promise<Loop> => {
  const host = new InMemoryHost({ offline: options.offline ?? true }).addUsers(
    JULIET,
    "romeo@example.com",
  )
  if (options.subscribed !== false) host.setSubscription(JULIET, "romeo@example.com", "both")
  const server = await startAmpPlugin(
    host,
    { expiry_check_ms: 5, ...options.config },
    { logLevel: "None" },
  )
  const romeo = host.connect(ROMEO)
  const client = stubClient(ROMEO, (iq) => discoAnswer(host, iq))
  const messages = amp(client, options.client)
  const feature = host.extension?.streamFeature
  client.emit(
    "nonza",
    xml(
      "features",
      { xmlns: "http://etherx.jabber.org/streams" },
      ...(feature === undefined ? [] : [feature]),
    ),
  )
  const flush = (): void => {
    for (const stanza of romeo.received.splice(0)) client.receive(parseXml(stanza.toString()))
  }
  client.entity.send = async (stanza) => {
    client.sent.push(stanza)
    // As on the wire: the server sees a copy, with `from` stamped to the sender's full JID.
    const onWire = parseXml(stanza.toString())
    onWire.attrs.from = ROMEO
    const result = await server.handleClientMessage(onWire, ROMEO)
    if (result._tag === "NotAmp") await host.deliver(onWire, "write")
    flush()
  }
  return { host, server, client, messages, romeo, flush, stop: () => server.stop() }
}
