// XML namespaces of RFC 6120 / RFC 6121 / RFC 7395 and the XEPs the server speaks.

/** RFC 6120 §4.8.2: the client content namespace. */
export const NS_CLIENT = "jabber:client"
/** RFC 6120 §4.8.1: the stream namespace (`stream:` prefix). */
export const NS_STREAM = "http://etherx.jabber.org/streams"
/** RFC 6120 §4.9.3: stream error conditions. */
export const NS_STREAM_ERRORS = "urn:ietf:params:xml:ns:xmpp-streams"
/** RFC 6120 §8.3.3: stanza error conditions. */
export const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
/** RFC 6120 §5: STARTTLS. */
export const NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
/** RFC 6120 §6: SASL. */
export const NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
/** RFC 6120 §7: resource binding. */
export const NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
/** RFC 3921 §3 (kept as an optional feature by RFC 6121 errata): session establishment. */
export const NS_SESSION = "urn:ietf:params:xml:ns:xmpp-session"
/** RFC 7395 §3.3: WebSocket framing (`<open/>`, `<close/>`). */
export const NS_FRAMING = "urn:ietf:params:xml:ns:xmpp-framing"
/** RFC 6121 §2: roster. */
export const NS_ROSTER = "jabber:iq:roster"
/** XEP-0030: disco#info. */
export const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
/** XEP-0030: disco#items. */
export const NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
/** XEP-0199: ping. */
export const NS_PING = "urn:xmpp:ping"
/** XEP-0092: software version. */
export const NS_VERSION = "jabber:iq:version"
/** XML namespace (`xml:lang`). */
export const NS_XML = "http://www.w3.org/XML/1998/namespace"
