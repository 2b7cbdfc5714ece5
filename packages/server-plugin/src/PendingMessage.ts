// A stored message's pending AMP rules (spec §4: "a rule still possible stays pending with the
// message, also across a restart"), as one row of the host's pending table. The resolver state
// goes through amp-core's state codec; the row's `expiresAt` is the expiry index.
import {
  type AmpMessageState,
  decodeMessageStateResult,
  encodeMessageState,
  type ReplyContext,
} from "@xmpp-amp/amp-core"
import type { PendingRow } from "./Host.js"

/** What the plugin keeps about a message waiting in storage. */
export interface PendingMessage {
  /** The row id; also the extra data stored with the offline copy. */
  readonly id: string
  /** The recipient's bare JID. */
  readonly recipient: string
  /** Who replies go to and what they say (sender, original `to`, message id). */
  readonly reply: ReplyContext
  /** The offline storage key, when the message is in offline storage. */
  readonly offlineKey: string | undefined
  /** The archive key, when MAM holds the recipient's copy. */
  readonly archiveKey: string | undefined
  /** The resolver state with the pending rules. */
  readonly state: AmpMessageState
}

interface StoredData {
  readonly v: 1
  readonly sender: string
  readonly to: string
  readonly messageId: string
  readonly offlineKey?: string
  readonly archiveKey?: string
  readonly state: string
}

/** The row for a pending message due at `expiresAt`. */
export const pendingRow = (pending: PendingMessage, expiresAt: number): PendingRow => {
  const data: StoredData = {
    v: 1,
    sender: pending.reply.sender,
    to: pending.reply.originalTo,
    messageId: pending.reply.id,
    ...(pending.offlineKey === undefined ? {} : { offlineKey: pending.offlineKey }),
    ...(pending.archiveKey === undefined ? {} : { archiveKey: pending.archiveKey }),
    state: encodeMessageState(pending.state),
  }
  return { id: pending.id, recipient: pending.recipient, expiresAt, data: JSON.stringify(data) }
}

const text = (value: unknown): value is string => typeof value === "string"

const parseData = (data: string): Partial<Record<keyof StoredData, unknown>> | undefined => {
  try {
    const parsed: unknown = JSON.parse(data)
    return typeof parsed === "object" && parsed !== null ? parsed : undefined
  } catch {
    return undefined
  }
}

/** A row read back: the pending message, or why the row is not one this plugin wrote. */
export type PendingRowReading =
  | { readonly _tag: "Read"; readonly pending: PendingMessage }
  | { readonly _tag: "Unreadable"; readonly reason: string }

const unreadable = (reason: string): PendingRowReading => ({ _tag: "Unreadable", reason })

/** Reads a row back, saying what is wrong with a row this plugin version did not write. */
export const readPendingRow = (row: PendingRow, serverDomain: string): PendingRowReading => {
  const data = parseData(row.data)
  if (data === undefined) return unreadable("data is not a JSON object")
  if (data.v !== 1) return unreadable(`data version ${JSON.stringify(data.v)}, not 1`)
  const { sender, to, messageId, offlineKey, archiveKey, state } = data
  for (const [field, value] of [
    ["sender", sender],
    ["to", to],
    ["messageId", messageId],
    ["state", state],
  ] as const)
    if (!text(value)) return unreadable(`${field} is not text`)
  if (offlineKey !== undefined && !text(offlineKey)) return unreadable("offlineKey is not text")
  if (archiveKey !== undefined && !text(archiveKey)) return unreadable("archiveKey is not text")
  const decoded = decodeMessageStateResult(state as string)
  if (decoded._tag === "Unreadable") return unreadable(`state: ${decoded.reason}`)
  return {
    _tag: "Read",
    pending: {
      id: row.id,
      recipient: row.recipient,
      reply: {
        serverDomain,
        sender: sender as string,
        originalTo: to as string,
        id: messageId as string,
      },
      offlineKey,
      archiveKey,
      state: decoded.state,
    },
  }
}
