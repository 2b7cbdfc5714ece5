// `xmpp-amp-server migrate`, `export` and `import` as processes (issue 22 items 4 and 5):
// migrate says in one line what it did, on SQLite and PostgreSQL; an unreachable PostgreSQL is
// one line naming the URL (password masked) and what failed, exit 1; import checks every line
// first and names the line of each mistake, refuses a database that is not empty without
// touching it, and is all or nothing when the database itself rejects a row.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createUserRecord, makeConfig, silentLogger, startServer } from "../../src/index.js"
import { openPostgresBackend } from "../../src/storage/postgres/PostgresBackend.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import { freePort } from "../helpers/freePort.js"
import { type PrivatePostgres, startPrivatePostgres } from "../helpers/privatePostgres.js"
import { runCli } from "./runCli.js"

const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-storage-commands-"))
let postgres: PrivatePostgres | undefined
let databases = 0

beforeAll(async () => {
  postgres = await startPrivatePostgres()
}, 180_000)
afterAll(() => {
  postgres?.stop()
  rmSync(directory, { recursive: true, force: true })
})

/** A config file for SQLite data in `name`, or for `url`'s PostgreSQL database. */
const configFile = (name: string, url?: string): string => {
  const file = join(directory, `${name}.toml`)
  const storage = url === undefined ? "" : `[storage]\nbackend = "postgres"\nurl = "${url}"\n`
  writeFileSync(file, `[server]\ndata_dir = "${join(directory, name)}"\n${storage}`)
  return file
}

const freshPostgres = async (): Promise<string> => {
  if (postgres === undefined) throw new Error("PostgreSQL did not start")
  databases += 1
  return configFile(`pg-${databases}`, await postgres.createDatabase(`commands_${databases}`))
}

const cli = (args: ReadonlyArray<string>, stdin?: string) => runCli(args, directory, stdin)

const header =
  '{"type":"header","format":"xmpp-amp-dump","version":1,"backend":"sqlite","exported_at":"2026-01-01T00:00:00.000Z"}'
const account = (username: string) =>
  JSON.stringify({
    type: "account",
    username,
    sha1_salt: "c2FsdA==",
    sha1_iterations: 4096,
    sha1_stored_key: "a2V5",
    sha1_server_key: "a2V5",
    sha256_salt: "c2FsdA==",
    sha256_iterations: 4096,
    sha256_stored_key: "a2V5",
    sha256_server_key: "a2V5",
    created_at: 1_700_000_000_000,
  })
const offline = (seq: number, username: string, stanza: string) =>
  JSON.stringify({
    type: "offline",
    seq,
    username,
    stanza,
    extra: null,
    message_key: null,
    stored_at: 1,
  })

/** The number of accounts an export of `config` holds. */
const accountsIn = async (config: string): Promise<number> => {
  const exported = await cli(["export", "--config", config])
  expect(exported.code, exported.stderr).toBe(0)
  return exported.stdout.split("\n").filter((line) => line.includes('"type":"account"')).length
}

describe("migrate", () => {
  it("creates the SQLite schema, then finds it up to date", async () => {
    const config = configFile("migrate-sqlite")
    const first = await cli(["migrate", "--config", config])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(
      /^migrated the sqlite database .*xmpp-amp\.sqlite: applied \d+ schema steps \(\d+ in all\)\n$/,
    )
    const again = await cli(["migrate", "--config", config])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/is up to date \(\d+ schema steps; nothing to apply\)\n$/)
  }, 60_000)

  it("creates the PostgreSQL schema, then finds it up to date", async () => {
    const config = await freshPostgres()
    const first = await cli(["migrate", "--config", config])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(
      /^migrated the postgres database postgres:\/\/xmpp@127\.0\.0\.1:\d+\/commands_\d+: applied \d+ schema steps/,
    )
    const again = await cli(["migrate", "--config", config])
    expect(again.stdout).toContain("is up to date")
  }, 60_000)

  it("reports an unreachable PostgreSQL in one line naming the URL (password masked), exit 1", async () => {
    const port = await freePort()
    const config = configFile("unreachable", `postgres://xmpp:hunter2@127.0.0.1:${port}/xmpp`)
    const result = await cli(["migrate", "--config", config])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).toBe(
      `xmpp-amp-server: cannot migrate the postgres database postgres://xmpp:***@127.0.0.1:${port}/xmpp: open: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    )
  }, 60_000)
})

describe("start on PostgreSQL", () => {
  it("exits with one line naming the URL (password masked) when PostgreSQL is unreachable, status 1", async () => {
    const port = await freePort()
    const config = configFile("start-unreachable", `postgres://xmpp:hunter2@127.0.0.1:${port}/xmpp`)
    const result = await cli(["start", "--config", config])
    expect(result.code).toBe(1)
    const lines = result.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`postgres://xmpp:***@127.0.0.1:${port}/xmpp`)
    expect(lines[0]).toContain("ECONNREFUSED")
    expect(result.stderr).not.toContain("hunter2")
  }, 60_000)

  it("adds accounts with adduser and adduser --from-file into the configured PostgreSQL", async () => {
    const config = await freshPostgres()
    const single = await cli(["adduser", "ann@localhost", "-", "--config", config], "secret-1\n")
    expect(single).toMatchObject({ code: 0 })
    const file = join(directory, "accounts.txt")
    writeFileSync(file, "bea@localhost secret-2\ncid@localhost secret-3\n")
    const many = await cli(["adduser", "--from-file", file, "--config", config])
    expect(many).toMatchObject({ code: 0, stdout: "created 2 accounts\n" })
    const url = /url = "([^"]+)"/.exec(readFileSync(config, "utf8"))?.[1] ?? ""
    const backend = await openPostgresBackend({ url, poolSize: 1 })
    if (failed(backend)) throw backend
    try {
      expect(await backend.accounts.usernames()).toEqual(
        expect.arrayContaining(["ann", "bea", "cid"]),
      )
    } finally {
      await backend.close()
    }
  }, 120_000)

  it("lets two servers started together on one fresh database both migrate and serve", async () => {
    if (postgres === undefined) throw new Error("PostgreSQL did not start")
    const url = await postgres.createDatabase("two_nodes")
    const start = (name: string) =>
      startServer({
        logger: silentLogger,
        config: makeConfig({
          server: { data_dir: join(directory, name) },
          storage: { backend: "postgres", url, pool_size: 2 },
          listen: { c2s: { host: "127.0.0.1", port: 0 }, websocket: { enabled: false } },
        }),
      })
    const servers = await Promise.all([start("node-a"), start("node-b")])
    try {
      const created = await servers[0].repositories.accounts.create(createUserRecord("ann", "pw"))
      expect(created).toBe(true)
      expect(await servers[1].repositories.accounts.get("ann")).toMatchObject({ username: "ann" })
    } finally {
      await Promise.all(servers.map((server) => server.stop()))
    }
  }, 120_000)
})

