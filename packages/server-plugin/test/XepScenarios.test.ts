// The scenarios of XEP-0079 §3.4 (Examples 10–15 and 24–25), replayed against the plugin on a
// `hamlet.lit` in-memory host; replies are compared with the examples as corrected by spec §5
// (`<amp from>` is the sender, `to` the original recipient; error replies carry type='error').
import { parseXml } from "@xmpp-amp/amp-core"
import { startAmpPlugin } from "@xmpp-amp/server-plugin"
import { InMemoryHost } from "@xmpp-amp/server-plugin/test"
import { describe, expect, it } from "vitest"
import { canonicalXml, received } from "./support/harness.js"

const BERNARDO = "bernardo@hamlet.lit/elsinore"

const scenario = async (francisco: "offline" | "elsinore-only" | "pda") => {
  const host = new InMemoryHost({ domain: "hamlet.lit", now: Date.UTC(2004, 8, 10, 8) })
  host.addUsers("francisco@hamlet.lit", "bernardo@hamlet.lit")
  host.setSubscription("francisco@hamlet.lit", "bernardo@hamlet.lit", "both")
  const plugin = await startAmpPlugin(host, {}, { logLevel: "None" })
  const bernardo = host.connect(BERNARDO)
  const session =
    francisco === "offline"
      ? undefined
      : host.connect(
          francisco === "pda" ? "francisco@hamlet.lit/pda" : "francisco@hamlet.lit/castle",
        )
  return { host, plugin, bernardo, session }
}

const chatty = (id: string, action: string) =>
  parseXml(
    `<message to='francisco@hamlet.lit' from='${BERNARDO}' type='chat' id='${id}'>` +
      `<body>Who&apos;s there?</body><amp xmlns='http://jabber.org/protocol/amp'>` +
      `<rule action='${action}' condition='deliver' value='stored'/></amp></message>`,
  )

describe("XEP-0079 §3.4 scenarios", () => {
  it("Example 13: drop deliver=stored to an offline recipient is silently dropped", async () => {
    const { host, plugin, bernardo } = await scenario("offline")
    await plugin.handleClientMessage(chatty("chatty1", "drop"), BERNARDO)
    expect(bernardo.received).toEqual([])
    expect(host.store.offlineOf("francisco@hamlet.lit")).toEqual([])
    await plugin.stop()
  })

  it("Examples 14–15: alert deliver=stored answers with the alert", async () => {
    const { plugin, bernardo } = await scenario("offline")
    await plugin.handleClientMessage(chatty("chatty2", "alert"), BERNARDO)
    expect(received(bernardo)).toEqual([
      canonicalXml(
        `<message from='hamlet.lit' to='${BERNARDO}' id='chatty2'><amp xmlns='http://jabber.org/protocol/amp' status='alert' from='${BERNARDO}' to='francisco@hamlet.lit'><rule action='alert' condition='deliver' value='stored'/></amp></message>`,
      ),
    ])
    await plugin.stop()
  })

  it("Examples 24–25: error deliver=stored answers undefined-condition with failed-rules", async () => {
    const { plugin, bernardo } = await scenario("offline")
    await plugin.handleClientMessage(chatty("chatty2", "error"), BERNARDO)
    expect(received(bernardo)).toEqual([
      canonicalXml(
        `<message from='hamlet.lit' to='${BERNARDO}' type='error' id='chatty2'>` +
          `<amp xmlns='http://jabber.org/protocol/amp' status='error' from='${BERNARDO}' to='francisco@hamlet.lit'><rule action='error' condition='deliver' value='stored'/></amp>` +
          `<error type='modify' code='500'><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>` +
          `<failed-rules xmlns='http://jabber.org/protocol/amp#errors'><rule action='error' condition='deliver' value='stored'/></failed-rules></error></message>`,
      ),
    ])
    await plugin.stop()
  })

  it("Examples 10–11: error match-resource=other when the addressed resource is absent", async () => {
    const { plugin, bernardo, session } = await scenario("elsinore-only")
    const ibb = parseXml(
      `<message to='francisco@hamlet.lit/pda' from='${BERNARDO}' id='ibb1'>` +
        `<data xmlns='http://jabber.org/protocol/ibb' sid='mySID' seq='0'>qANQR1DBwU4DX7jmYZnncmUQB</data>` +
        `<amp xmlns='http://jabber.org/protocol/amp' per-hop='true'>` +
        `<rule action='error' condition='expire-at' value='2004-09-10T08:33:14Z'/>` +
        `<rule action='error' condition='match-resource' value='other'/></amp></message>`,
    )
    await plugin.handleClientMessage(ibb, BERNARDO)
    expect(session?.received).toEqual([])
    expect(
      bernardo.received.map((stanza) => stanza.getChild("amp")?.getChild("rule")?.attrs.condition),
    ).toEqual(["match-resource"])
    await plugin.stop()
  })

  it("Examples 10–11 to the addressed resource: neither rule fires and the data arrives", async () => {
    const { plugin, bernardo, session } = await scenario("pda")
    const ibb = parseXml(
      `<message to='francisco@hamlet.lit/pda' id='ibb1'><data xmlns='http://jabber.org/protocol/ibb' sid='s' seq='0'>AAAA</data>` +
        `<amp xmlns='http://jabber.org/protocol/amp' per-hop='true'>` +
        `<rule action='error' condition='expire-at' value='2004-09-10T10:00:00Z'/>` +
        `<rule action='error' condition='match-resource' value='other'/></amp></message>`,
    )
    await plugin.handleClientMessage(ibb, BERNARDO)
    expect(bernardo.received).toEqual([])
    expect(received(session ?? { received: [] })).toEqual([
      canonicalXml(
        `<message to='francisco@hamlet.lit/pda' id='ibb1'><data xmlns='http://jabber.org/protocol/ibb' sid='s' seq='0'>AAAA</data></message>`,
      ),
    ])
    await plugin.stop()
  })
})
