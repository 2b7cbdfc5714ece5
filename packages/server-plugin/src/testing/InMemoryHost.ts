// An in-memory host for testing the AMP plugin (and a model for real hosts): accounts, sessions
// with priorities, rosters, RFC 6121 §8.5 routing, offline storage and MAM with injectable write
// failures, socket writes (and XEP-0198 acks) that can fail, and a clock the test moves by hand.
import type { Element } from "@xmpp/xml"
import type { SessionRouting } from "@xmpp-amp/amp-core"
import { parseXml, readAttribute } from "@xmpp-amp/amp-core"
import type {
  AmpHost,
  DeliveryConfirmation,
  DeliveryListener,
  HostAnswer,
  HostExtension,
  HostRouting,
} from "../Host.js"
import type { AmpPluginHandle } from "../Start.js"
import { InMemoryStore } from "./InMemoryStore.js"

/** One connected resource. */
export interface TestSession {
  /** The resource part of the full JID. */
  readonly resource: string
  /** Presence priority (negative: no bare-JID delivery). */
  readonly priority: number
  /** Socket writes to this session fail. */
  failWrites: boolean
  /** The client never acks (XEP-0198), so "ack" confirmation fails. */
  withholdAcks: boolean
  /** Stanzas written to this session, in order. */
  readonly received: Element[]
}

/** Capabilities of the in-memory host that can be made to throw. */
export type ThrowingCapability =
  | "route"
  | "deliver"
  | "storeOffline"
  | "sendToUser"
  | "removeOffline"

/** Options of `InMemoryHost`. */
export interface InMemoryHostOptions {
  /** The served domain (default `example.com`). */
  readonly domain?: string
  /** Offline storage on (default true). */
  readonly offline?: boolean
  /** MAM archiving on (default false). */
  readonly mam?: boolean
  /** The durable store; pass the previous host's to simulate a restart. */
  readonly store?: InMemoryStore
  /** The clock's start, epoch ms (default 2030-01-01T00:00:00Z). */
  readonly now?: number
  /**
   * How the capabilities answer (`AmpHost`'s `HostAnswer`): "later" (default) with promises, as
   * a host with real I/O does; "at-once" with plain values and plain throws, as the reference
   * server's `route`, `maySeePresence` and `sendToUser` do.
   */
  readonly answers?: "later" | "at-once"
  /**
   * Offer `deliverTo` (a listener told of the write instead of an answer): told before it
   * returns with "at-once", in a later microtask with "later". Default false: `deliver` only.
   */
  readonly deliverTo?: boolean
  /**
   * Offer `sendTextToUser` (replies written as text): the text is parsed back and sent as
   * `sendToUser` sends an element, after checking that `to` is its `to`. Default false.
   */
  readonly textReplies?: boolean
}

const splitJid = (jid: string) => {
  const slash = jid.indexOf("/")
  const bare = slash === -1 ? jid : jid.slice(0, slash)
  const resource = slash === -1 ? undefined : jid.slice(slash + 1)
  const at = bare.indexOf("@")
  return { bare, resource, domain: at === -1 ? bare : bare.slice(at + 1) }
}

/** A complete `AmpHost` in memory, with helpers to drive and inspect it. */
export class InMemoryHost implements AmpHost {
  /** The served domain. */
  readonly domain: string
  /** The durable part: offline storage, archive, pending table. */
  readonly store: InMemoryStore
  /** Offline storage is on. */
  offlineEnabled: boolean
  /** MAM archiving is on. */
  mamEnabled: boolean
  /** The next N offline writes fail. */
  failOfflineWrites = 0
  /** The next N archive writes fail. */
  failArchiveWrites = 0
  /** Capabilities that throw while listed here (to test host failures). */
  readonly throwing = new Set<ThrowingCapability>()
  /** Bounces and other stanzas routed with `send` that reached no session. */
  readonly undeliverable: Element[] = []
  /** What the plugin registered (disco, stream feature). */
  extension: HostExtension | undefined
  private clock: number
  private readonly accounts = new Set<string>()
  private readonly sessions = new Map<string, TestSession[]>()
  private readonly subscriptions = new Map<string, Map<string, string>>()

