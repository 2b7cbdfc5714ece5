// Account creation with XEP-0077 In-Band Registration (§3.1) before login: @xmpp/client has no
// helper, so this opens its own RFC 7395 WebSocket stream, asks for the registration form,
// submits username and password, and closes the stream.
import xml from "@xmpp/xml"

/** Why a sign-up failed. */
export type RegistrationFailure = "taken" | "not-allowed" | "invalid" | "network"

/** The outcome of `registerAccount`. */
export type RegistrationResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: RegistrationFailure; readonly message: string }

const FRAMING_NS = "urn:ietf:params:xml:ns:xmpp-framing"
const REGISTER_NS = "jabber:iq:register"

const failure = (reason: RegistrationFailure, message: string): RegistrationResult => ({
  ok: false,
  reason,
  message,
})

/** The failure for an `<iq type='error'/>` answer (XEP-0077 §3.1, §8). */
const failureOf = (iq: Element): RegistrationResult => {
  const condition = iq.querySelector("error > *")?.localName
  switch (condition) {
    case "conflict":
      return failure("taken", "That username is taken. Pick another one.")
    case "not-acceptable":
    case "bad-request":
    case "jid-malformed": {
      const text = iq.querySelector("error > text")?.textContent
      return failure(
        "invalid",
        `The server does not accept that username or password${text ? `: ${text}` : "."}`,
      )
    }
    case "not-allowed":
    case "forbidden":
    case "service-unavailable":
    case "feature-not-implemented":
      return failure("not-allowed", "This server does not allow creating accounts here.")
    default:
      return failure("invalid", `The server refused the sign-up (${condition ?? "no reason"}).`)
  }
}

/** Creates `username` with `password` on `domain` through `websocketUrl`. Never throws. */
export const registerAccount = (
  websocketUrl: string,
  domain: string,
  username: string,
  password: string,
  timeoutMs = 10_000,
): Promise<RegistrationResult> =>
  new Promise((resolve) => {
    let socket: WebSocket
    try {
      socket = new WebSocket(websocketUrl, "xmpp")
    } catch {
      resolve(failure("network", `Cannot open ${websocketUrl}.`))
      return
    }
    let settled = false
    const finish = (result: RegistrationResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (socket.readyState === WebSocket.OPEN) socket.send(`<close xmlns="${FRAMING_NS}"/>`)
      socket.close()
      resolve(result)
    }
    const timer = setTimeout(
      () => finish(failure("network", "The server did not answer in time.")),
      timeoutMs,
    )
    const send = (element: ReturnType<typeof xml>): void => socket.send(element.toString())
    socket.addEventListener("open", () =>
      send(xml("open", { xmlns: FRAMING_NS, to: domain, version: "1.0" })),
    )
    socket.addEventListener("error", () =>
      finish(failure("network", "Cannot reach the chat server. Is it running?")),
    )
    socket.addEventListener("close", () =>
      finish(failure("network", "The server closed the connection during sign-up.")),
    )
    socket.addEventListener("message", (event) => {
      const document = new DOMParser().parseFromString(String(event.data), "application/xml")
      const element = document.documentElement
      if (element.localName === "features") {
        send(
          xml(
            "iq",
            { type: "get", id: "reg-form", to: domain },
            xml("query", { xmlns: REGISTER_NS }),
          ),
        )
      } else if (element.localName === "iq" && element.getAttribute("id") === "reg-form") {
        if (element.getAttribute("type") !== "result") return finish(failureOf(element))
        const submit = xml(
          "query",
          { xmlns: REGISTER_NS },
          xml("username", {}, username),
          xml("password", {}, password),
        )
        send(xml("iq", { type: "set", id: "reg-submit", to: domain }, submit))
      } else if (element.localName === "iq" && element.getAttribute("id") === "reg-submit") {
        finish(element.getAttribute("type") === "result" ? { ok: true } : failureOf(element))
      } else if (element.localName === "error") {
        // A server without XEP-0077 refuses any request before authentication (RFC 6120 §6.4.7).
        const condition = element.firstElementChild?.localName
        finish(
          condition === "not-authorized"
            ? failure("not-allowed", "This server does not allow creating accounts here.")
            : failure(
                "network",
                `The server ended the connection during sign-up (${condition ?? "no reason"}).`,
              ),
        )
      }
    })
  })
