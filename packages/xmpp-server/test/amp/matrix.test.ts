// XEP-0079 over the wire, table-driven: every action × condition against every recipient state
// (online full JID, bare JID with two resources, offline, stranger without subscription, unknown
// local user, unknown domain) under each storage configuration (none, offline, MAM, both,
// failing writes via [testing.faults]). One real server per configuration, real @xmpp/client
// sessions; the replies are checked against the exact shapes of spec/amp.md §5.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ConfigInput, XmlElement } from "../../src/index.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login, pause, roundTrip } from "../offline/clients.js"
import {
  ampMessage,
  ampOf,
  befriend,
  errorOf,
  NS_AMP,
  type Rule,
  rule,
  withId,
} from "./ampClients.js"

interface Storage {
  readonly name: string
  readonly offline: boolean
  readonly mam: boolean
  readonly failing: boolean
}

const storages: ReadonlyArray<Storage> = [
  { name: "no storage", offline: false, mam: false, failing: false },
  { name: "offline storage", offline: true, mam: false, failing: false },
  { name: "MAM only", offline: false, mam: true, failing: false },
  { name: "offline storage and MAM", offline: true, mam: true, failing: false },
  { name: "failing writes", offline: true, mam: true, failing: true },
]

/** What the sender gets back: an AMP reply with a status, an error reply, a bounce, or nothing. */
type Reply =
  | { readonly status: "notify" | "alert" }
  | { readonly amp_error: "undefined-condition" | "not-acceptable" }
  | { readonly bounce: string }

interface Case {
  readonly name: string
  readonly to: string
  readonly rules: ReadonlyArray<Rule>
  /** Which of the recipient's sessions get the message (without `<amp/>`). */
  readonly receivers: ReadonlyArray<"bob" | "carolA" | "carolB" | "eve">
  /** Replies the sender gets, in order. */
  readonly replies: ReadonlyArray<Reply>
}

const domain = "localhost"
const bobFull = `bob@${domain}/phone`
const carol = `carol@${domain}`
const dave = `dave@${domain}`

const cases = (storage: Storage): ReadonlyArray<Case> => {
  const keeps = (storage.offline || storage.mam) && !storage.failing
  const offlineEnd: ReadonlyArray<Reply> = storage.failing
    ? [{ bounce: "internal-server-error" }]
    : keeps
      ? []
      : [{ bounce: "service-unavailable" }]
  return [
    {
      name: "full JID, direct notify",
      to: bobFull,
      rules: [rule("deliver", "direct", "notify")],
      receivers: ["bob"],
      replies: [{ status: "notify" }],
    },
    {
      name: "full JID, direct alert",
      to: bobFull,
      rules: [rule("deliver", "direct", "alert")],
      receivers: [],
      replies: [{ status: "alert" }],
    },
    {
      name: "full JID, direct drop",
      to: bobFull,
      rules: [rule("deliver", "direct", "drop")],
      receivers: [],
      replies: [],
    },
    {
      name: "full JID, direct error",
      to: bobFull,
      rules: [rule("deliver", "direct", "error")],
      receivers: [],
      replies: [{ amp_error: "undefined-condition" }],
    },
    {
      name: "full JID, stored notify (not the path)",
      to: bobFull,
      rules: [rule("deliver", "stored", "notify")],
      receivers: ["bob"],
      replies: [],
    },
    {
      name: "full JID, match-resource exact alert",
      to: bobFull,
      rules: [rule("match-resource", "exact", "alert")],
      receivers: [],
      replies: [{ status: "alert" }],
    },
    {
      name: "full JID, match-resource other alert (no match)",
      to: bobFull,
      rules: [rule("match-resource", "other", "alert")],
      receivers: ["bob"],
      replies: [],
    },
    {
      name: "full JID, expire-at in the past drops",
      to: bobFull,
      rules: [rule("expire-at", "2000-01-01T00:00:00Z", "drop")],
      receivers: [],
      replies: [],
    },
    {
      name: "full JID, expire-at in the future (no match)",
      to: bobFull,
      rules: [rule("expire-at", "2999-01-01T00:00:00Z", "alert")],
      receivers: ["bob"],
      replies: [],
    },
    {
      name: "bare JID, two resources, one direct notify",
      to: carol,
      rules: [rule("deliver", "direct", "notify")],
      receivers: ["carolA", "carolB"],
      replies: [{ status: "notify" }],
    },
    {
      name: "bare JID, match-resource other error",
      to: carol,
      rules: [rule("match-resource", "other", "error")],
      receivers: [],
      replies: [{ amp_error: "undefined-condition" }],
    },
    {
      name: "bare JID, match-resource any notify",
      to: carol,
      rules: [rule("match-resource", "any", "notify")],
      receivers: ["carolA", "carolB"],
      replies: [{ status: "notify" }],
    },
    {
      name: "bare JID, match-resource exact (no match)",
      to: carol,
      rules: [rule("match-resource", "exact", "drop")],
      receivers: ["carolA", "carolB"],
      replies: [],
    },
    {
      name: "offline, stored notify",
      to: dave,
      rules: [rule("deliver", "stored", "notify")],
      receivers: [],
      replies: keeps ? [{ status: "notify" }] : offlineEnd,
    },
    {
      name: "offline, stored alert (not stored)",
      to: dave,
      rules: [rule("deliver", "stored", "alert")],
      receivers: [],
      replies: storage.offline || storage.mam ? [{ status: "alert" }] : offlineEnd,
    },
    {
      name: "offline, none notify",
      to: dave,
      rules: [rule("deliver", "none", "notify")],
      receivers: [],
      replies: keeps ? [] : [{ status: "notify" }, ...offlineEnd],
    },
    {
      name: "offline, none drop (no bounce)",
      to: dave,
      rules: [rule("deliver", "none", "drop")],
      receivers: [],
      replies: keeps ? [] : [],
    },
    {
      name: "offline, match-resource any (never matches)",
      to: dave,
      rules: [rule("match-resource", "any", "alert")],
      receivers: [],
      replies: offlineEnd,
    },
    {
      name: "stranger, direct notify refused",
      to: `eve@${domain}/tab`,
      rules: [rule("deliver", "direct", "notify")],
      receivers: [],
      replies: [{ amp_error: "not-acceptable" }],
    },
    {
      name: "stranger, match-resource refused",
      to: `eve@${domain}`,
      rules: [rule("match-resource", "any", "notify")],
      receivers: [],
      replies: [{ amp_error: "not-acceptable" }],
    },
    {
      name: "unknown local user looks like a stranger",
      to: `nobody@${domain}`,
      rules: [rule("deliver", "none", "notify")],
      receivers: [],
      replies: [{ amp_error: "not-acceptable" }],
    },
    {
      name: "unknown domain, none notify then the bounce",
      to: "someone@elsewhere.example",
      rules: [rule("deliver", "none", "notify")],
      receivers: [],
      replies: [{ status: "notify" }, { bounce: "remote-server-not-found" }],
    },
  ]
}

