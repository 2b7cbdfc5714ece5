// XEP-0357 §5–§7 and the XEPs the push business rules look into: every namespace and form type
// this package reads or writes, declared once.

/** The push namespace of `<enable/>`, `<disable/>` and `<notification/>` (XEP-0357 §5). */
export const PUSH_NS = "urn:xmpp:push:0"

/** The disco#info feature a server lists on the user's bare JID (XEP-0357 §3). */
export const PUSH_FEATURE = PUSH_NS

/** FORM_TYPE of the notification summary form (XEP-0357 §7). */
export const PUSH_SUMMARY_FORM_TYPE = "urn:xmpp:push:summary"

/** FORM_TYPE of publish options given at enable time (XEP-0060 §7.1.5, XEP-0357 §5). */
export const PUBLISH_OPTIONS_FORM_TYPE = "http://jabber.org/protocol/pubsub#publish-options"

/** XEP-0060 pubsub namespace of the publish IQ. */
export const PUBSUB_NS = "http://jabber.org/protocol/pubsub"

/** XEP-0004 data forms namespace. */
export const DATA_FORMS_NS = "jabber:x:data"

/** RFC 6120 stanza error conditions namespace. */
export const STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"

/** XEP-0280 message carbons namespace (`<received/>`, `<sent/>`). */
export const CARBONS_NS = "urn:xmpp:carbons:2"

/** XEP-0297 stanza forwarding namespace (`<forwarded/>` inside a carbon). */
export const FORWARD_NS = "urn:xmpp:forward:0"

/** The client namespace of stanzas. */
export const CLIENT_NS = "jabber:client"

/** OMEMO (legacy, Conversations) namespace: XEP-0384 0.3. */
export const OMEMO_LEGACY_NS = "eu.siacs.conversations.axolotl"

/** OMEMO 2 namespace: XEP-0384 ≥ 0.8. */
export const OMEMO_NS = "urn:xmpp:omemo:2"

/** OpenPGP for XMPP namespace: XEP-0373. */
export const OPENPGP_NS = "urn:xmpp:openpgp:0"

/** Legacy OpenPGP namespace: XEP-0027. */
export const LEGACY_PGP_NS = "jabber:x:encrypted"

/** Jingle Message Initiation namespace: XEP-0353 (`<propose/>`). */
export const JINGLE_MESSAGE_NS = "urn:xmpp:jingle-message:0"
