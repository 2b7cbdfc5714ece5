// Reads the `[cluster]` table (spec/cluster.md, issue 23): whether this process is one node of
// a cluster, its unique node name (default: host name + pid) and the NATS servers. A cluster
// shares one database, so `enabled = true` without `[storage] backend = "postgres"` is an error.
import { hostname } from "node:os"
import type { Fields, Table } from "./fields.js"
import type { ClusterSection, StorageSection } from "./ServerConfig.js"

/** `nats://HOST[:PORT]` or `tls://…` (credentials allowed), with no path, query or fragment. */
const isNatsUrl = (value: string): boolean => {
  if (!/^(nats|tls):\/\/[^\s/?#]+$/u.test(value)) return false
  try {
    return new URL(value).hostname !== ""
  } catch {
    return false
  }
}
const nodeName = /^[A-Za-z0-9_-]{1,64}$/u

/** The default node name: host name + pid, reduced to the characters a NATS subject allows. */
export const defaultNodeName = (): string =>
  `${hostname()
    .replaceAll(/[^A-Za-z0-9_-]/gu, "-")
    .slice(0, 40)}-${process.pid}`

/**
 * Validates `[cluster]`; throws `ConfigError` naming `cluster.KEY`.
 * Example: `clusterSection(fields, { enabled: true, nats: ["nats://127.0.0.1:4222"] }, storage)`.
 */
export const clusterSection = (
  fields: Fields,
  raw: Table,
  storage: StorageSection,
): ClusterSection => {
  const path = "cluster"
  fields.onlyKeys(raw, path, ["enabled", "node", "nats"])
  const enabled = fields.boolean(raw, path, "enabled", false)
  const node = fields.string(raw, path, "node", defaultNodeName())
  if (!nodeName.test(node))
    fields.fail("cluster.node", "letters, digits, '-' and '_' only, at most 64 characters")
  const rawNats = raw.nats ?? ["nats://127.0.0.1:4222"]
  const list = typeof rawNats === "string" ? [rawNats] : rawNats
  if (!Array.isArray(list) || list.length === 0)
    fields.fail("cluster.nats", 'expected one or more NATS URLs, e.g. ["nats://127.0.0.1:4222"]')
  const nats = (list as ReadonlyArray<unknown>).map((url) => {
    if (typeof url !== "string" || !isNatsUrl(url))
      fields.fail(
        "cluster.nats",
        `not a NATS URL: ${JSON.stringify(url)} (expected nats://HOST:PORT)`,
      )
    return url as string
  })
  if (enabled && storage.backend !== "postgres")
    fields.fail(
      "cluster.enabled",
      'a cluster shares one database: set [storage] backend = "postgres" (and url) on every node',
    )
  return { enabled, node, nats }
}
