// Drives the chat app in one browser context the way a person would: by labels, roles and
// visible text. Collects console errors and page errors so tests can assert there are none.
import { join } from "node:path"
import type { Browser, Locator, Page } from "playwright-core"
import { screenshotDir } from "./demoHarness.js"

/** One person using the app in their own browser context. */
export interface AppUser {
  readonly page: Page
  /** Console errors and uncaught exceptions seen so far. */
  readonly errors: string[]
  signIn(username: string, password: string): Promise<void>
  signUp(username: string, password: string): Promise<void>
  openConversation(jid: string): Promise<void>
  /** Sends `text` with the named options ticked (others as they are by default). */
  send(text: string, options?: SendChoices): Promise<void>
  /** The status chip of the sent message with `text`. */
  statusOf(text: string): Locator
  /** The explanation under the sent message with `text`. */
  detailOf(text: string): Locator
  screenshot(name: string): Promise<void>
  close(): Promise<void>
}

/** Delivery options to tick before sending. */
export interface SendChoices {
  readonly tellWhenDelivered?: boolean
  readonly doNotStore?: boolean
  readonly expireAfterMinutes?: number
  readonly onlyThisDevice?: boolean
}

/** Opens the app at `url` in a fresh context of `browser`. */
export const openApp = async (
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 800 },
): Promise<AppUser> => {
  const context = await browser.newContext({ viewport })
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  const errors: string[] = []
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text())
  })
  page.on("pageerror", (error) => errors.push(error.message))
  await page.goto(url)

  const submitLogin = async (username: string, password: string, button: string) => {
    await page.getByLabel("Username").fill(username)
    await page.getByLabel("Password").fill(password)
    await page.getByRole("button", { name: button, exact: true }).click()
  }
  const message = (text: string) => page.locator(".message.out", { hasText: text })

  return {
    page,
    errors,
    signIn: async (username, password) => {
      await submitLogin(username, password, "Sign in")
      await page.getByRole("button", { name: "Sign out" }).waitFor()
    },
    signUp: async (username, password) => {
      await page.getByRole("button", { name: "Create an account" }).click()
      await submitLogin(username, password, "Create account")
      await page.getByRole("button", { name: "Sign out" }).waitFor()
    },
    openConversation: async (jid) => {
      await page.locator(`button.contact[data-jid="${jid}"]`).click()
      await page.getByRole("textbox", { name: /Message to/ }).waitFor()
    },
    send: async (text, choices = {}) => {
      const tick = async (label: string, on: boolean | undefined) => {
        if (on !== undefined) await page.getByLabel(label).setChecked(on)
      }
      await tick("Tell me when delivered", choices.tellWhenDelivered)
      await tick("Don't store if they're offline", choices.doNotStore)
      await tick("Only to this device", choices.onlyThisDevice)
      if (choices.expireAfterMinutes !== undefined) {
        await page.getByLabel("Expire after").check()
        await page.getByLabel("Minutes until it expires").fill(String(choices.expireAfterMinutes))
      }
      await page.getByRole("textbox", { name: /Message to/ }).fill(text)
      await page.getByRole("button", { name: "Send", exact: true }).click()
    },
    statusOf: (text) => message(text).locator(".status"),
    detailOf: (text) => message(text).locator(".status-detail"),
    screenshot: async (name) => {
      await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true })
    },
    close: () => context.close(),
  }
}
