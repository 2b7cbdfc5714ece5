// The offline load of `npm run bench -- --storage` against the real server on loopback: each
// bench client sends to its account that never logs in with `deliver=stored notify`, and every
// message counts (with its latency) once its notify arrives, which the server sends only after
// the offline store is committed; the messages are then in the recipients' offline storage.
import { afterEach, describe, expect, it } from "vitest"
import { offlineAccountOf, provisionAccounts } from "../../bench/provisionAccounts.js"
import { runLoad } from "../../bench/runLoad.js"
import { XmppClient } from "../../bench/xmppClient.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"

const accounts = { prefix: "bench", count: 3, password: "bench-password", domain: "localhost" }
const messagesPerClient = 5

describe("the --storage bench's offline load", () => {
  let test: TestServer | undefined
  afterEach(async () => {
    await test?.stop()
    test = undefined
  })

  it("times each message by the notify of its offline store", async () => {
    test = await startTestServer({ config: { modules: { mam: { enabled: false } } } })
    await provisionAccounts(test.server.repositories, accounts)
    const port = test.c2sPort
    const result = await runLoad({
      clients: accounts.count,
      messagesPerClient,
      ratePerClient: 50,
      window: 2,
      loginConcurrency: 3,
      settleMilliseconds: 0,
      timeoutMilliseconds: 30_000,
      serverPid: undefined,
      offlineRecipientOf: (index) => `${offlineAccountOf("bench", index + 1)}@localhost`,
      login: (index) =>
        XmppClient.login({
          host: "127.0.0.1",
          port,
          domain: "localhost",
          username: `bench${index + 1}`,
          password: accounts.password,
          resource: "bench",
          mechanism: "SCRAM-SHA-1",
          starttls: true,
        }).then((session) => {
          session.client.ampRule = "stored"
          return session
        }),
    })
    expect(result.failures).toEqual([])
    expect(result.messagesSent).toBe(accounts.count * messagesPerClient)
    expect(result.messagesDelivered).toBe(accounts.count * messagesPerClient)
    expect(result.ampNotifications).toBe(accounts.count * messagesPerClient)
    expect(result.latencyP99Milliseconds).toBeGreaterThan(0)
    expect(result.latencyP99Milliseconds).toBeLessThan(30_000)
    for (let index = 1; index <= accounts.count; index++) {
      const stored = await test.server.repositories.offline.count(offlineAccountOf("bench", index))
      expect(failed(stored) ? stored.message : stored).toBe(messagesPerClient)
    }
  }, 60_000)
})
