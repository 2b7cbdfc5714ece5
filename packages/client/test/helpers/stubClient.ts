// An in-memory stand-in for an @xmpp/client instance (entity, middleware, iq caller) so unit
// tests can feed stanzas through the plugin's middleware path and script iq answers.

import type { Element } from "@xmpp/xml"
import { parseXml } from "@xmpp-amp/amp-core"
import type { AmpPluginDependencies } from "../../src/index.js"

type Listener = (...values: never[]) => void

/** A stub client: what was sent, and ways to push stanzas and events into the plugin. */
export interface StubClient extends AmpPluginDependencies {
  /** Stanzas given to `entity.send`. */
  readonly sent: Element[]
  /** iq stanzas given to `iqCaller.request`. */
  readonly iqs: Element[]
  /** Runs an incoming stanza (element or XML text) through the middleware chain. */
  receive(stanza: Element | string): void
  /** Emits an entity event (`online`, `nonza`, …). */
  emit(event: string, ...values: unknown[]): void
}

/** Creates a stub bound to `jid`; `answer` scripts iq results (throw to make an iq error). */
export const stubClient = (
  jid: string,
  answer: (iq: Element) => Element | Promise<Element> = () => {
    throw new Error("no iq answer scripted")
  },
): StubClient => {
  const listeners = new Map<string, Set<Listener>>()
  const handlers: Array<(context: { stanza: Element }, next: () => unknown) => unknown> = []
  const sent: Element[] = []
  const iqs: Element[] = []
  const domain = jid.split("@")[1]?.split("/")[0] ?? jid
  const stub: StubClient = {
    sent,
    iqs,
    entity: {
      jid: { domain, toString: () => jid },
      options: { domain },
      send: async (element) => {
        sent.push(element)
      },
      on: (event, listener) => {
        const set = listeners.get(event) ?? new Set()
        set.add(listener)
        listeners.set(event, set)
      },
      removeListener: (event, listener) => {
        listeners.get(event)?.delete(listener)
      },
    },
    middleware: {
      use: (handler) => {
        handlers.push(handler)
      },
    },
    iqCaller: {
      request: async (stanza) => {
        iqs.push(stanza)
        return answer(stanza)
      },
    },
    receive: (stanza) => {
      const element = typeof stanza === "string" ? parseXml(stanza) : stanza
      const run = (index: number): unknown =>
        handlers[index]?.({ stanza: element }, () => run(index + 1))
      run(0)
    },
    emit: (event, ...values) => {
      for (const listener of listeners.get(event) ?? []) {
        ;(listener as (...args: unknown[]) => void)(...values)
      }
    },
  }
  return stub
}
