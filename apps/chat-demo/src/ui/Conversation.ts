// The conversation with one contact: the message log with each sent message's live status,
// and the composer with the four delivery options of XEP-0079 in plain words.
import {
  availability,
  type ChatMessage,
  type Contact,
  preferredResource,
} from "../model/ChatStore.js"
import type { DeliveryOptions } from "../model/DeliveryOptions.js"
import type { MessageState } from "../model/MessageStatus.js"
import type { ChatSession } from "../xmpp/Chat.js"
import { h, replaceChildren, timeOf } from "./dom.js"

const stateWords: Readonly<Record<MessageState, string>> = {
  sending: "Sending",
  sent: "Sent",
  stored: "Stored",
  delivered: "Delivered",
  dropped: "Not stored",
  expired: "Expired",
  failed: "Failed",
}

const messageItem = (message: ChatMessage): HTMLElement => {
  const status = message.status
  return h(
    "li",
    { class: `message ${message.direction}`, "data-id": message.id },
    h("p", { class: "body" }, message.body),
    h(
      "p",
      { class: "meta" },
      h("time", { datetime: new Date(message.at).toISOString() }, timeOf(message.at)),
      message.delayed === true ? h("span", { class: "tag" }, "waited for you") : undefined,
      message.optionsLabel === undefined
        ? undefined
        : h("span", { class: "tag" }, message.optionsLabel),
      status === undefined
        ? undefined
        : h(
            "span",
            { class: "status", "data-status": status.state, title: status.detail },
            stateWords[status.state],
          ),
    ),
    status === undefined || status.state === "sending" || status.state === "sent"
      ? undefined
      : h("p", { class: "status-detail" }, status.detail),
  )
}

/** A mounted conversation: `update` re-renders the log and header, keeping the composer. */
export interface ConversationView {
  readonly element: HTMLElement
  update(contact: Contact, messages: readonly ChatMessage[]): void
}

/** Builds the conversation with `contact`. */
export const mountConversation = (
  session: ChatSession,
  contact: Contact,
  onBack: () => void,
): ConversationView => {
  const title = h("h2", { id: "conversation-title" }, contact.name)
  const presence = h("p", { class: "presence" })
  const log = h("ol", {
    class: "log",
    role: "log",
    "aria-live": "polite",
    "aria-labelledby": "conversation-title",
  })
  const text = h("textarea", {
    id: "message-text",
    name: "message",
    rows: 2,
    required: true,
    placeholder: `Message ${contact.name}`,
  })
  const tell = h("input", { type: "checkbox", id: "opt-tell", checked: true })
  const noStore = h("input", { type: "checkbox", id: "opt-no-store" })
  const expire = h("input", { type: "checkbox", id: "opt-expire" })
  const minutes = h("input", {
    type: "number",
    id: "opt-minutes",
    min: 1,
    max: 10080,
    value: 5,
    "aria-label": "Minutes until it expires",
  })
  const device = h("input", { type: "checkbox", id: "opt-device" })
  const deviceName = h("span", { class: "muted" })
  const note = h("p", { class: "options-note muted", id: "options-note" })
  let current = contact

  const options = (): DeliveryOptions => ({
    tellWhenDelivered: tell.checked,
    doNotStore: noStore.checked && !noStore.disabled,
    expireAfterMinutes:
      expire.checked && !expire.disabled ? Math.max(1, Number(minutes.value) || 1) : undefined,
    onlyThisDevice: device.checked && !device.disabled,
  })

  const composer = h(
    "form",
    {
      class: "composer",
      "aria-label": "Send a message",
      onsubmit: (event) => {
        event.preventDefault()
        const body = text.value.trim()
        if (body === "") return
        text.value = ""
        void session.send(current.jid, body, options(), preferredResource(current))
      },
    },
    h("label", { for: "message-text", class: "visually-hidden" }, `Message to ${contact.name}`),
    h("div", { class: "row" }, text, h("button", { type: "submit", class: "primary" }, "Send")),
    h(
      "fieldset",
      { class: "options" },
      h("legend", {}, "Delivery options"),
      h("label", {}, tell, " Tell me when delivered"),
      h("label", {}, noStore, " Don't store if they're offline"),
      h(
        "span",
        { class: "expire" },
        h("label", {}, expire, " Expire after"),
        minutes,
        h("span", {}, "min"),
      ),
      h("label", {}, device, " Only to this device ", deviceName),
      note,
    ),
  )
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault()
      composer.requestSubmit()
    }
  })

  const element = h(
    "section",
    { class: "conversation", "aria-labelledby": "conversation-title" },
    h(
      "header",
      {},
      h(
        "button",
        { class: "back", type: "button", onclick: onBack, "aria-label": "Back to contacts" },
        "‹",
      ),
      h("div", {}, title, h("p", { class: "jid muted" }, contact.jid), presence),
    ),
    log,
    composer,
  )

  const update = (next: Contact, messages: readonly ChatMessage[]): void => {
    current = next
    const state = availability(next)
    const resource = preferredResource(next)
    presence.textContent = state === "offline" ? "offline — messages wait on the server" : state
    presence.dataset.state = state
    // XEP-0079 §9: rules about someone who does not share their presence are refused.
    const shares = next.subscription === "to" || next.subscription === "both"
    noStore.disabled = !shares
    expire.disabled = !shares
    minutes.disabled = !shares
    note.textContent = shares
      ? ""
      : `The other options work once ${next.name} shares their presence with you.`
    device.disabled = !shares || resource === undefined
    deviceName.textContent = resource === undefined ? "(when they're online)" : `(${resource})`
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40
    replaceChildren(
      log,
      ...(messages.length === 0
        ? [h("li", { class: "muted empty" }, "No messages yet. Say hello!")]
        : messages.map(messageItem)),
    )
    if (atBottom) log.scrollTop = log.scrollHeight
  }
  update(contact, [])
  return { element, update }
}
