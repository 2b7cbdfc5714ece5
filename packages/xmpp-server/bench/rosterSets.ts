// `npm run bench:roster` (issue 25 item 2): roster sets per second against the server started
// through its CLI, next to XEP-0199 pings per second on the same connection as the baseline of
// the same run (an IQ round trip with no storage), from an empty roster and from a big one
// (a roster set must not cost more with thousands of items), and the slowest round trip of
// another user's pings meanwhile. Prints the rates and their ratios to the ping baseline.
//   npm run bench:roster -- --sets 5000 --roster-items 4000
import { mkdtempSync, rmSync } from "node:fs"
import { connect, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { createUserRecord } from "../src/auth/credentials.js"
import { databaseFile, openSqliteStorage } from "../src/storage/SqliteStorage.js"
import { type BenchServer, startBenchServer } from "./benchServer.js"

const { values } = parseArgs({
  options: {
    sets: { type: "string", default: "5000" },
    "roster-items": { type: "string", default: "4000" },
    window: { type: "string", default: "500" },
  },
})
const sets = Number(values.sets)
const bigRoster = Number(values["roster-items"])
const window = Number(values.window)
const password = "bench-password"

/** A logged-in raw connection that counts the replies whose id starts with a prefix. */
interface Connection {
  readonly socket: Socket
  /** Sends `count` requests made by `request(index)`, ≤ `window` unanswered, and resolves with the seconds taken. */
  pipeline(prefix: string, count: number, request: (index: number) => string): Promise<number>
  /** One request's round trip in ms. */
  roundTrip(id: string, request: string): Promise<number>
}

const login = async (port: number, username: string): Promise<Connection> => {
  const socket = connect({ host: "127.0.0.1", port, noDelay: true })
  socket.setEncoding("utf8")
  let received = ""
  let listener: (() => void) | undefined
  socket.on("data", (chunk: string) => {
    received += chunk
    listener?.()
  })
  const waitFor = (pattern: RegExp): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (!pattern.test(received)) return
        listener = undefined
        received = ""
        resolve()
      }
      listener = check
      check()
    })
  const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>`
  await new Promise((resolve) => socket.once("connect", resolve))
  socket.write(header)
  await waitFor(/<\/stream:features>/)
  const credentials = Buffer.from(`\u0000${username}\u0000${password}`).toString("base64")
  socket.write(
    `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${credentials}</auth>`,
  )
  await waitFor(/<success/)
  socket.write(header)
  await waitFor(/<\/stream:features>/)
  socket.write(
    "<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>bench</resource></bind></iq>",
  )
  await waitFor(/<\/jid>/)
  return {
    socket,
    pipeline: (prefix, count, request) =>
      new Promise((resolve) => {
        const started = performance.now()
        let sent = 0
        let answered = 0
        const mark = ` id="${prefix}`
        const refill = (): void => {
          let batch = ""
          while (sent < count && sent - answered < window) batch += request(sent++)
          if (batch !== "") socket.write(batch)
        }
        listener = () => {
          const parts = received.split(mark)
          answered += parts.length - 1
          received = parts[parts.length - 1] ?? ""
          if (answered >= count) {
            listener = undefined
            received = ""
            resolve((performance.now() - started) / 1000)
          } else refill()
        }
        refill()
      }),
    roundTrip: async (id, request) => {
      const started = performance.now()
      socket.write(request)
      await waitFor(new RegExp(` id="${id}"`))
      return performance.now() - started
    },
  }
}

const ping = (id: string): string => `<iq type='get' id='${id}'><ping xmlns='urn:xmpp:ping'/></iq>`
const rosterSet = (id: string, contact: string, name: string): string =>
  `<iq type='set' id='${id}'><query xmlns='jabber:iq:roster'><item jid='${contact}' name='${name}'/></query></iq>`

/** Runs `work` while another user pings in a loop; resolves with its result and the slowest ping. */
const whilePinging = async <A>(
  other: Connection,
  work: () => Promise<A>,
): Promise<{ readonly result: A; readonly slowestPingMs: number }> => {
  let done = false
  let slowest = 0
  let count = 0
  const pinging = (async () => {
    while (!done)
      slowest = Math.max(slowest, await other.roundTrip(`p${count}`, ping(`p${count++}`)))
  })()
  const result = await work()
  done = true
  await pinging
  return { result, slowestPingMs: slowest }
}

const directory = mkdtempSync(join(tmpdir(), "xmpp-amp-bench-roster-"))
let server: BenchServer | undefined
try {
  const dataDir = join(directory, "data")
  const storage = openSqliteStorage(databaseFile(dataDir))
  storage.transaction(() => {
    for (const name of ["empty", "big", "other"])
      storage.users.create(createUserRecord(name, password))
    for (let index = 0; index < bigRoster; index++)
      storage.roster.put("big", {
        jid: `contact${index}@localhost`,
        name: undefined,
        subscription: "both",
        ask_out: false,
        pending_in: undefined,
        groups: ["Friends"],
      })
  })
  storage.close()
  // Every module on, as by default; only the roster limit raised to fit the sets.
  server = await startBenchServer({
    directory,
    name: "roster",
    archive: true,
    ampModule: true,
    code: "sources",
    nodeArguments: [],
    serverKeys: [`max_roster_items = ${Math.max(bigRoster, sets) + 1}`],
  })
  const { port } = server
  const empty = await login(port, "empty")
  const big = await login(port, "big")
  const other = await login(port, "other")
  const pings = await empty.pipeline("ping", sets, (index) => ping(`ping${index}`))
  const fromEmpty = await whilePinging(other, () =>
    empty.pipeline("add", sets, (index) =>
      rosterSet(`add${index}`, `friend${index}@localhost`, `F${index}`),
    ),
  )
  const onBig = await whilePinging(other, () =>
    big.pipeline("set", sets, (index) =>
      rosterSet(`set${index}`, `contact${index % bigRoster}@localhost`, `Renamed ${index}`),
    ),
  )
  const perSecond = (seconds: number): number => sets / seconds
  const lines = [
    [`pings (baseline)`, perSecond(pings), undefined],
    [`roster sets, empty roster`, perSecond(fromEmpty.result), fromEmpty.slowestPingMs],
    [`roster sets, ${bigRoster} items`, perSecond(onBig.result), onBig.slowestPingMs],
  ] as const
  process.stdout.write(
    `${sets} requests each, ≤ ${window} in flight, one connection; another user pings meanwhile\n`,
  )
  for (const [label, rate, slowest] of lines)
    process.stdout.write(
      `${label.padEnd(28)} ${rate.toFixed(0).padStart(8)}/s  ${(rate / perSecond(pings)).toFixed(2)}x pings${slowest === undefined ? "" : `  other user's slowest ping ${slowest.toFixed(1)} ms`}\n`,
    )
  for (const connection of [empty, big, other]) connection.socket.destroy()
} finally {
  await server?.stop()
  rmSync(directory, { recursive: true, force: true })
}
