// RFC 6121 roster and presence for the demo: load the roster (§2.2), apply roster pushes
// (§2.1.6), track each contact's resources (§4), and handle subscription requests (§3).
import type { XmppClient } from "@xmpp/client"
import xml, { type Element } from "@xmpp/xml"
import type { ChatStore, Contact, ResourcePresence, Subscription } from "../model/ChatStore.js"

const ROSTER_NS = "jabber:iq:roster"

const bareOf = (jid: string): string => jid.split("/")[0] ?? jid
const resourceOf = (jid: string): string => jid.slice(jid.indexOf("/") + 1)

const contactFrom = (item: Element, previous: Contact | undefined): Contact => {
  const jid = String(item.attrs.jid).toLowerCase()
  return {
    jid,
    name:
      typeof item.attrs.name === "string" && item.attrs.name !== ""
        ? item.attrs.name
        : (jid.split("@")[0] ?? jid),
    subscription: (item.attrs.subscription ?? "none") as Subscription,
    pendingOut: item.attrs.ask === "subscribe",
    resources: previous?.resources ?? new Map(),
  }
}

const presenceFrom = (stanza: Element): ResourcePresence => {
  const show = stanza.getChildText("show")
  const priority = Number.parseInt(stanza.getChildText("priority") ?? "0", 10)
  return {
    show:
      show === "away" || show === "chat" || show === "dnd" || show === "xa" ? show : "available",
    status: stanza.getChildText("status") ?? "",
    priority: Number.isFinite(priority) ? priority : 0,
  }
}

/** Roster and presence handling bound to one connection and store. */
export const rosterFor = (xmpp: XmppClient, store: ChatStore) => {
  const applyItems = (query: Element | undefined): void => {
    for (const item of query?.getChildren("item") ?? []) {
      const jid = String(item.attrs.jid).toLowerCase()
      store.putContact(contactFrom(item, store.contacts.get(jid)))
      if (item.attrs.subscription === "from" || item.attrs.subscription === "both") {
        store.requests.delete(jid)
      }
    }
  }

  xmpp.iqCallee.set(ROSTER_NS, "query", ({ stanza }) => {
    // §2.1.6: only pushes without a from, or from our own account, are genuine.
    const from = stanza.attrs.from
    if (typeof from === "string" && from !== "" && bareOf(from).toLowerCase() !== store.me) {
      return false
    }
    applyItems(stanza.getChild("query", ROSTER_NS))
    return true
  })

  const onPresence = (stanza: Element): void => {
    const from = String(stanza.attrs.from ?? "")
    const bare = bareOf(from).toLowerCase()
    if (bare === store.me || bare === "") return
    switch (stanza.attrs.type) {
      case undefined:
        store.setPresence(bare, resourceOf(from), presenceFrom(stanza))
        break
      case "unavailable":
        store.setPresence(bare, resourceOf(from), undefined)
        break
      case "subscribe": {
        // We asked them first: their request is the other half of a mutual subscription.
        const contact = store.contacts.get(bare)
        if (contact !== undefined && (contact.pendingOut || contact.subscription === "to")) {
          void approve(bare)
        } else {
          store.requests.add(bare)
          store.changed()
        }
        break
      }
      default:
        break
    }
  }

  /** Loads the roster, then announces our presence (RFC 6121 §2.2, §4.2). */
  const load = async (): Promise<void> => {
    const result = await xmpp.iqCaller.request(
      xml("iq", { type: "get" }, xml("query", { xmlns: ROSTER_NS })),
    )
    applyItems(result.getChild("query", ROSTER_NS))
    await xmpp.send(xml("presence"))
  }

  /** Adds a contact and asks to see their presence (§3.1.1). */
  const add = async (jid: string): Promise<void> => {
    const bare = bareOf(jid.trim()).toLowerCase()
    await xmpp.iqCaller.request(
      xml("iq", { type: "set" }, xml("query", { xmlns: ROSTER_NS }, xml("item", { jid: bare }))),
    )
    await xmpp.send(xml("presence", { type: "subscribe", to: bare }))
  }

  /** Accepts a request and asks for theirs in return (§3.1.5). */
  const approve = async (jid: string): Promise<void> => {
    store.requests.delete(jid)
    store.changed()
    await xmpp.send(xml("presence", { type: "subscribed", to: jid }))
    const contact = store.contacts.get(jid)
    if (contact === undefined || (contact.subscription !== "to" && contact.subscription !== "both"))
      await xmpp.send(xml("presence", { type: "subscribe", to: jid }))
  }

  /** Declines a request (§3.2.1). */
  const decline = async (jid: string): Promise<void> => {
    store.requests.delete(jid)
    store.changed()
    await xmpp.send(xml("presence", { type: "unsubscribed", to: jid }))
  }

  return { load, add, approve, decline, onPresence }
}
