// The pure parts of XEP-0198 support: the outbound queue and `h` arithmetic (§4, modulo
// 2^32), the write tracker that gates `<a/>` (crash safety), and the validation of
// `[modules.stream_management]`, `[modules.register]` and `[modules.csi]` at start.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { makeConfig, silentLogger, startServer, xml } from "../../src/index.js"
import { HandoffTracker } from "../../src/sm/Handoff.js"
import { parseSmSettings } from "../../src/sm/SmSettings.js"
import { parseH, SmStream } from "../../src/sm/SmStream.js"

const message = (body: string) => xml("message", {}, xml("body", {}, body))

describe("SmStream", () => {
  it("confirms queued stanzas in order and refuses an h beyond what was sent", () => {
    const sm = new SmStream(true)
    for (const body of ["a", "b", "c"]) sm.push(message(body), body)
    const first = sm.acknowledge(2)
    expect(
      first === "too-high" ? first : first.map((stanza) => stanza.getChildText("body")),
    ).toEqual(["a", "b"])
    expect(sm.acknowledge(2)).toEqual([])
    expect(sm.acknowledge(5)).toBe("too-high")
    expect(sm.queue.map((entry) => entry.text)).toEqual(["c"])
  })

  it("counts modulo 2^32 on both sides", () => {
    const sm = new SmStream(false)
    sm.inbound = 2 ** 32 - 1
    sm.handled()
    expect(sm.inbound).toBe(0)
    const wrapping = new SmStream(false)
    for (let index = 0; index < 3; index++) wrapping.push(message(`m${index}`), `m${index}`)
    expect(wrapping.acknowledge(2 ** 32 - 1)).toBe("too-high")
    expect(parseH("4294967295")).toBe(2 ** 32 - 1)
    expect(parseH("4294967296")).toBeUndefined()
    expect(parseH("-1")).toBeUndefined()
    expect(parseH(undefined)).toBeUndefined()
  })

  it("gives resumable streams an unguessable id and others none", () => {
    const ids = new Set(Array.from({ length: 50 }, () => new SmStream(true).id))
    expect(ids.size).toBe(50)
    expect(new SmStream(false).id).toBe("")
  })
})

describe("HandoffTracker", () => {
  it("runs a task only after every earlier write completed, not later ones", () => {
    const tracker = new HandoffTracker()
    const order: Array<string> = []
    const first = tracker.begin()
    const second = tracker.begin()
    tracker.whenSettled(() => order.push("ack"))
    const third = tracker.begin()
    second()
    expect(order).toEqual([])
    first()
    expect(order).toEqual(["ack"])
    third()
    tracker.whenSettled(() => order.push("immediate"))
    expect(order).toEqual(["ack", "immediate"])
  })
})

describe("module settings", () => {
  it("reads [modules.stream_management] and names a bad key", () => {
    expect(parseSmSettings({ resume_timeout: 10 })).toEqual({
      resume_timeout: 10,
      ack_timeout: 30,
      max_unacked: 1000,
    })
    expect(() => parseSmSettings({ resume_timeout: -1 })).toThrow(
      "modules.stream_management.resume_timeout",
    )
    expect(() => parseSmSettings({ resume: 1 })).toThrow("modules.stream_management.resume")
  })

  it.each([
    [{ stream_management: { ack_timeout: "soon" } }, "modules.stream_management.ack_timeout"],
    [
      { register: { enabled: true, min_password_length: 0 } },
      "modules.register.min_password_length",
    ],
    [{ register: { captcha: true } }, "modules.register.captcha"],
    [{ csi: { hold: true } }, "modules.csi.hold"],
  ])("refuses to start with %j", async (modules, key) => {
    const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-units-"))
    const config = makeConfig({
      listen: { c2s: { port: 0 }, websocket: { enabled: false } },
      server: { data_dir: dataDir },
      modules,
    })
    await expect(startServer({ config, logger: silentLogger })).rejects.toThrow(key)
    rmSync(dataDir, { recursive: true, force: true })
  })
})
