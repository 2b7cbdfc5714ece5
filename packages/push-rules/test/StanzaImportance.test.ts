// The "important" classification of the push spec: bodies, encrypted payloads and call proposals
// wake the phone; chat states, receipts, markers, presence and iq do not; carbons as specified.
import { describe, expect, it } from "vitest"
import { classifyStanza } from "../src/index.js"
import { parseXml } from "./support/xml.js"

const forwardedCarbon = (direction: "received" | "sent", inner: string): string =>
  `<message from='juliet@example.org' to='juliet@example.org/phone'><${direction} xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${inner}</forwarded></${direction}></message>`

const table = [
  [
    "a chat message with a body",
    `<message from='romeo@example.com/orchard'><body>Hi</body></message>`,
    true,
    "message-with-body",
  ],
  [
    "a groupchat message with a body",
    `<message type='groupchat' from='room@muc.example.com/romeo'><body>Hi all</body></message>`,
    true,
    "message-with-body",
  ],
  [
    "a blank body",
    `<message from='romeo@example.com'><body>   </body></message>`,
    false,
    "other-message",
  ],
  [
    "an error message with a body",
    `<message type='error' from='romeo@example.com'><body>Hi</body></message>`,
    false,
    "other-message",
  ],
  [
    "legacy OMEMO",
    `<message from='romeo@example.com'><encrypted xmlns='eu.siacs.conversations.axolotl'/></message>`,
    true,
    "encrypted-message",
  ],
  [
    "OMEMO 2",
    `<message from='romeo@example.com'><encrypted xmlns='urn:xmpp:omemo:2'/></message>`,
    true,
    "encrypted-message",
  ],
  [
    "OpenPGP for XMPP",
    `<message from='romeo@example.com'><openpgp xmlns='urn:xmpp:openpgp:0'>BASE64</openpgp></message>`,
    true,
    "encrypted-message",
  ],
  [
    "legacy OpenPGP",
    `<message from='romeo@example.com'><x xmlns='jabber:x:encrypted'>BASE64</x></message>`,
    true,
    "encrypted-message",
  ],
  [
    "a call proposal",
    `<message from='romeo@example.com'><propose xmlns='urn:xmpp:jingle-message:0' id='c1'/></message>`,
    true,
    "call-proposal",
  ],
  [
    "a chat state",
    `<message from='romeo@example.com'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`,
    false,
    "other-message",
  ],
  [
    "a receipt",
    `<message from='romeo@example.com'><received xmlns='urn:xmpp:receipts' id='m1'/></message>`,
    false,
    "other-message",
  ],
  [
    "a displayed marker",
    `<message from='romeo@example.com'><displayed xmlns='urn:xmpp:chat-markers:0' id='m1'/></message>`,
    false,
    "other-message",
  ],
  ["a presence", `<presence from='romeo@example.com/orchard'/>`, false, "presence"],
  ["an iq", `<iq type='get' from='romeo@example.com/orchard' id='q'/>`, false, "iq"],
  [
    "a received carbon of a body",
    forwardedCarbon(
      "received",
      `<message from='romeo@example.com/orchard'><body>Hi</body></message>`,
    ),
    true,
    "message-with-body",
  ],
  [
    "a received carbon of a chat state",
    forwardedCarbon(
      "received",
      `<message from='romeo@example.com'><active xmlns='http://jabber.org/protocol/chatstates'/></message>`,
    ),
    false,
    "other-message",
  ],
  [
    "a received carbon of OMEMO",
    forwardedCarbon(
      "received",
      `<message from='romeo@example.com'><encrypted xmlns='urn:xmpp:omemo:2'/></message>`,
    ),
    true,
    "encrypted-message",
  ],
  [
    "a sent carbon of a body",
    forwardedCarbon("sent", `<message to='romeo@example.com'><body>Hi</body></message>`),
    false,
    "sent-carbon",
  ],
  [
    "a received carbon with nothing inside",
    `<message><received xmlns='urn:xmpp:carbons:2'/></message>`,
    false,
    "other-message",
  ],
] as const

describe("classifyStanza", () => {
  it.each(table)("%s → important: %s (%s)", (_name, xml, important, kind) => {
    const facts = classifyStanza(parseXml(xml))
    expect(facts.important).toBe(important)
    expect(facts.kind).toBe(kind)
  })

  it("gives the bare sender and the body of a message", () => {
    const facts = classifyStanza(
      parseXml(`<message from='Romeo@Example.com/orchard'><body>Hi</body></message>`),
    )
    expect(facts).toEqual({
      important: true,
      kind: "message-with-body",
      sender: "romeo@example.com",
      body: "Hi",
    })
  })

  it("gives the inner sender of a received carbon, not the account's own JID", () => {
    const facts = classifyStanza(
      parseXml(
        forwardedCarbon(
          "received",
          `<message from='romeo@example.com/orchard'><body>Hi</body></message>`,
        ),
      ),
    )
    expect(facts.sender).toBe("romeo@example.com")
  })
})
