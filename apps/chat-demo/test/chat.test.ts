// Browser end to end: two people in two browser contexts sign in to the demo served by the
// reference server, become contacts through a subscription request (RFC 6121 §3), see each
// other's presence, and chat; the sender sees each message's delivery status.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { befriend, ensureAccount } from "../server/demoServer.js"
import { type AppUser, openApp } from "./helpers/appPage.js"
import { type Harness, startHarness } from "./helpers/demoHarness.js"

let harness: Harness
const users: AppUser[] = []

const open = async (viewport?: { width: number; height: number }): Promise<AppUser> => {
  const user = await openApp(harness.browser, harness.url, viewport)
  users.push(user)
  return user
}

beforeAll(async () => {
  harness = await startHarness()
  for (const [name, password] of [
    ["alice", "alice-password"],
    ["bob", "bob-password"],
    ["carol", "carol-password"],
    ["dave", "dave-password"],
    ["erin", "erin-password"],
    ["grace", "grace-password"],
    ["heidi", "heidi-password"],
  ] as const) {
    await ensureAccount(harness.demo.server.repositories.accounts, name, password)
  }
  await befriend(harness.demo.server.rosters, "localhost", "dave", "erin")
  await befriend(harness.demo.server.rosters, "localhost", "grace", "heidi")
})

afterEach(async () => {
  for (const user of users.splice(0)) {
    expect(user.errors).toEqual([])
    await user.close()
  }
})

afterAll(async () => {
  await harness?.stop()
})

describe("chat between two people", () => {
  it("adds a contact, shares presence and exchanges messages with delivery status", async () => {
    const alice = await open()
    const bob = await open()
    await alice.signIn("alice", "alice-password")
    await bob.signIn("bob", "bob-password")

    await alice.page.getByLabel("Add a contact").fill("bob@localhost")
    await alice.page.getByRole("button", { name: "Add", exact: true }).click()
    await expect
      .poll(() => bob.page.getByText("alice@localhost wants to chat with you").count())
      .toBe(1)
    await bob.page.getByRole("button", { name: "Accept alice@localhost" }).click()

    const bobInAlicesList = alice.page.locator('button.contact[data-jid="bob@localhost"]')
    const aliceInBobsList = bob.page.locator('button.contact[data-jid="alice@localhost"]')
    await expect.poll(() => bobInAlicesList.locator(".contact-state").textContent()).toBe("online")
    await expect.poll(() => aliceInBobsList.locator(".contact-state").textContent()).toBe("online")

    await alice.openConversation("bob@localhost")
    await alice.send("Hi Bob, are you there?", { tellWhenDelivered: true })
    await bob.openConversation("alice@localhost")
    await expect
      .poll(() => bob.page.locator(".message.in").first().locator(".body").textContent())
      .toBe("Hi Bob, are you there?")
    await expect
      .poll(() => alice.statusOf("Hi Bob, are you there?").textContent())
      .toBe("Delivered")

    await bob.send("Yes! Hello Alice.")
    await expect
      .poll(() => alice.page.locator(".message.in .body").last().textContent())
      .toBe("Yes! Hello Alice.")
    await alice.screenshot("chat-two-people-alice")
    await bob.screenshot("chat-two-people-bob")
  })

  it("shows a clear error for a wrong password and stays on the sign-in screen", async () => {
    const carol = await open()
    await carol.page.getByLabel("Username").fill("carol")
    await carol.page.getByLabel("Password").fill("not-her-password")
    await carol.page.getByRole("button", { name: "Sign in", exact: true }).click()
    await expect
      .poll(() => carol.page.getByRole("alert").textContent())
      .toBe("Wrong username or password.")
    await carol.screenshot("sign-in-wrong-password")
  })

  it("on a phone, shows the contact list and the conversation one at a time", async () => {
    const erin = await open()
    await erin.signIn("erin", "erin-password")
    const dave = await open({ width: 390, height: 844 })
    await dave.signIn("dave", "dave-password")
    const conversation = dave.page.getByRole("region", { name: "erin" })
    const contacts = dave.page.getByRole("navigation", { name: "Contacts" })
    expect(await conversation.isVisible()).toBe(false)
    await dave.openConversation("erin@localhost")
    expect(await contacts.isVisible()).toBe(false)
    await dave.send("Sent from my phone", { tellWhenDelivered: false })
    await expect.poll(() => dave.statusOf("Sent from my phone").textContent()).toBe("Sent")
    await expect
      .poll(() =>
        erin.page.locator('button.contact[data-jid="dave@localhost"] .count').textContent(),
      )
      .toBe("1")
    await dave.screenshot("phone-conversation")
    await dave.page.getByRole("button", { name: "Back to contacts" }).click()
    expect(await contacts.isVisible()).toBe(true)
  })

  it("a message to a contact who is offline waits on the server and arrives at sign-in", async () => {
    const grace = await open()
    await grace.signIn("grace", "grace-password")
    await grace.openConversation("heidi@localhost")
    await grace.send("Are we still on for Friday?", { tellWhenDelivered: true })
    await expect
      .poll(() => grace.page.locator(".presence").textContent())
      .toBe("offline — messages wait on the server")

    const heidi = await open()
    await heidi.signIn("heidi", "heidi-password")
    await heidi.openConversation("grace@localhost")
    const received = heidi.page.locator(".message.in").first()
    await expect
      .poll(() => received.locator(".body").textContent())
      .toBe("Are we still on for Friday?")
    expect(await received.locator(".tag").textContent()).toBe("waited for you")
    await expect
      .poll(() => grace.statusOf("Are we still on for Friday?").textContent())
      .toBe("Delivered")
    await grace.screenshot("offline-message-delivered-at-sign-in")
    await heidi.screenshot("offline-message-received")
  })
})
