// `[cluster]` (issue 23 item 1, spec/cluster.md): off by default with a node name from the host
// name and pid and NATS on 127.0.0.1:4222; one URL as a string or several as an array; a
// `ConfigError` naming the key for a bad node name, a bad NATS URL, an empty list, an unknown
// key, and `enabled = true` without the PostgreSQL backend (a cluster shares one database).
import { hostname } from "node:os"
import { describe, expect, it } from "vitest"
import { defaultNodeName } from "../../src/config/clusterSection.js"
import { ConfigError, parseConfig } from "../../src/config/loadConfig.js"

const noEnvironment = { environment: {} }
const postgres = '[storage]\nbackend = "postgres"\nurl = "postgres://xmpp@127.0.0.1/xmpp"\n'

const errorOf = (work: () => unknown): ConfigError => {
  try {
    work()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error("expected a ConfigError")
}

const cluster = (lines: string, storage = postgres) =>
  parseConfig(`${storage}[cluster]\n${lines}\n`, "node.toml", noEnvironment).cluster

describe("[cluster]", () => {
  it("is off by default, named after the host and pid, with NATS on 127.0.0.1:4222", () => {
    const config = parseConfig("", undefined, noEnvironment).cluster
    expect(config).toEqual({
      enabled: false,
      node: defaultNodeName(),
      nats: ["nats://127.0.0.1:4222"],
    })
    expect(config.node).toMatch(/^[A-Za-z0-9_-]+-\d+$/)
    expect(config.node.endsWith(`-${process.pid}`)).toBe(true)
    expect(hostname().length).toBeGreaterThan(0)
  })

  it("reads an enabled node on PostgreSQL with its name and NATS servers", () => {
    expect(
      cluster('enabled = true\nnode = "n1"\nnats = ["nats://10.0.0.1:4222", "tls://nats.example"]'),
    ).toEqual({ enabled: true, node: "n1", nats: ["nats://10.0.0.1:4222", "tls://nats.example"] })
  })

  it("takes one NATS URL as a plain string", () => {
    expect(cluster('enabled = true\nnode = "a_B-9"\nnats = "nats://127.0.0.1:4333"')).toEqual({
      enabled: true,
      node: "a_B-9",
      nats: ["nats://127.0.0.1:4333"],
    })
  })

  it("takes credentials and IPv6 hosts in a NATS URL", () => {
    expect(cluster('nats = ["nats://user:secret@[::1]:4222"]').nats).toEqual([
      "nats://user:secret@[::1]:4222",
    ])
  })

  it("rejects bad node names, naming cluster.node", () => {
    for (const node of ["", "n.1", "node one", "n/1", "n*", "x".repeat(65), "nö"]) {
      const error = errorOf(() => cluster(`enabled = true\nnode = ${JSON.stringify(node)}`))
      expect(error.key, node).toBe("cluster.node")
      expect(error.message).toContain("letters, digits, '-' and '_' only")
    }
    expect(errorOf(() => cluster("node = 7")).key).toBe("cluster.node")
  })

  it("rejects what is not a NATS URL, naming cluster.nats and the value", () => {
    for (const url of [
      "http://127.0.0.1:4222",
      "127.0.0.1:4222",
      "nats://",
      "nats://:4222",
      "nats://host:99999",
      "nats://host:port",
      "nats://host:4222/path",
      "nats://host:4222?x=1",
      "nats://ho st:4222",
    ]) {
      const error = errorOf(() => cluster(`nats = [${JSON.stringify(url)}]`))
      expect(error.key, url).toBe("cluster.nats")
      expect(error.message).toContain(JSON.stringify(url))
    }
    expect(errorOf(() => cluster("nats = [4222]")).message).toContain("not a NATS URL: 4222")
  })

  it("rejects an empty list and a value that is neither string nor array", () => {
    for (const value of ["[]", "4222", "true"]) {
      const error = errorOf(() => cluster(`nats = ${value}`))
      expect(error.key, value).toBe("cluster.nats")
      expect(error.message).toContain("one or more NATS URLs")
    }
  })

  it("rejects an unknown key and a non-boolean enabled", () => {
    expect(errorOf(() => cluster('nodes = ["n1"]')).key).toBe("cluster.nodes")
    expect(errorOf(() => cluster('enabled = "yes"')).key).toBe("cluster.enabled")
  })

  it("rejects enabled = true on SQLite (the default backend), naming cluster.enabled", () => {
    const error = errorOf(() => cluster('enabled = true\nnode = "n1"', ""))
    expect(error.key).toBe("cluster.enabled")
    expect(error.message).toContain('backend = "postgres"')
    expect(error.message).toContain("node.toml")
    // Off, a [cluster] table on SQLite is fine (a config prepared before the move).
    expect(cluster('enabled = false\nnode = "n1"', "").enabled).toBe(false)
  })
})
