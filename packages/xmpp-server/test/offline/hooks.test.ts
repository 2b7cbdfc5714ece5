// The storage-outcome module API the AMP plugin builds on, end to end: `messageRouted` tells
// `wouldStoreOffline` / `wouldArchive` before anything is carried out; `storageOutcome`
// reports offline and archive writes with the message key and stanza id; a module stores a
// message offline with extra data, reads it back in `offlineDelivery` and vetoes delivery;
// archived and offline messages are removed by key; `api.carryOut` finishes a taken-over message.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import {
  type ModuleApi,
  type ServerModule,
  type StorageOutcomeEvent,
  xml,
} from "../../src/index.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { bodies, chat, login, pause, roundTrip } from "./clients.js"

interface Routed {
  readonly id: string | undefined
  readonly key: string
  readonly wouldStoreOffline: boolean
  readonly wouldArchive: boolean
}

const routed: Array<Routed> = []
const outcomes: Array<StorageOutcomeEvent> = []
const extras: Array<string | undefined> = []
let api: ModuleApi | undefined

/** Stores `<keep/>` messages itself with extra data; vetoes delivery when the extra says so. */
const recorder: ServerModule = {
  name: "recorder",
  setup: (moduleApi) => {
    api = moduleApi
    return {
      messageRouted: (event) => {
        routed.push({
          id: event.stanza.attrs.id,
          key: event.key,
          wouldStoreOffline: event.wouldStoreOffline,
          wouldArchive: event.wouldArchive,
        })
        const keep = event.stanza.getChild("keep", "urn:example:keep")
        if (keep === undefined) return undefined
        if (keep.attrs.mode === "carry") {
          moduleApi.carryOut(event)
          return "handled"
        }
        const owner = event.to.local ?? ""
        moduleApi.stores.offline?.store(owner, event.stanza, {
          extra: keep.attrs.extra ?? "",
          messageKey: event.key,
        })
        return "handled"
      },
      storageOutcome: (event) => {
        outcomes.push(event)
      },
      offlineDelivery: (message) => {
        extras.push(message.extra)
        if (message.extra === "slow")
          return new Promise((resolve) => setTimeout(() => resolve("deliver"), 40))
        return message.extra === "expired" ? "discard" : "deliver"
      },
    }
  },
}

let test: TestServer
const clients: Array<TestClient> = []

beforeAll(async () => {
  test = await startTestServer({ modules: [recorder] })
  for (const name of ["alice", "bob", "carol", "dave", "erin"])
    await test.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await test.stop()
})

const online = async (username: string, resource: string, priority?: number) => {
  const client = await login(test, username, resource, priority)
  clients.push(client)
  return client
}

const keep = (attrs: Record<string, string>) => xml("keep", { xmlns: "urn:example:keep", ...attrs })

