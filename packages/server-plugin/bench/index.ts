// Benchmark (issue 6 item 7): the same load of chat messages through the in-memory host, once
// without AMP (the plugin says NotAmp and the host routes and delivers) and once with a
// `deliver=direct notify` rule on every message (the fast path), and once more with info log
// lines on (the full Effect path); the fast path once more on a host whose capabilities answer
// at once (`HostAnswer`: plain values, as the reference server's `route`, `maySeePresence` and
// `sendToUser` do); prints the rates and their ratios to the baseline.
import { parseXml } from "@xmpp-amp/amp-core"
import { startAmpPlugin } from "@xmpp-amp/server-plugin"
import { InMemoryHost } from "@xmpp-amp/server-plugin/test"

const MESSAGES = 20_000
const ROUNDS = 3
const ROMEO = "romeo@example.com/orchard"

const plain = parseXml(
  "<message to='juliet@example.com' id='b1' type='chat'><body>Wherefore art thou?</body></message>",
)
const withAmp = parseXml(
  "<message to='juliet@example.com' id='b1' type='chat'><body>Wherefore art thou?</body>" +
    "<amp xmlns='http://jabber.org/protocol/amp'><rule action='notify' condition='deliver' value='direct'/></amp></message>",
)

const host = new InMemoryHost().addUsers("juliet@example.com", "romeo@example.com")
host.setSubscription("juliet@example.com", "romeo@example.com", "both")
const plugin = await startAmpPlugin(host, {}, { logLevel: "None" })
// Info lines on (to a logger that drops them): every message takes the full Effect path.
const fullPathPlugin = await startAmpPlugin(host, {}, { logLevel: "Info", onLog: () => undefined })
const romeo = host.connect(ROMEO)
const juliet = host.connect("juliet@example.com/balcony")
const directHost = new InMemoryHost({ answers: "at-once" }).addUsers(
  "juliet@example.com",
  "romeo@example.com",
)
directHost.setSubscription("juliet@example.com", "romeo@example.com", "both")
const directPlugin = await startAmpPlugin(directHost, {}, { logLevel: "None" })
const sessions = [
  romeo,
  juliet,
  directHost.connect(ROMEO),
  directHost.connect("juliet@example.com/balcony"),
]

const withoutAmpLoad = async () => {
  for (let index = 0; index < MESSAGES; index += 1) {
    const result = await plugin.handleClientMessage(plain, ROMEO)
    if (result._tag === "NotAmp") {
      await host.route(plain)
      await host.deliver(plain, "write")
    }
  }
}

const withAmpLoad = async () => {
  for (let index = 0; index < MESSAGES; index += 1) {
    await plugin.handleClientMessage(withAmp, ROMEO)
  }
}

const directLoad = async () => {
  for (let index = 0; index < MESSAGES; index += 1) {
    await directPlugin.handleClientMessage(withAmp, ROMEO)
  }
}

const fullPathLoad = async () => {
  for (let index = 0; index < MESSAGES; index += 1) {
    await fullPathPlugin.handleClientMessage(withAmp, ROMEO)
  }
}

const measure = async (load: () => Promise<void>): Promise<number> => {
  let best = Number.POSITIVE_INFINITY
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const session of sessions) session.received.length = 0
    const started = performance.now()
    await load()
    best = Math.min(best, performance.now() - started)
  }
  return (MESSAGES / best) * 1000
}

await measure(withoutAmpLoad)
const baseline = await measure(withoutAmpLoad)
const amp = await measure(withAmpLoad)
const notifications = romeo.received.length
const full = await measure(fullPathLoad)
const direct = await measure(directLoad)
await plugin.stop()
await fullPathPlugin.stop()
await directPlugin.stop()

console.log(`messages per run: ${MESSAGES}, best of ${ROUNDS} runs`)
console.log(`without AMP:                ${baseline.toFixed(0)} msg/s (baseline)`)
console.log(`deliver=direct notify rule: ${amp.toFixed(0)} msg/s`)
console.log(`ratio (AMP / baseline):     ${(amp / baseline).toFixed(3)}`)
console.log(`AMP cost per message:       ${((1 / amp - 1 / baseline) * 1e6).toFixed(1)} µs`)
console.log(`notifications in last run:  ${notifications}`)
console.log(
  `full Effect path (info lines on): ${full.toFixed(0)} msg/s, ratio ${(full / baseline).toFixed(3)}, cost ${((1 / full - 1 / baseline) * 1e6).toFixed(1)} µs`,
)
console.log(
  `fast path, host answering at once: ${direct.toFixed(0)} msg/s, ratio ${(direct / baseline).toFixed(3)}, cost ${((1 / direct - 1 / baseline) * 1e6).toFixed(1)} µs`,
)
