// The signed-in screen: header, contact list, the open conversation and the server-support
// panel, re-rendered from the store after every change.
import type { ChatSession } from "../xmpp/Chat.js"
import { type ConversationView, mountConversation } from "./Conversation.js"
import { h, replaceChildren } from "./dom.js"
import { renderSidebar } from "./Sidebar.js"
import { renderSupportPanel } from "./SupportPanel.js"

/** Renders the chat screen into `root`; `onSignedOut` runs after sign-out. */
export const renderChat = (
  root: HTMLElement,
  session: ChatSession,
  onSignedOut: () => void,
): void => {
  const { store } = session
  let selected: string | undefined
  let conversation: ConversationView | undefined
  const seen = new Map<string, number>()

  const connection = h("span", { class: "connection", role: "status" })
  const header = h(
    "header",
    { class: "topbar" },
    h("div", { class: "brand" }, h("span", { class: "logo", "aria-hidden": "true" }), "AMP Chat"),
    h("span", { class: "me" }, store.me, connection),
    h(
      "button",
      {
        type: "button",
        onclick: () => {
          void session.signOut().then(onSignedOut)
        },
      },
      "Sign out",
    ),
  )
  const sidebarSlot = h("div", { class: "sidebar-slot" })
  const mainSlot = h("main", { class: "main-slot" })
  const supportSlot = h("div", { class: "support-slot" })
  const layout = h("div", { class: "layout" }, sidebarSlot, mainSlot, supportSlot)
  root.replaceChildren(h("div", { class: "app" }, header, layout))

  const unread = (jid: string): number =>
    store
      .conversation(jid)
      .filter((message) => message.direction === "in" && message.at > (seen.get(jid) ?? 0)).length

  const select = (jid: string | undefined): void => {
    selected = jid
    layout.classList.toggle("conversation-open", jid !== undefined)
    const contact = jid === undefined ? undefined : store.contacts.get(jid)
    if (contact === undefined) {
      conversation = undefined
      replaceChildren(
        mainSlot,
        h(
          "div",
          { class: "placeholder" },
          h("h2", {}, "Pick a contact"),
          h(
            "p",
            { class: "muted" },
            "Choose someone on the left, or add a contact by their address. Every message you send shows what happened to it: sent, stored, delivered, or why not.",
          ),
        ),
      )
    } else {
      conversation = mountConversation(session, contact, () => select(undefined))
      replaceChildren(mainSlot, conversation.element)
    }
    render()
    mainSlot.querySelector<HTMLTextAreaElement>("textarea")?.focus()
  }

  const render = (): void => {
    connection.textContent = store.connection === "online" ? "" : ` · ${store.connection}`
    const contact = selected === undefined ? undefined : store.contacts.get(selected)
    if (selected !== undefined && contact !== undefined && conversation !== undefined) {
      const messages = store.conversation(selected)
      seen.set(
        selected,
        Math.max(seen.get(selected) ?? 0, ...messages.map((message) => message.at)),
      )
      conversation.update(contact, messages)
    }
    replaceChildren(sidebarSlot, renderSidebar(session, selected, select, unread))
    replaceChildren(supportSlot, renderSupportPanel(store.support))
  }

  store.subscribe(render)
  select(undefined)
}
