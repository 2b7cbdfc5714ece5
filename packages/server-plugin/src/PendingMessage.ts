// A stored message's pending AMP rules (spec §4: "a rule still possible stays pending with the
// message, also across a restart"), as one row of the host's pending table. The resolver state
// goes through amp-core's state codec; the row's `expiresAt` is the expiry index.
import {
  type AmpMessageState,
  decodeMessageState,
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

/** Reads a row back; `undefined` for a row this plugin version did not write. */
export const readPendingRow = (
  row: PendingRow,
  serverDomain: string,
): PendingMessage | undefined => {
  const data = parseData(row.data)
  if (data === undefined || data.v !== 1) return undefined
  const { sender, to, messageId, offlineKey, archiveKey, state } = data
  if (!text(sender) || !text(to) || !text(messageId) || !text(state)) return undefined
  if (offlineKey !== undefined && !text(offlineKey)) return undefined
  if (archiveKey !== undefined && !text(archiveKey)) return undefined
  const decoded = decodeMessageState(state)
  if (decoded === undefined) return undefined
  return {
    id: row.id,
    recipient: row.recipient,
    reply: { serverDomain, sender, originalTo: to, id: messageId },
    offlineKey,
    archiveKey,
    state: decoded,
  }
}
