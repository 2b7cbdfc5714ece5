// XEP-0357 push end to end, driven by session state (project push spec rules 1–6): a phone that
// hibernates and resumes, a desktop online while the phone's session is gone, a user fully
// offline, CSI-held presence, important vs unimportant summaries, and disco#info (§3). The app
// server is a real XEP-0114 component that records every publish.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  APP_SERVER,
  chatTo,
  device,
  enablePush,
  iq,
  logOut,
  online,
  type PushTestBed,
  settle,
  sleep,
  startPushTestBed,
  wake,
} from "./pushServer.js"

let bed: PushTestBed
beforeAll(async () => {
  bed = await startPushTestBed({ coalescing_window_ms: 0 }, [
    "sender",
    "carol",
    "dave",
    "erin",
    "frank",
    "gwen",
  ])
})
afterAll(async () => {
  await bed.stop()
})

const pushes = (node: string) => bed.appServer.pushesFor(node)
/** Important pushes carry a last-message-body (the placeholder by default). */
const importantPushes = (node: string) =>
  pushes(node).filter((push) => push.summary["last-message-body"] !== undefined)

describe("push notifications driven by session state", () => {
  it("lists urn:xmpp:push:0 in the account's disco#info", async () => {
    const carol = await online(bed, "carol", "disco")
    carol.send(
      "<iq type='get' id='disco-1' to='carol@localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
    )
    const text = await carol.waitFor(/id=["']disco-1["'][\s\S]*?<\/iq>/)
    expect(text).toMatch(/<feature var=["']urn:xmpp:push:0["']\/>/)
    await logOut(carol)
  })

  it("pushes to a hibernated phone's own registration only while it sleeps", async () => {
    const sender = await online(bed, "sender", "carol-test")
    const tablet = await online(bed, "carol", "tablet")
    expect(await enablePush(tablet, "carol-tablet")).toMatch(/type=["']result["']/)
    const phone = await device(bed, "carol", "phone")
    expect(await enablePush(phone.connection, "carol-phone")).toMatch(/type=["']result["']/)
    await sleep(phone)
    // The stanzas it never acked (the enable result at least) are pushed once it hibernated.
    await expect.poll(() => pushes("carol-phone").length).toBeGreaterThan(0)

    sender.send(chatTo("carol@localhost", "while-asleep"))
    await expect.poll(() => importantPushes("carol-phone").length).toBe(1)
    expect(importantPushes("carol-phone")[0]).toMatchObject({
      from: "localhost",
      summary: { "message-count": "1", "last-message-body": "New Message!" },
    })
    const pushedWhileAsleep = pushes("carol-phone").length

    const awake = await wake(bed, "carol", phone)
    await awake.connection.waitFor("<body>while-asleep</body>")
    sender.send(chatTo("carol@localhost", "while-awake"))
    await awake.connection.waitFor("<body>while-awake</body>")
    await settle()
    expect(pushes("carol-phone")).toHaveLength(pushedWhileAsleep)
    expect(pushes("carol-tablet")).toHaveLength(0)
    await Promise.all([logOut(sender), logOut(tablet), logOut(awake.connection)])
  })

  it("pushes archived messages to the sleeping phone, never to the online desktop", async () => {
    const phone = await online(bed, "dave", "phone")
    await enablePush(phone, "dave-phone")
    await logOut(phone)
    const desktop = await online(bed, "dave", "desktop")
    await enablePush(desktop, "dave-desktop")
    const sender = await online(bed, "sender", "dave-test")

    sender.send(chatTo("dave@localhost", "to-dave"))
    await desktop.waitFor("<body>to-dave</body>")
    await expect.poll(() => pushes("dave-phone").length).toBe(1)
    await settle()
    expect(pushes("dave-phone")).toHaveLength(1)
    expect(pushes("dave-desktop")).toHaveLength(0)
    await Promise.all([logOut(sender), logOut(desktop)])
  })

  it("pushes each offline message once to every registration (archive + offline: no duplicate)", async () => {
    for (const resource of ["one", "two"]) {
      const connection = await online(bed, "erin", resource)
      await enablePush(connection, `erin-${resource}`)
      await logOut(connection)
    }
    const sender = await online(bed, "sender", "erin-test")
    sender.send(chatTo("erin@localhost", "first"))
    sender.send(chatTo("erin@localhost", "second"))
    await expect.poll(() => pushes("erin-one").length + pushes("erin-two").length).toBe(4)
    await settle()
    expect(pushes("erin-one").map((push) => push.summary["message-count"])).toEqual(["1", "2"])
    expect(pushes("erin-two").map((push) => push.summary["message-count"])).toEqual(["1", "2"])
    await logOut(sender)
  })

  it("never pushes presence CSI holds back, but does push a message", async () => {
    const phone = await device(bed, "frank", "phone")
    await enablePush(phone.connection, "frank-phone")
    phone.connection.send("<inactive xmlns='urn:xmpp:csi:0'/>")
    await sleep(phone)
    const sender = await online(bed, "sender", "frank-test")

    sender.send("<presence to='frank@localhost/phone'><show>away</show></presence>")
    await settle()
    expect(pushes("frank-phone")).toHaveLength(0)
    sender.send(chatTo("frank@localhost/phone", "wake-up"))
    await expect.poll(() => pushes("frank-phone").length).toBe(1)
    expect(pushes("frank-phone")[0]?.summary["last-message-body"]).toBe("New Message!")
    await logOut(sender)
  })

  it("sends an unimportant summary for a chat state and an important one for a body", async () => {
    const phone = await device(bed, "gwen", "phone")
    await enablePush(phone.connection, "gwen-phone")
    await sleep(phone)
    await expect.poll(() => pushes("gwen-phone").length).toBeGreaterThan(0)
    const sender = await online(bed, "sender", "gwen-test")
    await settle()
    const before = pushes("gwen-phone").length

    sender.send(
      "<message type='chat' to='gwen@localhost/phone' id='typing'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
    )
    await expect.poll(() => pushes("gwen-phone").length).toBe(before + 1)
    sender.send(chatTo("gwen@localhost/phone", "said-something"))
    await expect.poll(() => pushes("gwen-phone").length).toBe(before + 2)
    const [unimportant, important] = pushes("gwen-phone").slice(before)
    expect(unimportant?.summary).toEqual({ "message-count": "0" })
    expect(important?.summary).toEqual({
      "message-count": "1",
      "last-message-body": "New Message!",
    })
    await logOut(sender)
  })

  it("refuses an enable without node, one naming the user's own JID, one for another account", async () => {
    const carol = await online(bed, "carol", "refusals")
    const noNode = await iq(carol, `<enable xmlns='urn:xmpp:push:0' jid='${APP_SERVER}'/>`)
    expect(noNode).toMatch(/type=["']error["'][\s\S]*bad-request/)
    const ownJid = await iq(
      carol,
      "<enable xmlns='urn:xmpp:push:0' jid='carol@localhost' node='x'/>",
    )
    expect(ownJid).toMatch(/type=["']error["'][\s\S]*bad-request/)
    carol.send(
      `<iq type='set' id='other-account' to='dave@localhost'><enable xmlns='urn:xmpp:push:0' jid='${APP_SERVER}' node='x'/></iq>`,
    )
    const text = await carol.waitFor(/id=["']other-account["'][\s\S]*?<\/iq>/)
    expect(/<iq[^>]*id=["']other-account["'][\s\S]*?<\/iq>/.exec(text)?.[0]).toMatch(
      /type=["']error["'][\s\S]*forbidden/,
    )
    await logOut(carol)
  })
})
