// Spec §4 and §5, every action × deliver value × recipient state × storage configuration, with
// no failures: the path is direct → stored → none (sub-list), a rule fires exactly when its value
// is the first outcome on the path (blocking before it, notify after it is confirmed), forward and
// gateway never fire, and the reply, delivery, storage and bounce are checked stanza by stanza.
import { AMP_ACTIONS } from "@xmpp-amp/amp-core"
import { describe, expect, it } from "vitest"
import {
  ampMessage,
  canonicalXml,
  JULIET,
  JULIET_BALCONY,
  ROMEO,
  received,
  setup,
} from "./support/harness.js"

const VALUES = ["direct", "stored", "none", "forward", "gateway"] as const
const RECIPIENTS = ["online", "offline", "negative-priority"] as const
const STORAGE = {
  none: { offline: false, mam: false },
  offline: { offline: true, mam: false },
  mam: { offline: false, mam: true },
  both: { offline: true, mam: true },
} as const

const cases = AMP_ACTIONS.flatMap((action) =>
  VALUES.flatMap((value) =>
    RECIPIENTS.flatMap((recipient) =>
      (Object.keys(STORAGE) as (keyof typeof STORAGE)[]).map(
        (storage) => [action, value, recipient, storage] as const,
      ),
    ),
  ),
)

const rule = (action: string, value: string) =>
  `<rule action='${action}' condition='deliver' value='${value}'/>`

const expectedReply = (action: string, value: string): string[] => {
  const copy = (status: string) =>
    `<amp xmlns='http://jabber.org/protocol/amp' status='${status}' from='${ROMEO}' to='${JULIET}'>${rule(action, value)}</amp>`
  switch (action) {
    case "notify":
    case "alert":
      return [
        canonicalXml(`<message from='example.com' to='${ROMEO}' id='m1'>${copy(action)}</message>`),
      ]
    case "error":
      return [
        canonicalXml(
          `<message type='error' from='example.com' to='${ROMEO}' id='m1'>${copy("error")}` +
            `<error type='modify' code='500'><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>` +
            `<failed-rules xmlns='http://jabber.org/protocol/amp#errors'>${rule(action, value)}</failed-rules></error></message>`,
        ),
      ]
    default:
      return []
  }
}

const bounce = canonicalXml(
  `<message type='error' from='${JULIET}' to='${ROMEO}' id='m1'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`,
)
const julietCopy = canonicalXml(
  `<message xmlns='jabber:client' to='${JULIET}' id='m1' type='chat'><body>Wherefore art thou?</body></message>`,
)

describe("one deliver rule, no failures (spec §4)", () => {
  it.each(cases)(
    "%s deliver=%s, recipient %s, storage %s",
    async (action, value, recipient, storage) => {
      const { host, plugin, romeo, send } = await setup(STORAGE[storage])
      const juliet =
        recipient === "offline"
          ? undefined
          : host.connect(JULIET_BALCONY, recipient === "online" ? 0 : -1)
      const storing = storage !== "none"
      const path = [
        ...(recipient === "online" ? ["direct"] : []),
        ...(storing ? ["stored"] : []),
        "none",
      ]
      const first = path[0]
      const fires = value === first
      const stops = fires && action !== "notify"

      const result = await send(
        ampMessage(
          JULIET,
          [[action, value]].map(([a, v]) => [a ?? "", "deliver", v ?? ""]),
        ),
      )

      const replies = fires ? expectedReply(action, value) : []
      const bounced = !stops && first === "none" ? [bounce] : []
      expect(received(romeo)).toEqual([...replies, ...bounced])
      const delivered = !stops && first === "direct"
      expect(juliet === undefined ? [] : received(juliet)).toEqual(delivered ? [julietCopy] : [])
      const offline = !stops && first === "stored" && STORAGE[storage].offline
      expect(
        host.store.offlineOf(JULIET).map((entry) => canonicalXml(entry.stanza.toString())),
      ).toEqual(offline ? [julietCopy] : [])
      const archived = !stops && first !== "none" && STORAGE[storage].mam
      expect(host.store.archiveOf(JULIET)).toHaveLength(archived ? 1 : 0)
      const end = stops
        ? "stopped"
        : first === "direct"
          ? "delivered"
          : first === "stored"
            ? "stored"
            : "discarded"
      expect(result).toMatchObject({ _tag: "Processed", end })
      await plugin.stop()
    },
  )
})