describe("storage outcome hooks", () => {
  it("tells modules before routing whether a message would be stored offline or archived", async () => {
    const alice = await online("alice", "a", 0)
    await alice.send(chat("bob@localhost", "r1", "to offline bob"))
    await alice.send(chat("nobody@localhost", "r2", "to nobody"))
    await alice.send(
      xml(
        "message",
        { to: "bob@localhost", type: "headline", id: "r3" },
        xml("body", {}, "headline"),
      ),
    )
    await roundTrip(alice)
    const byId = (id: string) => routed.find((each) => each.id === id)
    expect(byId("r1")).toMatchObject({ wouldStoreOffline: true, wouldArchive: true })
    expect(byId("r2")).toMatchObject({ wouldStoreOffline: false, wouldArchive: false })
    expect(byId("r3")).toMatchObject({ wouldStoreOffline: false, wouldArchive: false })
    const r1 = byId("r1")
    const eventsOf = () => outcomes.filter((event) => event.messageKey === r1?.key)
    // The outcomes come once the writes commit (at once on SQLite, a round trip later on PostgreSQL).
    await vi.waitFor(() => expect(eventsOf()).toHaveLength(3), { timeout: 10_000 })
    const events = eventsOf()
    expect(
      events.map((event) => [event.store, event.direction, event.owner, event.result.ok]),
    ).toEqual(
      expect.arrayContaining([
        ["archive", "outgoing", "alice", true],
        ["archive", "incoming", "bob", true],
        ["offline", "incoming", "bob", true],
      ]),
    )
    expect(events).toHaveLength(3)
    expect(events.every((event) => event.stanzaId === "r1")).toBe(true)
    const bob = await online("bob", "b", 0)
    await bob.waitFor((stanza) => stanza.getChildText("body") === "to offline bob")
    const delivered = bob.received.find((stanza) => stanza.attrs.id === "r1")
    const archived = events.find((event) => event.store === "archive" && event.owner === "bob")
    expect(delivered?.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id).toBe(
      archived?.result.ok === true ? archived.result.key : "missing",
    )
  })

  it("keeps a module's extra data with an offline message and lets it veto delivery", async () => {
    const alice = await online("alice", "a2", 0)
    await alice.send(chat("carol@localhost", "x1", "fresh", keep({ extra: "rules-1" })))
    await alice.send(chat("carol@localhost", "x2", "stale", keep({ extra: "expired" })))
    await alice.send(chat("carol@localhost", "x3", "plain"))
    await roundTrip(alice)
    const carol = await online("carol", "c", 0)
    await carol.waitFor((stanza) => stanza.getChildText("body") === "plain")
    await pause(100)
    expect(bodies(carol)).toEqual(["fresh", "plain"])
    expect(extras).toEqual(expect.arrayContaining(["rules-1", "expired", undefined]))
    await carol.stop()
    const again = await online("carol", "c2", 0)
    await roundTrip(again)
    await pause(100)
    expect(bodies(again)).toEqual([])
  })

  it("keeps the storage order when a module answers offlineDelivery asynchronously", async () => {
    const alice = await online("alice", "a5", 0)
    await alice.send(chat("erin@localhost", "o1", "slow one", keep({ extra: "slow" })))
    await alice.send(chat("erin@localhost", "o2", "quick"))
    await alice.send(chat("erin@localhost", "o3", "slow two", keep({ extra: "slow" })))
    await roundTrip(alice)
    const erin = await online("erin", "e", 0)
    await erin.waitFor((stanza) => stanza.getChildText("body") === "slow two")
    expect(bodies(erin)).toEqual(["slow one", "quick", "slow two"])
  })

  it("removes offline and archived messages by key", async () => {
    const alice = await online("alice", "a3", 0)
    await alice.send(chat("dave@localhost", "k1", "removed"))
    await alice.send(chat("dave@localhost", "k2", "stays"))
    await roundTrip(alice)
    const keyOf = (id: string, store: "offline" | "archive") => {
      const event = outcomes.find(
        (each) => each.stanzaId === id && each.store === store && each.owner === "dave",
      )
      return event?.result.ok === true ? event.result.key : ""
    }
    expect(await api?.stores.offline?.count("dave")).toBe(2)
    expect(await api?.stores.offline?.remove(keyOf("k1", "offline"))).toBe(true)
    expect(await api?.stores.offline?.remove(keyOf("k1", "offline"))).toBe(false)
    expect(await api?.stores.archive?.remove(keyOf("k1", "archive"))).toBe(true)
    const dave = await online("dave", "d", 0)
    await dave.waitFor((stanza) => stanza.getChildText("body") === "stays")
    await pause(100)
    expect(bodies(dave)).toEqual(["stays"])
    const fin = await dave.iq(
      xml("iq", { type: "set" }, xml("query", { xmlns: "urn:xmpp:mam:2", queryid: "all" })),
    )
    expect(fin.getChild("fin")?.getChild("set")?.getChildText("count")).toBe("1")
  })

  it("carries out a message a module took over exactly as the server would", async () => {
    const alice = await online("alice", "a4", 0)
    const bob = await online("bob", "b4", 0)
    await alice.send(chat("bob@localhost", "c1", "carried", keep({ mode: "carry" })))
    const got = await bob.waitFor((stanza) => stanza.getChildText("body") === "carried")
    expect(got.getChild("stanza-id", "urn:xmpp:sid:0")).toBeDefined()
    expect(api?.messageKey(got)).toBeUndefined()
  })
})
