// SASL over the account repository (issue 22): the account is read once per authentication,
// asynchronously. A storage failure is answered with `<temporary-auth-failure/>` (RFC 6120
// §6.5.12) and logged, not counted as a wrong password, and the stream may try again; what the
// client sends while the account is being read is handled after the answer, in order.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import { StorageError } from "../../src/storage/Storage.js"
import { clientHeader, openRaw, type RawConnection } from "../helpers/rawSocket.js"
import { plainAuth, scramClient } from "../helpers/saslClient.js"
import { type LimitsServer, startLimitsServer } from "../limits/limitsServer.js"

let test: LimitsServer
const open: Array<RawConnection> = []

beforeAll(async () => {
  test = await startLimitsServer()
  await test.addUser("alice")
})
afterEach(() => {
  vi.restoreAllMocks()
  for (const connection of open.splice(0)) connection.destroy()
})
afterAll(async () => {
  await test.stop()
})

const negotiating = async (): Promise<RawConnection> => {
  const connection = await openRaw(test.c2sPort)
  open.push(connection)
  connection.send(clientHeader("localhost"))
  await connection.waitFor("</stream:features>")
  return connection
}

const temporaryFailure =
  "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><temporary-auth-failure/></failure>"

const failStorageOnce = () =>
  vi
    .spyOn(test.server.repositories.accounts, "get")
    .mockResolvedValueOnce(new StorageError("accounts.get", "io", "the disk went away"))

describe("SASL when storage fails", () => {
  it("answers SCRAM with temporary-auth-failure, logs it, and lets the stream try again", async () => {
    const failures = test.events("auth-storage-failed").length
    failStorageOnce()
    const connection = await negotiating()
    connection.send(scramClient("SCRAM-SHA-256", "alice").auth)
    await connection.waitFor(temporaryFailure)
    expect(connection.text()).not.toContain("<challenge")
    expect(test.events("auth-storage-failed").slice(failures)).toMatchObject([
      { level: "error", operation: "accounts.get", reason: "io" },
    ])
    const again = scramClient("SCRAM-SHA-256", "alice")
    connection.send(again.auth)
    const challenged = await connection.waitFor("</challenge>")
    connection.send(
      again.response(challenged.slice(challenged.indexOf(temporaryFailure)), "secret"),
    )
    await connection.waitFor("<success")
  })

  it("answers PLAIN with temporary-auth-failure, never not-authorized", async () => {
    failStorageOnce()
    const connection = await negotiating()
    connection.send(plainAuth("alice", "secret"))
    await connection.waitFor(temporaryFailure)
    expect(connection.text()).not.toContain("not-authorized")
    connection.send(plainAuth("alice", "secret"))
    await connection.waitFor("<success")
  })
})

describe("SASL input while the account is read", () => {
  it("handles what arrived meanwhile after the answer, in order", async () => {
    const get = test.server.repositories.accounts.get.bind(test.server.repositories.accounts)
    vi.spyOn(test.server.repositories.accounts, "get").mockImplementation(
      (username) => new Promise((resolve) => setTimeout(() => resolve(get(username)), 300)),
    )
    const connection = await negotiating()
    // One write: a wrong password, then the right one while the first is still being checked.
    connection.send(plainAuth("alice", "wrong") + plainAuth("alice", "secret"))
    const text = await connection.waitFor("<success", 10_000)
    const answers = text.slice(text.indexOf("</stream:features>"))
    expect(answers).not.toContain("stream:error")
    expect(answers.indexOf("<not-authorized/>")).toBeGreaterThan(0)
    expect(answers.indexOf("<not-authorized/>")).toBeLessThan(answers.indexOf("<success"))
  })
})
