#!/usr/bin/env node
// `npm run bench`: runs every package's `bench` script, one after another (benchmarks never run
// in parallel: they would measure each other). Each prints ratios against a baseline measured in
// the same run.
import { spawnSync } from "node:child_process"

// Options belong to one package's benchmark, not to all of them (turbo would refuse them anyway).
if (process.argv.length > 2) {
  process.stderr.write(
    `npm run bench takes no options (got ${process.argv.slice(2).join(" ")}); give them to one package's benchmark:\n` +
      "  npm run bench -w @xmpp-amp/xmpp-server -- --amp --clients 200\n",
  )
  process.exit(2)
}

const result = spawnSync(
  new URL("../node_modules/.bin/turbo", import.meta.url).pathname,
  ["run", "bench", "--concurrency=1"],
  { stdio: "inherit", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" } },
)
process.exit(result.status ?? 1)
