// A backend that cannot answer (here: closed) answers every call with an `io` StorageError
// naming the operation: reads and writes alike resolve with the error, none rejects or
// pretends to succeed.
import { expect, it } from "vitest"
import { createUserRecord } from "../../../src/auth/credentials.js"
import { StorageError } from "../../../src/storage/Storage.js"
import { expectValue } from "./backendMatrix.js"
import type { SuiteContext } from "./suiteContext.js"

/** Failures are values with a reason. */
export const failureSuite = ({ backend }: SuiteContext): void => {
  it("answers calls on a closed backend with an io error naming the operation", async () => {
    const store = backend()
    expectValue(await store.close())
    const calls = {
      "accounts.create": () => store.accounts.create(createUserRecord("juliet", "secret")),
      "accounts.count": () => store.accounts.count(),
      "roster.list": () => store.roster.list("juliet"),
      "offline.append": () =>
        store.offline.append(
          { username: "juliet", stanza: "<message/>", extra: null, messageKey: null, storedAt: 1 },
          { maxMessages: 10 },
        ),
      "archive.query": () => store.archive.query("juliet", { max: 10 }),
      "offline.has": () => store.offline.has("1"),
      "smPending.apply": () => store.smPending.apply([{ kind: "remove", seq: 1 }]),
      "smPending.moveToOffline": () =>
        store.smPending.moveToOffline(
          1,
          { username: "juliet", stanza: "<message/>", extra: null, messageKey: null, storedAt: 1 },
          { maxMessages: 10 },
        ),
      "ampPending.due": () => store.ampPending.due(1, 1),
      "pushRegistrations.load": () => store.pushRegistrations.load(),
    }
    for (const [operation, call] of Object.entries(calls)) {
      const outcome = await call()
      expect(outcome, operation).toBeInstanceOf(StorageError)
      expect(outcome, operation).toMatchObject({ operation, reason: "io" })
    }
  })
}
