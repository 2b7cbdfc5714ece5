// `npm test` brings its own Debian packages (scripts/ensure-system-packages.mjs): nothing to do
// when they are there; as root with apt-get one update and one install of exactly the missing
// ones, the full log only when apt fails; otherwise one line naming them and the command.
import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import {
  binarySearchPath,
  ensureSystemPackages,
  isInstalled,
  onPath,
} from "../ensure-system-packages.mjs"
import { systemPackages } from "../system-packages.mjs"

const present = { name: "node-itself", detect: { binary: "node" } }
const absent = { name: "no-such-package", detect: { binary: "no-such-binary-xmpp-amp" } }
const absentModule = { name: "python3-no-such", detect: { python: "no_such_module_xmpp_amp" } }

const output = () => {
  const stream = new PassThrough()
  let text = ""
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString()
  })
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text }
}

const fakeApt = (results: Record<string, boolean> = {}) => {
  const calls: string[] = []
  const run = async (command: string, args: readonly string[]) => {
    calls.push(`${command} ${args.join(" ")}`)
    return { ok: results[args[0] ?? ""] ?? true, log: `log of ${args[0]}\n` }
  }
  return { calls, run }
}

describe("the declared system packages", () => {
  it("are chromium, python3-slixmpp, openssl, postgresql and nats-server, each with a way to detect it", () => {
    expect(systemPackages.map((p) => p.name)).toEqual([
      "chromium",
      "python3-slixmpp",
      "openssl",
      "postgresql",
      "nats-server",
    ])
  })

  it("detects a binary on PATH and a python module, and their absence", () => {
    expect(onPath("node")).toBe(true)
    expect(isInstalled(present)).toBe(true)
    expect(isInstalled(absent)).toBe(false)
    expect(isInstalled(absentModule)).toBe(false)
  })

  it("finds a binary in /usr/sbin (Debian's nats-server) also when PATH lacks it", () => {
    expect(binarySearchPath("/usr/bin:/bin").split(":")).toEqual([
      "/usr/bin",
      "/bin",
      "/usr/sbin",
      "/sbin",
    ])
  })
})

describe("ensureSystemPackages", () => {
  it("does nothing when every package is there", async () => {
    const apt = fakeApt()
    const out = output()
    const result = await ensureSystemPackages({
      packages: [present],
      root: true,
      aptGet: true,
      run: apt.run,
      out: out.stream,
    })
    expect(result).toEqual({ ok: true })
    expect(apt.calls).toEqual([])
    expect(out.text()).toBe("")
  })

  it("without root names the missing packages and the command in one line, and runs nothing", async () => {
    const apt = fakeApt()
    const result = await ensureSystemPackages({
      packages: [present, absent, absentModule],
      root: false,
      aptGet: true,
      run: apt.run,
    })
    expect(apt.calls).toEqual([])
    expect(result).toEqual({
      ok: false,
      problem:
        "Missing system packages for the tests: no-such-package, python3-no-such. Install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends no-such-package python3-no-such",
    })
    expect(result.problem).not.toContain("\n")
  })

  it("as root without apt-get names them too", async () => {
    const apt = fakeApt()
    const result = await ensureSystemPackages({
      packages: [absent],
      root: true,
      aptGet: false,
      run: apt.run,
    })
    expect(apt.calls).toEqual([])
    expect(result.ok).toBe(false)
    expect(result.problem).toContain("apt-get install -y --no-install-recommends no-such-package")
  })

  it("as root with apt-get runs one update and one install of exactly the missing ones", async () => {
    const apt = fakeApt()
    const out = output()
    const installedNow = new Set<string>()
    const result = await ensureSystemPackages({
      packages: [present, absent, absentModule],
      installed: (p: { name: string }) => p.name === present.name || installedNow.has(p.name),
      root: true,
      aptGet: true,
      run: async (command: string, args: readonly string[]) => {
        if (args[0] === "install") for (const name of args.slice(3)) installedNow.add(name)
        return apt.run(command, args)
      },
      out: out.stream,
    })
    expect(result).toEqual({ ok: true })
    expect(apt.calls).toEqual([
      "apt-get update",
      "apt-get install -y --no-install-recommends no-such-package python3-no-such",
    ])
    // One progress line, and no apt log when it worked.
    expect(out.text()).toMatch(
      /^Installing no-such-package, python3-no-such with apt-get: done in \d+ s\.\n$/,
    )
  })

  it("shows apt's full log and stops when the install fails", async () => {
    const apt = fakeApt({ install: false })
    const out = output()
    const result = await ensureSystemPackages({
      packages: [absent],
      root: true,
      aptGet: true,
      run: apt.run,
      out: out.stream,
    })
    expect(result.ok).toBe(false)
    expect(result.problem).toMatch(/^apt-get install failed\. Missing system packages/)
    expect(out.text()).toContain("$ apt-get update\nlog of update\n")
    expect(out.text()).toContain(
      "$ apt-get install -y --no-install-recommends no-such-package\nlog of install\n",
    )
  })

  it("says so when apt succeeded but the package still cannot be found", async () => {
    const apt = fakeApt()
    const result = await ensureSystemPackages({
      packages: [absent],
      root: true,
      aptGet: true,
      run: apt.run,
      out: output().stream,
    })
    expect(result).toEqual({
      ok: false,
      problem: "apt-get installed them, but no-such-package still cannot be found",
    })
  })
})
