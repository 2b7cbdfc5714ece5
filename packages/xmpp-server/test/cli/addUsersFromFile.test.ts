// `xmpp-amp-server adduser --from-file FILE` through the real CLI: many accounts in one process
// and one transaction, from lines `JID PASSWORD` (blank lines and `#` comments skipped, `-`
// reads standard input); accounts that exist already are reported and left unchanged; a bad
// line is refused with its number and nothing at all is created.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { checkPassword } from "../../src/auth/credentials.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import { databaseFile } from "../../src/storage/SqliteStorage.js"
import { openSqliteBackend } from "../../src/storage/sqlite/SqliteBackend.js"
import { runCli } from "./runCli.js"

let directory: string
let configFile: string

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "xmpp-amp-cli-from-file-"))
  configFile = join(directory, "server.toml")
  writeFileSync(configFile, `[server]\ndomain = "example.org"\ndata_dir = "state"\n`)
})

afterEach(() => rmSync(directory, { recursive: true, force: true }))

/** The usernames stored, and whether `password` opens each one, as the server would check. */
const stored = async (passwords: Readonly<Record<string, string>>) => {
  const backend = await openSqliteBackend(databaseFile(join(directory, "state")))
  if (failed(backend)) throw backend
  try {
    const found: Record<string, boolean | "missing"> = {}
    for (const [username, password] of Object.entries(passwords)) {
      const user = await backend.accounts.get(username)
      if (failed(user)) throw user
      found[username] = user === undefined ? "missing" : checkPassword(user, password)
    }
    return found
  } finally {
    await backend.close()
  }
}

const fileWith = (text: string): string => {
  const file = join(directory, "accounts.txt")
  writeFileSync(file, text)
  return file
}

const fromFile = (file: string, stdin?: string) =>
  runCli(["adduser", "--from-file", file, "--config", configFile], directory, stdin)

describe("adduser --from-file", () => {
  it("creates every account of the file in one run; blank lines, comments, tabs and CRLF are fine", async () => {
    const file = fileWith(
      "# benchmark accounts\nalice@example.org a-pass\n\n   \nBob@example.org\tb-pass\r\n  # indented comment\ncarol@example.org  c-pass  \n",
    )
    const result = await fromFile(file)
    expect(result).toEqual({ code: 0, stdout: "created 3 accounts\n", stderr: "" })
    expect(await stored({ alice: "a-pass", bob: "b-pass", carol: "c-pass" })).toEqual({
      alice: true,
      bob: true,
      carol: true,
    })
  })

  it("reads standard input for -", async () => {
    const result = await fromFile("-", "dave@example.org d-pass\nerin@example.org e-pass\n")
    expect(result).toEqual({ code: 0, stdout: "created 2 accounts\n", stderr: "" })
    expect(await stored({ dave: "d-pass", erin: "e-pass" })).toEqual({ dave: true, erin: true })
  })

  it("creates a hundred accounts in one process", async () => {
    const lines = Array.from({ length: 100 }, (_, index) => `user${index}@example.org pw${index}`)
    const result = await fromFile(fileWith(lines.join("\n")))
    expect(result).toEqual({ code: 0, stdout: "created 100 accounts\n", stderr: "" })
    expect(await stored({ user0: "pw0", user57: "pw57", user99: "pw99" })).toEqual({
      user0: true,
      user57: true,
      user99: true,
    })
  })

  it("reports the accounts that existed already and leaves their passwords unchanged", async () => {
    expect(
      (await runCli(["adduser", "alice@example.org", "old", "-c", configFile], directory)).code,
    ).toBe(0)
    const result = await fromFile(fileWith("alice@example.org new\nfrank@example.org f-pass\n"))
    expect(result).toEqual({
      code: 0,
      stdout: "created 1 account\n1 account existed already, left unchanged: alice@example.org\n",
      stderr: "",
    })
    expect(await stored({ alice: "old", frank: "f-pass" })).toEqual({ alice: true, frank: true })
  })

  it.each([
    ["gina@example.org\n", 'line 2: expected "JID PASSWORD", got 1 field'],
    ["gina@example.org two words\n", 'line 2: expected "JID PASSWORD", got 3 fields'],
    ["gina@example.net pw\n", 'line 2: this server serves "example.org", not "example.net"'],
    ["gina@example.org/phone pw\n", "line 2: expected a bare JID"],
    ["gi\u0007na@example.org pw\n", 'line 2: "gi\u0007na" is not a valid username'],
    ["gina@example.org bell\u0007\n", "line 2: unusable password"],
    ["alice@example.org again\n", "line 2: alice@example.org is listed already on line 1"],
  ])("refuses a bad line with its number and creates nothing: %j", async (bad, message) => {
    const file = fileWith(`alice@example.org a-pass\n${bad}hank@example.org h-pass\n`)
    const result = await fromFile(file)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain(`xmpp-amp-server: ${file} ${message}`)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    expect(await stored({ alice: "a-pass", gina: "pw", hank: "h-pass" })).toEqual({
      alice: "missing",
      gina: "missing",
      hank: "missing",
    })
  })

  it("names standard input in the message when the bad line came from there", async () => {
    const result = await fromFile("-", "ivan@example.org\n")
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      'xmpp-amp-server: standard input line 1: expected "JID PASSWORD", got 1 field\n',
    )
  })

  it("fails with exit code 1 for a file it cannot read", async () => {
    const result = await fromFile(join(directory, "missing.txt"))
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`cannot read ${join(directory, "missing.txt")}`)
  })

  it.each([
    [
      ["adduser", "--from-file", "x.txt", "alice@example.org"],
      "adduser --from-file takes no JID or PASSWORD",
    ],
    [
      ["deluser", "alice@example.org", "--from-file", "x.txt"],
      "--from-file belongs to adduser, not deluser",
    ],
  ])("%j is a usage error (exit code 2)", async (args, message) => {
    const result = await runCli([...args, "--config", configFile], directory)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(message)
  })
})
