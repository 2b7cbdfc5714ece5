// The contact list: presence of each contact, pending subscription requests (RFC 6121 §3)
// with Accept / Decline, and the form that adds a contact.
import { availability, type ChatStore, type Contact } from "../model/ChatStore.js"
import type { ChatSession } from "../xmpp/Chat.js"
import { h } from "./dom.js"

const availabilityWords = { online: "online", away: "away", busy: "busy", offline: "offline" }

const contactLine = (contact: Contact): string => {
  if (contact.subscription === "none" || contact.subscription === "from") {
    return contact.pendingOut ? "waiting for them to accept" : "does not share presence"
  }
  return availabilityWords[availability(contact)]
}

/** Renders the sidebar for `store`; `selected` is the open conversation. */
export const renderSidebar = (
  session: ChatSession,
  selected: string | undefined,
  onSelect: (jid: string) => void,
  unread: (jid: string) => number,
): HTMLElement => {
  const store: ChatStore = session.store
  const input = h("input", {
    id: "add-contact",
    name: "contact",
    type: "email",
    placeholder: "name@domain",
    required: true,
    autocomplete: "off",
  })
  const addForm = h(
    "form",
    {
      class: "add-contact",
      onsubmit: (event) => {
        event.preventDefault()
        const jid = input.value.trim().toLowerCase()
        if (jid === "") return
        input.value = ""
        void session.addContact(jid)
      },
    },
    h("label", { for: "add-contact" }, "Add a contact"),
    h("div", { class: "row" }, input, h("button", { type: "submit" }, "Add")),
  )
  const requests = [...store.requests].map((jid) =>
    h(
      "li",
      { class: "request" },
      h("span", {}, h("strong", {}, jid), " wants to chat with you"),
      h(
        "div",
        { class: "row" },
        h(
          "button",
          {
            class: "primary",
            "aria-label": `Accept ${jid}`,
            onclick: () => void session.approve(jid),
          },
          "Accept",
        ),
        h(
          "button",
          { "aria-label": `Decline ${jid}`, onclick: () => void session.decline(jid) },
          "Decline",
        ),
      ),
    ),
  )
  const contacts = [...store.contacts.values()]
    .sort((left, right) => left.name.localeCompare(right.name))
    .map((contact) => {
      const state = availability(contact)
      const count = unread(contact.jid)
      return h(
        "li",
        {},
        h(
          "button",
          {
            class: "contact",
            "aria-current": contact.jid === selected ? "true" : undefined,
            "data-jid": contact.jid,
            onclick: () => onSelect(contact.jid),
          },
          h("span", { class: `dot ${state}`, "aria-hidden": "true" }),
          h(
            "span",
            { class: "contact-text" },
            h("span", { class: "contact-name" }, contact.name),
            h("span", { class: "contact-state" }, contactLine(contact)),
          ),
          count > 0 && contact.jid !== selected
            ? h("span", { class: "count", "aria-label": `${count} new` }, String(count))
            : undefined,
        ),
      )
    })
  return h(
    "nav",
    { class: "sidebar", "aria-label": "Contacts" },
    addForm,
    requests.length > 0
      ? h(
          "section",
          { "aria-label": "Contact requests" },
          h("h2", {}, "Requests"),
          h("ul", { class: "requests" }, ...requests),
        )
      : undefined,
    h("h2", {}, "Contacts"),
    contacts.length > 0
      ? h("ul", { class: "contacts" }, ...contacts)
      : h(
          "p",
          { class: "muted empty" },
          "No contacts yet. Add someone by their address, like bob@",
          store.me.split("@")[1] ?? "",
          ".",
        ),
  )
}
