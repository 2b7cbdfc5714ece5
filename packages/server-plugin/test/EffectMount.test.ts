// Mounting with Effect: `AmpPlugin.layer` over `Host` and `AmpConfig` layers, used inside a scope;
// closing the scope stops the expiry scheduler (due rules then wait for the next start).
import { parseXml } from "@xmpp-amp/amp-core"
import { AmpConfig, AmpPlugin, Host } from "@xmpp-amp/server-plugin"
import { InMemoryHost } from "@xmpp-amp/server-plugin/test"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import { describe, expect, it } from "vitest"

const ROMEO = "romeo@example.com/orchard"

describe("AmpPlugin.layer", () => {
  it("handles a message inside an Effect program and stops its scheduler with the scope", async () => {
    const host = new InMemoryHost().addUsers("juliet@example.com")
    host.setSubscription("juliet@example.com", "romeo@example.com", "both")
    const romeo = host.connect(ROMEO)
    const layer = AmpPlugin.layer.pipe(
      Layer.provide(Layer.merge(Host.layer(host), AmpConfig.layer({ expiry_check_ms: 5 }))),
    )
    const message = parseXml(
      "<message to='juliet@example.com' id='e1'><body>hi</body><amp xmlns='http://jabber.org/protocol/amp'>" +
        "<rule action='notify' condition='deliver' value='stored'/>" +
        "<rule action='alert' condition='expire-at' value='2030-01-01T00:00:10Z'/></amp></message>",
    )
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const amp = yield* AmpPlugin
        return yield* amp.handleClientMessage(message, ROMEO)
      }).pipe(Effect.provide(layer), Effect.provideService(References.MinimumLogLevel, "None")),
    )
    expect(result).toMatchObject({ _tag: "Processed", end: "stored" })
    expect(romeo.received.map((stanza) => stanza.getChild("amp")?.attrs.status)).toEqual(["notify"])
    host.advance(60_000)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(romeo.received).toHaveLength(1)
    expect(host.store.offlineOf("juliet@example.com")).toHaveLength(1)
  })
})
