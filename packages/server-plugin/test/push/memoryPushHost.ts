// An in-memory push host for the push module's tests: records every publish with a handle to
// answer it (result, error, or never), keeps registrations in a Map, records hibernation calls.
import xml, { type Element } from "@xmpp/xml"
import type { PushHost, StoredRegistration } from "../../src/index.js"

/** A publish the module sent, and how to answer it. */
export interface SentPublish {
  readonly iq: Element
  answer(reply: Element): void
  fail(reason: string): void
}

/** The recording host. */
export interface MemoryPushHost extends PushHost {
  readonly sent: SentPublish[]
  readonly stored: Map<string, StoredRegistration>
  readonly hibernation: string[]
}

const keyOf = (registration: StoredRegistration) =>
  `${registration.user} ${registration.service} ${registration.node}`

/** A host whose clock is `Date.now()` (fake timers move it) and whose store starts with `initial`. */
export const memoryPushHost = (initial: readonly StoredRegistration[] = []): MemoryPushHost => {
  const sent: SentPublish[] = []
  const stored = new Map(initial.map((registration) => [keyOf(registration), registration]))
  const hibernation: string[] = []
  return {
    sent,
    stored,
    hibernation,
    now: () => Date.now(),
    publish: (iq) =>
      new Promise((resolve, reject) => {
        sent.push({ iq, answer: resolve, fail: (reason) => reject(new Error(reason)) })
      }),
    registrations: {
      load: async () => [...stored.values()],
      save: async (registration) => {
        stored.set(keyOf(registration), registration)
      },
      remove: async (registration) => {
        stored.delete(keyOf(registration))
      },
    },
    extendHibernation: (session, timeoutMs) => hibernation.push(`extend ${session} ${timeoutMs}`),
    restoreHibernation: (session) => hibernation.push(`restore ${session}`),
  }
}

/** The app server's `result` to a publish. */
export const resultTo = (iq: Element): Element =>
  xml("iq", { type: "result", id: iq.attrs.id, from: iq.attrs.to, to: iq.attrs.from })

/** The app server's `error` of `type` to a publish. */
export const errorTo = (iq: Element, type: string, condition: string): Element =>
  xml(
    "iq",
    { type: "error", id: iq.attrs.id, from: iq.attrs.to, to: iq.attrs.from },
    xml("error", { type }, xml(condition, { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" })),
  )

/** An enable IQ from `from` for app server `jid` and `node`. */
export const enableIq = (from: string, jid: string, node: string): Element =>
  xml(
    "iq",
    { type: "set", id: `enable-${node}`, from },
    xml("enable", { xmlns: "urn:xmpp:push:0", jid, node }),
  )

/** A disable IQ from `from` for app server `jid` (and `node` when given). */
export const disableIq = (from: string, jid: string, node?: string): Element =>
  xml(
    "iq",
    { type: "set", id: "disable", from },
    xml("disable", { xmlns: "urn:xmpp:push:0", jid, ...(node === undefined ? {} : { node }) }),
  )

/** A chat message with a body to `to`. */
export const chat = (to: string, body: string): Element =>
  xml("message", { type: "chat", to, from: "romeo@montague.example/garden" }, xml("body", {}, body))
