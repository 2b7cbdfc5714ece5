// RFC 6120 §4.9 stream errors over raw TCP: malformed XML, restricted XML, bad namespaces,
// versions and hosts, oversize stanzas, stanzas before authentication — and the server
// keeps serving everyone else.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { clientHeader, openRaw, rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"

let test: TestServer
const streamError = (condition: string) =>
  new RegExp(`<stream:error[^>]*><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>`)

beforeAll(async () => {
  test = await startTestServer({
    config: {
      server: { max_stanza_bytes: 10_000, auth_timeout_seconds: 2 },
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
    },
  })
  await test.addUser("alice", "alice-pass")
  await test.addUser("bob", "bob-pass")
  await test.addUser("mallory", "mallory-pass")
})
afterAll(async () => {
  await test.stop()
})

const expectStreamError = async (input: string, condition: string): Promise<string> => {
  const connection = await openRaw(test.c2sPort)
  connection.send(input)
  const text = await connection.waitFor(streamError(condition))
  await connection.closed
  expect(text).toContain("</stream:stream>")
  return text
}

describe("stream header checks", () => {
  it("answers a wrong stream namespace with invalid-namespace", async () => {
    await expectStreamError(
      "<stream:stream xmlns='jabber:client' xmlns:stream='urn:wrong' to='localhost' version='1.0'>",
      "invalid-namespace",
    )
  })

  it("answers a wrong content namespace with invalid-namespace", async () => {
    await expectStreamError(
      "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>",
      "invalid-namespace",
    )
  })

  it("answers a missing or old version with unsupported-version", async () => {
    await expectStreamError(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost'>",
      "unsupported-version",
    )
    await expectStreamError(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='2.0'>",
      "unsupported-version",
    )
  })

  it("answers a domain it does not serve with host-unknown, after its own header", async () => {
    const text = await expectStreamError(clientHeader("example.org"), "host-unknown")
    expect(text.indexOf("<stream:stream")).toBeLessThan(text.indexOf("<stream:error"))
    expect(text).toContain("from='localhost'")
  })
})

describe("restricted and malformed XML", () => {
  it("refuses a DTD with restricted-xml (no entity expansion)", async () => {
    await expectStreamError(
      `<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a "aaaa">]>${clientHeader("localhost")}`,
      "restricted-xml",
    )
  })

  it("refuses comments and processing instructions with restricted-xml", async () => {
    await expectStreamError(`${clientHeader("localhost")}<!-- hi -->`, "restricted-xml")
    await expectStreamError(`${clientHeader("localhost")}<?evil x?>`, "restricted-xml")
  })

  it("answers an undefined entity with not-well-formed", async () => {
    await expectStreamError(
      `${clientHeader("localhost")}<message>&foo;</message>`,
      "not-well-formed",
    )
  })

  it("answers mismatched tags after login with not-well-formed, and another user keeps chatting", async () => {
    const mallory = await rawLogin(test.c2sPort, "localhost", "mallory", "mallory-pass", "m")
    const alice = await rawLogin(test.c2sPort, "localhost", "alice", "alice-pass", "a")
    const bob = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "b")
    mallory.send("<message to='bob@localhost'><body>x</bdy></message>")
    await mallory.waitFor(streamError("not-well-formed"))
    await mallory.closed
    alice.send("<message to='bob@localhost/b' id='after'><body>still here</body></message>")
    await bob.waitFor("still here")
    alice.destroy()
    bob.destroy()
  })
})

describe("limits", () => {
  it("ends an oversize stanza with policy-violation while others keep working", async () => {
    const mallory = await rawLogin(test.c2sPort, "localhost", "mallory", "mallory-pass", "big")
    const alice = await rawLogin(test.c2sPort, "localhost", "alice", "alice-pass", "a2")
    mallory.send(`<message to='alice@localhost/a2'><body>${"x".repeat(20_000)}</body></message>`)
    await mallory.waitFor(streamError("policy-violation"))
    await mallory.closed
    expect(alice.text()).not.toContain("xxxxxxxx")
    alice.send("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>")
    await alice.waitFor(/<iq[^>]*id="p1"[^>]*type="result"|<iq[^>]*type="result"[^>]*id="p1"/)
    alice.destroy()
  })

  it("counts an oversize stanza that arrives in many small chunks", async () => {
    const mallory = await rawLogin(test.c2sPort, "localhost", "mallory", "mallory-pass", "chunks")
    mallory.send("<message to='alice@localhost'><body>")
    for (let index = 0; index < 40; index++) mallory.send("y".repeat(500))
    await mallory.waitFor(streamError("policy-violation"))
    await mallory.closed
  })

  it("ends a stream that does not authenticate in time with connection-timeout", async () => {
    const connection = await openRaw(test.c2sPort)
    connection.send(clientHeader("localhost"))
    await connection.waitFor(streamError("connection-timeout"), 5000)
    await connection.closed
  })
})

describe("stanzas out of order", () => {
  it("answers a stanza before authentication with not-authorized", async () => {
    await expectStreamError(
      `${clientHeader("localhost")}<message to='alice@localhost'><body>hi</body></message>`,
      "not-authorized",
    )
  })

  it("answers an unknown top-level element with unsupported-stanza-type", async () => {
    const mallory = await rawLogin(test.c2sPort, "localhost", "mallory", "mallory-pass", "u")
    mallory.send("<foo xmlns='urn:example'/>")
    await mallory.waitFor(streamError("unsupported-stanza-type"))
    await mallory.closed
  })
})
