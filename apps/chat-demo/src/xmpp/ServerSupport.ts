// The server-support panel's content: XEP-0030 disco#info of the user's server and account, plus the AMP
// node's actions and conditions (XEP-0079 §2.1.1) as @xmpp-amp/client discovered them.

import type { XmppClient } from "@xmpp/client"
import xml from "@xmpp/xml"
import type { AmpServerSupport } from "@xmpp-amp/client"
import type { SupportLine } from "../model/ChatStore.js"

const DISCO_INFO_NS = "http://jabber.org/protocol/disco#info"

/** Server features worth showing, by disco feature, in plain words. */
const knownFeatures: ReadonlyArray<readonly [string, string]> = [
  ["msgoffline", "Offline messages (kept until you sign in)"],
  ["urn:xmpp:mam:2", "Message archive (XEP-0313)"],
  ["urn:xmpp:carbons:2", "Copies to all your devices (XEP-0280)"],
  ["urn:xmpp:push:0", "Push notifications (XEP-0357)"],
  ["jabber:iq:register", "Sign-up in the app (XEP-0077)"],
  ["urn:xmpp:ping", "Ping (XEP-0199)"],
]

const actionWords: Readonly<Record<string, string>> = {
  alert: "tell you when it stops a message",
  drop: "silently discard",
  error: "answer with an error",
  notify: "report how it was delivered",
}

const conditionWords: Readonly<Record<string, string>> = {
  deliver: "how it is delivered",
  "expire-at": "an expiry time",
  "match-resource": "which device gets it",
}

/** The lines of the panel. Never throws: an unanswered query means "not supported". */
export const serverSupport = async (
  xmpp: XmppClient,
  domain: string,
  account: string,
  amp: AmpServerSupport,
): Promise<SupportLine[]> => {
  // XEP-0313 §7 (and others) advertise on the account (our bare JID), the rest on the domain.
  const discoInfo = (to: string) =>
    xmpp.iqCaller
      .request(xml("iq", { type: "get", to }, xml("query", { xmlns: DISCO_INFO_NS })), 10_000)
      .then(
        (result) =>
          result
            .getChild("query", DISCO_INFO_NS)
            ?.getChildren("feature")
            .map((feature) => String(feature.attrs.var)) ?? [],
        () => [],
      )
  const features = new Set((await Promise.all([discoInfo(domain), discoInfo(account)])).flat())
  const ampLine: SupportLine = amp.available
    ? {
        label: "Delivery options (AMP, XEP-0079)",
        supported: true,
        detail: `Actions: ${amp.actions.map((action) => `${action} (${actionWords[action] ?? action})`).join(", ")}. Conditions: ${amp.conditions.map((condition) => `${condition} (${conditionWords[condition] ?? condition})`).join(", ")}.`,
      }
    : {
        label: "Delivery options (AMP, XEP-0079)",
        supported: false,
        detail: "This server does not advertise AMP: messages are sent without delivery options.",
      }
  return [
    ampLine,
    ...knownFeatures.map(([feature, label]) => ({ label, supported: features.has(feature) })),
  ]
}
