// The byte pipe under one XMPP stream. TCP (with STARTTLS or direct TLS, XEP-0368) and
// WebSocket (RFC 7395) implement it; the stream logic above never sees a socket.
import type { Framing } from "./StreamParser.js"

/**
 * Bytes a peer may leave unread in the server's output buffer; past this the connection is
 * dropped (a stalled reader must not make the server hold unbounded memory).
 */
export const maxBufferedOutput = 8 * 1024 * 1024

/**
 * Bulk writers (an offline backlog, a MAM page) write while the output buffer holds less than
 * this many bytes and wait for it to drain below it otherwise, so a backlog of any size reaches
 * a client that reads, and one that stops reading is left with little more than this buffered.
 */
export const outputLowWaterMark = 512 * 1024

/** Called once a write was handed to the OS (`ok`) or failed. */
export type WriteCallback = (ok: boolean) => void

/** One connection's transport. */
export interface Transport {
  readonly framing: Framing
  /** Remote IP address (for throttling and logs). */
  readonly remoteAddress: string
  /** True once the channel is encrypted (TLS, or WebSocket declared secure). */
  readonly secure: boolean
  /** True when STARTTLS can be offered (plain TCP with TLS material). */
  readonly canStartTls: boolean
  /**
   * Installs the receivers; called once by the stream. `onUndecodable` hears of received bytes
   * that are not UTF-8 (RFC 6120 §11.6); nothing more is delivered after it.
   */
  attach(
    onData: (text: string) => void,
    onClosed: () => void,
    onUndecodable?: (reason: string) => void,
  ): void
  /** Writes text; `done` (optional) learns whether it reached the OS. False when already closed. */
  write(text: string, done?: WriteCallback): boolean
  /** Bytes written and not yet handed to the OS. */
  readonly bufferedOutput: number
  /**
   * Calls `ready` once, when the buffered output is below `outputLowWaterMark` (at once if it is
   * already) or the connection closed.
   */
  whenDrained(ready: () => void): void
  /** Switches to TLS (server side) after `<proceed/>` was written; data then flows decrypted. */
  startTls(): void
  /** Stops reading from the peer (backpressure; TCP flow control slows the sender down). */
  pause(): void
  /** Reads again after `pause`. */
  resume(): void
  /** Ends the connection after pending writes are flushed. */
  end(): void
  /** Closes at once. */
  destroy(): void
}
