// The two places a message can be kept besides a socket: offline storage (XEP-0160) and the
// message archive (XEP-0313). The offline and MAM modules provide them; routing and other
// modules (AMP, stream management) use them through `ModuleApi.stores`. Every write reports
// its outcome to the modules' `storageOutcome` hooks, so AMP sees `stored` / `store-failed`
// and `archived` / `archive-failed` however the write was triggered.
import type { Outcome } from "../storage/repositories/Outcome.js"
import type { XmlElement } from "../xml/Xml.js"

/** Result of a storage write: the storage key once committed durably, or why it failed. */
export type StoreResult =
  | { readonly ok: true; readonly key: string }
  | {
      readonly ok: false
      /** `quota`: the user's offline storage or archive is full; `failed`: the write failed. */
      readonly reason: "quota" | "failed"
      readonly text: string
    }

/** Options of `OfflineStore.store`. */
export interface OfflineStoreOptions {
  /** Opaque text kept with the message and handed to `offlineDelivery` hooks (AMP rules). */
  readonly extra?: string
  /** The routing key of the message (`MessageRoutedEvent.key`), reported in the outcome. */
  readonly messageKey?: string
  /**
   * XEP-0198: the `sm_pending` row (its seq) whose message this is; it is deleted in the
   * transaction that stores the message (stream management's reroute and crash recovery), so
   * a crash leaves exactly one of the two.
   */
  readonly replacesPending?: number
}

/** XEP-0160 offline storage of one server. */
export interface OfflineStore {
  /** True when a message of this kind would be kept offline (type, hints, not a bare chat state). */
  accepts(stanza: XmlElement): boolean
  /**
   * Stores `stanza` for the local account `username` (adds the XEP-0203 delay stamp; the
   * stanza is serialised at once, so the caller may change it afterwards). Resolves once the
   * write is durable (committed) or failed; never rejects. A caller that acknowledges or
   * reports the message (XEP-0198 `<a/>`, AMP `stored`) does so only once it resolved.
   */
  store(username: string, stanza: XmlElement, options?: OfflineStoreOptions): Promise<StoreResult>
  /** Removes a stored message by key; false when it was gone already. */
  remove(key: string): Promise<Outcome<boolean>>
  /** Number of messages waiting for `username`. */
  count(username: string): Promise<Outcome<number>>
  /**
   * True when a message stored for `username` serialises exactly to `text` (as its delivery
   * writes it, delay stamp included). Crash recovery uses it to keep one copy of a message
   * that was being handed from offline storage to a session when the process died.
   */
  holds(username: string, text: string): Promise<Outcome<boolean>>
  /**
   * Makes `settledFor(username)` wait for `work` as well: messages on their way to `username`'s
   * offline storage that are not handed to `store` yet (XEP-0198 reroute of a session that
   * ended, its rows committing first). Optional: a store without it has nothing to wait for.
   */
  incoming?(username: string, work: Promise<unknown>): void
  /**
   * Resolves once every store begun for `username` (and every `incoming` work) has its
   * outcome: offline delivery waits for it, so a login that replaces a session gets the
   * messages that session left. Example: `await offline.settledFor?.("juliet")`.
   */
  settledFor?(username: string): Promise<void>
}

/** Which side of a conversation an archived copy belongs to. */
export type ArchiveDirection = "incoming" | "outgoing"

/** XEP-0313 message archive of one server. */
export interface ArchiveStore {
  /**
   * True when `owner`'s archive would keep this message exchanged with `peer` (a bare JID):
   * the message kind is archivable and the owner's preferences allow it.
   */
  accepts(owner: string, peer: string, stanza: XmlElement): boolean
  /**
   * Archives `stanza` (serialised now) in `owner`'s archive. Returns at once: `ok` with the
   * archive id (the XEP-0359 stanza-id) as key when the write is queued, or the failure.
   * Queued writes of one event-loop turn are committed together (one durable transaction,
   * group commit); `settled` (and the `storageOutcome` hooks) then get the durable outcome.
   * Never throws.
   */
  archive(
    owner: string,
    stanza: XmlElement,
    direction: ArchiveDirection,
    messageKey?: string,
    settled?: (result: StoreResult) => void,
  ): StoreResult
  /**
   * Removes one archived message by key (archive id), after the queued writes; false when it
   * was gone already or the removal failed (logged). Never rejects.
   */
  remove(key: string): Promise<boolean>
}

/** The stores the installed modules provide; a store is undefined when its module is off. */
export interface MessageStores {
  readonly offline: OfflineStore | undefined
  readonly archive: ArchiveStore | undefined
}

/** A storage write's outcome, for the `storageOutcome` hook (AMP `stored`, `archived`, …). */
export interface StorageOutcomeEvent {
  readonly store: "offline" | "archive"
  /** The account whose offline storage or archive was written. */
  readonly owner: string
  /** For the archive: which copy. Offline writes are always `incoming`. */
  readonly direction: ArchiveDirection
  /** The routing key of the message, when the writer knew it. */
  readonly messageKey: string | undefined
  /** The message's `id` attribute. */
  readonly stanzaId: string | undefined
  readonly stanza: XmlElement
  readonly result: StoreResult
}

/** A stored offline message about to be delivered (`offlineDelivery` hook). */
export interface OfflineMessage {
  readonly key: string
  readonly owner: string
  /** The message as it will be written (with its delay stamp). */
  readonly stanza: XmlElement
  /** What `OfflineStore.store` got as `extra`. */
  readonly extra: string | undefined
  /** When it was stored, epoch ms. */
  readonly storedAt: number
  readonly messageKey: string | undefined
}

/** A module's answer before an offline message is delivered: `discard` removes it unsent. */
export type OfflineVerdict = "deliver" | "discard"
