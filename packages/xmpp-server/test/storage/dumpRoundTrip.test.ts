// Moving a deployment between backends (issue 22 item 4): a SQLite database holding every kind
// of row — accounts with SCRAM keys, roster items, offline messages with the AMP data beside
// them, archived messages (with gaps in their order), archive preferences, a XEP-0198 pending
// row, a pending AMP `expire-at` rule and a push registration — goes SQLite → PostgreSQL →
// SQLite through `xmpp-amp-server export` and `import` run as processes, and every export
// along the way is the same, record for record. Then the real server starts on the final SQLite
// database and the moved `expire-at` rule still fires: the alert reaches the sender.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, expect, it } from "vitest"
import { openPostgresBackend } from "../../src/storage/postgres/PostgresBackend.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import type { Repositories } from "../../src/storage/repositories/StorageBackend.js"
import { databaseFile } from "../../src/storage/SqliteStorage.js"
import { openSqliteBackend } from "../../src/storage/sqlite/SqliteBackend.js"
import { ampMessage, ampOf, rule, withId } from "../amp/ampClients.js"
import { runCli } from "../cli/runCli.js"
import { type PrivatePostgres, startPrivatePostgres } from "../helpers/privatePostgres.js"
import { startTestServerIn, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login, pause, roundTrip } from "../offline/clients.js"

const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-dump-round-trip-"))
let postgres: PrivatePostgres | undefined
const clients: Array<TestClient> = []
const servers: Array<TestServer> = []

beforeAll(async () => {
  postgres = await startPrivatePostgres()
}, 180_000)
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()))
  for (const server of servers.splice(0)) await server.stop().catch(() => undefined)
})
afterAll(() => {
  postgres?.stop()
  rmSync(directory, { recursive: true, force: true })
})

/** A config file for data in `name` (SQLite) or, with `url`, for that PostgreSQL database. */
const configFile = (name: string, url?: string): string => {
  const file = join(directory, `${name}.toml`)
  const storage = url === undefined ? "" : `[storage]\nbackend = "postgres"\nurl = "${url}"\n`
  writeFileSync(file, `[server]\ndata_dir = "${join(directory, name)}"\n${storage}`)
  return file
}

const cli = async (args: ReadonlyArray<string>): Promise<string> => {
  const result = await runCli(args, directory)
  expect(result.stderr.includes("xmpp-amp-server:") ? result.stderr : "", args.join(" ")).toBe("")
  expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0)
  return result.stdout
}

/** The records of a dump (the header left out), and its header. */
const recordsOf = (text: string) => {
  const [header, ...records] = text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>)
  return { header, records }
}

const value = <A>(outcome: A): Exclude<A, Error> => {
  if (failed(outcome as never)) throw outcome
  return outcome as Exclude<A, Error>
}

/** Roster items (frank and gina subscribed both ways), before anyone logs in. */
const seedRosters = async (repositories: Repositories): Promise<void> => {
  const contact = (jid: string, groups: ReadonlyArray<string>) => ({
    jid,
    name: jid === "gina@localhost" ? "Gina ✓" : undefined,
    subscription: "both" as const,
    ask_out: jid === "hank@localhost",
    pending_in: jid === "hank@localhost" ? "<presence type='subscribe'/>" : undefined,
    groups,
  })
  value(await repositories.roster.put("frank", contact("gina@localhost", ["Friends", "Ü"])))
  value(await repositories.roster.put("frank", contact("hank@localhost", [])))
  value(await repositories.roster.put("gina", contact("frank@localhost", [])))
}

/** Every other kind of row, written through the repositories of the stopped server's database. */
const seed = async (repositories: Repositories): Promise<void> => {
  const archived = (id: string, stamp: number) => ({
    id,
    username: "frank",
    direction: "outgoing" as const,
    peer: "gina@localhost",
    peerFull: "gina@localhost/home",
    stanza: `<message xmlns='jabber:client' to='gina@localhost' id='${id}'><body>${id} ✓</body></message>`,
    messageKey: id === "a2" ? null : `key-${id}`,
    stamp,
  })
  const appended = await repositories.archive.append([
    archived("a1", 1_700_000_000_001),
    archived("a2", 1_700_000_000_002),
    archived("a3", 1_700_000_000_003),
    archived("a4", 1_700_000_000_004),
  ])
  for (const outcome of appended) value(outcome)
  // A gap in the archive's order: the copy after it must keep its place and its sequence number.
  expect(value(await repositories.archive.remove("a2"))).toBe(true)
  value(
    await repositories.archive.setPrefs("frank", {
      defaultMode: "roster",
      always: ["gina@localhost"],
      never: ["spam@example.org"],
    }),
  )
  value(
    await repositories.offline.append(
      {
        username: "hank",
        stanza:
          "<message xmlns='jabber:client' from='frank@localhost/x' to='hank@localhost'><body>hi</body></message>",
        extra: null,
        messageKey: null,
        storedAt: 1_700_000_000_100,
      },
      { maxMessages: 100 },
    ),
  )
  value(
    await repositories.smPending.apply([
      {
        kind: "add",
        row: {
          seq: 41,
          // Dumps leave the owner out: imported rows belong to the single node.
          node: "standalone",
          username: "hank",
          resource: "tablet",
          stanza:
            "<message xmlns='jabber:client' to='hank@localhost/tablet'><body>pending</body></message>",
          createdAt: 1_700_000_000_200,
        },
      },
    ]),
  )
  value(
    await repositories.pushRegistrations.save({
      user: "gina@localhost",
      service: "push.example.org",
      node: "node-1",
      publishOptions: {
        type: "submit",
        fields: [{ var: "secret", values: ["s3cr3t"] }],
      } as never,
      lastUsed: 1_700_000_000_300,
      errorCount: 2,
    }),
  )
}

