// `deluser` and `passwd` through the running server's admin socket (src/admin): the real CLI
// against a real server, clients over the wire. A deleted account's streams end at once with
// `not-authorized`, and nothing it sends afterwards is delivered or archived; `passwd --logout`
// ends the streams with `reset`, `passwd` alone leaves them; the socket is 0600.
import { statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { adminSocketPath } from "../../src/admin/AdminSocket.js"
import { checkPassword } from "../../src/auth/credentials.js"
import { xml } from "../../src/index.js"
import { type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { connectClient, type TestClient } from "../helpers/xmppClient.js"
import { runCli } from "./runCli.js"

let test: TestServer
let configFile: string
const open: Array<TestClient | RawConnection> = []

beforeAll(async () => {
  test = await startTestServer({
    config: { listen: { c2s: { tls: "optional", allow_plain_without_tls: true } } },
  })
  configFile = join(test.dataDir, "server.toml")
  writeFileSync(configFile, `[server]\ndomain = "localhost"\ndata_dir = "${test.dataDir}"\n`)
})
afterEach(async () => {
  for (const each of open.splice(0))
    if ("destroy" in each) each.destroy()
    else await each.stop()
})
afterAll(async () => {
  await test.stop()
})

const login = async (username: string, password: string): Promise<TestClient> => {
  const client = await connectClient({
    service: `xmpp://127.0.0.1:${test.c2sPort}`,
    domain: "localhost",
    username,
    password,
  })
  open.push(client)
  return client
}

const raw = async (username: string, password: string): Promise<RawConnection> => {
  const connection = await rawLogin(test.c2sPort, "localhost", username, password, "raw")
  open.push(connection)
  return connection
}

const cli = (...args: ReadonlyArray<string>) =>
  runCli([...args, "--config", configFile], test.dataDir)

const chat = (to: string, body: string): string =>
  `<message xmlns='jabber:client' to='${to}' type='chat' id='${body}'><body>${body}</body></message>`

/** Waits until bob's server answered a ping: what eve sent before is handled by then. */
const roundTrip = async (client: TestClient) =>
  client.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })))

const archived = (body: string) =>
  test.server.storage.sql.all<{ stanza: string }>(
    "SELECT stanza FROM mam_messages WHERE stanza LIKE ?",
    [`%${body}%`],
  )

describe("the admin socket", () => {
  it("is a socket only its owner may use (mode 0600)", () => {
    const stat = statSync(adminSocketPath(test.dataDir))
    expect(stat.isSocket()).toBe(true)
    expect(stat.mode & 0o777).toBe(0o600)
  })
})

describe("deluser with the server running", () => {
  it("ends the account's streams at once; what it sends afterwards is neither delivered nor archived", async () => {
    test.addUser("eve", "eve-pass")
    test.addUser("bob", "bob-pass")
    const bob = await login("bob", "bob-pass")
    const eve = await login("eve", "eve-pass")
    const eveRaw = await raw("eve", "eve-pass")
    eveRaw.send(chat(bob.jid, "before-delete"))
    await bob.waitFor((stanza) => stanza.getChildText("body") === "before-delete")

    const result = await cli("deluser", "eve@localhost")
    // The raw stream got its stream error before the CLI had its answer; it writes anyway.
    eveRaw.send(chat(bob.jid, "after-delete-raw"))
    await eve
      .send(xml("message", { to: bob.jid, type: "chat" }, xml("body", {}, "after-delete")))
      .catch(() => undefined)

    const text = await eveRaw.waitFor("</stream:stream>")
    expect(text).toContain(
      "<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>account deleted</text>",
    )
    await eveRaw.closed
    await eve.offline
    expect(eve.errors.map((error) => error.condition)).toContain("not-authorized")

    await roundTrip(bob)
    const bodies = bob.received.map((stanza) => stanza.getChildText("body"))
    expect(bodies).toContain("before-delete")
    expect(bodies).not.toContain("after-delete-raw")
    expect(bodies).not.toContain("after-delete")
    expect(archived("after-delete")).toEqual([])
    expect(test.server.storage.users.get("eve")).toBeUndefined()
    expect(result).toEqual({
      code: 0,
      stdout: "deleted eve@localhost (the running server ended 2 sessions)\n",
      stderr: "",
    })
    // She cannot log in again.
    await expect(login("eve", "eve-pass")).rejects.toThrow()
  })

  it("fails with the server's reason for an unknown account, and changes nothing", async () => {
    const result = await cli("deluser", "nobody@localhost")
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain("there is no account nobody@localhost")
  })
})

describe("passwd with the server running", () => {
  it("--logout ends the account's streams with reset; the new password works", async () => {
    test.addUser("frank", "old-pass")
    const frank = await login("frank", "old-pass")
    const result = await cli("passwd", "frank@localhost", "new-pass", "--logout")
    expect(result).toEqual({
      code: 0,
      stdout: "changed the password of frank@localhost (the running server ended 1 session)\n",
      stderr: "",
    })
    await frank.offline
    expect(frank.errors.map((error) => error.condition)).toContain("reset")
    await expect(login("frank", "old-pass")).rejects.toThrow()
    const again = await login("frank", "new-pass")
    expect(again.jid).toMatch(/^frank@localhost\//)
  })

  it("without --logout leaves open sessions; only new logins need the new password", async () => {
    test.addUser("grace", "old-pass")
    test.addUser("heidi", "heidi-pass")
    const grace = await login("grace", "old-pass")
    const heidi = await login("heidi", "heidi-pass")
    const result = await cli("passwd", "grace@localhost", "new-pass")
    expect(result).toEqual({
      code: 0,
      stdout:
        "changed the password of grace@localhost (1 open session stay; new logins need the new password)\n",
      stderr: "",
    })
    const record = test.server.storage.users.get("grace")
    expect(record && checkPassword(record, "new-pass")).toBe(true)
    await grace.send(xml("message", { to: heidi.jid, type: "chat" }, xml("body", {}, "still-here")))
    await heidi.waitFor((stanza) => stanza.getChildText("body") === "still-here")
    expect(grace.errors).toEqual([])
    await expect(login("grace", "old-pass")).rejects.toThrow()
  })
})
