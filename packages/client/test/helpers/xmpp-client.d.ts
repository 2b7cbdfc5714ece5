// Minimal typings of @xmpp/client for the tests (the package ships none): only what tests use.
declare module "@xmpp/client" {
  import type { Element } from "@xmpp/xml"

  type Listener = (...values: never[]) => void

  /** An @xmpp/client instance: the entity itself plus its plugins. */
  export interface Client {
    readonly jid: { readonly domain: string; toString(): string } | null
    readonly options: { readonly domain?: string }
    readonly status: string
    readonly entity: Client
    readonly middleware: {
      use(handler: (context: { readonly stanza: Element }, next: () => unknown) => unknown): unknown
    }
    readonly iqCaller: { request(stanza: Element, timeout?: number): Promise<Element> }
    readonly reconnect: { delay: number }
    send(element: Element): Promise<unknown>
    on(event: string, listener: Listener): unknown
    removeListener(event: string, listener: Listener): unknown
    start(): Promise<unknown>
    stop(): Promise<unknown>
  }

  export function client(options: {
    service: string
    domain: string
    username?: string
    password?: string
    resource?: string
  }): Client
}
