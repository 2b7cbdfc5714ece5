// Starts and stops the reference server (spec/server.md). Startup is an Effect program whose
// resources (storage, listeners, modules, open streams) live in one Scope; `stop()` closes
// the scope: new connections are refused, streams end with `system-shutdown`, the stanzas
// already read finish their processing (`shutdown_drain_seconds`), listeners close, modules
// stop, storage closes. The Promise facade is for the CLI and tests.
import { createSecureContext } from "node:tls"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { adminSocket, claimAdminSocket } from "./admin/AdminSocket.js"
import { loadAccountDirectory, trackedAccounts } from "./auth/AccountDirectory.js"
import type { ClusterLink } from "./cluster/ClusterLink.js"
import { ClusterNode } from "./cluster/ClusterNode.js"
import { clusterModule } from "./cluster/clusterModule.js"
import { moduleClusterOf } from "./cluster/ModuleCluster.js"
import { watchNodeDeaths } from "./cluster/NodeDeaths.js"
import { holdNodeLock } from "./cluster/NodeLiveness.js"
import { openClusterLink } from "./cluster/openClusterLink.js"
import { ComponentRouter } from "./components/ComponentRouter.js"
import { toComponent } from "./components/ComponentRouting.js"
import type { ServerConfig } from "./config/ServerConfig.js"
import type { OpenConnection, ServerCore } from "./core/ServerCore.js"
import { csiModule } from "./csi/csiModule.js"
import {
  componentListener,
  directTlsListener,
  tcpListener,
  webSocketListener,
} from "./listeners/Listeners.js"
import { type Logger, makeJsonLogger } from "./log/Logger.js"
import { nodeLogger } from "./log/nodeLogger.js"
import { builtinModules } from "./modules/builtinModules.js"
import { ModuleHost } from "./modules/ModuleHost.js"
import type { ServerModule } from "./modules/ServerModule.js"
import { registerModule } from "./register/registerModule.js"
import { Rosters } from "./roster/Rosters.js"
import { decideMessage } from "./routing/Decide.js"
import {
  announceTakenOver,
  carryOut,
  messageKeyOf,
  routeMessageTo,
} from "./routing/MessageRouter.js"
import { deliverFromServer } from "./routing/ServerDelivery.js"
import { SessionRegistry } from "./session/SessionRegistry.js"
import { type DeadNodeRecovery, recoverDeadNode } from "./sm/SmRecovery.js"
import { makeSmRuntime } from "./sm/SmRuntime.js"
import { streamManagementModule } from "./sm/streamManagementModule.js"
import { causeOf } from "./storage/commands/StorageCommandError.js"
import { backendLocation } from "./storage/openBackend.js"
import { openWatchedBackend } from "./storage/openWatchedBackend.js"
import { secureDataDirectory } from "./storage/PrivateFiles.js"
import { failed } from "./storage/repositories/Outcome.js"
import type { Repositories } from "./storage/repositories/StorageBackend.js"
import { databaseFileNames } from "./storage/SqliteStorage.js"
import type { StorageHealthView } from "./storage/StorageHealth.js"
import { ensureCertificate, generatedCertificateFiles } from "./tls/certificate.js"

/** What `startServer` needs. */
export interface StartOptions {
  readonly config: ServerConfig
  readonly modules?: ReadonlyArray<ServerModule>
  /**
   * Replaces the health the backend reports (an embedder with its own check of the database);
   * new logins are refused while it says down. Default: the backend's own (storageHealth.ts).
   */
  readonly storageHealth?: StorageHealthView
  /** Defaults to JSON lines on stderr at level info. */
  readonly logger?: Logger
}

/** A server running inside an Effect scope. `ports` are the bound ports (useful with port 0). */
export interface ServerHandle {
  readonly domain: string
  readonly ports: {
    readonly c2s?: number
    readonly directTls?: number
    readonly websocket?: number
    readonly component?: number
  }
  /** The asynchronous repositories of the configured backend; tests and tools use these. */
  readonly repositories: Repositories
  /**
   * The rosters in memory above `repositories.roster`: a roster change made while the server
   * runs goes through `rosters.write`, so the sessions' cached rosters see it.
   */
  readonly rosters: Rosters
  /** This node's NATS link when `[cluster] enabled`; undefined on a single node. */
  readonly cluster: ClusterLink | undefined
}

