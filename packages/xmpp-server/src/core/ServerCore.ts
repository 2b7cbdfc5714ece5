// The state every part of the running server shares: identity, configuration, storage,
// online sessions, installed modules and the open connections. Built once by Server.ts.
import type { SecureContext } from "node:tls"
import type { AccountDirectory } from "../auth/AccountDirectory.js"
import type { ClusterHealthView } from "../cluster/ClusterHealth.js"
import type { ClusterNode } from "../cluster/ClusterNode.js"
import type { ComponentRouter } from "../components/ComponentRouter.js"
import type { ServerConfig } from "../config/ServerConfig.js"
import type { Logger } from "../log/Logger.js"
import type { ModuleHost } from "../modules/ModuleHost.js"
import type { Rosters } from "../roster/Rosters.js"
import type { SessionCloseReason } from "../session/Session.js"
import type { SessionRegistry } from "../session/SessionRegistry.js"
import type { SmRuntime } from "../sm/SmRuntime.js"
import type { Repositories } from "../storage/repositories/StorageBackend.js"
import type { StorageHealthView } from "../storage/StorageHealth.js"

/** An open client connection, as the server tracks it for shutdown. */
export interface OpenConnection {
  /** Ends the stream with `system-shutdown`. */
  shutdown(): void
  /** Closes the socket at once. */
  destroy(): void
  /**
   * Graceful stop, before `shutdown` (XEP-0198 §4): asks a stream-managed client that holds
   * unacknowledged stanzas for a last `<a/>`. Returns a check that is true once the answer
   * was processed, or undefined when there is nothing to ask (optional: components have no
   * stream management).
   */
  askFinalAck?(): (() => boolean) | undefined
  /**
   * The account the stream authenticated as (`user@domain`), "" before SASL succeeded
   * (optional: components have no account).
   */
  readonly bare?: string
  /** Ends the stream as `Session.close` does, also before binding (optional, as `bare`). */
  close?(reason: SessionCloseReason, condition?: string, text?: string): void
}

/** Shared server state. */
export interface ServerCore {
  readonly domain: string
  readonly config: ServerConfig
  /** The repositories of the configured backend, SQLite or PostgreSQL (src/storage/repositories). */
  readonly repositories: Repositories
  /** Whether the storage answers (src/storage/StorageHealth.ts); absent: always up. */
  readonly storageHealth?: StorageHealthView | undefined
  /** Whether this node reaches NATS (src/cluster/ClusterHealth.ts); absent: a single node. */
  readonly clusterHealth?: ClusterHealthView | undefined
  /** The rosters in memory above `repositories.roster` (src/roster/Rosters.ts). */
  readonly rosters: Rosters
  /** Which accounts exist, synchronously (loaded at start, kept current by this server). */
  readonly accounts: AccountDirectory
  readonly logger: Logger
  readonly sessions: SessionRegistry
  readonly modules: ModuleHost
  readonly connections: Set<OpenConnection>
  readonly secureContext: SecureContext | undefined
  /** The PEM certificate and key behind `secureContext` (direct TLS listener). */
  readonly certificate: { readonly cert: string; readonly key: string } | undefined
  /** Set when a graceful stop began: new connections are refused. */
  readonly lifecycle: { stopping: boolean }
  /** Text that makes a message write fail (`[testing.faults] socket_write_marker`); "" when off. */
  readonly writeFailureMarker: string
  /** XEP-0198 stream management and XEP-0352 CSI state (src/sm). */
  readonly sm: SmRuntime
  /** XEP-0114 external components: configured and connected ones, pending IQs to them. */
  readonly components: ComponentRouter
  /** This process as one node of a cluster (src/cluster/ClusterNode.ts); undefined alone. */
  cluster: ClusterNode | undefined
}
