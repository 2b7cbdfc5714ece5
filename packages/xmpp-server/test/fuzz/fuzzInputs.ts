// Inputs for the stream fuzz tests (issue 10 item 3): random bytes, XML-ish token soup,
// mutations of valid streams and stanzas, and the fixed hostile inputs of RFC 6120 §11
// (DTDs, entities, processing instructions, comments), deep nesting, huge names and
// attributes, and invalid UTF-8.
import fc from "fast-check"

/** The seed every fuzz property starts from (`FUZZ_SEED=… npx vitest run test/fuzz` to vary it). */
export const fuzzSeed = Number(process.env.FUZZ_SEED ?? 20_261_204)

/** Multiplies every property's run count (`FUZZ_SCALE=20` for a long local hunt). */
export const fuzzScale = Number(process.env.FUZZ_SCALE ?? 1)

const utf8 = (text: string): Buffer => Buffer.from(text, "utf8")

/** Fragments that push the tokenizer into every state it has. */
const tokens = [
  "<",
  ">",
  "</",
  "/>",
  "='",
  '="',
  "'",
  '"',
  "=",
  " ",
  "\n",
  "a",
  "message",
  "body",
  "stream:stream",
  "xmlns",
  "xmlns:stream",
  "jabber:client",
  "&amp;",
  "&lt;",
  "&",
  ";",
  "&#x1F600;",
  "&#0;",
  "<![CDATA[",
  "]]>",
  "<!--",
  "-->",
  "<?",
  "?>",
  "<!DOCTYPE",
  "é",
  "😀",
  "\u0001",
  "\uFFFD",
]

/** Raw bytes, or a soup of XML tokens (more likely to reach deep tokenizer states). */
export const randomInput: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.from(bytes)),
  fc.array(fc.constantFrom(...tokens), { maxLength: 400 }).map((parts) => utf8(parts.join(""))),
)

/** One edit of a byte string. */
type Mutation =
  | { readonly kind: "flip"; readonly at: number; readonly byte: number }
  | { readonly kind: "delete"; readonly at: number; readonly length: number }
  | { readonly kind: "duplicate"; readonly at: number; readonly length: number }
  | { readonly kind: "insert"; readonly at: number; readonly text: string }
  | { readonly kind: "truncate"; readonly at: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip"), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ kind: fc.constant("delete"), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    kind: fc.constant("duplicate"),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 80 }),
  }),
  fc.record({
    kind: fc.constant("insert"),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom(
        "<a>",
        "</a>",
        "<a/>",
        "<message>",
        "</message>",
        "<stream:stream>",
        "'",
        '"',
      ),
      fc.constantFrom(...tokens),
    ),
  }),
  fc.record({ kind: fc.constant("truncate"), at: fc.nat() }),
)

const apply = (input: Buffer, edit: Mutation): Buffer => {
  const at = input.length === 0 ? 0 : edit.at % input.length
  switch (edit.kind) {
    case "flip": {
      const copy = Buffer.from(input)
      if (copy.length > 0) copy[at] = edit.byte
      return copy
    }
    case "delete":
      return Buffer.concat([input.subarray(0, at), input.subarray(at + edit.length)])
    case "duplicate":
      return Buffer.concat([input.subarray(0, at + edit.length), input.subarray(at)])
    case "insert":
      return Buffer.concat([input.subarray(0, at), utf8(edit.text), input.subarray(at)])
    case "truncate":
      return input.subarray(0, at)
  }
}

/** A corpus entry with 1–6 mutations applied. */
export const mutated = (corpus: ReadonlyArray<string>): fc.Arbitrary<Buffer> =>
  fc
    .tuple(fc.constantFrom(...corpus), fc.array(mutation, { minLength: 1, maxLength: 6 }))
    .map(([text, edits]) => edits.reduce(apply, utf8(text)))

/** Random cut points of `input` into chunks (partial writes). */
export const chunked = (input: Buffer, cuts: ReadonlyArray<number>): Array<Buffer> => {
  const points = [...new Set(cuts.map((cut) => cut % (input.length + 1)))].sort((a, b) => a - b)
  const chunks: Array<Buffer> = []
  let previous = 0
  for (const point of [...points, input.length]) {
    if (point > previous) chunks.push(input.subarray(previous, point))
    previous = point
  }
  return chunks
}

/** A client stream header. */
export const header = (domain: string): string =>
  `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0'>`

