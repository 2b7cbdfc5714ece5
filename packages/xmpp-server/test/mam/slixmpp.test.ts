// Offline delivery, carbons and MAM with slixmpp (Debian python3-slixmpp), an independent
// client: messages sent to an offline user arrive on login with delay stamps and stanza ids,
// carbons can be enabled, and the archive pages through XEP-0059 one message at a time.
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, expect, it, onTestFinished } from "vitest"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import { chat, login, roundTrip } from "../offline/clients.js"

const script = fileURLToPath(new URL("./slixmpp_storage.py", import.meta.url))

interface StorageResult {
  readonly messages: ReadonlyArray<{ body: string; delay: string | null; stanza_id: string | null }>
  readonly carbons: string | null
  readonly archive: ReadonlyArray<string> | null
  readonly failure: string | null
}

const runScript = (options: object): Promise<StorageResult> =>
  new Promise((resolve, reject) => {
    const child = execFile(
      "/usr/bin/python3",
      [script, JSON.stringify(options)],
      { timeout: 25_000 },
      (error, stdout, stderr) => {
        if (error !== null) return reject(new Error(`slixmpp failed: ${error.message}\n${stderr}`))
        resolve(JSON.parse(stdout.trim().split("\n").pop() ?? "") as StorageResult)
      },
    )
    // Killed once the test is over, passed, failed or timed out: no interpreter left behind.
    onTestFinished(() => {
      child.kill("SIGKILL")
    })
  })

let test: TestServer
beforeAll(async () => {
  test = await startTestServer()
  await test.addUser("alice", "alice-pass")
  await test.addUser("bob", "bob-pass")
})
afterAll(() => test.stop())

it("slixmpp gets offline messages with delay stamps, enables carbons and pages its archive", async () => {
  const alice = await login(test, "alice", "a", 0)
  await alice.send(chat("bob@localhost", "s1", "first"))
  await alice.send(chat("bob@localhost", "s2", "second"))
  await roundTrip(alice)
  const result = await runScript({
    host: "127.0.0.1",
    port: test.c2sPort,
    jid: "bob@localhost/sli",
    password: "bob-pass",
    expect_messages: 2,
  })
  await alice.stop()
  expect(result.failure).toBeNull()
  expect(result.messages.map((message) => message.body)).toEqual(["first", "second"])
  for (const message of result.messages) {
    expect(Number.isNaN(Date.parse(message.delay ?? ""))).toBe(false)
    expect(message.stanza_id).not.toBeNull()
  }
  expect(result.carbons).toBe("enabled")
  expect(result.archive).toEqual(["first", "second"])
}, 30_000)