/** A started server (Promise facade). */
export interface RunningServer extends ServerHandle {
  /**
   * Graceful stop: `system-shutdown` to every stream, the stanzas already read finish their
   * processing, then close everything.
   */
  stop(): Promise<void>
  /**
   * The cluster declared `deadNode` dead: this node adopts its XEP-0198 pending rows and moves
   * them to offline storage, exactly once cluster-wide (src/sm/SmRecovery.ts `recoverDeadNode`).
   */
  recoverDeadNode(deadNode: string): Promise<DeadNodeRecovery>
}

/**
 * Startup failed (TLS material, module setup). Listener failures are `ListenError`, admin
 * socket failures `AdminSocketError`.
 */
export class StartError extends Data.TaggedError("StartError")<{
  readonly reason: "tls" | "module" | "storage" | "cluster"
  readonly message: string
}> {}

/**
 * The graceful stop of the streams. New connections are refused at once. A stream-managed
 * client holding unacknowledged stanzas is asked for a last `<a/>` (XEP-0198 §4) and its
 * stream ends once the answer came, or when half of `shutdown_grace_seconds` is over: what it
 * acknowledged is done with, and only the rest goes to offline storage and comes again after
 * the restart. Every other stream ends with `system-shutdown` at once. Sockets still open
 * when the grace time is over are destroyed.
 */
const shutdownStreams = (core: ServerCore) =>
  Effect.callback<void>((resume) => {
    core.lifecycle.stopping = true
    const started = Date.now()
    const graceMs = core.config.server.shutdown_grace_seconds * 1000
    const asking = new Map<OpenConnection, () => boolean>()
    for (const connection of [...core.connections]) {
      const answered = graceMs === 0 ? undefined : connection.askFinalAck?.()
      if (answered === undefined) connection.shutdown()
      else asking.set(connection, answered)
    }
    // XEP-0198: hibernated sessions end now; their unacknowledged messages go offline.
    for (const session of [...core.sm.resumable.values()]) session.endHibernation()
    const asked = asking.size
    let answers = 0
    const whenAnswered = (): void => {
      for (const [connection, answered] of asking) {
        if (!core.connections.has(connection)) asking.delete(connection)
        else if (answered()) {
          answers += 1
          asking.delete(connection)
          connection.shutdown()
        }
      }
      if (asking.size > 0 && Date.now() < started + graceMs / 2)
        return void setTimeout(whenAnswered, 20)
      for (const connection of asking.keys()) connection.shutdown()
      if (asked > 0)
        core.logger.info("shutdown-acks", { asked, answered: answers, ms: Date.now() - started })
      whenClosed()
    }
    const whenClosed = (): void => {
      if (core.connections.size > 0 && Date.now() < started + graceMs)
        return void setTimeout(whenClosed, 20)
      for (const connection of [...core.connections]) connection.destroy()
      resume(Effect.void)
    }
    whenAnswered()
  })

