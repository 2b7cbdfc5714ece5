// A MAM page larger than the 8 MiB output cap (issue 25, item 1): 50 archived messages of
// 200 KB come whole to a client that reads, results then `<fin/>`, over a raw TCP stream.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { pause } from "../offline/clients.js"

let test: TestServer
const connections: Array<RawConnection> = []

beforeAll(async () => {
  test = await startTestServer({
    config: {
      listen: { c2s: { tls: "optional", allow_plain_without_tls: true } },
      modules: { offline: { enabled: false } },
    },
  })
  for (const name of ["alice", "bob"]) await test.addUser(name, `${name}-pass`)
})
afterAll(async () => {
  for (const connection of connections) connection.destroy()
  await test.stop()
})

const login = async (username: string, resource: string) => {
  const connection = await rawLogin(
    test.c2sPort,
    "localhost",
    username,
    `${username}-pass`,
    resource,
  )
  connections.push(connection)
  return connection
}

const filler = "y".repeat(200_000)

describe("a MAM page larger than the output cap", () => {
  it("comes whole to a client that reads: 50 × 200 KB results, then the fin", async () => {
    const sender = await login("alice", "sender")
    for (let index = 0; index < 50; index++)
      sender.send(
        `<message type='chat' to='bob@localhost' id='p${index}'><body>page-${index}-${filler}</body></message>`,
      )
    sender.send("<iq type='get' id='sent' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
    await sender.waitFor(/id=["']sent["']/, 30_000)
    await pause(100)
    const reader = await login("alice", "reader")
    reader.send(
      `<iq type='set' id='page'><query xmlns='urn:xmpp:mam:2' queryid='big'><set xmlns='http://jabber.org/protocol/rsm'><max>50</max></set></query></iq>`,
    )
    await reader.waitFor((text) => text.slice(-2000).includes("<fin "), 60_000)
    const text = reader.text()
    const results = [...text.matchAll(/<result [^>]*queryid=["']big["'][^>]*>/g)]
    expect(results).toHaveLength(50)
    const bodies = [...text.matchAll(/<body>(page-\d+)-y+<\/body>/g)].map((match) => match[1])
    expect(bodies).toEqual(Array.from({ length: 50 }, (_, index) => `page-${index}`))
    expect(text).toMatch(/<fin [^>]*complete=["']true["']/)
    expect(text).not.toContain("<stream:error")
  }, 120_000)
})
