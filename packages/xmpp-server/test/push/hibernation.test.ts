// The hibernation timeout while a session has push (project push spec; XEP-0198 §5 with
// XEP-0357): a sleeping phone with push stays resumable past `resume_timeout`, one without push
// does not, and disabling push gives the session its usual timeout back; a connected client that
// stops acking (XEP-0198 ack delayed) gets pushes for what it did not ack. Registrations outlive
// a server restart (spec: stored durably).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
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
  tryToWake,
} from "./pushServer.js"

let bed: PushTestBed
beforeAll(async () => {
  bed = await startPushTestBed(
    { hibernation_timeout_with_push_ms: 5000, coalescing_window_ms: 0 },
    ["mona", "nils", "olga", "quin", "sender"],
    { resumeTimeout: 1, ackTimeout: 1 },
  )
})
afterAll(async () => {
  await bed.stop()
})

describe("hibernation timeout with push", () => {
  it("keeps a phone with push resumable past resume_timeout, not one without", async () => {
    const withPush = await device(bed, "mona", "phone")
    await enablePush(withPush.connection, "mona-phone")
    const withoutPush = await device(bed, "nils", "phone")
    await Promise.all([sleep(withPush), sleep(withoutPush)])
    await settle(1500)

    const refused = await tryToWake(bed, "nils", withoutPush)
    expect(refused.text()).toMatch(/<failed/)
    const resumed = await tryToWake(bed, "mona", withPush)
    expect(resumed.text()).toMatch(/<resumed/)
    await Promise.all([logOut(refused), logOut(resumed)])
  })

  it("gives the usual timeout back when push is disabled during hibernation", async () => {
    const phone = await device(bed, "olga", "phone")
    await enablePush(phone.connection, "olga-phone")
    await sleep(phone)
    await settle(1200)
    const laptop = await online(bed, "olga", "laptop")
    const reply = await iq(
      laptop,
      `<disable xmlns='urn:xmpp:push:0' jid='${APP_SERVER}' node='olga-phone'/>`,
    )
    expect(reply).toMatch(/type=["']result["']/)
    await settle(100)
    const refused = await tryToWake(bed, "olga", phone)
    expect(refused.text()).toMatch(/<failed/)
    await Promise.all([logOut(refused), logOut(laptop)])
  })
})

describe("ack delayed", () => {
  it("pushes a message written to a connected client that stopped acking", async () => {
    const phone = await device(bed, "quin", "phone")
    await enablePush(phone.connection, "quin-phone")
    const sender = await online(bed, "sender", "quin-test")
    sender.send(chatTo("quin@localhost/phone", "unacked"))
    await phone.connection.waitFor("<body>unacked</body>")
    const important = () =>
      bed.appServer
        .pushesFor("quin-phone")
        .filter((push) => push.summary["last-message-body"] !== undefined)
    await expect.poll(important, { timeout: 2500 }).toHaveLength(1)
    await Promise.all([logOut(sender), logOut(phone.connection)])
  })
})

describe("durable registrations", () => {
  it("pushes to a registration made before a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-push-restart-"))
    const first = await startPushTestBed({}, ["sender", "pia"], { dataDir })
    const pia = await online(first, "pia", "phone")
    await enablePush(pia, "pia-phone")
    await logOut(pia)
    await first.stop()

    const second = await startPushTestBed({}, ["sender", "pia"], { dataDir })
    const sender = await online(second, "sender", "pia-test")
    sender.send(chatTo("pia@localhost", "after-restart"))
    await expect.poll(() => second.appServer.pushesFor("pia-phone").length).toBe(1)
    await logOut(sender)
    await second.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })
})
