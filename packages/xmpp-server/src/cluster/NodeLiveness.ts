// Whether a cluster node is really dead, decided by PostgreSQL rather than by NATS silence
// (spec/cluster.md guarantee 6): every node holds a session-level advisory lock named after
// itself on a connection of its own for as long as it runs. PostgreSQL releases it the moment
// that connection ends — the process died (SIGKILL closes its sockets) or stopped. A node that
// stopped hearing another over NATS takes over that node's durable work (its XEP-0198 rows)
// only once it can take that lock: a node that is merely cut from NATS still holds it, so its
// rows are never taken from under it, and two survivors never recover the same node at once.
import pg from "pg"
import type { Logger } from "../log/Logger.js"

const lockSql = "hashtext('xmpp-amp cluster node'), hashtext($1)"

/** The lock this node holds while it runs. */
export interface NodeLock {
  /** Releases it (at stop). */
  release(): Promise<void>
}

/** Why the lock could not be taken at start. */
export class NodeLockError extends Error {
  override readonly name = "NodeLockError"
}

const connectTo = async (url: string, logger: Logger, purpose: string): Promise<pg.Client> => {
  const client = new pg.Client({ connectionString: url })
  // A connection dropped later is reported, never thrown from an event emitter.
  client.on("error", (error) => logger.warn("cluster-lock-connection-error", { purpose, error }))
  await client.connect()
  return client
}

const takeLock = async (
  url: string,
  node: string,
  logger: Logger,
  timeoutMs: number,
): Promise<pg.Client> => {
  const client = await connectTo(url, logger, "hold")
  try {
    await client.query(`SET lock_timeout = ${Math.max(1, Math.round(timeoutMs))}`)
    await client.query(`SELECT pg_advisory_lock(${lockSql})`, [node])
  } catch (error) {
    await client.end().catch(() => undefined)
    throw error
  }
  return client
}

/**
 * Takes this node's lock, waiting up to `timeoutMs` (a survivor may be recovering the previous
 * run of the same node), and keeps it: when the connection drops (PostgreSQL restarted), the
 * lock is taken again every second until it is back (`cluster-lock-lost` / `cluster-lock-back`).
 * Example: `const lock = await holdNodeLock(url, "n1", logger)`.
 */
export const holdNodeLock = async (
  url: string,
  node: string,
  logger: Logger,
  timeoutMs = 30_000,
): Promise<NodeLock> => {
  let client: pg.Client
  try {
    client = await takeLock(url, node, logger, timeoutMs)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new NodeLockError(
      `node "${node}" is running elsewhere (or being recovered): ${reason} — each node needs its own [cluster] node name`,
    )
  }
  let released = false
  let retry: NodeJS.Timeout | undefined
  const watch = (held: pg.Client): void => {
    held.once("end", () => {
      if (released) return
      logger.warn("cluster-lock-lost", { node, note: "taking it again every second" })
      const again = (): void => {
        retry = setTimeout(() => {
          if (released) return
          takeLock(url, node, logger, 1000).then(
            (next) => {
              if (released) return void next.end().catch(() => undefined)
              client = next
              logger.warn("cluster-lock-back", { node })
              watch(next)
            },
            () => again(),
          )
        }, 1000)
        retry.unref()
      }
      again()
    })
  }
  watch(client)
  return {
    release: async () => {
      released = true
      clearTimeout(retry)
      await client.end().catch(() => undefined)
    },
  }
}

/**
 * Runs `work` if `node` is dead (its lock is free), holding its lock meanwhile so that the node
 * cannot restart and no other survivor recovers it at the same time; answers whether it ran.
 */
export const whileDead = async (
  url: string,
  node: string,
  logger: Logger,
  work: () => Promise<void>,
): Promise<boolean> => {
  const client = await connectTo(url, logger, "recover")
  try {
    const taken = await client.query<{ taken: boolean }>(
      `SELECT pg_try_advisory_lock(${lockSql}) AS taken`,
      [node],
    )
    if (taken.rows[0]?.taken !== true) return false
    await work()
    return true
  } finally {
    await client.end().catch(() => undefined)
  }
}
