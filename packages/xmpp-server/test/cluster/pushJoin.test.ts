// spec/cluster.md guarantee 3 for a node that joins later: a phone enabled XEP-0357 push and
// sleeps (hibernated) on n1 while n1 is the only node; n2 starts afterwards. A message sent on
// n2 gives one push, not two: n2 asks the running nodes which registrations they hold bound
// before it serves. Before, n2 learned the binding only at its next change, so it pushed for
// the message it archived while n1 pushed for the stanza queued to the sleeping phone.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type LocalCluster, startLocalCluster } from "../helpers/localCluster.js"
import { type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import type { TestServer } from "../helpers/testServer.js"
import { type AppServer, startAppServer } from "../push/appServer.js"
import { APP_SERVER, chatTo, enablePush, logOut, settle, sleep } from "../push/pushServer.js"
import { smLogin } from "../sm/smRaw.js"

let cluster: LocalCluster
let appServer: AppServer | undefined
const connections: Array<RawConnection> = []

const node = (index: number): TestServer => {
  const server = cluster.nodes[index]
  if (server === undefined) throw new Error(`no node ${index}`)
  return server
}

const pushesWithBody = (registration: string, body: string) =>
  (appServer?.pushesFor(registration) ?? []).filter(
    (push) => push.summary["last-message-body"] === body,
  )

beforeAll(async () => {
  cluster = await startLocalCluster({
    nodes: 1,
    config: {
      listen: {
        c2s: { tls: "optional", allow_plain_without_tls: true },
        component: { host: "127.0.0.1", port: 0 },
      },
      components: [{ domain: APP_SERVER, secret: "app-secret" }],
      modules: {
        stream_management: { resume_timeout: 1, ack_timeout: 60 },
        push: { coalescing_window_ms: 0, include_last_message_body: true, max_errors: 3 },
      },
    },
  })
  for (const user of ["alice", "bob"]) await node(0).addUser(user, user)
  appServer = await startAppServer(node(0).server.ports.component ?? 0, APP_SERVER, "app-secret")
}, 60_000)

afterAll(async () => {
  for (const connection of connections) connection.destroy()
  await appServer?.stop()
  await cluster?.stop()
}, 60_000)

describe("push on a node that joined after the registration was bound", () => {
  it("pushes once for a phone sleeping on n1 when the message arrives on n2", async () => {
    const { connection, id } = await smLogin(node(0).c2sPort, "bob", "bob", "phone")
    connections.push(connection)
    connection.send("<presence/>")
    expect(await enablePush(connection, "bob-phone")).toMatch(/type=["']result["']/)
    await sleep({ connection, smId: id })
    await settle(300)

    const joined = await cluster.addNode()
    const alice = await rawLogin(joined.c2sPort, "localhost", "alice", "alice", "desk")
    connections.push(alice)
    alice.send("<presence/>")
    alice.send(chatTo("bob@localhost", "for-bob"))
    await expect
      .poll(() => pushesWithBody("bob-phone", "for-bob").length, { timeout: 10_000 })
      .toBe(1)
    // Nothing more comes: one push for the one message in the whole cluster.
    await settle(1500)
    expect(pushesWithBody("bob-phone", "for-bob")).toHaveLength(1)
    await logOut(alice)
  }, 60_000)
})
