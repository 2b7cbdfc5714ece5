// XEP-0357 push for clients (§5 enabling, §6 disabling): `<enable/>` with the app server's
// service JID, node and publish-options form (XEP-0004), `<disable/>`, and the disco check.

import xml from "@xmpp/xml"
import { DISCO_INFO_NS, type Element } from "@xmpp-amp/amp-core"
import { AmpClientError } from "./AmpClientError.js"
import type { XmppIqCaller } from "./XmppTypes.js"

/** The XEP-0357 namespace. */
export const PUSH_NS = "urn:xmpp:push:0"

/** The FORM_TYPE of the publish-options form (XEP-0357 §5, XEP-0060 §7.1.5). */
export const PUBLISH_OPTIONS_FORM_TYPE = "http://jabber.org/protocol/pubsub#publish-options"

const DATA_FORMS_NS = "jabber:x:data"

/** Where pushes go: the app server (push service JID), its node, and optional publish options. */
export interface PushEnableOptions {
  /** The push service JID (the app server). */
  readonly jid: string
  /** The node on that service, chosen by the app server for this device. */
  readonly node: string
  /** Publish options sent with every push (e.g. `{ secret: "…" }`); values are text or lists. */
  readonly publishOptions?: Readonly<Record<string, string | readonly string[]>>
}

/** Which registration to remove: all nodes of a service, or one node. */
export interface PushDisableOptions {
  /** The push service JID. */
  readonly jid: string
  /** One node only; all nodes of `jid` when absent. */
  readonly node?: string
}

const required = (name: string, value: string | undefined): string => {
  if (value === undefined || value.trim() === "") {
    throw new AmpClientError("invalid-push-request", `XEP-0357 push needs a non-empty ${name}`)
  }
  return value
}

const publishOptionsForm = (
  options: Readonly<Record<string, string | readonly string[]>>,
): Element =>
  xml(
    "x",
    { xmlns: DATA_FORMS_NS, type: "submit" },
    xml("field", { var: "FORM_TYPE" }, xml("value", {}, PUBLISH_OPTIONS_FORM_TYPE)),
    ...Object.entries(options).map(([name, values]) =>
      xml(
        "field",
        { var: name },
        ...(typeof values === "string" ? [values] : values).map((value) => xml("value", {}, value)),
      ),
    ),
  )

/** The `<enable/>` element (XEP-0357 §5); throws `invalid-push-request` without jid or node. */
export const pushEnableElement = (options: PushEnableOptions): Element =>
  xml(
    "enable",
    {
      xmlns: PUSH_NS,
      jid: required("service jid", options.jid),
      node: required("node", options.node),
    },
    ...(options.publishOptions === undefined ? [] : [publishOptionsForm(options.publishOptions)]),
  )

/** The `<disable/>` element (XEP-0357 §6); throws `invalid-push-request` without jid. */
export const pushDisableElement = (options: PushDisableOptions): Element =>
  xml("disable", {
    xmlns: PUSH_NS,
    jid: required("service jid", options.jid),
    node: options.node === undefined ? undefined : required("node", options.node),
  })

/** Push for the connected account: enable, disable and the disco#info support check. */
export interface PushApi {
  /** Enables push for this session; resolves on the server's result, rejects on its error. */
  enable(options: PushEnableOptions): Promise<void>
  /** Disables push registrations; resolves on the server's result. */
  disable(options: PushDisableOptions): Promise<void>
  /** True when disco#info to the account's bare JID lists `urn:xmpp:push:0` (XEP-0357 §5). */
  isSupported(): Promise<boolean>
}

/** The push API over an iq caller; `account` gives the bare JID for the disco check. */
export const pushApi = (
  iqCaller: XmppIqCaller,
  account: () => string | undefined,
  timeout: number,
): PushApi => ({
  enable: async (options) => {
    await iqCaller.request(xml("iq", { type: "set" }, pushEnableElement(options)), timeout)
  },
  disable: async (options) => {
    await iqCaller.request(xml("iq", { type: "set" }, pushDisableElement(options)), timeout)
  },
  isSupported: async () => {
    const query = xml("query", { xmlns: DISCO_INFO_NS })
    const result = await iqCaller
      .request(xml("iq", { type: "get", to: account() }, query), timeout)
      .catch(() => undefined)
    const features = result?.getChild("query", DISCO_INFO_NS)?.getChildren("feature") ?? []
    return features.some((feature) => feature.attrs.var === PUSH_NS)
  },
})
