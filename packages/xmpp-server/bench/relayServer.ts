// Runs the baseline relay (relay.ts) as its own process, like the server under test; prints
// `listening PORT` and serves until SIGTERM.
import { startRelayServer } from "./relay.js"

const { server, port } = await startRelayServer(process.argv[2] ?? "127.0.0.1")
process.stdout.write(`listening ${port}\n`)
process.once("SIGTERM", () => {
  server.close()
  process.exit(0)
})