describe("import", () => {
  it("checks every line first, naming each mistake's line, and writes nothing", async () => {
    const config = configFile("bad-lines")
    const text = [
      header,
      account("ann"),
      "{not json",
      JSON.stringify({ type: "nickname", username: "ann" }),
      offline(1, "bob", "<message/>"),
      JSON.stringify({ ...JSON.parse(account("cid")), sha1_iterations: "many" }),
      account("ann"),
      "",
    ].join("\n")
    const result = await cli(["import", "--config", config, "--input", "-"], text)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("standard input is not a valid dump, nothing was imported")
    expect(result.stderr).toContain("line 3: not JSON")
    expect(result.stderr).toContain('line 4: unknown record type "nickname"')
    expect(result.stderr).toContain("line 6: account.sha1_iterations: expected an integer")
    expect(result.stderr).toContain("line 7: the same account (username) as line 2")
    expect(result.stderr).toContain('line 5: offline of "bob", who has no account line')
    expect(await accountsIn(config)).toBe(0)
  }, 60_000)

  it("refuses a dump without the header, or of another version", async () => {
    const config = configFile("no-header")
    const missing = await cli(["import", "--config", config], `${account("ann")}\n`)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("line 1: not an xmpp-amp dump")
    const future = header.replace('"version":1', '"version":99')
    const newer = await cli(["import", "--config", config], `${future}\n${account("ann")}\n`)
    expect(newer.stderr).toContain("line 1: dump format version 99 is not supported")
  }, 60_000)

  it("refuses a database that is not empty and leaves it as it was", async () => {
    const config = configFile("not-empty")
    const dump = join(directory, "one.jsonl")
    writeFileSync(dump, `${header}\n${account("ann")}\n`)
    expect((await cli(["import", "--config", config, "--input", dump])).code).toBe(0)
    writeFileSync(dump, `${header}\n${account("bob")}\n`)
    const second = await cli(["import", "--config", config, "--input", dump])
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(
      /the sqlite database .* is not empty \(1 account, .*\); import only fills an empty database, nothing was changed/,
    )
    const exported = await cli(["export", "--config", config])
    expect(exported.stdout).toContain('"username":"ann"')
    expect(exported.stdout).not.toContain('"username":"bob"')
  }, 60_000)

  it("is all or nothing: a row PostgreSQL rejects leaves the database empty", async () => {
    const config = await freshPostgres()
    // Valid JSON and a valid record, but PostgreSQL text cannot hold a NUL character.
    const text = [
      header,
      account("ann"),
      account("bob"),
      offline(7, "bob", "<message>\u0000</message>"),
    ].join("\n")
    const result = await cli(["import", "--config", config], text)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /^xmpp-amp-server: import into the postgres database .* failed, nothing was imported: /,
    )
    expect(await accountsIn(config)).toBe(0)
    // The same dump without the bad row goes in whole.
    const good = [header, account("ann"), account("bob"), offline(7, "bob", "<message/>")].join(
      "\n",
    )
    const imported = await cli(["import", "--config", config], good)
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.stdout).toMatch(/^imported 2 accounts, 0 roster items, 1 offline message, /)
    expect(await accountsIn(config)).toBe(2)
  }, 60_000)
})

describe("export", () => {
  it("writes to --output and prints its summary; the dump reads back", async () => {
    const config = configFile("export-output")
    const dump = join(directory, "in.jsonl")
    writeFileSync(dump, `${header}\n${account("ann")}\n${offline(5, "ann", "<message/>")}\n`)
    expect((await cli(["import", "--config", config, "--input", dump])).code).toBe(0)
    const output = join(directory, "out.jsonl")
    const result = await cli(["export", "--config", config, "--output", output])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^exported 1 account, .*1 offline message, .* to .*out\.jsonl\n$/)
    const lines = readFileSync(output, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
    expect(lines[0]).toMatchObject({ type: "header", format: "xmpp-amp-dump", version: 1 })
    expect(lines.slice(1)).toEqual([
      JSON.parse(account("ann")),
      JSON.parse(offline(5, "ann", "<message/>")),
    ])
  }, 60_000)

  it("reports an --output it cannot write in one line, exit 1", async () => {
    const config = configFile("export-unwritable")
    const output = join(directory, "missing-directory", "out.jsonl")
    const result = await cli(["export", "--config", config, "--output", output])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^xmpp-amp-server: cannot write .*out\.jsonl: ENOENT/)
  }, 30_000)

  it("rejects options of other commands", async () => {
    const result = await cli(["migrate", "--output", "x.jsonl"])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("--output belongs to export, not migrate")
  }, 30_000)
})
