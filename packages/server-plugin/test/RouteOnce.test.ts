// The route of a fast-path AMP message is decided once: when the host answered `route` at once
// and nothing was waited for since, the plugin hands that very answer to `deliver`, so the host
// may deliver by the decision behind it (the reference server does); after a promised answer
// it hands nothing back, and the host decides again.
import type { Element } from "@xmpp/xml"
import { type HostRouting, startAmpPlugin } from "@xmpp-amp/server-plugin"
import { InMemoryHost } from "@xmpp-amp/server-plugin/test"
import { describe, expect, it } from "vitest"
import { ampMessage, JULIET, JULIET_BALCONY, ROMEO } from "./support/harness.js"

const deliverOnce = async (answers: "at-once" | "later") => {
  const host = new InMemoryHost({ answers }).addUsers(JULIET, "romeo@example.com")
  host.setSubscription(JULIET, "romeo@example.com", "both")
  const answered: Array<unknown> = []
  const handedBack: Array<HostRouting | undefined> = []
  const { route, deliver } = host
  Object.assign(host, {
    route: (message: Element) => {
      const answer = route(message)
      answered.push(answer)
      return answer
    },
    deliver: (message: Element, confirm: "write" | "ack", routing?: HostRouting) => {
      handedBack.push(routing)
      return deliver(message, confirm)
    },
  })
  const plugin = await startAmpPlugin(host, {}, { onLog: () => undefined, logLevel: "Warn" })
  host.connect(ROMEO)
  const juliet = host.connect(JULIET_BALCONY)
  const result = await plugin.handleClientMessage(
    ampMessage(JULIET, [["notify", "deliver", "direct"]]),
    ROMEO,
  )
  await plugin.stop()
  return { result, answered, handedBack, delivered: juliet.received.length }
}

describe("the route of a fast-path message is decided once", () => {
  it("hands deliver the very routing that route answered at once", async () => {
    const { result, answered, handedBack, delivered } = await deliverOnce("at-once")
    expect(result).toMatchObject({ _tag: "Processed", end: "delivered" })
    expect(delivered).toBe(1)
    expect(answered).toHaveLength(1)
    expect(handedBack).toHaveLength(1)
    expect(handedBack[0]).toBe(answered[0])
  })

  it("hands no routing back when route answered with a promise", async () => {
    const { result, handedBack, delivered } = await deliverOnce("later")
    expect(result).toMatchObject({ _tag: "Processed", end: "delivered" })
    expect(delivered).toBe(1)
    expect(handedBack).toEqual([undefined])
  })
})
