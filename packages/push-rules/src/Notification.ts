// XEP-0357 §7: the publish IQ the user's server sends to the app server, a pubsub `<publish/>` of
// a `<notification/>` holding the summary form, plus `<publish-options/>` echoing the enable form.
import xml, { type Element } from "@xmpp/xml"
import { type DataForm, dataFormCodec } from "./DataForm.js"
import type { ElementCodec } from "./ElementCodec.js"
import { DATA_FORMS_NS, PUBSUB_NS, PUSH_NS } from "./Namespaces.js"
import { parsePublishOptions } from "./PublishOptions.js"
import { type ParseResult, parsed, refused } from "./PushRequestError.js"
import { type NotificationSummary, summaryFromForm, summaryToForm } from "./Summary.js"

/** One push: who sends it to which app server node, with which summary and options. */
export interface PushNotification {
  /** The user's server domain (`from`). */
  readonly from: string
  /** The app server JID (`to`). */
  readonly to: string
  /** The IQ id, used to match the app server's answer. */
  readonly id: string
  /** The pubsub node given at enable time. */
  readonly node: string
  /** The summary form's content. */
  readonly summary: NotificationSummary
  /** The publish-options form given at enable time, if any. */
  readonly publishOptions?: DataForm
}

const parseNotificationIq = (iq: Element): ParseResult<PushNotification> => {
  const { from, to, id, type } = iq.attrs
  if (type !== "set") return refused("not-an-iq-set", "a push is an <iq type='set'/>")
  if (typeof from !== "string" || typeof to !== "string" || typeof id !== "string") {
    return refused("missing-jid", "a push IQ needs 'from', 'to' and 'id'")
  }
  const pubsub = iq.getChild("pubsub", PUBSUB_NS)
  const publish = pubsub?.getChild("publish")
  const node = publish?.attrs.node
  if (pubsub === undefined || publish === undefined) {
    return refused("missing-element", "a push holds <pubsub><publish/></pubsub>")
  }
  if (typeof node !== "string" || node.length === 0) {
    return refused("missing-node", "<publish/> needs a 'node'")
  }
  const notification = publish.getChild("item")?.getChild("notification", PUSH_NS)
  if (notification === undefined) {
    return refused("missing-notification", "<publish/> holds <item><notification/></item>")
  }
  const summary = parseSummaryOf(notification)
  if (!summary.ok) return summary
  const optionsElement = pubsub.getChild("publish-options")
  const options =
    optionsElement === undefined ? parsed(undefined) : parsePublishOptions(optionsElement)
  if (!options.ok) return options
  const base = { from, to, id, node, summary: summary.value }
  return parsed(options.value === undefined ? base : { ...base, publishOptions: options.value })
}

const parseSummaryOf = (notification: Element): ParseResult<NotificationSummary> => {
  const formElement = notification.getChild("x", DATA_FORMS_NS)
  if (formElement === undefined) return parsed({})
  const form = dataFormCodec.parse(formElement)
  return form.ok ? summaryFromForm(form.value) : form
}

const serializeNotificationIq = (push: PushNotification): Element =>
  xml(
    "iq",
    { type: "set", from: push.from, to: push.to, id: push.id },
    xml(
      "pubsub",
      { xmlns: PUBSUB_NS },
      xml(
        "publish",
        { node: push.node },
        xml(
          "item",
          {},
          xml(
            "notification",
            { xmlns: PUSH_NS },
            dataFormCodec.serialize(summaryToForm(push.summary)),
          ),
        ),
      ),
      ...(push.publishOptions === undefined
        ? []
        : [xml("publish-options", {}, dataFormCodec.serialize(push.publishOptions))]),
    ),
  )

/** The push publish `<iq type='set'/>` (XEP-0357 §7), parsed and written from one declaration. */
export const pushNotificationCodec: ElementCodec<PushNotification> = {
  name: "iq",
  xmlns: "jabber:client",
  parse: parseNotificationIq,
  serialize: serializeNotificationIq,
}
