// What a new login gets while the storage is down (issue 22 item 5) or the node has lost NATS
// (issue 23, spec/cluster.md guarantee 7): a stream error at once, instead of a login that hangs
// on a database that does not answer or binds a resource the other nodes cannot see.
//
// RFC 6120 offers two answers. `<temporary-auth-failure/>` (§6.5.13) is a SASL failure: the
// client only sees it after it has sent its credentials, and the server only knows to send it
// once the account lookup failed (on PostgreSQL, after the connection timeout). The stream
// error `<internal-server-error/>` (§4.9.3.8: "an internal error that prevents it from
// servicing the stream") is sent when the stream opens, before any features, needs no storage
// at all, and ends the stream cleanly; clients reconnect with back-off after it. The issue asks
// for a clear stream error, so the stream-level refusal is used, with the text "storage
// unavailable". A SASL negotiation that finds storage down mid-way may answer
// `temporary-auth-failure` (see `saslRefusal`).
//
// A cluster node cut off from NATS gets the same condition, with the text "cluster
// unavailable": NATS is part of the service's own administrative domain, for which §4.9.3.15
// sends to `<internal-server-error/>` rather than `<remote-connection-failed/>`, and one
// condition for "this node cannot serve logins right now" lets a client treat both outages
// alike (reconnect later, perhaps to another node). When both are down the text names both.
import type { ClusterHealthView } from "../cluster/ClusterHealth.js"
import type { StreamErrorCondition } from "../stream/StreamError.js"
import type { StorageHealthView } from "./StorageHealth.js"

/** The stream error's text while the storage is down. */
export const storageUnavailableText = "storage unavailable"

/** The stream error's text while the node has lost NATS. */
export const clusterUnavailableText = "cluster unavailable"

/** Either health; absent: always up (a single node has no cluster health). */
type HealthView = StorageHealthView | ClusterHealthView | undefined

const anyDown = (storage: HealthView, cluster: HealthView): boolean =>
  storage?.isDown() === true || cluster?.isDown() === true

/**
 * The refusal of a new (not yet authenticated) stream, or undefined while storage and cluster
 * are up. Example: `loginRefusal(core.storageHealth, core.clusterHealth)`.
 */
export const loginRefusal = (
  storage: StorageHealthView | undefined,
  cluster?: ClusterHealthView,
): { readonly condition: StreamErrorCondition; readonly text: string } | undefined => {
  if (!anyDown(storage, cluster)) return undefined
  const texts = [
    ...(storage?.isDown() === true ? [storageUnavailableText] : []),
    ...(cluster?.isDown() === true ? [clusterUnavailableText] : []),
  ]
  return { condition: "internal-server-error", text: texts.join(", ") }
}

/** For SASL: `temporary-auth-failure` while storage or cluster is down, else undefined. */
export const saslRefusal = (
  storage: StorageHealthView | undefined,
  cluster?: ClusterHealthView,
): "temporary-auth-failure" | undefined =>
  anyDown(storage, cluster) ? "temporary-auth-failure" : undefined
