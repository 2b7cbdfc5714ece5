// AMP service discovery for the client (XEP-0079 §2.1.1, §8): the server's disco#info, the AMP
// node's actions and conditions (falling back to "all defined" when the node gives no answer,
// erratum E17) and the stream feature. Cached for at most 24 hours and refreshed on reconnect.

import xml from "@xmpp/xml"
import {
  AMP_ACTIONS,
  AMP_CONDITIONS,
  AMP_DISCO_NODE,
  type AmpAction,
  type AmpCondition,
  DISCO_INFO_NS,
  type Element,
  readAmpNodeInfo,
  supportsAmp,
} from "@xmpp-amp/amp-core"
import { AmpClientError } from "./AmpClientError.js"
import type { XmppIqCaller } from "./XmppTypes.js"

/** The longest a discovery result may be cached: 24 hours (§2.1.1). */
export const MAX_DISCOVERY_AGE = 24 * 60 * 60 * 1000

/** What the user's server supports of AMP, and how we learned it. */
export interface AmpServerSupport {
  /** True when disco#info lists `http://jabber.org/protocol/amp` or the stream feature is present. */
  readonly available: boolean
  /** True when disco#info listed the AMP feature. */
  readonly advertisedInDisco: boolean
  /** True when the last `<stream:features/>` carried `<amp xmlns='http://jabber.org/features/amp'/>`. */
  readonly streamFeature: boolean
  /** Supported actions (empty when not available). */
  readonly actions: readonly AmpAction[]
  /** Supported conditions (empty when not available). */
  readonly conditions: readonly AmpCondition[]
  /** True when the AMP node gave no list and all defined ones were assumed (§2.1.1, E17). */
  readonly assumed: boolean
  /** When it was discovered (ms since the epoch, from the clock option). */
  readonly discoveredAt: number
}

const discoInfo = (to: string, node?: string): Element =>
  xml(
    "iq",
    { type: "get", to },
    xml("query", node === undefined ? { xmlns: DISCO_INFO_NS } : { xmlns: DISCO_INFO_NS, node }),
  )

const queryOf = (result: Element): Element | undefined => result.getChild("query", DISCO_INFO_NS)

/** True for an XMPP stanza error (an answer), false for a timeout or a lost connection. */
const isStanzaError = (error: unknown): boolean =>
  typeof error === "object" && error !== null && typeof Reflect.get(error, "condition") === "string"

/**
 * Runs the discovery queries against `domain`. A stanza error means "not listed"; a timeout or
 * a lost connection on the first query rejects with `discovery-failed` (nothing is learned,
 * nothing is cached). The AMP node failing in any way means "all defined" (erratum E17).
 */
export const discoverAmpSupport = async (
  iqCaller: XmppIqCaller,
  domain: string,
  streamFeature: boolean,
  now: number,
  timeout: number,
): Promise<AmpServerSupport> => {
  const info = await iqCaller.request(discoInfo(domain), timeout).then(queryOf, (error) => {
    if (isStanzaError(error)) return undefined
    throw new AmpClientError(
      "discovery-failed",
      `AMP discovery of ${domain} failed: ${error instanceof Error ? error.message : String(error)}`,
    )
  })
  const advertisedInDisco = info !== undefined && supportsAmp(info)
  const available = advertisedInDisco || streamFeature
  if (!available) {
    const none = { actions: [], conditions: [], assumed: false }
    return { available, advertisedInDisco, streamFeature, ...none, discoveredAt: now }
  }
  const node = await iqCaller
    .request(discoInfo(domain, AMP_DISCO_NODE), timeout)
    .then(queryOf, () => undefined)
  const advertised =
    node === undefined
      ? { actions: AMP_ACTIONS, conditions: AMP_CONDITIONS, assumed: true }
      : readAmpNodeInfo(node)
  return { available, advertisedInDisco, streamFeature, ...advertised, discoveredAt: now }
}

/** A cache of one discovery result with a maximum age and a single query in flight. */
export interface DiscoveryCache {
  /** The cached result if fresh, else runs discovery (sharing one in-flight query). */
  get(refresh?: boolean): Promise<AmpServerSupport>
  /** Forgets the cached result (on reconnect). */
  invalidate(): void
}

/** Creates the cache around a `discover` function. */
export const discoveryCache = (
  discover: () => Promise<AmpServerSupport>,
  maxAge: number,
  clock: () => number,
): DiscoveryCache => {
  let cached: AmpServerSupport | undefined
  let inFlight: Promise<AmpServerSupport> | undefined
  let generation = 0
  const run = (): Promise<AmpServerSupport> => {
    const started = generation
    const query = discover().then((support) => {
      if (started === generation) cached = support
      return support
    })
    inFlight = query
    const clear = (): void => {
      if (inFlight === query) inFlight = undefined
    }
    query.then(clear, clear)
    return query
  }
  return {
    get: (refresh = false) => {
      if (!refresh && cached !== undefined && clock() - cached.discoveredAt < maxAge) {
        return Promise.resolve(cached)
      }
      if (!refresh && inFlight !== undefined) return inFlight
      return run()
    },
    invalidate: () => {
      generation += 1
      cached = undefined
      inFlight = undefined
    },
  }
}
