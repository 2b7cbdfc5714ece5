// XEP-0079 §11 (XMPP Registrar): every namespace, feature var and disco node of AMP.

/** The AMP protocol namespace (`<amp/>`, `<rule/>` and the validation containers). */
export const AMP_NS = "http://jabber.org/protocol/amp"
