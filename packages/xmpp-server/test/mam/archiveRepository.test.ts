// The mam module on the archive repository (issue 22), over the wire: a session's MAM IQs are
// answered in the order they came, each query's results before its `<fin/>` (the archive
// answers asynchronously now); archiving preferences are stored and apply after a restart
// (loaded at start); a copy the archive refuses only at its commit (the owner's archive was
// filled before this process learned its size) still bounces when the archive was all that
// would keep it; a query the archive cannot answer gets `internal-server-error`; the usage the
// module remembers from its appends refuses copies at once only while it is recent.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { createUserRecord, silentLogger, xml } from "../../src/index.js"
import { mamIqHandler } from "../../src/mam/MamIq.js"
import { openMamTable } from "../../src/mam/MamTable.js"
import type { StoreResult } from "../../src/routing/MessageStores.js"
import type { Session } from "../../src/session/Session.js"
import type { ArchivedMessage } from "../../src/storage/repositories/ArchiveRepository.js"
import { openSqliteBackend } from "../../src/storage/sqlite/SqliteBackend.js"
import type { XmlElement } from "../../src/xml/Xml.js"
import { type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, startTestServerIn, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { chat, conditionOf, login, roundTrip } from "../offline/clients.js"
import { expectValue } from "../storage/repositories/backendMatrix.js"

const NS_MAM = "urn:xmpp:mam:2"
const NS_SID = "urn:xmpp:sid:0"
const plainC2s = { tls: "optional", allow_plain_without_tls: true } as const

const servers: Array<TestServer> = []
const clients: Array<TestClient> = []
const raws: Array<RawConnection> = []
const directories: Array<string> = []

afterEach(async () => {
  for (const raw of raws.splice(0)) raw.destroy()
  await Promise.all(clients.splice(0).map((client) => client.stop()))
  for (const server of servers.splice(0)) await server.stop()
})
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true })
})

const started = async (server: Promise<TestServer>) => {
  const test = await server
  servers.push(test)
  return test
}

const online = async (server: TestServer, username: string, resource: string) => {
  const client = await login(server, username, resource, 0)
  clients.push(client)
  return client
}

describe("MAM IQs of one session", () => {
  it("are answered in order: each query's results, then its fin, before the next query's", async () => {
    const test = await started(startTestServer({ config: { listen: { c2s: plainC2s } } }))
    for (const name of ["alice", "bob"]) await test.addUser(name, `${name}-pass`)
    const alice = await online(test, "alice", "desk")
    for (let index = 0; index < 20; index += 1)
      await alice.send(chat("bob@localhost", `m${index}`, `body ${index}`))
    await roundTrip(alice)
    const bob = await rawLogin(test.c2sPort, "localhost", "bob", "bob-pass", "phone")
    raws.push(bob)
    const queries = ["q1", "q2", "q3"]
      .map(
        (queryid) =>
          `<iq type='set' id='${queryid}'><query xmlns='${NS_MAM}' queryid='${queryid}'/></iq>`,
      )
      .join("")
    // One write: the server reads all three IQs in one turn.
    bob.send(`${queries}<iq type='get' id='prefs'><prefs xmlns='${NS_MAM}'/></iq>`)
    const text = await bob.waitFor('id="prefs"', 20_000)
    const events = [...text.matchAll(/queryid="(q\d)"|<iq[^>]* id="(q\d|prefs)"/g)].map(
      ([, result, reply]) => (result === undefined ? `fin ${reply}` : `result ${result}`),
    )
    const expected = ["q1", "q2", "q3"].flatMap((queryid) => [
      ...Array.from({ length: 20 }, () => `result ${queryid}`),
      `fin ${queryid}`,
    ])
    expect(events).toEqual([...expected, "fin prefs"])
  }, 60_000)
})

describe("archiving preferences", () => {
  it("are stored: after a restart the server still follows them", async () => {
    const directory = mkdtempSync(join(tmpdir(), "xmpp-mam-prefs-"))
    directories.push(directory)
    const first = await started(startTestServerIn(directory))
    for (const name of ["alice", "bob"]) await first.addUser(name, `${name}-pass`)
    const bob = await online(first, "bob", "phone")
    const set = await bob.iq(
      xml("iq", { type: "set" }, xml("prefs", { xmlns: NS_MAM, default: "never" })),
    )
    expect(set.getChild("prefs", NS_MAM)?.attrs.default).toBe("never")
    await bob.stop()
    clients.splice(clients.indexOf(bob), 1)
    await first.stop()
    servers.splice(servers.indexOf(first), 1)

    const second = await started(startTestServerIn(directory))
    const alice = await online(second, "alice", "desk")
    const bobAgain = await online(second, "bob", "laptop")
    await alice.send(chat("bob@localhost/laptop", "n1", "not archived"))
    const received = await bobAgain.waitFor((stanza) => stanza.attrs.id === "n1")
    expect(received.getChild("stanza-id", NS_SID)).toBeUndefined()
    const read = await bobAgain.iq(xml("iq", { type: "get" }, xml("prefs", { xmlns: NS_MAM })))
    expect(read.getChild("prefs", NS_MAM)?.attrs.default).toBe("never")
    const page = expectValue(await second.server.repositories.archive.query("bob", { max: 10 }))
    expect(page).toMatchObject({ found: true, count: 0 })
  }, 60_000)
})

