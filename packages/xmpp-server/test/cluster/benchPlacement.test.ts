// The load of `npm run bench -- --cluster` on two real nodes (one PostgreSQL, one nats-server):
// clients log in to the node their index names (bench/cluster/placement.ts), send same-node
// and cross-node messages as the placement says, every message arrives, and the generator
// reports the CPU of each process it was given.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { nodeOf, recipientsOf } from "../../bench/cluster/placement.js"
import { runLoad } from "../../bench/runLoad.js"
import { XmppClient } from "../../bench/xmppClient.js"
import { type LocalCluster, startLocalCluster } from "../helpers/localCluster.js"

const clients = 4
const messagesPerClient = 10
let cluster: LocalCluster

beforeAll(async () => {
  cluster = await startLocalCluster({ nodes: 2, config: { modules: { mam: { enabled: false } } } })
  for (let index = 1; index <= clients; index++)
    await cluster.nodes[0]?.addUser(`bench${index}`, "bench-password")
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
}, 60_000)

const loadOn = (placement: "same" | "cross") => {
  const ports = cluster.nodes.map((node) => node.c2sPort)
  return runLoad({
    clients,
    messagesPerClient,
    ratePerClient: 50,
    window: 2,
    loginConcurrency: 4,
    settleMilliseconds: 0,
    timeoutMilliseconds: 30_000,
    serverPid: undefined,
    recipientOf: recipientsOf(placement, clients, ports.length),
    cpuPids: [process.pid],
    login: (index) =>
      XmppClient.login({
        host: "127.0.0.1",
        port: ports[nodeOf(index, ports.length)] ?? 0,
        domain: "localhost",
        username: `bench${index + 1}`,
        password: "bench-password",
        resource: "bench",
        mechanism: "SCRAM-SHA-1",
        starttls: true,
      }),
  })
}

describe("the cluster bench's load on two nodes", () => {
  for (const placement of ["same", "cross"] as const) {
    it(`delivers every ${placement}-node message and reports each process's CPU`, async () => {
      const result = await loadOn(placement)
      expect(result.failures).toEqual([])
      expect(result.messagesSent).toBe(clients * messagesPerClient)
      expect(result.messagesDelivered).toBe(clients * messagesPerClient)
      expect(result.processCpuMillisecondsPer1000Messages).toHaveLength(1)
      expect(result.processCpuMillisecondsPer1000Messages[0]).toBeGreaterThanOrEqual(0)
    }, 60_000)
  }
})
