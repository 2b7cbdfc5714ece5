// CLI usage: help, wrong arguments and configuration errors exit with code 2 and say why.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "./runCli.js"

let directory: string

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), "xmpp-amp-cli-usage-"))
})

afterAll(() => rmSync(directory, { recursive: true, force: true }))

describe("help", () => {
  it.each([["--help"], ["-h"], ["help"]])("%s prints the commands and exits 0", async (flag) => {
    const result = await runCli([flag], directory)
    expect(result.code).toBe(0)
    for (const command of ["start", "adduser", "deluser", "passwd"]) {
      expect(result.stdout).toContain(`  ${command} `)
    }
  })

  it("exits 2 with the usage when no command is given", async () => {
    const result = await runCli([], directory)
    expect(result.code).toBe(2)
    expect(result.stdout).toContain("Usage: xmpp-amp-server")
  })
})

describe("usage errors", () => {
  it.each([
    [["frobnicate"], 'unknown command "frobnicate"'],
    [["adduser", "a@localhost"], "adduser takes 2 arguments, got 1"],
    [["deluser"], "deluser takes 1 argument, got 0"],
    [["passwd", "a@localhost", "pw", "extra"], "passwd takes 2 arguments, got 3"],
    [["start", "now"], "start takes 0 arguments, got 1"],
    [["start", "--verbose"], "Unknown option '--verbose'"],
  ])("%j exits 2", async (args, message) => {
    const result = await runCli(args, directory)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(message)
  })
})

describe("configuration errors", () => {
  it("name the bad key and exit 2, before anything starts", async () => {
    const file = join(directory, "bad.toml")
    writeFileSync(file, `[listen.c2s]\ntls = "yes"\n`)
    for (const command of [["start"], ["adduser", "a@localhost", "pw"]]) {
      const result = await runCli([...command, "--config", file], directory)
      expect(result.code).toBe(2)
      expect(result.stderr).toBe(
        `xmpp-amp-server: configuration error: ${file}: listen.c2s.tls: expected "required" | "optional" | "off", got "yes"\n`,
      )
    }
  })

  it("name a missing file and exit 2", async () => {
    const missing = join(directory, "absent.toml")
    const result = await runCli(["start", "--config", missing], directory)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`${missing}: the configuration file does not exist`)
  })
})