describe("a copy refused at its commit", () => {
  it("bounces service-unavailable when the archive was all that would keep it", async () => {
    const test = await started(
      startTestServer({
        config: { modules: { mam: { max_bytes_per_user: 10_000 }, offline: { enabled: false } } },
      }),
    )
    for (const name of ["alice", "bob"]) await test.addUser(name, `${name}-pass`)
    // bob's archive is filled behind the module's back: it does not know its size yet.
    const filler: ArchivedMessage = {
      id: "filler",
      username: "bob",
      direction: "incoming",
      peer: "carol@localhost",
      peerFull: "carol@localhost/x",
      stanza: `<message><body>${"f".repeat(9_000)}</body></message>`,
      messageKey: null,
      stamp: Date.now(),
    }
    expect(await test.server.repositories.archive.append([filler])).toEqual([undefined])
    const alice = await online(test, "alice", "desk")
    for (const id of ["b1", "b2"])
      await alice.send(chat("bob@localhost", id, `${id} ${"x".repeat(2_000)}`))
    for (const id of ["b1", "b2"]) {
      const bounce = await alice.waitFor(
        (stanza) => stanza.attrs.id === id && stanza.attrs.type === "error",
      )
      expect(conditionOf(bounce)).toBe("service-unavailable")
    }
    await roundTrip(alice)
    expect(alice.received.filter((stanza) => stanza.attrs.type === "error")).toHaveLength(2)
    const page = expectValue(await test.server.repositories.archive.query("bob", { max: 10 }))
    expect(page.found && page.rows.map((row) => row.id)).toEqual(["filler"])
  }, 60_000)
})

describe("a query the archive cannot answer", () => {
  it("gets internal-server-error", async () => {
    const backend = expectValue(await openSqliteBackend(":memory:"))
    const table = expectValue(
      await openMamTable({
        archive: backend.archive,
        domain: "localhost",
        defaultMode: "always",
        maxBytes: 0,
        expiresAfter: "never",
        faults: { mam_write: false, offline_write: false, socket_write_marker: "" },
        logger: silentLogger,
      }),
    )
    await backend.close()
    const sent: Array<XmlElement> = []
    const session = {
      username: "juliet",
      bare: "juliet@localhost",
      full: "juliet@localhost/balcony",
      closed: false,
      whenWritable: async () => undefined,
      send: (stanza: XmlElement) => sent.push(stanza),
    } as unknown as Session
    const iq = xml("iq", { type: "set", id: "broken" }, xml("query", { xmlns: NS_MAM }))
    const reply = await mamIqHandler(table)(iq, session, { kind: "account", username: "juliet" })
    expect(reply).not.toBe("unhandled")
    expect(conditionOf(reply as XmlElement)).toBe("internal-server-error")
    expect((reply as XmlElement).attrs).toMatchObject({ type: "error", id: "broken" })
    expect(sent).toEqual([])
  })
})

describe("the usage the module remembers", () => {
  it("refuses at once while fresh, and lets the database decide again after a minute", async () => {
    const backend = expectValue(await openSqliteBackend(":memory:"))
    expectValue(await backend.accounts.create(createUserRecord("juliet", "secret", 4096)))
    let clock = 1_000_000
    const table = expectValue(
      await openMamTable({
        archive: backend.archive,
        domain: "localhost",
        defaultMode: "always",
        maxBytes: 600,
        expiresAfter: "never",
        faults: { mam_write: false, offline_write: false, socket_write_marker: "" },
        logger: silentLogger,
        now: () => clock,
      }),
    )
    const message = (n: number) =>
      xml(
        "message",
        { from: "romeo@localhost/r", type: "chat" },
        xml("body", {}, `${n}`.repeat(200)),
      )
    const settledOf = (n: number) =>
      new Promise<StoreResult>((resolve) =>
        table.archive("juliet", message(n), "incoming", undefined, resolve),
      )
    expect(await settledOf(1)).toMatchObject({ ok: true })
    expect(await settledOf(2)).toMatchObject({ ok: true })
    // Known full: refused at once, without a write.
    expect(table.archive("juliet", message(3), "incoming")).toMatchObject({ reason: "quota" })
    // The archive empties behind the module's back (as another node's or a tool's removal).
    const page = expectValue(await backend.archive.query("juliet", { max: 10 }))
    for (const row of page.found ? page.rows : []) expectValue(await backend.archive.remove(row.id))
    expect(table.archive("juliet", message(4), "incoming")).toMatchObject({ reason: "quota" })
    clock += 61_000
    expect(await settledOf(5)).toMatchObject({ ok: true })
    await backend.close()
  })
})
