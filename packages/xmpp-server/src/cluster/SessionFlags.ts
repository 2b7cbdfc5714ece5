// Per-session facts that modules keep and other cluster nodes must see — today only XEP-0280
// carbons ("carbons": the session enabled carbons). A local session's flags live here; a remote
// session's come with its directory entry (src/cluster/SessionEntry.ts). The owning node looks
// at `flagsKey` after each stanza of the session and republishes its entry when it changed.
import type { Session } from "../session/Session.js"

/** A local session's flags, sorted, and the same joined by "," (cheap to compare). */
interface LocalFlags {
  readonly list: ReadonlyArray<string>
  readonly key: string
}

const local = new WeakMap<Session, LocalFlags>()
const none: LocalFlags = { list: [], key: "" }

/** Something that carries its own flags (a remote session). */
interface Flagged {
  readonly flags: ReadonlySet<string>
}

const isFlagged = (session: Session): session is Session & Flagged =>
  (session as Partial<Flagged>).flags instanceof Set

/** Turns a flag of a local session on or off. Example: `setFlag(session, "carbons", true)`. */
export const setFlag = (session: Session, flag: string, on: boolean): void => {
  const before = local.get(session) ?? none
  if (on === before.list.includes(flag)) return
  const list = on ? [...before.list, flag].sort() : before.list.filter((item) => item !== flag)
  local.set(session, { list, key: list.join(",") })
}

/** Whether the session (local or remote) has the flag. */
export const hasFlag = (session: Session, flag: string): boolean =>
  isFlagged(session) ? session.flags.has(flag) : (local.get(session)?.list.includes(flag) ?? false)

/** The flags of a local session, sorted. */
export const flagsOf = (session: Session): ReadonlyArray<string> =>
  (local.get(session) ?? none).list

/** The flags of a local session as one string, for change detection. */
export const flagsKey = (session: Session): string => (local.get(session) ?? none).key
