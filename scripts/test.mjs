#!/usr/bin/env node
// `npm test`: first the Debian packages the tests need (system-packages.mjs: installed with apt
// as root, else named in one line and the run stops), then the lockfile's platform binaries,
// formatting and lint (Biome), the type-check of every project (tsc -b), then every package's
// tests through turbo. Each package's Vitest run leaves test-results/vitest.json; this script
// adds them up, fails when a package that has a `test` script collected no tests, fails when a
// process the run started is still alive at its end (and stops it), and always ends with one
// line: `N passed, M failed`.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { ensureSystemPackages } from "./ensure-system-packages.mjs"
import {
  canFindLeftovers,
  newRunMarker,
  runMarkerName,
  stopLeftovers,
} from "./leftover-processes.mjs"
import { missingOptionalPackages } from "./lockfile-platforms.mjs"
import { systemPackages } from "./system-packages.mjs"

const root = new URL("..", import.meta.url).pathname
const workspacePatterns = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces
const workspaces = workspacePatterns.flatMap((pattern) => {
  if (!pattern.endsWith("/*")) return [join(root, pattern)]
  const dir = join(root, pattern.slice(0, -2))
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : []
})
const tested = workspaces.filter((dir) => {
  const manifest = join(dir, "package.json")
  return existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).scripts?.test
})

const bin = (name) => join(root, "node_modules", ".bin", name)
const marker = newRunMarker()
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: "1",
  DO_NOT_TRACK: "1",
  [runMarkerName]: marker,
}

const system = await ensureSystemPackages({ packages: systemPackages })
if (!system.ok) {
  console.log(system.problem)
  console.log("0 passed, 1 failed")
  process.exit(1)
}

const run = (label, command, args) => {
  console.log(`\n== ${label}: ${command} ${args.join(" ")}`)
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env })
  return result.status === 0
}

for (const dir of tested) rmSync(join(dir, "test-results"), { recursive: true, force: true })

const lockfileGaps = missingOptionalPackages(
  JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")),
)
console.log("\n== lockfile: every platform's optional packages")
for (const { from, name } of lockfileGaps)
  console.log(`package-lock.json lacks ${name} (of ${from})`)
const checks = [
  [
    "lockfile (regenerate it so that it lists every platform's optional packages)",
    lockfileGaps.length === 0,
  ],
  ["lint", run("lint", bin("biome"), ["check", "."])],
  ["typecheck", run("typecheck", bin("tsc"), ["-b"])],
]
const turboOk = run("tests", bin("turbo"), ["run", "test", "--continue", "--concurrency=2"])

let passed = 0
let failed = 0
const problems = []
for (const [name, ok] of checks) {
  if (ok) passed += 1
  else {
    failed += 1
    problems.push(`${name} failed`)
  }
}
for (const dir of tested) {
  const name = dir.slice(root.length)
  const report = join(dir, "test-results", "vitest.json")
  if (!existsSync(report)) {
    failed += 1
    problems.push(`${name}: no test report (the test run crashed or never started)`)
    continue
  }
  const result = JSON.parse(readFileSync(report, "utf8"))
  const total = result.numTotalTests ?? 0
  passed += result.numPassedTests ?? 0
  failed += result.numFailedTests ?? 0
  console.log(
    `${name}: ${result.numPassedTests} passed, ${result.numFailedTests} failed, ${result.numPendingTests + result.numTodoTests} skipped`,
  )
  if (total === 0) {
    failed += 1
    problems.push(`${name}: collected zero tests`)
  }
  if ((result.numPendingTests ?? 0) + (result.numTodoTests ?? 0) > 0) {
    failed += 1
    problems.push(`${name}: skipped or todo tests are not allowed to look green`)
  }
}
if (!turboOk && failed === 0) {
  failed += 1
  problems.push("turbo reported a failing task")
}
if (canFindLeftovers()) {
  const leftovers = await stopLeftovers(marker)
  for (const { pid, commandLine } of leftovers) {
    problems.push(`left running by the tests (now killed): pid ${pid}: ${commandLine}`)
  }
  if (leftovers.length > 0) failed += 1
} else {
  console.log("(no /proc here: processes left running by the tests are not checked)")
}
for (const problem of problems) console.log(`problem: ${problem}`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