  constructor(options: InMemoryHostOptions = {}) {
    this.domain = options.domain ?? "example.com"
    this.offlineEnabled = options.offline ?? true
    this.mamEnabled = options.mam ?? false
    this.store = options.store ?? new InMemoryStore()
    this.clock = options.now ?? Date.UTC(2030, 0, 1)
    this.answersAtOnce = options.answers === "at-once"
    if (options.deliverTo === true) this.deliverTo = this.deliverToListener
    if (options.textReplies === true) this.sendTextToUser = this.sendParsedText
  }

  /** Creates accounts (bare JIDs). */
  addUsers(...bares: string[]): this {
    for (const bare of bares) this.accounts.add(bare)
    return this
  }

  /** Sets the subscription `owner`'s roster holds for `contact` (`from`/`both` let contact see owner). */
  setSubscription(owner: string, contact: string, subscription: string): this {
    const roster = this.subscriptions.get(owner) ?? new Map<string, string>()
    roster.set(contact, subscription)
    this.subscriptions.set(owner, roster)
    return this
  }

  /** Connects a session without telling any plugin (see `login`). */
  connect(fullJid: string, priority = 0): TestSession {
    const { bare, resource = "" } = splitJid(fullJid)
    const session: TestSession = {
      resource,
      priority,
      failWrites: false,
      withholdAcks: false,
      received: [],
    }
    this.sessions.set(bare, [
      ...(this.sessions.get(bare) ?? []).filter((s) => s.resource !== resource),
      session,
    ])
    return session
  }

  /** Disconnects a session. */
  disconnect(fullJid: string): void {
    const { bare, resource } = splitJid(fullJid)
    this.sessions.set(
      bare,
      (this.sessions.get(bare) ?? []).filter((session) => session.resource !== resource),
    )
  }

  /** Connects a session, tells the plugin, and delivers offline messages as a server would. */
  async login(fullJid: string, plugin: AmpPluginHandle, priority = 0): Promise<TestSession> {
    const session = this.connect(fullJid, priority)
    const { bare } = splitJid(fullJid)
    await plugin.recipientOnline(bare)
    const waiting = this.store.offlineOf(bare)
    this.store.offline.delete(bare)
    for (const entry of waiting) {
      const verdict =
        entry.extra === undefined ? "deliver" : await plugin.offlineDelivery(entry.extra)
      if (verdict === "deliver") session.received.push(entry.stanza)
    }
    return session
  }

  /** The session of a full JID, if connected. */
  session(fullJid: string): TestSession | undefined {
    const { bare, resource } = splitJid(fullJid)
    return this.sessions.get(bare)?.find((session) => session.resource === resource)
  }

  /** Moves the clock forward. */
  advance(milliseconds: number): void {
    this.clock += milliseconds
  }

  /** The manual clock (see `advance`). */
  readonly now = (): number => this.clock

  private readonly answersAtOnce: boolean

  /** `compute`'s value (or throw) as the configured kind of answer. */
  private answer<A>(compute: () => A): HostAnswer<A> {
    if (this.answersAtOnce) return compute()
    try {
      return Promise.resolve(compute())
    } catch (error) {
      return Promise.reject(error)
    }
  }

  private fail(capability: ThrowingCapability): void {
    if (this.throwing.has(capability)) throw new Error(`${capability} failed (injected)`)
  }

  private targets(to: string, type: string | undefined): TestSession[] {
    const { bare, resource } = splitJid(to)
    const all = this.sessions.get(bare) ?? []
    const addressed = all.find((session) => session.resource === resource)
    if (addressed !== undefined) return [addressed]
    if (resource !== undefined && type !== undefined && type !== "chat" && type !== "normal") {
      return []
    }
    const eligible = all.filter((session) => session.priority >= 0)
    const top = Math.max(...eligible.map((session) => session.priority))
    return eligible.filter((session) => session.priority === top)
  }

  readonly route = (message: Element): HostAnswer<HostRouting> =>
    this.answer(() => {
      this.fail("route")
      const to = readAttribute(message, "to") ?? ""
      const { bare, resource, domain } = splitJid(to)
      const kind =
        domain !== this.domain
          ? "remote-domain"
          : this.accounts.has(bare)
            ? "local-user"
            : "unknown-user"
      const targets = kind === "local-user" ? this.targets(to, readAttribute(message, "type")) : []
      const sessions: SessionRouting =
        targets.length === 0
          ? "none"
          : targets.some((session) => session.resource === resource)
            ? "addressed-resource"
            : "other-resources"
      const local = kind === "local-user"
      return {
        kind,
        recipient: bare,
        sessions,
        wouldStoreOffline: local && this.offlineEnabled,
        wouldArchive: local && this.mamEnabled,
      }
    })

