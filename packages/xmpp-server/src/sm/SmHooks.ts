// Module hooks of XEP-0198 stream management and XEP-0352 client state indication: what the
// AMP plugin (direct_confirm = "ack") and the push module (stanzas for a hibernated session)
// need. Documented in docs/MODULES.md.
import type { Session } from "../session/Session.js"
import type { XmlElement } from "../xml/Xml.js"

/** Why a stanza was kept back instead of being written to the session's socket. */
export type HeldBackReason = "hibernated" | "csi"

/** The stream-management and CSI hooks a module may provide (all optional). */
export interface StreamHooks {
  /** The client acknowledged (XEP-0198 `<a/>`) a stanza written to it: delivery confirmed. */
  readonly acked?: (session: Session, stanza: XmlElement) => void
  /** An `<r/>` went unanswered for `ack_timeout` seconds; `unacked` are still unconfirmed. */
  readonly ackDelayed?: (session: Session, unacked: ReadonlyArray<XmlElement>) => void
  /** A resumable session lost its connection and waits to be resumed. */
  readonly hibernated?: (session: Session) => void
  /** A hibernated (or silently dropped) session was resumed on a new connection. */
  readonly resumed?: (session: Session) => void
  /**
   * A stream-managed session ended for good (resume timeout, clean close, error, replaced).
   * `unacked` were never confirmed; the messages among them have been routed again (to the
   * account's other resources or offline storage) before this hook runs.
   */
  readonly gone?: (session: Session, unacked: ReadonlyArray<XmlElement>) => void
  /** A stanza for the session was queued instead of written: hibernated, or held back by CSI. */
  readonly heldBack?: (session: Session, stanza: XmlElement, reason: HeldBackReason) => void
}

type Hook<K extends keyof StreamHooks> = NonNullable<StreamHooks[K]>

/** The installed modules' stream hooks; a throwing hook is logged, never fatal. */
export class StreamHookHost {
  readonly ackedHooks: Array<Hook<"acked">> = []
  private readonly ackDelayedHooks: Array<Hook<"ackDelayed">> = []
  private readonly hibernatedHooks: Array<Hook<"hibernated">> = []
  private readonly resumedHooks: Array<Hook<"resumed">> = []
  private readonly goneHooks: Array<Hook<"gone">> = []
  readonly heldBackHooks: Array<Hook<"heldBack">> = []

  constructor(private readonly report: (hook: string, error: unknown) => void) {}

  /** Collects a module's stream hooks. */
  add(hooks: StreamHooks): void {
    if (hooks.acked) this.ackedHooks.push(hooks.acked)
    if (hooks.ackDelayed) this.ackDelayedHooks.push(hooks.ackDelayed)
    if (hooks.hibernated) this.hibernatedHooks.push(hooks.hibernated)
    if (hooks.resumed) this.resumedHooks.push(hooks.resumed)
    if (hooks.gone) this.goneHooks.push(hooks.gone)
    if (hooks.heldBack) this.heldBackHooks.push(hooks.heldBack)
  }

  private run<A extends ReadonlyArray<unknown>>(
    name: string,
    hooks: ReadonlyArray<(...args: A) => void>,
    args: A,
  ): void {
    for (const hook of hooks) {
      try {
        hook(...args)
      } catch (error) {
        this.report(name, error)
      }
    }
  }

  /** Runs `acked`. */
  acked(session: Session, stanza: XmlElement): void {
    this.run("acked", this.ackedHooks, [session, stanza])
  }
  /** Runs `ackDelayed`. */
  ackDelayed(session: Session, unacked: ReadonlyArray<XmlElement>): void {
    this.run("ackDelayed", this.ackDelayedHooks, [session, unacked])
  }
  /** Runs `hibernated`. */
  hibernated(session: Session): void {
    this.run("hibernated", this.hibernatedHooks, [session])
  }
  /** Runs `resumed`. */
  resumed(session: Session): void {
    this.run("resumed", this.resumedHooks, [session])
  }
  /** Runs `gone`. */
  gone(session: Session, unacked: ReadonlyArray<XmlElement>): void {
    this.run("gone", this.goneHooks, [session, unacked])
  }
  /** Runs `heldBack`. */
  heldBack(session: Session, stanza: XmlElement, reason: HeldBackReason): void {
    this.run("heldBack", this.heldBackHooks, [session, stanza, reason])
  }
}
