// The plugin's lifecycle around sending: a failed write closes the tracker and frees its id,
// `stop()` detaches and closes everything, and an id already tracked is refused.
import xml from "@xmpp/xml"
import { expect, it } from "vitest"
import { amp, rule } from "../src/index.js"
import { stubClient } from "./helpers/stubClient.js"

const ME = "romeo@example.test/orchard"
const notify = (id: string) =>
  `<message from='example.test' id='${id}'><amp xmlns='http://jabber.org/protocol/amp' status='notify'><rule action='notify' condition='deliver' value='direct'/></amp></message>`

it("a failed write rejects send, closes the tracker and frees the id", async () => {
  const client = stubClient(ME)
  const plugin = amp(client)
  client.entity.send = async () => {
    throw new Error("socket closed")
  }
  const message = xml("message", { to: "juliet@example.test", id: "w1" })
  await expect(
    plugin.send(message, [rule.notify.deliver("direct")], { checkSupport: false }),
  ).rejects.toThrowError("socket closed")
  expect(plugin.track("w1").done).toBe(false)
})

it("send refuses an id that is already tracked, before writing anything", async () => {
  const client = stubClient(ME)
  const plugin = amp(client)
  plugin.track("dup")
  const message = xml("message", { to: "juliet@example.test", id: "dup" })
  await expect(
    plugin.send(message, [rule.notify.deliver("direct")], { checkSupport: false }),
  ).rejects.toMatchObject({ reason: "duplicate-id" })
  expect(client.sent).toEqual([])
  expect(message.getChild("amp")).toBeUndefined()
})

it("stop() closes trackers, ignores later replies and detaches from the entity", async () => {
  const client = stubClient(ME)
  const plugin = amp(client)
  const tracker = plugin.track("s1")
  const ignored: string[] = []
  plugin.on("reply-ignored", (reply) => ignored.push(reply.reason))
  plugin.stop()
  expect(await tracker.outcome()).toMatchObject({ type: "closed" })
  client.receive(notify("s1"))
  client.receive(notify("unknown"))
  expect(tracker.events).toEqual([])
  expect(ignored).toEqual([])
  client.emit("online")
  expect(client.iqs).toEqual([])
})
