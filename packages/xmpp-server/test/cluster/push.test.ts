// spec/cluster.md guarantee 3 (spec/push.md unchanged across nodes): the XEP-0357 app server is
// a component connected to n1 only; a phone with push hibernated on n2 gets one push for a
// message sent on n1, a user whose registration was made on n2 and who is offline gets one push
// for a message stored by n1, and one stanza never gives two pushes for one registration in
// the whole cluster (the publishes are counted at the app server). An app server on a local JID
// connected to n1 answers publishes sent by n2: its answers reach n2 (errors are counted). A node
// that joins after a registration was bound on n1 pushes no second time for it (before, it
// learned the binding only at the next change).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type LocalCluster, startLocalCluster } from "../helpers/localCluster.js"
import type { RawConnection } from "../helpers/rawSocket.js"
import { type AppServer, startAppServer } from "../push/appServer.js"
import {
  APP_SERVER,
  chatTo,
  type Device,
  enablePush,
  iq,
  logOut,
  settle,
  sleep,
} from "../push/pushServer.js"
import { NS_SM } from "../sm/smRaw.js"

let cluster: LocalCluster
let appServer: AppServer | undefined

/** Logs `user` (password = name) in on node `index`, available, without stream management. */
const online = async (index: number, user: string, resource: string): Promise<RawConnection> => {
  const connection = await cluster.login(index, user, resource, user)
  connection.send("<presence/>")
  return connection
}

/** Logs `user` in on node `index` with XEP-0198 resumption, available. */
const device = async (index: number, user: string, resource: string): Promise<Device> => {
  const { connection, id } = await cluster.smLogin(index, user, resource, user)
  connection.send("<presence/>")
  return { connection, smId: id }
}

const pushesWithBody = (registration: string, body: string) =>
  (appServer?.pushesFor(registration) ?? []).filter(
    (push) => push.summary["last-message-body"] === body,
  )

beforeAll(async () => {
  cluster = await startLocalCluster({
    nodes: 2,
    config: {
      listen: {
        c2s: { tls: "optional", allow_plain_without_tls: true },
        component: { host: "127.0.0.1", port: 0 },
      },
      components: [{ domain: APP_SERVER, secret: "app-secret" }],
      modules: {
        // A second: only push keeps a sleeping phone resumable longer (spec/push.md).
        stream_management: { resume_timeout: 1, ack_timeout: 60 },
        // The body in the summary lets the test tell the pushes of each message apart.
        push: { coalescing_window_ms: 0, include_last_message_body: true, max_errors: 3 },
      },
    },
  })
  for (const user of ["alice", "bob", "carol", "dave", "erin", "frank", "rita", "sam"])
    await cluster.node(0).addUser(user, user)
  appServer = await startAppServer(
    cluster.node(0).server.ports.component ?? 0,
    APP_SERVER,
    "app-secret",
  )
}, 60_000)

afterAll(async () => {
  await appServer?.stop()
  await cluster?.stop()
}, 60_000)

