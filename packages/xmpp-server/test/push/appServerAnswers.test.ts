// XEP-0357 §6 and §7.1 end to end: disabling with and without a node, app server errors counted
// up to `max_errors` (then the registration is disabled), `wait` errors and silence not counted,
// the coalescing window (project push spec rule 7), publish-options echoed, an app server on a
// local JID (publish delivered, its error answers counted). The app server is otherwise a real
// XEP-0114 component.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  APP_SERVER,
  chatTo,
  enablePush,
  iq,
  logOut,
  online,
  type PushTestBed,
  settle,
  startPushTestBed,
} from "./pushServer.js"

let bed: PushTestBed
let coalescing: PushTestBed
beforeAll(async () => {
  const users = ["sender", "hank", "ines", "jack", "kate", "liam", "rita", "sam"]
  ;[bed, coalescing] = await Promise.all([
    startPushTestBed({ coalescing_window_ms: 0, max_errors: 3, push_timeout_ms: 300 }, users),
    startPushTestBed({ coalescing_window_ms: 400 }, users),
  ])
})
afterAll(async () => {
  await Promise.all([bed.stop(), coalescing.stop()])
})

/** Registers `user` for push on `node` from a session that then logs out (the user is offline). */
const registerOffline = async (target: PushTestBed, user: string, node: string) => {
  const connection = await online(target, user, node)
  expect(await enablePush(connection, node)).toMatch(/type=["']result["']/)
  await logOut(connection)
}

describe("app server answers", () => {
  it("disables a registration after max_errors errors in a row", async () => {
    await registerOffline(bed, "hank", "fail-hank")
    const sender = await online(bed, "sender", "hank-test")
    for (const count of [1, 2, 3]) {
      sender.send(chatTo("hank@localhost", `error-${count}`))
      await expect.poll(() => bed.appServer.pushesFor("fail-hank").length).toBe(count)
    }
    await settle()
    sender.send(chatTo("hank@localhost", "after-disable"))
    await settle(400)
    expect(bed.appServer.pushesFor("fail-hank")).toHaveLength(3)
    await logOut(sender)
  })

  it("never counts wait errors nor silence", async () => {
    await registerOffline(bed, "ines", "wait-ines")
    await registerOffline(bed, "ines", "silent-ines")
    const sender = await online(bed, "sender", "ines-test")
    for (const count of [1, 2, 3, 4, 5]) {
      sender.send(chatTo("ines@localhost", `wait-${count}`))
      await expect.poll(() => bed.appServer.pushesFor("wait-ines").length).toBe(count)
      await expect.poll(() => bed.appServer.pushesFor("silent-ines").length).toBe(count)
      await settle(350)
    }
    await logOut(sender)
  })

  it("disables one node, then every node of the app server", async () => {
    const jack = await online(bed, "jack", "phone")
    await enablePush(jack, "jack-one")
    await enablePush(jack, "jack-two")
    const disableOne = await iq(
      jack,
      `<disable xmlns='urn:xmpp:push:0' jid='${APP_SERVER}' node='jack-one'/>`,
    )
    expect(disableOne).toMatch(/type=["']result["']/)
    await logOut(jack)
    const sender = await online(bed, "sender", "jack-test")
    sender.send(chatTo("jack@localhost", "one-disabled"))
    await expect.poll(() => bed.appServer.pushesFor("jack-two").length).toBe(1)
    expect(bed.appServer.pushesFor("jack-one")).toHaveLength(0)

    const again = await online(bed, "jack", "laptop")
    const disableAll = await iq(again, `<disable xmlns='urn:xmpp:push:0' jid='${APP_SERVER}'/>`)
    expect(disableAll).toMatch(/type=["']result["']/)
    const nothingLeft = await iq(again, `<disable xmlns='urn:xmpp:push:0' jid='${APP_SERVER}'/>`)
    expect(nothingLeft).toMatch(/type=["']result["']/)
    await logOut(again)
    sender.send(chatTo("jack@localhost", "all-disabled"))
    await settle(400)
    expect(bed.appServer.pushesFor("jack-two")).toHaveLength(1)
    await logOut(sender)
  })

  it("echoes the publish-options form given at enable", async () => {
    const kate = await online(bed, "kate", "phone")
    const form =
      "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='secret'><value>token-42</value></field></x>"
    const reply = await iq(
      kate,
      `<enable xmlns='urn:xmpp:push:0' jid='${APP_SERVER}' node='kate-node'>${form}</enable>`,
    )
    expect(reply).toMatch(/type=["']result["']/)
    await logOut(kate)
    const sender = await online(bed, "sender", "kate-test")
    sender.send(chatTo("kate@localhost", "with-options"))
    await expect.poll(() => bed.appServer.pushesFor("kate-node").length).toBe(1)
    expect(bed.appServer.pushesFor("kate-node")[0]?.publishOptions).toEqual({ secret: "token-42" })
    await logOut(sender)
  })
})

describe("an app server on a local JID", () => {
  it("gets the publish, and its error answers count up to max_errors", async () => {
    const app = await online(bed, "rita", "app")
    const sam = await online(bed, "sam", "phone")
    const reply = await iq(
      sam,
      "<enable xmlns='urn:xmpp:push:0' jid='rita@localhost/app' node='sam-node'/>",
    )
    expect(reply).toMatch(/type=["']result["']/)
    await logOut(sam)
    const sender = await online(bed, "sender", "sam-test")
    const publishes = () => [...app.text().matchAll(/<iq[^>]*type=["']set["'][\s\S]*?<\/iq>/g)]
    for (const count of [1, 2, 3]) {
      sender.send(chatTo("sam@localhost", `to-local-app-${count}`))
      await expect.poll(() => publishes().length).toBe(count)
      const publish = publishes()[count - 1]?.[0] ?? ""
      expect(publish).toMatch(/<publish node=["']sam-node["']>/)
      expect(publish).toMatch(/from=["']localhost["']/)
      const id = /id=["']([^"']+)["']/.exec(publish)?.[1]
      app.send(
        `<iq type='error' id='${id}' to='localhost'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
      )
    }
    await settle()
    sender.send(chatTo("sam@localhost", "after-three-errors"))
    await settle(400)
    expect(publishes()).toHaveLength(3)
    await Promise.all([logOut(sender), logOut(app)])
  })
})

describe("coalescing window", () => {
  it("sends one push at once and folds the rest of the window into one more", async () => {
    await registerOffline(coalescing, "liam", "liam-phone")
    const sender = await online(coalescing, "sender", "liam-test")
    for (const count of [1, 2, 3, 4, 5]) sender.send(chatTo("liam@localhost", `burst-${count}`))
    await expect.poll(() => coalescing.appServer.pushesFor("liam-phone").length).toBe(1)
    await expect
      .poll(() => coalescing.appServer.pushesFor("liam-phone").length, { timeout: 2000 })
      .toBe(2)
    await settle(600)
    const summaries = coalescing.appServer.pushesFor("liam-phone").map((push) => push.summary)
    expect(summaries).toEqual([
      { "message-count": "1", "last-message-body": "New Message!" },
      { "message-count": "5", "last-message-body": "New Message!" },
    ])
    await logOut(sender)
  })
})
