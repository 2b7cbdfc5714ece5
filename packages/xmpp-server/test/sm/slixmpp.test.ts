// XEP-0198 resumption with an independent client, slixmpp (Debian's python3-slixmpp): its
// TCP connection is aborted from the client side between messages; it resumes the session
// and every message arrives exactly once, in order.
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest"
import { startTestServer, type TestServer } from "../helpers/testServer.js"

const script = fileURLToPath(new URL("./slixmpp_resume.py", import.meta.url))

interface ResumeResult {
  readonly resumed: boolean
  readonly bodies: ReadonlyArray<string>
  readonly failure: string | null
  /** Each wait of the script: its name, when it began and how long it took (seconds). */
  readonly steps: ReadonlyArray<readonly [string, number, number]>
}

const run = (options: object): Promise<ResumeResult> =>
  new Promise((resolve, reject) => {
    const child = execFile(
      "/usr/bin/python3",
      [script, JSON.stringify(options)],
      // Above the sum of the script's four waits (20 s each, see slixmpp_resume.py).
      { timeout: 90_000 },
      (error, stdout, stderr) => {
        if (error !== null) return reject(new Error(`slixmpp failed: ${error.message}\n${stderr}`))
        resolve(JSON.parse(stdout.trim().split("\n").pop() ?? "") as ResumeResult)
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
afterAll(async () => {
  await test.stop()
})

describe("XEP-0198 resumption with slixmpp", () => {
  it("resumes after the client aborts its TCP connection; nothing lost or duplicated", async () => {
    const result = await run({
      host: "127.0.0.1",
      port: test.c2sPort,
      password_alice: "alice-pass",
      password_bob: "bob-pass",
    })
    expect(result.failure, JSON.stringify(result.steps)).toBeNull()
    expect(result.resumed).toBe(true)
    expect(result.bodies).toEqual(["s1", "s2", "s3", "s4", "s5", "s6", "s7"])
  }, 100_000)
})
