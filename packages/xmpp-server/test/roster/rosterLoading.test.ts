// Rosters read from the asynchronous repository (issue 22, docs/STORAGE.md "Roster"), over the
// wire: a session's roster is loaded when it binds, so a roster get pipelined right behind the
// bind answers the whole stored roster; the roster of an offline user that was never loaded is
// read when a subscription request (or a message the archive's "roster" preference must judge)
// arrives for it, and the user's stanzas keep their order meanwhile; a roster that cannot be read
// answers `internal-server-error` (wait) and the user can bind once it is readable again.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import type { RosterItem } from "../../src/index.js"
import { clientHeader, openRaw, type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { storedItem, storeRoster } from "../helpers/storedRoster.js"
import { startTestServerIn, type TestServer } from "../helpers/testServer.js"
import { openTestDatabase } from "../helpers/testStorage.js"

const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-roster-loading-"))
const options = {
  config: {
    server: { max_roster_items: 5_000 },
    listen: { c2s: { tls: "optional" as const, allow_plain_without_tls: true } },
    modules: { mam: { default: "roster" } },
  },
}
let test: TestServer
const connections: Array<RawConnection> = []

const friend = (jid: string, subscription: RosterItem["subscription"] = "both"): RosterItem => ({
  jid,
  name: `Name of ${jid}`,
  subscription,
  ask_out: false,
  pending_in: undefined,
  groups: ["Friends"],
})

beforeAll(async () => {
  test = await startTestServerIn(dataDir, options)
  for (const name of [
    "alice",
    "bob",
    "carol",
    "dave",
    "olga",
    "stan",
    "rita",
    "uma",
    "vera",
    "wade",
  ])
    await test.addUser(name, `${name}-pass`)
})
afterEach(() => {
  for (const connection of connections.splice(0)) connection.destroy()
})
afterAll(async () => {
  await test.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const login = async (username: string, resource = "r"): Promise<RawConnection> => {
  const connection = await rawLogin(
    test.c2sPort,
    "localhost",
    username,
    `${username}-pass`,
    resource,
  )
  connections.push(connection)
  return connection
}

/** Authenticates with PLAIN and stops before binding: the caller sends the bind. */
const authenticated = async (username: string): Promise<RawConnection> => {
  const connection = await openRaw(test.c2sPort)
  connections.push(connection)
  connection.send(clientHeader("localhost"))
  await connection.waitFor("</stream:features>")
  const credentials = Buffer.from(`\u0000${username}\u0000${username}-pass`).toString("base64")
  connection.send(
    `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${credentials}</auth>`,
  )
  await connection.waitFor("<success")
  connection.send(clientHeader("localhost"))
  await connection.waitFor(/<success[\s\S]*<\/stream:features>/)
  return connection
}

const bindText = (id: string) =>
  `<iq type='set' id='${id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>`
const rosterGetText = "<iq type='get' id='roster'><query xmlns='jabber:iq:roster'/></iq>"

/** The reply with `id`, from its `<iq` to its `</iq>`. */
const replyWithId = async (connection: RawConnection, id: string): Promise<string> => {
  const pattern = new RegExp(`<iq[^>]*id="${id}"[\\s\\S]*?</iq>`)
  const text = await connection.waitFor(pattern, 15_000)
  return pattern.exec(text)?.[0] ?? ""
}

describe("a session's roster is loaded when it binds", () => {
  it("answers a roster get pipelined right behind the bind with the whole stored roster", async () => {
    const total = 3_000
    const items = Array.from({ length: total }, (_, index) => friend(`pal${index}@localhost`))
    await storeRoster(test.server, "alice", items)
    const alice = await authenticated("alice")
    // Bind, roster get and initial presence in one write: the get waits for nothing.
    alice.send(`${bindText("bind")}${rosterGetText}<presence/>`)
    expect(await replyWithId(alice, "bind")).toContain("alice@localhost/r")
    const roster = await replyWithId(alice, "roster")
    expect(roster).toMatch(/^<iq[^>]* type="result"/)
    expect(roster.split("<item ").length - 1).toBe(total)
    expect(roster.includes('<item jid="pal2999@localhost"')).toBe(true)
    // The bind result came before the roster result: the input kept its order.
    const text = alice.text()
    expect(text.indexOf('id="bind"')).toBeLessThan(text.indexOf('id="roster"'))
    // The initial presence was broadcast from the loaded roster (to her own resource), no error.
    await alice.waitFor(/<presence[^>]*from="alice@localhost\/r"/)
    expect(alice.text()).not.toContain('type="error"')
  })
})

describe("an offline user's roster is read on its first use", () => {
  it("stores a subscription request to a user whose roster was never loaded, and redelivers it", async () => {
    const bob = await login("bob")
    bob.send("<presence to='carol@localhost' type='subscribe' id='sub-1'/>")
    // Carol has never been online: her roster is read for the request, which is stored.
    await expect
      .poll(async () => (await storedItem(test.server, "carol", "bob@localhost"))?.pending_in, {
        timeout: 10_000,
      })
      .toContain('type="subscribe"')
    // After a restart (nothing in memory) she still gets it at her first available presence.
    bob.destroy()
    await test.stop()
    test = await startTestServerIn(dataDir, options)
    const carol = await login("carol")
    carol.send("<presence/>")
    await carol.waitFor(/<presence[^>]*from="bob@localhost"[^>]*type="subscribe"/, 10_000)
  })

  it("keeps the order of the stanzas for an offline user while its roster loads", async () => {
    const rita = await login("rita")
    // Ask, cancel, ask again, in one write: dave's roster is read once and the three apply in
    // order, so the request left pending is the last one.
    rita.send(
      "<presence to='dave@localhost' type='subscribe'><status>first</status></presence>" +
        "<presence to='dave@localhost' type='unsubscribe'/>" +
        "<presence to='dave@localhost' type='subscribe'><status>third</status></presence>",
    )
    await expect
      .poll(async () => (await storedItem(test.server, "dave", "rita@localhost"))?.pending_in, {
        timeout: 10_000,
      })
      .toContain("third")
    const dave = await login("dave")
    dave.send("<presence/>")
    const text = await dave.waitFor(/<presence[^>]*from="rita@localhost"[\s\S]*?<\/presence>/)
    const requests = text.match(/<presence[^>]*from="rita@localhost"[\s\S]*?<\/presence>/g) ?? []
    expect(requests).toHaveLength(1)
    expect(requests[0]).toContain("third")
  })

  it("archives by the roster of an offline owner whose roster was never loaded", async () => {
    await storeRoster(test.server, "olga", [friend("rita@localhost")])
    const rita = await login("rita", "archiving")
    const stan = await login("stan")
    rita.send(
      "<message to='olga@localhost' type='chat' id='m1'><body>from a contact</body></message>",
    )
    stan.send(
      "<message to='olga@localhost' type='chat' id='m2'><body>from a stranger</body></message>",
    )
    rita.send("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>")
    stan.send("<iq type='get' id='p2'><ping xmlns='urn:xmpp:ping'/></iq>")
    await rita.waitFor('id="p1"')
    await stan.waitFor('id="p2"')
    const olga = await login("olga")
    olga.send("<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2'/></iq>")
    const text = await olga.waitFor(/<fin[\s\S]*?<\/iq>/, 10_000)
    expect(text).toContain("from a contact")
    expect(text).not.toContain("from a stranger")
  })
})

describe("the AMP presence check (XEP-0079 §9) of an offline recipient", () => {
  it("reads a roster never loaded before deciding, for a contact and for a stranger", async () => {
    await storeRoster(test.server, "vera", [friend("rita@localhost", "from")])
    const amp = (id: string) =>
      // Not for the archive (so its "roster" preference does not read the roster first).
      `<message to='vera@localhost' id='${id}'><body>hi</body>` +
      "<no-permanent-store xmlns='urn:xmpp:hints'/>" +
      "<amp xmlns='http://jabber.org/protocol/amp'>" +
      "<rule condition='deliver' value='stored' action='notify'/></amp></message>"
    const rita = await login("rita", "amp")
    const stan = await login("stan", "amp")
    rita.send(amp("a1"))
    stan.send(amp("a2"))
    // Rita may see Vera's presence: the rule applies (stored offline, notified).
    const allowed = await rita.waitFor(/<message[^>]*id="a1"[\s\S]*?<\/message>/, 10_000)
    expect(allowed).toMatch(/<message[^>]*id="a1"[\s\S]*?status="notify"/)
    // Stan may not: a presence-revealing rule is refused.
    const refused = await stan.waitFor(/<message[^>]*id="a2"[\s\S]*?<\/message>/, 10_000)
    expect(refused).toMatch(/<message[^>]*id="a2"[\s\S]*?not-acceptable/)
  })

  it("routes an AMP message whose archiving depends on a roster never loaded", async () => {
    await storeRoster(test.server, "wade", [friend("rita@localhost", "from")])
    const rita = await login("rita", "amp-archive")
    rita.send(
      "<message to='wade@localhost' id='a3'><body>kept</body>" +
        "<amp xmlns='http://jabber.org/protocol/amp'>" +
        "<rule condition='deliver' value='stored' action='notify'/></amp></message>",
    )
    const allowed = await rita.waitFor(/<message[^>]*id="a3"[\s\S]*?<\/message>/, 10_000)
    expect(allowed).toMatch(/<message[^>]*id="a3"[\s\S]*?status="notify"/)
    // Wade's archive ("roster" preference, Rita is a contact) kept it.
    const wade = await login("wade")
    wade.send("<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2'/></iq>")
    expect(await wade.waitFor(/<fin[\s\S]*?<\/iq>/, 10_000)).toContain("kept")
  })
})

describe("a roster that cannot be read", () => {
  it("answers the bind with internal-server-error (wait), and binds once it is readable", async () => {
    // Uma never logged in (her roster is not in memory). Another connection hides the roster
    // table: the server's read of it fails.
    const database = await openTestDatabase(dataDir)
    try {
      await database.exec("ALTER TABLE roster RENAME TO roster_hidden")
      const uma = await authenticated("uma")
      uma.send(bindText("bind-1"))
      const refused = await replyWithId(uma, "bind-1")
      expect(refused).toMatch(/^<iq[^>]* type="error"/)
      expect(refused).toMatch(/<error type="wait"><internal-server-error /)
      await database.exec("ALTER TABLE roster_hidden RENAME TO roster")
      uma.send(bindText("bind-2") + rosterGetText)
      expect(await replyWithId(uma, "bind-2")).toContain("uma@localhost/r")
      expect(await replyWithId(uma, "roster")).toContain('type="result"')
    } finally {
      await database.close()
    }
  })
})
