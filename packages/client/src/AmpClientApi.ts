// The public shape of the AMP client plugin (XEP-0079 §2.1–§2.2.5, XEP-0357 push): its
// options, the options of `send` and `track`, its own events, and the `AmpClient` API.
import type { Element, RuleText } from "@xmpp-amp/amp-core"
import type { AmpServerSupport } from "./Discovery.js"
import type { Unsubscribe } from "./Emitter.js"
import type { IgnoredReason } from "./IncomingMessages.js"
import type { PushApi } from "./Push.js"
import type { AmpRulesInput } from "./RuleBuilders.js"
import type { AmpTracker } from "./Tracker.js"

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
