// ClusterHealth (issue 23, spec/cluster.md guarantee 7): the link's loss is logged once at
// error level (`cluster-down`, saying that new logins are refused), its return once
// (`cluster-up` with `down_ms`); closing the link at stop is no outage; NATS URLs in the lines
// hide passwords and tokens. The login refusal names whichever service is down.
import { describe, expect, it } from "vitest"
import { clusterHealth } from "../../src/cluster/ClusterHealth.js"
import { maskedNatsUrl, maskedNatsUrls } from "../../src/cluster/maskedNatsUrl.js"
import type { Logger } from "../../src/log/Logger.js"
import { loginRefusal, saslRefusal } from "../../src/storage/loginRefusal.js"

interface Line {
  readonly level: string
  readonly event: string
  readonly fields: Readonly<Record<string, unknown>> | undefined
}

const recordingLogger = (lines: Array<Line>): Logger => {
  const logger: Logger = {
    debug: (event, fields) => void lines.push({ level: "debug", event, fields }),
    info: (event, fields) => void lines.push({ level: "info", event, fields }),
    warn: (event, fields) => void lines.push({ level: "warn", event, fields }),
    error: (event, fields) => void lines.push({ level: "error", event, fields }),
    child: () => logger,
  }
  return logger
}

/** A link whose connection the test switches. */
const fakeLink = (initiallyUp = true) => {
  let up = initiallyUp
  const listeners: Array<(up: boolean) => void> = []
  return {
    node: "n1",
    isUp: () => up,
    onChange: (listener: (up: boolean) => void) => void listeners.push(listener),
    set: (next: boolean) => {
      up = next
      for (const listener of listeners) listener(next)
    },
  }
}

const setup = (initiallyUp = true) => {
  const lines: Array<Line> = []
  const link = fakeLink(initiallyUp)
  let time = 1000
  const health = clusterHealth({
    link,
    servers: ["nats://user:secret@127.0.0.1:4222", "nats://TOKEN@10.0.0.2:4222"],
    logger: recordingLogger(lines),
    now: () => time,
  })
  const advance = (ms: number): void => {
    time += ms
  }
  return { lines, link, health, advance }
}

describe("ClusterHealth", () => {
  it("is up while the link is; a loss is logged once at error level, the return once with down_ms", () => {
    const { lines, link, health, advance } = setup()
    expect(health.isDown()).toBe(false)
    expect(lines).toEqual([])
    link.set(false)
    link.set(false)
    expect(health.isDown()).toBe(true)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ level: "error", event: "cluster-down" })
    expect(lines[0]?.fields).toMatchObject({
      node: "n1",
      nats: "nats://user:***@127.0.0.1:4222, nats://***@10.0.0.2:4222",
    })
    expect(String(lines[0]?.fields?.note)).toContain("new logins are refused")
    advance(1234)
    link.set(true)
    link.set(true)
    expect(health.isDown()).toBe(false)
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatchObject({ level: "warn", event: "cluster-up" })
    expect(lines[1]?.fields).toMatchObject({ node: "n1", down_ms: 1234 })
    expect(JSON.stringify(lines)).not.toContain("secret")
    expect(JSON.stringify(lines)).not.toContain("TOKEN")
  })

  it("logs each later outage again", () => {
    const { lines, link } = setup()
    for (const next of [false, true, false, true]) link.set(next)
    expect(lines.map((line) => line.event)).toEqual([
      "cluster-down",
      "cluster-up",
      "cluster-down",
      "cluster-up",
    ])
  })

  it("is down at once over a link that is down when it starts watching", () => {
    const { lines, health } = setup(false)
    expect(health.isDown()).toBe(true)
    expect(lines.map((line) => line.event)).toEqual(["cluster-down"])
  })

  it("logs nothing once stopped: closing the link at server stop is no outage", () => {
    const { lines, link, health } = setup()
    health.stop()
    link.set(false)
    expect(lines).toEqual([])
  })
})

describe("maskedNatsUrl", () => {
  it("hides a password and a token, and leaves a URL without credentials alone", () => {
    expect(maskedNatsUrl("nats://127.0.0.1:4222")).toBe("nats://127.0.0.1:4222")
    expect(maskedNatsUrl("nats://xmpp:pw@db:4222")).toBe("nats://xmpp:***@db:4222")
    expect(maskedNatsUrl("tls://s3cr3t@nats.example")).toBe("tls://***@nats.example")
    expect(maskedNatsUrls(["nats://a:b@h1", "nats://h2:4222"])).toBe(
      "nats://a:***@h1, nats://h2:4222",
    )
  })
})

describe("the login refusal", () => {
  const up = { isDown: () => false }
  const down = { isDown: () => true }

  it("is none while storage and cluster are up, or on a single node", () => {
    expect(loginRefusal(up, up)).toBeUndefined()
    expect(loginRefusal(undefined, undefined)).toBeUndefined()
    expect(saslRefusal(up, up)).toBeUndefined()
  })

  it("says which service is down, with internal-server-error for either", () => {
    expect(loginRefusal(up, down)).toEqual({
      condition: "internal-server-error",
      text: "cluster unavailable",
    })
    expect(loginRefusal(down, up)).toEqual({
      condition: "internal-server-error",
      text: "storage unavailable",
    })
    expect(loginRefusal(down, down)?.text).toBe("storage unavailable, cluster unavailable")
    expect(saslRefusal(up, down)).toBe("temporary-auth-failure")
  })
})