const program = (options: StartOptions) =>
  Effect.gen(function* () {
    const { config } = options
    const logger = nodeLogger(options.logger ?? makeJsonLogger(), config.cluster)
    yield* Effect.sync(() => {
      // Issue 25 item 7: data_dir 0700, its database and key files 0600 (older ones tightened).
      const dataDir = config.server.data_dir
      const files = [...databaseFileNames(dataDir), ...Object.values(generatedCertificateFiles)]
      const { tightened, failed } = secureDataDirectory(dataDir, files)
      for (const change of tightened) logger.warn("file-permissions-tightened", { ...change })
      for (const failure of failed) logger.error("file-permissions-not-tightened", { ...failure })
    })
    // Before the storage: a second server on the same data_dir stops here.
    yield* claimAdminSocket(config.server.data_dir, logger)
    // `[storage]`: SQLite in data_dir or PostgreSQL, migrated (under a lock on PostgreSQL),
    // watched: new logins are refused while it does not answer. Closed last at stop.
    const { backend, health } = yield* Effect.acquireRelease(
      Effect.flatMap(
        Effect.promise(() => openWatchedBackend(config, logger)),
        (opened) =>
          failed(opened)
            ? Effect.fail(
                new StartError({
                  reason: "storage",
                  message: `cannot open the ${config.storage.backend} database ${backendLocation(config)}: ${causeOf(opened.message, backendLocation(config))}`,
                }),
              )
            : Effect.succeed({ ...opened, backend: { ...opened.backend, ...opened.repositories } }),
      ),
      (opened) =>
        Effect.promise(async () => {
          opened.health.stop()
          await opened.backend.close()
        }),
    )
    // `[cluster] enabled`: this node's link to NATS and its health (new logins are refused
    // while NATS is away). Closed at stop after the modules stopped, before the storage.
    const clusterConnection = yield* Effect.mapError(
      openClusterLink(config, logger),
      (error) => new StartError({ reason: "cluster", message: error.message }),
    )
    // Before the listeners: routing asks it which bare JIDs are accounts.
    const accounts = yield* Effect.flatMap(
      Effect.promise(() => loadAccountDirectory(backend.accounts)),
      (loaded) =>
        failed(loaded)
          ? Effect.fail(new StartError({ reason: "storage", message: loaded.message }))
          : Effect.succeed(loaded),
    )
    // The accounts keep the directory current on every create and delete through them.
    const repositories: Repositories = {
      accounts: trackedAccounts(backend.accounts, accounts),
      roster: backend.roster,
      offline: backend.offline,
      archive: backend.archive,
      smPending: backend.smPending,
      ampPending: backend.ampPending,
      pushRegistrations: backend.pushRegistrations,
    }
    const c2s = config.listen.c2s
    const certificate =
      c2s !== undefined && (c2s.tls !== "off" || c2s.direct_tls_port !== 0)
        ? yield* Effect.try({
            try: () =>
              ensureCertificate({
                domain: config.server.domain,
                data_dir: config.server.data_dir,
                cert_file: config.tls.cert_file,
                key_file: config.tls.key_file,
              }),
            catch: (error) => new StartError({ reason: "tls", message: String(error) }),
          })
        : undefined
    const secureContext = certificate === undefined ? undefined : createSecureContext(certificate)
    const faults = config.testing.faults
    if (faults.mam_write || faults.offline_write || faults.socket_write_marker !== "")
      logger.warn("testing-faults-enabled", { faults })
    // While it runs, the node holds its PostgreSQL lock: others recover it only once it is gone.
    const databaseUrl = config.storage.url
    const nodeLock =
      clusterConnection === undefined || databaseUrl === undefined
        ? undefined
        : yield* Effect.tryPromise({
            try: () => holdNodeLock(databaseUrl, config.cluster.node, logger),
            catch: (error) =>
              new StartError({
                reason: "cluster",
                message: error instanceof Error ? error.message : String(error),
              }),
          })
    if (nodeLock !== undefined)
      yield* Effect.addFinalizer(() => Effect.promise(() => nodeLock.release()))
    const modules = new ModuleHost(logger)
    const rosters = new Rosters(repositories.roster, logger)
    // After the modules' stop (finalizers run last first): roster writes they caused commit.
    yield* Effect.addFinalizer(() => Effect.promise(() => rosters.flush()))
    const core: ServerCore = {
      domain: config.server.domain,
      config,
      repositories,
      storageHealth: options.storageHealth ?? health,
      clusterHealth: clusterConnection?.health,
      rosters,
      accounts,
      logger,
      sessions: new SessionRegistry(),
      modules,
      connections: new Set(),
      secureContext,
      certificate,
      lifecycle: { stopping: false },
      writeFailureMarker: faults.socket_write_marker,
      sm: makeSmRuntime(),
      components: new ComponentRouter(config.components),
      cluster: undefined,
    }
    const link = clusterConnection?.link
    const clusterNode = link === undefined ? undefined : new ClusterNode(core, link)
    if (clusterNode !== undefined) {
      core.cluster = clusterNode
      core.sessions.attachRemote(clusterNode.remote)
      if (databaseUrl !== undefined) watchNodeDeaths(core, clusterNode, databaseUrl)
    }
    yield* Effect.addFinalizer(() => Effect.promise(() => modules.stop()))
    yield* Effect.tryPromise({
      try: () =>
        modules.install(
          [
            ...builtinModules,
            streamManagementModule(core.sm),
            csiModule(core.sm),
            registerModule(core),
            ...(clusterNode === undefined ? [] : [clusterModule(clusterNode)]),
            ...(options.modules ?? []),
          ],
          config.modules,
          {
            domain: core.domain,
            config,
            repositories,
            rosters,
            logger,
            cluster: clusterNode === undefined ? undefined : moduleClusterOf(clusterNode),
            send: (stanza) => {
              if (toComponent(core, stanza)) return
              if (stanza.name === "message") routeMessageTo(core, stanza)
              else deliverFromServer(core, stanza)
            },
            request: (iq, timeoutMs) => core.components.request(iq, timeoutMs),
            deliver: (session, stanza) => session.send(stanza),
            decide: (to, type) => decideMessage(core, to, type),
            sessionsOf: (bare) => core.sessions.ofBare(bare),
            sessionOf: (bare, resource) => core.sessions.get(bare, resource),
            messageKey: messageKeyOf,
            carryOut: (event) => carryOut(core, event),
            carriedOut: (from, stanza) => announceTakenOver(core, from, stanza),
          },
        ),
      catch: (error) => new StartError({ reason: "module", message: String(error) }),
    })
    // Before the listeners: an account command works as soon as clients can log in.
    yield* adminSocket(core)
    const ports: { c2s?: number; directTls?: number; websocket?: number; component?: number } = {}
    if (c2s !== undefined) {
      ports.c2s = yield* tcpListener(core, c2s.host, c2s.port)
      if (c2s.direct_tls_port !== 0)
        ports.directTls = yield* directTlsListener(core, c2s.host, c2s.direct_tls_port)
    }
    const websocket = config.listen.websocket
    if (websocket !== undefined)
      ports.websocket = yield* webSocketListener(
        core,
        websocket.host,
        websocket.port,
        websocket.path,
      )
    // XEP-0114: listen for components only when some are configured.
    const component = config.listen.component
    if (component !== undefined && core.components.configured > 0)
      ports.component = yield* componentListener(core, component.host, component.port)
    // Run first at stop (finalizers run last first): the streams close, then the stanzas they
    // already handed over finish (an AMP message in the plugin) before the listeners, the
    // modules and the storage close.
    yield* Effect.addFinalizer(() =>
      Effect.andThen(
        shutdownStreams(core),
        Effect.promise(() => modules.drain(config.server.shutdown_drain_seconds * 1000)),
      ),
    )
    logger.info("server-started", { domain: core.domain, ports })
    return { core, ports, repositories, rosters, cluster: link }
  })

