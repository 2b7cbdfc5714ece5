// `npm run bench`: what the plugin costs per stanza, against the baseline of parsing the same
// stanza text with @xmpp/xml (work every @xmpp/client does anyway), measured in the same run:
// an ordinary chat message passing the middleware, an AMP reply matched to its tracker, and
// sending a message with rules against sending it without.

import xml, { type Element } from "@xmpp/xml"
import { parseXml } from "@xmpp-amp/amp-core"
import { amp, recipes } from "../src/index.js"

const chatText = `<message xmlns='jabber:client' from='juliet@example.test/balcony' to='romeo@example.test/orchard' type='chat' id='c1'><body>Wherefore art thou Romeo?</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>`
const replyText = `<message xmlns='jabber:client' from='example.test' to='romeo@example.test/orchard' id='r1'><amp xmlns='http://jabber.org/protocol/amp' status='notify' from='romeo@example.test/orchard' to='juliet@example.test'><rule action='notify' condition='deliver' value='stored'/></amp></message>`

let handler: (context: { stanza: Element }, next: () => unknown) => unknown = () => undefined
const plugin = amp({
  entity: {
    jid: { domain: "example.test", toString: () => "romeo@example.test/orchard" },
    send: async () => undefined,
    on: () => undefined,
    removeListener: () => undefined,
  },
  middleware: {
    use: (use) => {
      handler = use
    },
  },
  iqCaller: { request: async (stanza) => stanza },
})
// Many messages in flight, none of them settled by a `stored` notification.
for (let index = 0; index < 1_000; index++) plugin.track(`t${index}`, recipes.trackDelivery())
plugin.track("r1", recipes.trackDelivery())

const chat = parseXml(chatText)
const reply = parseXml(replyText)
const next = () => undefined
let sink = 0

const cases = {
  "chat message through the AMP middleware": () => {
    sink += handler({ stanza: chat }, next) === undefined ? 1 : 0
  },
  "AMP reply classified and matched to a tracker": () => {
    sink += handler({ stanza: reply }, next) === undefined ? 1 : 0
  },
  "build, attach 3 rules + id, write as text": () => {
    const message = xml("message", { to: "juliet@example.test" }, xml("body", {}, "hi"))
    plugin.attach(message, recipes.trackDelivery())
    sink += message.toString().length
  },
}

const parsing = (text: string) => () => {
  sink += parseXml(text).children.length
}

const baselines: Record<keyof typeof cases, [string, () => void]> = {
  "chat message through the AMP middleware": [
    "@xmpp/xml parse of the stanza text",
    parsing(chatText),
  ],
  "AMP reply classified and matched to a tracker": [
    "@xmpp/xml parse of the stanza text",
    parsing(replyText),
  ],
  "build, attach 3 rules + id, write as text": [
    "build the message and write it as text",
    () => {
      const message = xml("message", { to: "juliet@example.test" }, xml("body", {}, "hi"))
      sink += message.toString().length
    },
  ],
}

const round = (work: () => void, iterations: number): number => {
  const start = performance.now()
  for (let index = 0; index < iterations; index++) work()
  return iterations / ((performance.now() - start) / 1000)
}

const median = (values: readonly number[]): number =>
  [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)] ?? 0

const ROUNDS = 11
const ITERATIONS = 20_000
const format = (opsPerSecond: number): string =>
  `${Math.round(opsPerSecond).toLocaleString("en-US").padStart(11)} ops/s`

console.log(
  `@xmpp-amp/client bench (median of ${ROUNDS} alternating rounds, 1 001 trackers in flight)`,
)
for (const [name, work] of Object.entries(cases)) {
  const [baselineName, parse] = baselines[name as keyof typeof cases]
  round(work, ITERATIONS)
  round(parse, ITERATIONS / 4)
  const ratios: number[] = []
  const plugin: number[] = []
  const baseline: number[] = []
  for (let index = 0; index < ROUNDS; index++) {
    const ours = round(work, ITERATIONS)
    const theirs = round(parse, ITERATIONS / 4)
    plugin.push(ours)
    baseline.push(theirs)
    ratios.push(theirs / ours)
  }
  console.log(`  ${name}`)
  console.log(`    baseline  ${baselineName.padEnd(46)} ${format(median(baseline))}`)
  console.log(`    plugin    ${name.padEnd(46)} ${format(median(plugin))}`)
  console.log(`    ratio     plugin cost / baseline cost = ${(median(ratios) * 100).toFixed(1)}%`)
}
if (sink < 0) console.log(sink)
