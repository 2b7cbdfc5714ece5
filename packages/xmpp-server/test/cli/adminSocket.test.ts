// `deluser` and `passwd` through the running server's admin socket (src/admin): the real CLI
// against a real server, clients over the wire. A deleted account's streams end at once with
// `not-authorized`, and nothing it sends afterwards is delivered or archived; `passwd --logout`
// ends the streams with `reset`, `passwd` alone leaves them; the socket is 0600.
import { statSync, writeFileSync } from "node:fs"
import { connect } from "node:net"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import { adminSocketPath } from "../../src/admin/AdminSocket.js"
import { checkPassword } from "../../src/auth/credentials.js"
import { xml } from "../../src/index.js"
import { StorageError } from "../../src/storage/Storage.js"
import { clientHeader, openRaw, type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, startTestServerIn, type TestServer } from "../helpers/testServer.js"
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

/** What the server answers a PLAIN `<auth>` with: "success" or the failure's condition. */
const authAnswer = async (username: string, password: string): Promise<string> => {
  const connection = await openRaw(test.c2sPort)
  open.push(connection)
  connection.send(clientHeader("localhost"))
  await connection.waitFor("</stream:features>")
  const credentials = Buffer.from(`\u0000${username}\u0000${password}`).toString("base64")
  connection.send(
    `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${credentials}</auth>`,
  )
  const text = await connection.waitFor(/<success|<\/failure>/)
  return text.includes("<success")
    ? "success"
    : (/<failure[^>]*><([a-z-]+)/.exec(text)?.[1] ?? text)
}

const cli = (...args: ReadonlyArray<string>) =>
  runCli([...args, "--config", configFile], test.dataDir)

const chat = (to: string, body: string): string =>
  `<message xmlns='jabber:client' to='${to}' type='chat' id='${body}'><body>${body}</body></message>`

/** Waits until bob's server answered a ping: what eve sent before is handled by then. */
const roundTrip = async (client: TestClient) =>
  client.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })))

/** The copies in `owner`'s archive that contain `body`. */
const archived = async (owner: string, body: string) => {
  const page = await test.server.repositories.archive.query(owner, { max: 10_000 })
  if (page instanceof Error) throw page
  return page.found ? page.rows.filter((row) => row.stanza.includes(body)) : []
}

/** Writes `lines` to the admin socket and resolves with the answer lines. */
const exchange = (lines: ReadonlyArray<string>) =>
  new Promise<Array<unknown>>((resolve, reject) => {
    const socket = connect(adminSocketPath(test.dataDir))
    let received = ""
    socket.setEncoding("utf8")
    socket.on("connect", () => socket.write(lines.map((line) => `${line}\n`).join("")))
    socket.on("data", (chunk: string) => {
      received += chunk
      const answers = received.split("\n").filter((line) => line !== "")
      if (answers.length < lines.length) return
      socket.destroy()
      resolve(answers.map((line) => JSON.parse(line)))
    })
    socket.on("error", reject)
  })

describe("the admin socket", () => {
  it("is a socket only its owner may use (mode 0600)", () => {
    const stat = statSync(adminSocketPath(test.dataDir))
    expect(stat.isSocket()).toBe(true)
    expect(stat.mode & 0o777).toBe(0o600)
  })

  it("answers each line in order, with a reason for what it cannot do", async () => {
    expect(
      await exchange([
        '{"version":2,"id":"a","command":"deluser","jid":"x@localhost"}',
        "not json",
        '{"version":1,"id":"c","command":"shutdown","jid":"x@localhost"}',
        '{"version":1,"id":"d","command":"deluser","jid":"x@elsewhere"}',
      ]),
    ).toEqual([
      {
        version: 1,
        id: "a",
        ok: false,
        error: {
          reason: "unsupported-version",
          message: "this server speaks admin protocol version 1, got 2",
          supported: [1],
        },
      },
      {
        version: 1,
        ok: false,
        error: { reason: "bad-request", message: "a request is one JSON object per line" },
      },
      {
        version: 1,
        id: "c",
        ok: false,
        error: {
          reason: "bad-request",
          message:
            'unknown command "shutdown" (expected "adduser", "accounts-changed", "deluser" or "passwd")',
        },
      },
      {
        version: 1,
        id: "d",
        ok: false,
        error: {
          reason: "wrong-domain",
          message:
            'this server serves "localhost", not "elsewhere" (set server.domain in the config)',
        },
      },
    ])
  })

  it("keeps a second server off the same data_dir", async () => {
    await expect(startTestServerIn(test.dataDir)).rejects.toMatchObject({
      _tag: "AdminSocketError",
      reason: "in-use",
    })
    expect(statSync(adminSocketPath(test.dataDir)).isSocket()).toBe(true)
    const answers = await exchange(['{"version":1,"command":"deluser","jid":"nobody@localhost"}'])
    expect(answers).toMatchObject([{ ok: false, error: { reason: "not-found" } }])
  })
})

