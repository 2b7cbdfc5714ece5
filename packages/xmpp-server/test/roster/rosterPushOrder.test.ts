// A roster set is pushed once its group commit is durable, a subscription change at once
// (issue 25 item 2). When both change the same item in one socket read, the last push the
// client gets must hold the item's final state (name and the pending subscribe), not the
// older state of the set.
import { afterAll, beforeAll, expect, it, vi } from "vitest"
import { type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { storedItem } from "../helpers/storedRoster.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"

let test: TestServer
let alice: RawConnection | undefined

beforeAll(async () => {
  test = await startTestServer({
    config: { listen: { c2s: { tls: "optional", allow_plain_without_tls: true } } },
  })
  await test.addUser("alice", "alice-pass")
  await test.addUser("bob", "bob-pass")
})
afterAll(async () => {
  alice?.destroy()
  await test.stop()
})

it("ends with a push of the item's final state when a set and a subscribe meet", async () => {
  alice = await rawLogin(test.c2sPort, "localhost", "alice", "alice-pass", "desk")
  alice.send("<iq type='get' id='get'><query xmlns='jabber:iq:roster'/></iq>")
  await alice.waitFor('id="get"')
  alice.send(
    "<iq type='set' id='name'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' name='Bob'/></query></iq>" +
      "<presence to='bob@localhost' type='subscribe'/>",
  )
  await alice.waitFor('id="name"')
  const text = await alice.waitFor((received) => received.split('jid="bob@localhost"').length >= 3)
  const pushes = [...text.matchAll(/<item jid="bob@localhost"[^>]*>/g)].map((match) => match[0])
  expect(pushes.at(-1)).toContain('name="Bob"')
  expect(pushes.at(-1)).toContain('ask="subscribe"')
  // The subscription's write is committed with the next group commit: wait for it.
  await vi.waitFor(
    async () =>
      expect(await storedItem(test.server, "alice", "bob@localhost")).toMatchObject({
        name: "Bob",
        ask_out: true,
      }),
    { timeout: 10_000 },
  )
})
