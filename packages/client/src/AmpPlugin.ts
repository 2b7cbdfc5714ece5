// The xmpp.js-style plugin `amp({ entity, middleware, iqCaller }, options) => AmpClient`:
// sends messages with AMP rules (XEP-0079 §2.1.2, adding the id §1.3 requires), tracks their
// replies (§2.2.5), discovers support (§2.1.1, §8) and offers XEP-0357 push helpers.
import {
  type Element,
  findAmpElement,
  hasStreamFeature,
  type RuleText,
  readAttribute,
  serializeRequest,
} from "@xmpp-amp/amp-core"
import { AmpClientError } from "./AmpClientError.js"
import {
  type AmpServerSupport,
  discoverAmpSupport,
  discoveryCache,
  MAX_DISCOVERY_AGE,
} from "./Discovery.js"
import { Emitter, type Unsubscribe } from "./Emitter.js"
import { classifyIncoming, type IgnoredReason } from "./IncomingMessages.js"
import { type PushApi, pushApi } from "./Push.js"
import { type AmpRulesInput, toRuleset } from "./RuleBuilders.js"
import { assertSupportedRules, assertValidRules } from "./RuleCheck.js"
import { type AmpTracker, createTracker, type TrackerControl } from "./Tracker.js"
import type { AmpPluginDependencies } from "./XmppTypes.js"

/** Options of the plugin. */
export interface AmpClientOptions {
  /** How long a discovery result is reused, in ms; at most (and by default) 24 hours. */
  readonly discoveryMaxAge?: number
  /** Run discovery each time the client comes online (default true), so reconnects refresh it. */
  readonly discoverOnConnect?: boolean
  /** Timeout of each disco or push iq, in ms (default 10 000). */
  readonly iqTimeout?: number
  /** How long a tracker waits for replies before closing itself, in ms (default one hour). */
  readonly trackerLifetime?: number
  /** The clock, in ms since the epoch (default `Date.now`); tests can move time. */
  readonly clock?: () => number
}

/** Options of `track`. */
export interface TrackOptions {
  /** The rules sent, as written (decide when the message is settled; default none). */
  readonly rules?: readonly RuleText[]
  /** The message's `to`: a plain error bounce from this address is accepted too. */
  readonly to?: string
  /** How long the tracker waits for replies before closing itself (default: plugin option). */
  readonly lifetime?: number
}

/** Options of one `send`. */
export interface SendOptions {
  /** Check the rules against the server's discovered support first (default true). */
  readonly checkSupport?: boolean
  /** How long this tracker waits for replies before closing itself (default: plugin option). */
  readonly trackerLifetime?: number
}

/** An incoming message from someone else that still carries an `<amp/>` request. */
export interface AmpInMessage {
  /** The message as received (its `<amp/>` left in place). */
  readonly stanza: Element
  /** Its rules, as written. */
  readonly rules: readonly RuleText[]
}

/** An AMP reply that no tracker received. */
export interface IgnoredReply {
  /** Why it was ignored. */
  readonly reason: IgnoredReason
  /** The stanza as received. */
  readonly stanza: Element
}

/** Events of the plugin itself (not of one message). */
export interface AmpClientEvents {
  /** An AMP reply was ignored: spoofed (not from the user's server) or for an unknown id. */
  "reply-ignored": IgnoredReply
  /** A message from a contact still carried an `<amp/>` request; the app may ignore it. */
  "amp-in-message": AmpInMessage
  /** Discovery produced a new result. */
  "support-discovered": AmpServerSupport
}

/** The API the plugin returns. */
export interface AmpClient {
  /** Adds rules (and an id when missing) to `message`, sends it and returns its tracker. */
  send(message: Element, rules: AmpRulesInput, options?: SendOptions): Promise<AmpTracker>
  /** Checks and adds rules (and an id) to `message` without sending; returns the id. */
  attach(message: Element, rules: AmpRulesInput): string
  /** Tracks replies to a message sent by other means (after `attach`). */
  track(id: string, options?: TrackOptions): AmpTracker
  /** The server's AMP support: cached for at most 24 h, `refresh` forces new queries. */
  support(options?: { readonly refresh?: boolean }): Promise<AmpServerSupport>
  /** True when the last `<stream:features/>` announced AMP (§8). */
  readonly streamFeature: boolean
  /** Listens to plugin events; returns a function that unsubscribes. */
  on<Name extends keyof AmpClientEvents>(
    name: Name,
    listener: (payload: AmpClientEvents[Name]) => void,
  ): Unsubscribe
  /** XEP-0357 push for this account. */
  readonly push: PushApi
  /** Detaches from the entity and closes every tracker. */
  stop(): void
}

const STREAM_NS = "http://etherx.jabber.org/streams"

/** Message ids: a random 64-bit prefix per plugin (works outside secure contexts) and a counter. */
const idGenerator = (): (() => string) => {
  const prefix = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(8)), (byte) =>
    byte.toString(16).padStart(2, "0"),
  ).join("")
  let counter = 0
  return () => {
    counter += 1
    return `${prefix}-${counter.toString(36)}`
  }
}

