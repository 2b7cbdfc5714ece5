#!/usr/bin/env node
// `npm test`: formatting and lint (Biome), the type-check of every project (tsc -b), then every
// package's tests through turbo. Each package's Vitest run leaves test-results/vitest.json; this
// script adds them up, fails when a package that has a `test` script collected no tests, and
// always ends with one line: `N passed, M failed`.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const workspaces = ["packages", "apps"].flatMap((dir) =>
  existsSync(join(root, dir))
    ? readdirSync(join(root, dir)).map((name) => join(root, dir, name))
    : [],
)
const tested = workspaces.filter((dir) => {
  const manifest = join(dir, "package.json")
  return existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).scripts?.test
})

const bin = (name) => join(root, "node_modules", ".bin", name)
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" }

const run = (label, command, args) => {
  console.log(`\n== ${label}: ${command} ${args.join(" ")}`)
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env })
  return result.status === 0
}

for (const dir of tested) rmSync(join(dir, "test-results"), { recursive: true, force: true })

const checks = [
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
for (const problem of problems) console.log(`problem: ${problem}`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
