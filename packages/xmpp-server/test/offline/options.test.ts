// `[modules.offline]`, `[modules.mam]` and `[modules.carbons]` tables are validated at start:
// an unknown key or a bad value stops the server with a message naming the key; `enabled =
// false` turns a module off (its feature disappears from disco).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { builtinModuleNames, makeConfig, silentLogger, startServer, xml } from "../../src/index.js"
import { startTestServer } from "../helpers/testServer.js"
import { login } from "./clients.js"

const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-options-"))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const startWith = (modules: Record<string, Record<string, unknown>>) =>
  startServer({
    config: makeConfig(
      {
        server: { data_dir: dataDir },
        listen: {
          c2s: { host: "127.0.0.1", port: 0 },
          websocket: { host: "127.0.0.1", port: 0 },
          component: { host: "127.0.0.1", port: 0 },
        },
        modules,
      },
      { moduleNames: builtinModuleNames },
    ),
    logger: silentLogger,
  })

describe("module tables", () => {
  it("refuse unknown keys and bad values, naming the key", async () => {
    await expect(startWith({ offline: { max_mesages: 5 } })).rejects.toThrow(
      "modules.offline.max_mesages: unknown key (known: enabled, max_messages_per_user, max_bytes_per_user)",
    )
    await expect(startWith({ offline: { max_messages_per_user: 0 } })).rejects.toThrow(
      "modules.offline.max_messages_per_user: must be an integer >= 1",
    )
    await expect(startWith({ mam: { default: "sometimes" } })).rejects.toThrow(
      "modules.mam.default: must be one of always, roster, never",
    )
    await expect(startWith({ offline: { max_bytes_per_user: -1 } })).rejects.toThrow(
      "modules.offline.max_bytes_per_user: must be an integer >= 0",
    )
    await expect(startWith({ mam: { max_bytes_per_user: "lots" } })).rejects.toThrow(
      "modules.mam.max_bytes_per_user: must be an integer >= 0",
    )
    for (const bad of ["1 month", "7", "0d", 30, "-1h"])
      await expect(startWith({ mam: { archive_expires_after: bad } })).rejects.toThrow(
        'modules.mam.archive_expires_after: must be a duration such as "30s", "90min", "12h", "7d", "2w", "1y", or "never"',
      )
    await expect(startWith({ carbons: { copies: true } })).rejects.toThrow(
      "modules.carbons.copies: unknown key",
    )
  })

  it("enabled = false removes the module and its features", async () => {
    const test = await startTestServer({
      config: { modules: { offline: { enabled: false }, carbons: { enabled: false } } },
    })
    await test.addUser("alice", "alice-pass")
    const alice = await login(test, "alice", "a")
    const info = await alice.iq(
      xml(
        "iq",
        { type: "get", to: "localhost" },
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }),
      ),
    )
    const features = info
      .getChild("query")
      ?.getChildren("feature")
      .map((feature) => feature.attrs.var)
    expect(features).not.toContain("msgoffline")
    expect(features).not.toContain("urn:xmpp:carbons:2")
    expect(features).toContain("urn:xmpp:ping")
    await alice.stop()
    await test.stop()
  })
})
