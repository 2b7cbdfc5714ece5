// Spec/amp.md §5: an AMP reply whose sender session is gone is routed like a normal message to
// an absent resource (RFC 6121 §8.5.3.2.1): to the sender's other available resources at once,
// else kept in the sender's offline storage for their next login, whatever the resource. The
// sender writes from "phone", which goes away before the `expire-at` time; the reply (an alert,
// a notify, an AMP error) then reaches "laptop" if it is online, or the next resource to log in.
import { afterEach, describe, expect, it } from "vitest"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login, pause, roundTrip } from "../offline/clients.js"
import { ampErrorOf, ampMessage, ampOf, befriend, NS_AMP, rule, withId } from "./ampClients.js"

const NS_DELAY = "urn:xmpp:delay"
const recipient = "erin@localhost"

let server: TestServer | undefined
const clients: Array<TestClient> = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop().catch(() => undefined)))
  await server?.stop()
  server = undefined
})

const started = async (): Promise<TestServer> => {
  server = await startTestServer({ config: { modules: { amp: { expiry_check_ms: 50 } } } })
  for (const user of ["alice", "erin"]) await server.addUser(user, `${user}-pass`)
  await befriend(server, "alice", "erin")
  return server
}

const online = async (at: TestServer, username: string, resource: string, priority = 0) => {
  const client = await login(at, username, resource, priority)
  clients.push(client)
  return client
}

/** Seconds from sending until the rule is due: time enough to send and leave under load. */
const dueInSeconds = 2

/**
 * alice/phone sends `id` to offline erin with one `expire-at` rule of `action`, makes sure the
 * server has it, and goes away before the rule is due. Returns the rules and when they fall due.
 */
const sendFromPhoneAndLeave = async (at: TestServer, id: string, action: string) => {
  const phone = await online(at, "alice", "phone")
  const due = Date.now() + dueInSeconds * 1000
  const rules = [rule("expire-at", new Date(due).toISOString(), action)]
  await phone.send(ampMessage(recipient, id, rules))
  await roundTrip(phone)
  await phone.stop()
  return { rules, due }
}

/** Resolves once the rule due at `due` has fired (the spec allows one second). */
const afterFiring = (due: number) => pause(Math.max(0, due + 1500 - Date.now()))

/** The reply with `id` from the server's domain, addressed to alice/phone, as `client` got it. */
const replyFor = (client: TestClient, id: string, timeoutMs = 8000) =>
  client.waitFor(
    (stanza) => stanza.is("message") && stanza.attrs.id === id && stanza.attrs.from === "localhost",
    timeoutMs,
  )

describe("AMP replies follow the sender when the sending session is gone", () => {
  it("an expire-at alert reaches the sender's laptop at once when the phone has gone", async () => {
    const at = await started()
    const laptop = await online(at, "alice", "laptop")
    const { rules } = await sendFromPhoneAndLeave(at, "follow-alert", "alert")

    const alert = await replyFor(laptop, "follow-alert")
    expect(alert.attrs.to).toBe("alice@localhost/phone")
    expect(alert.getChild("body")).toBeUndefined()
    expect(alert.getChild("delay", NS_DELAY)).toBeUndefined()
    expect(ampOf(alert)).toEqual({
      status: "alert",
      from: "alice@localhost/phone",
      to: recipient,
      rules,
    })
    // Delivered, so not also kept for the next login; and erin never gets the message.
    const tablet = await online(at, "alice", "tablet")
    const erin = await online(at, "erin", "home")
    await roundTrip(tablet)
    await roundTrip(erin)
    await pause(200)
    expect(withId(tablet, "follow-alert")).toEqual([])
    expect(withId(erin, "follow-alert")).toEqual([])
    expect(withId(laptop, "follow-alert")).toHaveLength(1)
  }, 30_000)

  it("a notify waits in offline storage when no other resource is available, for the next login of any resource", async () => {
    const at = await started()
    // Online but with a negative priority: not a resource a message to an absent one goes to.
    const shy = await online(at, "alice", "shy", -1)
    const { rules, due } = await sendFromPhoneAndLeave(at, "follow-notify", "notify")
    await afterFiring(due)
    await roundTrip(shy)
    expect(withId(shy, "follow-notify")).toEqual([])

    const tablet = await online(at, "alice", "tablet")
    const notify = await replyFor(tablet, "follow-notify")
    expect(notify.attrs.to).toBe("alice@localhost/phone")
    expect(notify.getChild("delay", NS_DELAY)?.attrs.from).toBe("localhost")
    expect(ampOf(notify)).toEqual({
      status: "notify",
      from: "alice@localhost/phone",
      to: recipient,
      rules,
    })
    // notify only tells the sender: erin still gets the message, without alice's <amp/>.
    const erin = await online(at, "erin", "home")
    const copy = await erin.waitFor((stanza) => stanza.attrs.id === "follow-notify", 5000)
    expect(copy.getChildText("body")).toBe("body of follow-notify")
    expect(copy.getChild("amp", NS_AMP)).toBeUndefined()
  }, 30_000)

  it("an AMP error reaches the laptop at once, or waits for the next login when none is online", async () => {
    const at = await started()
    const laptop = await online(at, "alice", "laptop")
    const { rules } = await sendFromPhoneAndLeave(at, "follow-error", "error")
    const error = await replyFor(laptop, "follow-error")
    expect(error.attrs.type).toBe("error")
    expect(error.attrs.to).toBe("alice@localhost/phone")
    expect(ampOf(error)).toMatchObject({ status: "error", from: "alice@localhost/phone", rules })
    expect(ampErrorOf(error)).toMatchObject({
      code: "500",
      condition: "undefined-condition",
      rules,
    })

    await laptop.stop()
    const { rules: later, due } = await sendFromPhoneAndLeave(at, "follow-error-later", "error")
    await afterFiring(due)
    const tablet = await online(at, "alice", "tablet")
    const stored = await replyFor(tablet, "follow-error-later")
    expect(stored.attrs.type).toBe("error")
    expect(ampErrorOf(stored)).toMatchObject({ code: "500", rules: later })
    const erin = await online(at, "erin", "home")
    await roundTrip(erin)
    await pause(200)
    expect(withId(erin, "follow-error")).toEqual([])
    expect(withId(erin, "follow-error-later")).toEqual([])
  }, 30_000)
})
