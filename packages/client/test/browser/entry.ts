// Browser test page script: a real @xmpp/client over WebSocket with the AMP plugin, driven by
// `Browser.test.ts` through `globalThis.ampScenario` (bundled by esbuild for the browser).
import { client } from "@xmpp/client"
import xml from "@xmpp/xml"
import { type AmpEvent, amp, recipes, rule } from "../../src/index.js"

const scenario = async (service: string, domain: string, to: string) => {
  const xmpp = client({ service, domain })
  const messages = amp(xmpp)
  const ignored: string[] = []
  messages.on("reply-ignored", (reply) => ignored.push(reply.reason))
  await xmpp.start()
  const support = await messages.support()
  let refusal = ""
  try {
    await messages.send(xml("message", { to }), [rule.alert.deliver("stored")])
  } catch (error) {
    refusal = (error as Error).message
  }
  const tracker = await messages.send(
    xml("message", { to }, xml("body", {}, "hi")),
    recipes.trackDelivery(),
  )
  const events: Array<{ type: AmpEvent["type"]; value?: string | undefined }> = []
  for await (const event of tracker) {
    events.push({ type: event.type, value: event.type === "notified" ? event.value : undefined })
  }
  await xmpp.stop()
  return {
    support,
    refusal,
    events,
    ignored,
    secure: (globalThis as { isSecureContext?: boolean }).isSecureContext,
  }
}

;(globalThis as Record<string, unknown>).ampScenario = scenario
