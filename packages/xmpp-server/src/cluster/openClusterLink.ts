// A cluster node's start and stop of its NATS link (spec/cluster.md, issue 23 item 1): with
// `[cluster] enabled` the server connects after the storage opened; a node that cannot reach
// NATS then stops with a `ClusterConnectError` naming the URLs (the CLI prints it as one line,
// exit code 1). The link's health (src/cluster/ClusterHealth.ts) comes with it. Both end when
// the server's scope closes: the health stops first, so closing the link is no outage.
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ServerConfig } from "../config/ServerConfig.js"
import type { Logger } from "../log/Logger.js"
import { type ClusterHealth, clusterHealth } from "./ClusterHealth.js"
import { ClusterConnectError, type ClusterLink, connectCluster } from "./ClusterLink.js"
import { maskedNatsUrls } from "./maskedNatsUrl.js"

/** How long a node waits for NATS at start before it gives up. */
export const clusterConnectTimeoutMs = 3000

/** A connected node: its link and the link's health. */
export interface OpenCluster {
  readonly link: ClusterLink
  readonly health: ClusterHealth
}

/**
 * Connects when `[cluster] enabled` (undefined on a single node), scoped: closed when the scope
 * closes. Example: `const cluster = yield* openClusterLink(config, logger)`.
 */
export const openClusterLink = (
  config: ServerConfig,
  logger: Logger,
): Effect.Effect<OpenCluster | undefined, ClusterConnectError, Scope.Scope> => {
  const { enabled, node, nats } = config.cluster
  if (!enabled) return Effect.succeed(undefined)
  return Effect.acquireRelease(
    Effect.tryPromise({
      try: async (): Promise<OpenCluster> => {
        const link = await connectCluster({
          node,
          domain: config.server.domain,
          servers: nats,
          logger,
          connectTimeoutMs: clusterConnectTimeoutMs,
        })
        logger.info("cluster-connected", { node, nats: maskedNatsUrls(nats) })
        return { link, health: clusterHealth({ link, servers: nats, logger }) }
      },
      catch: (error) =>
        error instanceof ClusterConnectError
          ? error
          : new ClusterConnectError(
              `cannot reach NATS at ${maskedNatsUrls(nats)}: ${String(error)}`,
            ),
    }),
    (opened) =>
      Effect.promise(async () => {
        opened.health.stop()
        await opened.link.close()
      }),
  )
}
