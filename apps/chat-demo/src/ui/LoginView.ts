// The sign-in / sign-up screen. Sign-up registers the account with XEP-0077 first, then signs
// in with the same credentials.
import { type ChatSession, loginErrorText, signIn } from "../xmpp/Chat.js"
import { registerAccount } from "../xmpp/Registration.js"
import type { Settings } from "../xmpp/Settings.js"
import { h } from "./dom.js"

/** Renders the screen into `root`; calls `onSignedIn` with the session. */
export const renderLogin = (
  root: HTMLElement,
  settings: Settings,
  onSignedIn: (session: ChatSession) => void,
): void => {
  let mode: "sign-in" | "sign-up" = "sign-in"
  const error = h("p", { class: "form-error", role: "alert", id: "login-error" })
  const username = h("input", {
    id: "username",
    name: "username",
    autocomplete: "username",
    required: true,
    pattern: "[^@\\/\\s]+",
    title: "Letters, digits and . _ - (no @ or spaces)",
  })
  const password = h("input", {
    id: "password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  })
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in")
  const switchMode = h("button", { type: "button", class: "link" }, "Create an account")
  const heading = h("h1", { id: "login-title" }, "Sign in")
  const setMode = (next: typeof mode): void => {
    mode = next
    heading.textContent = mode === "sign-in" ? "Sign in" : "Create an account"
    submit.textContent = mode === "sign-in" ? "Sign in" : "Create account"
    switchMode.textContent = mode === "sign-in" ? "Create an account" : "I already have an account"
    password.autocomplete = mode === "sign-in" ? "current-password" : "new-password"
    error.textContent = ""
  }
  switchMode.addEventListener("click", () => setMode(mode === "sign-in" ? "sign-up" : "sign-in"))

  const onSubmit = async (event: Event): Promise<void> => {
    event.preventDefault()
    error.textContent = ""
    submit.disabled = true
    const name = username.value.trim().toLowerCase()
    try {
      if (mode === "sign-up") {
        submit.textContent = "Creating account…"
        const result = await registerAccount(
          settings.websocketUrl,
          settings.domain,
          name,
          password.value,
        )
        if (!result.ok) {
          error.textContent = result.message
          return
        }
      }
      submit.textContent = "Signing in…"
      onSignedIn(await signIn(settings, name, password.value))
    } catch (failure) {
      error.textContent = loginErrorText(failure)
    } finally {
      submit.disabled = false
      submit.textContent = mode === "sign-in" ? "Sign in" : "Create account"
    }
  }

  const form = h(
    "form",
    {
      class: "login-card",
      "aria-labelledby": "login-title",
      onsubmit: (event) => void onSubmit(event),
    },
    h("div", { class: "brand" }, h("span", { class: "logo", "aria-hidden": "true" }), "AMP Chat"),
    heading,
    h(
      "p",
      { class: "muted" },
      "Chat on ",
      h("strong", {}, settings.domain),
      " and see what happens to every message you send.",
    ),
    h("label", { for: "username" }, "Username"),
    h(
      "div",
      { class: "with-suffix" },
      username,
      h("span", { "aria-hidden": "true" }, `@${settings.domain}`),
    ),
    h("label", { for: "password" }, "Password"),
    password,
    error,
    submit,
    switchMode,
  )
  root.replaceChildren(h("main", { class: "login" }, form))
  username.focus()
}
