// The xmpp.js-style plugin `amp({ entity, middleware, iqCaller }, options) => AmpClient`:
// sends messages with AMP rules (XEP-0079 §2.1.2, adding the id §1.3 requires), tracks their
// replies (§2.2.5), discovers support (§2.1.1, §8) and offers XEP-0357 push helpers.
import {
  type Element,
  findAmpElement,
  hasStreamFeature,
  readAttribute,
  serializeRequest,
} from "@xmpp-amp/amp-core"
import type {
  AmpClient,
  AmpClientEvents,
  AmpClientOptions,
  SendOptions,
  TrackOptions,
} from "./AmpClientApi.js"
import { AmpClientError } from "./AmpClientError.js"
import { discoverAmpSupport, discoveryCache, MAX_DISCOVERY_AGE } from "./Discovery.js"
import { Emitter } from "./Emitter.js"
import { classifyIncoming } from "./IncomingMessages.js"
import { pushApi } from "./Push.js"
import { type AmpRulesInput, toRuleset } from "./RuleBuilders.js"
import { assertSupportedRules, assertValidRules } from "./RuleCheck.js"
import { type AmpTracker, createTracker, type TrackerControl } from "./Tracker.js"
import type { AmpPluginDependencies } from "./XmppTypes.js"

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
    const givenId = readAttribute(message, "id")
    if (givenId !== undefined && trackers.has(givenId)) {
      throw new AmpClientError(
        "duplicate-id",
        `A message with id '${givenId}' is already being tracked`,
      )
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