it("moves every row SQLite → PostgreSQL → SQLite unchanged, and a pending expire-at still fires after the move", async () => {
  const pg = postgres
  if (pg === undefined) throw new Error("PostgreSQL did not start")
  const original = configFile("original")
  const server = await startTestServerIn(join(directory, "original"), {
    config: { modules: { amp: { expiry_check_ms: 50 } } },
  })
  servers.push(server)
  for (const user of ["frank", "gina", "hank"]) await server.addUser(user, `${user}-pass`)
  await seedRosters(server.server.repositories)
  // The rule goes in over the wire: an offline message to gina with its AMP data beside it, and
  // the pending row. Due once the server has surely stopped (it would fire it itself otherwise).
  const phone = await login(server, "frank", "phone", 0)
  clients.push(phone)
  const due = Date.now() + 1500
  const rules = [rule("expire-at", new Date(due).toISOString(), "alert")]
  await phone.send(ampMessage("gina@localhost", "moved1", rules))
  await roundTrip(phone)
  await Promise.all(clients.splice(0).map((client) => client.stop()))
  await server.stop()
  servers.splice(0)
  const database = value(await openSqliteBackend(databaseFile(join(directory, "original"))))
  try {
    await seed(database)
  } finally {
    await database.close()
  }

  const first = await cli(["export", "--config", original])
  const { header, records } = recordsOf(first)
  expect(header).toMatchObject({
    type: "header",
    format: "xmpp-amp-dump",
    version: 1,
    backend: "sqlite",
  })
  const types = new Set(records.map((record) => record.type))
  expect([...types].sort()).toEqual([
    "account",
    "amp_pending",
    "archive",
    "mam_prefs",
    "offline",
    "push_registration",
    "roster",
    "sm_pending",
  ])
  // What is kept exactly: SCRAM keys, archive ids and order with the gap, the AMP data.
  const seeded = records.filter(
    (record) => record.type === "archive" && String(record.id).match(/^a\d$/) !== null,
  )
  const [a1, a3, a4] = seeded
  expect(seeded.map((record) => record.id)).toEqual(["a1", "a3", "a4"])
  expect([Number(a3?.seq) - Number(a1?.seq), Number(a4?.seq) - Number(a3?.seq)]).toEqual([2, 1])
  const ginaOffline = records.find(
    (record) => record.type === "offline" && record.username === "gina",
  )
  expect(ginaOffline?.extra).toEqual(expect.any(String))
  expect(records.find((record) => record.type === "account")).toMatchObject({
    sha256_stored_key: expect.any(String),
    sha1_server_key: expect.any(String),
  })

  const dumpFile = join(directory, "first.jsonl")
  writeFileSync(dumpFile, first)
  const url = await pg.createDatabase("moved")
  const onPostgres = configFile("on-postgres", url)
  expect(await cli(["import", "--config", onPostgres, "--input", dumpFile])).toContain(
    "imported 3 accounts, 3 roster items",
  )
  const secondFile = join(directory, "second.jsonl")
  await cli(["export", "--config", onPostgres, "--output", secondFile])
  const second = recordsOf(readFileSync(secondFile, "utf8"))
  expect(second.header).toMatchObject({ backend: "postgres" })
  expect(second.records).toEqual(records)

  const back = configFile("back")
  const imported = await runCli(
    ["import", "--config", back],
    directory,
    readFileSync(secondFile, "utf8"),
  )
  expect(imported.code, imported.stderr).toBe(0)
  const third = recordsOf(await cli(["export", "--config", back]))
  expect(third.records).toEqual(records)

  // PostgreSQL's identity sequences were moved past the imported rows: new rows come after them.
  const live = value(await openPostgresBackend({ url, poolSize: 2 }))
  try {
    const [appended] = await live.archive.append([
      {
        id: "after-move",
        username: "frank",
        direction: "outgoing",
        peer: "gina@localhost",
        peerFull: "gina@localhost",
        stanza: "<message xmlns='jabber:client'><body>after</body></message>",
        messageKey: null,
        stamp: Date.now(),
      },
    ])
    value(appended)
  } finally {
    await live.close()
  }
  const after = recordsOf(await cli(["export", "--config", onPostgres])).records
  const seqOf = (record: Record<string, unknown> | undefined) => Number(record?.seq)
  const archiveSeqs = records.filter((record) => record.type === "archive").map(seqOf)
  expect(seqOf(after.find((record) => record.id === "after-move"))).toBeGreaterThan(
    Math.max(...archiveSeqs),
  )

  // The real server on the final SQLite database fires the moved rule (due while it was down).
  await pause(Math.max(0, due + 300 - Date.now()))
  const moved = await startTestServerIn(join(directory, "back"), {
    config: { modules: { amp: { expiry_check_ms: 1000 } } },
  })
  servers.push(moved)
  const laptop = await login(moved, "frank", "laptop", 0)
  clients.push(laptop)
  const alert = await laptop.waitFor((stanza) => stanza.attrs.id === "moved1", 10_000)
  expect(ampOf(alert)).toEqual({
    status: "alert",
    from: "frank@localhost/phone",
    to: "gina@localhost",
    rules,
  })
  const gina = await login(moved, "gina", "home", 0)
  clients.push(gina)
  await roundTrip(gina)
  await pause(150)
  expect(withId(gina, "moved1")).toEqual([])
}, 180_000)
