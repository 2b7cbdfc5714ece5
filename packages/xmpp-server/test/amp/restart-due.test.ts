// Spec/amp.md §5: an `expire-at` time that passed while the server was down fires when it
// starts, before (or within one second of) it accepting clients. Here it fires before: the
// alert is already in the sender's offline storage when the first client logs in, so a sender
// who logs in at once, from another resource, gets it with that login.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, expect, it } from "vitest"
import { startTestServerIn, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login, pause, roundTrip } from "../offline/clients.js"
import { ampMessage, ampOf, befriend, rule, withId } from "./ampClients.js"

const NS_DELAY = "urn:xmpp:delay"

const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-amp-restart-due-"))
const clients: Array<TestClient> = []
const servers: Array<TestServer> = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()))
  for (const server of servers.splice(0)) await server.stop().catch(() => undefined)
  rmSync(dataDir, { recursive: true, force: true })
})

/** The server on the shared data directory, checking for due rules every `expiryCheckMs`. */
const start = async (expiryCheckMs: number): Promise<TestServer> => {
  const server = await startTestServerIn(dataDir, {
    config: { modules: { amp: { expiry_check_ms: expiryCheckMs } } },
  })
  servers.push(server)
  return server
}

const online = async (server: TestServer, username: string, resource: string) => {
  const client = await login(server, username, resource, 0)
  clients.push(client)
  return client
}

it("fires at start, before clients are accepted: a sender who logs in at once gets the alert", async () => {
  const first = await start(50)
  for (const user of ["frank", "gina"]) await first.addUser(user, `${user}-pass`)
  await befriend(first, "frank", "gina")
  const phone = await online(first, "frank", "phone")
  // Due once the first server has surely stopped (it would fire the rule itself otherwise).
  const due = Date.now() + 1500
  const rules = [rule("expire-at", new Date(due).toISOString(), "alert")]
  await phone.send(ampMessage("gina@localhost", "down1", rules))
  await roundTrip(phone)
  await phone.stop()
  await first.stop()
  servers.splice(0)
  await pause(Math.max(0, due + 300 - Date.now()))

  // The periodic check at its slowest (once a second): only a check at start fires in time.
  const second = await start(1000)
  const laptop = await online(second, "frank", "laptop")
  const alert = await laptop.waitFor((stanza) => stanza.attrs.id === "down1", 5000)
  expect(ampOf(alert)).toEqual({
    status: "alert",
    from: "frank@localhost/phone",
    to: "gina@localhost",
    rules,
  })
  // Fired before the server accepted the login: kept offline and handed over at login.
  expect(alert.getChild("delay", NS_DELAY)?.attrs.from).toBe("localhost")
  const gina = await online(second, "gina", "home")
  await roundTrip(gina)
  await pause(150)
  expect(withId(gina, "down1")).toEqual([])
  expect(withId(laptop, "down1")).toHaveLength(1)
}, 30_000)
