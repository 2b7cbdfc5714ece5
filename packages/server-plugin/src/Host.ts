// The host interface: everything the AMP plugin (XEP-0079, spec §2–§7) asks of the XMPP server
// that mounts it. Plain async functions, so any Node XMPP server can implement it without Effect.
// What the host tells the plugin (events) is the `AmpPlugin` API; this file is what the plugin
// asks of the host (capabilities). The plugin never reaches into host internals.
import type { Element } from "@xmpp/xml"
import type { SessionRouting } from "@xmpp-amp/amp-core"

/** Who the recipient of a message is, as far as the host's routing knows. */
export type RecipientKind =
  /** An existing account on a domain this server serves. */
  | "local-user"
  /** A domain this server serves, but no such account (bounced `service-unavailable`). */
  | "unknown-user"
  /** A domain this server does not serve and cannot reach (bounced `remote-server-not-found`). */
  | "remote-domain"

/** The host's routing decision for one message (RFC 6121 §8.5), before anything is carried out. */
export interface HostRouting {
  /** Who the recipient is. */
  readonly kind: RecipientKind
  /** The recipient's bare JID, normalised the way the host stores it. */
  readonly recipient: string
  /** Which sessions `deliver` would write to (spec §4: negative priority means none for a bare JID). */
  readonly sessions: SessionRouting
  /** Offline storage would keep the message when there is no session or delivery fails. */
  readonly wouldStoreOffline: boolean
  /** MAM would archive the recipient's copy. */
  readonly wouldArchive: boolean
}

/** How `deliver` confirms a write: the socket write, or the recipient's XEP-0198 ack. */
export type DeliveryConfirmation = "write" | "ack"

/**
 * One row of the plugin's durable table of pending rules (spec §4: expire-at survives a restart).
 * The host stores it as-is; `expiresAt` and `recipient` must be queryable.
 */
export interface PendingRow {
  /** Unique id chosen by the plugin; also the extra data stored with the offline message. */
  readonly id: string
  /** The recipient's bare JID (for `PendingTable.forRecipient`). */
  readonly recipient: string
  /** When the earliest pending `expire-at` rule falls due, epoch ms (the expiry index). */
  readonly expiresAt: number
  /** Opaque text owned by the plugin. */
  readonly data: string
}

/** A small durable table the host keeps for the plugin (one SQL table with two indexes is enough). */
export interface PendingTable {
  /** Inserts or replaces the row with this id; resolves once durable. */
  readonly put: (row: PendingRow) => Promise<void>
  /**
   * The row with this id, if any. A table several hosts share claims the row for this host
   * (waiting while another host's claim holds it) until `put` or `remove`.
   */
  readonly get: (id: string) => Promise<PendingRow | undefined>
  /** Deletes the row with this id (no error when absent). */
  readonly remove: (id: string) => Promise<void>
  /**
   * Rows with `expiresAt <= now`, earliest first, at most `limit`. A table several hosts share
   * answers only rows no other host holds, and claims them for this host (for a lease, ended
   * by `put` or `remove`): two hosts sweeping at once never get the same row.
   */
  readonly due: (now: number, limit: number) => Promise<readonly PendingRow[]>
  /** All rows of one recipient. */
  readonly forRecipient: (recipient: string) => Promise<readonly PendingRow[]>
}

/** What the plugin adds to service discovery (XEP-0030) and stream features (XEP-0079 §8). */
export interface HostExtension {
  /** Features to add to disco#info of the server domain (no node). */
  readonly serverFeatures: readonly string[]
  /**
   * Answers disco#info for a node: the `<query/>` result, `"item-not-found"` for a node the
   * plugin owns but does not know, or `undefined` when the node is not the plugin's.
   */
  readonly nodeInfo: (node: string) => Element | "item-not-found" | undefined
  /** The stream feature to advertise after authentication (and before, once TLS is up). */
  readonly streamFeature: Element | undefined
}

