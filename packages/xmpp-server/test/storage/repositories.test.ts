// Issue 22 item 3: every storage repository's behaviour, one test matrix: the same test bodies
// (test/storage/repositories/*Suite.ts) run against SQLite and against a private PostgreSQL.
import { afterAll, afterEach, beforeAll, beforeEach, describe } from "vitest"
import type { StorageBackend } from "../../src/storage/repositories/StorageBackend.js"
import { accountsSuite } from "./repositories/accountsSuite.js"
import { archiveSuite } from "./repositories/archiveSuite.js"
import { type BackendHarness, backendMatrix } from "./repositories/backendMatrix.js"
import { batchingSuite } from "./repositories/batchingSuite.js"
import { failureSuite } from "./repositories/failureSuite.js"
import { offlineSuite } from "./repositories/offlineSuite.js"
import { pendingSuite } from "./repositories/pendingSuite.js"
import { pushSuite } from "./repositories/pushSuite.js"
import { rosterSuite } from "./repositories/rosterSuite.js"
import type { SuiteContext } from "./repositories/suiteContext.js"

describe.each(backendMatrix)("storage repositories on $name", (entry) => {
  let harness: BackendHarness | undefined
  let current: StorageBackend | undefined
  /** Backends this test opened, all closed after it (closing twice is harmless). */
  let opened: Array<StorageBackend> = []

  beforeAll(async () => {
    harness = await entry.start()
  }, 180_000)
  afterAll(() => harness?.stop())
  beforeEach(async () => {
    if (harness === undefined) throw new Error(`the ${entry.name} backend did not start`)
    current = await harness.open()
    opened = [current]
  })
  afterEach(async () => {
    for (const backend of opened) await backend.close()
    opened = []
  })

  const context: SuiteContext = {
    backend: () => {
      if (current === undefined) throw new Error("no backend open")
      return current
    },
    reopen: async () => {
      if (harness === undefined || current === undefined) throw new Error("no backend open")
      await current.close()
      current = await harness.reopen()
      opened.push(current)
      return current
    },
  }

  describe("accounts", () => accountsSuite(context))
  describe("roster", () => rosterSuite(context))
  describe("offline", () => offlineSuite(context))
  describe("archive", () => archiveSuite(context))
  describe("pending rows", () => pendingSuite(context))
  describe("push registrations", () => pushSuite(context))
  describe("write batching", () => batchingSuite(context))
  describe("failures", () => failureSuite(context))
})
