// The module system of the server (issue 4 item 7): a module is a name plus a `setup`
// function that gets the server API and its `[modules.NAME]` table and returns hooks.
// Hooks are plain synchronous functions called on the hot path in module order; see
// docs/MODULES.md for when each one runs and what it may do.

import type { ModuleCluster } from "../cluster/ModuleCluster.js"
import type { ServerConfig } from "../config/ServerConfig.js"
import type { Jid } from "../jid/Jid.js"
import type { Logger } from "../log/Logger.js"
import type { RosterReader } from "../roster/Rosters.js"
import type {
  ArchiveStore,
  MessageStores,
  OfflineMessage,
  OfflineStore,
  OfflineVerdict,
  StorageOutcomeEvent,
} from "../routing/MessageStores.js"
import type { RouteDecision } from "../routing/RouteDecision.js"
import type { Session, SessionCloseReason } from "../session/Session.js"
import type { StreamHooks } from "../sm/SmHooks.js"
import type { Repositories } from "../storage/repositories/StorageBackend.js"
import type { XmlElement } from "../xml/Xml.js"

/** A module's answer to `stanzaReceived`: go on (optionally with a replacement) or stop. */
export type ReceivedVerdict = undefined | "stop" | { readonly replace: XmlElement }

/** A message about to be carried out per `decision`. */
export interface MessageRoutedEvent {
  /** The sending session; undefined for messages the server or a module sends. */
  readonly from: Session | undefined
  /** The message (its `from` is already stamped). Modules may modify it in place. */
  readonly stanza: XmlElement
  /** The parsed `to`. */
  readonly to: Jid
  readonly decision: RouteDecision
  /** A key unique to this message in this server process (`api.messageKey(stanza)` finds it). */
  readonly key: string
  /**
   * Offline storage would keep the message when there is no session to deliver to (or the
   * delivery fails): the offline module is on, the recipient is a local account and the
   * message is of a kind it stores.
   */
  readonly wouldStoreOffline: boolean
  /** The MAM module would archive the recipient's copy (kind and recipient's preferences). */
  readonly wouldArchive: boolean
}

/** `handled`: the module took over; the server does nothing more with the message. */
export type RoutedVerdict = undefined | "handled"

/** Identity and features answered to one disco#info node. */
export interface DiscoInfo {
  readonly identities: ReadonlyArray<{
    readonly category: string
    readonly type: string
    readonly name?: string
  }>
  readonly features: ReadonlyArray<string>
}

/** What a disco#info query is addressed to. */
export type DiscoTarget =
  | { readonly kind: "server" }
  | { readonly kind: "account"; readonly username: string }

/** Where a stream is in its negotiation (RFC 6120 §4.3). */
export interface StreamStage {
  readonly authenticated: boolean
  readonly secure: boolean
}

/** Answers an IQ: a reply element (result or error), a promise of one, or "unhandled". */
export type IqHandler = (
  iq: XmlElement,
  from: Session,
  target: DiscoTarget,
) => XmlElement | Promise<XmlElement> | "unhandled"

/** The hooks a module may provide; every one is optional (stream hooks: src/sm/SmHooks.ts). */
export interface ModuleHooks extends StreamHooks {
  /** A stanza arrived from a bound session, before any processing (its `from` is stamped). */
  readonly stanzaReceived?: (session: Session, stanza: XmlElement) => ReceivedVerdict
  /** A message's routing decision, before it is carried out. */
  readonly messageRouted?: (event: MessageRoutedEvent) => RoutedVerdict
  /** A stanza was handed to a session's socket (`ok`) or the write failed. */
  readonly stanzaWritten?: (session: Session, stanza: XmlElement, ok: boolean) => void
  /** A session was bound (after resource binding). */
  readonly sessionOpened?: (session: Session) => void
  /** A session ended (after its unavailable presence went out). */
  readonly sessionClosed?: (session: Session, reason: SessionCloseReason) => void
  /** Features added to the server's disco#info. */
  readonly serverFeatures?: ReadonlyArray<string>
  /** Features added to every account's disco#info (to a bare JID). */
  readonly accountFeatures?: ReadonlyArray<string>
  /** Answers disco#info for a node; undefined when the node is not the module's. */
  readonly discoInfoNode?: (
    node: string,
    target: DiscoTarget,
  ) => DiscoInfo | "item-not-found" | undefined
  /** Stream features to advertise at this stage. */
  readonly streamFeatures?: (stage: StreamStage) => ReadonlyArray<XmlElement>
  /** IQ handlers by namespace of the IQ's child element (to the server or to an account). */
  readonly iqHandlers?: Readonly<Record<string, IqHandler>>
  /**
   * A session sent its initial available presence (any priority), or raised its priority
   * from negative to non-negative; called after the presence broadcast.
   */
  readonly sessionAvailable?: (session: Session) => void
  /**
   * The server carried a message out (not called when a module returned `handled`):
   * `delivered` are the sessions it was written to (empty when stored, archived only or bounced).
   */
  readonly messageCarriedOut?: (
    event: MessageRoutedEvent,
    delivered: ReadonlyArray<Session>,
  ) => void
  /** An offline-storage or archive write committed (`result.ok`) or failed. */
  readonly storageOutcome?: (event: StorageOutcomeEvent) => void
  /**
   * Before an offline message is delivered: `discard` removes it unsent (e.g. an AMP
   * `expire-at` that passed). Messages are delivered in order; a promise is awaited.
   */
  readonly offlineDelivery?: (
    message: OfflineMessage,
  ) => OfflineVerdict | undefined | Promise<OfflineVerdict | undefined>
  /** Stores this module provides to the server and other modules (the offline and MAM modules). */
  readonly provides?: { readonly offline?: OfflineStore; readonly archive?: ArchiveStore }
  /**
   * Awaited once every module is set up, before the listeners open: work that must be done
   * before any client logs in (XEP-0198 crash recovery moves left-over rows to offline storage).
   * A rejection is logged; the server starts anyway.
   */
  readonly ready?: () => Promise<void>
  /**
   * Called at a graceful stop once the streams are closed, before any module stops and the
   * storage closes: resolves when the stanzas the module took over (processing in the
   * background) are done with. The wait is bounded by `[server] shutdown_drain_seconds`.
   */
  readonly drain?: () => Promise<void>
  /** Called at stop, after the module's timers are cancelled. */
  readonly stop?: () => void | Promise<void>
}

