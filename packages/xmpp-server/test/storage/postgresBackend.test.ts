// The PostgreSQL backend's own concerns (issue 22 items 4-6): two nodes that open the same
// fresh database at once both migrate it without racing (the schema applied once, under
// pg_advisory_lock); a URL nothing listens on is one clear error naming it; the Unix socket in
// the private server's directory works; and the test helper's server is really gone after
// `stop()`, its directory removed.
import { existsSync } from "node:fs"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createUserRecord } from "../../src/auth/credentials.js"
import { openPostgresBackend } from "../../src/storage/postgres/PostgresBackend.js"
import { postgresMigrations } from "../../src/storage/postgres/postgresMigrations.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import { StorageError } from "../../src/storage/Storage.js"
import { freePort } from "../helpers/freePort.js"
import {
  alive,
  type PrivatePostgres,
  postmasterPid,
  startPrivatePostgres,
} from "../helpers/privatePostgres.js"
import { expectValue } from "./repositories/backendMatrix.js"

describe("the PostgreSQL backend", () => {
  let postgres: PrivatePostgres | undefined
  const server = () => {
    if (postgres === undefined) throw new Error("PostgreSQL did not start")
    return postgres
  }

  beforeAll(async () => {
    postgres = await startPrivatePostgres()
  }, 180_000)
  afterAll(() => postgres?.stop())

  it("migrates a fresh database from several nodes at once: all succeed, each step once", async () => {
    const url = await server().createDatabase("together")
    const nodes = await Promise.all(
      Array.from({ length: 4 }, () => openPostgresBackend({ url, poolSize: 2 })),
    )
    try {
      for (const node of nodes) expect(failed(node), String(node)).toBe(false)
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        const recorded = await client.query<{ module: string; step: number; n: string }>(
          "SELECT module, step, count(*) AS n FROM schema_migrations GROUP BY module, step ORDER BY module, step",
        )
        const expected = postgresMigrations
          .flatMap(({ module, steps }) => steps.map((_, step) => ({ module, step, n: "1" })))
          .sort((left, right) =>
            left.module < right.module
              ? -1
              : left.module > right.module
                ? 1
                : left.step - right.step,
          )
        expect(recorded.rows).toEqual(expected)
      } finally {
        await client.end()
      }
      // Every node works on the one schema.
      const [first, second] = nodes.map(expectValue)
      expect(await first?.accounts.create(createUserRecord("juliet", "secret"))).toBe(true)
      expect(await second?.accounts.get("juliet")).toMatchObject({ username: "juliet" })
    } finally {
      for (const node of nodes) if (!failed(node)) await node.close()
    }
  })

  it("opens a database that is migrated already without applying anything again", async () => {
    const url = await server().createDatabase("again")
    expectValue(await expectValue(await openPostgresBackend({ url })).close())
    const reopened = expectValue(await openPostgresBackend({ url }))
    try {
      expect(await reopened.accounts.count()).toBe(0)
    } finally {
      await reopened.close()
    }
  })

  it("connects over the Unix socket in the server's directory", async () => {
    await server().createDatabase("socket")
    const backend = expectValue(await openPostgresBackend({ url: server().socketUrl("socket") }))
    try {
      expect(await backend.accounts.create(createUserRecord("romeo", "secret"))).toBe(true)
    } finally {
      await backend.close()
    }
  })

  it("answers a URL nothing listens on with one io error naming the URL without its password", async () => {
    const port = await freePort()
    const url = `postgres://xmpp:hunter2@127.0.0.1:${port}/xmpp`
    const outcome = await openPostgresBackend({ url })
    expect(outcome).toBeInstanceOf(StorageError)
    expect(outcome).toMatchObject({ operation: "open", reason: "io" })
    const message = (outcome as StorageError).message
    expect(message).toContain(`postgres://xmpp:***@127.0.0.1:${port}/xmpp`)
    expect(message).toMatch(/ECONNREFUSED/)
    expect(message).not.toContain("hunter2")
  })

  it("answers a database that does not exist with an error naming it", async () => {
    const outcome = await openPostgresBackend({ url: server().url("missing") })
    expect(outcome).toBeInstanceOf(StorageError)
    expect((outcome as StorageError).message).toMatch(/missing/)
  })
})

describe("the private PostgreSQL of the tests", () => {
  it("is stopped and its directory removed by stop(), and stop() may be called twice", async () => {
    const postgres = await startPrivatePostgres()
    const pid = postmasterPid(postgres)
    try {
      expect(alive(pid)).toBe(true)
      expect(existsSync(postgres.directory)).toBe(true)
    } finally {
      postgres.stop()
    }
    expect(alive(pid)).toBe(false)
    expect(existsSync(postgres.directory)).toBe(false)
    postgres.stop()
  }, 180_000)
})
