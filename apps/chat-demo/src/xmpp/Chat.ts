// One signed-in chat session: @xmpp/client over WebSocket (RFC 7395) with the AMP plugin of
// @xmpp-amp/client. Sends messages with the chosen delivery options (XEP-0079 rules) and
// follows each one's AMP replies; asks for and answers XEP-0184 receipts; keeps the store.

import { client } from "@xmpp/client"
import xml, { type Element } from "@xmpp/xml"
import { type AmpClient, AmpClientError, amp } from "@xmpp-amp/client"
import { ChatStore } from "../model/ChatStore.js"
import {
  changesDelivery,
  type DeliveryOptions,
  describeOptions,
  rulesFor,
} from "../model/DeliveryOptions.js"
import {
  bouncedStatus,
  type MessageStatus,
  receivedStatus,
  sentStatus,
  statusFromEvent,
} from "../model/MessageStatus.js"
import { rosterFor } from "./Roster.js"
import { serverSupport } from "./ServerSupport.js"
import type { Settings } from "./Settings.js"

const RECEIPTS_NS = "urn:xmpp:receipts"
const DELAY_NS = "urn:xmpp:delay"

const randomId = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) =>
    byte.toString(16).padStart(2, "0"),
  ).join("")

/** Why signing in failed, in words. */
export const loginErrorText = (error: unknown): string => {
  const condition = (error as { condition?: string } | undefined)?.condition
  if (condition === "not-authorized") return "Wrong username or password."
  if (condition === "account-disabled") return "This account is disabled."
  const message = error instanceof Error ? error.message : String(error)
  return /websocket|connect|ECONNREFUSED/i.test(message)
    ? "Cannot reach the chat server. Is it running?"
    : `Sign-in failed: ${message}`
}

/** A signed-in session. */
export interface ChatSession {
  readonly store: ChatStore
  readonly resource: string
  addContact(jid: string): Promise<void>
  approve(jid: string): Promise<void>
  decline(jid: string): Promise<void>
  /** Sends `body` to `peer` (bare JID) with `options`; `device` is a resource for "only to this device". */
  send(peer: string, body: string, options: DeliveryOptions, device?: string): Promise<void>
  signOut(): Promise<void>
}

