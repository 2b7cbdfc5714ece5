// XEP-0160 offline storage over the offline repository (either backend): one row per message,
// in arrival order, with the XEP-0203 delay stamp added at store time (unless the server
// stamped it already, e.g. stream management stamping when it first queued the message) and
// optional extra data (the AMP plugin's pending rules). Per-user quotas bound it: a number of
// messages and a number of bytes, both checked by the repository in the transaction that
// writes. `store` resolves with the durable outcome.
import type { TestingFaults } from "../config/ServerConfig.js"
import { faultText, injectFault } from "../faults/Faults.js"
import type { Logger } from "../log/Logger.js"
import type { OfflineStore, StoreResult } from "../routing/MessageStores.js"
import type {
  OfflineAppend,
  OfflinePage,
  StoredOfflineMessage,
} from "../storage/repositories/OfflineRepository.js"
import { failed, type Outcome } from "../storage/repositories/Outcome.js"
import type { Repositories } from "../storage/repositories/StorageBackend.js"
import { usageTriggersSql } from "../storage/usageTriggers.js"
import { serialize, xml } from "../xml/Xml.js"
import { storableOffline } from "./OfflinePolicy.js"

/** XEP-0203 delayed delivery. */
export const NS_DELAY = "urn:xmpp:delay"

/** SQLite schema of the offline module (tables prefixed `offline_`), applied by the backend. */
export const offlineMigrations: ReadonlyArray<string> = [
  `CREATE TABLE offline_messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
     stanza TEXT NOT NULL,
     extra TEXT,
     message_key TEXT,
     stored_at INTEGER NOT NULL) STRICT`,
  "CREATE INDEX offline_messages_by_user ON offline_messages (username, seq)",
  // Bytes each user holds (UTF-8 of the stored stanzas), kept by triggers for the byte quota.
  usageTriggersSql("offline"),
]

/** What the table needs from the server. */
export interface OfflineTableOptions {
  readonly repositories: Pick<Repositories, "offline" | "smPending">
  readonly domain: string
  readonly maxMessages: number
  /** Bytes (UTF-8 of the stored stanzas) one user may hold; 0: no byte limit. */
  readonly maxBytes: number
  readonly faults: TestingFaults
  readonly logger: Logger
  readonly now?: () => number
}

/** The offline store plus the reads the module's delivery needs. */
export interface OfflineTable extends OfflineStore {
  /** The user's messages in arrival order: all, or a page (`limit` stored after key `after`). */
  list(username: string, page?: OfflinePage): Promise<Outcome<ReadonlyArray<StoredOfflineMessage>>>
  /** True while the message with this key is stored. */
  has(key: string): Promise<Outcome<boolean>>
  /** Resolves once every store begun so far has its outcome (the module's stop). */
  settled(): Promise<void>
}

/** The store's answer for the repository's outcome. */
const resultOf = (
  outcome: Outcome<OfflineAppend>,
  username: string,
  options: OfflineTableOptions,
): StoreResult => {
  if (failed(outcome)) {
    options.logger.error("offline-store-failed", { username, error: outcome })
    return { ok: false, reason: "failed", text: "the offline storage write failed" }
  }
  if (outcome.stored) return { ok: true, key: outcome.key }
  const bound =
    outcome.limit === "messages" ? `${options.maxMessages} messages` : `${options.maxBytes} bytes`
  return {
    ok: false,
    reason: "quota",
    text: `the offline storage of ${username}@${options.domain} is full (${bound})`,
  }
}

/** The offline store over the repositories (the schema is the backend's). */
export const openOfflineTable = (options: OfflineTableOptions): OfflineTable => {
  const { repositories, domain, maxMessages, maxBytes, faults, logger } = options
  const now = options.now ?? Date.now
  const quota = { maxMessages, maxBytes }
  const writing = new Set<Promise<StoreResult>>()
  // One user's stores are written one after another (different users' at once): the messages
  // keep their arrival order on a backend with a pool of connections, and each quota check
  // sees every earlier message of the user.
  const tails = new Map<string, Promise<unknown>>()
  // Work on its way to a user's storage, not handed to `store` yet (XEP-0198 reroutes).
  const incoming = new Map<string, Set<Promise<unknown>>>()
  return {
    incoming: (username, work) => {
      const set = incoming.get(username) ?? new Set()
      incoming.set(username, set)
      set.add(work)
      const done = () => {
        set.delete(work)
        if (set.size === 0 && incoming.get(username) === set) incoming.delete(username)
      }
      work.then(done, done)
    },
    settledFor: async (username) => {
      for (;;) {
        const waits = [...(incoming.get(username) ?? []), tails.get(username)].filter(
          (wait) => wait !== undefined,
        )
        if (waits.length === 0) return
        await Promise.allSettled(waits)
      }
    },
    accepts: storableOffline,
    count: (username) => repositories.offline.count(username),
    list: (username, page) => repositories.offline.list(username, page),
    has: (key) => repositories.offline.has(key),
    holds: (username, text) => repositories.offline.holds(username, text),
    remove: (key) => repositories.offline.remove(key),
    settled: async () => {
      while (writing.size > 0) await Promise.all([...writing])
    },
    store: (username, stanza, storeOptions = {}) => {
      if (injectFault(faults, "offline_write", logger))
        return Promise.resolve({ ok: false, reason: "failed", text: faultText("offline_write") })
      const storedAt = now()
      const stamped = stanza
        .getChildren("delay", NS_DELAY)
        .some((existing) => existing.attrs.from === domain)
      const delay = stamped
        ? undefined
        : xml(
            "delay",
            { xmlns: NS_DELAY, from: domain, stamp: new Date(storedAt).toISOString() },
            "Offline Storage",
          )
      if (delay !== undefined) stanza.append(delay)
      const text = serialize(stanza)
      if (delay !== undefined) stanza.children = stanza.children.filter((child) => child !== delay)
      const message = {
        username,
        stanza: text,
        extra: storeOptions.extra ?? null,
        messageKey: storeOptions.messageKey ?? null,
        storedAt,
      }
      const pending = storeOptions.replacesPending
      const write = () =>
        pending === undefined
          ? repositories.offline.append(message, quota)
          : repositories.smPending.moveToOffline(pending, message, quota)
      const before = tails.get(username)
      const written = (before === undefined ? write() : before.then(write)).then((outcome) =>
        resultOf(outcome, username, options),
      )
      tails.set(username, written)
      writing.add(written)
      void written.then(() => {
        writing.delete(written)
        if (tails.get(username) === written) tails.delete(username)
      })
      return written
    },
  }
}
