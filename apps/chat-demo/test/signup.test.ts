// Sign-up in the browser with XEP-0077 in-band registration (§3.1), then sign-in; a taken
// username is explained in words (§3.1 conflict).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { type AppUser, openApp } from "./helpers/appPage.js"
import { type Harness, startHarness } from "./helpers/demoHarness.js"

let harness: Harness
const users: AppUser[] = []

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

describe("sign-up", () => {
  it("creates an account in the app and signs in with it; a taken name is refused", async () => {
    const frank = await openApp(harness.browser, harness.url)
    users.push(frank)
    await frank.signUp("frank", "a good password")
    expect(await frank.page.locator(".topbar .me").textContent()).toBe("frank@localhost")
    expect(await harness.demo.server.repositories.accounts.get("frank")).toMatchObject({
      username: "frank",
    })
    await frank.screenshot("sign-up-signed-in")

    const other = await openApp(harness.browser, harness.url)
    users.push(other)
    await other.page.getByRole("button", { name: "Create an account" }).click()
    await other.page.getByLabel("Username").fill("frank")
    await other.page.getByLabel("Password").fill("another password")
    await other.page.getByRole("button", { name: "Create account", exact: true }).click()
    await expect
      .poll(() => other.page.getByRole("alert").textContent())
      .toBe("That username is taken. Pick another one.")
    await other.screenshot("sign-up-name-taken")
  })
})
