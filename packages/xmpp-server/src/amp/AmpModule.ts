// The `amp` built-in module: mounts XEP-0079 Advanced Message Processing (the
// @xmpp-amp/server-plugin package, spec/amp.md) in the reference server. AMP requests from local
// sessions are taken over at `stanzaReceived` and processed by the plugin; disco (XEP-0079 §8.1,
// §8.2), the stream feature (§8.4), offline delivery (expire-at re-check) and XEP-0198 acks are
// wired through the module hooks.

import type { Element } from "@xmpp/xml"
import {
  type AmpPluginHandle,
  type ClientMessageListener,
  type ClientMessageResult,
  startAmpPlugin,
  withoutAmp,
} from "@xmpp-amp/server-plugin"
import type { StorageBackendKind } from "../config/ServerConfig.js"
import { InFlight } from "../core/InFlight.js"
import { parseJid } from "../jid/Jid.js"
import type { DiscoInfo, ModuleApi, ServerModule } from "../modules/ServerModule.js"
import type { Session } from "../session/Session.js"
import type { XmlElement } from "../xml/Xml.js"
import {
  AMP_EXTRA_PREFIX,
  asElement,
  asXml,
  type RegisteredExtension,
  serverAmpHost,
} from "./ServerAmpHost.js"
import { WriteTracker } from "./WriteTracker.js"

const NS_AMP = "http://jabber.org/protocol/amp"

/**
 * True when `stanza` has an `<amp xmlns='http://jabber.org/protocol/amp'/>` child: what
 * `getChild("amp", NS_AMP)` answers, without the array `getChildren` makes for it (asked of
 * every message; the array was 184 bytes per AMP message).
 */
const hasAmpChild = (stanza: XmlElement): boolean => {
  for (const child of stanza.children)
    if (typeof child === "object" && child.getName() === "amp" && child.getNS() === NS_AMP)
      return true
  return false
}

/** True for a `<message/>` (not an error) with an `<amp/>` child: the plugin's to handle. */
export const carriesAmpElement = (stanza: XmlElement): boolean =>
  stanza.name === "message" && stanza.attrs.type !== "error" && hasAmpChild(stanza)

/** `<query/>` of disco#info (XEP-0030) as the module API's `{ identities, features }`. */
const toDiscoInfo = (query: Element): DiscoInfo => {
  const children = asXml(query).getChildElements()
  return {
    identities: children
      .filter((child) => child.name === "identity")
      .map((child) => ({
        category: child.attrs.category ?? "",
        type: child.attrs.type ?? "",
        ...(child.attrs.name === undefined ? {} : { name: child.attrs.name }),
      })),
    features: children
      .filter((child) => child.name === "feature")
      .map((child) => child.attrs.var ?? ""),
  }
}

/**
 * On PostgreSQL the pending rules may have been stored by another node (possibly dead), which
 * no local timer knows of: every process looks for due rules at least this often, so one fires
 * within a second of its due time (spec/cluster.md guarantee 2).
 */
export const SHARED_EXPIRY_CHECK_MS = 500

/**
 * `[modules.amp]` as the plugin reads it: `enabled` and `log_level` are the adapter's, and
 * spec/server.md's `direct_confirm = "socket"` is the plugin's "write"; on a shared database
 * `expiry_check_ms` is at most SHARED_EXPIRY_CHECK_MS.
 */
const pluginTable = (
  table: Readonly<Record<string, unknown>>,
  backend: StorageBackendKind,
): Record<string, unknown> => {
  const { enabled: _enabled, log_level: _level, ...rest } = table
  const confirm = rest.direct_confirm === "socket" ? { ...rest, direct_confirm: "write" } : rest
  const check = rest.expiry_check_ms
  return backend === "postgres" && typeof check === "number" && check > SHARED_EXPIRY_CHECK_MS
    ? { ...confirm, expiry_check_ms: SHARED_EXPIRY_CHECK_MS }
    : confirm
}

const LEVELS = { debug: "Debug", info: "Info", warn: "Warn", error: "Error" } as const

/**
 * `log_level`: the lowest level of the plugin's lines that reach the server log. Per-message
 * lines (`rule-matched`, `notification-sent`) are info: off by default, they cost a line per
 * AMP message.
 */
const pluginLogLevel = (table: Readonly<Record<string, unknown>>) => {
  const value = table.log_level ?? "warn"
  if (typeof value === "string" && value in LEVELS) return LEVELS[value as keyof typeof LEVELS]
  throw new Error(`modules.amp.log_level: must be one of ${Object.keys(LEVELS).join(", ")}`)
}

const serverLevel = (level: string): "debug" | "info" | "warn" | "error" =>
  level === "Debug" || level === "Trace"
    ? "debug"
    : level === "Info"
      ? "info"
      : level === "Warn"
        ? "warn"
        : "error"

/**
 * Messages to a component's domain are the component's business, not AMP's here; a message
 * without `to` (to the sender's own account) is left to the server too.
 */
const toComponent = (api: ModuleApi, stanza: XmlElement): boolean => {
  const components = api.config.components
  if (components.length === 0) return false
  const domain = parseJid(stanza.attrs.to ?? "")?.domain
  return components.some((component) => component.domain === domain)
}

