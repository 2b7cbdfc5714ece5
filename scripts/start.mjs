#!/usr/bin/env node
// `npm start`: builds the chat demo and runs it with the reference server (embedded storage,
// WebSocket, demo accounts), then prints the URL to open. The work is done by
// apps/chat-demo/server/start.ts, run with tsx on the packages' TypeScript sources so that no
// separate build step is needed. Ctrl-C stops everything.
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const entry = fileURLToPath(new URL("../apps/chat-demo/server/start.ts", import.meta.url))
const child = spawn(
  process.execPath,
  ["--conditions=@xmpp-amp/source", "--import", "tsx", entry, ...process.argv.slice(2)],
  { stdio: "inherit", cwd: root },
)
// The child gets Ctrl-C from the terminal itself; forward signals sent to this process only.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal))
child.on("error", (error) => {
  console.error(`Cannot start the demo: ${error.message}`)
  process.exit(1)
})
child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)))
