// XEP-0079 §11 (XMPP Registrar) and §8: every namespace, service discovery feature and node
// of Advanced Message Processing, plus the RFC 6120 / XEP-0030 namespaces its replies use.

/** The AMP protocol namespace (`<amp/>`, `<rule/>` and the validation containers). */
export const AMP_NS = "http://jabber.org/protocol/amp"

/** The AMP error namespace of `<failed-rules/>` (XEP-0079 §3.4.3, §12.2). */
export const AMP_ERRORS_NS = "http://jabber.org/protocol/amp#errors"

/** The stream feature namespace: `<amp xmlns='http://jabber.org/features/amp'/>` (§8). */
export const AMP_FEATURE_NS = "http://jabber.org/features/amp"

/** The disco#info feature a server advertises when it supports AMP (§2.1.1). */
export const AMP_FEATURE = AMP_NS

/** The well-known disco node listing the supported actions and conditions (§2.1.1). */
export const AMP_DISCO_NODE = AMP_NS

/** RFC 6120 stanza error conditions namespace. */
export const STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"

/** XEP-0030 disco#info namespace. */
export const DISCO_INFO_NS = "http://jabber.org/protocol/disco#info"

/** The disco feature of one action: `http://jabber.org/protocol/amp?action={action}`. */
export const actionFeature = (action: string): string => `${AMP_NS}?action=${action}`

/** The disco feature of one condition: `http://jabber.org/protocol/amp?condition={condition}`. */
export const conditionFeature = (condition: string): string => `${AMP_NS}?condition=${condition}`