  readonly maySeePresence = (sender: string, recipient: string): HostAnswer<boolean> =>
    this.answer(() => {
      const subscription = this.subscriptions.get(recipient)?.get(sender)
      return sender === recipient || subscription === "from" || subscription === "both"
    })

  readonly deliver = (message: Element, confirm: DeliveryConfirmation): HostAnswer<boolean> =>
    this.answer(() => {
      this.fail("deliver")
      const targets = this.targets(
        readAttribute(message, "to") ?? "",
        readAttribute(message, "type"),
      )
      let accepted = false
      for (const session of targets) {
        if (session.failWrites) continue
        session.received.push(message)
        if (confirm === "ack" && session.withholdAcks) continue
        accepted = true
      }
      return accepted
    })

  /** `AmpHost.deliverTo` when the options ask for it. */
  readonly deliverTo?: NonNullable<AmpHost["deliverTo"]>

  private readonly deliverToListener = (
    message: Element,
    confirm: DeliveryConfirmation,
    _routing: HostRouting | undefined,
    listener: DeliveryListener,
  ): void => {
    const answer = this.deliver(message, confirm)
    if (typeof answer === "boolean") listener.confirmed(answer)
    else
      answer.then(
        (written) => listener.confirmed(written),
        () => listener.confirmed(false),
      )
  }

  readonly storeOffline = (message: Element, extra: string) =>
    this.answer(() => {
      this.fail("storeOffline")
      if (this.failOfflineWrites > 0) {
        this.failOfflineWrites -= 1
        return undefined
      }
      const key = this.store.newKey("offline")
      const { bare } = splitJid(readAttribute(message, "to") ?? "")
      this.store.append(this.store.offline, bare, { key, stanza: message, extra })
      return key
    })

  readonly archive = (message: Element) =>
    this.answer(() => {
      if (this.failArchiveWrites > 0) {
        this.failArchiveWrites -= 1
        return undefined
      }
      const key = this.store.newKey("archive")
      const { bare } = splitJid(readAttribute(message, "to") ?? "")
      this.store.append(this.store.archive, bare, { key, stanza: message })
      return key
    })

  readonly removeOffline = (key: string) =>
    this.answer(() => {
      this.fail("removeOffline")
      this.store.removeKey(this.store.offline, key)
    })

  readonly removeArchived = (key: string) =>
    this.answer(() => this.store.removeKey(this.store.archive, key))

  readonly sendToUser = (stanza: Element): HostAnswer<void> =>
    this.answer(() => {
      this.fail("sendToUser")
      const to = readAttribute(stanza, "to") ?? ""
      // Spec §5: the addressed session, else the other available resources as for a normal
      // message to an absent resource (RFC 6121 §8.5.3.2.1), else offline storage.
      const targets = this.targets(to, undefined).filter((session) => !session.failWrites)
      for (const session of targets) session.received.push(stanza)
      if (targets.length > 0) return
      const { bare } = splitJid(to)
      const key = this.store.newKey("offline")
      this.store.append(this.store.offline, bare, { key, stanza, extra: undefined })
    })

  /** `AmpHost.sendTextToUser` when the options ask for it. */
  readonly sendTextToUser?: NonNullable<AmpHost["sendTextToUser"]>

  private readonly sendParsedText = (to: string, text: string): HostAnswer<void> => {
    const stanza = parseXml(text)
    const written = readAttribute(stanza, "to")
    if (written !== to) throw new Error(`sendTextToUser: to ${to} but the text says ${written}`)
    return this.sendToUser(stanza)
  }

  readonly send = (stanza: Element): HostAnswer<void> =>
    this.answer(() => {
      const session = this.session(readAttribute(stanza, "to") ?? "")
      if (session === undefined) this.undeliverable.push(stanza)
      else session.received.push(stanza)
    })

  /** The pending table of the durable store. */
  get pending() {
    return this.store.pending
  }

  readonly register = (extension: HostExtension): HostAnswer<void> =>
    this.answer(() => {
      this.extension = extension
    })
}