describe("push across nodes, app server on n1", () => {
  it("pushes once for a phone hibernated on n2 when the message arrives on n1", async () => {
    const phone = await device(1, "bob", "phone")
    expect(await enablePush(phone.connection, "bob-phone")).toMatch(/type=["']result["']/)
    await sleep(phone)
    await settle(500)
    const alice = await online(0, "alice", "desk")
    alice.send(chatTo("bob@localhost", "for-bob"))
    await expect
      .poll(() => pushesWithBody("bob-phone", "for-bob").length, { timeout: 10_000 })
      .toBe(1)
    await settle(1500)
    expect(pushesWithBody("bob-phone", "for-bob")).toHaveLength(1)
    await logOut(alice)
  }, 30_000)

  it("pushes once for a user offline whose registration was made on n2", async () => {
    const phone = await online(1, "carol", "phone")
    expect(await enablePush(phone, "carol-phone")).toMatch(/type=["']result["']/)
    await logOut(phone)
    await settle(500)
    const alice = await online(0, "alice", "desk2")
    alice.send(chatTo("carol@localhost", "for-carol"))
    await expect
      .poll(() => pushesWithBody("carol-phone", "for-carol").length, { timeout: 10_000 })
      .toBe(1)
    await settle(1500)
    expect(pushesWithBody("carol-phone", "for-carol")).toHaveLength(1)
    await logOut(alice)
  }, 30_000)

  it("pushes once when the registration is known to both nodes and the phone sleeps on n2", async () => {
    // Registered from n1 first (n1 knows it), then the phone binds it again on n2 and sleeps.
    const first = await online(0, "dave", "old")
    expect(await enablePush(first, "dave-phone")).toMatch(/type=["']result["']/)
    await logOut(first)
    const phone = await device(1, "dave", "phone")
    expect(await enablePush(phone.connection, "dave-phone")).toMatch(/type=["']result["']/)
    await sleep(phone)
    await settle(500)
    const alice = await online(0, "alice", "desk3")
    alice.send(chatTo("dave@localhost", "for-dave"))
    await expect
      .poll(() => pushesWithBody("dave-phone", "for-dave").length, { timeout: 10_000 })
      .toBe(1)
    await settle(1500)
    expect(pushesWithBody("dave-phone", "for-dave")).toHaveLength(1)
    await logOut(alice)
  }, 30_000)

  it("carries the answers of an app server on a local JID on n1 back to n2", async () => {
    const app = await online(0, "rita", "app")
    const phone = await online(1, "sam", "phone")
    const enabled = await iq(
      phone,
      "<enable xmlns='urn:xmpp:push:0' jid='rita@localhost/app' node='sam-node'/>",
    )
    expect(enabled).toMatch(/type=["']result["']/)
    await logOut(phone)
    // The sender is on n2 too: n2 stores the messages offline and publishes to rita on n1.
    const sender = await online(1, "alice", "desk4")
    const publishes = () => [...app.text().matchAll(/<iq[^>]*type=["']set["'][\s\S]*?<\/iq>/g)]
    for (const count of [1, 2, 3]) {
      sender.send(chatTo("sam@localhost", `to-local-app-${count}`))
      await expect.poll(() => publishes().length, { timeout: 10_000 }).toBe(count)
      const id = /id=["']([^"']+)["']/.exec(publishes()[count - 1]?.[0] ?? "")?.[1]
      app.send(
        `<iq type='error' id='${id}' to='localhost'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
      )
    }
    // max_errors (3) errors in a row disabled the registration on n2: no fourth publish.
    await settle(1000)
    sender.send(chatTo("sam@localhost", "after-three-errors"))
    await settle(1500)
    expect(publishes()).toHaveLength(3)
    await Promise.all([logOut(sender), logOut(app)])
  }, 60_000)

  it("keeps push for a phone that resumed on n1: one push, resumable past resume_timeout", async () => {
    const phone = await device(1, "erin", "phone")
    expect(await enablePush(phone.connection, "erin-phone")).toMatch(/type=["']result["']/)
    await sleep(phone)
    const resumed = await cluster.authenticate(0, "erin", "erin")
    resumed.send(`<resume xmlns='${NS_SM}' previd='${phone.smId}' h='0'/>`)
    await resumed.waitFor(/<resumed /, 10_000)
    resumed.send(`<a xmlns='${NS_SM}' h='2'/>`)
    await sleep({ connection: resumed, smId: phone.smId })
    await settle(500)
    const alice = await online(1, "alice", "desk5")
    alice.send(chatTo("erin@localhost", "for-erin"))
    await expect
      .poll(() => pushesWithBody("erin-phone", "for-erin").length, { timeout: 10_000 })
      .toBe(1)
    await settle(1500)
    expect(pushesWithBody("erin-phone", "for-erin")).toHaveLength(1)
    // Push kept it resumable on n1 past resume_timeout: the registration came along.
    const again = await cluster.authenticate(0, "erin", "erin")
    again.send(`<resume xmlns='${NS_SM}' previd='${phone.smId}' h='2'/>`)
    await again.waitFor(/<resumed |<failed/, 10_000)
    expect(again.text()).toMatch(/<resumed /)
    await logOut(alice)
  }, 30_000)

  it("pushes once for a phone sleeping on n1 when the message arrives on a node that joined later", async () => {
    const phone = await device(0, "frank", "phone")
    expect(await enablePush(phone.connection, "frank-phone")).toMatch(/type=["']result["']/)
    await sleep(phone)
    await settle(300)
    // n3 starts now: it must learn that n1 holds the registration bound before it serves.
    await cluster.addNode()
    const alice = await online(2, "alice", "desk6")
    alice.send(chatTo("frank@localhost", "for-frank"))
    await expect
      .poll(() => pushesWithBody("frank-phone", "for-frank").length, { timeout: 10_000 })
      .toBe(1)
    await settle(1500)
    expect(pushesWithBody("frank-phone", "for-frank")).toHaveLength(1)
    await logOut(alice)
  }, 60_000)
})