/** The server as a module sees it. */
export interface ModuleApi {
  readonly domain: string
  readonly config: ServerConfig
  /** The repositories of the configured backend, SQLite or PostgreSQL (src/storage/repositories). */
  readonly repositories: Repositories
  /** The users' rosters: synchronous reads of cached ones, `load` for the others. */
  readonly rosters: RosterReader
  readonly logger: Logger
  /** This node's cluster (spec/cluster.md) when `[cluster] enabled`; undefined on one server. */
  readonly cluster: ModuleCluster | undefined
  /** Routes a stanza as the server (no `stanzaReceived`; `messageRouted` runs with `from` undefined). */
  send(stanza: XmlElement): void
  /**
   * Sends an IQ get/set to an XEP-0114 component (e.g. a push app server) and resolves with
   * its result or error stanza; rejects when the component is not connected or times out
   * (default 10 s).
   */
  request(iq: XmlElement, timeoutMs?: number): Promise<XmlElement>
  /** Writes a stanza straight to one session. */
  deliver(session: Session, stanza: XmlElement): boolean
  /** The routing decision for a message to `to` (not carried out). */
  decide(to: Jid, type: string | undefined): RouteDecision
  /** Online sessions of an account (in a cluster, on every node). */
  sessionsOf(bare: string): ReadonlyArray<Session>
  /** The session bound to the full JID `bare/resource` (in a cluster, on any node), if any. */
  sessionOf(bare: string, resource: string): Session | undefined
  /**
   * Offline storage and the archive, when their modules are on (read at call time: a store
   * set up by a later module is there once the server started).
   */
  readonly stores: MessageStores
  /** The routing key of a message that went through routing (`MessageRoutedEvent.key`). */
  messageKey(stanza: XmlElement): string | undefined
  /**
   * Carries out a message a module took over (returned `handled`) as the server would have:
   * archive, deliver or store offline, bounce.
   */
  carryOut(event: MessageRoutedEvent): void
  /**
   * A message the module took over at `stanzaReceived` was delivered or stored by the module:
   * runs the other modules' `messageCarriedOut` hooks (carbons, XEP-0280) as the server would
   * have. `stanza` is the message as the recipient got it.
   */
  carriedOut(from: Session, stanza: XmlElement): void
  /** Runs every module's `offlineDelivery` hook in order (for the offline module): the verdict. */
  offlineVerdict(message: OfflineMessage): Promise<OfflineVerdict>
  /** Runs `task` every `ms` until stop; returns a cancel function. */
  every(ms: number, task: () => void): () => void
  /** Runs `task` once after `ms` unless cancelled or stopped; returns a cancel function. */
  after(ms: number, task: () => void): () => void
}

/** A server module, e.g. the AMP plugin. */
export interface ServerModule {
  /** The `[modules.NAME]` table it reads. */
  readonly name: string
  /** Called once at start; a table with `enabled = false` skips the module. */
  readonly setup: (
    api: ModuleApi,
    options: Readonly<Record<string, unknown>>,
  ) => ModuleHooks | Promise<ModuleHooks>
}
