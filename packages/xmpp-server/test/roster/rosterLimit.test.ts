// Issue 25 item 2, over the wire: `max_roster_items` bounds one account's roster. A roster set
// adding an item past it gets <not-acceptable/> (RFC 6121 §2.3.3, type "modify") naming the
// key, and nothing is stored; changing an existing item still works; a subscription that would
// add an item to a full roster (either side) is refused with the same error. After a restart
// on the same data_dir every answered set is still there (the group commit is durable).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { storedItem, storedRoster } from "../helpers/storedRoster.js"
import { startTestServerIn, type TestServer } from "../helpers/testServer.js"
import { countReplies, rosterSetText } from "./rosterReplies.js"

const limit = 3
const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-roster-limit-"))
const options = {
  config: {
    server: { max_roster_items: limit },
    listen: { c2s: { tls: "optional" as const, allow_plain_without_tls: true } },
  },
}
let test: TestServer
const connections: Array<RawConnection> = []

beforeAll(async () => {
  test = await startTestServerIn(dataDir, options)
  for (const name of ["dave", "erin", "frank"]) await test.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  for (const connection of connections) connection.destroy()
  await test.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const login = async (username: string): Promise<RawConnection> => {
  const connection = await rawLogin(test.c2sPort, "localhost", username, `${username}-pass`, "r")
  connections.push(connection)
  return connection
}

const reply = async (connection: RawConnection, id: string): Promise<string> => {
  const text = await connection.waitFor(new RegExp(`<iq[^>]*id="${id}"[\\s\\S]*?(/>|</iq>)`))
  const start = text.lastIndexOf("<iq", text.indexOf(`id="${id}"`))
  return text.slice(start)
}

describe("max_roster_items (issue 25 item 2)", () => {
  it("refuses the item past the limit with not-acceptable and stores nothing", async () => {
    const dave = await login("dave")
    const replies = countReplies(dave, "fill-")
    let sets = ""
    for (let index = 0; index < limit; index++)
      sets += rosterSetText("fill-", index, `friend${index}@localhost`, `Friend ${index}`)
    dave.send(sets)
    await replies.whenReplies(limit, 10_000)
    expect(replies.results()).toBe(limit)

    dave.send(rosterSetText("over-", 0, "onemore@localhost", "One more"))
    const refused = await reply(dave, "over-0")
    expect(refused).toContain('type="error"')
    expect(refused).toMatch(
      /<error type="modify"><not-acceptable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/>/,
    )
    expect(refused).toContain("server.max_roster_items")
    expect((await storedRoster(test.server, "dave")).length).toBe(limit)
    expect(await storedItem(test.server, "dave", "onemore@localhost")).toBeUndefined()

    // A full roster still lets the user change an existing item.
    dave.send(rosterSetText("rename-", 0, "friend0@localhost", "Renamed"))
    expect(await reply(dave, "rename-0")).toContain('type="result"')
    expect((await storedItem(test.server, "dave", "friend0@localhost"))?.name).toBe("Renamed")
  })

  it("refuses a subscription that would add an item to a full roster, on either side", async () => {
    const dave = connections[0] as RawConnection
    const erin = await login("erin")
    erin.send("<presence/>")
    // Outbound: dave (full) asks to subscribe to erin, not in his roster.
    dave.send("<presence to='erin@localhost' type='subscribe' id='sub-out'/>")
    const outbound = await dave.waitFor(
      /<presence[^>]*type="error" id="sub-out"[\s\S]*?<\/presence>/,
    )
    expect(outbound).toContain("not-acceptable")
    expect(await storedItem(test.server, "dave", "erin@localhost")).toBeUndefined()
    expect(await storedItem(test.server, "erin", "dave@localhost")).toBeUndefined()
    // Inbound: erin asks to subscribe to dave, whose roster is full.
    erin.send("<presence to='dave@localhost' type='subscribe' id='sub-in'/>")
    const inbound = await erin.waitFor(/<presence[^>]*type="error"[\s\S]*?<\/presence>/)
    expect(inbound).toContain("not-acceptable")
    expect(inbound).toContain("server.max_roster_items")
    expect(await storedItem(test.server, "dave", "erin@localhost")).toBeUndefined()
  })

  it("keeps every answered set across a restart", async () => {
    const frank = await login("frank")
    const replies = countReplies(frank, "keep-")
    let sets = ""
    for (let index = 0; index < limit; index++)
      sets += rosterSetText("keep-", index, `pal${index}@localhost`, `Pal ${index}`)
    frank.send(sets)
    await replies.whenReplies(limit, 10_000)
    expect(replies.results()).toBe(limit)
    await test.stop()
    test = await startTestServerIn(dataDir, options)
    const stored = await storedRoster(test.server, "frank")
    expect(stored.map((item) => [item.jid, item.name])).toEqual([
      ["pal0@localhost", "Pal 0"],
      ["pal1@localhost", "Pal 1"],
      ["pal2@localhost", "Pal 2"],
    ])
  })
})
