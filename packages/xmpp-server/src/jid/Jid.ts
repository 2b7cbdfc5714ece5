// JIDs (RFC 7622) as the server uses them: parsed once at the edge, compared as normalised
// strings. Localpart and domainpart are case-folded; the resourcepart is kept as written.
import { setBounded } from "../core/boundedMap.js"

/** A parsed JID. `bare` is `local@domain` (or `domain`), `full` adds `/resource`. */
export interface Jid {
  readonly local: string | undefined
  readonly domain: string
  readonly resource: string | undefined
  readonly bare: string
  readonly full: string
}

const forbiddenInLocal = /[\s"&'/:<>@\p{Cc}]/u
const forbiddenInDomain = /[\s"&'/:<>@\p{Cc}\\]/u
const maxPartBytes = 1023

/** True when `text` is longer than 1023 bytes in UTF-8 (a UTF-16 unit is at most 3 bytes). */
const tooLong = (text: string): boolean =>
  text.length > maxPartBytes / 3 && Buffer.byteLength(text, "utf8") > maxPartBytes

// Every stanza's `to` and `from` are parsed, and they repeat (the same contacts all day): the
// last few thousand answers are kept. Jid objects are immutable, so they can be shared.
const cacheCapacity = 4096
const cache = new Map<string, Jid | null>()

/** Parses and normalises a JID; undefined when it is not a valid JID. */
export const parseJid = (text: string): Jid | undefined => {
  const cached = cache.get(text)
  if (cached !== undefined) return cached ?? undefined
  const parsed = parseUncached(text)
  setBounded(cache, text, parsed ?? null, cacheCapacity)
  return parsed
}

const parseUncached = (text: string): Jid | undefined => {
  const slash = text.indexOf("/")
  const withoutResource = slash === -1 ? text : text.slice(0, slash)
  const resource = slash === -1 ? undefined : text.slice(slash + 1)
  const at = withoutResource.indexOf("@")
  const local = at === -1 ? undefined : withoutResource.slice(0, at).toLowerCase()
  const domain = (at === -1 ? withoutResource : withoutResource.slice(at + 1))
    .toLowerCase()
    .replace(/\.$/, "")
  if (domain === "" || tooLong(domain) || forbiddenInDomain.test(domain)) return undefined
  if (local !== undefined && (local === "" || tooLong(local) || forbiddenInLocal.test(local)))
    return undefined
  if (resource !== undefined && !isValidResource(resource)) return undefined
  const bare = local === undefined ? domain : `${local}@${domain}`
  return {
    local,
    domain,
    resource,
    bare,
    full: resource === undefined ? bare : `${bare}/${resource}`,
  }
}

/** RFC 7622 §3.4: a non-empty resourcepart of at most 1023 bytes without control characters. */
export const isValidResource = (resource: string): boolean =>
  resource !== "" && !tooLong(resource) && !/\p{Cc}/u.test(resource)

/** The bare JID of a full one (`user@domain/res` → `user@domain`). */
export const bareOf = (jid: string): string => {
  const slash = jid.indexOf("/")
  return slash === -1 ? jid : jid.slice(0, slash)
}
