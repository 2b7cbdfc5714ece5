// `npm test` itself (scripts/test.mjs) stops at once when a system package is missing and apt
// cannot install it: one line naming it and the command, then the closing `N passed, M failed`
// line, and no suite run. Run on a copy of the scripts with a package that does not exist and a
// PATH without apt-get, so nothing is installed.
import { spawnSync } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, expect, it } from "vitest"

const scripts = new URL("..", import.meta.url).pathname
const copies: string[] = []
afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true })
})

it("stops before any check with one line and `0 passed, 1 failed` when a package is missing", () => {
  const root = mkdtempSync(join(tmpdir(), "xmpp-amp-test-script-"))
  copies.push(root)
  cpSync(scripts, join(root, "scripts"), {
    recursive: true,
    filter: (source) => !/node_modules|test-results|[/\\]test$/.test(source),
  })
  const emptyBin = join(root, "bin") // a PATH without apt-get
  mkdirSync(emptyBin)
  writeFileSync(join(root, "package.json"), JSON.stringify({ workspaces: ["scripts"] }))
  writeFileSync(
    join(root, "scripts", "system-packages.mjs"),
    'export const systemPackages = [{ name: "no-such-package", detect: { binary: "no-such-binary-xmpp-amp" } }]\n',
  )
  const result = spawnSync(process.execPath, [join(root, "scripts", "test.mjs")], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, PATH: emptyBin },
  })
  expect(result.stdout.trim().split("\n")).toEqual([
    expect.stringMatching(
      /^Missing system packages for the tests: no-such-package\. Install them with: (sudo )?apt-get update && (sudo )?apt-get install -y --no-install-recommends no-such-package$/,
    ),
    "0 passed, 1 failed",
  ])
  expect(result.status).toBe(1)
})
