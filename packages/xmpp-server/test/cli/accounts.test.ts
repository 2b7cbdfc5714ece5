// The account commands of the CLI (spec/server.md "Running it"): adduser, deluser and passwd
// change the storage the server uses; mistakes get a clear message and a non-zero exit code.
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { adminSocketPath } from "../../src/admin/AdminSocket.js"
import { checkPassword } from "../../src/auth/credentials.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import { databaseFile } from "../../src/storage/SqliteStorage.js"
import { openSqliteBackend } from "../../src/storage/sqlite/SqliteBackend.js"
import { runCli } from "./runCli.js"

let directory: string
let configFile: string

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), "xmpp-amp-cli-"))
  configFile = join(directory, "server.toml")
  writeFileSync(configFile, `[server]\ndomain = "example.org"\ndata_dir = "state"\n`)
})

afterAll(() => rmSync(directory, { recursive: true, force: true }))

/** Reads the account from the database the CLI wrote, through the account repository as the server does. */
const account = async (username: string, dataDir = join(directory, "state")) => {
  const backend = await openSqliteBackend(databaseFile(dataDir))
  if (failed(backend)) throw backend
  try {
    const user = await backend.accounts.get(username)
    if (failed(user)) throw user
    return user
  } finally {
    await backend.close()
  }
}

describe("adduser", () => {
  it("creates an account whose password the server accepts", async () => {
    const result = await runCli(
      ["adduser", "Alice@example.org", "s3cret", "--config", configFile],
      directory,
    )
    expect(result).toEqual({ code: 0, stdout: "created alice@example.org\n", stderr: "" })
    const alice = await account("alice")
    expect(alice).toBeDefined()
    expect(alice && checkPassword(alice, "s3cret")).toBe(true)
    expect(alice && checkPassword(alice, "wrong")).toBe(false)
  })

  it("reads the password from standard input when it is -", async () => {
    const result = await runCli(
      ["adduser", "bob@example.org", "-", "-c", configFile],
      directory,
      "from stdin\n",
    )
    expect(result.code).toBe(0)
    const bob = await account("bob")
    expect(bob && checkPassword(bob, "from stdin")).toBe(true)
  })

  it("uses the defaults (domain localhost, ./data) without --config", async () => {
    const result = await runCli(["adduser", "carol@localhost", "pw"], directory)
    expect(result.stdout).toBe("created carol@localhost\n")
    expect((await account("carol", join(directory, "data")))?.username).toBe("carol")
  })

  it.each([
    [["adduser", "alice@example.org", "again"], "alice@example.org exists already"],
    [["adduser", "dave@example.net", "pw"], 'this server serves "example.org", not "example.net"'],
    [
      ["adduser", "example.org", "pw"],
      'expected a bare JID like user@example.org, got "example.org"',
    ],
    [["adduser", "dave@example.org/phone", "pw"], "expected a bare JID"],
    [["adduser", "da ve@example.org", "pw"], '"da ve" is not a valid username'],
    [["adduser", "dave@example.org", ""], "the password must not be empty"],
    [["adduser", "dave@example.org", "bell\u0007"], "unusable password"],
  ])("fails with exit code 1 for %j", async (args, message) => {
    const result = await runCli([...args, "--config", configFile], directory)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain(message)
    expect(await account("dave")).toBeUndefined()
  })
})

describe("passwd", () => {
  it("replaces the password", async () => {
    await runCli(["adduser", "erin@example.org", "old", "--config", configFile], directory)
    const result = await runCli(
      ["passwd", "erin@example.org", "new", "--config", configFile],
      directory,
    )
    expect(result).toEqual({
      code: 0,
      stdout:
        "changed the password of erin@example.org (no server running: changed the database directly)\n",
      stderr: "",
    })
    const erin = await account("erin")
    expect(erin && checkPassword(erin, "new")).toBe(true)
    expect(erin && checkPassword(erin, "old")).toBe(false)
  })

  it("fails for an unknown account", async () => {
    const result = await runCli(
      ["passwd", "nobody@example.org", "pw", "--config", configFile],
      directory,
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("there is no account nobody@example.org")
  })
})

describe("deluser", () => {
  it("deletes the account, and fails the second time", async () => {
    await runCli(["adduser", "frank@example.org", "pw", "--config", configFile], directory)
    const first = await runCli(["deluser", "frank@example.org", "--config", configFile], directory)
    expect(first).toEqual({
      code: 0,
      stdout: "deleted frank@example.org (no server running: changed the database directly)\n",
      stderr: "",
    })
    expect(await account("frank")).toBeUndefined()
    const second = await runCli(["deluser", "frank@example.org", "--config", configFile], directory)
    expect(second.code).toBe(1)
    expect(second.stderr).toContain("there is no account frank@example.org")
  })
})

describe("a stale admin socket", () => {
  it("is reported, and the command works on the database directly", async () => {
    await runCli(["adduser", "gina@example.org", "pw", "--config", configFile], directory)
    // A process that listens on the socket and is killed leaves the socket file behind.
    const path = adminSocketPath(join(directory, "state"))
    mkdirSync(join(directory, "state"), { recursive: true })
    const holder = spawn(process.execPath, [
      "-e",
      `require("node:net").createServer().listen(${JSON.stringify(path)}, () => console.log("up"))`,
    ])
    try {
      await new Promise((resolve) => holder.stdout.once("data", resolve))
    } finally {
      holder.kill("SIGKILL")
    }
    await new Promise((resolve) => holder.once("exit", resolve))
    expect(existsSync(path)).toBe(true)
    const result = await runCli(["deluser", "gina@example.org", "--config", configFile], directory)
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(`warning: ${path} exists but no server answers on it`)
    expect(result.stdout).toBe(
      "deleted gina@example.org (no server running: changed the database directly)\n",
    )
    expect(await account("gina")).toBeUndefined()
  })
})
