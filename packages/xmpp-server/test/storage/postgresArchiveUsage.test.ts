// The archive's byte usage on PostgreSQL (`mam_usage`, the mam module's second migration): a
// database whose archive already holds messages when the step is applied starts with each
// user's bytes counted from them, and the triggers keep counting from there (an account's
// deletion takes its usage with it).
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createUserRecord } from "../../src/auth/credentials.js"
import { openPostgresBackend } from "../../src/storage/postgres/PostgresBackend.js"
import type { ArchivedMessage } from "../../src/storage/repositories/ArchiveRepository.js"
import { type PrivatePostgres, startPrivatePostgres } from "../helpers/privatePostgres.js"
import { expectValue } from "./repositories/backendMatrix.js"

const copy = (id: string, username: string, body: string): ArchivedMessage => ({
  id,
  username,
  direction: "incoming",
  peer: "romeo@example.net",
  peerFull: "romeo@example.net/phone",
  stanza: `<message><body>${body}</body></message>`,
  messageKey: null,
  stamp: 1,
})

/** Undoes the usage migration, as a database migrated before it existed looks. */
const withoutUsage = `DROP TRIGGER mam_usage_added ON mam_messages;
  DROP TRIGGER mam_usage_removed ON mam_messages;
  DROP FUNCTION mam_usage_added(); DROP FUNCTION mam_usage_removed();
  DROP TABLE mam_usage; DROP INDEX mam_messages_by_stamp;
  DELETE FROM schema_migrations WHERE module = 'mam' AND step = 1;`

describe("mam_usage on PostgreSQL", () => {
  let postgres: PrivatePostgres | undefined
  beforeAll(async () => {
    postgres = await startPrivatePostgres()
  }, 180_000)
  afterAll(() => postgres?.stop())

  it("counts the messages already archived when it is added, then every change", async () => {
    if (postgres === undefined) throw new Error("PostgreSQL did not start")
    const url = await postgres.createDatabase("usage_upgrade")
    const first = expectValue(await openPostgresBackend({ url, poolSize: 2 }))
    for (const user of ["juliet", "nurse"])
      expect(await first.accounts.create(createUserRecord(user, "secret"))).toBe(true)
    const held = [
      copy("j1", "juliet", "é".repeat(10)),
      copy("j2", "juliet", "x"),
      copy("n1", "nurse", "y"),
    ]
    expectValue(await first.archive.append(held))
    await first.close()
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await client.query(withoutUsage)
    } finally {
      await client.end()
    }

    const upgraded = expectValue(await openPostgresBackend({ url, poolSize: 2 }))
    try {
      const bytes = (index: number) => Buffer.byteLength(held[index]?.stanza ?? "")
      const next = copy("j3", "juliet", "z")
      expect(await upgraded.archive.appendUnderQuota([next], { maxBytes: 0 })).toEqual([
        { stored: true, usedBytes: bytes(0) + bytes(1) + Buffer.byteLength(next.stanza) },
      ])
      expect(await upgraded.archive.remove("j1")).toBe(true)
      const later = copy("j4", "juliet", "w")
      expect(await upgraded.archive.appendUnderQuota([later], { maxBytes: 0 })).toEqual([
        {
          stored: true,
          usedBytes: bytes(1) + Buffer.byteLength(next.stanza) + Buffer.byteLength(later.stanza),
        },
      ])
      expect(await upgraded.accounts.delete("nurse")).toBe(true)
      expect(await upgraded.accounts.create(createUserRecord("nurse", "secret"))).toBe(true)
      const fresh = copy("n2", "nurse", "v")
      expect(await upgraded.archive.appendUnderQuota([fresh], { maxBytes: 0 })).toEqual([
        { stored: true, usedBytes: Buffer.byteLength(fresh.stanza) },
      ])
    } finally {
      await upgraded.close()
    }
  }, 60_000)
})