/**
 * What the server does for every message a local user sends, once an AMP message was delivered
 * or stored, with the plugin's copy without the `<amp/>` (the element the recipient got): the
 * sender's own archived copy (XEP-0313) and the other modules' `messageCarriedOut` hooks
 * (carbons, XEP-0280).
 */
const afterCarriedOut = (
  api: ModuleApi,
  session: Session,
  stanza: XmlElement,
  copy: XmlElement,
): void => {
  api.carriedOut(session, copy)
  const archive = api.stores.archive
  const peer = parseJid(stanza.attrs.to ?? "")?.bare
  if (archive === undefined || peer === undefined) return
  if (archive.accepts(session.username, peer, copy))
    archive.archive(session.username, copy, "outgoing")
}

/**
 * The sender's side of an AMP message: the plugin's copy, unless the archive is on, since the
 * recipient's archived copy carries the recipient's XEP-0359 `<stanza-id/>`, which is not the
 * sender's; then a fresh copy of the original without the `<amp/>`.
 */
const senderCopy = (api: ModuleApi, stanza: XmlElement, copy: Element): XmlElement =>
  api.stores.archive === undefined ? asXml(copy) : asXml(withoutAmp(asElement(stanza)))

/**
 * What the server does with the plugin's answer to one message (the plugin's listener): one
 * object per message, called back when the plugin is done (after the write's confirmation),
 * instead of a promise and two closures. The message counts in `inFlight` until then, so that a
 * graceful stop lets it finish (the module's `drain`) before storage closes.
 */
class AfterPlugin implements ClientMessageListener {
  private ended = false

  constructor(
    private readonly api: ModuleApi,
    private readonly inFlight: InFlight,
    private readonly session: Session,
    private readonly stanza: XmlElement,
  ) {}

  done(result: ClientMessageResult): void {
    const { api, session, stanza } = this
    try {
      if (result._tag === "NotAmp") api.send(stanza)
      else if (
        result._tag === "Processed" &&
        (result.end === "delivered" || result.end === "stored")
      )
        afterCarriedOut(api, session, stanza, senderCopy(api, stanza, result.copy))
      else if (result._tag === "Failed")
        api.logger.warn("amp-message-failed", { id: stanza.attrs.id, reason: result.reason })
    } catch (error) {
      api.logger.error("amp-message-crashed", { id: stanza.attrs.id, error })
    } finally {
      this.end()
    }
  }

  crashed(error: unknown): void {
    this.api.logger.error("amp-message-crashed", { id: this.stanza.attrs.id, error })
    this.end()
  }

  /** No longer in flight (once, however the plugin ended). */
  end(): void {
    if (this.ended) return
    this.ended = true
    this.inFlight.leave()
  }
}

const processInBackground = (
  api: ModuleApi,
  amp: AmpPluginHandle,
  inFlight: InFlight,
  session: Session,
  stanza: XmlElement,
): void => {
  const after = new AfterPlugin(api, inFlight, session, stanza)
  inFlight.enter()
  try {
    amp.processClientMessage(asElement(stanza), session.full, after)
  } catch (error) {
    after.crashed(error)
  }
}

/** The `amp` module (on by default; `[modules.amp] enabled = false` turns it off). */
export const ampModule: ServerModule = {
  name: "amp",
  setup: async (api, table) => {
    const tracker = new WriteTracker(api.config.cluster.enabled)
    const inFlight = new InFlight()
    const extension: RegisteredExtension = { current: undefined }
    const logLevel = pluginLogLevel(table)
    const amp = await startAmpPlugin(
      serverAmpHost(api, tracker, extension),
      pluginTable(table, api.config.storage.backend),
      {
        onLog: (line) => api.logger[serverLevel(line.level)](line.message, { ...line.annotations }),
        logLevel,
      },
    )
    const registered = extension.current
    return {
      serverFeatures: registered?.serverFeatures ?? [],
      discoInfoNode: (node, target) => {
        if (target.kind !== "server" || registered === undefined) return undefined
        const answer = registered.nodeInfo(node)
        return answer === undefined || answer === "item-not-found" ? answer : toDiscoInfo(answer)
      },
      streamFeatures: (stage) =>
        registered?.streamFeature !== undefined && (stage.authenticated || stage.secure)
          ? [asXml(registered.streamFeature)]
          : [],
      stanzaReceived: (session, stanza) => {
        if (!carriesAmpElement(stanza) || stanza.attrs.to === undefined || toComponent(api, stanza))
          return undefined
        processInBackground(api, amp, inFlight, session, stanza)
        return "stop"
      },
      stanzaWritten: (session, stanza, ok) => tracker.written(session, stanza, ok),
      acked: (session, stanza) => tracker.acked(session, stanza),
      gone: (session, unacked) => tracker.gone(session, unacked),
      sessionOpened: (session) => {
        inFlight.track(
          amp
            .recipientOnline(session.bare)
            .catch((error: unknown) => api.logger.error("amp-recipient-online-failed", { error })),
        )
      },
      offlineDelivery: (message) =>
        message.extra?.startsWith(AMP_EXTRA_PREFIX) === true
          ? amp.offlineDelivery(message.extra.slice(AMP_EXTRA_PREFIX.length))
          : undefined,
      // The AMP messages read before the stop are delivered or stored, their rules kept.
      drain: () => inFlight.settled(),
      stop: async () => {
        tracker.failAll()
        await amp.stop()
      },
    }
  },
}
