// Fuzzing the c2s stream over real TCP connections (issue 10 item 3, RFC 6120 §4.9 and §11):
// random and mutated input before and after authentication, restricted XML, deep nesting,
// huge names and attributes, invalid UTF-8 and partial writes. Every case must end with the
// server closing that connection (with the right stream error where one is determined), the
// server must keep its memory, and two users logged in all along must still talk afterwards.
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { xml } from "../../src/index.js"
import { maxStanzaDepth } from "../../src/stream/StreamParser.js"
import { type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { connectClient, type TestClient } from "../helpers/xmppClient.js"
import {
  filler,
  heapAfterGc,
  type Start,
  streamErrorConditions,
  tcpCase,
} from "./fuzzConnection.js"
import {
  chunked,
  fuzzScale,
  fuzzSeed,
  header,
  invalidUtf8,
  mutated,
  preAuthCorpus,
  randomInput,
  restrictedInputs,
  stanzaCorpus,
} from "./fuzzInputs.js"

const maxStanzaBytes = 10_000
const end = filler(maxStanzaBytes)
let test: TestServer
let alice: TestClient
let bob: RawConnection
let heapBefore = 0
let logins = 0
/** Runs and bytes sent per family, for the report at the end. */
const tally = new Map<string, { runs: number; bytes: number }>()

const count = (family: string, chunks: ReadonlyArray<Buffer>): void => {
  const entry = tally.get(family) ?? { runs: 0, bytes: 0 }
  entry.runs += 1
  entry.bytes += chunks.reduce((sum, chunk) => sum + chunk.length, 0) + end.length
  tally.set(family, entry)
}

const connect = (): Start => ({ kind: "connect", port: test.c2sPort })
const login = (): Start => {
  logins += 1
  return {
    kind: "login",
    port: test.c2sPort,
    domain: test.domain,
    username: "mallory",
    password: "mallory-pass",
    resource: `fuzz${logins}`,
  }
}

/** A case must end with the server closing the stream: a known stream error, or a clean close. */
const expectClosedProperly = (output: string, condition: string | undefined): void => {
  if (condition !== undefined) expect(streamErrorConditions).toContain(condition)
  expect(output.endsWith("</stream:stream>")).toBe(true)
}

const property = <T>(family: string, input: fc.Arbitrary<T>, run: (value: T) => Promise<void>) =>
  fc.assert(fc.asyncProperty(input, run), {
    seed: fuzzSeed,
    numRuns: Math.ceil((runsOf[family] ?? 20) * fuzzScale),
    endOnFailure: true,
    reporter: (details) => {
      if (details.failed)
        throw new Error(
          `${family}: seed ${details.seed}, path ${details.counterexamplePath}: ${String(details.errorInstance)}\ncounterexample: ${JSON.stringify(details.counterexample)}`,
        )
    },
  })

const runsOf: Record<string, number> = {
  "random bytes, no header": 150,
  "random bytes after the header": 150,
  "mutated stream openings": 200,
  "mutated stanzas after login": 150,
  "random bytes after login": 60,
  "valid stanzas in random chunks": 40,
}

beforeAll(async () => {
  test = await startTestServer({
    config: {
      server: { max_stanza_bytes: maxStanzaBytes },
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
      // Hundreds of connections from one address in seconds: the rate limits would refuse them.
      limits: { connections_per_ip: 0, unauthenticated_per_ip: 0, stanzas_per_second: 0 },
    },
  })
  await test.addUser("alice", "alice-pass")
  await test.addUser("bob", "bob-pass")
  await test.addUser("mallory", "mallory-pass")
  alice = await connectClient({
    service: `xmpp://127.0.0.1:${test.c2sPort}`,
    domain: test.domain,
    username: "alice",
    password: "alice-pass",
    resource: "a",
  })
  bob = await rawLogin(test.c2sPort, test.domain, "bob", "bob-pass", "b")
  heapBefore = heapAfterGc()
})

afterAll(async () => {
  await alice?.stop()
  bob?.destroy()
  await test?.stop()
  const lines = [...tally].map(
    ([family, { runs, bytes }]) => `  ${family}: ${runs} runs, ${bytes} bytes`,
  )
  console.info(`stream fuzz (seed ${fuzzSeed}):\n${lines.join("\n")}`)
})

describe("before authentication", () => {
  it("closes every connection fed random bytes", async () => {
    await property("random bytes, no header", randomInput, async (input) => {
      count("random bytes, no header", [input])
      const { output, condition } = await tcpCase(connect(), [input], end)
      expectClosedProperly(output, condition)
    })
    await property("random bytes after the header", randomInput, async (input) => {
      const chunks = [Buffer.from(header(test.domain)), input]
      count("random bytes after the header", chunks)
      const { output, condition } = await tcpCase(connect(), chunks, end)
      expectClosedProperly(output, condition)
    })
  }, 60_000)

  it("closes every connection fed a mutated stream opening", async () => {
    const corpus = preAuthCorpus(test.domain)
    await property("mutated stream openings", mutated(corpus), async (input) => {
      count("mutated stream openings", [input])
      const { output, condition } = await tcpCase(connect(), [input], end)
      expectClosedProperly(output, condition)
    })
  }, 60_000)

  it.each(restrictedInputs("localhost"))(
    "answers %s with its stream error",
    async (_, input, expected) => {
      const chunks = [Buffer.from(input)]
      count("restricted XML, entities, DTDs", chunks)
      const { output, condition } = await tcpCase(connect(), chunks, end)
      expect(condition).toBe(expected)
      expectClosedProperly(output, condition)
    },
  )
})

/** Hostile inputs whose stream error is determined, sent before and after login. */
const determined = (domain: string): Array<[string, Buffer, string]> => [
  ["10^5 nested elements", Buffer.from(`<message>${"<a>".repeat(100_000)}`), "policy-violation"],
  [
    `${maxStanzaDepth + 1} nested elements, closed`,
    Buffer.from(
      `<message>${"<a>".repeat(maxStanzaDepth)}${"</a>".repeat(maxStanzaDepth)}</message>`,
    ),
    "policy-violation",
  ],
  [
    "a huge attribute value",
    Buffer.from(`<message to='${"x".repeat(50_000)}'/>`),
    "policy-violation",
  ],
  ["a huge element name", Buffer.from(`<m${"x".repeat(50_000)}/>`), "policy-violation"],
  [
    "a huge attribute name",
    Buffer.from(`<message ${"x".repeat(50_000)}='1'/>`),
    "policy-violation",
  ],
  [
    "50,000 attributes",
    Buffer.from(`<message ${Array.from({ length: 50_000 }, (_, n) => `a${n}='1'`).join(" ")}/>`),
    "policy-violation",
  ],
  // Multi-byte text under the limit in characters, over it in bytes.
  [
    "4-byte characters over the byte limit",
    Buffer.from(`<message to='nobody@${domain}'><body>${"😀".repeat(3000)}</body></message>`),
    "policy-violation",
  ],
  [
    "3-byte characters in an attribute over the byte limit",
    Buffer.from(`<message a='${"中".repeat(4000)}'/>`),
    "policy-violation",
  ],
  [
    "an unterminated attribute",
    Buffer.from(`<message to='${"x".repeat(20_000)}`),
    "policy-violation",
  ],
]

describe.each([
  ["before authentication", connect],
  ["after authentication", login],
])("determined hostile input %s", (when, from) => {
  it.each(determined("localhost"))(
    "answers %s with its stream error",
    async (_, input, expected) => {
      const chunks =
        when === "before authentication" ? [Buffer.from(header(test.domain)), input] : [input]
      count(`deep nesting, huge names and attributes (${when})`, chunks)
      const { output, condition } = await tcpCase(from(), chunks, end)
      expect(condition).toBe(expected)
      expectClosedProperly(output, condition)
    },
  )
})

describe("after authentication", () => {
  it("closes every connection fed mutated stanzas, and the bystanders stay connected", async () => {
    const corpus = stanzaCorpus(test.domain)
    await property(
      "mutated stanzas after login",
      fc.array(mutated(corpus), { minLength: 1, maxLength: 4 }),
      async (inputs) => {
        count("mutated stanzas after login", inputs)
        const { output, condition } = await tcpCase(login(), inputs, end)
        expectClosedProperly(output, condition)
      },
    )
  }, 60_000)

  it("closes every connection fed random bytes", async () => {
    await property("random bytes after login", randomInput, async (input) => {
      count("random bytes after login", [input])
      const { output, condition } = await tcpCase(login(), [input], end)
      expectClosedProperly(output, condition)
    })
  }, 60_000)

  it.each(invalidUtf8)("never passes on %s", async (_, bytes) => {
    const chunks = [
      Buffer.from("<message to='bob@localhost/b' id='utf8'><body>a"),
      bytes,
      Buffer.from(
        "z</body></message><iq type='get' id='after-utf8'><ping xmlns='urn:xmpp:ping'/></iq>",
      ),
    ]
    count("invalid UTF-8", chunks)
    const { output, condition } = await tcpCase(login(), chunks, end)
    expectClosedProperly(output, condition)
    // RFC 6120 §11.6: bytes that are not UTF-8 end the stream; nothing after them is read.
    expect(condition).toBe("unsupported-encoding")
    expect(output).not.toContain("after-utf8")
  })

  it("processes a valid stanza identically however it is chunked (one byte at a time too)", async () => {
    const stanzas = Buffer.from(
      "<message to='bob@localhost/b' id='chunked'><body>é😀 &amp; chunk</body></message><iq type='get' id='ping-chunked' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
    )
    const answer = async (chunks: ReadonlyArray<Buffer>): Promise<string> => {
      const close = Buffer.from("</stream:stream>")
      count("valid stanzas in random chunks", chunks)
      const { output, condition } = await tcpCase(login(), chunks, close)
      expect(condition).toBeUndefined()
      return output.replace(/ to="mallory@localhost\/fuzz\d+"/g, "")
    }
    const whole = await answer([stanzas])
    expect(whole).toContain(
      '<iq xmlns="jabber:client" type="result" id="ping-chunked" from="localhost"/>',
    )
    expect(await answer([...stanzas].map((byte) => Buffer.from([byte])))).toBe(whole)
    await property(
      "valid stanzas in random chunks",
      fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
      async (cuts) => {
        expect(await answer(chunked(stanzas, cuts))).toBe(whole)
      },
    )
  }, 60_000)
})

describe("after the fuzz run", () => {
  it("keeps its memory, and the users logged in all along still exchange messages", async () => {
    const heapAfter = heapAfterGc()
    console.info(
      `heap after gc: ${(heapBefore / 2 ** 20).toFixed(1)} MiB before, ${(heapAfter / 2 ** 20).toFixed(1)} MiB after`,
    )
    expect(heapAfter - heapBefore).toBeLessThan(64 * 2 ** 20)
    expect(alice.errors).toEqual([])
    await alice.send(
      xml("message", { to: "bob@localhost/b", id: "after-1" }, xml("body", {}, "still here?")),
    )
    await bob.waitFor("still here?")
    bob.send("<message to='alice@localhost/a' id='after-2'><body>yes, still here</body></message>")
    const reply = await alice.waitFor((stanza) => stanza.getChildText("body") === "yes, still here")
    expect(reply.attrs.from).toBe("bob@localhost/b")
    // A fresh login works too.
    const fresh = await rawLogin(test.c2sPort, test.domain, "mallory", "mallory-pass", "fresh")
    fresh.destroy()
  })
})
