// RFC 7622 JIDs, as far as the push rules need them: the bare JID of an account or service and a
// light well-formedness check for `jid` attributes of XEP-0357 `<enable/>` and `<disable/>`.

/** A bare JID (`local@domain` or `domain`), lower-cased so that it can key a Map. */
export type BareJid = string

const maximumPartLength = 1023

/** The bare JID of `jid`, lower-cased: `Juliet@Example.com/balcony` → `juliet@example.com`. */
export const bareJid = (jid: string): BareJid => {
  const slash = jid.indexOf("/")
  return (slash === -1 ? jid : jid.slice(0, slash)).toLowerCase()
}

/** The domain part of `jid`: `juliet@example.com/balcony` → `example.com`. */
export const domainOf = (jid: string): string => {
  const bare = bareJid(jid)
  const at = bare.indexOf("@")
  return at === -1 ? bare : bare.slice(at + 1)
}

/** Whether `jid` is well formed enough to address: a non-empty domain, no blanks, sane lengths. */
export const isWellFormedJid = (jid: string): boolean => {
  if (jid.length === 0 || /\s/.test(jid)) return false
  const slash = jid.indexOf("/")
  const bare = slash === -1 ? jid : jid.slice(0, slash)
  const resource = slash === -1 ? undefined : jid.slice(slash + 1)
  if (resource !== undefined && (resource.length === 0 || resource.length > maximumPartLength)) {
    return false
  }
  const at = bare.indexOf("@")
  const local = at === -1 ? undefined : bare.slice(0, at)
  const domain = at === -1 ? bare : bare.slice(at + 1)
  if (local !== undefined && (local.length === 0 || local.length > maximumPartLength)) return false
  if (domain.length === 0 || domain.length > maximumPartLength || domain.includes("@")) return false
  return !/[<>"&']/.test(bare)
}

/** `jid` with its bare part lower-cased and its resource kept: the form registrations store. */
export const normalizeJid = (jid: string): string => {
  const slash = jid.indexOf("/")
  return slash === -1
    ? jid.toLowerCase()
    : `${jid.slice(0, slash).toLowerCase()}${jid.slice(slash)}`
}
