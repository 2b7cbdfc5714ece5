import xml from "@xmpp/xml"
import { expect, it } from "vitest"
import { rule } from "../src/index.js"
import { ampServer } from "./helpers/disco.js"
import { JULIET, openSession } from "./helpers/session.js"

it("smoke", async () => {
  const session = await openSession({ discoInfo: ampServer() })
  const tracker = await session.amp.send(xml("message", { to: JULIET }, xml("body", {}, "hi")), [
    rule.notify.deliver("direct"),
  ])
  const sent = await session.server.waitFor((s) => s.name === "message")
  console.log(sent.toString(), session.server.discoQueries)
  session.server.send(
    `<message from='example.test' to='romeo@example.test/orchard' id='${tracker.id}'><amp xmlns='http://jabber.org/protocol/amp' status='notify' from='romeo@example.test/orchard' to='${JULIET}'><rule action='notify' condition='deliver' value='direct'/></amp></message>`,
  )
  const outcome = await tracker.outcome({ timeout: 2000 })
  expect(outcome.type).toBe("notified")
  await session.close()
})
