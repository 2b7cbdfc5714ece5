#!/usr/bin/env node
// `npm run bench`: runs every package's `bench` script, one after another (benchmarks never run
// in parallel: they would measure each other). Each prints ratios against a baseline measured in
// the same run.
import { spawnSync } from "node:child_process"

const result = spawnSync(
  new URL("../node_modules/.bin/turbo", import.meta.url).pathname,
  ["run", "bench", "--concurrency=1", ...process.argv.slice(2)],
  { stdio: "inherit", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" } },
)
process.exit(result.status ?? 1)
