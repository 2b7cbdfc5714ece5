// `npm run bench`: the cost of AMP work on an incoming message (parseRequest + validation +
// the initial resolve, on an already-parsed <message/>) against the baseline of parsing the
// same stanza text with @xmpp/xml, measured in the same run. Target: AMP work ≤ 20% of parsing.
import { FULL_SUPPORT, parseRequest, parseXml, resolve, startMessage } from "@xmpp-amp/amp-core"

const stanza = `<message xmlns='jabber:client' from='romeo@montague.lit/orchard' to='juliet@capulet.lit' type='chat' id='bench-1'>
  <body>Did my heart love till now? Forswear it, sight! For I ne'er saw true beauty till this night.</body>
  <active xmlns='http://jabber.org/protocol/chatstates'/>
  <amp xmlns='http://jabber.org/protocol/amp'>
    <rule action='drop' condition='expire-at' value='2030-01-01T00:00:00Z'/>
    <rule action='alert' condition='deliver' value='stored'/>
    <rule action='notify' condition='deliver' value='direct'/>
  </amp>
</message>`

const routing = {
  sessions: "other-resources",
  wouldStoreOffline: true,
  wouldArchive: true,
} as const
const now = Date.UTC(2026, 0, 1)
const parsed = parseXml(stanza)

let sink = 0

const ampWork = (): void => {
  const result = parseRequest(parsed, FULL_SUPPORT)
  if (result._tag !== "Valid") throw new Error(`bench request did not validate: ${result._tag}`)
  const resolution = resolve(startMessage(result.request.rules, routing), "initial", now)
  sink += resolution.state.rules.length
}

const xmlParse = (): void => {
  sink += parseXml(stanza).children.length
}

/** Operations per second of one timed round of `iterations` calls. */
const round = (work: () => void, iterations: number): number => {
  const start = performance.now()
  for (let index = 0; index < iterations; index++) work()
  return iterations / ((performance.now() - start) / 1000)
}

const median = (values: readonly number[]): number =>
  [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)] ?? 0

// Warm up both, then alternate rounds so that machine noise hits both sides alike; the ratio is
// taken per pair of rounds and its median reported.
const ROUNDS = 15
const AMP_ITERATIONS = 40_000
const XML_ITERATIONS = 8_000
round(ampWork, AMP_ITERATIONS)
round(xmlParse, XML_ITERATIONS)
const ampRounds: number[] = []
const xmlRounds: number[] = []
const ratios: number[] = []
for (let index = 0; index < ROUNDS; index++) {
  const amp = round(ampWork, AMP_ITERATIONS)
  const xml = round(xmlParse, XML_ITERATIONS)
  ampRounds.push(amp)
  xmlRounds.push(xml)
  ratios.push(xml / amp)
}
const ratio = median(ratios)

const format = (opsPerSecond: number): string =>
  `${Math.round(opsPerSecond).toLocaleString("en-US").padStart(10)} ops/s`

console.log(`@xmpp-amp/amp-core bench (3-rule request, median of ${ROUNDS} alternating rounds)`)
console.log(`  baseline  @xmpp/xml parse of the stanza text           ${format(median(xmlRounds))}`)
console.log(`  amp       parseRequest + validate + initial resolve    ${format(median(ampRounds))}`)
console.log(
  `  ratio     AMP work / XML parse = ${(ratio * 100).toFixed(1)}% ` +
    `(target ≤ 20%: ${ratio <= 0.2 ? "met" : "NOT met"})`,
)
if (sink < 0) console.log(sink)
