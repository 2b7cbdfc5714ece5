// What the roster repository holds for a user (so on either backend), for tests that check
// what the server committed. Rejects when storage fails.
// Example: `expect(await storedItem(test.server, "alice", "bob@localhost")).toMatchObject({ name: "Bob" })`.
import type { RosterItem, RunningServer } from "../../src/index.js"

type WithRepositories = Pick<RunningServer, "repositories">

/** The user's stored items, ordered by contact JID. */
export const storedRoster = async (
  server: WithRepositories,
  username: string,
): Promise<ReadonlyArray<RosterItem>> => {
  const items = await server.repositories.roster.list(username)
  if (items instanceof Error) throw items
  return items
}

/** The user's stored item for `contact`, or undefined. */
export const storedItem = async (
  server: WithRepositories,
  username: string,
  contact: string,
): Promise<RosterItem | undefined> =>
  (await storedRoster(server, username)).find((item) => item.jid === contact)

/**
 * Stores `items` in `username`'s roster in one transaction (before the user logs in).
 * Example: `await storeRoster(test.server, "alice", items)`.
 */
export const storeRoster = async (
  server: WithRepositories,
  username: string,
  items: ReadonlyArray<RosterItem>,
): Promise<void> => {
  const outcomes = await server.repositories.roster.commit(
    items.map((item) => ({ username, change: { kind: "put", item } })),
  )
  const failure = outcomes.find((outcome) => outcome instanceof Error)
  if (failure !== undefined) throw failure
}