describe("deluser with the server running", () => {
  it("ends the account's streams at once; what it sends afterwards is neither delivered nor archived", async () => {
    await test.addUser("eve", "eve-pass")
    await test.addUser("bob", "bob-pass")
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
    // Neither archive kept it: eve's was deleted with her, bob's never got it.
    expect(await archived("bob", "after-delete")).toEqual([])
    expect(await archived("eve", "after-delete")).toEqual([])
    expect(await test.server.repositories.accounts.get("eve")).toBeUndefined()
    expect(result).toEqual({
      code: 0,
      stdout: "deleted eve@localhost (the running server ended 2 sessions)\n",
      stderr: "",
    })
    // She cannot log in again.
    expect(await authAnswer("eve", "eve-pass")).toBe("not-authorized")
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
    await test.addUser("frank", "old-pass")
    const frank = await login("frank", "old-pass")
    const result = await cli("passwd", "frank@localhost", "new-pass", "--logout")
    expect(result).toEqual({
      code: 0,
      stdout: "changed the password of frank@localhost (the running server ended 1 session)\n",
      stderr: "",
    })
    await frank.offline
    expect(frank.errors.map((error) => error.condition)).toContain("reset")
    expect(await authAnswer("frank", "old-pass")).toBe("not-authorized")
    expect(await authAnswer("frank", "new-pass")).toBe("success")
  })

  it("without --logout leaves open sessions; only new logins need the new password", async () => {
    await test.addUser("grace", "old-pass")
    await test.addUser("heidi", "heidi-pass")
    const grace = await login("grace", "old-pass")
    const heidi = await login("heidi", "heidi-pass")
    const result = await cli("passwd", "grace@localhost", "new-pass")
    expect(result).toEqual({
      code: 0,
      stdout:
        "changed the password of grace@localhost (1 open session stays; new logins need the new password)\n",
      stderr: "",
    })
    const record = await test.server.repositories.accounts.get("grace")
    expect(
      record !== undefined && !(record instanceof Error) && checkPassword(record, "new-pass"),
    ).toBe(true)
    await grace.send(xml("message", { to: heidi.jid, type: "chat" }, xml("body", {}, "still-here")))
    await heidi.waitFor((stanza) => stanza.getChildText("body") === "still-here")
    expect(grace.errors).toEqual([])
    expect(await authAnswer("grace", "old-pass")).toBe("not-authorized")
    expect(await authAnswer("grace", "new-pass")).toBe("success")
  })
})

// The running server decides from its account directory whether a bare JID is an account
// (offline storage) or not (service-unavailable): accounts the CLI creates while it runs must
// reach that directory at once.
describe("adduser with the server running", () => {
  /** Sends `body` to `to` from `client` and answers the error condition it bounced with, or "stored". */
  const routed = async (client: TestClient, to: string, body: string): Promise<string> => {
    await client.send(xml("message", { to, type: "chat", id: body }, xml("body", {}, body)))
    await roundTrip(client)
    const bounce = client.received.find((stanza) => stanza.attrs.id === body)
    return bounce === undefined
      ? "stored"
      : ((bounce.getChild("error")?.children[0] as { name?: string } | undefined)?.name ?? "error")
  }

  it("creates the account in the running server: a message to it is stored for it", async () => {
    await test.addUser("ivan", "ivan-pass")
    const ivan = await login("ivan", "ivan-pass")
    const result = await cli("adduser", "judy@localhost", "judy-pass")
    expect(result).toEqual({ code: 0, stdout: "created judy@localhost\n", stderr: "" })
    expect(await routed(ivan, "judy@localhost", "to-judy")).toBe("stored")
    const judy = await login("judy", "judy-pass")
    await judy.send(xml("presence"))
    await judy.waitFor((stanza) => stanza.getChildText("body") === "to-judy")
  })

  it("--from-file: the running server routes to the new accounts at once", async () => {
    await test.addUser("kim", "kim-pass")
    const kim = await login("kim", "kim-pass")
    expect(await routed(kim, "leo@localhost", "before-leo")).toBe("service-unavailable")
    const file = join(test.dataDir, "accounts.txt")
    writeFileSync(file, "leo@localhost leo-pass\nmia@localhost mia-pass\n")
    const result = await cli("adduser", "--from-file", file)
    expect(result).toEqual({ code: 0, stdout: "created 2 accounts\n", stderr: "" })
    expect(await routed(kim, "leo@localhost", "to-leo")).toBe("stored")
    expect(await routed(kim, "mia@localhost", "to-mia")).toBe("stored")
  })
})

describe("the admin socket when storage fails", () => {
  it("answers internal-error naming the storage failure, and the account keeps its password", async () => {
    await test.addUser("nina", "nina-pass")
    const failure = new StorageError("accounts.setCredentials", "io", "the disk went away")
    const write = vi
      .spyOn(test.server.repositories.accounts, "setCredentials")
      .mockResolvedValueOnce(failure)
    try {
      const answers = await exchange([
        '{"version":1,"command":"passwd","jid":"nina@localhost","password":"other"}',
      ])
      expect(answers).toMatchObject([
        {
          ok: false,
          error: { reason: "internal-error", message: `storage failed: ${failure.message}` },
        },
      ])
    } finally {
      write.mockRestore()
    }
    expect(await authAnswer("nina", "nina-pass")).toBe("success")
  })
})
