// Ends every stream of one account at once, for the admin commands (src/admin/AdminCommands.ts):
// bound sessions, sessions hibernating for XEP-0198 resumption, and streams that authenticated
// but have not bound a resource yet. Each gets a stream error (RFC 6120 §4.9) and is closed;
// nothing it sends afterwards is processed.
import type { OpenConnection, ServerCore } from "../core/ServerCore.js"
import type { StreamErrorCondition } from "../stream/StreamError.js"

/** Why the streams end, as the client reads it in `<stream:error>`. */
export interface Revocation {
  /** `not-authorized` for a deleted account, `reset` for changed credentials (RFC 6120 §4.9.3). */
  readonly condition: Extract<StreamErrorCondition, "not-authorized" | "reset">
  readonly text: string
}

type Closable = Required<Pick<OpenConnection, "close">>

/** Ends the streams of `bare` (`user@domain`); returns how many were ended. */
export const endAccountStreams = (
  core: ServerCore,
  bare: string,
  revocation: Revocation,
): number => {
  const streams = new Set<Closable>(core.sessions.ofBare(bare))
  for (const connection of core.connections)
    if (connection.bare === bare && connection.close !== undefined)
      streams.add(connection as Closable)
  for (const stream of streams) stream.close("revoked", revocation.condition, revocation.text)
  if (streams.size > 0)
    core.logger.info("account-streams-ended", {
      account: bare,
      streams: streams.size,
      condition: revocation.condition,
    })
  return streams.size
}
