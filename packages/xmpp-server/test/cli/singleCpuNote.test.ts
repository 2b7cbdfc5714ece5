// The start-up note for a server with one CPU: shown only then, and only while V8's default
// (multi-threaded) garbage collector is in use, whichever way the flag was given.
import { describe, expect, it } from "vitest"
import { singleCpuNote } from "../../src/SingleCpuNote.js"

describe("singleCpuNote", () => {
  it("suggests --single-threaded-gc on one CPU", () => {
    expect(singleCpuNote(1, [], undefined)).toContain("NODE_OPTIONS=--single-threaded-gc")
  })

  it.each([
    ["more CPUs", 2, [], undefined],
    ["the flag on the command line", 1, ["--single-threaded-gc"], undefined],
    ["the flag spelt with underscores", 1, ["--single_threaded_gc"], undefined],
    ["the flag in NODE_OPTIONS", 1, [], "--max-old-space-size=512 --single-threaded-gc"],
  ])("says nothing with %s", (_, cpus, execArgv, nodeOptions) => {
    expect(singleCpuNote(cpus, execArgv, nodeOptions)).toBeUndefined()
  })
})