/**
 * What a capability returns: the answer itself when the host has it at once, or a promise of
 * it. A capability fails by throwing or by rejecting. A plain answer spares the hot path a
 * promise and an event-loop turn per call (the reference server answers `route`,
 * `maySeePresence` and `sendToUser` at once).
 */
export type HostAnswer<A> = A | PromiseLike<A>

/** Told the outcome of one `deliverTo`: true when a session accepted the message. */
export interface DeliveryListener {
  /** Called once: true when written (or acked), false when no session took it. */
  readonly confirmed: (written: boolean) => void
}

/** Everything the AMP plugin asks of its host server. */
export interface AmpHost {
  /** The server's domain: the `from` of every AMP reply. */
  readonly domain: string
  /** The host's clock, epoch milliseconds (the plugin keeps no time of its own). */
  readonly now: () => number
  /** The routing decision for a message from a local client; no side effect. */
  readonly route: (message: Element) => HostAnswer<HostRouting>
  /** True when `sender` may see `recipient`'s presence: roster `from`/`both`, or the same account. */
  readonly maySeePresence: (sender: string, recipient: string) => HostAnswer<boolean>
  /**
   * Writes the message to the sessions of the routing decision; resolves true when at least one
   * session accepted it (written, or acked when `confirm` is "ack"), false when none did.
   * `routing` is what `route` answered for this very element, given only when nothing was waited
   * for since (same synchronous run): a host may deliver by the decision behind it instead of
   * deciding again.
   */
  readonly deliver: (
    message: Element,
    confirm: DeliveryConfirmation,
    routing?: HostRouting,
  ) => HostAnswer<boolean>
  /**
   * Optional: `deliver` telling `listener` instead of answering (no promise, continuation and
   * event-loop turn per message: the hot path uses it when present). Calls
   * `listener.confirmed` exactly once, with what `deliver` would have answered, possibly
   * before returning; it must not also throw after calling it. `routing` as for `deliver`.
   */
  readonly deliverTo?: (
    message: Element,
    confirm: DeliveryConfirmation,
    routing: HostRouting | undefined,
    listener: DeliveryListener,
  ) => void
  /**
   * Stores the message durably in the recipient's offline storage together with `extra`, which the
   * host hands back to `AmpPlugin.offlineDelivery` before delivering it. Resolves the storage key,
   * or `undefined` when the write failed.
   */
  readonly storeOffline: (message: Element, extra: string) => HostAnswer<string | undefined>
  /** Archives the recipient's copy (MAM); resolves the archive key, or `undefined` on failure. */
  readonly archive: (message: Element) => HostAnswer<string | undefined>
  /** Removes a message from offline storage (no error when already gone). */
  readonly removeOffline: (key: string) => HostAnswer<void>
  /** Removes a message from the recipient's archive (no error when already gone). */
  readonly removeArchived: (key: string) => HostAnswer<void>
  /**
   * Sends a stanza to a local user's full JID; when that session is gone, routes it as a normal
   * message to an absent resource (RFC 6121 §8.5.3.2.1), whatever its type: to the user's other
   * available resources at once, else into the user's offline storage for their next login,
   * whatever the resource (spec §5). Used for AMP replies, `type='error'` ones included.
   */
  readonly sendToUser: (stanza: Element) => HostAnswer<void>
  /**
   * Optional: `sendToUser` for a reply the plugin wrote as XML text (`text` is exactly what
   * serializing the element `sendToUser` would get gives; `to` is that element's `to`, a local
   * user's full JID). Same routing and answer as `sendToUser`; a host that writes stanzas as
   * text can write this one without building an element (the hot path's notify and alert
   * replies use it when present).
   */
  readonly sendTextToUser?: (to: string, text: string) => HostAnswer<void>
  /** Routes a stanza normally (used for bounces). */
  readonly send: (stanza: Element) => HostAnswer<void>
  /** The plugin's durable table of pending rules and the expiry index. */
  readonly pending: PendingTable
  /** Registers disco features, the AMP disco node and the stream feature; called once at start. */
  readonly register: (extension: HostExtension) => HostAnswer<void>
}
