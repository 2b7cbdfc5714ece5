// What a new login gets while the storage is down (issue 22 item 5): a stream error at once,
// instead of a login that hangs on a database that does not answer.
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
import type { StreamErrorCondition } from "../stream/StreamError.js"
import type { StorageHealthView } from "./StorageHealth.js"

/** The stream error's text. */
export const storageUnavailableText = "storage unavailable"

/** The refusal of a new (not yet authenticated) stream, or undefined while storage is up. */
export const loginRefusal = (
  health: StorageHealthView | undefined,
): { readonly condition: StreamErrorCondition; readonly text: string } | undefined =>
  health?.isDown() === true
    ? { condition: "internal-server-error", text: storageUnavailableText }
    : undefined

/** For SASL: `temporary-auth-failure` while storage is down, else undefined. */
export const saslRefusal = (
  health: StorageHealthView | undefined,
): "temporary-auth-failure" | undefined =>
  health?.isDown() === true ? "temporary-auth-failure" : undefined
