// The host interface (`Host.ts`) as an Effect service: every capability becomes an Effect that
// fails with a `HostError` naming the capability, so the plugin core never sees a raw rejection.
import type { Element } from "@xmpp/xml"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { HostError, type HostFailureReason } from "./Errors.js"
import type {
  AmpHost,
  DeliveryConfirmation,
  HostAnswer,
  HostExtension,
  HostRouting,
  PendingRow,
} from "./Host.js"

type Capability<A> = Effect.Effect<A, HostError>

/** The host's capabilities, as Effects. */
export interface HostShape {
  /** The server's domain. */
  readonly domain: string
  /** The host's clock, epoch ms. */
  readonly now: Effect.Effect<number>
  /** See `AmpHost.route`. */
  readonly route: (message: Element) => Capability<HostRouting>
  /** See `AmpHost.maySeePresence`. */
  readonly maySeePresence: (sender: string, recipient: string) => Capability<boolean>
  /** See `AmpHost.deliver`. */
  readonly deliver: (message: Element, confirm: DeliveryConfirmation) => Capability<boolean>
  /** See `AmpHost.storeOffline`. */
  readonly storeOffline: (message: Element, extra: string) => Capability<string | undefined>
  /** See `AmpHost.archive`. */
  readonly archive: (message: Element) => Capability<string | undefined>
  /** See `AmpHost.removeOffline`. */
  readonly removeOffline: (key: string) => Capability<void>
  /** See `AmpHost.removeArchived`. */
  readonly removeArchived: (key: string) => Capability<void>
  /** See `AmpHost.sendToUser`. */
  readonly sendToUser: (stanza: Element) => Capability<void>
  /** See `AmpHost.send`. */
  readonly send: (stanza: Element) => Capability<void>
  /** See `PendingTable.put`. */
  readonly putPending: (row: PendingRow) => Capability<void>
  /** See `PendingTable.get`. */
  readonly getPending: (id: string) => Capability<PendingRow | undefined>
  /** See `PendingTable.remove`. */
  readonly removePending: (id: string) => Capability<void>
  /** See `PendingTable.due`. */
  readonly duePending: (now: number, limit: number) => Capability<readonly PendingRow[]>
  /** See `PendingTable.forRecipient`. */
  readonly pendingFor: (recipient: string) => Capability<readonly PendingRow[]>
  /** See `AmpHost.register`. */
  readonly register: (extension: HostExtension) => Capability<void>
}

const call =
  (reason: HostFailureReason) =>
  <A>(run: () => HostAnswer<A>): Capability<A> =>
    Effect.tryPromise({
      // An async function: a plain answer, a promise and a throw all come out as one promise.
      try: async () => run(),
      catch: (cause) => new HostError({ reason, cause }),
    })

/** Wraps a plain `AmpHost` (answers at once or with promises) as the `Host` service shape. */
export const hostShape = (host: AmpHost): HostShape => ({
  domain: host.domain,
  now: Effect.sync(() => host.now()),
  route: (message) => call("route")(() => host.route(message)),
  maySeePresence: (sender, recipient) =>
    call("presence")(() => host.maySeePresence(sender, recipient)),
  deliver: (message, confirm) => call("deliver")(() => host.deliver(message, confirm)),
  storeOffline: (message, extra) => call("store-offline")(() => host.storeOffline(message, extra)),
  archive: (message) => call("archive")(() => host.archive(message)),
  removeOffline: (key) => call("remove")(() => host.removeOffline(key)),
  removeArchived: (key) => call("remove")(() => host.removeArchived(key)),
  sendToUser: (stanza) => call("send")(() => host.sendToUser(stanza)),
  send: (stanza) => call("send")(() => host.send(stanza)),
  putPending: (row) => call("pending-table")(() => host.pending.put(row)),
  getPending: (id) => call("pending-table")(() => host.pending.get(id)),
  removePending: (id) => call("pending-table")(() => host.pending.remove(id)),
  duePending: (now, limit) => call("pending-table")(() => host.pending.due(now, limit)),
  pendingFor: (recipient) => call("pending-table")(() => host.pending.forRecipient(recipient)),
  register: (extension) => call("register")(() => host.register(extension)),
})

/** The host server, as seen by the plugin. */
export class Host extends Context.Service<Host, HostShape>()("@xmpp-amp/server-plugin/Host") {
  /** A layer from a plain async host implementation. */
  static readonly layer = (host: AmpHost) => Layer.succeed(Host, hostShape(host))
}
