// Type declarations for the parts of @xmpp/client (which ships none) that the demo uses.
declare module "@xmpp/client" {
  import type { Element } from "@xmpp/xml"
  import xmlFactory from "@xmpp/xml"

  /** A parsed JID (@xmpp/jid). */
  export interface Jid {
    readonly local: string
    readonly domain: string
    readonly resource: string
    bare(): Jid
    toString(): string
  }

  /** What an incoming middleware handler receives. */
  export interface IncomingContext {
    readonly stanza: Element
    readonly from: Jid | null
  }

  /** An @xmpp/client instance. */
  export interface XmppClient {
    readonly jid: Jid | null
    readonly options: { readonly domain?: string }
    readonly status: string
    start(): Promise<Jid>
    stop(): Promise<void>
    send(element: Element): Promise<void>
    on(event: string, listener: (...values: never[]) => void): unknown
    removeListener(event: string, listener: (...values: never[]) => void): unknown
    readonly iqCaller: { request(element: Element, timeout?: number): Promise<Element> }
    readonly iqCallee: {
      set(ns: string, name: string, handler: (context: IncomingContext) => unknown): void
      get(ns: string, name: string, handler: (context: IncomingContext) => unknown): void
    }
    readonly middleware: {
      use(handler: (context: IncomingContext, next: () => unknown) => unknown): unknown
    }
    readonly reconnect: { stop(): void; start(): void }
    readonly entity: XmppClient
  }

  /** Options of `client`. */
  export interface ClientOptions {
    readonly service: string
    readonly domain: string
    readonly resource?: string
    readonly username?: string
    readonly password?: string
  }

  export function client(options: ClientOptions): XmppClient
  export const xml: typeof xmlFactory
  export function jid(text: string): Jid
}
