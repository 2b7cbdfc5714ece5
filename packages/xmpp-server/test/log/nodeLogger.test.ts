// A clustered node names itself (`thisNode`) on every log line, its modules' lines too; a
// single server's lines stay as they were (src/log/nodeLogger.ts).
import { describe, expect, it } from "vitest"
import { makeJsonLogger } from "../../src/log/Logger.js"
import { nodeLogger } from "../../src/log/nodeLogger.js"

const recording = () => {
  const lines: Array<Record<string, unknown>> = []
  const logger = makeJsonLogger({ write: (line) => lines.push(JSON.parse(line)) })
  return { lines, logger }
}

describe("nodeLogger", () => {
  it("adds thisNode to every line of a cluster node, children included, keeping a `node` field", () => {
    const { lines, logger } = recording()
    const node = nodeLogger(logger, { enabled: true, node: "n2", nats: [] })
    node.info("server-started", { domain: "localhost" })
    node.warn("cluster-node-down", { node: "n1", why: "silent" })
    node.child({ module: "push" }).error("push-failed", {})
    expect(lines.map(({ time: _time, ...rest }) => rest)).toEqual([
      { level: "info", event: "server-started", thisNode: "n2", domain: "localhost" },
      { level: "warn", event: "cluster-node-down", thisNode: "n2", node: "n1", why: "silent" },
      { level: "error", event: "push-failed", thisNode: "n2", module: "push" },
    ])
  })

  it("leaves a single server's lines unchanged", () => {
    const { lines, logger } = recording()
    const single = nodeLogger(logger, { enabled: false, node: "host-1", nats: [] })
    expect(single).toBe(logger)
    single.info("server-started", { domain: "localhost" })
    expect(Object.keys(lines[0] ?? {})).toEqual(["time", "level", "event", "domain"])
  })
})
