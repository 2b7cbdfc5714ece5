#!/usr/bin/env node
// `npm start`: builds the chat demo and runs it with the reference server (embedded storage,
// WebSocket, demo accounts), then prints the URL to open. The work is done by
// apps/chat-demo/server/start.ts, run with tsx on the packages' TypeScript sources so that no
// separate build step is needed. Every way of stopping stops everything: Ctrl-C, a signal to
// npm (the script `exec`s this file, so npm signals it directly), to this process or to the
// demo process, and this process going away (the demo sees its IPC channel close) or its
// parent going away (this process then stops the demo and exits).
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { watchParent } from "./watch-parent.mjs"

const root = fileURLToPath(new URL("..", import.meta.url))
const entry = fileURLToPath(new URL("../apps/chat-demo/server/start.ts", import.meta.url))
const child = spawn(
  process.execPath,
  ["--conditions=@xmpp-amp/source", "--import", "tsx", entry, ...process.argv.slice(2)],
  { stdio: ["inherit", "inherit", "inherit", "ipc"], cwd: root },
)
// The child gets Ctrl-C from the terminal itself; forward signals sent to this process only.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal))
watchParent(() => child.kill("SIGTERM"))
child.on("error", (error) => {
  console.error(`Cannot start the demo: ${error.message}`)
  process.exit(1)
})
child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)))