/** Valid stanzas a logged-in client may send (to the bystanders too: they must survive them). */
export const stanzaCorpus = (domain: string): Array<string> => [
  `<message to='alice@${domain}' id='m1' type='chat'><body>hi &amp; &lt;bye&gt; 😀 é</body></message>`,
  `<message to='bob@${domain}/b' id='m2'><body><![CDATA[<not markup>]]></body><thread>t1</thread></message>`,
  `<message to='alice@${domain}' id='m3'><body>x</body><amp xmlns='http://jabber.org/protocol/amp' per-hop='true'><rule condition='deliver' action='notify' value='direct'/><rule condition='expire-at' action='drop' value='2030-01-01T00:00:00Z'/></amp></message>`,
  `<presence><show>away</show><status>out</status><priority>5</priority></presence>`,
  `<presence to='bob@${domain}' type='subscribe'/>`,
  `<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>`,
  `<iq type='get' id='p1' to='${domain}'><ping xmlns='urn:xmpp:ping'/></iq>`,
  `<iq type='get' id='d1' to='${domain}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
  `<message to='nobody@${domain}' id='m4'><body>${"long text ".repeat(50)}</body></message>`,
]

/** Valid starts of a stream before authentication. */
export const preAuthCorpus = (domain: string): Array<string> => [
  header(domain),
  `${header(domain)}<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AG1hbGxvcnkAbWFsbG9yeS1wYXNz</auth>`,
  `${header(domain)}<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>biwsbj1tYWxsb3J5LHI9YWJj</auth>`,
  `${header(domain)}<iq type='get' id='reg'><query xmlns='jabber:iq:register'/></iq>`,
  `${header(domain)}</stream:stream>`,
]

/** RFC 6120 §11.1 restricted XML, each with the stream error it must give. */
export const restrictedInputs = (domain: string): Array<[string, string, string]> => {
  const lol = `<!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from(
    { length: 9 },
    (_, level) => `<!ENTITY lol${level + 1} "${`&lol${level === 0 ? "" : level};`.repeat(10)}">`,
  ).join("")}]>`
  return [
    ["billion laughs before the header", `${lol}${header(domain)}`, "restricted-xml"],
    [
      "billion laughs after the header",
      `${header(domain)}${lol}<message>&lol9;</message>`,
      "restricted-xml",
    ],
    [
      "an external entity",
      `${header(domain)}<!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><message><body>&xxe;</body></message>`,
      "restricted-xml",
    ],
    [
      "an internal DTD subset inside a stanza",
      `${header(domain)}<message><!ENTITY x "y"></message>`,
      "restricted-xml",
    ],
    ["a processing instruction", `${header(domain)}<?xml-stylesheet href='x'?>`, "restricted-xml"],
    [
      "a processing instruction inside a stanza",
      `${header(domain)}<message><?php echo 1?></message>`,
      "restricted-xml",
    ],
    ["a comment", `${header(domain)}<!-- hello -->`, "restricted-xml"],
    [
      "a comment inside a stanza",
      `${header(domain)}<message><body>a<!-- b --></body></message>`,
      "restricted-xml",
    ],
    [
      "an undefined entity",
      `${header(domain)}<message><body>&xxe;</body></message>`,
      "not-well-formed",
    ],
    [
      "a character reference to NUL",
      `${header(domain)}<message><body>&#0;</body></message>`,
      "not-well-formed",
    ],
    [
      "a raw control character",
      `${header(domain)}<message><body>\u0007</body></message>`,
      "not-well-formed",
    ],
    ["a mismatched end tag", `${header(domain)}<message><body></message>`, "not-well-formed"],
    [
      "a duplicate attribute",
      `${header(domain)}<message to='a@${domain}' to='b@${domain}'><body>x</body></message>`,
      "not-well-formed",
    ],
    [
      "an undeclared namespace prefix",
      `${header(domain)}<message><x:body>x</x:body></message>`,
      "not-well-formed",
    ],
    ["an attribute without a value", `${header(domain)}<a b/>`, "not-well-formed"],
    [
      "attributes without whitespace between",
      `${header(domain)}<message id='1'type='chat'/>`,
      "not-well-formed",
    ],
    ["< in an attribute value", `${header(domain)}<message id='<'/>`, "not-well-formed"],
    ["]]> in text", `${header(domain)}<message><body>]]></body></message>`, "not-well-formed"],
  ]
}

/** Byte sequences that are not UTF-8 (overlong forms, surrogates, stray and truncated bytes). */
export const invalidUtf8: ReadonlyArray<[string, Buffer]> = [
  ["an overlong '/'", Buffer.from([0xc0, 0xaf])],
  ["an overlong NUL", Buffer.from([0xe0, 0x80, 0x80])],
  ["an encoded surrogate", Buffer.from([0xed, 0xa0, 0x80])],
  ["0xFF", Buffer.from([0xff])],
  ["a lone continuation byte", Buffer.from([0x80])],
  ["a truncated 4-byte sequence", Buffer.from([0xf0, 0x9f, 0x98])],
  ["a code point above U+10FFFF", Buffer.from([0xf4, 0x90, 0x80, 0x80])],
]
