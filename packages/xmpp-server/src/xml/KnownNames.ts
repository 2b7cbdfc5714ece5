// The names and attribute values that nearly every stanza repeats (`message`, `body`, `to`,
// `id`, `jabber:client`, AMP's `rule`, `action`, `notify`, …), handed out as one shared string
// instead of a fresh copy sliced from the input for each tag: the tokenizer (XmlTokenizer.ts)
// asks here before slicing. A slice is a new string on the heap per name and value of every
// element parsed (about 20 bytes each; heap profiles in docs/performance.md, perf24c). The
// look-up compares in place (`startsWith` at the position), so a miss costs no allocation and
// the slice is made as before.

const KNOWN = [
  // Stanzas and their usual children and attributes (RFC 6120, RFC 6121).
  "message",
  "presence",
  "iq",
  "body",
  "subject",
  "thread",
  "show",
  "status",
  "priority",
  "error",
  "query",
  "to",
  "from",
  "id",
  "type",
  "xmlns",
  "xml:lang",
  "jabber:client",
  "chat",
  "normal",
  "groupchat",
  "headline",
  "get",
  "set",
  "result",
  // XEP-0079 AMP.
  "amp",
  "rule",
  "action",
  "condition",
  "value",
  "per-hop",
  "http://jabber.org/protocol/amp",
  "notify",
  "alert",
  "drop",
  "deliver",
  "match-resource",
  "expire-at",
  "direct",
  "stored",
  "none",
  "forward",
  "gateway",
  "any",
  "exact",
  "other",
  // XEP-0198, XEP-0352, XEP-0184, XEP-0085.
  "r",
  "a",
  "h",
  "urn:xmpp:sm:3",
  "active",
  "inactive",
  "request",
  "received",
  "urn:xmpp:receipts",
  "http://jabber.org/protocol/chatstates",
] as const

/**
 * The known strings by length, then by first character (ASCII): most look-ups then compare with
 * one candidate or none.
 */
const byLengthAndFirst: ReadonlyArray<
  ReadonlyArray<ReadonlyArray<string> | undefined> | undefined
> = (() => {
  const buckets: Array<Array<Array<string> | undefined> | undefined> = []
  for (const text of KNOWN) {
    const byFirst = buckets[text.length] ?? new Array<Array<string> | undefined>(128)
    const first = text.charCodeAt(0)
    const bucket = byFirst[first] ?? []
    bucket.push(text)
    byFirst[first] = bucket
    buckets[text.length] = byFirst
  }
  return buckets
})()

/**
 * `data.slice(start, end)` when that is one of the known strings, as the shared string;
 * undefined otherwise (the caller slices). Example: `knownText("<message to='a'>", 1, 8)` is
 * "message".
 */
export const knownText = (data: string, start: number, end: number): string | undefined => {
  const byFirst = byLengthAndFirst[end - start]
  if (byFirst === undefined) return undefined
  const candidates = byFirst[data.charCodeAt(start)]
  if (candidates === undefined) return undefined
  for (const candidate of candidates) if (data.startsWith(candidate, start)) return candidate
  return undefined
}
