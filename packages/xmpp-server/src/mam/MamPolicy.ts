// What a user's archive keeps (XEP-0313 §5 and XEP-0334 hints): `chat` and `normal` messages
// with a body (or a `store` hint), without a `no-store` / `no-permanent-store` hint, and never
// MAM results or carbons themselves. Then the owner's preferences (XEP-0313 §6.1): `never`
// and `always` JID lists first, else the default (`always`, `never`, or `roster`: only
// contacts in the owner's roster).
import { NS_HINTS } from "../offline/OfflinePolicy.js"
import type { XmlElement } from "../xml/Xml.js"

/** XEP-0313 v2. */
export const NS_MAM = "urn:xmpp:mam:2"

/** XEP-0313 §6.1 default archiving mode. */
export type MamDefault = "always" | "never" | "roster"

/** One user's archiving preferences. */
export interface MamPrefs {
  readonly defaultMode: MamDefault
  readonly always: ReadonlyArray<string>
  readonly never: ReadonlyArray<string>
}

const forwardedNamespaces = new Set([NS_MAM, "urn:xmpp:carbons:2"])

/** True when the message is of a kind archives keep. */
export const archivable = (stanza: XmlElement): boolean => {
  const type = stanza.attrs.type ?? "normal"
  if (type !== "normal" && type !== "chat") return false
  if (stanza.getChildElements().some((child) => forwardedNamespaces.has(child.attrs.xmlns ?? "")))
    return false
  if (stanza.getChild("store", NS_HINTS) !== undefined) return true
  if (
    stanza.getChild("no-store", NS_HINTS) !== undefined ||
    stanza.getChild("no-permanent-store", NS_HINTS) !== undefined
  )
    return false
  return stanza.getChild("body") !== undefined
}

/** True when `prefs` let the archive keep a message exchanged with `peer` (bare JID). */
export const prefsAllow = (prefs: MamPrefs, peer: string, inRoster: () => boolean): boolean => {
  if (prefs.never.includes(peer)) return false
  if (prefs.always.includes(peer)) return true
  if (prefs.defaultMode === "always") return true
  if (prefs.defaultMode === "never") return false
  return inRoster()
}