const describeReply = (stanza: XmlElement): Reply | { readonly other: string } => {
  const amp = stanza.getChild("amp", NS_AMP)
  if (stanza.attrs.type === "error") {
    const error = errorOf(stanza)
    if (
      amp !== undefined &&
      (error.condition === "undefined-condition" || error.condition === "not-acceptable")
    )
      return { amp_error: error.condition }
    return { bounce: error.condition ?? "?" }
  }
  const status = amp?.attrs.status
  if (status === "notify" || status === "alert") return { status }
  return { other: stanza.toString() }
}

for (const storage of storages) {
  describe(`AMP matrix, ${storage.name}`, () => {
    let server: TestServer
    let alice: TestClient
    const recipients = new Map<string, TestClient>()

    beforeAll(async () => {
      const config: ConfigInput = {
        modules: {
          offline: { enabled: storage.offline },
          mam: { enabled: storage.mam },
          amp: { expiry_check_ms: 50 },
        },
        ...(storage.failing
          ? { testing: { faults: { offline_write: true, mam_write: true } } }
          : {}),
      }
      server = await startTestServer({ config })
      for (const user of ["alice", "bob", "carol", "dave", "eve"])
        server.addUser(user, `${user}-pass`)
      for (const friend of ["bob", "carol", "dave"]) befriend(server, "alice", friend)
      alice = await login(server, "alice", "desk", 0)
      recipients.set("bob", await login(server, "bob", "phone", 0))
      recipients.set("carolA", await login(server, "carol", "a", 0))
      recipients.set("carolB", await login(server, "carol", "b", 0))
      recipients.set("eve", await login(server, "eve", "tab", 0))
    }, 30_000)

    afterAll(async () => {
      for (const client of [alice, ...recipients.values()]) await client?.stop()
      await server?.stop()
    })

    cases(storage).forEach((entry, index) => {
      it(entry.name, async () => {
        const id = `m${index}`
        const sent = ampMessage(entry.to, id, entry.rules)
        await alice.send(sent)
        const expected = entry.replies.length
        if (expected > 0)
          await alice
            .waitFor(() => withId(alice, id).length >= expected, 3000)
            .catch(() => undefined)
        for (const name of entry.receivers) {
          const client = recipients.get(name)
          if (client === undefined) throw new Error(name)
          await client.waitFor((stanza) => stanza.attrs.id === id, 3000)
        }
        await roundTrip(alice)
        await pause(120)
        const replies = withId(alice, id)
        expect(replies.map(describeReply)).toEqual(entry.replies)
        for (const reply of replies) {
          expect(reply.attrs.to).toBe(alice.jid)
          expect(reply.getChild("body")).toBeUndefined()
          if (reply.getChild("amp", NS_AMP) !== undefined) {
            expect(reply.attrs.from).toBe(domain)
            const amp = ampOf(reply)
            expect(amp.from).toBe(alice.jid)
            expect(amp.to).toBe(entry.to)
            expect(amp.rules).toEqual(entry.rules)
          }
        }
        for (const [name, client] of recipients) {
          const copies = withId(client, id)
          expect(copies.length, name).toBe(entry.receivers.includes(name as never) ? 1 : 0)
          for (const copy of copies) {
            expect(copy.getChild("amp", NS_AMP)).toBeUndefined()
            expect(copy.getChildText("body")).toBe(`body of ${id}`)
          }
        }
      })
    })
  })
}