/** Sets up AMP on an @xmpp/client instance (before `start()`): `const messages = amp(xmpp)`. */
export const amp = (
  { entity, middleware, iqCaller }: AmpPluginDependencies,
  options: AmpClientOptions = {},
): AmpClient => {
  const clock = options.clock ?? Date.now
  const iqTimeout = options.iqTimeout ?? 10_000
  const defaultLifetime = options.trackerLifetime ?? 60 * 60 * 1000
  const maxAge = Math.min(options.discoveryMaxAge ?? MAX_DISCOVERY_AGE, MAX_DISCOVERY_AGE)
  const events = new Emitter<{ [Name in keyof AmpClientEvents]: AmpClientEvents[Name] }>()
  const trackers = new Map<string, TrackerControl>()
  const serverDomain = (): string | undefined => entity.jid?.domain ?? entity.options?.domain
  const newId = idGenerator()
  let streamFeature = false
  let stopped = false

  const discovery = discoveryCache(
    async () => {
      const support = await discoverAmpSupport(
        iqCaller,
        serverDomain() ?? "",
        streamFeature,
        clock(),
        iqTimeout,
      )
      events.emit("support-discovered", support)
      return support
    },
    maxAge,
    clock,
  )

  const onNonza = (element: Element): void => {
    if (element.getName() === "features" && element.getNS() === STREAM_NS) {
      streamFeature = hasStreamFeature(element)
    }
  }
  const onOnline = (): void => {
    discovery.invalidate()
    // A failure here is not the caller's: `support()` and `send` run discovery again.
    if (options.discoverOnConnect !== false) discovery.get().catch(() => undefined)
  }
  entity.on("nonza", onNonza as (...values: never[]) => void)
  entity.on("online", onOnline)

  middleware.use((context, next) => {
    if (stopped) return next()
    const incoming = classifyIncoming(context.stanza, serverDomain(), (id) =>
      trackers.has(id) ? { to: recipients.get(id) } : undefined,
    )
    switch (incoming.kind) {
      case "event":
        trackers.get(incoming.event.id)?.push(incoming.event)
        break
      case "ignored":
        events.emit("reply-ignored", { reason: incoming.reason, stanza: context.stanza })
        break
      case "request-copy":
        events.emit("amp-in-message", { stanza: context.stanza, rules: incoming.rules })
        break
      case "unrelated":
        break
    }
    return next()
  })

  const recipients = new Map<string, string | undefined>()

  const track = (id: string, trackOptions: TrackOptions = {}): AmpTracker => {
    const { rules = [], to, lifetime = defaultLifetime } = trackOptions
    if (trackers.has(id)) {
      throw new AmpClientError("duplicate-id", `A message with id '${id}' is already being tracked`)
    }
    const timer = setTimeout(() => control.tracker.close(), lifetime)
    // In Node, a waiting tracker must not keep the process alive; browsers have no `unref`.
    ;(timer as unknown as { unref?: () => void }).unref?.()
    const control = createTracker(id, rules, () => {
      clearTimeout(timer)
      if (trackers.get(id) === control) {
        trackers.delete(id)
        recipients.delete(id)
      }
    })
    trackers.set(id, control)
    recipients.set(id, to)
    return control.tracker
  }

  const attach = (message: Element, input: AmpRulesInput): string => {
    if (message.getName() !== "message" || readAttribute(message, "type") === "error") {
      throw new AmpClientError(
        "invalid-message",
        "AMP rules go on a <message/> that is not an error",
      )
    }
    if (findAmpElement(message) !== undefined) {
      throw new AmpClientError("invalid-message", "This message already carries an <amp/> element")
    }
    const ruleset = toRuleset(input)
    assertValidRules(ruleset)
    const id = readAttribute(message, "id") || newId()
    message.attrs.id = id
    message.append(
      serializeRequest(
        ruleset.perHop === undefined ? ruleset : { ...ruleset, perHop: ruleset.perHop },
      ),
    )
    return id
  }

  const send = async (
    message: Element,
    input: AmpRulesInput,
    sendOptions: SendOptions = {},
  ): Promise<AmpTracker> => {
    const ruleset = toRuleset(input)
    const rules = assertValidRules(ruleset)
    if (sendOptions.checkSupport !== false) {
      const support = await discovery.get()
      if (!support.available) {
        throw new AmpClientError(
          "amp-unavailable",
          `The server ${serverDomain() ?? ""} does not advertise AMP (XEP-0079) support`,
          { rules },
        )
      }
      assertSupportedRules(rules, support)
    }
    const id = attach(message, ruleset)
    const to = readAttribute(message, "to")
    const tracker = track(id, {
      rules,
      ...(to === undefined ? {} : { to }),
      ...(sendOptions.trackerLifetime === undefined
        ? {}
        : { lifetime: sendOptions.trackerLifetime }),
    })
    try {
      await entity.send(message)
    } catch (error) {
      tracker.close()
      throw error
    }
    return tracker
  }

  return {
    send,
    attach,
    track,
    support: ({ refresh = false } = {}) => discovery.get(refresh),
    get streamFeature() {
      return streamFeature
    },
    on: (name, listener) => events.on(name, listener),
    push: pushApi(iqCaller, () => entity.jid?.toString().split("/")[0], iqTimeout),
    stop: () => {
      stopped = true
      entity.removeListener("nonza", onNonza as (...values: never[]) => void)
      entity.removeListener("online", onOnline)
      for (const control of [...trackers.values()]) control.tracker.close()
      events.clear()
    },
  }
}
