// The minimal structural types of an @xmpp/client instance that this plugin relies on.
// @xmpp/client ships no typings, so we declare only what we use (xmpp.js plugin dependencies:
// `entity`, `middleware`, `iqCaller`) and never leak its untyped internals into our API.
import type { Element } from "@xmpp/xml"

/** A JID as @xmpp/jid exposes it: we read only the domain and the string form. */
export interface XmppJid {
  /** The domain part. */
  readonly domain: string
  /** The full JID as text. */
  toString(): string
}

/** The connection entity of @xmpp/client: its JID, `send` and connection events. */
export interface XmppEntity {
  /** The bound JID once online, `null` (or undefined) before. */
  readonly jid?: XmppJid | null | undefined
  /** Connection options; `domain` is the server the entity connects to. */
  readonly options?: { readonly domain?: string | undefined } | undefined
  /** Writes a stanza to the stream. */
  send(element: Element): Promise<unknown>
  /** Subscribes to an entity event (`online`, `nonza`, …). */
  on(event: string, listener: (...values: never[]) => void): unknown
  /** Unsubscribes a listener. */
  removeListener(event: string, listener: (...values: never[]) => void): unknown
}

/** What an incoming middleware handler receives: at least the stanza. */
export interface XmppIncomingContext {
  /** The incoming top-level element. */
  readonly stanza: Element
}

/** The @xmpp/middleware API: `use` adds an incoming handler. */
export interface XmppMiddleware {
  /** Adds an incoming middleware; it must call `next()` to pass the stanza on. */
  use(handler: (context: XmppIncomingContext, next: () => unknown) => unknown): unknown
}

/** The @xmpp/iq caller: sends an `<iq/>` and resolves with the result stanza. */
export interface XmppIqCaller {
  /** Sends the iq (adding an id) and resolves with the `result`, rejects on `error` or timeout. */
  request(stanza: Element, timeout?: number): Promise<Element>
}

/** What the plugin needs, xmpp.js style: an @xmpp/client instance has all three properties. */
export interface AmpPluginDependencies {
  /** The connection entity. */
  readonly entity: XmppEntity
  /** The middleware, to read incoming messages. */
  readonly middleware: XmppMiddleware
  /** The iq caller, for service discovery and push. */
  readonly iqCaller: XmppIqCaller
}
