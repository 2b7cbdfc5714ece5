// Fuzzing RFC 7395 framing over real WebSockets (issue 10 item 3), a smaller set than over
// TCP: random frames, mutated stanzas, several or partial elements in one message, restricted
// XML, deep nesting, huge attributes, invalid UTF-8 and binary frames. Every connection must end
// with `<stream:error/>` then `<close/>` (or a WebSocket close code for frames that are not
// text), and a user logged in over WebSocket all along must still exchange messages afterwards.
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { xml } from "../../src/index.js"
import { type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { connectClient, type TestClient } from "../helpers/xmppClient.js"
import { heapAfterGc, streamErrorConditions, websocketCase } from "./fuzzConnection.js"
import {
  fuzzScale,
  fuzzSeed,
  invalidUtf8,
  mutated,
  randomInput,
  stanzaCorpus,
} from "./fuzzInputs.js"

const maxStanzaBytes = 10_000
const framingClose = "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>"
/** A last message that is never one whole element: ends any connection still open. */
const end = "x"
let test: TestServer
let alice: TestClient
let bob: RawConnection
let heapBefore = 0
let runs = 0
let bytes = 0

const send = async (frames: ReadonlyArray<string | Buffer>) => {
  runs += 1
  bytes += frames.reduce((sum, frame) => sum + frame.length, 0)
  return websocketCase(test.websocketUrl, test.domain, frames, end)
}

/** A stream error then `<close/>`, or a clean `<close/>` when the frames closed the stream. */
const expectClosedProperly = (output: string, condition: string | undefined): void => {
  if (condition !== undefined) expect(streamErrorConditions).toContain(condition)
  expect(output.endsWith(framingClose)).toBe(true)
}

const property = <T>(input: fc.Arbitrary<T>, numRuns: number, run: (value: T) => Promise<void>) =>
  fc.assert(fc.asyncProperty(input, run), {
    seed: fuzzSeed,
    numRuns: Math.ceil(numRuns * fuzzScale),
    endOnFailure: true,
  })

beforeAll(async () => {
  test = await startTestServer({
    config: {
      server: { max_stanza_bytes: maxStanzaBytes },
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
      limits: { connections_per_ip: 0, unauthenticated_per_ip: 0, stanzas_per_second: 0 },
    },
  })
  await test.addUser("alice", "alice-pass")
  await test.addUser("bob", "bob-pass")
  alice = await connectClient({
    service: test.websocketUrl,
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
  console.info(`websocket fuzz (seed ${fuzzSeed}): ${runs} connections, ${bytes} bytes`)
})

describe("WebSocket framing under bad input", () => {
  it("ends every connection fed random frames", async () => {
    await property(fc.array(randomInput, { minLength: 1, maxLength: 3 }), 40, async (frames) => {
      const { output, condition, code } = await send(frames.map((frame) => frame.toString()))
      expect(code).toBe(1000)
      expectClosedProperly(output, condition)
    })
  }, 60_000)

  it("ends every connection fed mutated stanzas, whole or several to a message", async () => {
    const corpus = stanzaCorpus(test.domain).map((stanza) =>
      stanza.replace(/^<(\w+)/, "<$1 xmlns='jabber:client'"),
    )
    const frame = fc.oneof(
      mutated(corpus).map((input) => input.toString()),
      fc
        .array(fc.constantFrom(...corpus), { minLength: 2, maxLength: 3 })
        .map((all) => all.join("")),
      fc
        .tuple(fc.constantFrom(...corpus), fc.nat())
        .map(([stanza, cut]) => stanza.slice(0, cut % stanza.length)),
    )
    await property(fc.array(frame, { minLength: 1, maxLength: 3 }), 40, async (frames) => {
      const { output, condition, code } = await send(frames)
      expect(code).toBe(1000)
      expectClosedProperly(output, condition)
    })
  }, 60_000)

  it.each([
    ["a DTD", "<!DOCTYPE x [<!ENTITY a 'b'>]>", "restricted-xml"],
    ["a comment", "<message xmlns='jabber:client'><!-- x --></message>", "restricted-xml"],
    ["a processing instruction", "<?foo bar?>", "restricted-xml"],
    // The first element is handled before the second shows the message broke the framing.
    [
      "two elements in one message (before login)",
      "<presence xmlns='jabber:client'/><presence xmlns='jabber:client'/>",
      "not-authorized",
    ],
    ["half an element", "<message xmlns='jabber:client'><body>", "not-well-formed"],
    [
      "5,000 nested elements",
      `<message xmlns='jabber:client'>${"<a>".repeat(5000)}`,
      "policy-violation",
    ],
    [
      "an attribute over the limit",
      `<message xmlns='jabber:client' to='${"x".repeat(20_000)}'/>`,
      "policy-violation",
    ],
    [
      "4-byte characters over the byte limit",
      `<message xmlns='jabber:client'><body>${"😀".repeat(3000)}</body></message>`,
      "policy-violation",
    ],
  ])("answers %s with its stream error", async (_, frame, expected) => {
    const { output, condition } = await send([frame])
    expect(condition).toBe(expected)
    expectClosedProperly(output, condition)
  })

  it.each([
    ["10^5 nested elements", `<message xmlns='jabber:client'>${"<a>".repeat(100_000)}`],
    ["a huge attribute", `<message xmlns='jabber:client' to='${"x".repeat(50_000)}'/>`],
  ])("closes the WebSocket on %s, a message far over the limit (1009)", async (_, frame) => {
    const { code } = await send([frame])
    expect(code).toBe(1009)
  })

  it.each(invalidUtf8)(
    "closes the WebSocket on a text message with %s (1007)",
    async (_, invalid) => {
      const frame = Buffer.concat([
        Buffer.from("<message xmlns='jabber:client'><body>"),
        invalid,
        Buffer.from("</body></message>"),
      ])
      const { code } = await send([frame])
      expect(code).toBe(1007)
    },
  )
})

describe("after the WebSocket fuzz run", () => {
  it("keeps its memory, and a user logged in over WebSocket all along still talks", async () => {
    const heapAfter = heapAfterGc()
    expect(heapAfter - heapBefore).toBeLessThan(64 * 2 ** 20)
    expect(alice.errors).toEqual([])
    await alice.send(
      xml("message", { to: "bob@localhost/b", id: "ws-after-1" }, xml("body", {}, "over ws")),
    )
    await bob.waitFor("over ws")
    bob.send("<message to='alice@localhost/a' id='ws-after-2'><body>over tcp</body></message>")
    await alice.waitFor((stanza) => stanza.getChildText("body") === "over tcp")
  })
})
