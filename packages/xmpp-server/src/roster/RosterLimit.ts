// `max_roster_items` (issue 25 item 2): one account's roster is bounded, so that no user can
// make the server hold, list and broadcast to an unbounded number of contacts. Only a new item
// counts against the limit: changing, approving or removing an existing one is always allowed.
// The error is <not-acceptable/> (type "modify"): RFC 6121 §2.3.3 answers every roster set that
// passes a server-configured limit (name or group length) with it, and the user can change the
// request (remove an item first). <resource-constraint/> would be type "wait", telling the client
// that retrying later helps, which it does not: the roster stays full until the user shrinks it.
import type { ServerCore } from "../core/ServerCore.js"

/** The condition a roster set or subscription that would pass the limit is refused with. */
export const rosterFullCondition = "not-acceptable"

/** The error text naming the limit and the key that sets it. */
export const rosterFullText = (core: ServerCore): string =>
  `the roster is full: at most ${core.config.server.max_roster_items} items (server.max_roster_items); remove an item first`

/** True when adding `contact` would take `username`'s roster past `max_roster_items`. */
export const rosterFull = (core: ServerCore, username: string, contact: string): boolean =>
  core.rosters.count(username) >= core.config.server.max_roster_items &&
  core.rosters.get(username, contact) === undefined