/** Signs in as `username` and loads roster, presence and server support. Throws on failure. */
export const signIn = async (
  settings: Settings,
  username: string,
  password: string,
): Promise<ChatSession> => {
  const resource = `web-${randomId().slice(0, 6)}`
  const xmpp = client({
    service: settings.websocketUrl,
    domain: settings.domain,
    resource,
    username,
    password,
  })
  const ampClient = amp(xmpp)
  const store = new ChatStore(`${username.toLowerCase()}@${settings.domain}`)
  const roster = rosterFor(xmpp, store)
  const tracked = new Set<string>()

  const setStatus = (id: string, status: MessageStatus | undefined): void => {
    if (status !== undefined) store.updateStatus(id, status)
  }

  xmpp.on("stanza", ((stanza: Element) => {
    if (stanza.name === "presence") roster.onPresence(stanza)
    else if (stanza.name === "message") onMessage(stanza)
  }) as (...values: never[]) => void)
  let firstOnline = true
  xmpp.on("online", () => {
    store.connection = "online"
    store.changed()
    // After a reconnect (not the first sign-in, awaited below) the roster and our presence
    // must be sent again (RFC 6121 §2.2, §4.2).
    if (!firstOnline) void roster.load().catch(() => undefined)
    firstOnline = false
  })
  xmpp.on("disconnect", () => {
    store.connection = "connecting"
    store.clearPresence()
  })
  xmpp.on("offline", () => {
    store.connection = "offline"
    store.clearPresence()
  })

  const onMessage = (stanza: Element): void => {
    const from = String(stanza.attrs.from ?? "")
    const peer = (from.split("/")[0] ?? "").toLowerCase()
    const id = typeof stanza.attrs.id === "string" ? stanza.attrs.id : undefined
    if (stanza.attrs.type === "error") {
      // Bounces of AMP-tracked messages arrive through their tracker.
      if (id !== undefined && !tracked.has(id)) {
        const error = stanza.getChild("error")
        const condition = error?.children
          .filter((child): child is Element => typeof child !== "string")
          .find((child) => child.name !== "text")?.name
        setStatus(id, bouncedStatus(condition, error?.getChildText("text") ?? undefined))
      }
      return
    }
    const receipt = stanza.getChild("received", RECEIPTS_NS)
    if (receipt !== undefined) {
      const contact = store.contacts.get(peer)
      setStatus(String(receipt.attrs.id), receivedStatus(contact?.name ?? peer))
    }
    const body = stanza.getChildText("body")
    if (body === null || peer === "" || peer === settings.domain) return
    const stamp = stanza.getChild("delay", DELAY_NS)?.attrs.stamp
    const at = typeof stamp === "string" ? Date.parse(stamp) : Number.NaN
    store.addMessage({
      id: id ?? randomId(),
      peer,
      direction: "in",
      body,
      at: Number.isNaN(at) ? Date.now() : at,
      delayed: !Number.isNaN(at),
    })
    if (id !== undefined && stanza.getChild("request", RECEIPTS_NS) !== undefined) {
      void xmpp.send(
        xml("message", { to: from, id: randomId() }, xml("received", { xmlns: RECEIPTS_NS, id })),
      )
    }
  }

  /** Why AMP rules cannot go on a message to `peer`, or undefined when they can. */
  const ampBlocker = async (ampApi: AmpClient, peer: string, peerName: string) => {
    if (!(await ampApi.support()).available) {
      return "this server does not support delivery options (AMP)"
    }
    // XEP-0079 §9: the server refuses rules that could reveal the presence of someone who
    // does not share it with the sender.
    const subscription = store.contacts.get(peer)?.subscription
    return subscription === "to" || subscription === "both"
      ? undefined
      : `delivery options work once ${peerName} shares their presence with you`
  }

  const sendTracked = async (
    ampApi: AmpClient,
    message: Element,
    options: DeliveryOptions,
    id: string,
    peer: string,
  ) => {
    const peerName = store.contacts.get(peer)?.name ?? peer
    const rules = rulesFor(options, Date.now())
    const blocker = rules.length === 0 ? "" : await ampBlocker(ampApi, peer, peerName)
    if (blocker !== undefined) {
      if (blocker !== "" && changesDelivery(options)) {
        return setStatus(id, { state: "failed", detail: `Not sent: ${blocker}.` })
      }
      await xmpp.send(message)
      return setStatus(id, sentStatus(peerName))
    }
    tracked.add(id)
    try {
      const tracker = await ampApi.send(message, rules)
      setStatus(id, sentStatus(peerName))
      for (const event of tracker.events) setStatus(id, statusFromEvent(event, peerName))
      tracker.on("event", (event) => setStatus(id, statusFromEvent(event, peerName)))
    } catch (error) {
      tracked.delete(id)
      const detail =
        error instanceof AmpClientError && error.reason === "unsupported-rules"
          ? "Not sent: this server does not support one of the delivery options you chose."
          : `Not sent: ${error instanceof Error ? error.message : String(error)}`
      setStatus(id, { state: "failed", detail })
    }
  }

  const send = async (peer: string, body: string, options: DeliveryOptions, device?: string) => {
    const id = randomId()
    const to = options.onlyThisDevice && device !== undefined ? `${peer}/${device}` : peer
    const message = xml("message", { type: "chat", to, id }, xml("body", {}, body))
    if (options.tellWhenDelivered) message.append(xml("request", { xmlns: RECEIPTS_NS }))
    const label = describeOptions(options)
    store.addMessage({
      id,
      peer,
      direction: "out",
      body,
      at: Date.now(),
      status: { state: "sending", detail: "Sending…" },
      ...(label === "" ? {} : { optionsLabel: label }),
    })
    try {
      await sendTracked(ampClient, message, options, id, peer)
    } catch (error) {
      setStatus(id, {
        state: "failed",
        detail: `Not sent: ${error instanceof Error ? error.message : String(error)}`,
      })
    }
  }

  try {
    await xmpp.start()
  } catch (error) {
    xmpp.reconnect.stop()
    await xmpp.stop().catch(() => undefined)
    throw error
  }
  await roster.load()
  void ampClient.support().then(async (support) => {
    store.support = await serverSupport(xmpp, settings.domain, store.me, support)
    store.changed()
  })

  return {
    store,
    resource,
    addContact: roster.add,
    approve: roster.approve,
    decline: roster.decline,
    send,
    signOut: async () => {
      ampClient.stop()
      xmpp.reconnect.stop()
      await xmpp.stop().catch(() => undefined)
    },
  }
}
