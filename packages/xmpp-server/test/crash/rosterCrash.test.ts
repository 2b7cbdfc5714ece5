// Crash safety of the roster group commit (issue 25 item 2): roster sets are committed per
// event-loop turn, and a set is answered only once its commit is durable. The server CLI runs
// as a child process; a client pipelines 3,000 roster sets and the server is killed with
// SIGKILL once about a third are answered. Every set the server answered with a result must be
// in the database afterwards.
import { afterAll, describe, expect, it } from "vitest"
import { databaseFile } from "../../src/index.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import { openSqliteBackend } from "../../src/storage/sqlite/SqliteBackend.js"
import { rawLogin } from "../helpers/rawSocket.js"
import { countReplies, rosterSetText } from "../roster/rosterReplies.js"
import { crashBed } from "./cliServer.js"

const bed = crashBed()
afterAll(() => bed.cleanup())

describe("roster crash safety", () => {
  it("keeps every answered roster set across a SIGKILL", async () => {
    bed.addUsers(["juliet"], "crash-pass")
    const server = await bed.start()
    const juliet = await rawLogin(server.port, "localhost", "juliet", "crash-pass", "r")
    const replies = countReplies(juliet, "set-")
    const total = 3000
    for (let start = 0; start < total; start += 500) {
      let batch = ""
      for (let index = start; index < start + 500; index++)
        batch += rosterSetText("set-", index, `contact${index}@localhost`, `Contact ${index}`)
      juliet.send(batch)
    }
    await replies.whenReplies(1000, 60_000)
    await server.kill()
    juliet.destroy()
    const answered = [...juliet.text().matchAll(/type="result" id="set-(\d+)"/g)].map((match) =>
      Number(match[1]),
    )
    expect(answered.length).toBeGreaterThanOrEqual(1000)
    // Read through the roster repository (a second connection; WAL lets it read after a kill).
    const backend = await openSqliteBackend(databaseFile(bed.dataDir))
    if (failed(backend)) throw backend
    const items = await backend.roster.list("juliet")
    await backend.close()
    if (failed(items)) throw items
    const names = new Map(items.map((item) => [item.jid, item.name]))
    const stored = answered.filter(
      (index) => names.get(`contact${index}@localhost`) === `Contact ${index}`,
    )
    expect(stored.length).toBe(answered.length)
  }, 120_000)
})
