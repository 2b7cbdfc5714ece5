// The load generator as its own process (issue 4 item 10): points N clients at any XMPP server
// (or at the relay baseline) and prints the measurements as one JSON line, or as a table with
// --table. Accounts `${users-prefix}1` … `${users-prefix}N` must exist with one password.
// `--offline-recipients`: client N sends to `${users-prefix}-offline-N` instead, an account that
// never logs in (it must exist, with each sender subscribed both ways for AMP's presence check);
// give `--amp-rule stored` so each message is timed by the notify of its offline store.
// `--ports P1,P2 --placement same|cross|uniform` (the cluster bench): client N logs in to the
// node at port P(N mod 2) and sends to a client on its own node, on another, or either evenly
// (bench/cluster/placement.ts); `--cpu-pids` reports those processes' CPU over the exchange, and
// `--signal-pids` marks it for their heap meters (bench/heapMeter.mjs) with SIGUSR2.
//
//   node --import tsx bench/loadGenerator.ts --host 127.0.0.1 --port 5222 --domain localhost \
//     --users-prefix bench --password secret --clients 200 --messages 100 --rate 50 --table
import { parseArgs } from "node:util"
import { PLACEMENTS, recipientsOf } from "./cluster/placement.js"
import { RelayClient } from "./relay.js"
import { type LoadResult, runLoad } from "./runLoad.js"
import {
  AMP_BENCH_RULES,
  type AmpBenchRule,
  type BenchMechanism,
  XmppClient,
} from "./xmppClient.js"

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5222" },
    domain: { type: "string", default: "localhost" },
    "users-prefix": { type: "string", default: "bench" },
    password: { type: "string", default: "bench-password" },
    clients: { type: "string", default: "200" },
    messages: { type: "string", default: "100" },
    rate: { type: "string", default: "50" },
    window: { type: "string", default: "10" },
    mechanism: { type: "string", default: "SCRAM-SHA-1" },
    tls: { type: "string", default: "off" },
    protocol: { type: "string", default: "xmpp" },
    "server-pid": { type: "string" },
    "login-concurrency": { type: "string", default: "50" },
    "timeout-seconds": { type: "string", default: "60" },
    "settle-seconds": { type: "string", default: "1" },
    table: { type: "boolean", default: false },
    amp: { type: "boolean", default: false },
    "amp-rule": { type: "string" },
    sm: { type: "boolean", default: false },
    "signal-server": { type: "boolean", default: false },
    "slice-seconds": { type: "string" },
    "offline-recipients": { type: "boolean", default: false },
    "database-pid": { type: "string" },
    ports: { type: "string" },
    placement: { type: "string" },
    "cpu-pids": { type: "string" },
    "signal-pids": { type: "string" },
  },
})

const positive = (name: string, text: string | undefined): number => {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer, got ${text}`)
  return value
}

const nonNegative = (name: string, text: string | undefined): number => {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be a whole number ≥ 0, got ${text}`)
  return value
}

const mechanisms: ReadonlyArray<BenchMechanism> = ["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"]
const mechanism = mechanisms.find((candidate) => candidate === values.mechanism)
if (mechanism === undefined) throw new Error(`--mechanism must be one of ${mechanisms.join(", ")}`)
if (values.tls !== "off" && values.tls !== "starttls")
  throw new Error("--tls must be off or starttls")
if (values.protocol !== "xmpp" && values.protocol !== "relay")
  throw new Error("--protocol must be xmpp or relay")

/** `--amp-rule notify|silent`; `--amp` alone is `notify`. */
const ampRuleNames = Object.keys(AMP_BENCH_RULES) as Array<AmpBenchRule>
const ampRule = ampRuleNames.find(
  (name) => name === (values["amp-rule"] ?? (values.amp ? "notify" : undefined)),
)
if (values["amp-rule"] !== undefined && ampRule === undefined)
  throw new Error(`--amp-rule must be one of ${ampRuleNames.join(", ")}`)

if (values["offline-recipients"] && ampRule !== "stored")
  throw new Error(
    "--offline-recipients needs --amp-rule stored: a message to an offline account is timed by its notify",
  )

const host = values.host
/** `--ports` (one per cluster node) or the one `--port`. */
const ports = (values.ports ?? values.port)
  .split(",")
  .map((text) => positive(values.ports === undefined ? "port" : "ports", text))
const portOf = (index: number) => ports[index % ports.length] ?? 0
const placement = PLACEMENTS.find((name) => name === values.placement)
if (values.placement !== undefined && placement === undefined)
  throw new Error(`--placement must be one of ${PLACEMENTS.join(", ")}, got ${values.placement}`)
const clients = positive("clients", values.clients)
const cpuPids = (values["cpu-pids"] ?? "")
  .split(",")
  .filter(Boolean)
  .map((text) => positive("cpu-pids", text))
const signalPids = (values["signal-pids"] ?? "")
  .split(",")
  .filter(Boolean)
  .map((text) => positive("signal-pids", text))
const usernameOf = (index: number) => `${values["users-prefix"]}${index + 1}`

const result: LoadResult = await runLoad({
  clients,
  messagesPerClient: positive("messages", values.messages),
  ratePerClient: positive("rate", values.rate),
  window: positive("window", values.window),
  loginConcurrency: positive("login-concurrency", values["login-concurrency"]),
  settleMilliseconds: nonNegative("settle-seconds", values["settle-seconds"]) * 1000,
  timeoutMilliseconds: positive("timeout-seconds", values["timeout-seconds"]) * 1000,
  expectAmpNotifications: ampRule === "notify",
  signalServer: values["signal-server"],
  signalPids,
  sliceSeconds:
    values["slice-seconds"] === undefined
      ? undefined
      : positive("slice-seconds", values["slice-seconds"]),
  serverPid:
    values["server-pid"] === undefined ? undefined : positive("server-pid", values["server-pid"]),
  databasePid:
    values["database-pid"] === undefined
      ? undefined
      : positive("database-pid", values["database-pid"]),
  recipientOf: placement === undefined ? undefined : recipientsOf(placement, clients, ports.length),
  cpuPids,
  offlineRecipientOf: values["offline-recipients"]
    ? (index) => `${values["users-prefix"]}-offline-${index + 1}@${values.domain}`
    : undefined,
  login: (index) =>
    values.protocol === "relay"
      ? RelayClient.login(host, portOf(index), usernameOf(index))
      : XmppClient.login({
          host,
          port: portOf(index),
          domain: values.domain,
          username: usernameOf(index),
          password: values.password,
          resource: "bench",
          mechanism,
          starttls: values.tls === "starttls",
          streamManagement: values.sm,
        }).then((session) => {
          session.client.ampRule = ampRule
          return session
        }),
})

if (values.table) {
  for (const [key, value] of Object.entries(result)) {
    process.stdout.write(
      `${key.padEnd(38)} ${typeof value === "number" ? value.toFixed(2) : JSON.stringify(value)}\n`,
    )
  }
} else {
  process.stdout.write(`${JSON.stringify(result)}\n`)
}
process.exitCode = result.failures.length === 0 ? 0 : 1
