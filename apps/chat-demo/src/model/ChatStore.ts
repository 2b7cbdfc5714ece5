// The app's state (contacts with presence, subscription requests, conversations, message
// statuses, server support) and a minimal change notification the views subscribe to.
import { advance, type MessageStatus } from "./MessageStatus.js"

/** RFC 6121 §2.1.2.5 subscription states. */
export type Subscription = "none" | "to" | "from" | "both" | "remove"

/** One online resource of a contact (RFC 6121 §4.7). */
export interface ResourcePresence {
  readonly show: "available" | "away" | "chat" | "dnd" | "xa"
  readonly status: string
  readonly priority: number
}

/** A roster item with its live presence. */
export interface Contact {
  readonly jid: string
  readonly name: string
  readonly subscription: Subscription
  /** We asked to see their presence and they have not answered yet. */
  readonly pendingOut: boolean
  readonly resources: ReadonlyMap<string, ResourcePresence>
}

/** One message of a conversation. */
export interface ChatMessage {
  readonly id: string
  /** The contact's bare JID. */
  readonly peer: string
  readonly direction: "in" | "out"
  readonly body: string
  /** When it was sent (ms since the epoch; the delay stamp for offline messages). */
  readonly at: number
  /** Sent messages only: the delivery status. */
  readonly status?: MessageStatus
  /** Sent messages only: the chosen delivery options in words. */
  readonly optionsLabel?: string
  /** Received messages only: it waited on the server while we were offline. */
  readonly delayed?: boolean
}

/** One line of the server-support panel. */
export interface SupportLine {
  readonly label: string
  readonly supported: boolean
  readonly detail?: string
}

/** A store of the whole state; `subscribe` listeners run after every change. */
export class ChatStore {
  readonly contacts = new Map<string, Contact>()
  readonly requests = new Set<string>()
  readonly messages: ChatMessage[] = []
  support: readonly SupportLine[] | undefined = undefined
  connection: "online" | "offline" | "connecting" = "connecting"
  private readonly listeners = new Set<() => void>()

  constructor(readonly me: string) {}

  /** Adds a listener; returns a function that removes it. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Tells every listener that the state changed. */
  changed(): void {
    for (const listener of [...this.listeners]) listener()
  }

  /** Replaces or adds a contact. */
  putContact(contact: Contact): void {
    if (contact.subscription === "remove") this.contacts.delete(contact.jid)
    else this.contacts.set(contact.jid, contact)
    this.changed()
  }

  /** Records a resource's presence (`undefined` when it went offline). */
  setPresence(bare: string, resource: string, presence: ResourcePresence | undefined): void {
    const contact = this.contacts.get(bare)
    if (contact === undefined) return
    const resources = new Map(contact.resources)
    if (presence === undefined) resources.delete(resource)
    else resources.set(resource, presence)
    this.contacts.set(bare, { ...contact, resources })
    this.changed()
  }

  /** Forgets every contact's presence (our connection is gone, so it is unknown). */
  clearPresence(): void {
    for (const [jid, contact] of this.contacts)
      this.contacts.set(jid, { ...contact, resources: new Map() })
    this.changed()
  }

  /** Adds a message unless one with the same id and direction exists. */
  addMessage(message: ChatMessage): void {
    const exists = this.messages.some(
      (each) =>
        each.id === message.id &&
        each.peer === message.peer &&
        each.direction === message.direction,
    )
    if (exists) return
    this.messages.push(message)
    this.messages.sort((left, right) => left.at - right.at)
    this.changed()
  }

  /** Moves a sent message's status forward (never backwards). */
  updateStatus(id: string, status: MessageStatus): void {
    const index = this.messages.findIndex((each) => each.id === id && each.direction === "out")
    const message = this.messages[index]
    if (message === undefined) return
    const current = message.status ?? status
    const next = message.status === undefined ? status : advance(current, status)
    if (next === message.status) return
    this.messages[index] = { ...message, status: next }
    this.changed()
  }

  /** The conversation with `peer`, oldest first. */
  conversation(peer: string): ChatMessage[] {
    return this.messages.filter((message) => message.peer === peer)
  }
}

/** The resource a contact is best reached on (highest priority), if any is online. */
export const preferredResource = (contact: Contact): string | undefined => {
  let best: [string, number] | undefined
  for (const [resource, presence] of contact.resources) {
    if (best === undefined || presence.priority > best[1]) best = [resource, presence.priority]
  }
  return best?.[0]
}

/** "online", "away", "busy" or "offline", for a contact's dot and label. */
export const availability = (contact: Contact): "online" | "away" | "busy" | "offline" => {
  const resource = preferredResource(contact)
  const show = resource === undefined ? undefined : contact.resources.get(resource)?.show
  if (show === undefined) return "offline"
  if (show === "dnd") return "busy"
  return show === "away" || show === "xa" ? "away" : "online"
}
