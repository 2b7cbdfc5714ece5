// The structured logger (src/log/Logger.ts): one JSON object per line, level filtering,
// child fields, errors reduced to name and message.
import { describe, expect, it } from "vitest"
import { makeJsonLogger } from "../../src/index.js"

describe("makeJsonLogger", () => {
  it("writes JSON lines at or above its level, with child fields and readable errors", () => {
    const lines: Array<string> = []
    const logger = makeJsonLogger({ level: "info", write: (line) => lines.push(line) })
    logger.debug("hidden-event")
    logger
      .child({ session: "a@localhost/x" })
      .warn("write-failed", { error: new TypeError("broken pipe") })
    expect(lines).toHaveLength(1)
    expect(lines[0]?.endsWith("\n")).toBe(true)
    const entry = JSON.parse(lines[0] ?? "")
    expect(entry).toMatchObject({
      level: "warn",
      event: "write-failed",
      session: "a@localhost/x",
      error: { name: "TypeError", message: "broken pipe" },
    })
    expect(Number.isNaN(Date.parse(entry.time))).toBe(false)
  })
})
