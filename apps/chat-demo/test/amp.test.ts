// Browser end to end with AMP (XEP-0079) on the reference server: what the sender sees for a
// message to an offline contact that is stored, one that must not be stored (§5.3), and one
// that expires while waiting (§5.2); and the support panel built from discovery (§2.1.1).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { befriend, ensureAccount } from "../server/demoServer.js"
import { type AppUser, openApp } from "./helpers/appPage.js"
import { type Harness, startHarness } from "./helpers/demoHarness.js"

let harness: Harness
const users: AppUser[] = []

const open = async (): Promise<AppUser> => {
  const user = await openApp(harness.browser, harness.url)
  users.push(user)
  return user
}

/** Two fresh accounts that are mutual contacts; returns their usernames. */
const pair = async (name: string): Promise<readonly [string, string]> => {
  const sender = `${name}-sender`
  const recipient = `${name}-recipient`
  await ensureAccount(harness.demo.server.repositories.accounts, sender, "sender-password")
  await ensureAccount(harness.demo.server.repositories.accounts, recipient, "recipient-password")
  await befriend(harness.demo.server.rosters, "localhost", sender, recipient)
  return [sender, recipient]
}

beforeAll(async () => {
  harness = await startHarness()
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

describe("delivery status from AMP replies", () => {
  it("a message to an offline contact shows 'Stored', then arrives when they sign in", async () => {
    const [sender, recipient] = await pair("stored")
    const alice = await open()
    await alice.signIn(sender, "sender-password")
    await alice.openConversation(`${recipient}@localhost`)
    await alice.send("See you tomorrow at ten", { tellWhenDelivered: true })
    await expect
      .poll(() => alice.statusOf("See you tomorrow at ten").textContent(), { timeout: 10_000 })
      .toBe("Stored")
    expect(await alice.detailOf("See you tomorrow at ten").textContent()).toBe(
      `Stored: ${recipient} is offline and gets it at their next sign-in.`,
    )
    await alice.screenshot("amp-stored-before-sign-in")

    const bob = await open()
    await bob.signIn(recipient, "recipient-password")
    await bob.openConversation(`${sender}@localhost`)
    await expect
      .poll(() => bob.page.locator(".message.in .body").first().textContent(), { timeout: 10_000 })
      .toBe("See you tomorrow at ten")
    expect(await bob.page.locator(".message.in .tag").first().textContent()).toBe("waited for you")
    await expect
      .poll(() => alice.statusOf("See you tomorrow at ten").textContent(), { timeout: 10_000 })
      .toBe("Delivered")
    await alice.screenshot("amp-stored-then-delivered")
  })

  it("a 'don't store' message to an offline contact shows it was not stored", async () => {
    const [sender, recipient] = await pair("transient")
    const alice = await open()
    await alice.signIn(sender, "sender-password")
    await alice.openConversation(`${recipient}@localhost`)
    await alice.send("Call me now if you can", { doNotStore: true })
    await expect
      .poll(() => alice.statusOf("Call me now if you can").textContent(), { timeout: 10_000 })
      .toBe("Not stored")
    expect(await alice.detailOf("Call me now if you can").textContent()).toBe(
      `Not stored: ${recipient} was offline and you chose not to store it.`,
    )
    await alice.screenshot("amp-transient-not-stored")

    const bob = await open()
    await bob.signIn(recipient, "recipient-password")
    await bob.openConversation(`${sender}@localhost`)
    await bob.page.getByText("No messages yet. Say hello!").waitFor()
  })

  it("a message that expires while the contact is offline shows 'Expired' and never arrives", {
    timeout: 150_000,
  }, async () => {
    const [sender, recipient] = await pair("expiring")
    const alice = await open()
    await alice.signIn(sender, "sender-password")
    await alice.openConversation(`${recipient}@localhost`)
    await alice.send("Lunch in the park?", { tellWhenDelivered: true, expireAfterMinutes: 1 })
    await expect
      .poll(() => alice.statusOf("Lunch in the park?").textContent(), { timeout: 10_000 })
      .toBe("Stored")
    await expect
      .poll(() => alice.statusOf("Lunch in the park?").textContent(), {
        timeout: 80_000,
        interval: 1000,
      })
      .toBe("Expired")
    expect(await alice.detailOf("Lunch in the park?").textContent()).toBe(
      `Expired: ${recipient} did not get it in time, so the server deleted it.`,
    )
    await alice.screenshot("amp-expired")

    const bob = await open()
    await bob.signIn(recipient, "recipient-password")
    await bob.openConversation(`${sender}@localhost`)
    await bob.page.getByText("No messages yet. Say hello!").waitFor()
  })

  it("the support panel lists the AMP actions and conditions the server offers", async () => {
    const [sender] = await pair("support")
    const alice = await open()
    await alice.signIn(sender, "sender-password")
    const amp = alice.page.locator(".support li", { hasText: "Delivery options (AMP, XEP-0079)" })
    await expect.poll(() => amp.getAttribute("class"), { timeout: 10_000 }).toBe("yes")
    const detail = await amp.locator(".feature-detail").textContent()
    for (const name of [
      "alert",
      "drop",
      "error",
      "notify",
      "deliver",
      "expire-at",
      "match-resource",
    ])
      expect(detail).toContain(name)
    await alice.screenshot("support-panel")
  })

  it("a conversation mixing options shows each message's own status", async () => {
    await ensureAccount(harness.demo.server.repositories.accounts, "alice", "alice-password")
    await ensureAccount(harness.demo.server.repositories.accounts, "bob", "bob-password")
    await befriend(harness.demo.server.rosters, "localhost", "alice", "bob")
    const alice = await open()
    await alice.signIn("alice", "alice-password")
    await alice.openConversation("bob@localhost")
    await alice.send("Landed! Call me when you wake up.", { tellWhenDelivered: true })
    await alice.send("I'm at the gate now", { doNotStore: true, tellWhenDelivered: true })
    await expect
      .poll(() => alice.statusOf("I'm at the gate now").textContent(), { timeout: 10_000 })
      .toBe("Not stored")
    await expect
      .poll(() => alice.statusOf("Landed! Call me when you wake up.").textContent())
      .toBe("Stored")

    const bob = await open()
    await bob.signIn("bob", "bob-password")
    await bob.openConversation("alice@localhost")
    await expect
      .poll(() => alice.statusOf("Landed! Call me when you wake up.").textContent(), {
        timeout: 10_000,
      })
      .toBe("Delivered")
    expect(await bob.page.locator(".message.in .body").allTextContents()).toEqual([
      "Landed! Call me when you wake up.",
    ])
    await bob.send("Welcome back! Calling you in 5.")
    await alice.page.getByText("Welcome back! Calling you in 5.").waitFor()
    await alice.send("Great, only on this phone please", {
      tellWhenDelivered: true,
      doNotStore: false,
      onlyThisDevice: true,
    })
    await expect
      .poll(() => alice.statusOf("Great, only on this phone please").textContent(), {
        timeout: 10_000,
      })
      .toBe("Delivered")
    await alice.screenshot("amp-conversation-mixed-options")
  })
})