/**
 * The server as a scoped Effect: listening once it succeeds, stopped gracefully when its
 * scope closes. Fails with `StartError` or `ListenError`.
 */
export const makeServer = (options: StartOptions) =>
  Effect.map(
    program(options),
    ({ ports, repositories, rosters, core, cluster }): ServerHandle => ({
      domain: core.domain,
      ports,
      repositories,
      rosters,
      cluster,
    }),
  )

/** The running server as an Effect service; `XmppServer.layer(options)` starts it. */
export class XmppServer extends Context.Service<XmppServer, ServerHandle>()(
  "@xmpp-amp/xmpp-server/XmppServer",
) {
  /** A layer that starts the server and stops it when the layer is released. */
  static readonly layer = (options: StartOptions) => Layer.effect(XmppServer, makeServer(options))
}

/**
 * Starts the server. Example:
 * `const server = await startServer({ config: makeConfig({ listen: { c2s: { port: 0 } } }) })`.
 */
export const startServer = async (options: StartOptions): Promise<RunningServer> => {
  const scope = Scope.makeUnsafe()
  const exit = await Effect.runPromiseExit(Scope.provide(scope)(program(options)))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    throw Cause.squash(exit.cause)
  }
  const { core, ports, repositories, rosters, cluster } = exit.value
  let stopping: Promise<void> | undefined
  return {
    domain: core.domain,
    ports,
    repositories,
    rosters,
    recoverDeadNode: (deadNode) => recoverDeadNode(core, deadNode),
    cluster,
    stop: () => {
      stopping ??= Effect.runPromise(Scope.close(scope, Exit.void)).then(() =>
        core.logger.info("server-stopped", { domain: core.domain }),
      )
      return stopping
    },
  }
}
