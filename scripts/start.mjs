#!/usr/bin/env node
import { spawn } from "node:child_process"
// `npm start`: runs the reference server with the demo configuration and serves the chat demo.
// Until the reference server and the demo exist, it says what is available.
import { existsSync } from "node:fs"

const root = new URL("..", import.meta.url).pathname
const demoStart = `${root}apps/chat-demo/scripts/start.mjs`
if (!existsSync(demoStart)) {
  console.log("xmpp-amp: the reference server and the chat demo are not built yet.")
  console.log("Available now: `npm test` (every test), `npm run bench` (benchmarks).")
  process.exit(0)
}
const child = spawn(process.execPath, [demoStart, ...process.argv.slice(2)], { stdio: "inherit" })
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal))
child.on("exit", (code) => process.exit(code ?? 0))
