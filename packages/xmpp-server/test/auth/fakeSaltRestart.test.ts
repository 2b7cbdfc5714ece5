// An unknown user's SCRAM salt survives a restart, as a real account's does (src/sasl/
// FakeSaltSecret.ts): before, the fake salt came from a secret drawn at every start, so
// asking for the salt before and after a restart told which accounts exist. The server runs
// as a separate process (the CLI), killed and started again on the same data_dir.
import { statSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { crashBed } from "../crash/cliServer.js"
import { clientHeader, openRaw } from "../helpers/rawSocket.js"
import { challengeSalt, type ScramMechanism, scramClient } from "../helpers/saslClient.js"

const bed = crashBed()
afterAll(() => bed.cleanup())

/** The salt the server offers `username` for `mechanism`. */
const saltOf = async (
  port: number,
  mechanism: ScramMechanism,
  username: string,
): Promise<string> => {
  const connection = await openRaw(port)
  try {
    connection.send(clientHeader("localhost"))
    await connection.waitFor("</stream:features>")
    connection.send(scramClient(mechanism, username).auth)
    const salt = challengeSalt(await connection.waitFor("</challenge>"))
    if (salt === undefined) throw new Error("no salt in the challenge")
    return salt
  } finally {
    connection.destroy()
  }
}

const probe = async (port: number) => ({
  ghostSha1: await saltOf(port, "SCRAM-SHA-1", "ghost"),
  ghostSha256: await saltOf(port, "SCRAM-SHA-256", "ghost"),
  aliceSha256: await saltOf(port, "SCRAM-SHA-256", "alice"),
})

describe("the fake SCRAM salt", () => {
  it("is the same after a restart on the same data_dir, like a real account's", async () => {
    bed.addUsers(["alice"], "alice-pass")
    const first = await bed.start()
    const before = await probe(first.port)
    await first.kill()
    const second = await bed.start()
    const after = await probe(second.port)
    await second.kill()
    expect(after).toEqual(before)
    // One salt per hash, as a real account has.
    expect(before.ghostSha1).not.toBe(before.ghostSha256)
  }, 60_000)

  it("comes from a secret only the server's user can read", () => {
    const secretFile = join(bed.dataDir, "scram-fake-salt.secret")
    expect(statSync(secretFile).mode & 0o777).toBe(0o600)
    expect(statSync(secretFile).size).toBe(32)
  })
})
