// Service discovery and the stream feature of XEP-0079 §2.1.1 and §8, derived from one
// `AmpSupport` configuration, plus their client-side readers (with the erratum E17 fallback).
import xml, { type Element } from "@xmpp/xml"
import { declaredChildren, STREAM_FEATURE, writeElement } from "./Declarations.js"
import { AMP_ACTIONS, AMP_CONDITIONS, type AmpAction, type AmpCondition } from "./Model.js"
import {
  AMP_DISCO_NODE,
  AMP_FEATURE,
  actionFeature,
  conditionFeature,
  DISCO_INFO_NS,
} from "./Namespaces.js"
import type { AmpSupport } from "./Support.js"
import { readAttribute } from "./Xml.js"

const enabled = (support: AmpSupport): boolean =>
  support.actions.length > 0 && support.conditions.length > 0

/** Features to add to the server's root disco#info: the AMP feature when anything is enabled. */
export const serverFeatures = (support: AmpSupport): string[] =>
  enabled(support) ? [AMP_FEATURE] : []

/** Features of the AMP node: the base feature, then `?action=` and `?condition=` per enabled one. */
export const ampNodeFeatures = (support: AmpSupport): string[] => [
  AMP_FEATURE,
  ...support.actions.map(actionFeature),
  ...support.conditions.map(conditionFeature),
]

/** How a server answers disco#info for a node: the AMP node, another node under it, or neither. */
export type AmpNodeKind = "amp-node" | "unknown-amp-node" | "other"

/** Classifies a disco#info `node`: only the exact AMP node is answered; `…?action=x` is not. */
export const classifyDiscoNode = (node: string | undefined): AmpNodeKind => {
  if (node === AMP_DISCO_NODE) return "amp-node"
  if (node?.startsWith(AMP_DISCO_NODE)) return "unknown-amp-node"
  return "other"
}

/** The disco#info `<query node='http://jabber.org/protocol/amp'>` result for a configuration. */
export const ampNodeInfo = (support: AmpSupport): Element =>
  xml(
    "query",
    { xmlns: DISCO_INFO_NS, node: AMP_DISCO_NODE },
    xml("identity", { category: "im", type: "server" }),
    ...ampNodeFeatures(support).map((feature) => xml("feature", { var: feature })),
  )

/** The stream feature `<amp xmlns='http://jabber.org/features/amp'/>`, if anything is enabled. */
export const streamFeature = (support: AmpSupport): Element | undefined =>
  enabled(support) ? writeElement(STREAM_FEATURE, {}) : undefined

/** True when `<stream:features/>` announces AMP (§8). */
export const hasStreamFeature = (features: Element): boolean =>
  declaredChildren(features, STREAM_FEATURE).length > 0

const featuresOf = (query: Element): string[] =>
  query
    .getChildElements()
    .filter((child) => child.getName() === "feature")
    .map((child) => readAttribute(child, "var"))
    .filter((feature): feature is string => feature !== undefined)

/** True when a disco#info `<query/>` lists `http://jabber.org/protocol/amp`. */
export const supportsAmp = (query: Element): boolean => featuresOf(query).includes(AMP_FEATURE)

/** What a client may assume from the AMP node's disco#info result. */
export interface AdvertisedSupport {
  /** Actions advertised (or, when none is listed, all defined ones: erratum E17). */
  readonly actions: readonly AmpAction[]
  /** Conditions advertised (or, when none is listed, all defined ones: erratum E17). */
  readonly conditions: readonly AmpCondition[]
  /** True when the actions or the conditions were not listed and all of them were assumed. */
  readonly assumed: boolean
}

const listed = <const Known extends readonly string[]>(
  known: Known,
  features: readonly string[],
  feature: (name: string) => string,
): Known[number][] => known.filter((name) => features.includes(feature(name)))

/** Reads the AMP node's disco#info result (§2.1.1; a set not listed means "all of it", E17). */
export const readAmpNodeInfo = (query: Element): AdvertisedSupport => {
  const features = featuresOf(query)
  const actions = listed(AMP_ACTIONS, features, actionFeature)
  const conditions = listed(AMP_CONDITIONS, features, conditionFeature)
  return {
    actions: actions.length === 0 ? AMP_ACTIONS : actions,
    conditions: conditions.length === 0 ? AMP_CONDITIONS : conditions,
    assumed: actions.length === 0 || conditions.length === 0,
  }
}
